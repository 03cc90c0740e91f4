"""Session 11 review of what happens after and around the handshake: each test failed before its
fix. Portable: plain test_* functions with assert (pytest and tools/mp_test.py)."""
from dtls_lite import Context
from dtls_lite import fragment as fr
from dtls_lite.crypto.util import SeededRng
from dtls_sim import Pair


def _hold_back_server_hello(seed):
    """A pair whose server's first ServerHello flight is held back, not delivered (the client
    stops then, or the datagram was lost); returns (pair, the flight)."""
    p = Pair(seed=seed)
    stale = []

    def capture(src, dst, d):
        if src == 'server' and d[13] == 2:      # a datagram opening with ServerHello
            stale.append(d)
            return None
        return d
    p.tamper = capture
    p.client.connect(p.server_addr)
    p.run(lambda: stale)
    p.tamper = None
    p.net.queue = []
    return p, stale


def _reborn(p, name):
    """The device reboots: a new client Context on the same address."""
    new = Context(app_data='client', clock=p.clock, rng=SeededRng(name))
    new.set_handler(p._write, p._read, p._event, p._psk)
    p.client = new
    return new


def test_a_flight_that_came_before_the_hello_verify_request_is_not_kept():
    # RFC 6347 §4.2.8: the server's flight to the client's previous run overtakes the
    # HelloVerifyRequest. The client kept it as messages ahead and took it for the answer to
    # its cookie hello: keys from the old server_random, every Finished dropped as bad_mac,
    # and the handshake hung until it expired (120 s).
    p, stale = _hold_back_server_hello(40)
    new = _reborn(p, b'reborn')
    new.connect(p.server_addr)
    p.step()                                   # the server answers the new hello: HVR
    new.handle_message(p.server_addr, stale[0])    # the old flight overtakes it
    start = p.clock.now
    assert p.run(p.both_connected, max_ms=10000), (p.events, p.server.stats)
    assert p.clock.now - start < 1000
    assert p.server.stats['bad_mac'] == 0


def test_the_server_stops_re_sending_to_a_client_that_restarted():
    # The server's timer re-sent its flight to the old run while the new one was in its
    # cookie exchange: that copy reached the new client after the HVR, and nothing could tell
    # it from the answer. A new hello from the address now stops that timer.
    p, stale = _hold_back_server_hello(41)
    old = p.server._lookup(p.client_addr)
    due = old.hs.timer.deadline
    new = _reborn(p, b'reborn2')
    p.clock.now = due - 12                     # back just before that timer fires
    new.connect(p.server_addr)
    p.run(lambda: p.clock.now >= due + 20)
    assert p.run(p.both_connected, max_ms=10000), (p.events, p.server.stats)
    assert p.server.stats['bad_mac'] == 0 and p.server.stats['expired'] == 0


def test_a_forged_new_hello_only_stops_the_servers_timer():
    # the cost of that: a hello with another random from a client's address (forged) stops
    # the server's timer, and the real client's own retransmission still completes it
    p, lost = _hold_back_server_hello(42)
    e = p.server._lookup(p.client_addr)
    forged = Pair(seed=43)
    sent = []
    forged.client.set_handler(lambda c, s, d: sent.append(bytes(d)) or len(d), None, None,
                              forged._psk)
    forged.client.connect(p.server_addr)
    p.server.handle_message(p.client_addr, sent[0])
    assert e.hs.timer.deadline is None
    assert p.run(p.both_connected, max_ms=30000), (p.events, p.server.stats)


def _fragment(off, flen, mlen, msg_seq=0, seq=0):
    """An epoch-0 record holding one ClientHello fragment of zero bytes."""
    from dtls_lite import record
    hdr = bytes((1, mlen >> 16, (mlen >> 8) & 255, mlen & 255, msg_seq >> 8, msg_seq & 255,
                 off >> 16, (off >> 8) & 255, off & 255, flen >> 16, (flen >> 8) & 255,
                 flen & 255))
    buf = bytearray(flen + 25)
    return bytes(buf[:record.write_plain(buf, 0, 22, 0, seq, hdr + bytes(flen))])


def test_a_partial_hello_a_peer_replaces_with_another_is_counted():
    # README: 'dropped' counts each partial hello the pool evicts; one the same peer
    # replaced by a fragment of another hello (another message_seq) went uncounted, another
    # peer's was counted
    server = Context(role='server', clock=lambda: 0, max_handshakes=1,
                     cookie_secret=b'0123456789abcdef0123456789abcdef')
    server.set_handler(lambda c, s, d: len(d), None, None, lambda c, s, k, i: b'k')
    server.handle_message('A', _fragment(0, 60, 120))
    server.handle_message('B', _fragment(0, 60, 120))      # evicts A's (a pool of one)
    assert server.stats['dropped'] == 1
    server.handle_message('B', _fragment(0, 60, 120, msg_seq=1))   # replaces B's own
    assert server.stats['dropped'] == 2
    # A datagram of fragments of many hellos made a new entry (a 2 KB buffer) for each: one
    # datagram, ~126 KB of garbage on MicroPython. Now the first new hello of a datagram only;
    # the rest is dropped, counted once.
    made = []
    real = fr.Reassembler

    def counting(*args):
        made.append(args)
        return real(*args)
    fr.Reassembler = counting
    try:
        server.handle_message('B', b''.join(_fragment(0, 10, 2048, msg_seq=i & 1, seq=i)
                                            for i in range(10)))
    finally:
        fr.Reassembler = real
    assert len(made) == 1, made
    assert server.stats['dropped'] == 2 + 2, server.stats    # B's own replaced, the rest


def test_coalesced_flight_fills_the_datagram_past_a_full_record():
    # R11: with coalesce_handshake and max_datagram over 2^14, a coalesced record reaching
    # 2^14 bytes of plaintext ended the whole datagram, not only the record: the option
    # meant to save bytes cost a datagram (without it: 3 datagrams; with it: 4)
    counts = []
    for coalesce in (False, True):
        cfg = {'ciphers': ['TLS_PSK_WITH_AES_128_CCM_8'], 'max_datagram': 65507,
               'coalesce_handshake': coalesce, 'max_handshake_message': 65536}
        pair = Pair(seed=1, client_config=cfg, server_config=cfg, hint=b'H' * 20000)
        sent = []

        def watch(src, dst, data, sent=sent):
            if src == 'server':
                sent.append(len(data))
            return data
        pair.tamper = watch
        assert pair.handshake()
        assert max(sent) <= 65507
        counts.append(len(sent))
    assert counts == [3, 3], counts
