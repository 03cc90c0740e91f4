"""Strict DER reading and writing (dtls_lite.x509.der/pem/write), on both runtimes.

Byte strings are hand-assembled from X.690 §8/§10; every reject case names the rule it breaks.
"""
from dtls_lite.x509 import der
from dtls_lite.x509.der import DerReader, days_from_civil, civil_from_days, oid_to_str, oid_from_str
from dtls_lite.x509.errors import CertificateError, BAD_CERTIFICATE
from dtls_lite.x509.pem import pem_blocks, pem_encode, pem_decode, to_der, is_pem
from dtls_lite.x509 import write
from support import unhex


def _rejects(fn, data, alert=BAD_CERTIFICATE):
    try:
        fn(DerReader(data))
    except CertificateError as e:
        assert e.alert == alert, e
        return str(e)
    raise AssertionError('accepted %s' % data.hex())


def _whole(tag):
    def fn(r):
        v = r.read(tag)
        r.done()
        return v
    return fn


def test_lengths_short_and_long_form():
    assert DerReader(b'\x04\x00').read(der.OCTET_STRING) == b''
    assert DerReader(b'\x04\x7f' + bytes(127)).read(der.OCTET_STRING) == bytes(127)
    assert DerReader(b'\x04\x81\x80' + bytes(128)).read(der.OCTET_STRING) == bytes(128)
    assert DerReader(b'\x04\x82\x01\x00' + bytes(256)).read(der.OCTET_STRING) == bytes(256)


def test_lengths_rejected():
    f = _whole(der.OCTET_STRING)
    assert 'non-minimal' in _rejects(f, b'\x04\x81\x05' + bytes(5))          # §10.1 fewest octets
    assert 'non-minimal' in _rejects(f, b'\x04\x82\x00\x80' + bytes(128))    # leading zero octet
    assert 'indefinite' in _rejects(f, b'\x04\x80' + bytes(2) + b'\x00\x00')  # §10.1 definite only
    assert 'too large' in _rejects(f, b'\x04\x85\x01\x00\x00\x00\x00')       # > 4 length octets
    assert 'truncated' in _rejects(f, b'\x04\x05abcd')                        # runs past the end
    assert 'truncated' in _rejects(f, b'\x04\x82\x01')                        # length cut short
    assert 'truncated' in _rejects(f, b'\x04')
    assert 'trailing' in _rejects(f, b'\x04\x01a\x00')                        # bytes after it
    assert 'high tag' in _rejects(f, b'\x1f\x81\x00\x00')                     # tag number >= 31
    assert 'expected tag' in _rejects(f, b'\x05\x00')


def test_nested_length_bounded_by_parent():
    # The inner OCTET STRING claims 4 bytes but its SEQUENCE holds only 3 after its header.
    r = DerReader(b'\x30\x03\x04\x04ab' + b'cd')
    seq = r.sub(der.SEQUENCE)
    try:
        seq.read(der.OCTET_STRING)
    except CertificateError as e:
        assert 'truncated' in str(e)
    else:
        raise AssertionError('inner element escaped its parent')


def test_nesting_depth_bounded():
    def nest(n):
        b = b'\x05\x00'
        for _ in range(n):
            b = b'\x30' + bytes([len(b)]) + b
        return b

    def walk(r):
        while r.peek_tag() == der.SEQUENCE:
            r = r.sub(der.SEQUENCE)
        r.read_null()
    walk(DerReader(nest(12)))
    assert 'too deep' in _rejects(walk, nest(13))


def test_integer():
    assert DerReader(b'\x02\x01\x00').read_integer()[0] == 0
    assert DerReader(b'\x02\x01\x7f').read_integer()[0] == 127
    assert DerReader(b'\x02\x02\x00\x80').read_integer()[0] == 128
    assert DerReader(b'\x02\x01\xff').read_integer()[0] == -1
    assert DerReader(b'\x02\x02\xff\x7f').read_integer()[0] == -129
    assert DerReader(b'\x02\x09\x00' + b'\xff' * 8).read_uint() == (1 << 64) - 1
    assert 'empty' in _rejects(lambda r: r.read_integer(), b'\x02\x00')
    assert 'non-minimal' in _rejects(lambda r: r.read_integer(), b'\x02\x02\x00\x7f')  # §8.3.2
    assert 'non-minimal' in _rejects(lambda r: r.read_integer(), b'\x02\x02\xff\x80')
    assert 'negative' in _rejects(lambda r: r.read_uint(), b'\x02\x01\x80')


