"""Wire encodings of certificate authentication (dtls_lite/msg_cert.py): byte-exact parse/write
round trips annotated field by field (RFC 5246 §7.4.2/§7.4.4/§7.4.8, RFC 8422 §5.4/§5.7, RFC
7250 §3/§4); truncated and trailing encodings rejected with decode_error, certificates over our
size and count bounds with bad_certificate."""
from dtls_lite.errors import Fault, BAD_CERTIFICATE, DECODE_ERROR, ILLEGAL_PARAMETER
from dtls_lite import msg_cert as mc
from dtls_lite import msg_hello as mh
from dtls_lite.x509.pem import pem_decode
from dtls_lite.x509.cert import MAX_CERTIFICATE_BYTES
from dtls_lite.x509.chain import MAX_PATH_CAS
import test_x509_fixtures as fx
from support import unhex, alert_of

SPKI = pem_decode(fx.SERVER_PUB, 'PUBLIC KEY')          # 91-byte P-256 SubjectPublicKeyInfo
SERVER_DER = pem_decode(fx.SERVER_CRT, 'CERTIFICATE')
CA_DER = pem_decode(fx.CA_CRT, 'CERTIFICATE')


def _fault(fn, *args, **kw):
    return alert_of(Fault, fn, *args, **kw)


def _rejects_every_truncation_and_trailing(parse, body, *args):
    for i in range(len(body)):
        assert _fault(parse, body[:i], *args) == DECODE_ERROR, i
    assert _fault(parse, body + b'\x00', *args) == DECODE_ERROR


# Certificate, X.509: two (fake, short) DER entries, leaf first.
CERTIFICATE = unhex(
    '00000d'                # certificate_list<0..2^24-1>: 13 bytes
    + '000005'              #   ASN.1Cert<1..2^24-1>: 5 bytes
    + '3003020105'          #     SEQUENCE { INTEGER 5 }      (the sender's certificate)
    + '000002'              #   ASN.1Cert: 2 bytes
    + '3000'                #     SEQUENCE { }                (its issuer)
)


def test_certificate_x509_round_trip():
    entries = mc.parse_certificate(CERTIFICATE)
    assert entries == [unhex('3003020105'), unhex('3000')]
    assert mc.write_certificate(entries) == CERTIFICATE
    assert mc.parse_certificate(CERTIFICATE, mc.CERT_TYPE_X509) == entries
    # a real chain: leaf then CA
    body = mc.write_certificate([SERVER_DER, CA_DER])
    assert len(body) == 3 + 3 + len(SERVER_DER) + 3 + len(CA_DER)
    assert mc.parse_certificate(body) == [SERVER_DER, CA_DER]


def test_certificate_empty_list():
    # RFC 5246 §7.4.6: a client without a suitable certificate sends an empty list.
    assert mc.write_certificate([]) == unhex('000000')
    assert mc.parse_certificate(unhex('000000')) == []
    assert mc.parse_certificate(unhex('000000'), mc.CERT_TYPE_RAW_PUBLIC_KEY) == []


def test_certificate_raw_public_key_round_trip():
    body = mc.write_certificate([SPKI], mc.CERT_TYPE_RAW_PUBLIC_KEY)
    assert body == (unhex('00005b')     # ASN.1_subjectPublicKeyInfo<1..2^24-1>: 91 bytes
                    + SPKI)             #   SEQUENCE { AlgorithmIdentifier, BIT STRING point }
    assert SPKI[:2] == unhex('3059')
    assert mc.parse_certificate(body, mc.CERT_TYPE_RAW_PUBLIC_KEY) == [SPKI]
    # The same key wrapped as a one-entry certificate_list (some stacks do): accepted.
    wrapped = unhex('00005e' + '00005b') + SPKI
    assert mc.parse_certificate(wrapped, mc.CERT_TYPE_RAW_PUBLIC_KEY) == [SPKI]
    # Two raw keys are not a raw public key.
    two = mc.write_certificate([SPKI, SPKI])
    assert _fault(mc.parse_certificate, two, mc.CERT_TYPE_RAW_PUBLIC_KEY) == DECODE_ERROR
    try:
        mc.write_certificate([SPKI, SPKI], mc.CERT_TYPE_RAW_PUBLIC_KEY)
    except ValueError:
        pass
    else:
        raise AssertionError('two raw keys written')


def test_certificate_truncation_and_trailing():
    _rejects_every_truncation_and_trailing(mc.parse_certificate, CERTIFICATE)
    rpk = mc.write_certificate([SPKI], mc.CERT_TYPE_RAW_PUBLIC_KEY)
    _rejects_every_truncation_and_trailing(mc.parse_certificate, rpk, mc.CERT_TYPE_RAW_PUBLIC_KEY)
    # inner length running past the outer list, and an empty ASN.1Cert<1..>
    assert _fault(mc.parse_certificate, unhex('000005' + '000003' + '3000')) == DECODE_ERROR
    assert _fault(mc.parse_certificate, unhex('000003' + '000000')) == DECODE_ERROR


