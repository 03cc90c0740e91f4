"""Whole handshakes between our client and our server over the simulated link (dtls_sim):
every suite, PSK callbacks, alerts both sides see, retransmission on an injected clock,
cookies, limits, fragmentation, and a lossy/reordering/duplicating/corrupting network."""
import dtls_lite
from dtls_lite import suites
from dtls_sim import Pair, Clock, IDENTITY, KEY, record_sizes
from dtls_lite.crypto.util import SeededRng

ALL = [s[1] for s in suites.SUITES if s[2] != suites.KX_ECDHE_ECDSA]   # ECDSA: test_dtls_ecdsa.py
ECDHE = [s[1] for s in suites.SUITES if s[2] == suites.KX_ECDHE_PSK]


def _exchange(pair, n=1):
    for i in range(n):
        assert pair.client.write(pair.server_addr, b'ping %d' % i) == 5 + len(str(i))
        assert pair.server.write(pair.client_addr, b'pong %d' % i) == 5 + len(str(i))
    pair.run()
    assert pair.received['server'] == [b'ping %d' % i for i in range(n)]
    assert pair.received['client'] == [b'pong %d' % i for i in range(n)]


def test_every_suite_both_roles():
    for i, name in enumerate(ALL):
        cfg = {'ciphers': [name]}
        pair = Pair(seed=10 + i, client_config=cfg, server_config=cfg)
        assert pair.handshake(), name
        assert pair.client.peer(pair.server_addr).cipher == name
        assert pair.server.peer(pair.client_addr).cipher == name
        assert pair.server.peer(pair.client_addr).psk_identity == IDENTITY
        assert pair.connected_events('client') == 1 and pair.connected_events('server') == 1
        _exchange(pair, 2)


def test_ecdhe_groups():
    for group in ('x25519', 'secp256r1'):
        cfg = {'ciphers': ['TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256'], 'groups': [group]}
        pair = Pair(seed=group, client_config=cfg, server_config=cfg)
        assert pair.handshake(), group
        _exchange(pair)
    # the server's group preference wins among those the client offers
    pair = Pair(seed=5, client_config={'ciphers': ECDHE, 'groups': ['secp256r1', 'x25519']},
                server_config={'ciphers': ECDHE})
    assert pair.handshake()
    assert pair.client.peer(pair.server_addr).cipher == ECDHE[0]


def test_server_preference_and_no_common_suite():
    pair = Pair(seed=6, client_config={'ciphers': ['TLS_PSK_WITH_AES_128_CCM',
                                                   'TLS_PSK_WITH_AES_128_CCM_8']},
                server_config={'ciphers': ['TLS_PSK_WITH_AES_128_CCM_8',
                                           'TLS_PSK_WITH_AES_128_CCM']})
    assert pair.handshake()
    assert pair.client.peer(pair.server_addr).cipher == 'TLS_PSK_WITH_AES_128_CCM_8'
    pair = Pair(seed=7, client_config={'ciphers': ['TLS_PSK_WITH_AES_128_CCM']},
                server_config={'ciphers': ['TLS_PSK_WITH_AES_128_CCM_8']})
    assert not pair.handshake()
    assert pair.saw('client', 2, dtls_lite.HANDSHAKE_FAILURE)
    assert pair.saw('server', 2, dtls_lite.HANDSHAKE_FAILURE)
    assert pair.client.peer(pair.server_addr) is None


def test_psk_hint_identity_key_callbacks():
    calls = []
    pair = Pair(seed=8, hint=b'server-hint')

    def psk(ctx, session, kind, identity):
        calls.append((ctx.app_data, kind, identity))
        return pair._psk(ctx, session, kind, identity)
    pair.client.set_handler(pair._write, pair._read, pair._event, psk)
    pair.server.set_handler(pair._write, pair._read, pair._event, psk)
    assert pair.handshake()
    assert ('server', dtls_lite.PSK_HINT, None) in calls
    assert ('client', dtls_lite.PSK_IDENTITY, b'server-hint') in calls
    assert ('client', dtls_lite.PSK_KEY, IDENTITY) in calls
    assert ('server', dtls_lite.PSK_KEY, IDENTITY) in calls


def test_long_key_and_identity():
    ident = b'i' * 128
    key = bytes(range(64))
    pair = Pair(seed=9, identity=ident, key=key)
    assert pair.handshake()
    assert pair.server.peer(pair.client_addr).psk_identity == ident
    _exchange(pair)


