"""Review R2 of session 2's size refactors (5db7001..2e4d8fb, "no behaviour change"): tests that
pin the behaviour of paths those refactors rewrote and no other test covered. Each test says
which refactor it pins; every expectation here was checked against 5db7001 as well (the same
results there), so a failure means the behaviour changed.

(Exception, marked where it is: ecdsa.der_decode refusing long-form lengths is d3aca80's stated
change; the signature verdict stayed the same.)

Portable: plain test_* functions with assert (pytest and tools/mp_test.py)."""
import dtls_lite
from dtls_lite import fragment as fr
from dtls_lite import msg_hello as mh
from dtls_lite import msg_cert as mc
from dtls_lite import record
from dtls_lite.errors import Fault
from dtls_lite.x509.errors import CertificateError
from dtls_sim import Pair
from support import alert_of
import test_x509_fixtures as fx

FATAL = dtls_lite.LEVEL_FATAL


# --- engine: the _EXPECTED / _HANDLERS state table (5ac0035) ------------------------------------

def _inject(pair, to_client, msg_type, seq, body, ctype=22):
    buf = bytearray(600)
    payload = fr.message(msg_type, seq, body) if ctype == 22 else body
    n = record.write_plain(buf, 0, ctype, 0, 60 + seq, payload)
    if to_client:
        pair.client.handle_message(pair.server_addr, bytes(buf[:n]))
    else:
        pair.server.handle_message(pair.client_addr, bytes(buf[:n]))


def _server_hello(suite_code):
    # RFC 7627 extended_master_secret and an empty RFC 5746 renegotiation_info, as ours sends
    return mh.write_server_hello(mh.ServerHello(random=bytes(32), cipher_suite=suite_code,
                                                extensions=[(23, b''), (0xFF01, b'\x00')]))


def _client_after_server_hello(seed, suite_code, ciphers=None):
    """A client that got a ServerHello (message_seq 0) for `suite_code` and awaits the next."""
    cfg = {} if ciphers is None else {'ciphers': ciphers}
    pair = Pair(seed=seed, client_config=cfg)
    pair.client.connect(pair.server_addr)
    _inject(pair, True, fr.SERVER_HELLO, 0, _server_hello(suite_code))
    assert pair.client.peer(pair.server_addr).state == 'AWAIT_SERVER_KEY_EXCHANGE'
    return pair


def _alert_sent(pair, who, alert):
    dst = 'server' if who == 'client' else 'client'
    sent = [d[4] for d in pair.net.queue if d[2] == dst]
    return bool(sent) and sent[-1][0] == 21 and sent[-1][-2:] == bytes((FATAL, alert))


def test_psk_server_key_exchange_may_be_omitted():
    # RFC 4279 §2: without an identity hint a PSK server sends no ServerKeyExchange; the
    # client goes straight to its second flight.
    pair = _client_after_server_hello(401, 0xC0A8)
    _inject(pair, True, fr.SERVER_HELLO_DONE, 1, b'')
    assert pair.client.peer(pair.server_addr).state == 'AWAIT_SERVER_CCS'
    assert pair.events['client'] == [(0, dtls_lite.EVENT_CONNECT)]
    assert pair.client.stats['internal_error'] == 0


def test_ecdhe_psk_server_key_exchange_is_not_optional():
    # ECDHE_PSK needs the server's ephemeral key (RFC 5489 §2): a ServerHelloDone in its place
    # is unexpected_message, not the PSK shortcut.
    name = 'TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256'
    pair = _client_after_server_hello(402, 0xD003, [name])
    _inject(pair, True, fr.SERVER_HELLO_DONE, 1, b'')
    assert pair.saw('client', FATAL, dtls_lite.UNEXPECTED_MESSAGE), pair.events
    assert _alert_sent(pair, 'client', dtls_lite.UNEXPECTED_MESSAGE)
    assert pair.client.peer(pair.server_addr) is None


def test_client_refuses_messages_out_of_order():
    hvr = mh.write_hello_verify_request(bytes(16))
    for msg_type, body in ((fr.HELLO_VERIFY_REQUEST, hvr),       # only before a ServerHello
                           (fr.SERVER_HELLO, _server_hello(0xC0A8)),
                           (fr.CERTIFICATE_REQUEST, b'\x01\x40\x00\x02\x04\x03\x00\x00'),
                           (fr.CERTIFICATE, b'\x00\x00\x00'),
                           (fr.CLIENT_HELLO, b''),
                           (fr.CLIENT_KEY_EXCHANGE, b'\x00\x00'),
                           (fr.CERTIFICATE_VERIFY, b'\x04\x03\x00\x00')):
        pair = _client_after_server_hello(403, 0xC0A8)
        _inject(pair, True, msg_type, 1, body)
        assert pair.saw('client', FATAL, dtls_lite.UNEXPECTED_MESSAGE), (msg_type, pair.events)
        assert _alert_sent(pair, 'client', dtls_lite.UNEXPECTED_MESSAGE), msg_type
        assert pair.client.peer(pair.server_addr) is None
        assert pair.client.stats['internal_error'] == 0


