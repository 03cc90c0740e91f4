"""ECDHE_ECDSA handshake benchmarks: CPU per side, and heap per established session.

- Handshake CPU: client and server Contexts joined by an in-memory, lossless link (no sockets),
  TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 over secp256r1 with the cookie exchange; time inside each
  side's calls added up per side, mean of _N runs after a warm-up. Three set-ups: X.509 server
  authentication (leaf + CA anchor), X.509 mutual, raw public keys mutual (RFC 7250).
  Credentials and trust anchors are parsed once, at start-up, as an application would.
- Heap per established session (MicroPython only): one server Context holds _SESSIONS mutual
  X.509 (or raw-key) sessions after one record each way; gc.mem_alloc delta / _SESSIONS. It
  includes the peer's certificate the session keeps for ctx.peer() (auth.PeerCert).
Keys and certificates: host_tests/test_x509_fixtures.py (test-only).

    python3 tools/bench.py bench_dtls_ecdsa
    micropython -X heapsize=16M tools/bench.py bench_dtls_ecdsa
"""
import gc
import sys
from bench import timer_us, elapsed_us

sys.path.insert(0, '.')
sys.path.insert(0, 'host_tests')
import dtls_lite  # noqa: E402
from dtls_lite import auth  # noqa: E402
from dtls_lite.crypto.util import SeededRng  # noqa: E402
import test_x509_fixtures as fx  # noqa: E402

_MICROPYTHON = sys.implementation.name == 'micropython'
_N = 8
_SESSIONS = 20
_CIPHERS = ['TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8']
_GROUPS = ['secp256r1']
_SERVER = auth.Credentials(fx.SERVER_KEY_SEC1, fx.SERVER_CRT)
_CLIENT = auth.Credentials(fx.CLIENT_KEY_PKCS8, fx.CLIENT_CRT)
_SERVER_RPK = auth.Credentials(fx.SERVER_KEY_SEC1)
_CLIENT_RPK = auth.Credentials(fx.CLIENT_KEY_PKCS8)


def _now():
    return fx.NOW


class _Setup:
    """Context keywords and handlers of both sides for one kind of authentication."""

    def __init__(self, kind):
        self.kind = kind
        rpk = kind == 'rpk mutual'
        mutual = kind != 'x509 server-auth'
        self.server_cfg = {'ciphers': _CIPHERS, 'groups': _GROUPS, 'require_client_cert': mutual}
        self.client_cfg = {'ciphers': _CIPHERS, 'groups': _GROUPS}
        if rpk:
            self.client_cfg['peer_keys'] = [_SERVER_RPK.spki]
            self.server_cfg['peer_keys'] = [_CLIENT_RPK.spki]
            self.server_key, self.client_key = _SERVER_RPK, _CLIENT_RPK
        else:
            # parse the anchors once, like a device at start-up
            from dtls_lite.x509.cert import load_certificates
            anchors = load_certificates(fx.CA_CRT)
            self.client_cfg.update(ca=anchors, cert_clock=_now, server_name='localhost')
            if mutual:
                self.server_cfg.update(ca=anchors, cert_clock=_now)
            self.server_key, self.client_key = _SERVER, (_CLIENT if mutual else None)

    def handlers(self, ctx, write, key):
        ctx.set_handler(write, None, None, None,
                        get_ecdsa_key=(lambda c, s: key) if key is not None else None)


class _Link:
    def __init__(self, setup, server, seed):
        self.queue = []
        self.us = {'client': 0, 'server': 0}
        self.server = server
        self.client = dtls_lite.Context(rng=SeededRng(seed), **setup.client_cfg)
        setup.handlers(self.client, self._to_server, setup.client_key)
        self.addr = ('10.0.0.%d' % (seed % 250), 1000 + seed)

    def _to_server(self, ctx, session, data):
        self.queue.append(('server', bytes(data)))
        return len(data)

    def to_client(self, data):
        self.queue.append(('client', bytes(data)))

    def run(self):
        while self.queue:
            who, data = self.queue.pop(0)
            t0 = timer_us()
            if who == 'server':
                self.server.handle_message(self.addr, data)
            else:
                self.client.handle_message('S', data)
            self.us[who] += elapsed_us(t0)

    def handshake(self):
        t0 = timer_us()
        self.client.connect('S')
        self.us['client'] += elapsed_us(t0)
        self.run()
        p = self.client.peer('S')
        if p is None or not p.connected:
            raise RuntimeError('handshake failed')


def _server(setup, max_peers=16):
    links = {}
    server = dtls_lite.Context(rng=SeededRng(b'server'), max_peers=max_peers, max_handshakes=4,
                               **setup.server_cfg)

    def write(ctx, session, data):
        links[session].to_client(data)
        return len(data)
    setup.handlers(server, write, setup.server_key)
    return server, links


def bench_ecdsa_handshake_cpu():
    rows = []
    for kind in ('x509 server-auth', 'x509 mutual', 'rpk mutual'):
        setup = _Setup(kind)
        server, links = _server(setup)
        tot = {'client': 0, 'server': 0}
        for i in range(_N + 1):
            link = _Link(setup, server, i + 1)
            links[link.addr] = link
            gc.collect()
            link.handshake()
            server.close(link.addr)
            link.run()
            del links[link.addr]
            if i:
                tot['client'] += link.us['client']
                tot['server'] += link.us['server']
        rows.append(('dtls ecdsa handshake %s p256 ccm8: client CPU' % kind,
                     tot['client'] / _N / 1000, 'ms'))
        rows.append(('dtls ecdsa handshake %s p256 ccm8: server CPU' % kind,
                     tot['server'] / _N / 1000, 'ms'))
    return rows


def bench_ecdsa_heap_per_session():
    if not _MICROPYTHON:
        return []
    rows = []
    for kind in ('x509 mutual', 'rpk mutual'):
        setup = _Setup(kind)
        server, links = _server(setup, _SESSIONS + 8)

        def established(i):
            link = _Link(setup, server, i + 1)
            links[link.addr] = link
            link.handshake()
            link.client.write('S', b'hello')
            link.run()
            server.write(link.addr, b'world')
            link.run()
            del links[link.addr]

        established(1000)
        established(1001)
        gc.collect()
        before = gc.mem_alloc()
        for i in range(_SESSIONS):
            established(i)
        gc.collect()
        after = gc.mem_alloc()
        if len(server.sessions()) != _SESSIONS + 2:
            raise RuntimeError('sessions lost')
        rows.append(('dtls ecdsa heap per established session (server, %s)' % kind,
                     (after - before) / _SESSIONS, 'B'))
        del server, links
        gc.collect()
    return rows
