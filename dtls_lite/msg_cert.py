"""Messages and extensions of certificate authentication (ECDHE_ECDSA, RFC 8422; RFC 7250).

Certificate, the signed ECDHE ServerKeyExchange, CertificateRequest and CertificateVerify, and
the hello extensions signature_algorithms, client_certificate_type and server_certificate_type.
Each parse/write pair sits under the RFC struct it implements; parsers take a message body and
go through the bounded wire.Reader (truncation, oversized vectors and trailing bytes raise the
decode_error fault), writers return the body bytes. Nothing here judges a certificate or a
signature: auth.py does that with dtls_lite.x509.

Signature algorithms travel as one uint16, `hash << 8 | signature` (RFC 5246 §7.4.1.4.1), which
is also the TLS 1.3 SignatureScheme code: 0x0403 ecdsa_secp256r1_sha256, 0x0503
ecdsa_secp384r1_sha384. In TLS 1.2 the hash is not bound to the curve (RFC 8422 §5.10 / RFC 5246
§7.4.1.4.1): either may sign with either key.
"""
from dtls_lite.compat import const
from dtls_lite.errors import Fault, BAD_CERTIFICATE, ILLEGAL_PARAMETER, decode_error
from dtls_lite.msg_kx import CURVE_TYPE_NAMED_CURVE
from dtls_lite.wire import Reader, put_u16, put_u24, put_vec8, put_vec16

# CertificateType (IANA "TLS Certificate Types"; RFC 6091 for X.509, RFC 7250 §3 for raw keys).
CERT_TYPE_X509 = const(0)
CERT_TYPE_RAW_PUBLIC_KEY = const(2)

# ClientCertificateType ecdsa_sign (RFC 8422 §5.5): a certificate with an ECDSA key.
ECDSA_SIGN = const(64)

# SignatureAndHashAlgorithm as hash << 8 | signature (RFC 5246 §7.4.1.4.1: sha256(4), sha384(5),
# ecdsa(3)).
SIG_ECDSA_SHA256 = const(0x0403)
SIG_ECDSA_SHA384 = const(0x0503)

# Bounds on what a peer can make us hold. A DTLS device chain is leaf + at most
# x509.chain.MAX_PATH_CAS CAs (4), and peers often add the root: 8 entries is generous. One
# certificate above x509.cert.MAX_CERTIFICATE_BYTES (the same 8192) is refused unparsed. Going
# over either is bad_certificate (as x509 says of a certificate too large); a vector that does
# not add up is decode_error.
MAX_CHAIN_CERTS = const(8)
MAX_CERTIFICATE_LEN = const(8192)
# DistinguishedNames kept from a CertificateRequest (OpenSSL sends its CAfile subjects; we only
# count them, nothing uses them): more than this is refused rather than stored.
MAX_AUTHORITIES = const(16)


def _read_u24_vector(r, lo, hi):
    n = r.u24()
    if n < lo:
        raise decode_error('vector length')
    if n > hi:
        raise Fault(BAD_CERTIFICATE, 'certificate too large')
    return r.sub(n)


#   opaque ASN.1Cert<1..2^24-1>;                 RFC 5246 §7.4.2
#   struct {
#       ASN.1Cert certificate_list<0..2^24-1>;   sender's certificate first, then its issuers
#   } Certificate;
#
#   struct {                                     RFC 7250 §3
#       select(certificate_type) {
#           case RawPublicKey:
#               opaque ASN.1_subjectPublicKeyInfo<1..2^24-1>;
#           case X.509:
#               ASN.1Cert certificate_list<0..2^24-1>;
#       };
#   } Certificate;
def parse_certificate(body, cert_type=CERT_TYPE_X509):
    """The list of DER entries, sender's first: certificates for X.509, [SPKI] for a raw
    public key. An empty list is a peer without a certificate (a client, RFC 5246 §7.4.6).

    RawPublicKey: RFC 7250 §3 carries the SubjectPublicKeyInfo in a single vector (GnuTLS,
    OpenSSL 3.2+). Some stacks wrap it as a one-entry certificate_list instead; the two are told
    apart by the first byte inside the outer vector (a DER SubjectPublicKeyInfo starts with a
    SEQUENCE tag, 0x30; a list entry starts with the high byte of a uint24 length, 0x00), and
    both are accepted. A zero-length vector means no key, like an empty certificate_list.
    """
    r = Reader(body)
    lst = _read_u24_vector(r, 0, MAX_CHAIN_CERTS * (MAX_CERTIFICATE_LEN + 3))
    r.done()
    if cert_type == CERT_TYPE_RAW_PUBLIC_KEY and lst.left() and lst.data[lst.pos] == 0x30:
        if lst.left() > MAX_CERTIFICATE_LEN:
            raise Fault(BAD_CERTIFICATE, 'raw public key too long')
        return [lst.take(lst.left())]
    entries = []
    while lst.left():
        if len(entries) >= MAX_CHAIN_CERTS:
            raise Fault(BAD_CERTIFICATE, 'too many certificates')
        entry = _read_u24_vector(lst, 1, MAX_CERTIFICATE_LEN)
        entries.append(entry.take(entry.left()))
    if cert_type == CERT_TYPE_RAW_PUBLIC_KEY and len(entries) > 1:
        raise decode_error('more than one raw public key')
    return entries