def test_client_ignores_hello_request_during_handshake():
    # RFC 5246 §7.4.1.1: a HelloRequest while a handshake is under way is ignored
    pair = _client_after_server_hello(404, 0xC0A8)
    _inject(pair, True, fr.HELLO_REQUEST, 1, b'')
    assert pair.client.peer(pair.server_addr).state == 'AWAIT_SERVER_KEY_EXCHANGE'
    # and it left message_seq 1 to the server's next message (R9: it used to take it)
    assert pair.client._peers[pair.server_addr].hs.reasm.next_seq == 1
    assert pair.events['client'] == [(0, dtls_lite.EVENT_CONNECT)]


def test_epoch0_finished_and_early_ccs_are_dropped_not_fatal():
    # Finished only in epoch 1 (RFC 5246 §7.4.9); a ChangeCipherSpec before the keys exist is
    # early or stale: both dropped and counted, the handshake goes on.
    pair = _client_after_server_hello(405, 0xC0A8)
    before = pair.client.stats['dropped']
    _inject(pair, True, fr.FINISHED, 1, bytes(12))
    _inject(pair, True, 0, 0, b'\x01', ctype=20)
    assert pair.client.stats['dropped'] == before + 2
    assert pair.client.peer(pair.server_addr).state == 'AWAIT_SERVER_KEY_EXCHANGE'
    assert pair.events['client'] == [(0, dtls_lite.EVENT_CONNECT)]


def _server_awaiting_client_key_exchange(seed):
    pair = Pair(seed=seed)
    pair.tamper = lambda src, dst, data: None if src == 'client' and pair.net.sent >= 3 else data
    pair.client.connect(pair.server_addr)

    def waiting():
        p = pair.server.peer(pair.client_addr)
        return p is not None and p.state == 'AWAIT_CLIENT_KEY_EXCHANGE'
    assert pair.run(waiting, max_ms=500)
    return pair


def test_server_refuses_messages_out_of_order():
    # the client's hellos were message_seq 0 and 1: its ClientKeyExchange is 2
    for msg_type, body in ((fr.HELLO_REQUEST, b''), (fr.CERTIFICATE, b'\x00\x00\x00'),
                           (fr.SERVER_HELLO, _server_hello(0xC0A8)),
                           (fr.CERTIFICATE_VERIFY, b'\x04\x03\x00\x00'),
                           (fr.SERVER_HELLO_DONE, b'')):
        pair = _server_awaiting_client_key_exchange(406)
        _inject(pair, False, msg_type, 2, body)
        assert pair.saw('server', FATAL, dtls_lite.UNEXPECTED_MESSAGE), (msg_type, pair.events)
        assert _alert_sent(pair, 'server', dtls_lite.UNEXPECTED_MESSAGE), msg_type
        assert pair.server.sessions() == []
        assert pair.server.stats['internal_error'] == 0


def test_server_unknown_psk_identity():
    # RFC 4279 §2: unknown_psk_identity (115) from the shared _psk/_derive_keys path
    pair = Pair(seed=407, server_keys={b'someone else': bytes(16)})
    assert not pair.handshake(max_ms=3000)
    assert pair.saw('server', FATAL, dtls_lite.UNKNOWN_PSK_IDENTITY), pair.events
    assert pair.server.sessions() == []


# --- engine: ECDHE_ECDSA paths (5ac0035: _peer_point, shared _certificate, lazy auth/msg_cert) ---

def _ecdsa_pair(seed, **kw):
    from test_dtls_ecdsa import _pair
    return _pair(seed, **kw)


def _rewrite_ske(fn):
    from test_dtls_ecdsa import _rewrite
    return _rewrite('server', fr.SERVER_KEY_EXCHANGE, fn)


def _failed(pair, sender, alert):
    from test_dtls_ecdsa import _failed as failed
    failed(pair, sender, alert)


def test_ecdsa_server_key_exchange_group_and_point_checked_before_the_signature():
    # RFC 8422 §5.4: a group the client did not offer, a point of the wrong size or a curve
    # type other than named_curve is illegal_parameter (47), judged before the signature
    # (which these edits also break: decrypt_error would be 51).
    cases = (lambda b: b[:1] + b'\x00\x1e' + b[3:],            # x448: never offered
             lambda b: b[:3] + bytes((b[3] - 1,)) + b[4:4 + b[3] - 1] + b[4 + b[3]:],
             lambda b: b'\x01' + b[1:])                        # explicit_prime curve type
    for i, edit in enumerate(cases):
        pair = _ecdsa_pair(410 + i)
        pair.tamper = _rewrite_ske(edit)
        _failed(pair, 'client', dtls_lite.ILLEGAL_PARAMETER)


def test_ecdsa_bad_client_key_exchange_point():
    from test_dtls_ecdsa import _rewrite
    pair = _ecdsa_pair(413)
    pair.tamper = _rewrite('client', fr.CLIENT_KEY_EXCHANGE, lambda b: b'\x20' + bytes(32))
    _failed(pair, 'server', dtls_lite.ILLEGAL_PARAMETER)