def test_boolean_and_null():
    assert DerReader(b'\x01\x01\xff').read_bool() is True
    assert DerReader(b'\x01\x01\x00').read_bool() is False
    _rejects(lambda r: r.read_bool(), b'\x01\x01\x01')   # §11.1: TRUE is 0xff
    _rejects(lambda r: r.read_bool(), b'\x01\x02\xff\xff')
    DerReader(b'\x05\x00').read_null()
    _rejects(lambda r: r.read_null(), b'\x05\x01\x00')


def test_bit_string():
    assert DerReader(b'\x03\x01\x00').read_bit_string() == (b'', 0)
    assert DerReader(b'\x03\x02\x01\x02').read_bit_string() == (b'\x02', 1)
    assert DerReader(b'\x03\x03\x00ab').read_octets() == b'ab'
    _rejects(lambda r: r.read_bit_string(), b'\x03\x00')             # no unused-bits octet
    _rejects(lambda r: r.read_bit_string(), b'\x03\x01\x01')         # unused bits with no data
    _rejects(lambda r: r.read_bit_string(), b'\x03\x02\x08\x00')     # unused > 7
    assert 'padding' in _rejects(lambda r: r.read_bit_string(), b'\x03\x02\x01\x01')  # §11.2.1
    assert 'aligned' in _rejects(lambda r: r.read_octets(), b'\x03\x02\x01\x02')


def test_oid():
    ec = unhex('2a8648ce3d0201')
    assert oid_to_str(ec) == '1.2.840.10045.2.1'
    assert oid_from_str('1.2.840.10045.2.1') == ec
    for s in ('2.5.4.3', '0.9.2342.19200300.100.1.25', '1.3.132.0.34', '2.999.1', '1.2.840.113549.1.9.1'):
        assert oid_to_str(oid_from_str(s)) == s, s
    assert DerReader(b'\x06\x03\x55\x04\x03').read_oid() == b'\x55\x04\x03'
    _rejects(lambda r: r.read_oid(), b'\x06\x00')                    # empty
    _rejects(lambda r: r.read_oid(), b'\x06\x03\x55\x80\x03')        # §8.19.2 leading 0x80
    _rejects(lambda r: r.read_oid(), b'\x06\x02\x55\x84')            # last octet continues
    # A sub-identifier may take 20 bytes (a 128-bit UUID arc under 2.25 takes 19), not 21: a
    # longer one would cost quadratic time as text, and ValueError on CPython past 4300 digits.
    uuid = '2.25.' + str((1 << 128) - 1)
    assert oid_to_str(DerReader(write.tlv(der.OID, oid_from_str(uuid))).read_oid()) == uuid
    arc20 = b'\x2a' + b'\xff' * 19 + b'\x7f'
    assert DerReader(write.tlv(der.OID, arc20)).read_oid() == arc20
    assert 'OID' in _rejects(lambda r: r.read_oid(), write.tlv(der.OID, b'\x2a' + b'\xff' * 20 + b'\x7f'))
    _rejects(lambda r: r.read_oid(), write.tlv(der.OID, b'\x2a' + b'\xff' * 2100 + b'\x7f'))


def _time(tag, text):
    return DerReader(bytes([tag, len(text)]) + text.encode()).read_time()


def test_days_from_civil_known_dates():
    assert days_from_civil(1970, 1, 1) == 0
    assert days_from_civil(2000, 3, 1) == 11017
    assert days_from_civil(1969, 12, 31) == -1
    assert days_from_civil(2038, 1, 19) * 86400 + 3 * 3600 + 14 * 60 + 8 == 2 ** 31
    assert days_from_civil(2100, 3, 1) - days_from_civil(2100, 2, 28) == 1    # 2100 not leap
    assert days_from_civil(2000, 3, 1) - days_from_civil(2000, 2, 28) == 2    # 2000 leap
    for d in range(-800000, 800000, 997):
        assert days_from_civil(*civil_from_days(d)) == d