def test_unknown_identity_alert_115_both_sides():
    pair = Pair(seed=11, identity=b'stranger', server_keys={IDENTITY: KEY})
    assert not pair.handshake()
    assert pair.saw('server', 2, dtls_lite.UNKNOWN_PSK_IDENTITY)
    assert pair.saw('client', 2, dtls_lite.UNKNOWN_PSK_IDENTITY)
    assert pair.client.peer(pair.server_addr) is None
    assert pair.server.peer(pair.client_addr) is None
    assert (0, dtls_lite.EVENT_CLOSED) in pair.events['client']


def test_wrong_key_never_connects():
    pair = Pair(seed=12, key=b'wrong key 16 byt', server_keys={IDENTITY: KEY})
    pair.client.connect(pair.server_addr)
    pair.run(max_ms=300000)
    assert not pair.connected('client') and not pair.connected('server')
    assert pair.server.stats['bad_mac'] >= 1          # the client's Finished never opens
    assert pair.client.peer(pair.server_addr) is None   # given up after the retransmissions


def test_bad_finished_decrypt_error_both_sides():
    pair = Pair(seed=13)
    pair.client.connect(pair.server_addr)
    engine = pair.client._peers[pair.server_addr]
    engine._finished = lambda label: bytes(12)
    pair.run()
    assert pair.saw('server', 2, dtls_lite.DECRYPT_ERROR)
    assert pair.saw('client', 2, dtls_lite.DECRYPT_ERROR)
    assert not pair.connected('client') and not pair.connected('server')


def test_close_notify_both_ways():
    pair = Pair(seed=14)
    assert pair.handshake()
    pair.client.close(pair.server_addr)
    pair.run()
    assert pair.saw('server', 1, dtls_lite.CLOSE_NOTIFY)
    assert pair.server.peer(pair.client_addr) is None
    assert pair.client.peer(pair.server_addr) is None
    pair = Pair(seed=15)
    assert pair.handshake()
    pair.server.close(pair.client_addr)
    pair.run()
    assert pair.saw('client', 1, dtls_lite.CLOSE_NOTIFY)
    assert pair.client.peer(pair.server_addr) is None
    try:
        pair.client.write(pair.server_addr, b'x')
        raise AssertionError('write after close')
    except dtls_lite.NotConnected:
        pass


def test_write_before_connected_raises():
    pair = Pair(seed=16)
    try:
        pair.client.write(pair.server_addr, b'x')
        raise AssertionError('no exception')
    except dtls_lite.NotConnected:
        pass
    pair.client.connect(pair.server_addr)
    try:
        pair.client.write(pair.server_addr, b'x')       # handshake under way
        raise AssertionError('no exception')
    except dtls_lite.NotConnected:
        pass


def test_cookie_exchange_keeps_server_stateless():
    pair = Pair(seed=17)
    pair.client.connect(pair.server_addr)
    pair.run(lambda: pair.net.delivered == 1)            # the first ClientHello arrives
    assert pair.server.stats['hello_verify_sent'] == 1
    assert pair.server.sessions() == []                  # no state before a valid cookie
    assert pair.run(pair.both_connected)
    # a hello with a forged cookie gets a fresh HelloVerifyRequest, not state
    other = Pair(seed=18)
    other.client.connect(other.server_addr)
    engine = other.client._peers[other.server_addr]
    engine.hs.client_hello.cookie = b'\x00' * 16
    engine._send_client_hello(0)
    while other.net.queue:
        other.step()
        if other.server.stats['hello_verify_sent'] >= 2:
            break
    # the forged cookie got a fresh HelloVerifyRequest, and no state at any point
    assert other.server.stats['hello_verify_sent'] == 2
    assert other.server.sessions() == []


def test_record_plaintext_at_most_2_14_bytes():
    # RFC 5246 §6.2.1 (RFC 6347 §4.1): a record's plaintext MUST NOT exceed 2^14 bytes, whatever
    # the datagram allows. write() sends what one record takes and says how much, as before.
    from dtls_lite import record
    cfg = {'ciphers': ['TLS_PSK_WITH_AES_128_CCM_8'], 'max_datagram': 20000}
    pair = Pair(seed=21, client_config=cfg, server_config=cfg)
    assert pair.handshake()
    lengths = []
    pair.tamper = lambda src, dst, data: lengths.append(record.parse_header(data, 0)[4]) or data
    for size, sent in ((16384, 16384), (17000, 16384), (19000, 16384), (100, 100)):
        assert pair.client.write(pair.server_addr, b'A' * size) == sent, size
        pair.run()
        assert lengths[-1] == sent + 16, (size, lengths)      # explicit nonce 8 + CCM_8 tag 8
    assert [len(d) for d in pair.received['server']] == [16384, 16384, 16384, 100]
    assert pair.client.stats['internal_error'] == 0