def test_server_only_process_loads_the_ecdsa_code_itself():
    # server.auth / server.mc are module globals set by the first server engine that needs them
    # (_s_ecdsa_setup; client.py has its own, set by start_client). In a Pair the client always
    # imports them first, so the server's own import path was never run: a device that only
    # serves must set them too, with and without preload.
    from dtls_lite import server, auth
    for preload in (True, False):
        pair = _ecdsa_pair(415, mutual=True, client_cfg={'preload': preload},
                           server_cfg={'preload': preload})
        pair.client.connect(pair.server_addr)
        server.auth = server.mc = None      # as in a process that never served ECDHE_ECDSA
        try:
            assert pair.run(pair.both_connected), pair.events
            assert pair.internal_errors() == 0
            assert server.auth is auth and server.mc is mc
        finally:
            server.auth, server.mc = auth, mc     # never leave later tests without them


def test_preload_false_handshakes_every_key_exchange():
    for i, name in enumerate(('TLS_PSK_WITH_AES_128_CCM_8',
                              'TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256',
                              'TLS_PSK_WITH_AES_128_GCM_SHA256')):
        cfg = {'ciphers': [name], 'preload': False}
        pair = Pair(seed=416 + i, client_config=cfg, server_config=dict(cfg), hint=b'hint')
        assert pair.handshake(), (name, pair.events)
        assert pair.client.peer(pair.server_addr).cipher == name
    for rpk in (False, True):
        pair = _ecdsa_pair(420, rpk=rpk, mutual=True, client_cfg={'preload': False},
                           server_cfg={'preload': False})
        assert pair.handshake(), pair.events
        assert pair.internal_errors() == 0


def test_server_accepts_an_empty_client_certificate_when_not_required():
    # shared _certificate (both roles): an empty client Certificate is no client
    # authentication (RFC 5246 §7.4.6), and then no CertificateVerify is expected.
    pair = _ecdsa_pair(421, server_cfg={'request_client_cert': True, 'ca': fx.CA_CRT,
                                        'cert_clock': lambda: fx.NOW})
    types = []
    pair.tamper = lambda src, dst, data: types.extend(
        b[0] for b in _handshake_bodies(data) if src == 'client') or data
    assert pair.handshake(), pair.events
    assert fr.CERTIFICATE in types and fr.CERTIFICATE_VERIFY not in types
    info = pair.server.peer(pair.client_addr)
    assert info.connected and info.certificate is None
    assert pair.client.peer(pair.server_addr).certificate.cert_type == 'x509'


def _handshake_bodies(data):
    # the epoch-0 handshake fragments of a datagram (type first)
    pos = 0
    while pos < len(data):
        h = record.parse_header(data, pos)
        p, end = pos + record.HEADER_LEN, pos + record.HEADER_LEN + h[4]
        while h[0] == 22 and h[2] == 0 and p < end:
            flen = fr.parse_fragment(data, p, end)[4]
            yield data[p:p + 12 + flen]
            p += 12 + flen
        pos = end


# --- ecdsa: DER lengths short-form only (d3aca80) -----------------------------------------------

def test_ecdsa_der_short_form_only():
    from dtls_lite.crypto import ecdsa, p256
    r = (1 << 255) + 5          # top bit set: a 0x00 is prepended (33 octets)
    s = 7
    der = ecdsa.der_encode(r, s)
    assert der == (b'\x30\x26\x02\x21\x00' + r.to_bytes(32, 'big') + b'\x02\x01\x07')
    assert ecdsa.der_decode(der) == (r, s)
    bad = (b'\x30\x81\x26' + der[2:],                          # long-form SEQUENCE length
           b'\x30\x27\x02\x81\x21\x00' + r.to_bytes(32, 'big') + b'\x02\x01\x07',
           der + b'\x00',                                      # trailing byte
           der[:-1],                                           # truncated
           b'\x30\x05\x02\x00\x02\x01\x07',                    # empty INTEGER
           b'\x30\x06\x02\x01\x80\x02\x01\x07',                # negative
           b'\x30\x07\x02\x02\x00\x05\x02\x01\x07',            # non-minimal
           b'\x30\x80' + der[2:] + b'\x00\x00',                # BER indefinite length
           b'', b'\x30', b'\x31\x00')
    for b in bad:
        try:
            ecdsa.der_decode(b)
        except ValueError:
            pass
        else:
            raise AssertionError('accepted %r' % (b,))
    # a 127-byte body is the largest short form
    big = b'\x02\x3f\x01' + bytes(62) + b'\x02\x3c\x01' + bytes(59)
    assert len(big) == 0x7f
    assert ecdsa.der_decode(b'\x30\x7f' + big)[1] == 1 << (59 * 8)
    # A 128-byte body needs the long form 0x81 0x80: 5db7001 decoded it (r, s too big for any
    # curve here); since d3aca80 der_decode refuses it. The verdict is the same: verify() says
    # False, and never raises.
    longer = b'\x30\x81\x80\x02\x40\x01' + bytes(63) + b'\x02\x3c\x01' + bytes(59)
    assert len(longer) == 3 + 0x80
    d, q = p256.generate_key(lambda n: bytes(range(1, n + 1)))
    for b in bad + (b'\x30\x7f' + big, longer):
        assert p256.verify(q, bytes(32), b) is False


