"""Wire encodings: the bounded reader, and byte-exact parse/write round trips of every message,
with the expected bytes annotated field by field (RFC 6347 §4.2/§4.3, RFC 5246 §7.4)."""
from dtls_lite.errors import Fault, DECODE_ERROR, ILLEGAL_PARAMETER
from dtls_lite.wire import Reader
from dtls_lite import msg_hello as mh
from dtls_lite import msg_kx as mk
from dtls_lite import msg_finished as mf
from dtls_lite import fragment as fr
from dtls_lite import record
from support import unhex, alert_of


def _fault(fn, *args, **kw):
    return alert_of(Fault, fn, *args, **kw)


def test_reader_ints_and_bounds():
    r = Reader(b'\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10')
    assert r.u8() == 1
    assert r.u16() == 0x0203
    assert r.u24() == 0x040506
    assert r.u48() == 0x0708090a0b0c
    assert r.left() == 4
    assert _fault(r.take, 5) == DECODE_ERROR     # truncation
    assert r.take(4) == b'\x0d\x0e\x0f\x10'
    r.done()
    assert _fault(r.u8) == DECODE_ERROR


def test_reader_sub_rejects_truncation_and_trailing():
    r = Reader(b'\x00\x03abc')
    s = r.sub16()
    assert s.take(2) == b'ab'
    assert _fault(s.done) == DECODE_ERROR        # one byte left inside the vector
    assert _fault(Reader(b'\x00\x05abc').sub16) == DECODE_ERROR   # vector longer than data
    assert _fault(Reader(b'\x02ab').vec8, 3, 5) == DECODE_ERROR   # below the minimum
    r = Reader(b'\x01a!')
    r.vec8()
    assert _fault(r.done) == DECODE_ERROR


def test_reader_window_does_not_read_past_end():
    r = Reader(b'abcdef', 1, 3)
    assert r.take(2) == b'bc'
    assert _fault(r.u8) == DECODE_ERROR


# A ClientHello as our client sends it after a HelloVerifyRequest.
CLIENT_HELLO = unhex(
    'fefd'                                  # client_version {254,253} = DTLS 1.2
    + '00' * 32                             # random
    + '00'                                  # session_id<0..32>: empty
    + '04' + 'c0ffee01'                     # cookie<0..2^8-1>: 4 bytes
    + '0004' + 'c0a8' + 'c0a4'              # cipher_suites: PSK_AES_128_CCM_8, PSK_AES_128_CCM
    + '01' + '00'                           # compression_methods: null
    + '0009'                                # extensions<0..2^16-1>: 9 bytes
    + '0017' + '0000'                       #   extended_master_secret (23), empty
    + 'ff01' + '0001' + '00')               #   renegotiation_info, renegotiated_connection<0> empty


def test_client_hello_round_trip():
    ch = mh.parse_client_hello(CLIENT_HELLO)
    assert ch.client_version == 0xFEFD
    assert ch.random == bytes(32)
    assert ch.session_id == b''
    assert ch.cookie == b'\xc0\xff\xee\x01'
    assert ch.cipher_suites == [0xC0A8, 0xC0A4]
    assert ch.compression_methods == b'\x00'
    assert ch.extensions == [(23, b''), (0xFF01, b'\x00')]
    assert mh.write_client_hello(ch) == CLIENT_HELLO
    # The cookie MAC input is the hello without its cookie field.
    assert ch.cookie_input == CLIENT_HELLO[:35] + CLIENT_HELLO[40:]


def test_client_hello_rejects_malformed():
    assert _fault(mh.parse_client_hello, CLIENT_HELLO[:-1]) == DECODE_ERROR
    assert _fault(mh.parse_client_hello, CLIENT_HELLO + b'\x00') == DECODE_ERROR
    odd = CLIENT_HELLO[:40] + unhex('0003c0a8c0') + CLIENT_HELLO[46:]
    assert _fault(mh.parse_client_hello, odd) == DECODE_ERROR      # odd cipher_suites length
    dup = CLIENT_HELLO[:-11] + unhex('0008' + '00170000' + '00170000')
    assert _fault(mh.parse_client_hello, dup) == ILLEGAL_PARAMETER  # duplicate extension
    no_ext = CLIENT_HELLO[:-11]
    assert mh.parse_client_hello(no_ext).extensions == []          # extensions absent is fine
    long_sid = CLIENT_HELLO[:34] + b'\x21' + bytes(33) + CLIENT_HELLO[35:]
    assert _fault(mh.parse_client_hello, long_sid) == DECODE_ERROR  # session_id > 32


HELLO_VERIFY_REQUEST = unhex(
    'feff'                                  # server_version {254,255} (RFC 6347 §4.2.1)
    + '10' + '11' * 16)                     # cookie<0..2^8-1>: 16 bytes


def test_hello_verify_request_round_trip():
    assert mh.parse_hello_verify_request(HELLO_VERIFY_REQUEST) == (0xFEFF, b'\x11' * 16)
    assert mh.write_hello_verify_request(b'\x11' * 16) == HELLO_VERIFY_REQUEST
    assert _fault(mh.parse_hello_verify_request, HELLO_VERIFY_REQUEST[:-1]) == DECODE_ERROR


SERVER_HELLO = unhex(
    'fefd'                                  # server_version DTLS 1.2
    + '22' * 32                             # random
    + '00'                                  # session_id: empty (no resumption)
    + 'c0a8'                                # cipher_suite TLS_PSK_WITH_AES_128_CCM_8
    + '00'                                  # compression_method null
    + '0009'                                # extensions: 9 bytes
    + 'ff01' + '0001' + '00'                #   renegotiation_info, empty
    + '0017' + '0000')                      #   extended_master_secret


