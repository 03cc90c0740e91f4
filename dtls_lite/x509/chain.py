"""Certificate chain validation to configured trust anchors (RFC 5280 §6, trimmed for DTLS).

    verifier = Verifier(anchors=ca_pem_bundle, check_time=True, purpose='server')
    leaf = verifier.verify([leaf_der, intermediate_der, ...], hostname='device.local')

`verify` parses every certificate of the peer's Certificate message (leaf first), walks from the
leaf to a trust anchor by issuer name (the peer's order is not trusted; each certificate is used
at most once), and checks at every step:
  - the issuer's ECDSA signature over the TBSCertificate (bad_certificate on failure)
  - the issuer may act as a CA: basicConstraints cA TRUE, pathLenConstraint, keyUsage
    keyCertSign when keyUsage is present (unknown_ca); a trust anchor is an input, not part
    of the path (RFC 5280 §6.1.1): its unknown critical extensions are ignored, and without
    basicConstraints it may issue only with keyUsage keyCertSign or as a v1 self-signed
    root (as OpenSSL's X509_check_ca: a pinned v3 device certificate never issues; a pinned
    v1 one is a root and does, as in OpenSSL: pin v1 devices by raw key instead), but an
    explicit cA FALSE, its pathLenConstraint and its keyUsage apply, and nameConstraints
    refuse it
  - an extKeyUsage on any CA certificate, anchor included, must allow the purpose (or
    anyExtendedKeyUsage), as OpenSSL and cryptography check (unsupported_certificate)
  - no critical extension we do not process (unsupported_certificate); nameConstraints are
    not processed, so a certificate with them is refused, critical or not
  - validity against the wall clock, for every certificate including the anchor
The path holds at most MAX_PATH_CAS (4) CA certificates above the leaf, the anchor included
(unknown_ca, 'path too long'); a Certificate message of more than MAX_PATH_CAS + 1
certificates is refused before any path is built (unknown_ca, 'chain too long').
Of several candidate issuers with one name, the first that passes all of these checks is
taken, trust anchors before the peer's certificates (a renewed root beside its expired copy, a
stale intermediate beside the current one, in the CA file or in the peer's chain);
there is no backtracking above it, so a peer sending a cross-signed intermediate before the
copy that leads to our anchor is still refused (as by OpenSSL).
and on the leaf: keyUsage digitalSignature (ECDHE_ECDSA signs with it, RFC 8422 §5.3) and, when
a purpose is set, extKeyUsage serverAuth/clientAuth (unsupported_certificate); an optional
hostname against subjectAltName (RFC 6125, no CN fallback; bad_certificate).
A leaf whose DER equals an anchor is accepted as pinned (self-signed device certificates).

Time policy, the default: check_time=True uses `wall_clock()` and FAILS CLOSED with
certificate_unknown(46) if the clock reads before 2025 (a board that never set its RTC/NTP).
A device without a clock must say so: check_time=False skips validity checks entirely.

The application callback `callback(leaf, error)` sees the leaf and the CertificateError (or None
when validation passed) and returns True to accept (pinning, self-signed peers); anything else
(False, None, 0, another value) rejects. It may also raise its own CertificateError.
"""
from ..compat import const
from .cert import (Certificate, parse_certificate, parse_certificate_der, load_certificates,
                   format_ip, EKU_ANY, EKU_SERVER_AUTH, EKU_CLIENT_AUTH)
from .errors import CertificateError
from .name import names_match
from ..errors import text

# Longest path accepted: leaf + this many CA certificates above it. IoT PKIs are 2-3 deep;
# the bound keeps a hostile chain from costing many signature verifications on a board.
MAX_PATH_CAS = const(4)
# Earliest plausible wall-clock time (2025-01-01T00:00:00Z): a board that never set its clock
# reads 1970 or 2000 and must not pass for "now".
_MIN_PLAUSIBLE_TIME = const(1735689600)
# MicroPython ports whose epoch is 2000-01-01 (time.gmtime(0) year 2000) need this offset.
_EPOCH_2000 = const(946684800)