def test_certificate_oversized():
    # the limits are x509's: one certificate and one path; going over them is bad_certificate
    assert mc.MAX_CERTIFICATE_LEN == MAX_CERTIFICATE_BYTES
    assert mc.MAX_CHAIN_CERTS >= MAX_PATH_CAS + 2
    big = b'\x30' + bytes(MAX_CERTIFICATE_BYTES)              # one byte over the bound
    body = mc.write_certificate([big])
    assert _fault(mc.parse_certificate, body) == BAD_CERTIFICATE
    ok = mc.write_certificate([big[:-1]])                      # exactly at the bound
    assert mc.parse_certificate(ok) == [big[:-1]]
    assert _fault(mc.parse_certificate, mc.write_certificate([big], mc.CERT_TYPE_RAW_PUBLIC_KEY),
                  mc.CERT_TYPE_RAW_PUBLIC_KEY) == BAD_CERTIFICATE
    many = mc.write_certificate([b'\x30\x00'] * (mc.MAX_CHAIN_CERTS + 1))
    assert _fault(mc.parse_certificate, many) == BAD_CERTIFICATE
    assert len(mc.parse_certificate(mc.write_certificate([b'\x30\x00'] * mc.MAX_CHAIN_CERTS))) == 8
    # an outer length no list of MAX_CHAIN_CERTS certificates could have, before reading on
    assert _fault(mc.parse_certificate, unhex('ffffff')) == BAD_CERTIFICATE


POINT = unhex('04' + '11' * 32 + '22' * 32)
SIG = unhex('3006020101020102')     # a (tiny) DER ECDSA-Sig-Value { r 1, s 2 }

# ServerKeyExchange for ECDHE_ECDSA.
SERVER_KEY_EXCHANGE = unhex(
    '03'                    # ECCurveType curve_type: named_curve
    + '0017'                # NamedCurve: secp256r1 (23)
    + '41' + '04' + '11' * 32 + '22' * 32   # ECPoint point<1..2^8-1>: 65 bytes, uncompressed
    + '0403'                # SignatureAndHashAlgorithm: sha256(4), ecdsa(3)
    + '0008'                # signature<0..2^16-1>: 8 bytes
    + '3006020101020102'    #   ECDSA-Sig-Value
)


def test_server_key_exchange_round_trip():
    group, point, params, alg, sig = mc.parse_server_key_exchange(SERVER_KEY_EXCHANGE)
    assert (group, point, alg, sig) == (23, POINT, mc.SIG_ECDSA_SHA256, SIG)
    assert params == SERVER_KEY_EXCHANGE[:1 + 2 + 1 + 65] == mc.write_ecdh_params(23, POINT)
    assert mc.write_server_key_exchange(params, alg, sig) == SERVER_KEY_EXCHANGE
    # RFC 8422 §5.4: signed over client_random + server_random + params
    cr, sr = b'C' * 32, b'S' * 32
    assert mc.signed_params(cr, sr, params) == cr + sr + params
    # x25519 and P-384 params have the same frame
    assert mc.write_ecdh_params(29, b'\x09' * 32) == unhex('03' + '001d' + '20') + b'\x09' * 32


def test_server_key_exchange_rejects():
    _rejects_every_truncation_and_trailing(mc.parse_server_key_exchange, SERVER_KEY_EXCHANGE)
    explicit = b'\x01' + SERVER_KEY_EXCHANGE[1:]               # explicit_prime curves: refused
    assert _fault(mc.parse_server_key_exchange, explicit) == ILLEGAL_PARAMETER
    empty_point = unhex('03' + '0017' + '00' + '0403' + '0000')
    assert _fault(mc.parse_server_key_exchange, empty_point) == DECODE_ERROR


# CertificateRequest as our server sends it, and as OpenSSL does with a CA name.
CERTIFICATE_REQUEST = unhex(
    '01' + '40'             # certificate_types<1..2^8-1>: ecdsa_sign(64)
    + '0004'                # supported_signature_algorithms<2..2^16-2>: 4 bytes
    + '0403' + '0503'       #   ecdsa+sha256, ecdsa+sha384
    + '0000'                # certificate_authorities<0..2^16-1>: none (any CA)
)
CERTIFICATE_REQUEST_CA = unhex(
    '03' + '01' + '40' + '02'   # certificate_types: rsa_sign, ecdsa_sign, dss_sign
    + '0002' + '0403'           # supported_signature_algorithms: ecdsa+sha256
    + '0010'                    # certificate_authorities: 16 bytes
    + '000e'                    #   DistinguishedName<1..2^16-1>: 14 bytes
    + '300c310a300806035504030c0143'   #     Name: SEQUENCE { SET { CN = "C" } }
)


def test_certificate_request_round_trip():
    cr = mc.parse_certificate_request(CERTIFICATE_REQUEST)
    assert cr.certificate_types == bytes((mc.ECDSA_SIGN,))
    assert cr.signature_algorithms == [0x0403, 0x0503]
    assert cr.certificate_authorities == []
    assert mc.write_certificate_request(cr) == CERTIFICATE_REQUEST
    assert mc.write_certificate_request(mc.CertificateRequest(
        signature_algorithms=[mc.SIG_ECDSA_SHA256, mc.SIG_ECDSA_SHA384])) == CERTIFICATE_REQUEST
    cr = mc.parse_certificate_request(CERTIFICATE_REQUEST_CA)
    assert cr.certificate_types == b'\x01\x40\x02'
    assert cr.signature_algorithms == [0x0403]
    assert cr.certificate_authorities == [unhex('300c310a300806035504030c0143')]
    assert mc.write_certificate_request(cr) == CERTIFICATE_REQUEST_CA