# --- x509: the reader rebuilt on read_tlv, whole(), skip(), inline checks (7d53ce1, 4ca0177) ----

def _time(tag, text):
    from dtls_lite.x509 import der
    return der.DerReader(bytes((tag, len(text))) + text).read_time()


def test_der_times():
    # RFC 5280 §4.1.2.5: UTCTime YYMMDDHHMMSSZ (YY >= 50 is 19YY), GeneralizedTime
    # YYYYMMDDHHMMSSZ; a date must exist (validity by round trip since 7d53ce1)
    assert _time(0x17, b'240229120000Z') == 1709208000
    assert _time(0x17, b'500101000000Z') == -631152000
    assert _time(0x17, b'491231235959Z') == 2524607999
    assert _time(0x18, b'20000229000000Z') == 951782400
    assert _time(0x18, b'19700101000000Z') == 0
    for tag, text in ((0x17, b'230229120000Z'),   # not a leap year
                      (0x18, b'21000229000000Z'),  # 2100 is not one either
                      (0x17, b'240230120000Z'), (0x17, b'240431000000Z'),
                      (0x17, b'241301120000Z'), (0x17, b'240001120000Z'),
                      (0x17, b'240100120000Z'), (0x17, b'240132000000Z'),
                      (0x17, b'240101240000Z'), (0x17, b'240101236000Z'),
                      (0x17, b'240101235960Z'),
                      (0x17, b'2401011200+0Z'), (0x17, b'24010112000 Z'),
                      (0x17, b'2401011200_0Z'), (0x17, b'-40101120000Z'),
                      (0x17, b'2401011200\xb20Z'),   # a non-ASCII digit (Latin-1 superscript 2)
                      (0x17, b'240101120000z'), (0x17, b'2401011200Z'),
                      (0x17, b'20240101120000Z'), (0x18, b'240101120000Z'),
                      (0x18, b'20240101120000.5Z'), (0x04, b'240101120000Z')):
        assert alert_of(CertificateError, _time, tag, text) == 42, text


def test_der_reader_tags_depth_and_trailing_bytes():
    from dtls_lite.x509 import der
    r = der.DerReader(b'\x30\x03\x02\x01\x05\x04\x00')
    assert alert_of(CertificateError, r.read, 0x31) == 42         # wrong tag
    r = der.DerReader(b'\x30\x03\x02\x01\x05\x04\x00')
    s = r.sub()
    assert s.read_uint() == 5 and s.at_end()
    r.skip(0x05)                                                  # not there: nothing skipped
    r.skip(0x04)
    r.done()
    assert alert_of(CertificateError, der.whole, b'\x30\x00\x00') == 42     # trailing
    assert alert_of(CertificateError, der.whole, b'\x31\x00') == 42          # not a SEQUENCE
    assert der.whole(b'\x30\x02\x05\x00').read_null() is None
    nested = b'\x30\x00'
    for _ in range(12):
        nested = b'\x30' + bytes((len(nested),)) + nested
    r = der.DerReader(nested)
    try:
        while True:
            r = r.sub()
    except CertificateError as e:
        assert e.alert == 42 and 'deep' in e.msg
    for b in (b'\x01\x01\x01', b'\x01\x02\xff\xff', b'\x01\x00'):
        assert alert_of(CertificateError, der.DerReader(b).read_bool) == 42
    assert der.DerReader(b'\x01\x01\xff').read_bool() is True
    assert der.DerReader(b'\x01\x01\x00').read_bool() is False
    for b in (b'\x06\x00', b'\x06\x02\x2a\x86', b'\x06\x02\x80\x01', b'\x06\x03\x2a\x80\x01'):
        assert alert_of(CertificateError, der.DerReader(b).read_oid) == 42


def test_oid_text_round_trip():
    from dtls_lite.x509 import der
    for text, hexed in (('1.2.840.10045.2.1', '2a8648ce3d0201'), ('2.999.3', '883703'),
                        ('0.9.2342.19200300.100.1.25', '0992268993f22c640119'),
                        ('1.3.6.1.4.1.16383.128', '2b06010401ff7f8100'),
                        ('2.5.29.37.0', '551d2500')):
        b = der.oid_from_str(text)
        assert b.hex() == hexed, text
        assert der.oid_to_str(b) == text


