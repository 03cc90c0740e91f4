"""EC keys: SubjectPublicKeyInfo (certificates and RFC 7250 raw public keys) and private keys.

Public keys are `EcPublicKey(curve, point)`; `parse_spki(der)` / `write_spki(key)` are the pair
the raw-public-key code uses, since an RFC 7250 raw public key IS a SubjectPublicKeyInfo.
Private keys load from SEC1 ('EC PRIVATE KEY') or PKCS#8 ('PRIVATE KEY', unencrypted), PEM or
DER, and write back to either. Curves: P-256 and P-384 (anything else: unsupported_certificate).
The curve code (dtls_lite.crypto.p256 / p384) is imported only when a key of that curve is used.
"""
from ..compat import const
from .der import DerReader, fail, whole, OID_EC_PUBLIC_KEY
from .errors import CertificateError
from .pem import pem_blocks, pem_encode, is_pem, to_der

# Alert codes (errors.py) and X.680 universal tags (der.py) as private copies: they fold at
# compile time, where an imported name is a run-time lookup
_UNSUPPORTED_CERTIFICATE = const(43)
_DECRYPT_ERROR = const(51)
_BIT_STRING = const(0x03)
_OCTET_STRING = const(0x04)
_OID = const(0x06)
_SEQUENCE = const(0x30)

# Curve table: name, namedCurve OID contents (RFC 5480 §2.1.1.1), scalar bytes. The group order
# that bounds a private scalar lives with the curve arithmetic (crypto.ec), which checks it.
_CURVES = (
    ('p256', b'\x2a\x86\x48\xce\x3d\x03\x01\x07', 32),    # 1.2.840.10045.3.1.7 prime256v1
    ('p384', b'\x2b\x81\x04\x00\x22', 48),                # 1.3.132.0.34 secp384r1
)


def _curve(name_or_oid):
    """The _CURVES entry with this name ('p256') or namedCurve OID (bytes)."""
    field = 1 if isinstance(name_or_oid, bytes) else 0  # (no str == bytes: MicroPython warns)
    for c in _CURVES:
        if c[field] == name_or_oid:
            return c
    raise CertificateError(_UNSUPPORTED_CERTIFICATE, 'ec_curve')


def curve_module(name):
    """The dtls_lite.crypto module doing the arithmetic of a curve."""
    if _curve(name)[0] == 'p256':
        from ..crypto import p256
        return p256
    from ..crypto import p384
    return p384


def hash_for(sig_alg):
    """The hash descriptor of 'ecdsa-sha256' / 'ecdsa-sha384'."""
    from ..crypto import sha2
    if sig_alg == 'ecdsa-sha256':
        return sha2.SHA256
    if sig_alg == 'ecdsa-sha384':
        return sha2.SHA384
    raise CertificateError(_UNSUPPORTED_CERTIFICATE, 'sig_algo')


class EcPublicKey:
    """An EC public key: curve ('p256'/'p384') and SEC1 uncompressed point (0x04 || X || Y)."""

    def __init__(self, curve, point):
        # RFC 5480 §2.2: the uncompressed form is the one every implementation must support;
        # compressed points would need a square root we do not carry.
        if len(point) != 1 + 2 * _curve(curve)[2] or point[0] != 4:
            raise CertificateError(_UNSUPPORTED_CERTIFICATE, 'pt_comp', curve)
        # SEC1 §3.2.2.1 partial validation (coordinates < p, on the curve): a raw public key
        # (RFC 7250) is used for ECDSA only after this, never as an arbitrary pair of integers.
        from ..crypto import ec
        try:
            ec.decode_point(ec.P256 if curve == 'p256' else ec.P384, point)
        except ValueError:
            fail('pt_off')
        self.curve = curve
        self.point = bytes(point)

    # (!= follows from __eq__ on both runtimes)
    def __eq__(self, other):
        return isinstance(other, EcPublicKey) and self.curve == other.curve and self.point == other.point

    def __hash__(self):
        return hash(self.point)

    def __repr__(self):
        return '<EcPublicKey %s %s>' % (self.curve, self.point[1:9].hex())

    def verify_digest(self, digest, signature):
        """True if the DER ECDSA signature over `digest` is valid (never raises on bad input)."""
        return curve_module(self.curve).verify(self.point, digest, signature)

    def verify(self, sig_alg, message, signature):
        """True if `signature` (DER) over `message` is valid under 'ecdsa-sha256'/'ecdsa-sha384'."""
        return self.verify_digest(hash_for(sig_alg).hash(message), signature)

    def check_signature(self, sig_alg, message, signature):
        """Like verify, but raise decrypt_error(51): a failed CertificateVerify (RFC 5246 §7.4.8)."""
        if not self.verify(sig_alg, message, signature):
            raise CertificateError(_DECRYPT_ERROR, 'bad_sig')

    def spki(self):
        return write_spki(self)


