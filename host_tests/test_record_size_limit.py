"""RFC 8449 record_size_limit: what a Context tells its peer it takes (from max_record), and that
it keeps to what the peer told it. Portable: plain test_* functions with assert (pytest and
tools/mp_test.py)."""
import dtls_lite
from dtls_lite import msg_hello as mh
from dtls_sim import Pair, records
from test_dtls_ecdsa import _rewrite
from test_review9 import _Server, _alert, EMS, RI

CCM_8 = 'TLS_PSK_WITH_AES_128_CCM_8'            # explicit nonce 8 + tag 8
GCM = 'TLS_PSK_WITH_AES_128_GCM_SHA256'         # explicit nonce 8 + tag 16


def _client_hello_limit(**config):
    """The record_size_limit a client Context's first ClientHello carries (None: absent)."""
    sent = []
    ctx = dtls_lite.Context(clock=lambda: 0, role='client', **config)
    ctx.set_handler(lambda c, s, d: sent.append(bytes(d)) or len(d), None, None,
                    lambda c, s, kind, identity: b'k' if kind == dtls_lite.PSK_KEY else b'id')
    ctx.connect(('10.0.0.1', 5684))
    frag = records(sent[0])[0][2]       # the whole ClientHello: its body after 12 bytes
    ext = mh.find_ext(mh.parse_client_hello(frag[12:]).extensions, mh.EXT_RECORD_SIZE_LIMIT)
    return None if ext is None else mh.parse_record_size_limit(ext)


def test_the_client_advertises_what_max_record_lets_it_take():
    # the most plaintext whose record, for every suite offered, stays within max_record
    assert _client_hello_limit(ciphers=[CCM_8]) == 16384            # default: 2^14 + 2048
    assert _client_hello_limit(ciphers=[CCM_8], max_record=1000) == 1000 - 16
    assert _client_hello_limit(ciphers=[CCM_8, GCM], max_record=1000) == 1000 - 24
    assert _client_hello_limit(ciphers=[CCM_8], max_record=16400) == 16384


def _server_limit(answer):
    """The record_size_limit in a server's ServerHello (None: absent)."""
    for kind, frag in answer:
        if kind == 2:
            ext = mh.find_ext(mh.parse_server_hello(frag[12:]).extensions,
                              mh.EXT_RECORD_SIZE_LIMIT)
            return None if ext is None else mh.parse_record_size_limit(ext)
    raise AssertionError(answer)


def test_the_server_answers_with_its_limit_only_when_asked():
    # RFC 8449 §4 is "negotiated": the server sends its own limit, for the suite it chose,
    # when the client sent one; never unsolicited (RFC 5246 §7.4.1.4)
    server = _Server(ciphers=[GCM, CCM_8], max_record=600)
    ask = (mh.EXT_RECORD_SIZE_LIMIT, b'\x01\x00')
    assert _server_limit(server.hello((0xC0A8,), [ask, EMS, RI])) == 600 - 16      # CCM_8
    assert _server_limit(_Server(ciphers=[GCM], max_record=600).hello(
        (0xA8,), [ask, EMS, RI])) == 600 - 24                                      # PSK GCM
    assert _server_limit(_Server(ciphers=[CCM_8]).hello((0xC0A8,), [ask, EMS, RI])) == 16384
    assert _server_limit(_Server(ciphers=[CCM_8], max_record=600).hello(
        (0xC0A8,), [EMS, RI])) is None
    # under 512 not answered: GnuTLS clients abort on a smaller value (illegal_parameter)
    assert _server_limit(_Server(ciphers=[CCM_8], max_record=527).hello(
        (0xC0A8,), [ask, EMS, RI])) is None
    assert _server_limit(_Server(ciphers=[CCM_8], max_record=528).hello(
        (0xC0A8,), [ask, EMS, RI])) == 512


def test_malformed_or_too_small_limits_from_a_client_are_refused():
    # RFC 8449 §4: "MUST treat receipt of a smaller value [than 64] as a fatal error and
    # generate an illegal_parameter alert"; a value that is not one uint16 is decode_error.
    # Larger than 2^14 is taken ("A server MUST NOT enforce this restriction").
    for data, alert in ((b'\x00\x3f', dtls_lite.ILLEGAL_PARAMETER),
                        (b'\x00', dtls_lite.DECODE_ERROR), (b'', dtls_lite.DECODE_ERROR),
                        (b'\x00\x40\x00', dtls_lite.DECODE_ERROR),
                        (b'\x00\x40', None), (b'\xff\xff', None)):
        server = _Server(ciphers=[CCM_8])
        answer = server.hello((0xC0A8,), [(mh.EXT_RECORD_SIZE_LIMIT, data), EMS, RI])
        assert _alert(answer) == alert, (data, answer)
        if alert is not None:
            assert server.ctx.sessions() == []
    assert mh.parse_record_size_limit(b'\xff\xff') == 16384
    assert mh.parse_record_size_limit(b'\x00\x40') == 64


def test_the_client_refuses_a_malformed_or_too_small_server_limit():
    for data, alert in ((b'\x00\x3f', 47), (b'\x00\x40\x00', 50), (b'\x00', 50)):
        def change(body, data=data):
            sh = mh.parse_server_hello(body)
            sh.extensions = [(t, data if t == mh.EXT_RECORD_SIZE_LIMIT else d)
                             for t, d in sh.extensions]
            return mh.write_server_hello(sh)
        pair = Pair(seed=31)
        pair.tamper = _rewrite('server', 2, change)
        assert not pair.handshake(max_ms=3000)
        fatal = [c for level, c in pair.events['client'] if level == 2]
        assert fatal == [alert], (data, pair.events)


def test_each_side_keeps_to_the_limit_the_other_advertised():
    # A device with a small max_record tells its peer, which then never sends a record that
    # the device would drop: before RFC 8449, a long write from the peer was lost (counted as
    # 'dropped' at the device).
    big = {'ciphers': [CCM_8], 'max_datagram': 4000}
    pair = Pair(seed=32, client_config=dict(big, max_record=500),
                server_config=dict(big, max_record=700))
    assert pair.handshake()
    session = pair.server.sessions()[0]
    assert pair.server.max_write(session) == 500 - 16
    assert pair.client.max_write(pair.server_addr) == 700 - 16
    assert pair.server.write(session, bytes(3000)) == 484
    assert pair.client.write(pair.server_addr, bytes(3000)) == 684
    pair.run()
    assert [len(d) for d in pair.received['client']] == [484]
    assert [len(d) for d in pair.received['server']] == [684]
    assert pair.client.stats['dropped'] == pair.server.stats['dropped'] == 0
    # the datagram still bounds a record: the smaller of the two wins
    pair = Pair(seed=33, client_config={'ciphers': [CCM_8], 'max_datagram': 300},
                server_config=dict(big, max_record=700))
    assert pair.handshake()
    assert pair.client.max_write(pair.server_addr) == 300 - 13 - 16
