"""A seeded, simulated datagram link and a client/server Context pair on top of it.

Portable (CPython and MicroPython). The network can drop, duplicate, reorder (random extra
delay) and corrupt (flip one byte) datagrams, each with a probability, all driven by a
SeededRng so that a failing seed replays exactly. Time is simulated: `Pair.run()` delivers
due datagrams, and when nothing is due jumps the shared clock to the next delivery or the
next retransmission deadline of either side.

    pair = Pair(seed=1, drop=0.2)
    assert pair.handshake()
    pair.client.write(pair.server_addr, b'hi'); pair.run()
    assert pair.received['server'] == [b'hi']

H5's fuzzer reuses this: `Pair.tamper` (a function (src, dst, data) -> data or None) sees
every datagram before the link's own faults.
"""
from dtls_lite import Context, PSK_HINT, PSK_IDENTITY, PSK_KEY, EVENT_CONNECTED
from dtls_lite.crypto.util import SeededRng

IDENTITY = b'Client_identity'
KEY = bytes(range(16))

CLIENT_ADDR = ('10.0.0.2', 40000)   # how the server names the client (an lwIP-style tuple)
SERVER_ADDR = b'\x02\x00\x16\x34\x0a\x00\x00\x01'   # how the client names the server (sockaddr bytes)


def records(datagram):
    """(content_type, epoch, fragment) of each record of a datagram."""
    out = []
    pos = 0
    while pos + 13 <= len(datagram):
        n = (datagram[pos + 11] << 8) | datagram[pos + 12]
        out.append((datagram[pos], (datagram[pos + 3] << 8) | datagram[pos + 4],
                    datagram[pos + 13:pos + 13 + n]))
        pos += 13 + n
    return out


def record_sizes(pair):
    """Make `pair` record the size of every datagram it carries but the ClientHellos (never
    fragmented, RFC 6347 §4.2.1); returns the list it fills."""
    sizes = []

    def measure(src, dst, data):
        if data[13] != 1:
            sizes.append(len(data))
        return data
    pair.tamper = measure
    return sizes


class Clock:
    def __init__(self):
        self.now = 0

    def __call__(self):
        return self.now


class Network:
    def __init__(self, seed=1, drop=0.0, duplicate=0.0, reorder=0.0, corrupt=0.0, latency=5):
        self.rng = SeededRng(b'net' + str(seed).encode())
        self.drop = drop
        self.duplicate = duplicate
        self.reorder = reorder
        self.corrupt = corrupt
        self.latency = latency
        self.queue = []        # [deliver_at, order, dst, src, data]
        self.order = 0
        self.sent = 0
        self.delivered = 0

    def chance(self, p):
        if p <= 0:
            return False
        b = self.rng(2)
        return ((b[0] << 8) | b[1]) < int(p * 65536)

    def send(self, now, src, dst, data):
        self.sent += 1
        data = bytes(data)
        if self.chance(self.drop):
            return
        copies = 2 if self.chance(self.duplicate) else 1
        for _ in range(copies):
            d = data
            if self.chance(self.corrupt) and len(d):
                i = self.rng(2)
                i = ((i[0] << 8) | i[1]) % len(d)
                d = d[:i] + bytes((d[i] ^ (1 + self.rng(1)[0] % 255),)) + d[i + 1:]
            delay = self.latency
            if self.chance(self.reorder):
                delay += self.rng(1)[0] % 50
            self.order += 1
            self.queue.append([now + delay, self.order, dst, src, d])

    def next_time(self):
        t = None
        for item in self.queue:
            if t is None or item[0] < t:
                t = item[0]
        return t

    def pop_due(self, now):
        best = None
        for item in self.queue:
            if item[0] <= now and (best is None or (item[0], item[1]) < (best[0], best[1])):
                best = item
        if best is not None:
            self.queue.remove(best)
            self.delivered += 1
        return best


