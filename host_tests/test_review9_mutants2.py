"""Review R9, second round of hand mutation testing (session 9): 84 more deliberate bugs, in
the Context, timers, flight building, the key schedule, auth and x509; these tests kill the 17
that the suite let through (a check_retransmit returning the latest deadline, the board tick
counter unwrapped backwards, datagrams over max_datagram, ...). Each docstring names its
mutant. Portable: plain test_* functions, run by pytest and by tools/mp_test.py."""
import dtls_lite
from dtls_lite import auth, record
from dtls_lite import fragment as fr
from dtls_lite import msg_cert as mc
from dtls_sim import Pair, record_sizes
import test_x509_fixtures as fx
from test_dtls_ecdsa import CLIENT_X509


def test_reconnect_with_a_full_peer_table_replaces_the_session():
    """C05 (context.connect: `old is None and` dropped from the max_peers check): connect()
    "replaces any previous state" for a session, so reconnecting a known peer while the table
    is full must not be TooManyPeers."""
    pair = Pair(seed=91, client_config={'max_peers': 1})
    assert pair.handshake()
    first = pair.client._peers[pair.server_addr]
    pair.client.connect(pair.server_addr)          # same session: replaced, not refused
    assert pair.client._peers[pair.server_addr] is not first
    assert pair.run(pair.both_connected)


def test_write_after_sequence_exhaustion_raises():
    """C10 (context.write: returns 0 instead of raising NotConnected('seq_exh') when the write
    epoch's sequence numbers are spent): the application must hear it, not see 0 bytes sent."""
    pair = Pair(seed=92)
    assert pair.handshake()
    e = pair.client._peers[pair.server_addr]
    e.wr_seq = 1 << 48
    try:
        n = pair.client.write(pair.server_addr, b'x')
    except dtls_lite.NotConnected:
        return
    raise AssertionError('write with exhausted sequence numbers returned %r' % (n,))


def test_certificate_request_without_ecdsa_sign_gets_no_certificate():
    """A02 (auth.answer_request: the `ECDSA_SIGN in cr.certificate_types` check dropped):
    RFC 5246 §7.4.6, the client's certificate must match certificate_types; a request for
    rsa_sign only, even with ECDSA signature algorithms, gets an empty Certificate."""
    rsa_sign_only = mc.CertificateRequest((1,), [mc.SIG_ECDSA_SHA256])
    assert auth.answer_request(CLIENT_X509, rsa_sign_only, mc.CERT_TYPE_X509) == ([], None)
    assert auth.answer_request(CLIENT_X509, rsa_sign_only, mc.CERT_TYPE_RAW_PUBLIC_KEY) == ([], None)


def test_client_refuses_hello_request_with_no_renegotiation():
    """F21 (engine._after_handshake: the client side's HelloRequest no longer answered): an
    established client that gets an authenticated HelloRequest answers with a
    no_renegotiation warning (engine._after_handshake's docstring, RFC 5746 §4.2) and stays up."""
    pair = Pair(seed=93)
    assert pair.handshake()
    e = pair.server._peers[pair.client_addr]
    buf = bytearray(100)
    n = record.seal(e.wr, e.suite, e.rec, e.wr_seq, buf, 0, 22, fr.message(fr.HELLO_REQUEST, 0, b''))
    e.wr_seq += 1
    pair.client.handle_message(pair.server_addr, bytes(buf[:n]))
    pair.run()
    assert pair.saw('server', dtls_lite.LEVEL_WARNING, dtls_lite.NO_RENEGOTIATION)
    assert pair.both_connected()


def _psk_ctx(**cfg):
    from dtls_sim import IDENTITY, KEY
    ctx = dtls_lite.Context(**cfg)

    def psk(c, session, kind, identity):
        return IDENTITY if kind == dtls_lite.PSK_IDENTITY else (KEY if kind == dtls_lite.PSK_KEY else None)
    ctx.set_handler(lambda c, s, d: len(d), None, None, psk)
    return ctx


def test_check_retransmit_returns_the_earliest_deadline():
    """C13 (check_retransmit: `d < nxt` became `d > nxt`): with several sessions it returns
    "the earliest next deadline" (its docstring), not the latest: an application sleeping
    until the returned time would miss the other sessions' retransmissions."""
    from dtls_sim import Clock
    clock = Clock()
    ctx = _psk_ctx(clock=clock, role='client')
    ctx.connect('a')            # ClientHello at 0: retransmission due at 1000
    clock.now = 400
    ctx.connect('b')            # at 400: due at 1400
    clock.now = 500
    assert ctx.check_retransmit() == 1000
    clock.now = 1000
    assert ctx.check_retransmit() == 1400    # 'a' re-sent (next at 3000), 'b' is next


