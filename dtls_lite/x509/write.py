"""DER writing: element builders, Names, and X.509 v3 certificates (for tools/keygen.py).

Builders return bytes and nest by concatenation: `seq(integer(1), tlv(OCTET_STRING, d))`.
`build_certificate` writes the RFC 5280 profile our verifier and OpenSSL expect: v3, a random
positive 16-byte serial, ecdsa-with-SHA256/384 matched to the issuer's curve, and the extensions
basicConstraints (critical on CAs), keyUsage (critical), extKeyUsage, subjectAltName,
subjectKeyIdentifier and authorityKeyIdentifier (RFC 5280 §4.2.1.2 method 1: SHA-1 of the key).
"""
import hashlib

from ..compat import const
from .der import (days_from_civil, civil_from_days, OID_ECDSA_SHA256,
                                OID_ECDSA_SHA384)
from .chain import ip_bytes  # noqa: F401 (the address parser lives with its reader)
from .name import ATTRIBUTES
from .keys import write_spki
from ..errors import text

# X.680 universal tags (private copies of der's: they fold at compile time)
_BOOLEAN = const(0x01)
_INTEGER = const(0x02)
_BIT_STRING = const(0x03)
_OCTET_STRING = const(0x04)
_OID = const(0x06)
_UTF8_STRING = const(0x0c)
_PRINTABLE_STRING = const(0x13)
_IA5_STRING = const(0x16)
_UTC_TIME = const(0x17)
_GENERALIZED_TIME = const(0x18)
_SEQUENCE = const(0x30)
_SET = const(0x31)


