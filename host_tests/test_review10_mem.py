"""Session 10 review of memory discipline: the heap running out mid-datagram, and secrets kept
after their use. Each test failed before its fix. Runs on both runtimes."""
import dtls_lite
from dtls_lite import engine
from dtls_lite import msg_finished as mf
from dtls_lite.crypto import ec
from dtls_lite.crypto.util import SeededRng
from dtls_sim import Pair

KEY = bytes(range(16))
CIPHERS = ['TLS_PSK_WITH_AES_128_CCM_8']


def _psk(ctx, s, kind, ident):
    return b'id' if kind == dtls_lite.PSK_IDENTITY else KEY if kind == dtls_lite.PSK_KEY else b''


class _Net:
    """One server, clients 'A' and 'B', a queue of datagrams; reads as (session, data)."""

    def __init__(self):
        self.q = []
        self.reads = []
        self.server = dtls_lite.Context('srv', role='server', ciphers=CIPHERS,
                                        cookie_secret=b'k' * 32, rng=SeededRng(b's'))
        self.server.set_handler(self._to_client, self._read, None, _psk)
        self.clients = {}
        for name in ('A', 'B'):
            c = self.clients[name] = dtls_lite.Context(name, role='client', ciphers=CIPHERS,
                                                       rng=SeededRng(name.encode()))
            c.set_handler(self._to_server, None, None, _psk)
            c.connect('S')
            self.pump()
            c.write('S', b'x')
            self.pump()
        del self.reads[:]

    def _to_client(self, ctx, s, d):
        self.q.append((self.clients[s], 'S', bytes(d)))
        return len(d)

    def _to_server(self, ctx, s, d):
        self.q.append((self.server, ctx.app_data, bytes(d)))
        return len(d)

    def _read(self, ctx, s, d):
        self.reads.append((s, bytes(d)))

    def pump(self):
        while self.q:
            ctx, s, d = self.q.pop(0)
            ctx.handle_message(s, d)


def test_heap_out_at_a_records_header_is_counted_not_raised():
    # MemoryError at the second record of a datagram escaped handle_message (parse_header ran
    # outside the engine's safety net), and the first record's plaintext, left in the shared
    # output queue, was delivered to the next session that called: B read A's data.
    net = _Net()
    a = net.clients['A']
    a.write('S', b'A: transfer 100 to account 1')
    a.write('S', b'A: second')
    datagram = net.q.pop(0)[2] + net.q.pop(0)[2]
    real = engine.parse_header
    calls = [0]

    def failing(data, pos):
        calls[0] += 1
        if calls[0] == 2:
            raise MemoryError
        return real(data, pos)
    engine.parse_header = failing
    try:
        net.server.handle_message('A', datagram)        # must not raise
    finally:
        engine.parse_header = real
    assert net.server.stats['out_of_memory'] == 1
    net.clients['B'].write('S', b'B: hello')
    net.pump()
    assert net.reads == [('A', b'A: transfer 100 to account 1'), ('B', b'B: hello')], net.reads


def test_heap_out_for_the_alert_still_closes():
    # MemoryError while sending the fatal alert (in _caught) escaped handle_message
    net = _Net()
    real = mf.write_alert

    def failing(level, desc):
        raise MemoryError
    events = []
    net.server._event = lambda ctx, s, level, code: events.append((s, level, code))
    mf.write_alert = failing
    try:
        # session A put back into a handshake, awaiting the ClientKeyExchange; a
        # ServerHelloDone there is a fatal unexpected_message, whose alert finds no heap
        e = net.server._peers['A']
        e.hs = engine.Handshake(e.cfg, 'A', 0, 5)
        e.state = 10     # engine._S_AWAIT_CLIENT_KEY_EXCHANGE (a const: no attribute on MicroPython)
        e.hs.transcript = []
        msg = bytes((14, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0))      # ServerHelloDone, seq 5
        rec = bytes((22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 9, 0, len(msg))) + msg
        net.server.handle_message('A', rec)                      # must not raise
    finally:
        mf.write_alert = real
    assert net.server.peer('A') is None and net.server.stats['out_of_memory'] == 1
    assert ('A', 0, dtls_lite.EVENT_CLOSED) in events, events