class Pair:
    def __init__(self, seed=1, client_config=None, server_config=None, identity=IDENTITY,
                 key=KEY, server_keys=None, hint=b'', drop=0.0, duplicate=0.0, reorder=0.0,
                 corrupt=0.0, latency=5):
        self.clock = Clock()
        self.net = Network(seed, drop, duplicate, reorder, corrupt, latency)
        self.identity = identity
        self.key = key
        self.server_keys = server_keys if server_keys is not None else {identity: key}
        self.hint = hint
        self.tamper = None
        self.events = {'client': [], 'server': []}
        self.received = {'client': [], 'server': []}
        self.server_addr = SERVER_ADDR
        self.client_addr = CLIENT_ADDR
        sd = str(seed).encode()
        cc = dict(client_config or {})
        sc = dict(server_config or {})
        cc.setdefault('rng', SeededRng(b'client' + sd))
        sc.setdefault('rng', SeededRng(b'server' + sd))
        sc.setdefault('cookie_secret', b'0123456789abcdef0123456789abcdef')
        self.client = Context(app_data='client', clock=self.clock, **cc)
        self.server = Context(app_data='server', clock=self.clock, **sc)
        for ctx in (self.client, self.server):
            ctx.set_handler(self._write, self._read, self._event, self._psk)

    # callbacks ----------------------------------------------------------------------------

    def _write(self, ctx, session, data):
        if ctx is self.client:
            src, dst = 'client', 'server'
        else:
            src, dst = 'server', 'client'
        data = bytes(data)
        if self.tamper is not None:
            data = self.tamper(src, dst, data)
            if data is None:
                return len(data or b'')
        self.net.send(self.clock.now, src, dst, data)
        return len(data)

    def _read(self, ctx, session, data):
        self.received[ctx.app_data].append(bytes(data))

    def _event(self, ctx, session, level, code):
        self.events[ctx.app_data].append((level, code))

    def _psk(self, ctx, session, kind, identity):
        if kind == PSK_HINT:
            return self.hint
        if kind == PSK_IDENTITY:
            return self.identity
        if kind == PSK_KEY:
            if ctx is self.client:
                return self.key
            return self.server_keys.get(bytes(identity))
        return None

    # driving -------------------------------------------------------------------------------

    def step(self):
        """Deliver one due datagram, or advance time; False when nothing can happen."""
        item = self.net.pop_due(self.clock.now)
        if item is not None:
            if item[2] == 'server':
                self.server.handle_message(self.client_addr, item[4])
            else:
                self.client.handle_message(self.server_addr, item[4])
            return True
        cands = []
        for t in (self.net.next_time(), self.client.check_retransmit(self.clock.now),
                  self.server.check_retransmit(self.clock.now)):
            if t is not None:
                cands.append(t)
        if not cands:
            return False
        t = min(cands)
        if t > self.clock.now:
            self.clock.now = t
        self.client.check_retransmit(self.clock.now)
        self.server.check_retransmit(self.clock.now)
        return True

    def run(self, until=None, max_steps=20000, max_ms=None):
        """Step until `until()` is true (or nothing happens); returns until() or True."""
        limit = None if max_ms is None else self.clock.now + max_ms
        for _ in range(max_steps):
            if until is not None and until():
                return True
            if limit is not None and self.clock.now > limit:
                break
            if not self.step():
                break
        return until() if until is not None else True

    def connected(self, who):
        ctx = self.client if who == 'client' else self.server
        addr = self.server_addr if who == 'client' else self.client_addr
        p = ctx.peer(addr)
        return p is not None and p.connected

    def both_connected(self):
        return self.connected('client') and self.connected('server')

    def handshake(self, max_ms=None):
        self.client.connect(self.server_addr)
        return self.run(self.both_connected, max_ms=max_ms)

    def internal_errors(self):
        """Exceptions the engines caught in their safety net: any is a bug."""
        return self.client.stats['internal_error'] + self.server.stats['internal_error']

    def saw(self, who, level, code):
        return (level, code) in self.events[who]

    def connected_events(self, who):
        return self.events[who].count((0, EVENT_CONNECTED))