def test_records_up_to_the_rfc_limit_are_received_by_default():
    # RFC 5246 §6.2.3: a peer may send records up to 2^14 + 2048 bytes (OpenSSL does, for long
    # writes), and by default we advertise no smaller limit: the default Context takes them,
    # decrypting one larger than its 2 KB receive buffer in a buffer made for it. They used to be
    # dropped and counted as bad_mac. A Context given a smaller max_record tells the peer
    # (RFC 8449 record_size_limit) and drops larger records as 'dropped' from a peer that
    # ignores it.
    big = {'ciphers': ['TLS_PSK_WITH_AES_128_GCM_SHA256'], 'max_datagram': 20000}
    pair = Pair(seed=22, client_config=big, server_config={'ciphers': big['ciphers']})
    assert pair.handshake()
    assert len(pair.server._cfg.rxbuf) == 2048
    for size in (2000, 2100, 16384, 10):
        assert pair.client.write(pair.server_addr, bytes(size)) == size
    pair.run()
    assert [len(d) for d in pair.received['server']] == [2000, 2100, 16384, 10]
    assert pair.server.stats['bad_mac'] == 0 and pair.server.stats['dropped'] == 0
    small = Pair(seed=23, client_config=big,
                 server_config={'ciphers': big['ciphers'], 'max_record': 1500})
    assert small.handshake()
    assert len(small.server._cfg.rxbuf) == 1500
    # max_record bounds the record's length field, whatever the suite's explicit nonce (GCM: 8
    # bytes, tag 16): the most plaintext is 1500 - 24, what the server advertised
    limit = 1500 - 8 - 16
    assert small.client.max_write(small.server_addr) == limit
    for size in (limit - 1, limit, limit + 1, 1600):
        assert small.client.write(small.server_addr, bytes(size)) == min(size, limit)
    small.run()
    assert [len(d) for d in small.received['server']] == [limit - 1, limit, limit, limit]
    assert small.server.stats['dropped'] == 0
    # a peer that ignores the limit: 1500 is taken, 1501 dropped
    small.client._lookup(small.server_addr).peer_limit = 16384
    for size in (limit, limit + 1, 20):
        small.client.write(small.server_addr, bytes(size))
    small.run()
    assert [len(d) for d in small.received['server']][4:] == [limit, 20]
    assert small.server.stats['dropped'] == 1 and small.server.stats['bad_mac'] == 0


def test_a_large_record_the_heap_cannot_hold_drops_only_that_record():
    # The buffer for a record over the shared 2 KB one is allocated before the record is
    # authenticated: a forged one on a full heap must cost that record only (counted), not the
    # session (it used to end it with internal_error).
    from dtls_lite import engine
    big = {'ciphers': ['TLS_PSK_WITH_AES_128_GCM_SHA256'], 'max_datagram': 20000}
    pair = Pair(seed=24, client_config=big, server_config={'ciphers': big['ciphers']})
    assert pair.handshake()

    def full_heap(n):
        if isinstance(n, int) and n > 2048:
            raise MemoryError('memory allocation failed')
        return bytearray(n)
    engine.bytearray = full_heap          # shadows the builtin in engine.py only
    try:
        pair.client.write(pair.server_addr, bytes(3000))
        pair.run()
    finally:
        del engine.bytearray
    assert pair.server.stats['out_of_memory'] == 1 and pair.server.stats['internal_error'] == 0
    assert pair.both_connected() and pair.received['server'] == []
    pair.client.write(pair.server_addr, bytes(3000))
    pair.run()
    assert [len(d) for d in pair.received['server']] == [3000]