def test_output_of_a_call_that_raised_is_never_another_sessions():
    # whatever an engine call queued before raising is delivered to its own session (or
    # dropped), never left in the shared queue for the next call
    net = _Net()
    e = net.server._peers['A']
    real = e.handle_datagram

    def queue_then_raise(data, now_ms):
        e.cfg.out.append((1, b'A only', None))     # engine._OUT_APP
        raise MemoryError
    e.handle_datagram = queue_then_raise
    try:
        net.server.handle_message('A', b'\x17\xfe\xfd' + bytes(20))
    except MemoryError:
        pass
    e.handle_datagram = real
    assert not e.cfg.out
    net.clients['B'].write('S', b'B: hello')
    net.pump()
    assert ('B', b'A only') not in net.reads and ('B', b'B: hello') in net.reads, net.reads


def test_the_ecdhe_private_scalar_is_not_kept():
    # the wNAF digits of the last k*P (an ECDH private key) stayed in the curve's shared digit
    # array after the handshake, and spelled the key
    from dtls_lite.crypto import p256
    priv, pub = p256.generate_key(SeededRng(b'k'))
    peer_priv, peer_pub = p256.generate_key(SeededRng(b'p'))
    assert p256.ecdh(priv, peer_pub) == p256.ecdh(peer_priv, pub)
    assert ec.P256.digits is not None and not any(ec.P256.digits)


def test_closed_sessions_keep_no_traffic_keys():
    # the engine (connect() returns it) kept its AEADs after close, and the ChaCha20 state
    # kept the last record's key
    from dtls_lite.crypto import chacha20poly1305 as cc
    pair = Pair(seed=4, client_config={'ciphers': ['TLS_PSK_WITH_CHACHA20_POLY1305_SHA256']},
                server_config={'ciphers': ['TLS_PSK_WITH_CHACHA20_POLY1305_SHA256']})
    assert pair.handshake()
    e = pair.client._peers[pair.server_addr]
    pair.client.write(pair.server_addr, b'hi')
    pair.run()
    assert not any(cc._state[16:48])
    pair.client.close(pair.server_addr)
    assert e.rd is None and e.wr is None


class _FailingInsert(list):
    fail = True

    def insert(self, i, x):
        if _FailingInsert.fail:
            _FailingInsert.fail = False
            raise MemoryError       # the heap full as the queue grows for EVENT_CONNECT
        super().insert(i, x)


def test_connect_that_raises_leaves_no_hello_for_another_session():
    # connect(A) raising after its ClientHello was queued left the hello in the shared queue:
    # connect(B) then sent it to B
    sent = []
    ctx = dtls_lite.Context(role='client', ciphers=CIPHERS)
    ctx.set_handler(lambda c, s, d: sent.append((s, bytes(d))) or len(d), None, None, _psk)
    ctx._cfg.out = _FailingInsert()
    try:
        ctx.connect('A')
    except MemoryError:
        pass
    assert not ctx._cfg.out
    ctx.connect('B')
    assert [s for s, d in sent] in (['B'], ['A', 'B']), sent


def test_one_heap_failure_is_counted_once():
    pair = Pair(seed=2)
    assert pair.handshake()
    e = pair.server._peers[pair.client_addr]
    real = mf.write_alert

    def rec(*a):
        raise MemoryError       # the heap out while handling the record

    def alert(level, desc):
        raise MemoryError       # ... and still out for the alert
    e._record = rec
    mf.write_alert = alert
    try:
        pair.server.handle_message(pair.client_addr,
                                   bytes((23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 9, 0, 1, 0)))
    finally:
        mf.write_alert = real
    assert pair.server.stats['out_of_memory'] == 1
    assert pair.server.peer(pair.client_addr) is None