def test_now_unwraps_the_tick_counter_forward():
    """C15 (Context._now: ticks_diff(last, t) instead of ticks_diff(t, last)): without a
    `clock` the Context's time is the board's tick counter unwrapped; it must move forward
    (a reversed difference runs time backwards: no retransmission would ever fire)."""
    from dtls_lite import context
    ticks = [5000]
    saved = context.ticks_ms
    context.ticks_ms = lambda: ticks[0]
    try:
        ctx = _psk_ctx(role='client')
        t0 = ctx.now()
        ticks[0] = 5250
        assert ctx.now() - t0 == 250
        ticks[0] = 5300
        assert ctx.now() - t0 == 300
        ctx.connect('a')                          # at t0 + 300: due 1000 ms later
        ticks[0] = 6300
        assert ctx.check_retransmit() == t0 + 3300   # fired at t0 + 1300, next 2000 ms later
    finally:
        context.ticks_ms = saved


def test_server_with_only_get_ecdsa_key_serves_ecdsa_suites():
    """C18 (set_handler: `get_ecdsa_key is not None or` dropped when choosing default suites):
    without `ciphers` the suites follow the handlers (README); a server whose only key handler
    is get_ecdsa_key (no trust anchors, no verify_ecdsa_key) must offer ECDHE_ECDSA."""
    from test_dtls_ecdsa import SERVER_X509
    pair = Pair(seed=94, client_config={'ca': fx.CA_CRT, 'cert_clock': lambda: fx.NOW,
                                        'server_name': 'localhost'})
    pair.client.set_handler(pair._write, pair._read, pair._event)
    pair.server.set_handler(pair._write, pair._read, pair._event,
                            get_ecdsa_key=lambda ctx, session: SERVER_X509)
    assert pair.handshake()
    assert pair.client.peer(pair.server_addr).cipher.startswith('TLS_ECDHE_ECDSA_')


def test_ccm_long_aad_length_encoding():
    """K03/K04 (ccm._mac: the 0xFFFE marker / the 0xFF00 threshold of RFC 3610 §2.2's
    l(a) encoding): an AAD of 0xFF00 bytes or more is encoded as 0xFFFE || 4-byte length.
    Expected values from `cryptography` (OpenSSL)."""
    from dtls_lite.crypto.ccm import AESCCM
    key, nonce = bytes(range(16)), bytes(range(12))
    aad = bytes(range(256)) * 255                   # 0xFF00 bytes
    want = bytes.fromhex('5b709f0bb3164828b13dde95e11491344599325c47')
    for lean in (False, True):
        c = AESCCM(key, 16, 12, lean)
        assert c.seal(nonce, aad, b'hello') == want
        assert c.open(nonce, aad, want) == b'hello'


def test_pkcs8_curve_must_agree_with_the_inner_key():
    """X17 (parse_sec1: the `priv_crv` check dropped): a PKCS#8 key whose algorithm names
    P-256 but whose ECPrivateKey says P-384 is malformed, not silently a P-384 key."""
    from dtls_lite.crypto.util import SeededRng
    from dtls_lite.x509.keys import EcPrivateKey, parse_pkcs8
    from dtls_lite.x509.errors import CertificateError
    from dtls_lite.x509.write import seq, tlv, integer
    k384 = EcPrivateKey.generate('p384', SeededRng(b'x17'))
    alg = seq(tlv(6, b'\x2a\x86\x48\xce\x3d\x02\x01'), tlv(6, b'\x2a\x86\x48\xce\x3d\x03\x01\x07'))
    bad = seq(integer(0), alg, tlv(4, k384.to_sec1(True)))
    try:
        k = parse_pkcs8(bad)
    except CertificateError:
        return
    raise AssertionError('mismatched curves accepted as %s' % k.curve)


def test_flight_timer_restarts_at_the_initial_timeout_for_each_flight():
    """F04 (FlightTimer.start: timeout_ms not reset): flight.py, the timeout "doubles on each
    expiry up to max_ms, and resets for each new flight"."""
    from dtls_lite.flight import FlightTimer
    t = FlightTimer(1000, 60000, 7)
    t.start(0)
    assert t.deadline == 1000
    assert t.back_off(1000) and t.deadline == 3000
    assert t.back_off(3000) and t.deadline == 7000
    t.start(8000)                   # the next flight
    assert t.deadline == 9000 and t.retransmits == 0
    assert t.back_off(9000) and t.deadline == 11000