def test_format_ip_rfc5952():
    from dtls_lite.x509.cert import format_ip
    from dtls_lite.x509.chain import ip_bytes
    for text, want in (('2001:db8::1', '2001:db8::1'), ('::1', '::1'), ('::', '::'),
                       ('1::', '1::'), ('2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'),
                       ('2001:0:0:1:0:0:0:1', '2001:0:0:1::1'), ('1:0:0:2:0:0:3:4', '1::2:0:0:3:4'),
                       ('0:0:1:0:0:0:0:0', '0:0:1::'), ('1:2:3:4:5:6:7:0', '1:2:3:4:5:6:7:0'),
                       ('0:1:2:3:4:5:6:7', '0:1:2:3:4:5:6:7'), ('10.0.0.1', '10.0.0.1')):
        assert format_ip(ip_bytes(text)) == want, text
    # ASCII digits only, on both runtimes (CPython's int() takes other scripts' digits, '+', '_',
    # spaces and '0x'; MicroPython's does not all of them)
    for text in ('1:2:3:4:5:6:7:8::', '1::2::3', '1.2.3', '1.2.3.256', '::10000', '1:2:3:4:5:6:7',
                 '\u0661\u0662\u0667.0.0.1', '+1.2.3.4', '1.2.3. 4', '1_0.0.0.1', '::0x1', '::+1',
                 '1.2.3.', '::12345', '::\u0661'):
        try:
            ip_bytes(text)
        except ValueError:
            pass
        else:
            raise AssertionError(text)


def test_private_scalar_forms():
    # RFC 5915 wants exactly 32/48 octets; shorter (leading zeros dropped) and GnuTLS's extra
    # 0x00 are accepted; 0, n, too long or empty are bad_certificate (42), an unknown curve 43.
    from dtls_lite.x509.keys import EcPrivateKey
    from dtls_lite.crypto import ec
    n = ec.P256.n
    assert EcPrivateKey('p256', (n - 1).to_bytes(32, 'big')).d == (n - 1).to_bytes(32, 'big')
    top = (n - 1).to_bytes(32, 'big')
    assert EcPrivateKey('p256', b'\x00' + top).d == top
    assert EcPrivateKey('p256', b'\x05').d == bytes(31) + b'\x05'
    assert EcPrivateKey('p256', b'\x00\x00' + b'\x01' * 31).d == b'\x00' + b'\x01' * 31
    for d in (bytes(32), n.to_bytes(32, 'big'), b'\x01' + bytes(32), b''):
        assert alert_of(CertificateError, EcPrivateKey, 'p256', d) == 42, d
    assert alert_of(CertificateError, EcPrivateKey, 'p521', b'\x01') == 43
    k = EcPrivateKey('p256', b'\x05')
    assert alert_of(CertificateError, EcPrivateKey, 'p256', b'\x06', k.public_key.point) == 42


def test_public_key_equality_both_operators():
    # EcPublicKey.__ne__ was dropped (1200e5d era): != must still follow __eq__ on both runtimes
    from dtls_lite.x509.keys import EcPrivateKey, parse_spki
    a = EcPrivateKey('p256', b'\x05').public_key
    b = parse_spki(a.spki())
    c = EcPrivateKey('p256', b'\x06').public_key
    assert a == b and not (a != b)
    assert a != c and not (a == c)
    assert a != a.point and [b].count(a) == 1 and a in [c, b] and c not in [a]


def test_key_loaders_keep_their_forms():
    from dtls_lite.x509 import keys, pem
    sec1 = pem.pem_decode(fx.SERVER_KEY_SEC1, 'EC PRIVATE KEY')
    p8 = pem.pem_decode(fx.CLIENT_KEY_PKCS8, 'PRIVATE KEY')
    for data in (fx.SERVER_KEY_SEC1, fx.SERVER_KEY_SEC1.encode(), sec1, bytearray(sec1)):
        assert keys.load_private_key(data).curve == 'p256'
    for data in (fx.CLIENT_KEY_PKCS8, p8, bytearray(p8), memoryview(p8)):
        assert keys.load_private_key(data).curve == 'p256'
    assert keys.load_private_key(fx.LEAF384_KEY_SEC1).curve == 'p384'
    assert keys.parse_sec1(sec1).curve == keys.parse_pkcs8(p8).curve == 'p256'
    spki = pem.pem_decode(fx.SERVER_PUB, 'PUBLIC KEY')
    for data in (fx.SERVER_PUB, spki, bytearray(spki), memoryview(spki)):
        assert keys.parse_spki(data).curve == 'p256'
    assert alert_of(CertificateError, keys.load_private_key, fx.SERVER_PUB) == 42  # no key block
    # write_spki writes exactly what parse_spki reads (short-form lengths, both curves)
    for pem_key in (fx.SERVER_KEY_SEC1, fx.LEAF384_KEY_SEC1):
        key = keys.load_private_key(pem_key)
        der = keys.write_spki(key.public_key)
        assert keys.parse_spki(der) == key.public_key and der[1] == len(der) - 2


def test_directory_strings():
    from dtls_lite.x509.name import decode_string
    assert decode_string(0x1e, b'\xd8\x3d\xde\x00') == '\U0001f600'      # a surrogate pair
    assert decode_string(0x1c, b'\x00\x00\x00\x41\x00\x01\xf6\x00') == 'A\U0001f600'
    assert decode_string(0x0c, 'é'.encode()) == 'é'
    assert decode_string(0x14, b'\xe9') == 'é'                             # T.61 as Latin-1
    for tag, b in ((0x1e, b'\x00\x41\xd8\x3d'),       # a high surrogate last
                   (0x1e, b'\xdc\x00'),               # a lone low surrogate
                   (0x1c, b'\x00\x11\x00\x00'),       # above U+10FFFF
                   (0x1e, b'\x00\x41\x00'), (0x1c, b'\x00\x00\x41'),   # odd lengths
                   (0x0c, b'\xff')):
        assert alert_of(CertificateError, decode_string, tag, b) == 42, b