# Alert codes (errors.py has the table and why each applies) and the key usage bits we check
# (cert.KU_*), as private constants that fold at compile time.
_BAD_CERTIFICATE = const(42)
_UNSUPPORTED_CERTIFICATE = const(43)
_CERTIFICATE_EXPIRED = const(45)
_CERTIFICATE_UNKNOWN = const(46)
_UNKNOWN_CA = const(48)
_KU_DIGITAL_SIGNATURE = const(0x01)
_KU_KEY_CERT_SIGN = const(0x20)


def wall_clock():
    """Seconds since 1970-01-01 UTC from time.time(), whichever epoch the port uses."""
    import time
    t = int(time.time())
    if time.gmtime(0)[0] == 2000:
        t += _EPOCH_2000
    return t


def _named(certs, name):
    """The certificates whose subject is the DER Name `name`: those with the same DER, else
    those name.names_match finds (a name encoded otherwise: slower, so only then)."""
    found = [c for c in certs if c.subject_der == name]
    return found or [c for c in certs if names_match(c.subject_der, name)]


class Verifier:
    """Validates peer chains against a fixed set of trust anchors (reusable, keeps no state)."""

    def __init__(self, anchors=(), check_time=True, clock=None, purpose=None, callback=None,
                 max_path_cas=MAX_PATH_CAS):
        if isinstance(anchors, memoryview):
            anchors = bytes(anchors)
        if isinstance(anchors, Certificate):
            anchors = [anchors]
        if isinstance(anchors, (str, bytes, bytearray)):
            anchors = load_certificates(anchors, True)   # a PEM bundle; skip unsupported roots
        self.anchors = []
        for a in anchors:    # an entry may be a PEM bundle too (unsupported roots skipped)
            if isinstance(a, memoryview):
                a = bytes(a)
            if isinstance(a, Certificate):
                self.anchors.append(a)
            else:
                self.anchors.extend(load_certificates(a, True))
        self.check_time = check_time
        self.clock = clock or wall_clock
        if purpose not in (None, 'server', 'client'):
            raise ValueError(text('purpose'))
        self.purpose = purpose
        self.callback = callback
        self.max_path_cas = max_path_cas

    def verify(self, chain, hostname=None, der_only=False):
        """The validated leaf Certificate of `chain` (DER or PEM, or Certificates, leaf first).
        der_only: the entries of a peer's Certificate message (RFC 5246 §7.4.2: DER), never
        read as PEM text whatever they hold."""
        if not chain:
            raise CertificateError(_BAD_CERTIFICATE, 'no_chain')
        if len(chain) > self.max_path_cas + 1:
            raise CertificateError(_UNKNOWN_CA, 'chain_long')
        parse = parse_certificate_der if der_only else parse_certificate
        certs = [c if isinstance(c, Certificate) else parse(c) for c in chain]
        error = None
        try:
            self._verify_path(certs, hostname)
        except CertificateError as e:
            error = e
        if self.callback is not None:
            if self.callback(certs[0], error) is True:     # exactly True, as verify_ecdsa_key
                return certs[0]
            raise error or CertificateError(_BAD_CERTIFICATE, 'app_reject')
        if error is not None:
            raise error
        return certs[0]

    def _verify_path(self, certs, hostname):
        now = None      # the validation time, None when time checks are off
        if self.check_time:
            now = self.clock()
            if now < _MIN_PLAUSIBLE_TIME:
                raise CertificateError(_CERTIFICATE_UNKNOWN, 'no_clock')
        leaf = cert = certs[0]
        # The leaf signs the handshake (ECDHE_ECDSA, RFC 8422 §5.3): keyUsage must allow
        # digitalSignature, extKeyUsage (when present) the purpose, and the name must match.
        _check_critical(leaf)
        if leaf.key_usage is not None and not leaf.key_usage & _KU_DIGITAL_SIGNATURE:
            raise CertificateError(_UNSUPPORTED_CERTIFICATE, 'ku_sign')
        purpose = self.purpose
        if purpose is not None and leaf.ext_key_usage is not None:
            _check_eku(leaf.ext_key_usage, purpose)
        if hostname is not None and not match_hostname(leaf, hostname):
            raise CertificateError(_BAD_CERTIFICATE, 'host', hostname)
        for anchor in self.anchors:
            if anchor.der == leaf.der:  # pinned: the peer's certificate is itself trusted
                _check_time(leaf, now)
                return
        unused = certs[1:]
        below = 0  # non-self-issued intermediates between the current issuer and the leaf
        for _ in range(self.max_path_cas):     # each step adds one CA above the leaf
            _check_time(cert, now)
            _check_critical(cert)
            # The issuer: a trust anchor of that name, else a certificate the peer sent with
            # that name (the peer's order is not trusted; each is used at most once). Of
            # several, the first whose signature verifies, that may issue here and is valid
            # now: a CA file may hold a renewed root next to the expired one, a peer may send
            # a stale copy of its intermediate; the verdict must not depend on their order.
            anchors = _named(self.anchors, cert.issuer_der)
            issuers = anchors + _named(unused, cert.issuer_der)
            if not issuers:
                raise CertificateError(_UNKNOWN_CA, 'no_anchor', cert.issuer)
            issuer = error = None
            for i, candidate in enumerate(issuers):
                if not candidate.public_key.verify(cert.sig_alg, cert.tbs, cert.signature):
                    continue
                try:
                    _check_ca(candidate, below, i < len(anchors), purpose)
                    _check_time(candidate, now)
                except CertificateError as e:
                    error = error or e
                    continue
                issuer = candidate
                break
            if issuer is None:
                # RFC 5246 §7.2.2 bad_certificate: "contained signatures that did not verify"
                raise error or CertificateError(_BAD_CERTIFICATE, 'bad_sig_on', cert.subject)
            if i < len(anchors):
                return
            unused.remove(issuer)
            if not issuer.is_self_issued():
                below += 1
            cert = issuer
        raise CertificateError(_UNKNOWN_CA, 'path_long')