def write_certificate(entries, cert_type=CERT_TYPE_X509):
    """Body of a Certificate: DER certificates (leaf first), or [SPKI] for a raw public key
    (RFC 7250 §3 form, a single vector); [] sends an empty list (a client without a key)."""
    out = bytearray()
    if cert_type == CERT_TYPE_RAW_PUBLIC_KEY and entries:
        if len(entries) != 1:
            raise ValueError('one raw public key')
        put_u24(out, len(entries[0]))
        out.extend(entries[0])
        return bytes(out)
    put_u24(out, sum(3 + len(e) for e in entries))
    for e in entries:
        put_u24(out, len(e))
        out.extend(e)
    return bytes(out)


#   struct {                                     RFC 5246 §4.7 (digitally-signed), §7.4.1.4.1
#       SignatureAndHashAlgorithm algorithm;     { HashAlgorithm hash; SignatureAlgorithm signature; }
#       opaque signature<0..2^16-1>;             for ECDSA: DER ECDSA-Sig-Value (RFC 8422 §5.4)
#   } DigitallySigned;
def parse_digitally_signed(r):
    """(algorithm, signature) from a reader; the signature is judged by auth.py."""
    alg = r.u16()
    return alg, r.vec16()


def write_digitally_signed(out, alg, signature):
    put_u16(out, alg)
    put_vec16(out, signature)


#   struct {                                     RFC 8422 §5.4
#       ECCurveType curve_type;                  named_curve (3)
#       NamedCurve namedcurve;
#       opaque point<1..2^8-1>;                  ECPoint public
#   } ServerECDHParams;
#   struct {                                     RFC 8422 §5.4 (ec_diffie_hellman)
#       ServerECDHParams params;
#       digitally-signed struct {                Signature signed_params
#           opaque client_random[32];
#           opaque server_random[32];
#           ServerECDHParams params;
#       };
#   } ServerKeyExchange;
def write_ecdh_params(group, point):
    """ServerECDHParams bytes: what the ServerKeyExchange carries and its signature covers."""
    out = bytearray()
    out.append(CURVE_TYPE_NAMED_CURVE)
    put_u16(out, group)
    put_vec8(out, point)
    return bytes(out)


def parse_server_key_exchange(body):
    """(group, point, params, algorithm, signature); `params` are the ServerECDHParams bytes
    exactly as received, for verifying the signature."""
    r = Reader(body)
    if r.u8() != CURVE_TYPE_NAMED_CURVE:
        raise Fault(ILLEGAL_PARAMETER, 'curve_type')   # RFC 8422 §5.4: only named_curve
    group = r.u16()
    point = r.vec8(1, 255)
    params = bytes(body[:r.pos])
    alg, signature = parse_digitally_signed(r)
    r.done()
    return group, point, params, alg, signature


def write_server_key_exchange(params, alg, signature):
    """params from write_ecdh_params; signature by auth.sign_server_params."""
    out = bytearray(params)
    write_digitally_signed(out, alg, signature)
    return bytes(out)


def signed_params(client_random, server_random, params):
    """The bytes the ServerKeyExchange signature covers (RFC 8422 §5.4)."""
    return bytes(client_random) + bytes(server_random) + bytes(params)