def test_certificate_request_rejects():
    _rejects_every_truncation_and_trailing(mc.parse_certificate_request, CERTIFICATE_REQUEST)
    _rejects_every_truncation_and_trailing(mc.parse_certificate_request, CERTIFICATE_REQUEST_CA)
    bad = (unhex('00' + '0002' + '0403' + '0000'),        # certificate_types<1..>: empty
           unhex('0140' + '0000' + '0000'),               # no signature algorithm
           unhex('0140' + '0003' + '040305' + '0000'),    # odd length
           unhex('0140' + '0002' + '0403' + '0002' + '0000'))   # empty DistinguishedName
    for body in bad:
        assert _fault(mc.parse_certificate_request, body) == DECODE_ERROR
    dn = unhex('0003' + '300100')
    many = unhex('0140' + '0002' + '0403') + bytes((0, 5 * (mc.MAX_AUTHORITIES + 1))) \
        + dn * (mc.MAX_AUTHORITIES + 1)
    # more names than are kept: a well-formed request (servers name their whole CA file)
    assert len(mc.parse_certificate_request(many).certificate_authorities) == mc.MAX_AUTHORITIES


CERTIFICATE_VERIFY = unhex(
    '0503'                  # SignatureAndHashAlgorithm: sha384(5), ecdsa(3)
    + '0008'                # signature<0..2^16-1>: 8 bytes
    + '3006020101020102'    #   ECDSA-Sig-Value over Hash(handshake_messages)
)


def test_client_key_exchange_round_trip():
    body = unhex('41' + '04' + '11' * 32 + '22' * 32)   # ECPoint ecdh_Yc<1..2^8-1>: 65 bytes
    assert mc.parse_client_key_exchange(body) == POINT
    assert mc.write_client_key_exchange(POINT) == body
    _rejects_every_truncation_and_trailing(mc.parse_client_key_exchange, body)
    assert _fault(mc.parse_client_key_exchange, unhex('00')) == DECODE_ERROR


def test_certificate_verify_round_trip():
    assert mc.parse_certificate_verify(CERTIFICATE_VERIFY) == (mc.SIG_ECDSA_SHA384, SIG)
    assert mc.write_certificate_verify(mc.SIG_ECDSA_SHA384, SIG) == CERTIFICATE_VERIFY
    _rejects_every_truncation_and_trailing(mc.parse_certificate_verify, CERTIFICATE_VERIFY)


def test_signature_algorithms_extension():
    data = unhex('0004' + '0403' + '0503')   # supported_signature_algorithms<2..2^16-2>
    assert mc.parse_signature_algorithms(data) == [0x0403, 0x0503]
    assert mc.write_signature_algorithms([0x0403, 0x0503]) == data
    _rejects_every_truncation_and_trailing(mc.parse_signature_algorithms, data)
    assert _fault(mc.parse_signature_algorithms, unhex('0000')) == DECODE_ERROR
    assert _fault(mc.parse_signature_algorithms, unhex('000304')) == DECODE_ERROR
    # OpenSSL's list (RSA and EdDSA among them) parses; auth.py picks what it can use
    openssl = unhex('001e' + '0403' + '0503' + '0603' + '0807' + '0808' + '0809' + '080a' + '080b'
                    + '0804' + '0805' + '0806' + '0401' + '0501' + '0601' + '0303')
    algs = mc.parse_signature_algorithms(openssl)
    assert len(algs) == 15 and algs[:2] == [0x0403, 0x0503]
    assert mh.EXT_SIGNATURE_ALGORITHMS == 13


def test_certificate_type_extensions():
    # RFC 7250 §4: ClientHello carries a preference list, ServerHello the one selected.
    lst = unhex('02' + '02' + '00')         # client_certificate_types<1..2^8-1>: RawPublicKey, X.509
    assert mc.parse_cert_type_list(lst) == [mc.CERT_TYPE_RAW_PUBLIC_KEY, mc.CERT_TYPE_X509]
    assert mc.write_cert_type_list([2, 0]) == lst
    _rejects_every_truncation_and_trailing(mc.parse_cert_type_list, lst)
    assert _fault(mc.parse_cert_type_list, unhex('00')) == DECODE_ERROR     # empty list
    assert mc.parse_cert_type(unhex('02')) == mc.CERT_TYPE_RAW_PUBLIC_KEY
    assert mc.write_cert_type(mc.CERT_TYPE_RAW_PUBLIC_KEY) == unhex('02')
    _rejects_every_truncation_and_trailing(mc.parse_cert_type, unhex('02'))
    assert (mh.EXT_CLIENT_CERTIFICATE_TYPE, mh.EXT_SERVER_CERTIFICATE_TYPE) == (19, 20)
