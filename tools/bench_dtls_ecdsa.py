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
from dtls_pair import handshake_ms, server_heap_per_session

sys.path.insert(0, '.')
sys.path.insert(0, 'host_tests')
from dtls_lite import auth  # noqa: E402
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
    """Context keywords and handlers of both sides for one kind of authentication (a
    tools/dtls_pair.py set-up)."""

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

    def client_handlers(self, ctx, write):
        _handlers(ctx, write, self.client_key)

    def server_handlers(self, ctx, write):
        _handlers(ctx, write, self.server_key)


def _handlers(ctx, write, key):
    ctx.set_handler(write, None, None, None,
                    get_ecdsa_key=(lambda c, s: key) if key is not None else None)


def bench_ecdsa_handshake_cpu():
    rows = []
    for kind in ('x509 server-auth', 'x509 mutual', 'rpk mutual'):
        setup = _Setup(kind)
        c, s = handshake_ms(setup, _N)
        rows.append(('dtls ecdsa handshake %s p256 ccm8: client CPU' % kind, c, 'ms'))
        rows.append(('dtls ecdsa handshake %s p256 ccm8: server CPU' % kind, s, 'ms'))
    return rows


def bench_ecdsa_heap_per_session():
    if not _MICROPYTHON:
        return []
    rows = []
    for kind in ('x509 mutual', 'rpk mutual'):
        setup = _Setup(kind)
        per_session = server_heap_per_session(setup, _SESSIONS)
        rows.append(('dtls ecdsa heap per established session (server, %s)' % kind,
                     per_session, 'B'))
        gc.collect()
    return rows


class _EccClock:
    """Wraps the P-256 module's public operations so the time spent inside them during a
    handshake is summed (every caller reaches them through the module attribute)."""
    NAMES = ('generate_key', 'public_key', 'ecdh', 'sign', 'verify')

    def __init__(self):
        from dtls_lite.crypto import p256
        self.mod = p256
        self.us = 0
        self.calls = 0
        self.saved = [(n, getattr(p256, n)) for n in self.NAMES]
        for name, fn in self.saved:
            setattr(p256, name, self._wrap(fn))

    def _wrap(self, fn):
        from bench import timer_us, elapsed_us

        def timed(*args):
            t0 = timer_us()
            try:
                return fn(*args)
            finally:
                self.us += elapsed_us(t0)
                self.calls += 1
        return timed

    def reset(self):
        self.us = 0
        self.calls = 0

    def restore(self):
        for name, fn in self.saved:
            setattr(self.mod, name, fn)


def bench_ecdsa_protocol_overhead():
    """Issue 4 §7: a mutual X.509 handshake's CPU (both sides) over the time of the ECC
    operations it performs (goal <= 1.25, i.e. protocol overhead <= 25 %)."""
    rows = []
    for kind in ('x509 mutual', 'rpk mutual'):
        setup = _Setup(kind)
        clock = _EccClock()
        try:
            c, s = handshake_ms(setup, _N, clock.reset)
        finally:
            clock.restore()
        ecc_ms = clock.us / _N / 1000
        rows.append(('dtls ecdsa handshake %s: ECC ops per handshake (both sides)' % kind,
                     clock.calls / _N, 'ops'))
        rows.append(('dtls ecdsa handshake %s: ECC time (both sides)' % kind, ecc_ms, 'ms'))
        rows.append(('dtls ecdsa handshake %s: CPU / ECC time (goal <= 1.25)' % kind,
                     (c + s) / ecc_ms, 'x'))
    return rows