# AlgorithmIdentifier for an EC key, in a SubjectPublicKeyInfo or a PKCS#8 PrivateKeyInfo:
#   SEQUENCE { algorithm id-ecPublicKey, parameters namedCurve OID }   RFC 5480 §2.1.1
# (implicitCurve and specifiedCurve MUST NOT be used). Returns the curve name.
def _read_ec_algorithm(r):
    alg = r.sub()
    if alg.read_oid() != OID_EC_PUBLIC_KEY:
        raise CertificateError(_UNSUPPORTED_CERTIFICATE, 'not_ec')
    curve = _named_curve(alg)
    alg.done()
    return curve


def _named_curve(r):
    """The curve name of ECParameters { namedCurve OID }; the specifiedCurve form (explicit
    parameters, a SEQUENCE: `openssl ec -param_enc explicit`) is unsupported_certificate."""
    if r.peek_tag() == _SEQUENCE:
        raise CertificateError(_UNSUPPORTED_CERTIFICATE, 'ec_params')
    return _curve(r.read_oid())[0]


# SubjectPublicKeyInfo  ::=  SEQUENCE  {                      RFC 5280 §4.1.2.7, RFC 5480 §2
#      algorithm         AlgorithmIdentifier,   -- id-ecPublicKey, parameters namedCurve OID
#      subjectPublicKey  BIT STRING  }          -- ECPoint, uncompressed
def read_spki(r):
    """Parse a SubjectPublicKeyInfo from a reader positioned on it."""
    spki = r.sub()
    curve = _read_ec_algorithm(spki)
    point = spki.read_octets()
    spki.done()
    return EcPublicKey(curve, point)


def parse_spki(data):
    """An EcPublicKey from SPKI DER or PEM ('PUBLIC KEY')."""
    return parse_spki_der(to_der(data, 'PUBLIC KEY'))


def parse_spki_der(data):
    """An EcPublicKey from SPKI DER alone, never read as PEM text: an RFC 7250 raw public key as
    a peer sends it."""
    r = DerReader(bytes(data))
    key = read_spki(r)
    r.done()
    return key


def write_spki(key):
    # without x509.write, which only keygen needs: 6 KB less heap for every ECDSA Context.
    # Every part of a P-256/P-384 SPKI is under 128 bytes: one-octet lengths (X.690 §8.1.3.4).
    oid = _curve(key.curve)[1]
    alg = bytes((_OID, 7)) + OID_EC_PUBLIC_KEY + bytes((_OID, len(oid))) + oid
    body = bytes((_SEQUENCE, len(alg))) + alg + bytes((_BIT_STRING, len(key.point) + 1, 0)) + key.point
    return bytes((_SEQUENCE, len(body))) + body


class EcPrivateKey:
    """An EC private key: curve, scalar `d` (fixed-width bytes) and its public key."""

    def __init__(self, curve, d, public=None):
        size = _curve(curve)[2]
        # RFC 5915 wants exactly `size` octets; some encoders drop leading zeros and GnuTLS
        # adds one when the top bit is set (as if it were an INTEGER). Accept both.
        d = bytes(d).lstrip(b'\x00')
        d = bytes(max(size - len(d), 0)) + d
        try:
            # the curve code checks the length and that d is in [1, n-1]
            derived = curve_module(curve).public_key(d)
        except ValueError:
            fail('priv_out')
        if public is not None:
            public = bytes(public)
            # SEC1 §2.3.3 forms (openssl ec -conv_form): compressed 02/03 || X, hybrid
            # 06/07 || X || Y (the low bit of Y in the first byte), uncompressed 04 || X || Y
            odd = derived[-1] & 1
            if public[:1] in (b'\x02', b'\x03'):
                derived_form = bytes((2 | odd,)) + derived[1:1 + size]
            elif public[:1] in (b'\x06', b'\x07'):
                derived_form = bytes((6 | odd,)) + derived[1:]
            else:
                derived_form = derived
            if public != derived_form:
                fail('priv_pub')
        self.curve = curve
        self.d = d
        self.public_key = EcPublicKey(curve, derived)

    @classmethod
    def generate(cls, curve='p256', rng=None):
        d, public = curve_module(curve).generate_key(rng)
        return cls(curve, d, public)

    def sign_digest(self, digest, rng=None):
        return curve_module(self.curve).sign(self.d, digest, rng)

    def sign(self, sig_alg, message, rng=None):
        """DER ECDSA signature of `message` hashed per 'ecdsa-sha256'/'ecdsa-sha384'."""
        return self.sign_digest(hash_for(sig_alg).hash(message), rng)

    def to_sec1(self, parameters=True):
        """SEC1 DER (RFC 5915), with the curve OID and public key as OpenSSL writes them."""
        from .write import seq, tlv, integer
        parts = [integer(1), tlv(_OCTET_STRING, self.d)]
        if parameters:
            parts.append(tlv(0xa0, tlv(_OID, _curve(self.curve)[1])))
        parts.append(tlv(0xa1, tlv(_BIT_STRING, b'\x00' + self.public_key.point)))
        return seq(*parts)

    def to_pkcs8(self):
        """PKCS#8 PrivateKeyInfo DER (RFC 5208 / RFC 5915 §3: curve in the algorithm only)."""
        from .write import seq, tlv, integer
        alg = seq(tlv(_OID, OID_EC_PUBLIC_KEY), tlv(_OID, _curve(self.curve)[1]))
        return seq(integer(0), alg, tlv(_OCTET_STRING, self.to_sec1(False)))

    def to_pem(self, pkcs8=True):
        if pkcs8:
            return pem_encode('PRIVATE KEY', self.to_pkcs8())
        return pem_encode('EC PRIVATE KEY', self.to_sec1())