def length(n):
    """X.690 §10.1 definite length in the fewest octets."""
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((len('%x' % n) + 1) // 2, 'big')
    return bytes([0x80 | len(b)]) + b


def tlv(tag, content):
    return bytes([tag]) + length(len(content)) + bytes(content)


def seq(*parts):
    return tlv(_SEQUENCE, b''.join(parts))


def integer(v):
    """Non-negative INTEGER, minimal (one leading zero octet when the top bit is set)."""
    b = v.to_bytes((len('%x' % v) + 1) // 2, 'big')
    if b[0] & 0x80:
        b = b'\x00' + b
    return tlv(_INTEGER, b)


def oid(contents):
    return tlv(_OID, contents)


def boolean(v):
    return tlv(_BOOLEAN, b'\xff' if v else b'\x00')


def bit_string(data, unused=0):
    return tlv(_BIT_STRING, bytes([unused]) + bytes(data))


def named_bits(bits):
    """A named-bit BIT STRING (X.690 §11.2.2: trailing zero bits removed) from a bit mask
    where bit i is named bit i (keyUsage digitalSignature = bit 0 = 0x80 of the first octet)."""
    n = 0                   # named bits up to the highest one set
    while bits >> n:
        n += 1
    unused = -n % 8
    v = 0
    for i in range(n):      # bit i of the mask is the i-th bit from the left
        v = v << 1 | (bits >> i & 1)
    return bit_string((v << unused).to_bytes((n + unused) // 8, 'big'), unused)


def time(t):
    """UTCTime for 1950-2049, GeneralizedTime otherwise (RFC 5280 §4.1.2.5)."""
    days, secs = divmod(t, 86400)
    y, m, d = civil_from_days(days)
    text = '%04d%02d%02d%02d%02d%02dZ' % (y, m, d, secs // 3600, secs // 60 % 60, secs % 60)
    if 1950 <= y < 2050:
        return tlv(_UTC_TIME, text[2:].encode())
    return tlv(_GENERALIZED_TIME, text.encode())


def name(attrs):
    """A Name from [(short, value), ...] in DER order (most general first: C, O, ..., CN).

    Each attribute is its own RDN. C is a PrintableString (RFC 5280 Appendix A), emailAddress
    and DC are IA5Strings, the rest UTF8String (RFC 5280 §4.1.2.6 recommends UTF8String).
    """
    rdns = []
    for short, value in attrs:
        if short == 'C':
            tag = _PRINTABLE_STRING
        elif short in ('emailAddress', 'DC'):
            tag = _IA5_STRING
        else:
            tag = _UTF8_STRING
        rdns.append(tlv(_SET, seq(oid(attribute_oid(short)), tlv(tag, value.encode()))))
    return seq(*rdns)


def attribute_oid(short):
    """The OID contents of an attribute's short name ('CN'), from name.ATTRIBUTES."""
    for name, oid in ATTRIBUTES:
        if name == short:
            return oid
    raise ValueError(text('attr', (short,)))


def key_id(public_key):
    """RFC 5280 §4.2.1.2 (1): SHA-1 of the subjectPublicKey BIT STRING value."""
    return hashlib.sha1(public_key.point).digest()


# Extension OIDs (RFC 5280 §4.2.1) and key usage bits.
OID_KEY_USAGE = b'\x55\x1d\x0f'                          # 2.5.29.15
OID_SAN = b'\x55\x1d\x11'                                # 2.5.29.17
OID_BASIC_CONSTRAINTS = b'\x55\x1d\x13'                  # 2.5.29.19
OID_SERVER_AUTH = b'\x2b\x06\x01\x05\x05\x07\x03\x01'   # 1.3.6.1.5.5.7.3.1
OID_CLIENT_AUTH = b'\x2b\x06\x01\x05\x05\x07\x03\x02'   # 1.3.6.1.5.5.7.3.2
KU_DIGITAL_SIGNATURE = 0x01
KU_KEY_AGREEMENT = 0x10
KU_KEY_CERT_SIGN = 0x20
KU_CRL_SIGN = 0x40


def extension(ext_oid, value, critical=False):
    # Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
    # DER leaves a DEFAULT value out, so critical appears only when TRUE.
    return seq(oid(ext_oid), boolean(True) if critical else b'', tlv(_OCTET_STRING, value))


def build_certificate(subject, public_key, issuer, issuer_key, not_before, not_after,
                      serial=None, is_ca=False, path_len=None, key_usage=None,
                      ext_key_usage=(), dns_names=(), ip_addresses=(), issuer_public_key=None,
                      rng=None, sig_alg=None, authority_key_id=None):
    """DER of a v3 certificate.

    subject/issuer are DER Names (see `name`); public_key an EcPublicKey; issuer_key the signing
    EcPrivateKey (the subject's own for a self-signed certificate); times are seconds since the
    epoch. key_usage defaults to keyCertSign|cRLSign for a CA, digitalSignature otherwise.
    ext_key_usage is a sequence of EKU OIDs (OID_SERVER_AUTH, OID_CLIENT_AUTH).
    authority_key_id: the issuer certificate's subjectKeyIdentifier when it has one, which
    RFC 5280 §4.2.1.2 says the authorityKeyIdentifier must repeat (OpenSSL and GnuTLS match
    issuers by it); without it, the SHA-1 of the issuer's key that `key_id` gives.
    """
    from ..crypto.util import get_rng
    rng = get_rng(rng)
    if serial is None:
        # RFC 5280 §4.1.2.2: positive, at most 20 octets; 16 random octets with the top bit
        # cleared (positive) and the next set (so always exactly 16 octets).
        b = bytearray(rng(16))
        b[0] = (b[0] & 0x7f) | 0x40
        serial = int.from_bytes(bytes(b), 'big')
    # the signature algorithm matched to the issuer curve's strength (RFC 5480 §4)
    sig_alg = sig_alg or ('ecdsa-sha384' if issuer_key.curve == 'p384' else 'ecdsa-sha256')
    alg = seq(oid(OID_ECDSA_SHA384 if sig_alg == 'ecdsa-sha384' else OID_ECDSA_SHA256))
    if key_usage is None:
        key_usage = (KU_KEY_CERT_SIGN | KU_CRL_SIGN) if is_ca else KU_DIGITAL_SIGNATURE
    bc = boolean(True) if is_ca else b''
    if is_ca and path_len is not None:
        bc += integer(path_len)
    exts = [extension(OID_BASIC_CONSTRAINTS, seq(bc), is_ca)]
    if key_usage:
        exts.append(extension(OID_KEY_USAGE, named_bits(key_usage), True))
    if ext_key_usage:
        exts.append(extension(b'\x55\x1d\x25', seq(*[oid(o) for o in ext_key_usage])))  # 2.5.29.37
    if dns_names or ip_addresses:
        # GeneralName: dNSName [2] IA5String, iPAddress [7] OCTET STRING (RFC 5280 §4.2.1.6)
        names = [tlv(0x82, n.encode()) for n in dns_names]
        names += [tlv(0x87, ip_bytes(a)) for a in ip_addresses]
        exts.append(extension(OID_SAN, seq(*names)))
    # subjectKeyIdentifier 2.5.29.14; authorityKeyIdentifier 2.5.29.35:
    # AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING OPTIONAL, ... }
    exts.append(extension(b'\x55\x1d\x0e', tlv(_OCTET_STRING, key_id(public_key))))
    if authority_key_id is None:
        authority_key_id = key_id(issuer_public_key or issuer_key.public_key)
    exts.append(extension(b'\x55\x1d\x23', seq(tlv(0x80, authority_key_id))))
    tbs = seq(
        tlv(0xa0, integer(2)),                      # version [0] EXPLICIT v3(2)
        integer(serial),
        alg,
        issuer,
        seq(time(not_before), time(not_after)),
        subject,
        write_spki(public_key),
        tlv(0xa3, seq(*exts)),                      # extensions [3] EXPLICIT
    )
    return seq(tbs, alg, bit_string(issuer_key.sign(sig_alg, tbs, rng)))


def epoch_seconds(year, month, day, hour=0, minute=0, second=0):
    """A UTC calendar time as seconds since the epoch (for fixed validity dates)."""
    return ((days_from_civil(year, month, day) * 24 + hour) * 60 + minute) * 60 + second