def test_server_hello_round_trip():
    sh = mh.parse_server_hello(SERVER_HELLO)
    assert (sh.server_version, sh.random, sh.session_id) == (0xFEFD, b'\x22' * 32, b'')
    assert (sh.cipher_suite, sh.compression_method) == (0xC0A8, 0)
    assert sh.extensions == [(0xFF01, b'\x00'), (23, b'')]
    assert mh.write_server_hello(sh) == SERVER_HELLO
    assert _fault(mh.parse_server_hello, SERVER_HELLO + b'\x00') == DECODE_ERROR


def test_supported_groups_and_renegotiation_info():
    data = unhex('0004' + '001d' + '0017')  # named_curve_list: x25519, secp256r1
    assert mh.parse_supported_groups(data) == [29, 23]
    assert mh.write_supported_groups([29, 23]) == data
    assert _fault(mh.parse_supported_groups, unhex('0000')) == DECODE_ERROR
    assert _fault(mh.parse_supported_groups, unhex('0003001d00')) == DECODE_ERROR
    assert mh.parse_renegotiation_info(b'\x00') == b''
    assert _fault(mh.parse_renegotiation_info, b'\x01') == DECODE_ERROR


def test_key_exchange_messages_round_trip():
    ske = unhex('0004' + '68696e74')        # psk_identity_hint "hint"
    assert mk.parse_server_key_exchange(ske, False) == (b'hint', None, None)
    assert mk.write_server_key_exchange(b'hint') == ske
    point = bytes(range(32))
    ske_ec = unhex('0000' + '03' + '001d' + '20') + point   # no hint, named_curve x25519, point
    assert mk.parse_server_key_exchange(ske_ec, True) == (b'', 29, point)
    assert mk.write_server_key_exchange(b'', 29, point) == ske_ec
    assert _fault(mk.parse_server_key_exchange, unhex('0000' + '01' + '001d' + '01' + '04'),
                  True) == ILLEGAL_PARAMETER               # explicit curves are refused
    cke = unhex('000f') + b'Client_identity'
    assert mk.parse_client_key_exchange(cke, False) == (b'Client_identity', None)
    assert mk.write_client_key_exchange(b'Client_identity') == cke
    cke_ec = cke + b'\x20' + point
    assert mk.parse_client_key_exchange(cke_ec, True) == (b'Client_identity', point)
    assert mk.write_client_key_exchange(b'Client_identity', point) == cke_ec
    assert _fault(mk.parse_client_key_exchange, cke_ec, False) == DECODE_ERROR   # trailing
    assert _fault(mk.parse_client_key_exchange, cke + b'\x00', True) == DECODE_ERROR  # empty point
    # RFC 4279 §2: psk_identity<0..2^16-1>; over 128 bytes is taken (R9), a short vector not
    long_id = b'\x01\x2c' + bytes(300)
    assert mk.parse_client_key_exchange(long_id, False) == (bytes(300), None)
    assert _fault(mk.parse_client_key_exchange, long_id[:-1], False) == DECODE_ERROR


FINISHED_MESSAGE = unhex(
    '14'                                    # msg_type finished (20)
    + '00000c'                              # length 12
    + '0005'                                # message_seq 5
    + '000000'                              # fragment_offset 0
    + '00000c'                              # fragment_length 12
    + 'a1a2a3a4a5a6a7a8a9aaabac')           # verify_data


def test_finished_and_handshake_header():
    body = FINISHED_MESSAGE[12:]
    assert mf.parse_finished(body) == body
    assert fr.message(fr.FINISHED, 5, mf.write_finished(body)) == FINISHED_MESSAGE
    assert fr.parse_fragment(FINISHED_MESSAGE, 0, len(FINISHED_MESSAGE)) == (20, 12, 5, 0, 12)
    assert _fault(mf.parse_finished, body[:-1]) == DECODE_ERROR
    assert _fault(mf.parse_finished, body + b'\x00') == DECODE_ERROR


def test_alert_and_ccs():
    assert mf.write_alert(2, 115) == b'\x02\x73'
    assert mf.parse_alert(b'\x02\x73', 0, 2) == (2, 115)
    assert _fault(mf.parse_alert, b'\x02\x73\x00', 0, 3) == DECODE_ERROR
    mf.parse_change_cipher_spec(b'\x01', 0, 1)
    assert _fault(mf.parse_change_cipher_spec, b'\x02', 0, 1) == DECODE_ERROR


RECORD = unhex(
    '16'                                    # type handshake (22)
    + 'fefd'                                # version DTLS 1.2
    + '0000'                                # epoch 0
    + '000000000007'                        # sequence_number 7
    + '0018'                                # length 24
) + FINISHED_MESSAGE


def test_record_header_round_trip():
    assert record.parse_header(RECORD, 0) == (22, 0xFEFD, 0, 7, 24)
    buf = bytearray(64)
    n = record.write_plain(buf, 0, 22, 0, 7, FINISHED_MESSAGE)
    assert bytes(buf[:n]) == RECORD
    assert record.parse_header(RECORD[:12], 0) is None
    big = bytearray(13)
    record.write_header(big, 0, 23, 1, 0xFFFFFFFFFFFF, 5)
    assert bytes(big) == unhex('17' + 'fefd' + '0001' + 'ffffffffffff' + '0005')
    assert record.parse_header(big, 0)[3] == 0xFFFFFFFFFFFF