def test_times():
    # RFC 5280 §4.1.2.5.1: UTCTime YY >= 50 is 19YY; otherwise 20YY.
    assert _time(der.UTC_TIME, '700101000000Z') == 0
    assert _time(der.UTC_TIME, '500101000000Z') == days_from_civil(1950, 1, 1) * 86400
    assert _time(der.UTC_TIME, '491231235959Z') == days_from_civil(2050, 1, 1) * 86400 - 1
    assert _time(der.UTC_TIME, '380119031408Z') == 2 ** 31
    assert _time(der.GENERALIZED_TIME, '20500101000000Z') == days_from_civil(2050, 1, 1) * 86400
    assert _time(der.GENERALIZED_TIME, '99991231235959Z') == days_from_civil(10000, 1, 1) * 86400 - 1
    assert _time(der.UTC_TIME, '240229120000Z') == days_from_civil(2024, 2, 29) * 86400 + 43200
    for tag, bad in ((der.UTC_TIME, '230229000000Z'),     # not a leap year
                     (der.UTC_TIME, '250230000000Z'),
                     (der.UTC_TIME, '251301000000Z'),
                     (der.UTC_TIME, '250101240000Z'),
                     (der.UTC_TIME, '250101000060Z'),
                     (der.UTC_TIME, '2501010000Z'),       # seconds are mandatory in DER
                     (der.UTC_TIME, '250101000000+0100'),
                     (der.UTC_TIME, '2501010000000'),     # no Z
                     (der.UTC_TIME, '25010100000aZ'),
                     (der.GENERALIZED_TIME, '20250101000000.5Z'),  # no fractions in DER
                     (der.GENERALIZED_TIME, '250101000000Z'),
                     (der.OCTET_STRING, '250101000000Z')):
        _rejects(lambda r: r.read_time(), bytes([tag, len(bad)]) + bad.encode())


def test_format_time():
    assert der.format_time(0) == '1970-01-01 00:00:00Z'
    assert der.format_time(2 ** 31) == '2038-01-19 03:14:08Z'


def test_pem_round_trip_and_noise():
    body = bytes(range(200))
    text = pem_encode('CERTIFICATE', body)
    lines = text.strip().split('\n')
    assert lines[0] == '-----BEGIN CERTIFICATE-----' and lines[-1] == '-----END CERTIFICATE-----'
    assert max(len(x) for x in lines[1:-1]) == 64          # RFC 7468 §2
    noisy = 'Bag Attributes\n' + pem_encode('EC PARAMETERS', b'\x06\x01\x01') + 'junk\r\n' + \
        text.replace('\n', '\r\n')
    assert [lab for lab, _ in pem_blocks(noisy)] == ['EC PARAMETERS', 'CERTIFICATE']
    assert pem_decode(noisy, 'CERTIFICATE') == body
    assert pem_decode(noisy.encode(), 'CERTIFICATE') == body
    assert to_der(body, 'CERTIFICATE') == body
    for bad in ('-----BEGIN CERTIFICATE-----\nAAAA\n', text.replace('CERTIFICATE', 'X509 CRL')):
        try:
            pem_decode(bad, 'CERTIFICATE')
        except CertificateError as e:
            assert e.alert == BAD_CERTIFICATE
        else:
            raise AssertionError('accepted bad PEM')


def test_der_bytes_are_never_read_as_pem():
    # DER starts with a SEQUENCE (0x30): PEM armour inside one of its fields is data, not PEM
    der_with_text = write.seq(write.tlv(0x0c, b'-----BEGIN x-----'))
    assert not is_pem(der_with_text) and is_pem(b'junk -----BEGIN X-----') and is_pem('-----BEGIN ')
    assert to_der(der_with_text, 'CERTIFICATE') == der_with_text
    # bytes that are neither UTF-8 nor DER: a certificate error, not UnicodeError
    for bad in (b'-----BEGIN \xff', bytearray(b'\x80-----BEGIN X-----'),
                b'-----BEGIN \xff-----\nAAAA\n-----END \xff-----\n'):
        try:
            to_der(bad, 'CERTIFICATE')
        except CertificateError as e:
            assert e.alert == BAD_CERTIFICATE and 'PEM' in str(e), e
        else:
            raise AssertionError('accepted %r' % bad)