def test_long_cookie_with_a_small_max_datagram():
    # RFC 6347 §4.2.1: cookie<0..2^8-1>. The ClientHello that carries it is never fragmented, so
    # with max_datagram=100 it outgrows the send buffer (max_datagram + 64): the client sends it
    # whole all the same (it used to fail with internal_error: BufferError in write_plain).
    from dtls_lite import fragment as fr
    from dtls_lite import msg_hello as mh
    from dtls_lite import record
    for n in (80, 81, 255):
        pair = Pair(seed=19, client_config={'max_datagram': 100})
        sent = []
        pair.tamper = lambda src, dst, data: sent.append(bytes(data))    # kept, not delivered
        pair.client.connect(pair.server_addr)
        cookie = bytes(range(n))
        buf = bytearray(400)
        end = record.write_plain(buf, 0, 22, 0, 0, fr.message(
            fr.HELLO_VERIFY_REQUEST, 0, mh.write_hello_verify_request(cookie)))
        pair.client.handle_message(pair.server_addr, bytes(buf[:end]))
        assert pair.client.stats['internal_error'] == 0, n
        assert len(sent) == 2 and len(sent[1]) == 13 + 12 + len(sent[0]) - 25 + n, (n, sent)
        hello = mh.parse_client_hello(sent[1][25:])
        assert hello.cookie == cookie
        assert pair.client.peer(pair.server_addr) is not None          # still handshaking


def _inject(pair, to_client, msg_type, seq, body):
    from dtls_lite import fragment as fr
    from dtls_lite import record
    buf = bytearray(400)
    n = record.write_plain(buf, 0, 22, 0, 50, fr.message(msg_type, seq, body))
    if to_client:
        pair.client.handle_message(pair.server_addr, bytes(buf[:n]))
    else:
        pair.server.handle_message(pair.client_addr, bytes(buf[:n]))


def test_unexpected_and_malformed_messages_get_fatal_alerts():
    from dtls_lite import fragment as fr
    from dtls_lite import msg_hello as mh
    sh = mh.write_server_hello(mh.ServerHello(random=bytes(32), cipher_suite=0xC0A8,
                                              extensions=[(23, b''), (0xFF01, b'\x00')]))
    cases = ((fr.SERVER_HELLO_DONE, b'', dtls_lite.UNEXPECTED_MESSAGE),
             (fr.SERVER_HELLO, sh + b'\x00', dtls_lite.DECODE_ERROR),
             (fr.SERVER_HELLO, sh[:-11] + b'\x00\x04\x77\x77\x00\x00',
              dtls_lite.UNSUPPORTED_EXTENSION),
             (fr.SERVER_HELLO, sh[:-11] + b'\x00\x05\xff\x01\x00\x01\x00',
              dtls_lite.HANDSHAKE_FAILURE),        # no extended_master_secret: required
             (fr.SERVER_HELLO, b'\xfe\xff' + sh[2:], dtls_lite.PROTOCOL_VERSION),
             (fr.SERVER_HELLO, sh[:35] + b'\x00\x9c' + sh[37:], dtls_lite.ILLEGAL_PARAMETER))
    for msg_type, body, alert in cases:
        pair = Pair(seed=30)
        pair.client.connect(pair.server_addr)
        _inject(pair, True, msg_type, 0, body)
        assert pair.saw('client', 2, alert), (msg_type, alert, pair.events)
        assert pair.client.peer(pair.server_addr) is None
        sent = [d for d in pair.net.queue if d[2] == 'server']
        assert sent[-1][4][0] == 21 and sent[-1][4][-2:] == bytes((2, alert))   # alert sent


def test_hello_numbers_near_their_limits_are_dropped():
    """The server continues message_seq and the epoch-0 record sequence number from the
    client's hello; a hello that leaves no room (uint16 / uint48) is dropped, not answered."""
    from dtls_lite import record
    pair = Pair(seed=31)
    sent = []
    pair.tamper = lambda src, dst, data: sent.append((src, data)) or data
    assert pair.handshake()
    hello = [d for src, d in sent if src == 'client'][1]       # the cookie-bearing one
    stats = pair.server.stats
    for patch in ((5, b'\xff\xff\xff\xff\xff\xff'), (17, b'\xff\xff')):
        bad = bytearray(hello)
        bad[patch[0]:patch[0] + len(patch[1])] = patch[1]
        answered, dropped = stats['hello_verify_sent'], stats['dropped']
        pair.server.handle_message(('10.1.1.1', 1), bytes(bad))      # a stranger (HVR path)
        # dropped and counted, not answered with a HelloVerifyRequest
        assert (stats['hello_verify_sent'], stats['dropped']) == (answered, dropped + 1), patch
        pair.server.handle_message(pair.client_addr, bytes(bad))       # the client's address
    # the same hello with ordinary numbers is answered (the check above is what dropped them)
    pair.server.handle_message(('10.1.1.1', 1), bytes(hello))
    assert stats['hello_verify_sent'] == answered + 1
    assert pair.server.stats['internal_error'] == 0
    assert pair.both_connected()
    assert record.parse_header(hello, 0)[0] == 22