def test_chain_issuer_choice():
    # 7d53ce1 folded _anchor_for / _check_signature into one loop: a trust anchor of the
    # issuer's name is tried by signature (the impostor CA has the real CA's name), a bad
    # signature under every such anchor is bad_certificate (42), no such name unknown_ca (48).
    from dtls_lite.x509.chain import Verifier
    from dtls_lite.x509.cert import parse_certificate
    leaf = parse_certificate(fx.SERVER_CRT)

    def v(anchors, chain=(fx.SERVER_CRT,)):
        return Verifier(anchors, clock=lambda: fx.NOW).verify(list(chain))
    assert v([fx.IMPOSTOR_CRT, fx.CA_CRT]).der == leaf.der
    assert v([fx.CA_CRT, fx.IMPOSTOR_CRT]).der == leaf.der
    assert alert_of(CertificateError, v, [fx.IMPOSTOR_CRT]) == 42
    assert alert_of(CertificateError, v, [fx.OTHER_CRT]) == 48
    # a pinned leaf (itself an anchor) still has its validity checked
    assert v([fx.SERVER_CRT]).der == leaf.der
    late = Verifier([fx.SERVER_CRT], clock=lambda: fx.NOT_AFTER + 1)
    assert alert_of(CertificateError, late.verify, [fx.SERVER_CRT]) == 45
    early = Verifier([fx.SERVER_CRT], clock=lambda: fx.NOT_BEFORE - 1)
    assert alert_of(CertificateError, early.verify, [fx.SERVER_CRT]) == 42
    # path through the intermediate (pathlen 0): leaf2 passes, leaf3 (one more CA) does not
    assert v([fx.CA_CRT], (fx.LEAF2_CRT, fx.INTER_CRT)).subject == 'CN=leaf2'
    assert alert_of(CertificateError, v, [fx.CA_CRT], (fx.LEAF3_CRT, fx.INTER2_CRT,
                                                        fx.INTER_CRT)) == 48
    # the peer's order is not trusted: the intermediate first still works
    assert v([fx.CA_CRT], (fx.LEAF2_CRT, fx.SERVER_CRT, fx.INTER_CRT)).subject == 'CN=leaf2'
    assert alert_of(CertificateError, v, [fx.CA_CRT], (fx.LEAF_NOTCA_CRT, fx.NOTCA_CRT)) == 48
    assert alert_of(CertificateError, v, [fx.CA_CRT], (fx.LEAF_NOCERTSIGN_CRT,
                                                        fx.NOCERTSIGN_CRT)) == 48


# --- auth: Credentials / credentials() forms (374aa02, 82c27af) --------------------------------

def test_credentials_certificate_forms():
    from dtls_lite import auth
    from dtls_lite.x509.pem import pem_decode
    from dtls_lite.x509.cert import parse_certificate
    der = pem_decode(fx.SERVER_CRT, 'CERTIFICATE')
    for certs, n in ((fx.SERVER_CRT, 1), (fx.SERVER_CRT.encode(), 1), (der, 1), (bytearray(der), 1),
                     ([der], 1), ((x for x in [der]), 1), (parse_certificate(der), 1),
                     ((fx.SERVER_CRT, fx.CA_CRT), 2), (fx.SERVER_CRT + fx.CA_CRT, 2)):
        c = auth.Credentials(fx.SERVER_KEY_SEC1, certs)
        assert len(c.chain) == n and c.chain[0] == der
        assert c.public_key == c.key.public_key
    for certs in ([], fx.CA_CRT):
        try:
            auth.Credentials(fx.SERVER_KEY_SEC1, certs)
        except dtls_lite.ConfigError:
            pass
        else:
            raise AssertionError(certs)
    assert len(auth.credentials(fx.SERVER_KEY_SEC1 + fx.SERVER_CRT).chain) == 1
    assert len(auth.credentials((fx.SERVER_KEY_SEC1 + fx.SERVER_CRT).encode()).chain) == 1
    assert auth.credentials(fx.SERVER_KEY_SEC1).chain == []
    k = auth.Credentials(fx.SERVER_KEY_SEC1)
    raw = auth.Credentials(k.key.d)                      # a raw 32-byte scalar: P-256
    assert raw.public_key == k.public_key
    assert auth.credentials({'priv_key': k.key.d, 'pub_key_x': k.public_key.point[1:33],
                             'pub_key_y': k.public_key.point[33:]}).public_key == k.public_key