def test_pem_text_around_blocks_in_any_encoding():
    # RFC 7468 §2: text outside the armour must not make a parser fail; a Latin-1 comment
    # (not UTF-8) before a block used to give 'PEM text is not UTF-8'
    body = write.seq(write.tlv(0x0c, b'x'))
    text = pem_encode('CERTIFICATE', body).encode()
    for noise in (b'# caf\xe9\n', b'\xff\xfe junk\r\n'):
        assert to_der(noise + text + noise, 'CERTIFICATE') == body
        assert pem_decode(bytearray(noise + text), 'CERTIFICATE') == body


def test_pem_with_bytes_only_base64():
    # micropython-lib's binascii.py (ports built without the C module, e.g. webassembly) takes
    # bytes only: a str raises TypeError there, which pem_blocks would not have caught.
    from dtls_lite.x509 import pem
    real = pem.binascii
    text = pem_encode('CERTIFICATE', b'\x30\x00')

    class BytesOnly:
        @staticmethod
        def a2b_base64(data):
            if not isinstance(data, (bytes, bytearray)):
                raise TypeError("can't convert str to int")
            return real.a2b_base64(data)
    pem.binascii = BytesOnly
    try:
        assert pem_decode(text, 'CERTIFICATE') == b'\x30\x00'
    finally:
        pem.binascii = real


def test_writer_primitives():
    assert write.length(0) == b'\x00' and write.length(127) == b'\x7f'
    assert write.length(128) == b'\x81\x80' and write.length(255) == b'\x81\xff'
    assert write.length(256) == b'\x82\x01\x00' and write.length(65536) == b'\x83\x01\x00\x00'
    assert write.integer(0) == b'\x02\x01\x00'
    assert write.integer(127) == b'\x02\x01\x7f'
    assert write.integer(128) == b'\x02\x02\x00\x80'
    assert write.integer(0x1234) == b'\x02\x02\x12\x34'
    assert write.boolean(True) == b'\x01\x01\xff'
    # keyUsage named bits, X.690 §11.2.2 (trailing zero bits dropped, count in the first octet):
    assert write.named_bits(write.KU_DIGITAL_SIGNATURE) == unhex('03020780')
    assert write.named_bits(write.KU_KEY_CERT_SIGN | write.KU_CRL_SIGN) == unhex('03020106')
    assert write.named_bits(0x101) == unhex('0303078080')   # digitalSignature + decipherOnly
    assert write.named_bits(write.KU_KEY_AGREEMENT) == unhex('03020308')
    for n in (0, 1, 127, 128, 255, 256, 2 ** 64, 2 ** 159 + 5):
        assert DerReader(write.integer(n)).read_uint() == n
    for n in (0, 5, 127, 128, 300, 70000):
        r = DerReader(write.tlv(der.OCTET_STRING, bytes(n)))
        assert r.read(der.OCTET_STRING) == bytes(n)
        r.done()


def test_writer_times_round_trip():
    # RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
    for t in (0, 2 ** 31, days_from_civil(2049, 12, 31) * 86400 + 86399,
              days_from_civil(2050, 1, 1) * 86400, days_from_civil(1950, 1, 1) * 86400, 253402300799):
        enc = write.time(t)
        assert enc[0] == (der.UTC_TIME if t < 2524608000 else der.GENERALIZED_TIME)
        assert DerReader(enc).read_time() == t
    assert write.time(0) == b'\x17\x0d700101000000Z'
    assert write.time(2524608000) == b'\x18\x0f20500101000000Z'


def test_ip_bytes():
    assert write.ip_bytes('127.0.0.1') == b'\x7f\x00\x00\x01'
    assert write.ip_bytes('::1') == bytes(15) + b'\x01'
    assert write.ip_bytes('2001:db8::7') == unhex('20010db8000000000000000000000007')
    assert write.ip_bytes('fe80::') == unhex('fe80') + bytes(14)
    assert write.ip_bytes('1:2:3:4:5:6:7:8') == unhex('00010002000300040005000600070008')
    for bad in ('1.2.3', '256.1.1.1', '1::2::3', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8::'):
        try:
            write.ip_bytes(bad)
        except ValueError:
            pass
        else:
            raise AssertionError('accepted ' + bad)