def test_broken_framing_mid_handshake_is_discarded():
    """RFC 6347 §4.1.2.7: a record whose handshake framing is invalid is dropped, so a forged
    or damaged datagram (here before every real one, both ways) cannot end a handshake."""
    from dtls_lite import record
    pair = Pair(seed=32)
    junk = (b'\x01' * 12, b'\x02\x00\x00\x05\x00\x01\x00\x00\x00\x00\x00\x09abc', b'\x0e\x00')

    def forge(src, dst, data):
        for j in junk:
            buf = bytearray(64)
            n = record.write_plain(buf, 0, 22, 0, 3, j)
            pair.net.send(pair.clock.now, src, dst, bytes(buf[:n]))
        return data
    pair.tamper = forge
    assert pair.handshake()
    assert pair.client.stats['dropped'] > 0 and pair.server.stats['dropped'] > 0
    pair.tamper = None
    _exchange(pair)


def test_oversized_hello_from_a_stranger_is_dropped():
    from dtls_lite import msg_hello as mh
    from dtls_lite import fragment as fr
    from dtls_lite import record
    pair = Pair(seed=33)
    ch = mh.ClientHello(random=bytes(32), cipher_suites=list(range(1, 1200)),
                        extensions=[(23, b'')])
    msg = fr.message(fr.CLIENT_HELLO, 0, mh.write_client_hello(ch))
    buf = bytearray(len(msg) + 13)
    n = record.write_plain(buf, 0, 22, 0, 0, msg)
    pair.server.handle_message(('6.6.6.6', 6), bytes(buf[:n]))
    assert pair.server.stats['dropped'] == 1 and pair.server.stats['hello_verify_sent'] == 0


def test_cookie_secret_rotates():
    from dtls_lite.cookie import CookieJar
    jar = CookieJar(b'k' * 32, 1000)
    c = jar.make(('1.2.3.4', 5), b'hello', 10)
    assert len(c) == 16
    assert jar.check(('1.2.3.4', 5), b'hello', c, 999)
    assert jar.check(('1.2.3.4', 5), b'hello', c, 1999)       # previous period still accepted
    assert not jar.check(('1.2.3.4', 5), b'hello', c, 2000)   # two periods later: expired
    assert not jar.check(('1.2.3.4', 6), b'hello', c, 10)     # bound to the address
    assert not jar.check(('1.2.3.4', 5), b'hellO', c, 10)     # and to the hello
    assert not jar.check(('1.2.3.4', 5), b'hello', c[:15], 10)


def test_restarted_client_replaces_its_session():
    pair = Pair(seed=29)
    assert pair.handshake()
    _exchange(pair)
    old_client = pair.client
    pair.client = dtls_lite.Context(app_data='client', clock=pair.clock, rng=SeededRng(b'new'))
    pair.client.set_handler(pair._write, pair._read, pair._event, pair._psk)
    pair.received = {'client': [], 'server': []}
    assert pair.handshake()
    assert pair.connected_events('server') == 2
    assert pair.server.sessions() == [pair.client_addr]
    _exchange(pair)
    assert old_client.peer(pair.server_addr).connected     # (the old one never heard of it)


def test_retransmission_back_off_on_injected_clock():
    clock = Clock()
    times = []
    ctx = dtls_lite.Context(clock=clock, rng=SeededRng(b'x'), retransmit_initial_ms=1000,
                            retransmit_max_ms=4000, max_retransmits=4,
                            handshake_timeout_ms=100000)
    events = []
    ctx.set_handler(lambda c, s, d: times.append(clock.now) or len(d), None,
                    lambda c, s, lv, code: events.append((lv, code)),
                    lambda c, s, k, i: b'id' if k == dtls_lite.PSK_IDENTITY else KEY)
    ctx.connect('server')
    for _ in range(20):
        d = ctx.check_retransmit()
        if d is None:
            break
        clock.now = d
    # sent at 0, then after 1 s, 2 s, 4 s, 4 s (capped), then given up after another 4 s
    assert times == [0, 1000, 3000, 7000, 11000], times
    assert ctx.peer('server') is None
    assert (0, dtls_lite.EVENT_CLOSED) in events
    assert ctx.stats['expired'] == 1