def test_deadline_is_the_handshake_expiry_when_that_comes_first():
    """F06 (Engine.deadline: `or hs.expires < d` dropped): a handshake that stalls must end
    at handshake_timeout_ms, so deadline() reports the expiry when it comes before the next
    retransmission (else the session lives on until that retransmission)."""
    from dtls_sim import Clock
    clock = Clock()
    ctx = _psk_ctx(clock=clock, role='client', handshake_timeout_ms=1500)
    ctx.connect('a')
    assert ctx.check_retransmit() == 1000          # first retransmission
    clock.now = 1000
    assert ctx.check_retransmit() == 1500          # the expiry, before the next one (3000)
    clock.now = 1500
    assert ctx.check_retransmit() is None
    assert ctx.peer('a') is None and ctx.stats['expired'] == 1


def test_server_lingers_linger_ms_after_its_last_flight():
    """F07 (_peer_finished: `hs.expires = now_ms + linger_ms` dropped): the server keeps its
    last flight for linger_ms after sending it (README/engine docstring), and then frees it:
    its deadline is then, not the handshake's original expiry."""
    pair = Pair(seed=95, server_config={'linger_ms': 500, 'handshake_timeout_ms': 100000})
    assert pair.handshake()
    e = pair.server._peers[pair.client_addr]
    assert e.hs is not None                     # no application data from the client yet
    done = pair.clock.now
    d = pair.server.check_retransmit(pair.clock.now)
    assert d is not None and done < d <= done + 500
    pair.server.check_retransmit(done + 500)
    assert e.hs is None and pair.connected('server')


def test_a_repeated_flight_is_answered_once_per_burst():
    """F10 (Config: resend_gap_ms forced to 1 ms instead of retransmit_initial_ms / 4): copies
    of the peer's repeated flight arriving within a quarter of the initial timeout are answered
    once (Engine.handle_datagram), not once per datagram."""
    pair = Pair(seed=96)
    sent = {'client': [], 'server': []}

    def tamper(src, dst, data):
        sent[src].append(data)
        if src == 'server' and pair.connected('server'):
            return None                     # the server's last flight is lost
        return data
    pair.tamper = tamper
    pair.client.connect(pair.server_addr)
    pair.run(lambda: pair.connected('server'))
    last = sent['client'][-1]               # the client's CCS + Finished
    n = len(sent['server'])
    pair.clock.now += 300                   # past the gap: this copy is answered
    pair.server.handle_message(pair.client_addr, last)
    assert len(sent['server']) > n
    n = len(sent['server'])
    pair.clock.now += 10                    # the same burst: not answered again
    pair.server.handle_message(pair.client_addr, last)
    assert len(sent['server']) == n


def test_coalesced_flights_fit_max_datagram():
    """F11 (_send_flight: `- len(pend)` dropped from the room left in a datagram): with
    coalesce_handshake the gathered fragments count against max_datagram too."""
    cfg = {'ciphers': ['TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256'], 'groups': ['secp256r1'],
           'max_datagram': 150, 'coalesce_handshake': True}
    pair = Pair(seed=97, client_config=cfg, server_config=cfg, identity=b'j' * 100,
                hint=b'h' * 100)
    sizes = []

    def measure(src, dst, data):
        if data[13] != 1:                   # the ClientHello is never fragmented
            sizes.append(len(data))
        return data
    pair.tamper = measure
    assert pair.handshake()
    assert max(sizes) <= 150, sizes


def test_every_datagram_fits_max_datagram_whatever_the_identity_length():
    """F12 (_send_flight: a non-handshake record (ChangeCipherSpec) added without checking
    the room left) and F13 (the epoch-1 Finished sized with the bare header, not
    record.overhead()): for any message sizes every datagram of a flight fits max_datagram."""
    for coalesce in (False, True):
        cfg = {'ciphers': ['TLS_PSK_WITH_AES_128_CCM'], 'max_datagram': 100,
               'coalesce_handshake': coalesce}
        for length in range(40, 80):
            pair = Pair(seed=length, client_config=cfg, server_config=cfg,
                        identity=b'i' * length)
            sizes = record_sizes(pair)
            assert pair.handshake()
            assert max(sizes) <= 100, (coalesce, length, sizes)