def _check_eku(ext_key_usage, purpose):
    wanted = EKU_SERVER_AUTH if purpose == 'server' else EKU_CLIENT_AUTH
    if wanted not in ext_key_usage and EKU_ANY not in ext_key_usage:
        raise CertificateError(_UNSUPPORTED_CERTIFICATE, 'eku_forbid', purpose)


def _check_time(cert, now):
    if now is None:
        return
    if now < cert.not_before:
        raise CertificateError(_BAD_CERTIFICATE, 'not_yet', cert.subject)
    if now > cert.not_after:
        raise CertificateError(_CERTIFICATE_EXPIRED, 'expired', cert.subject)


def _check_critical(cert):
    # RFC 5280 §4.2: a certificate with an unrecognised critical extension MUST be rejected.
    if cert.unknown_critical:
        raise CertificateError(_UNSUPPORTED_CERTIFICATE, 'unk_crit', cert.unknown_critical[0])


def _check_ca(ca, below, is_anchor, purpose):
    """RFC 5280 §6.1.4 (k)(l)(m)(n) for a certificate that issued the one below it, and its
    extKeyUsage against the purpose ('server', 'client' or None).

    A trust anchor is an input of path validation, not part of the path (RFC 5280 §6.1.1 (d),
    §6.2): an explicit cA FALSE, pathLen, keyUsage and extKeyUsage count; one with a critical
    extension we do not parse (policyConstraints, say) may still anchor, and one without
    basicConstraints only as OpenSSL's X509_check_ca allows (below)."""
    if not is_anchor:
        _check_critical(ca)
    elif '2.5.29.30' in ca.unknown_critical:
        # nameConstraints bind an anchor's whole tree (RFC 5280 §6.1.1 (d) takes them as
        # input): not enforced, so such a root is refused rather than trusted for every name
        raise CertificateError(_UNSUPPORTED_CERTIFICATE, 'unk_crit', '2.5.29.30')
    if (ca.basic_constraints or not is_anchor) and not ca.is_ca:
        raise CertificateError(_UNKNOWN_CA, 'not_ca', ca.subject)
    # an anchor without basicConstraints issues only as OpenSSL's X509_check_ca allows: a v1
    # self-signed root, or keyUsage keyCertSign (checked below); not a pinned v3 end entity
    if not ca.basic_constraints and ca.key_usage is None and not (
            ca.version == 1 and ca.is_self_issued()):
        raise CertificateError(_UNKNOWN_CA, 'not_ca', ca.subject)
    if ca.path_len is not None and below > ca.path_len:
        raise CertificateError(_UNKNOWN_CA, 'path_len', ca.subject)
    if ca.key_usage is not None and not ca.key_usage & _KU_KEY_CERT_SIGN:
        raise CertificateError(_UNKNOWN_CA, 'ku_cert', ca.subject)
    if purpose is not None and ca.ext_key_usage is not None:
        # RFC 5280 leaves EKU on CAs to the application; OpenSSL and cryptography read it as a
        # limit on what the CA issues for: a client-only sub-CA's leaves are no servers
        _check_eku(ca.ext_key_usage, purpose)