def test_lost_last_flight_is_resent_on_peer_retransmission():
    pair = Pair(seed=19)
    dropped = []

    def drop_server_ccs(src, dst, data):
        if src == 'server' and data[0] == 20 and not dropped:   # CCS opens the last flight
            dropped.append(data)
            return None
        return data
    pair.tamper = drop_server_ccs
    assert pair.handshake()
    assert dropped
    _exchange(pair)


def test_stalled_handshake_expires():
    pair = Pair(seed=20, server_config={'handshake_timeout_ms': 5000})
    pair.tamper = lambda src, dst, data: None if src == 'client' and pair.net.sent > 2 else data
    pair.client.connect(pair.server_addr)
    pair.run(max_ms=20000)
    assert pair.server.sessions() == []
    assert pair.server.stats['expired'] == 1


def _star(n, **server_config):
    """One server Context and n client Contexts over a lossless queue; returns (server,
    clients, run) where run() delivers until quiet."""
    clock = Clock()
    server = dtls_lite.Context(clock=clock, rng=SeededRng(b's'), cookie_secret=bytes(32),
                               **server_config)
    queue = []          # (to, from, datagram); clients are 0..n-1 and the server 'S'
    server.set_handler(lambda c, s, d: queue.append((s, 'S', bytes(d))) or len(d), None, None,
                       lambda c, s, k, i: KEY if k == dtls_lite.PSK_KEY else None)
    clients = []
    for i in range(n):
        c = dtls_lite.Context(clock=clock, rng=SeededRng(i))
        c.set_handler(lambda ctx, s, d, i=i: queue.append(('S', i, bytes(d))) or len(d),
                      None, None, lambda ctx, s, k, x: b'id' if k == dtls_lite.PSK_IDENTITY else KEY)
        clients.append(c)

    def run(limit=400):
        for _ in range(limit):
            if not queue:
                return
            to, frm, data = queue.pop(0)
            if to == 'S':
                server.handle_message(frm, data)
            else:
                clients[to].handle_message('S', data)
    return server, clients, run


def test_max_handshakes_enforced():
    server, clients, run = _star(3, max_handshakes=1)
    for c in clients:
        c.connect('S')
    run(12)
    # one handshake at a time: the cookie-bearing hellos of the other two are refused (counted)
    assert len(server.sessions()) == 1
    assert server.stats['refused'] == 2
    assert server.stats['hello_verify_sent'] == 3
    run()
    assert [server.peer(s).connected for s in server.sessions()] == [True]
    # once it is done, the next client gets in (its retransmitted hello, here a new connect)
    clients[1].connect('S')
    run()
    assert len(server.sessions()) == 2


def test_max_peers_enforced():
    server, clients, run = _star(3, max_peers=2)
    for c in clients:
        c.connect('S')
        run()
    assert len(server.sessions()) == 2
    assert server.stats['refused'] >= 1
    assert clients[2].peer('S') is not None and not clients[2].peer('S').connected
    # the client side has its own bound, and says so with an exception (application misuse)
    c = dtls_lite.Context(max_peers=1)
    c.set_handler(lambda *a: 0, None, None, lambda *a: KEY)
    c.connect('a')
    try:
        c.connect('b')
        raise AssertionError('second connect accepted')
    except dtls_lite.TooManyPeers:
        pass


def test_renegotiation_refused_with_warning():
    pair = Pair(seed=21)
    assert pair.handshake()
    from dtls_lite import fragment as fr
    engine = pair.client._peers[pair.server_addr]
    buf = bytearray(300)
    msg = fr.message(fr.CLIENT_HELLO, 5, bytes(40))
    from dtls_lite import record
    n = record.seal(engine.wr, engine.suite, engine.rec, engine.wr_seq, buf, 0, 22, msg)
    engine.wr_seq += 1
    pair.server.handle_message(pair.client_addr, bytes(buf[:n]))
    pair.run()
    assert pair.saw('client', 1, dtls_lite.NO_RENEGOTIATION)
    assert pair.both_connected()
    _exchange(pair)


