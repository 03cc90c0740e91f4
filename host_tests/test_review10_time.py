"""Session 10 review of time and integer ranges: each test failed before its fix. Runs on both
runtimes."""
import dtls_lite
from dtls_lite import Context, EVENT_CLOSED, PSK_IDENTITY, auth
from dtls_lite.crypto.util import SeededRng
from dtls_sim import Pair, records
import test_x509_fixtures as fx


def _psk(c, s, kind, identity):
    return b'id' if kind == PSK_IDENTITY else b'k' * 16


def test_check_retransmit_counts_sessions_a_callback_made():
    # a session made by a callback while the timers ran (a client failing over to a backup
    # server on EVENT_CLOSED) was left out of the deadline returned: None, and an application
    # waiting for it never re-sent the backup's lost hello
    t = [0]
    ctx = Context(clock=lambda: t[0], ciphers=['TLS_PSK_WITH_AES_128_CCM_8'], role='client',
                  max_retransmits=0, handshake_timeout_ms=5000)

    def event(c, session, level, code):
        if code == EVENT_CLOSED and session == 'primary':
            c.connect('backup')
    ctx.set_handler(lambda c, s, d: len(d), None, event, _psk)
    ctx.connect('primary')
    t[0] = ctx.check_retransmit()
    got = ctx.check_retransmit()                # primary expires; the callback connects backup
    assert ctx.sessions() == ['backup']
    assert got == ctx._peers['backup'].deadline() == t[0] + 1000, got


def test_connect_starts_the_hello_timer_when_the_hello_leaves():
    # RFC 6347 §4.2.4, as for handle_message: get_ecdsa_key's work (here 1.5 s) used to count
    # against the hello's first timeout, and the hello left twice back to back
    c = ['TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8']
    pair = Pair(seed=1, client_config={'ciphers': c, 'ca': fx.CA_CRT, 'server_name': 'localhost',
                                       'cert_clock': lambda: fx.NOW},
                server_config={'ciphers': c})
    key = auth.Credentials(fx.SERVER_KEY_SEC1, fx.SERVER_CRT)
    pair.server.set_handler(pair._write, pair._read, pair._event, None,
                            get_ecdsa_key=lambda ctx, s: key)

    def slow_key(ctx, session):
        pair.clock.now += 1500
        return None                     # no client certificate
    pair.client.set_handler(pair._write, pair._read, pair._event, None, get_ecdsa_key=slow_key)
    hellos = []

    def tamper(src, dst, data):
        r = records(data)
        if src == 'client' and r and r[0][0] == 22 and r[0][2][0] == 1:
            hellos.append(pair.clock.now)
        return data
    pair.tamper = tamper
    assert pair.handshake(max_ms=30000)
    assert len(hellos) == 2 and hellos[1] > hellos[0], hellos     # the second has the cookie


def test_cert_clock_must_be_callable():
    # cert_clock=time.time() (a number) was taken; every X.509 handshake then failed with
    # internal_error
    try:
        Context(ca=fx.CA_CRT, cert_clock=1798761600)
    except dtls_lite.ConfigError as e:
        assert 'cert_clock' in str(e), e
    else:
        raise AssertionError('a number taken as cert_clock')
    Context(ca=fx.CA_CRT, cert_clock=lambda: fx.NOW)


def test_no_record_over_2_14_bytes_even_with_a_large_max_datagram():
    # RFC 5246 §6.2.1: "The length MUST NOT exceed 2^14"; a 20000-byte PSK hint went out as
    # one 20014-byte handshake record with max_datagram 65507
    pair = Pair(seed=3, hint=b'h' * 20000, client_config={'max_datagram': 65507,
                                                          'max_handshake_message': 32768},
                server_config={'max_datagram': 65507})
    lengths = []

    def tamper(src, dst, data):
        lengths.extend(len(f) for ct, epoch, f in records(data))
        return data
    pair.tamper = tamper
    assert pair.handshake()
    assert lengths and max(lengths) <= 16384, max(lengths)


def test_hello_verify_requests_beyond_255_are_ignored():
    # each HelloVerifyRequest made the client re-send its hello with the next message_seq:
    # at 65536 the uint16 ran out, an internal_error. Servers take hellos up to 255.
    out = []
    ctx = Context(clock=lambda: 0, rng=SeededRng(b'c'), ciphers=['TLS_PSK_WITH_AES_128_CCM_8'],
                  role='client')
    ctx.set_handler(lambda c, s, d: out.append(bytes(d)) or len(d), None, None, _psk)
    ctx.connect('srv')

    def hvr(seq):
        body = b'\xfe\xfd\x08' + b'C' * 8
        hs = bytes((3, 0, 0, len(body), seq >> 8, seq & 255, 0, 0, 0, 0, 0, len(body))) + body
        return bytes((22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, seq >> 8, seq & 255, 0, len(hs))) + hs
    for i in range(300):
        del out[:]
        ctx.handle_message('srv', hvr(i))
        if i < 255:
            assert len(out) == 1 and out[0][13 + 4:13 + 6] == bytes((0, i + 1)), (i, out)
        else:
            assert out == [], (i, out)
    assert ctx.peer('srv') is not None and ctx.stats['internal_error'] == 0
    # (hostile traffic review) the ignored ones keep nothing: each added its 4-byte head to
    # what a retransmission must match, 261 KB after a forged flood to 65535
    heads = ctx._peers['srv'].hs.reasm.heads
    assert len(heads) <= 4, len(heads)
