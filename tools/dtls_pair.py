"""In-memory client/server Context pairs for the DTLS CPU and heap benchmarks
(tools/bench_dtls_engine.py: PSK; tools/bench_dtls_ecdsa.py: ECDHE_ECDSA).

A set-up object says how both sides are configured, and the benchmarks differ only in that:

    setup.client_cfg, setup.server_cfg      keyword dicts for dtls_lite.Context
    setup.client_handlers(ctx, write)       install the client's callbacks (write given)
    setup.server_handlers(ctx, write)       install the server's callbacks (write given)

One server Context talks to many Links (one client Context each) through lists of datagrams:
lossless, in order, zero latency, no sockets. The time spent inside each side's calls
(connect/handle_message) is accumulated per side with the bench driver's timer.
"""
import gc
import sys
from bench import timer_us, elapsed_us

sys.path.insert(0, '.')
import dtls_lite  # noqa: E402
from dtls_lite.crypto.util import SeededRng  # noqa: E402


class Link:
    """One client Context joined to a shared server; µs spent per side in self.us."""

    def __init__(self, setup, server, seed):
        self.queue = []
        self.us = {'client': 0, 'server': 0}
        self.server = server
        self.client = dtls_lite.Context(rng=SeededRng(seed), **setup.client_cfg)
        setup.client_handlers(self.client, self._to_server)
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


def make_server(setup, max_peers=16):
    """(server Context, links): links maps a client address to its Link, for the write callback."""
    links = {}
    server = dtls_lite.Context(rng=SeededRng(b'server'), max_peers=max_peers, max_handshakes=4,
                               **setup.server_cfg)

    def write(ctx, session, data):
        links[session].to_client(data)
        return len(data)
    setup.server_handlers(server, write)
    return server, links


def handshake_ms(setup, n, after_warmup=None):
    """Mean CPU ms of one full handshake (cookie exchange included), (client, server), over n
    runs after one warm-up run (imports, first allocations); after_warmup() is called between
    the warm-up and the measured runs (to reset the caller's own counters)."""
    server, links = make_server(setup)
    tot = {'client': 0, 'server': 0}
    for i in range(n + 1):
        link = Link(setup, server, i + 1)
        links[link.addr] = link
        gc.collect()
        link.handshake()
        server.close(link.addr)
        link.run()
        del links[link.addr]
        if not i and after_warmup is not None:
            after_warmup()
        if i:
            tot['client'] += link.us['client']
            tot['server'] += link.us['server']
    return tot['client'] / n / 1000, tot['server'] / n / 1000


def established(setup, server, links, i):
    """A new client (seed i + 1) that completes the handshake and one record each way, so the
    server has freed its handshake state; the server keeps the session, the Link is dropped."""
    link = Link(setup, server, i + 1)
    links[link.addr] = link
    link.handshake()
    link.client.write('S', b'hello')
    link.run()
    server.write(link.addr, b'world')
    link.run()
    del links[link.addr]


def server_heap_per_session(setup, sessions):
    """Bytes of MicroPython heap (gc.mem_alloc) per established session kept by one server
    Context: the delta over `sessions` sessions after two warm-up sessions (imports, lazily
    built tables), divided by `sessions`."""
    server, links = make_server(setup, sessions + 8)
    established(setup, server, links, 1000)
    established(setup, server, links, 1001)
    gc.collect()
    before = gc.mem_alloc()
    for i in range(sessions):
        established(setup, server, links, i)
    gc.collect()
    after = gc.mem_alloc()
    if len(server.sessions()) != sessions + 2:
        raise RuntimeError('sessions lost')
    return (after - before) / sessions
