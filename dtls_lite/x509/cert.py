"""X.509 v3 certificate parser (RFC 5280 §4.1), for ECDSA P-256/P-384 certificates.

`parse_certificate(der_or_pem)` reads the whole structure strictly (see der.py) into a
`Certificate` whose fields the engine exposes to the application: der, serial, issuer and
subject (RFC 4514 strings, plus their DER for chain matching), not_before/not_after (seconds
since the epoch), public_key (EcPublicKey), and the extensions that matter to a DTLS peer.
Signatures are not checked here; chain.py does that. Unsupported algorithms, keys and curves
raise unsupported_certificate(43); anything malformed raises bad_certificate(42).
"""
from ..compat import const
from .der import (fail, whole, format_time, oid_to_str, OID_ECDSA_SHA256,
                                OID_ECDSA_SHA384)
from .errors import CertificateError
from .keys import read_spki
from .name import name_to_str, common_name, names_match
from .pem import pem_blocks, is_pem, to_der

# A peer's certificate larger than this is refused before parsing: DTLS certificates for
# constrained devices are ~0.5 KB, and a board must not spend its heap on a hostile one.
MAX_CERTIFICATE_BYTES = const(8192)

# Key usage bits (RFC 5280 §4.2.1.3) as a mask: bit i is named bit i. The ones a DTLS peer
# acts on or writes; the others are nonRepudiation 0x02, keyEncipherment 0x04,
# dataEncipherment 0x08, encipherOnly 0x80, decipherOnly 0x100.
KU_DIGITAL_SIGNATURE = const(0x01)
KU_KEY_AGREEMENT = const(0x10)
KU_KEY_CERT_SIGN = const(0x20)
KU_CRL_SIGN = const(0x40)

# Extended key usage purposes (RFC 5280 §4.2.1.12) as dotted strings.
EKU_ANY = '2.5.29.37.0'
EKU_SERVER_AUTH = '1.3.6.1.5.5.7.3.1'
EKU_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2'

# unsupported_certificate(43) (errors.py) and X.680 universal tags (der.py) as private copies:
# they fold at compile time, where an imported name is a run-time lookup
_UNSUPPORTED_CERTIFICATE = const(43)
_BOOLEAN = const(0x01)
_INTEGER = const(0x02)
_OCTET_STRING = const(0x04)
_SEQUENCE = const(0x30)

# Extensions we understand (2.5.29.x, last content octet); a critical one not in here is
# recorded in `unknown_critical` and makes the chain validator refuse the certificate.
_EXT_SKI = const(14)
_EXT_KEY_USAGE = const(15)
_EXT_SAN = const(17)
_EXT_BASIC_CONSTRAINTS = const(19)
_EXT_NAME_CONSTRAINTS = const(30)
_EXT_AKI = const(35)
_EXT_EKU = const(37)


class Certificate:
    """A parsed certificate; fields are plain attributes set by parse_certificate:

    der, tbs (the signed bytes), sig_alg ('ecdsa-sha256'|'ecdsa-sha384'), signature (DER),
    version (1..3), serial (int), issuer/subject (RFC 4514 str) and issuer_der/subject_der
    (for matching), not_before/not_after (seconds since the epoch), public_key (EcPublicKey),
    spki (its DER), and the extension fields initialised below.
    """

    # Defaults for what a certificate may leave out (instances set their own when present).
    version = 1
    basic_constraints = False       # whether the extension is present
    is_ca = False
    path_len = None
    key_usage = None                # mask of KU_* bits, None when the extension is absent
    ext_key_usage = None            # list of dotted OIDs, None when absent
    subject_key_id = None
    authority_key_id = None

    def __init__(self, data):
        self.der = data
        self.subject_alt_names = []     # [('DNS'|'IP'|'URI'|'email', text)]
        self.unknown_critical = []      # dotted OIDs of critical extensions we do not process

    def __repr__(self):
        return '<Certificate %s, issuer %s, serial %x, %s..%s>' % (
            self.subject, self.issuer, self.serial,
            format_time(self.not_before), format_time(self.not_after))

    @property
    def common_name(self):
        return common_name(self.subject_der)

    @property
    def dns_names(self):
        return [v for k, v in self.subject_alt_names if k == 'DNS']

    @property
    def ip_addresses(self):
        return [v for k, v in self.subject_alt_names if k == 'IP']

    def is_self_issued(self):
        return names_match(self.subject_der, self.issuer_der)


# AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL }
# RFC 5758 §3.2: for ecdsa-with-SHA256/384 the parameters field MUST be absent.
def read_signature_algorithm(r):
    alg = r.sub()
    oid = alg.read_oid()
    if oid == OID_ECDSA_SHA256:
        name = 'ecdsa-sha256'
    elif oid == OID_ECDSA_SHA384:
        name = 'ecdsa-sha384'
    else:
        raise CertificateError(_UNSUPPORTED_CERTIFICATE, 'sig_oid', oid_to_str(oid))
    alg.done()
    return name