def test_small_mtu_fragments_both_ways():
    cfg = {'ciphers': ['TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256'], 'groups': ['secp256r1'],
           'max_datagram': 100}
    pair = Pair(seed=22, client_config=cfg, server_config=cfg, identity=b'j' * 128,
                key=bytes(64), hint=b'h' * 100)
    # every datagram fits, except the ClientHello, which is never fragmented (RFC 6347 §4.2.1)
    sizes = record_sizes(pair)
    assert pair.handshake()
    assert max(sizes) <= 100 and len(sizes) >= 8
    _exchange(pair)
    assert pair.client.write(pair.server_addr, bytes(500)) == 100 - 13 - 8 - 16


def test_several_messages_per_record_and_records_per_datagram():
    # opt-in when sending (tinydtls cannot take it), always accepted when receiving
    pair = Pair(seed=23, hint=b'hint', server_config={'coalesce_handshake': True},
                client_config={'coalesce_handshake': True})
    sent = []
    pair.tamper = lambda src, dst, data: sent.append((src, data)) or data
    assert pair.handshake()
    from dtls_lite import record
    from dtls_lite import fragment as fr

    def records(data):
        out, pos = [], 0
        while pos < len(data):
            h = record.parse_header(data, pos)
            out.append((h[0], h[2], data[pos + 13:pos + 13 + h[4]]))
            pos += 13 + h[4]
        return out
    flight4 = [d for src, d in sent if src == 'server'][1]         # after the HelloVerifyRequest
    recs = records(flight4)
    assert len(recs) == 1
    types, body, p = [], recs[0][2], 0
    while p < len(body):
        f = fr.parse_fragment(body, p, len(body))
        types.append(f[0])
        p += 12 + f[4]
    assert types == [fr.SERVER_HELLO, fr.SERVER_KEY_EXCHANGE, fr.SERVER_HELLO_DONE]
    flight5 = [d for src, d in sent if src == 'client'][2]
    assert [(t, e) for t, e, _ in records(flight5)] == [(22, 0), (20, 0), (22, 1)]


def _split_hellos(pair):
    """A tamper that re-sends every ClientHello as three fragments, out of order."""
    from dtls_lite import fragment as fr
    from dtls_lite import record

    def split(src, dst, data):
        if src != 'client' or data[13] != fr.CLIENT_HELLO:
            return data
        h = record.parse_header(data, 0)
        msg = bytes(data[13:13 + h[4]])
        t = (len(msg) - 12) // 3
        for off, size in ((0, t), (2 * t, len(msg) - 12 - 2 * t), (t, t)):
            buf = bytearray(300)
            n = record.write_plain(buf, 0, 22, 0, h[3], fr.fragment(msg, off, size))
            pair.net.send(pair.clock.now, src, dst, bytes(buf[:n]))
        return None
    return split


def test_fragmented_client_hello_is_gathered():
    pair = Pair(seed=24)
    pair.tamper = _split_hellos(pair)
    assert pair.handshake()
    assert pair.server.stats['hello_verify_sent'] == 1
    assert pair.server._door.hellos == {}                  # the pool is empty again
    _exchange(pair)
    # the pool of partial hellos is bounded by max_handshakes, oldest replaced
    from dtls_lite import fragment as fr
    from dtls_lite import record
    server = pair.server
    for i in range(10):
        frag = fr.fragment(fr.message(fr.CLIENT_HELLO, 0, bytes(100)), 0, 50)
        buf = bytearray(100)
        n = record.write_plain(buf, 0, 22, 0, 0, frag)
        server.handle_message(('10.9.9.9', i), bytes(buf[:n]))
    assert len(server._door.hellos) == 4
    assert server.sessions() == [pair.client_addr]


def test_one_handshake_message_per_record_by_default():
    pair = Pair(seed=25, hint=b'hint')
    sent = []
    pair.tamper = lambda src, dst, data: sent.append((src, data)) or data
    assert pair.handshake()
    from dtls_lite import record
    flight4 = [d for src, d in sent if src == 'server'][1]
    pos, n = 0, 0
    while pos < len(flight4):
        h = record.parse_header(flight4, pos)
        assert h[0] == 22 and flight4[pos + 13 + 9:pos + 13 + 12] == flight4[pos + 14:pos + 17]
        pos += 13 + h[4]
        n += 1
    assert n == 3                             # ServerHello, ServerKeyExchange, ServerHelloDone