# ECPrivateKey ::= SEQUENCE {                                    RFC 5915 §3 (SEC1 C.4)
#   version        INTEGER { ecPrivkeyVer1(1) },
#   privateKey     OCTET STRING,
#   parameters [0] ECParameters {{ NamedCurve }} OPTIONAL,
#   publicKey  [1] BIT STRING OPTIONAL }
def parse_sec1(data, curve=None):
    """EcPrivateKey from SEC1 DER; `curve` comes from PKCS#8 when the key omits parameters."""
    k = whole(bytes(data))    # bytes: _curve matches OIDs as bytes, not views
    if k.read_uint() != 1:
        fail('ec_ver')
    d = k.read(_OCTET_STRING)
    params = k.optional(0xa0)
    if params is not None:
        named = _named_curve(params)
        params.done()
        if curve not in (None, named):
            fail('priv_crv')
        curve = named
    public = None
    pub = k.optional(0xa1)
    if pub is not None:
        public = pub.read_octets()
        pub.done()
    k.done()
    if curve is None:
        fail('priv_nocrv')
    return EcPrivateKey(curve, d, public)


# PrivateKeyInfo ::= SEQUENCE {                                  RFC 5208 §5 / RFC 5958 §2
#   version                   INTEGER (v1(0) | v2(1)),
#   privateKeyAlgorithm       AlgorithmIdentifier,    -- id-ecPublicKey, namedCurve
#   privateKey                OCTET STRING,           -- ECPrivateKey DER
#   attributes           [0]  IMPLICIT Attributes OPTIONAL,
#   publicKey            [1]  IMPLICIT BIT STRING OPTIONAL }  (v2 only)
def parse_pkcs8(data):
    k = whole(bytes(data))    # bytes: _curve matches OIDs as bytes, not views
    version = k.read_uint()
    if version > 1:
        fail('p8_ver')
    curve = _read_ec_algorithm(k)
    inner = k.read(_OCTET_STRING)
    k.skip(0xa0)
    if version == 1:
        k.skip(0x81)
    k.done()
    return parse_sec1(inner, curve)


def load_private_key(data):
    """EcPrivateKey from PEM (SEC1 or PKCS#8) or DER (PKCS#8 tried first, then SEC1)."""
    if isinstance(data, str) or is_pem(data):
        for label, body in pem_blocks(data):
            if label == 'ENCRYPTED PRIVATE KEY' or (body is None and label.endswith('KEY')):
                fail('key_enc')     # PKCS#8, or old-style: 'Proc-Type: 4,ENCRYPTED' (no der)
            if label == 'PRIVATE KEY':
                return parse_pkcs8(body)
            if label == 'EC PRIVATE KEY':
                return parse_sec1(body)
        fail('no_key')
    data = bytes(data)
    # PKCS#8 starts SEQUENCE { INTEGER 0|1, SEQUENCE ...}; SEC1 has an OCTET STRING second.
    k = DerReader(data).sub()
    if k.peek_tag() == _SEQUENCE:
        # EncryptedPrivateKeyInfo is SEQUENCE { AlgorithmIdentifier, OCTET STRING }; a
        # certificate or SubjectPublicKeyInfo (a swapped argument) also starts with a SEQUENCE
        k.read_tlv()
        if k.peek_tag() == _OCTET_STRING:
            fail('key_enc')
        fail('not_key')
    k.read_uint()
    return parse_pkcs8(data) if k.peek_tag() == _SEQUENCE else parse_sec1(data)