# Certificate  ::=  SEQUENCE  {                                           RFC 5280 §4.1
#      tbsCertificate       TBSCertificate,
#      signatureAlgorithm   AlgorithmIdentifier,
#      signatureValue       BIT STRING  }
def parse_certificate(data):
    """A Certificate from DER or PEM bytes (the first CERTIFICATE block of a PEM text)."""
    return parse_certificate_der(to_der(data, 'CERTIFICATE'))


def parse_certificate_der(data):
    """A Certificate from DER alone, never read as PEM text: what a peer sends (RFC 5246 §7.4.2,
    ASN.1Cert is DER), whatever text its fields hold."""
    data = bytes(data)
    if len(data) > MAX_CERTIFICATE_BYTES:
        fail('cert_size')
    cert = Certificate(data)
    c = whole(data)
    begin = c.pos
    t = c.sub()
    cert.tbs = data[begin:c.pos]
    cert.sig_alg = read_signature_algorithm(c)
    cert.signature = c.read_octets()
    c.done()

    # TBSCertificate  ::=  SEQUENCE  {
    #      version         [0]  EXPLICIT Version DEFAULT v1,        -- v1(0), v2(1), v3(2)
    #      serialNumber         CertificateSerialNumber,            -- INTEGER
    #      signature            AlgorithmIdentifier,
    #      issuer               Name,
    #      validity             Validity,                           -- SEQUENCE { notBefore, notAfter }
    #      subject              Name,
    #      subjectPublicKeyInfo SubjectPublicKeyInfo,
    #      issuerUniqueID  [1]  IMPLICIT UniqueIdentifier OPTIONAL, -- v2, v3
    #      subjectUniqueID [2]  IMPLICIT UniqueIdentifier OPTIONAL, -- v2, v3
    #      extensions      [3]  EXPLICIT Extensions OPTIONAL }      -- v3
    v = t.optional(0xa0)
    if v is not None:
        version = v.read_uint()
        v.done()
        # DER omits a DEFAULT value, so an explicit v1 is an encoding error.
        if version not in (1, 2):
            fail('version')
        cert.version = version + 1
    serial, raw = t.read_integer()
    # RFC 5280 §4.1.2.2: positive, at most 20 octets. "Non-conforming CAs may issue
    # certificates with serial numbers that are negative or zero. Certificate users SHOULD be
    # prepared to gracefully handle such certificates": both are accepted (as OpenSSL does;
    # such a root in a CA bundle made the whole bundle fail to load).
    if len(raw) > 21:
        fail('serial')
    cert.serial = serial
    # RFC 5280 §4.1.2.3: must equal signatureAlgorithm in the outer SEQUENCE.
    if read_signature_algorithm(t) != cert.sig_alg:
        fail('sig_alg')
    cert.issuer_der = t.read_raw(_SEQUENCE)
    cert.issuer = name_to_str(cert.issuer_der)
    validity = t.sub()
    cert.not_before = validity.read_time()
    cert.not_after = validity.read_time()
    validity.done()
    cert.subject_der = t.read_raw(_SEQUENCE)
    cert.subject = name_to_str(cert.subject_der)
    begin = t.pos
    cert.public_key = read_spki(t)
    cert.spki = t.data[begin:t.pos]
    if cert.version >= 2:
        t.skip(0x81)
        t.skip(0x82)
    if cert.version == 3:
        exts = t.optional(0xa3)
        if exts is not None:
            _parse_extensions(cert, exts)
    t.done()
    return cert


