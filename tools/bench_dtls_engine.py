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
from bench import timer_us, elapsed_us

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


class _Link:
    """Two Contexts, datagrams passed through a list; time spent per side accumulated."""

    def __init__(self, server, seed, ciphers):
        self.queue = []
        self.us = {'client': 0, 'server': 0}
        self.server = server
        self.client = dtls_lite.Context(rng=SeededRng(seed), ciphers=ciphers)
        self.client.set_handler(self._to_server, self._drop, None, _psk)
        self.addr = ('10.0.0.%d' % (seed % 250), 1000 + seed)

    def _to_server(self, ctx, session, data):
        self.queue.append(('server', bytes(data)))
        return len(data)

    def to_client(self, data):
        self.queue.append(('client', bytes(data)))

    def _drop(self, ctx, session, data):
        pass

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


def _server(ciphers=_CIPHERS, max_peers=16):
    links = {}
    server = dtls_lite.Context(rng=SeededRng(b'server'), ciphers=ciphers, max_peers=max_peers,
                               max_handshakes=4)

    def write(ctx, session, data):
        links[session].to_client(data)
        return len(data)
    server.set_handler(write, None, None, _psk)
    return server, links


def _handshake_us(ciphers, n):
    server, links = _server(ciphers)
    tot = {'client': 0, 'server': 0}
    for i in range(n + 1):
        link = _Link(server, i + 1, ciphers)
        links[link.addr] = link
        gc.collect()
        link.handshake()
        server.close(link.addr)
        link.run()
        del links[link.addr]
        if i:                       # the first run is a warm-up (imports, first allocations)
            tot['client'] += link.us['client']
            tot['server'] += link.us['server']
    return tot['client'] / n / 1000, tot['server'] / n / 1000


def bench_handshake_cpu():
    rows = []
    for label, ciphers in (('psk ccm8', _CIPHERS),
                           ('ecdhe-psk x25519 chacha20',
                            ['TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256'])):
        c, s = _handshake_us(ciphers, _N if label == 'psk ccm8' else 5)
        rows.append(('dtls handshake %s: client CPU' % label, c, 'ms'))
        rows.append(('dtls handshake %s: server CPU' % label, s, 'ms'))
    return rows


def _established(server, links, i):
    link = _Link(server, i + 1, _CIPHERS)
    links[link.addr] = link
    link.handshake()
    link.client.write('S', b'hello')
    link.run()
    server.write(link.addr, b'world')
    link.run()
    del links[link.addr]
    return link


def bench_heap_per_session():
    if not _MICROPYTHON:
        return []
    rows = []
    # server side
    server, links = _server(max_peers=_SESSIONS + 8)
    _established(server, links, 1000)        # warm-up: imports, lazily built tables
    _established(server, links, 1001)
    gc.collect()
    before = gc.mem_alloc()
    for i in range(_SESSIONS):
        _established(server, links, i)
    gc.collect()
    after = gc.mem_alloc()
    if len(server.sessions()) != _SESSIONS + 2:
        raise RuntimeError('sessions lost')
    rows.append(('dtls heap per established session (server)', (after - before) / _SESSIONS, 'B'))
    del server, links
    gc.collect()
    # a server handshake in progress (after the cookie, awaiting ClientKeyExchange): what
    # max_handshakes multiplies
    server, links = _server(max_peers=64)
    server._cfg.max_handshakes = 64
    _established(server, links, 2000)
    gc.collect()
    before = gc.mem_alloc()
    pending = []
    for i in range(20):
        link = _Link(server, 3000 + i, _CIPHERS)
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

    def connect(i):
        srv = dtls_lite.Context(rng=SeededRng(i))
        srv.set_handler(lambda c, s, d: queue.append(('C', i, bytes(d))) or len(d), None, None,
                        _psk)
        servers[i] = srv
        client.connect(i)
        while queue:
            item = queue.pop(0)
            if item[0] == 'C':
                client.handle_message(item[1], item[2])
            else:
                srv.handle_message('client', item[1])
        client.write(i, b'hello')
        srv.write('client', b'world')
        while queue:
            item = queue.pop(0)
            if item[0] == 'C':
                client.handle_message(item[1], item[2])
            else:
                srv.handle_message('client', item[1])
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