def test_lossy_network_many_seeds():
    for seed in range(24):
        cfg = {'ciphers': [ALL[seed % len(ALL)]], 'max_datagram': 160 if seed & 1 else 1200,
               'retransmit_initial_ms': 200}
        pair = Pair(seed=100 + seed, client_config=cfg, server_config=cfg, drop=0.25,
                    duplicate=0.15, reorder=0.3)
        assert pair.handshake(max_ms=600000), seed
        pair.run(max_ms=1000)
        assert pair.connected_events('client') == 1 and pair.connected_events('server') == 1
        # application data over the same bad link: whatever arrives, arrives once and intact
        for i in range(10):
            pair.client.write(pair.server_addr, b'msg %d' % i)
        pair.run(max_ms=1000)
        got = pair.received['server']
        assert len(got) == len(set(got)) and all(g.startswith(b'msg ') for g in got), seed
        assert pair.both_connected()
        assert pair.internal_errors() == 0


def test_corrupting_network_connects_or_fails_cleanly():
    """A damaged handshake message that still parses makes the two sides disagree, which only
    Finished detects (as in TLS): the handshake may fail, but cleanly, on both sides, and
    damaged records after it are dropped. Most seeds connect."""
    connected = 0
    for seed in range(16):
        cfg = {'ciphers': [ALL[seed % len(ALL)]], 'retransmit_initial_ms': 200,
               'max_datagram': 160 if seed & 1 else 1200, 'handshake_timeout_ms': 30000}
        pair = Pair(seed=200 + seed, client_config=cfg, server_config=cfg, drop=0.1,
                    duplicate=0.1, reorder=0.2, corrupt=0.1)
        pair.client.connect(pair.server_addr)
        pair.run(max_ms=120000)
        if pair.both_connected():
            connected += 1
            for i in range(20):
                pair.client.write(pair.server_addr, b'msg %d' % i)
            pair.run(max_ms=1000)
            got = pair.received['server']
            assert all(g.startswith(b'msg ') for g in got) and pair.both_connected()
        else:
            assert pair.client.peer(pair.server_addr) is None, seed
            assert pair.server.sessions() == [], seed
        assert pair.internal_errors() == 0, seed
    assert connected >= 10, connected


def test_exception_in_psk_callback_fails_only_that_peer():
    pair = Pair(seed=26)

    def broken(ctx, session, kind, identity):
        if ctx is pair.server and kind == dtls_lite.PSK_KEY:
            raise KeyError('application bug')
        return pair._psk(ctx, session, kind, identity)
    pair.server.set_handler(pair._write, pair._read, pair._event, broken)
    assert not pair.handshake()
    assert pair.server.stats['internal_error'] == 1
    assert pair.saw('client', 2, dtls_lite.INTERNAL_ERROR)


def test_psk_callback_must_return_bytes():
    # A str key, identity or hint is the application's mistake on every runtime: MicroPython
    # used to send a str as its UTF-8 bytes (the handshake completed there, failed on CPython).
    for side, pair in (('client', Pair(seed=27, key='secret', server_keys={b'Client_identity': 'secret'})),
                       ('server', Pair(seed=28, hint='my hint')),
                       ('client', Pair(seed=29, identity='Client_identity'))):
        assert not pair.handshake(max_ms=5000), side
        assert getattr(pair, side).stats['internal_error'] == 1, (side, pair.events)
        assert pair.saw('client' if side == 'server' else 'server', 2, dtls_lite.INTERNAL_ERROR)
    # bytearray and memoryview are bytes enough
    pair = Pair(seed=30, key=bytearray(b'k' * 16), server_keys={b'Client_identity': bytearray(b'k' * 16)})
    assert pair.handshake()
    pair = Pair(seed=31, key=memoryview(bytearray(b'k' * 16)),
                server_keys={b'Client_identity': memoryview(b'k' * 16)})
    assert pair.handshake()


def test_config_errors():
    bad = ({'ciphers': ['TLS_RSA_WITH_AES_128_CBC_SHA']}, {'ciphers': 'TLS_PSK_WITH_AES_128_CCM_8'},
           {'max_datagram': 10}, {'retransmit_initial_ms': 0}, {'max_peers': 'x'},
           {'cookie_secret': b'short'}, {'bogus': 1}, {'rng': 5}, {'groups': ['x448']})
    for cfg in bad:
        try:
            dtls_lite.Context(**cfg)
            raise AssertionError('accepted %r' % (cfg,))
        except dtls_lite.ConfigError:
            pass
    ctx = dtls_lite.Context()
    try:
        ctx.connect('x')
        raise AssertionError('connect without handlers')
    except dtls_lite.DTLSError:
        pass