# Extensions  ::=  SEQUENCE SIZE (1..MAX) OF Extension
# Extension  ::=  SEQUENCE  {
#      extnID      OBJECT IDENTIFIER,
#      critical    BOOLEAN DEFAULT FALSE,
#      extnValue   OCTET STRING }
# Each extension we understand is read from its extnValue below, its ASN.1 quoted at its branch.
def _parse_extensions(cert, wrapper):
    seq = wrapper.sub()
    wrapper.done()
    if seq.at_end():
        fail('ext_empty')
    seen = []
    while not seq.at_end():
        ext = seq.sub()
        oid = ext.read_oid()
        critical = False
        if ext.peek_tag() == _BOOLEAN:
            critical = ext.read_bool()
            if not critical:
                fail('ext_crit')
        value = ext.sub(_OCTET_STRING)
        ext.done()
        # RFC 5280 §4.2: a certificate MUST NOT include more than one instance of an extension.
        if oid in seen:
            fail('ext_dup')
        seen.append(oid)
        kind = oid[2] if len(oid) == 3 and oid[:2] == b'\x55\x1d' else -1
        if kind == _EXT_BASIC_CONSTRAINTS:
            # BasicConstraints ::= SEQUENCE {                           RFC 5280 §4.2.1.9
            #      cA                      BOOLEAN DEFAULT FALSE,
            #      pathLenConstraint       INTEGER (0..MAX) OPTIONAL }
            bc = value.sub()
            cert.basic_constraints = True
            if bc.peek_tag() == _BOOLEAN:
                cert.is_ca = bc.read_bool()
                if not cert.is_ca:
                    fail('ca_false')
            if bc.peek_tag() == _INTEGER:
                cert.path_len = bc.read_uint()
            bc.done()
        elif kind == _EXT_KEY_USAGE:
            # KeyUsage ::= BIT STRING { digitalSignature(0), nonRepudiation(1),
            #      keyEncipherment(2), dataEncipherment(3), keyAgreement(4), keyCertSign(5),
            #      cRLSign(6), encipherOnly(7), decipherOnly(8) }            RFC 5280 §4.2.1.3
            bits = value.read_bit_string()[0]
            if len(bits) > 2:
                fail('ku_long')
            mask = 0
            for i in range(len(bits) * 8):
                if bits[i // 8] & (0x80 >> (i % 8)):
                    mask |= 1 << i
            # "When the keyUsage extension appears ..., at least one of the bits MUST be set to 1."
            if not mask:
                fail('ku_empty')
            cert.key_usage = mask
        elif kind == _EXT_EKU:
            # ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId   RFC 5280 §4.2.1.12
            purposes = value.sub()
            if purposes.at_end():
                fail('eku_empty')
            cert.ext_key_usage = []
            while not purposes.at_end():
                cert.ext_key_usage.append(oid_to_str(purposes.read_oid()))
        elif kind == _EXT_SAN:
            _read_subject_alt_name(cert, value)
        elif kind == _EXT_SKI:
            # SubjectKeyIdentifier ::= KeyIdentifier (OCTET STRING)       RFC 5280 §4.2.1.2
            cert.subject_key_id = value.read(_OCTET_STRING)
        elif kind == _EXT_AKI:
            # AuthorityKeyIdentifier ::= SEQUENCE {                      RFC 5280 §4.2.1.1
            #      keyIdentifier             [0] KeyIdentifier           OPTIONAL,
            #      authorityCertIssuer       [1] GeneralNames            OPTIONAL,
            #      authorityCertSerialNumber [2] CertificateSerialNumber OPTIONAL }
            aki = value.sub()
            if aki.peek_tag() == 0x80:
                cert.authority_key_id = aki.read(0x80)
            aki.skip(0xa1)
            aki.skip(0x82)
            aki.done()
        else:
            # nameConstraints (2.5.29.30) are not enforced: a certificate carrying them is
            # refused even when a CA marked them non-critical (RFC 5280 §4.2.1.10 says it
            # MUST be critical, and some constrained sub-CAs do not), since ignoring them
            # would widen what that CA may issue.
            if critical or kind == _EXT_NAME_CONSTRAINTS:
                cert.unknown_critical.append(oid_to_str(oid))
            continue
        value.done()


# GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName           RFC 5280 §4.2.1.6
# GeneralName ::= CHOICE { otherName [0], rfc822Name [1] IA5String, dNSName [2] IA5String,
#      x400Address [3], directoryName [4], ediPartyName [5],
#      uniformResourceIdentifier [6] IA5String, iPAddress [7] OCTET STRING, registeredID [8] }
def _read_subject_alt_name(cert, value):
    seq = value.sub()
    if seq.at_end():
        fail('san_empty')
    while not seq.at_end():
        tag, b = seq.read_any()
        if tag == 0x87:
            if len(b) not in (4, 16):
                fail('san_ip')
            cert.subject_alt_names.append(('IP', format_ip(b)))
        elif tag in (0x81, 0x82, 0x86):
            if any(c > 0x7e or c < 0x20 for c in b):
                fail('san_ia5')
            kind = 'email' if tag == 0x81 else 'DNS' if tag == 0x82 else 'URI'
            cert.subject_alt_names.append((kind, bytes(b).decode()))
        # other GeneralName forms are skipped (we never match against them)


def format_ip(b):
    """4 or 16 address octets as text (IPv6 in RFC 5952 form: longest zero run as '::')."""
    if len(b) == 4:
        return '%d.%d.%d.%d' % tuple(b)
    groups = ['%x' % ((b[i] << 8) | b[i + 1]) for i in range(0, 16, 2)]
    # RFC 5952 §4.2: the longest run of two or more zero groups (the first of equal ones)
    best, best_len = 0, 1
    for i in range(8):
        n = 0
        while i + n < 8 and groups[i + n] == '0':
            n += 1
        if n > best_len:
            best, best_len = i, n
    if best_len < 2:
        return ':'.join(groups)
    return ':'.join(groups[:best]) + '::' + ':'.join(groups[best + best_len:])


def load_certificates(data, skip_unsupported=False):
    """All certificates in a PEM text (a bundle), or the one in DER bytes, parsed.

    skip_unsupported drops certificates we cannot use (RSA, other curves) instead of raising:
    for trust-anchor bundles, where such a root could never validate one of our chains anyway.
    """
    if isinstance(data, str) or is_pem(data):
        blobs = [body for label, body in pem_blocks(data) if label == 'CERTIFICATE' and body]
    else:
        blobs = [data]
    certs = []
    for blob in blobs:
        try:
            certs.append(parse_certificate(blob))
        except CertificateError as e:
            if not (skip_unsupported and e.alert == _UNSUPPORTED_CERTIFICATE):
                raise
    if not certs:
        fail('no_cert')
    return certs
