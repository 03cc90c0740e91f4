"""DTLS engine benchmarks: handshake CPU per side, and heap per established session.

- Handshake CPU: a client and a server Context joined by an in-memory, lossless, zero-latency
  link (no sockets), TLS_PSK_WITH_AES_128_CCM_8 with the cookie exchange; the time spent
  inside each side's calls (connect/handle_message) is added up per side, mean of _N runs.
  Goal (issue 2 §5): <= 8 ms per side on MicroPython on this machine.
- Heap per session (MicroPython only, gc.mem_alloc): one server Context accepts _SESSIONS
  clients, each handshake followed by one application record each way (so the server has
  freed its handshake state); the client Contexts are dropped, the server keeps the sessions.
  Delta of gc.mem_alloc() after gc.collect(), divided by _SESSIONS. Same from the client side:
  one client Context with _SESSIONS sessions to throwaway servers. Goal: <= 1.5 KB.
  Also the heap of a server handshake in progress (what max_handshakes multiplies).

    python3 tools/bench.py bench_dtls_engine
    micropython -X heapsize=16M tools/bench.py bench_dtls_engine
"""
import gc
import sys
from dtls_pair import handshake_ms, make_server, established, server_heap_per_session, Link

sys.path.insert(0, '.')
import dtls_lite  # noqa: E402
from dtls_lite.crypto.util import SeededRng  # noqa: E402

_MICROPYTHON = sys.implementation.name == 'micropython'
_N = 30
_SESSIONS = 100
_KEY = bytes(range(16))
_CIPHERS = ['TLS_PSK_WITH_AES_128_CCM_8']


def _psk(ctx, session, kind, identity):
    if kind == dtls_lite.PSK_IDENTITY:
        return b'Client_identity'
    if kind == dtls_lite.PSK_KEY:
        return _KEY
    return None


def _drop(ctx, session, data):
    pass


class _Psk:
    """Both sides on a pre-shared key (tools/dtls_pair.py set-up)."""

    def __init__(self, ciphers=_CIPHERS):
        self.client_cfg = {'ciphers': ciphers}
        self.server_cfg = {'ciphers': ciphers}

    def client_handlers(self, ctx, write):
        ctx.set_handler(write, _drop, None, _psk)

    def server_handlers(self, ctx, write):
        ctx.set_handler(write, None, None, _psk)


def bench_handshake_cpu():
    rows = []
    for label, ciphers in (('psk ccm8', _CIPHERS),
                           ('ecdhe-psk x25519 chacha20',
                            ['TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256'])):
        c, s = handshake_ms(_Psk(ciphers), _N if label == 'psk ccm8' else 5)
        rows.append(('dtls handshake %s: client CPU' % label, c, 'ms'))
        rows.append(('dtls handshake %s: server CPU' % label, s, 'ms'))
    return rows


def bench_heap_per_session():
    if not _MICROPYTHON:
        return []
    rows = []
    # server side
    setup = _Psk()
    per_session = server_heap_per_session(setup, _SESSIONS)
    rows.append(('dtls heap per established session (server)', per_session, 'B'))
    gc.collect()
    # a server handshake in progress (after the cookie, awaiting ClientKeyExchange): what
    # max_handshakes multiplies
    server, links = make_server(setup, max_peers=64)
    server._cfg.max_handshakes = 64
    established(setup, server, links, 2000)
    gc.collect()
    before = gc.mem_alloc()
    pending = []
    for i in range(20):
        link = Link(setup, server, 3000 + i)
        links[link.addr] = link
        link.client.connect('S')
        for _ in range(3):          # CH1 -> HVR -> CH2 -> server flight (held, not delivered)
            who, data = link.queue.pop(0)
            if who == 'server':
                server.handle_message(link.addr, data)
            else:
                link.client.handle_message('S', data)
        pending.append(link.addr)
    for addr in pending:
        links[addr].client = None
        links[addr].queue = []
    gc.collect()
    after = gc.mem_alloc()
    rows.append(('dtls heap per server handshake in progress', (after - before) / 20, 'B'))
    del server, links, pending
    gc.collect()
    # client side: one client Context, many servers
    client = dtls_lite.Context(rng=SeededRng(b'client'), ciphers=_CIPHERS, max_peers=_SESSIONS + 8)
    servers = {}
    queue = []

    def cwrite(ctx, session, data):
        queue.append((session, bytes(data)))
        return len(data)
    client.set_handler(cwrite, None, None, _psk)

    def deliver(srv):
        while queue:
            item = queue.pop(0)
            if item[0] == 'C':
                client.handle_message(item[1], item[2])
            else:
                srv.handle_message('client', item[1])

    def connect(i):
        srv = dtls_lite.Context(rng=SeededRng(i))
        srv.set_handler(lambda c, s, d: queue.append(('C', i, bytes(d))) or len(d), None, None,
                        _psk)
        servers[i] = srv
        client.connect(i)
        deliver(srv)
        client.write(i, b'hello')
        srv.write('client', b'world')
        deliver(srv)
        del servers[i]

    connect(10000)
    connect(10001)
    gc.collect()
    before = gc.mem_alloc()
    for i in range(_SESSIONS):
        connect(i)
    gc.collect()
    after = gc.mem_alloc()
    rows.append(('dtls heap per established session (client)', (after - before) / _SESSIONS, 'B'))
    return rows