def match_hostname(cert, hostname):
    """RFC 6125 §6.4: DNS-ID with a whole-label leftmost wildcard, or an exact iPAddress.
    hostname: ASCII (IDNs as A-labels), at most one trailing dot."""
    for c in hostname:
        if not ' ' < c < '\x7f':
            return False        # U-labels must be given as A-labels (RFC 6125 §6.4.2)
    host = _dns_name(hostname)
    if host is None:
        return False
    parts = host.split('.')
    if ':' in host or (len(parts) == 4 and all(_is_in(p, _DEC) for p in parts)):
        try:
            return format_ip(ip_bytes(host)) in cert.ip_addresses
        except ValueError:
            return False
    for pattern in cert.dns_names:
        p = _dns_name(pattern)
        if p is None:
            continue
        if p == host:
            return True
        if p.startswith('*.') and '.' in host:
            label, rest = host.split('.', 1)
            if label and rest == p[2:] and '.' in rest:
                return True
    return False


def _dns_name(name):
    """An ASCII name lowered, without its one root dot; None if empty or with more dots at the
    end. (ASCII only, as the callers make sure: the server name is checked, and cert.py
    refuses dNSNames outside printable ASCII; there str.lower() is the same on both
    runtimes, where it maps more than A-Z on CPython.)"""
    name = name.lower()
    if name.endswith('.'):
        name = name[:-1]
    if not name or name.endswith('.'):
        return None
    return name


_DEC = '0123456789'
_HEX = '0123456789abcdefABCDEF'


def _is_in(s, digits):
    """Whether s is a non-empty run of these ASCII digits. (str.isdigit and int() also take
    other scripts' digits on CPython, not on MicroPython: the runtimes would disagree.)"""
    if not s:
        return False
    for c in s:
        if c not in digits:
            return False
    return True


def ip_bytes(address):
    """An IPv4 or IPv6 address string as its 4 or 16 octets (ValueError if it is not one).
    IPv4 parts are plain decimal without leading zeros ('010' is octal 8 to inet_aton and
    getaddrinfo); IPv6 may end in a dotted IPv4 address (RFC 4291 §2.2)."""
    if ':' not in address:
        parts = address.split('.')
        if len(parts) != 4 or not all(_is_in(p, _DEC) and int(p) <= 255
                                      and (p == '0' or p[0] != '0') for p in parts):
            raise ValueError(text('ipv4', (address,)))
        return bytes(int(p) for p in parts)
    i = address.rfind(':')
    if '.' in address[i + 1:]:      # a dotted IPv4 tail: as its two hex groups
        b = ip_bytes(address[i + 1:])
        address = address[:i + 1] + '%x:%x' % ((b[0] << 8) | b[1], (b[2] << 8) | b[3])
    head, sep, tail = address.partition('::')
    h = head.split(':') if head else []
    t = tail.split(':') if tail else []
    missing = 8 - len(h) - len(t)
    if (sep and missing < 1) or (not sep and missing) or not all(
            _is_in(x, _HEX) and len(x) <= 4 for x in h + t):
        raise ValueError(text('ipv6', (address,)))
    return b''.join(int(x, 16).to_bytes(2, 'big') for x in h + ['0'] * missing + t)


def sha256_fingerprint(cert):
    """SHA-256 of a certificate's DER: the usual value to pin in a verify callback."""
    import hashlib
    der = cert.der if isinstance(cert, Certificate) else cert
    return hashlib.sha256(der).digest()