def test_peer_cert_fields():
    from dtls_lite import auth
    from dtls_lite.x509.chain import Verifier
    pa = auth.PeerAuth(Verifier([fx.CA_CRT], clock=lambda: fx.NOW))
    from dtls_lite.x509.pem import pem_decode
    pc = pa.authenticate(mc.CERT_TYPE_X509, [pem_decode(fx.SERVER_CRT, 'CERTIFICATE')])
    assert pc.cert_type == 'x509' and pc.subject == 'CN=server,O=dtls_lite test'
    assert pc.not_before == fx.NOT_BEFORE and pc.not_after == fx.NOT_AFTER
    k = auth.Credentials(fx.SERVER_KEY_SEC1)
    pa = auth.PeerAuth(None, [k.spki])
    pc = pa.authenticate(mc.CERT_TYPE_RAW_PUBLIC_KEY, [k.spki])
    assert pc.cert_type == 'raw_public_key' and pc.public_key == k.public_key
    assert pc.subject is None and pc.serial is None and pc.not_after is None and pc.der == k.spki
    # no verifier: X.509 is unsupported_certificate; nothing to trust a raw key by: 42
    assert alert_of(Fault, pa.authenticate, mc.CERT_TYPE_X509, [b'\x30\x00']) == 43
    assert alert_of(Fault, auth.PeerAuth().authenticate, mc.CERT_TYPE_RAW_PUBLIC_KEY,
                    [k.spki]) == 42
    assert alert_of(Fault, pa.authenticate, mc.CERT_TYPE_RAW_PUBLIC_KEY, []) == 40


def test_signature_algorithm_checks():
    # one _verify for ServerKeyExchange and CertificateVerify (374aa02): an algorithm outside
    # ours or not offered is illegal_parameter (47), a bad signature decrypt_error (51)
    from dtls_lite import auth
    k = auth.Credentials(fx.SERVER_KEY_SEC1)
    msgs = [b'hello', b'world']
    body = auth.sign_transcript(k, 0x0403, msgs)
    auth.verify_transcript(k.public_key, auth.SIGNATURE_ALGORITHMS, body, msgs)
    auth.verify_transcript(k.public_key, auth.SIGNATURE_ALGORITHMS, body, msgs + [b'x'], 2)
    assert alert_of(Fault, auth.verify_transcript, k.public_key, auth.SIGNATURE_ALGORITHMS,
                    body, [b'hello', b'World']) == 51
    assert alert_of(Fault, auth.verify_transcript, k.public_key, (0x0503,), body, msgs) == 47
    other = b'\x06\x03' + body[2:]                              # ecdsa_secp521r1_sha512
    assert alert_of(Fault, auth.verify_transcript, k.public_key, (0x0603, 0x0403), other,
                    msgs) == 47
    ske = auth.sign_server_params(k, 0x0503, bytes(32), b'\x01' * 32, b'\x03\x00\x1d\x01\x09')
    alg, sig = mc.parse_certificate_verify(ske[5:])
    assert alg == 0x0503
    auth.verify_server_params(k.public_key, auth.SIGNATURE_ALGORITHMS, alg, sig, bytes(32),
                              b'\x01' * 32, b'\x03\x00\x1d\x01\x09')
    assert alert_of(Fault, auth.verify_server_params, k.public_key, auth.SIGNATURE_ALGORITHMS,
                    alg, sig, bytes(32), b'\x02' * 32, b'\x03\x00\x1d\x01\x09') == 51
    assert k.choose_sig_alg(None) == 0x0403 and k.choose_sig_alg([0x0503]) == 0x0503
    assert k.choose_sig_alg([0x0601]) is None


# --- wire structs shared across messages (f2b35b3, c829760) -------------------------------------

def test_client_hello_cookie_input():
    ch = mh.ClientHello(random=bytes(range(32)), session_id=b'\x07' * 5, cookie=b'\xcc' * 9,
                        cipher_suites=[0xC0A8], extensions=[(23, b'')])
    body = mh.write_client_hello(ch)
    got = mh.parse_client_hello(body)
    assert got.cookie == b'\xcc' * 9 and got.session_id == b'\x07' * 5
    # cookie_input: the hello without its cookie vector (what the cookie MAC covers)
    assert got.cookie_input == body[:40] + body[40 + 10:]
    ch.cookie = b''
    assert got.cookie_input == mh.write_client_hello(ch)[:40] + mh.write_client_hello(ch)[41:]
    for cut in (body[:-1], body + b'\x00', body[:34]):
        assert alert_of(Fault, mh.parse_client_hello, cut) == 50