#   struct {                                     RFC 8422 §5.7
#       select (KeyExchangeAlgorithm) {
#           case ec_diffie_hellman: ClientECDiffieHellmanPublic;
#       } exchange_keys;
#   } ClientKeyExchange;
#   struct {
#       ECPoint ecdh_Yc;                         opaque point<1..2^8-1>
#   } ClientECDiffieHellmanPublic;
def parse_client_key_exchange(body):
    """The client's ephemeral public value."""
    r = Reader(body)
    point = r.vec8(1, 255)
    r.done()
    return point


def write_client_key_exchange(point):
    out = bytearray()
    put_vec8(out, point)
    return bytes(out)


class CertificateRequest:
    def __init__(self, certificate_types=(ECDSA_SIGN,), signature_algorithms=(),
                 certificate_authorities=()):
        self.certificate_types = bytes(certificate_types)
        self.signature_algorithms = list(signature_algorithms)
        self.certificate_authorities = list(certificate_authorities)   # DER Names


#   enum { rsa_sign(1), dss_sign(2), ..., ecdsa_sign(64), (255) }
#       ClientCertificateType;                   RFC 5246 §7.4.4, RFC 8422 §5.5
#   opaque DistinguishedName<1..2^16-1>;
#   struct {                                     RFC 5246 §7.4.4
#       ClientCertificateType certificate_types<1..2^8-1>;
#       SignatureAndHashAlgorithm supported_signature_algorithms<2^16-1>;   (<2..2^16-2>, §7.4.1.4.1)
#       DistinguishedName certificate_authorities<0..2^16-1>;
#   } CertificateRequest;
def parse_certificate_request(body):
    r = Reader(body)
    cr = CertificateRequest(certificate_types=r.vec8(1, 255))
    cr.signature_algorithms = _parse_alg_list(r)
    cas = r.sub16()
    while cas.left():
        if len(cr.certificate_authorities) >= MAX_AUTHORITIES:
            raise decode_error('too many certificate authorities')
        cr.certificate_authorities.append(cas.vec16(1, 65535))
    r.done()
    return cr


def write_certificate_request(cr):
    out = bytearray()
    put_vec8(out, cr.certificate_types)
    _write_alg_list(out, cr.signature_algorithms)
    block = bytearray()
    for dn in cr.certificate_authorities:
        put_vec16(block, dn)
    put_vec16(out, block)
    return bytes(out)


#   struct {                                     RFC 5246 §7.4.8
#       digitally-signed struct {
#           opaque handshake_messages[handshake_messages_length];
#       }
#   } CertificateVerify;
def parse_certificate_verify(body):
    """(algorithm, signature)."""
    r = Reader(body)
    alg, signature = parse_digitally_signed(r)
    r.done()
    return alg, signature


def write_certificate_verify(alg, signature):
    out = bytearray()
    write_digitally_signed(out, alg, signature)
    return bytes(out)


#   SignatureAndHashAlgorithm
#       supported_signature_algorithms<2..2^16-2>;   RFC 5246 §7.4.1.4.1 (extension_data)
def _parse_alg_list(r):
    lst = r.sub16()
    if lst.left() < 2 or lst.left() & 1:
        raise decode_error('signature algorithms')
    algs = []
    while lst.left():
        algs.append(lst.u16())
    return algs


def _write_alg_list(out, algs):
    if not algs:
        raise ValueError('at least one signature algorithm')
    put_u16(out, 2 * len(algs))
    for a in algs:
        put_u16(out, a)


def parse_signature_algorithms(data):
    r = Reader(data)
    algs = _parse_alg_list(r)
    r.done()
    return algs


def write_signature_algorithms(algs):
    out = bytearray()
    _write_alg_list(out, algs)
    return bytes(out)


#   struct {                                     RFC 7250 §4 (server_certificate_type alike)
#       select(ClientOrServerExtension) {
#           case client:
#               CertificateType client_certificate_types<1..2^8-1>;
#           case server:
#               CertificateType client_certificate_type;
#       }
#   } ClientCertTypeExtension;
def parse_cert_type_list(data):
    """The ClientHello form: the types in the sender's order of preference."""
    r = Reader(data)
    types = r.vec8(1, 255)
    r.done()
    return list(types)


def write_cert_type_list(types):
    out = bytearray()
    put_vec8(out, bytes(types))
    return bytes(out)


def parse_cert_type(data):
    """The ServerHello form: the one type selected."""
    r = Reader(data)
    t = r.u8()
    r.done()
    return t


def write_cert_type(cert_type):
    return bytes((cert_type,))
