"""Messages and extensions of certificate authentication (ECDHE_ECDSA, RFC 8422; RFC 7250).

Certificate, the signed ECDHE ServerKeyExchange, CertificateRequest and CertificateVerify, and
the hello extensions signature_algorithms, client_certificate_type and server_certificate_type.
Each parse/write pair sits under the RFC struct it implements; parsers take a message body and
go through the bounded wire.Reader (truncation, oversized vectors and trailing bytes raise the
decode_error fault), writers return the body bytes. Nothing here judges a certificate or a
signature: auth.py does that with dtls_lite.x509. Structs of a shape msg_hello / msg_kx already
read and write (lists of 16-bit codes, one opaque<1..255> vector, ServerECDHParams) use their
reader/writer, imported under this module's names where the struct is quoted.

Signature algorithms travel as one uint16, `hash << 8 | signature` (RFC 5246 §7.4.1.4.1), which
is also the TLS 1.3 SignatureScheme code: 0x0403 ecdsa_secp256r1_sha256, 0x0503
ecdsa_secp384r1_sha384. In TLS 1.2 the hash is not bound to the curve (RFC 8422 §5.10 / RFC 5246
§7.4.1.4.1): either may sign with either key.
"""
from dtls_lite.compat import const
from dtls_lite.errors import Fault, decode_error, text
from dtls_lite.msg_hello import (read_u16_list, put_u16_list, parse_vec8, write_vec8,
                                 parse_u16_list as parse_signature_algorithms,
                                 write_u16_list as write_signature_algorithms)
from dtls_lite.msg_kx import read_ecdh_params, write_ecdh_params  # noqa: F401 (ours too)
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

_BAD_CERTIFICATE = const(42)    # errors.BAD_CERTIFICATE (a const folds only in its module)

# Bounds on what a peer can make us hold. A DTLS device chain is leaf + at most
# x509.chain.MAX_PATH_CAS CAs (4), and peers often add the root: 8 entries is generous. One
# certificate above x509.cert.MAX_CERTIFICATE_BYTES (the same 8192) is refused unparsed. Going
# over either is bad_certificate (as x509 says of a certificate too large); a vector that does
# not add up is decode_error.
MAX_CHAIN_CERTS = const(8)
MAX_CERTIFICATE_LEN = const(8192)
# DistinguishedNames kept from a CertificateRequest: OpenSSL and GnuTLS name every CA of their
# trust file, so a request may list hundreds (RFC 5246 §7.4.4 allows 2^16-1 bytes of them).
# Every name's framing is checked; only the first MAX_AUTHORITIES are kept (nothing uses them
# yet), so a long list costs no memory. Refusing more made such servers unreachable.
MAX_AUTHORITIES = const(16)


def _read_u24_vector(r, lo, hi):
    n = r.u24()
    if n < lo:
        raise decode_error()
    if n > hi:
        raise Fault(_BAD_CERTIFICATE)       # a certificate (or chain) too large
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
            raise Fault(_BAD_CERTIFICATE)   # a raw public key too long
        return [lst.take(lst.left())]
    entries = []
    while lst.left():
        if len(entries) >= MAX_CHAIN_CERTS:
            raise Fault(_BAD_CERTIFICATE)   # too many certificates
        entry = _read_u24_vector(lst, 1, MAX_CERTIFICATE_LEN)
        entries.append(entry.take(entry.left()))
    if cert_type == CERT_TYPE_RAW_PUBLIC_KEY and len(entries) > 1:
        raise decode_error()                # more than one raw public key
    return entries


def write_certificate(entries, cert_type=CERT_TYPE_X509):
    """Body of a Certificate: DER certificates (leaf first), or [SPKI] for a raw public key
    (RFC 7250 §3 form, a single vector); [] sends an empty list (a client without a key)."""
    if cert_type == CERT_TYPE_RAW_PUBLIC_KEY and entries:
        if len(entries) != 1:
            raise ValueError(text('one_rpk'))
        vector = entries[0]
    else:
        vector = bytearray()
        for e in entries:
            put_u24(vector, len(e))
            vector.extend(e)
    out = bytearray()
    put_u24(out, len(vector))
    out.extend(vector)
    return bytes(out)


#   struct {                                     RFC 5246 §4.7 (digitally-signed), §7.4.1.4.1
#       SignatureAndHashAlgorithm algorithm;     { HashAlgorithm hash; SignatureAlgorithm signature; }
#       opaque signature<0..2^16-1>;             for ECDSA: DER ECDSA-Sig-Value (RFC 8422 §5.4)
#   } DigitallySigned;
#
#   struct {                                     RFC 5246 §7.4.8
#       digitally-signed struct {
#           opaque handshake_messages[handshake_messages_length];
#       }
#   } CertificateVerify;
def parse_certificate_verify(body):
    """(algorithm, signature) of a CertificateVerify body, or of the DigitallySigned that ends
    a ServerKeyExchange; the signature is judged by auth.py."""
    r = Reader(body)
    alg = r.u16()
    signature = r.vec16()
    r.done()
    return alg, signature


def write_certificate_verify(alg, signature):
    out = bytearray()
    put_u16(out, alg)
    put_vec16(out, signature)
    return bytes(out)


#   ServerECDHParams (RFC 8422 §5.4): msg_kx.read_ecdh_params / write_ecdh_params
#   struct {                                     RFC 8422 §5.4 (ec_diffie_hellman)
#       ServerECDHParams params;
#       digitally-signed struct {                Signature signed_params
#           opaque client_random[32];
#           opaque server_random[32];
#           ServerECDHParams params;
#       };
#   } ServerKeyExchange;
def parse_server_key_exchange(body):
    """(group, point, params, algorithm, signature); `params` are the ServerECDHParams bytes
    exactly as received, for verifying the signature."""
    r = Reader(body)
    group, point = read_ecdh_params(r)
    params = bytes(body[:r.pos])
    return (group, point, params) + parse_certificate_verify(body[r.pos:])


def write_server_key_exchange(params, alg, signature):
    """params from write_ecdh_params; signature by auth.sign_server_params."""
    return bytes(params) + write_certificate_verify(alg, signature)


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
parse_client_key_exchange = parse_vec8      # the client's ephemeral public value
write_client_key_exchange = write_vec8


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
    cr = CertificateRequest(r.vec8(1, 255), read_u16_list(r))
    cas = r.sub16()
    while cas.left():
        dn = cas.vec16(1, 65535)            # framing checked for every name
        if len(cr.certificate_authorities) < MAX_AUTHORITIES:
            cr.certificate_authorities.append(dn)   # the rest are well formed, not kept
    r.done()
    return cr


def write_certificate_request(cr):
    out = bytearray()
    put_vec8(out, cr.certificate_types)
    put_u16_list(out, cr.signature_algorithms)
    block = bytearray()
    for dn in cr.certificate_authorities:
        put_vec16(block, dn)
    put_vec16(out, block)
    return bytes(out)


#   SignatureAndHashAlgorithm
#       supported_signature_algorithms<2..2^16-2>;   RFC 5246 §7.4.1.4.1 (extension_data)
#   parse_signature_algorithms / write_signature_algorithms: msg_hello's list of 16-bit codes
#   (parse_u16_list / write_u16_list), imported above under these names.


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
    return list(parse_vec8(data))


write_cert_type_list = write_vec8     # takes the list of types as it is


def parse_cert_type(data):
    """The ServerHello form: the one type selected."""
    if len(data) != 1:
        raise decode_error()
    return data[0]


def write_cert_type(cert_type):
    return bytes((cert_type,))