def test_shared_vector_and_code_list_readers():
    assert mc.parse_signature_algorithms(b'\x00\x04\x04\x03\x05\x03') == [0x0403, 0x0503]
    for bad in (b'\x00\x00', b'\x00\x03\x04\x03\x05', b'\x00\x02\x04', b'\x00\x02\x04\x03\x00'):
        assert alert_of(Fault, mc.parse_signature_algorithms, bad) == 50, bad
        assert alert_of(Fault, mh.parse_supported_groups, bad) == 50, bad
    assert mc.parse_cert_type(b'\x02') == 2
    for bad in (b'', b'\x02\x00'):
        assert alert_of(Fault, mc.parse_cert_type, bad) == 50
    assert mc.parse_cert_type_list(b'\x02\x02\x00') == [2, 0]
    assert mc.write_cert_type_list((2,)) == b'\x01\x02'
    assert mc.write_cert_type_list([2, 0]) == b'\x02\x02\x00'
    for bad in (b'\x00', b'\x02\x02', b'\x01\x02\x00', b''):
        assert alert_of(Fault, mc.parse_cert_type_list, bad) == 50, bad
        assert alert_of(Fault, mc.parse_client_key_exchange, bad) == 50, bad
    assert mh.parse_renegotiation_info(b'\x00') == b''
    for bad in (b'', b'\x01', b'\x00\x00'):
        assert alert_of(Fault, mh.parse_renegotiation_info, bad) == 50
    assert mh.has_uncompressed_points(b'\x02\x01\x00')
    assert not mh.has_uncompressed_points(b'\x01\x01')
    assert alert_of(Fault, mh.has_uncompressed_points, b'\x00') == 50
    # ServerKeyExchange (ECDHE_ECDSA): params, then a DigitallySigned, nothing after
    ske = b'\x03\x00\x17\x02\x04\x05' + b'\x04\x03\x00\x02\x30\x00'
    assert mc.parse_server_key_exchange(ske) == (23, b'\x04\x05', ske[:6], 0x0403, b'\x30\x00')
    assert alert_of(Fault, mc.parse_server_key_exchange, ske + b'\x00') == 50
    assert alert_of(Fault, mc.parse_server_key_exchange, b'\x01' + ske[1:]) == 47
    from dtls_lite import msg_kx as mk
    assert mk.parse_server_key_exchange(b'\x00\x00' + ske[:6], True) == (b'', 23, b'\x04\x05')
    assert alert_of(Fault, mk.parse_server_key_exchange, b'\x00\x00\x01' + ske[1:6], True) == 47
    from dtls_lite import msg_finished as mf
    assert mf.parse_finished(bytes(12)) == bytes(12)
    for bad in (bytes(11), bytes(13)):
        assert alert_of(Fault, mf.parse_finished, bad) == 50
    assert mc.write_certificate([]) == b'\x00\x00\x00'
    rpk = mc.write_certificate([b'\x30\x00'], mc.CERT_TYPE_RAW_PUBLIC_KEY)
    assert rpk == b'\x00\x00\x02\x30\x00'
    assert mc.write_certificate([b'ab', b'c']) == b'\x00\x00\x09\x00\x00\x02ab\x00\x00\x01c'


def test_wire_reader_numbers_and_fragment_header():
    from dtls_lite.wire import Reader, put_u24
    r = Reader(b'\x01\x02\x03\x0a\x0b\x0c\x0d\x0e\x0f')
    assert r.u24() == 0x010203 and r.u48() == 0x0a0b0c0d0e0f
    r.done()
    assert alert_of(Fault, Reader(b'\x01\x02').u24) == 50
    assert alert_of(Fault, Reader(b'\x01\x02\x03\x04\x05').u48) == 50
    out = bytearray()
    put_u24(out, 0x123456)
    assert out == b'\x12\x34\x56'
    msg = fr.message(fr.CERTIFICATE, 0x0102, bytes(range(200)) * 400)   # 80000-byte body
    frag = fr.fragment(msg, 70000, 300)
    assert frag[:12] == b'\x0b\x01\x38\x80\x01\x02\x01\x11\x70\x00\x01\x2c'
    assert frag[12:] == msg[12 + 70000:12 + 70300]
    assert fr.parse_fragment(frag, 0, len(frag)) == (fr.CERTIFICATE, 80000, 0x0102, 70000, 300)


def test_parse_sec1_and_pkcs8_take_bytearray_and_memoryview():
    # 7d53ce1 parsed the views directly, and the curve OID then came back as a view that
    # keys._curve did not recognise (unsupported_certificate); 5db7001 took any bytes-like.
    from dtls_lite.x509 import keys, pem
    import test_x509_fixtures as fx
    sec1 = pem.pem_decode(fx.SERVER_KEY_SEC1, 'EC PRIVATE KEY')
    p8 = pem.pem_decode(fx.CLIENT_KEY_PKCS8, 'PRIVATE KEY')
    for conv in (bytes, bytearray, memoryview):
        assert keys.parse_sec1(conv(sec1)).curve == 'p256'
        assert keys.parse_pkcs8(conv(p8)).curve == 'p256'


def test_high_surrogate_without_low_one_is_bad_certificate():
    # BMPString: a high surrogate must be followed by a low one (RFC 2781 §2.2)
    from dtls_lite.x509.name import decode_string
    from dtls_lite.x509.errors import CertificateError
    assert decode_string(0x1e, b'\xd8\x3d\xde\x00') == '\U0001f600'
    for bad in (b'\xd8\x3d\x00\x41', b'\xd8\x3d\xd8\x3d'):
        try:
            decode_string(0x1e, bad)
        except CertificateError as e:
            assert e.alert == 42
        else:
            raise AssertionError('accepted %r' % bad)
