"""Who we are and who the peer is, for the ECDHE_ECDSA suites: X.509 chains (RFC 5246 §7.4.2,
§7.4.6) and raw public keys (RFC 7250), with the signatures that prove key possession.

    creds = Credentials(private_key=KEY_PEM, certificates=CHAIN_PEM)   # once, at start-up
    peer_auth = PeerAuth(verifier=Verifier(CA_PEM, purpose='server'))  # once per Context

What the engine calls, in protocol order:
  server  select_cert_type(client's server_certificate_type, creds.cert_types())
          creds.choose_sig_alg(client's signature_algorithms) -> sign_server_params()
          (mutual) write_certificate_request(), then for the client's Certificate
          peer_auth.authenticate() -> PeerCert, and verify_transcript() for its CertificateVerify
  client  check_cert_type(ServerHello's choice, what we offered)
          peer_auth.authenticate(server's Certificate) -> PeerCert
          verify_server_params(peer.public_key, ...) for the ServerKeyExchange
          (mutual) answer_request(creds, CertificateRequest) -> Certificate, sign_transcript()

The application hands over its key through tinydtls's get_ecdsa_key callback; `credentials()`
turns what it returns into a `Credentials`:
  - a Credentials (cheapest: build it once, return it every time; CredentialCache keeps the
    last one built from any other form, so returning the same object twice parses it once);
  - a dict, or any object with attributes, with
        private_key | priv_key   EcPrivateKey, PEM/DER (SEC1 or PKCS#8), or the raw scalar
                                 (32/48 bytes, tinydtls's priv_key)
        certificates | certificate | chain   (optional, X.509) DER/PEM certificates leaf first,
                                 a PEM bundle, or x509 Certificate objects
        public_key | pub_key_x + pub_key_y   (optional) checked against the private key
        curve                    'p256'/'secp256r1' or 'p384'/'secp384r1' for a raw scalar
    A key without certificates can only be sent as a raw public key (RFC 7250); with them,
    either form, as negotiated;
  - PEM text holding a private key and, optionally, its certificates (a combined PEM file);
  - None: no credentials (a client then answers a CertificateRequest with no certificate).
Malformed or mismatched application credentials raise ConfigError; nothing the peer sends
raises anything but Fault(alert).

Peer authentication: X.509 chains go to dtls_lite.x509.chain.Verifier (its CertificateError
becomes the alert it names, its callback pins or overrides); a raw public key must be one of
`peer_keys` (when given) and must be accepted by verify_ecdsa_key (when set): the callback
returns True to accept, anything else (False, None, tinydtls's 0) rejects with
bad_certificate(42), or it raises CertificateError for another alert. With neither, no raw
public key is trusted. verify_ecdsa_key is called for raw public keys only.

Transcript signatures: MicroPython's hashlib cannot copy a running hash, so CertificateVerify
is signed and checked over the handshake messages the engine keeps (a list, RFC 6347 §4.2.6
form), hashed with the hash of the negotiated signature algorithm at that moment.
"""
from dtls_lite.compat import const
from dtls_lite.errors import (Fault, ConfigError, BAD_CERTIFICATE, DECRYPT_ERROR,
                              HANDSHAKE_FAILURE, ILLEGAL_PARAMETER)
from dtls_lite import msg_cert as mc
from dtls_lite.keys import transcript_hash
from dtls_lite.msg_cert import (CERT_TYPE_X509, CERT_TYPE_RAW_PUBLIC_KEY, SIG_ECDSA_SHA256,
                                SIG_ECDSA_SHA384, ECDSA_SIGN)
from dtls_lite.x509.errors import CertificateError, UNSUPPORTED_CERTIFICATE

# What we sign and verify with, in our order of preference for a P-256 key.
SIGNATURE_ALGORITHMS = (SIG_ECDSA_SHA256, SIG_ECDSA_SHA384)

_RAW_SCALAR = ((32, 'p256'), (48, 'p384'))
_CURVE_ALIASES = (('p256', 'p256'), ('secp256r1', 'p256'), ('prime256v1', 'p256'),
                  ('p384', 'p384'), ('secp384r1', 'p384'))


def sig_alg_name(alg):
    """x509's name of a SignatureAndHashAlgorithm code, or None if we do not do it."""
    if alg == SIG_ECDSA_SHA256:
        return 'ecdsa-sha256'
    if alg == SIG_ECDSA_SHA384:
        return 'ecdsa-sha384'
    return None


def _hash(alg):
    from dtls_lite.crypto import sha2
    return sha2.SHA384 if alg == SIG_ECDSA_SHA384 else sha2.SHA256


def transcript_digest(alg, messages, count=None):
    """Hash (of `alg`) over the first `count` handshake messages (all when None)."""
    return transcript_hash(messages, count, _hash(alg))


# --- our credentials ----------------------------------------------------------------------------

def _curve_name(curve):
    for alias, name in _CURVE_ALIASES:
        if curve == alias:
            return name
    raise ConfigError('unknown curve %r (p256 or p384)' % (curve,))


def _private_key(value, curve):
    from dtls_lite.x509 import keys
    if isinstance(value, keys.EcPrivateKey):
        return value
    if isinstance(value, (bytes, bytearray)) and curve is None:
        for size, name in _RAW_SCALAR:
            if len(value) == size:
                curve = name
    if isinstance(value, (bytes, bytearray)) and curve is not None:
        return keys.EcPrivateKey(_curve_name(curve), bytes(value))    # a raw scalar
    return keys.load_private_key(value)


def public_key_of(value, curve=None):
    """An EcPublicKey from EcPublicKey, SPKI DER/PEM, a SEC1 point (65/97 bytes), or (x, y)."""
    from dtls_lite.x509 import keys
    if isinstance(value, keys.EcPublicKey):
        return value
    if isinstance(value, tuple):
        value = b'\x04' + bytes(value[0]) + bytes(value[1])
    if isinstance(value, (bytes, bytearray)) and len(value) in (65, 97) and value[0] == 4:
        name = _curve_name(curve) if curve is not None else ('p256' if len(value) == 65 else 'p384')
        return keys.EcPublicKey(name, value)
    return keys.parse_spki(value)


class Credentials:
    """Our ECDSA key, its SPKI (what a raw-public-key Certificate carries) and, optionally, the
    DER certificate chain (leaf first) that names it."""

    def __init__(self, private_key, certificates=None, public_key=None, curve=None):
        from dtls_lite.x509.keys import write_spki
        try:
            self.key = _private_key(private_key, curve)
            self.chain = []
            if certificates is not None:
                certs = _certificates(certificates)
                if certs[0].public_key != self.key.public_key:
                    raise ConfigError('the first certificate is not for this private key')
                self.chain = [c.der for c in certs]
            if public_key is not None:
                if public_key_of(public_key, curve) != self.key.public_key:
                    raise ConfigError('public key does not match the private key')
        except CertificateError as e:
            raise ConfigError('bad ECDSA credentials: %s' % (e,))
        self.spki = write_spki(self.key.public_key)

    @property
    def public_key(self):
        return self.key.public_key

    def cert_types(self):
        """The Certificate forms we can send, X.509 first when we have a chain."""
        if self.chain:
            return (CERT_TYPE_X509, CERT_TYPE_RAW_PUBLIC_KEY)
        return (CERT_TYPE_RAW_PUBLIC_KEY,)

    def entries(self, cert_type):
        """The Certificate message entries for a negotiated type."""
        if cert_type == CERT_TYPE_RAW_PUBLIC_KEY:
            return [self.spki]
        if not self.chain:
            raise ConfigError('X.509 negotiated but no certificates configured')
        return self.chain

    def choose_sig_alg(self, peer_algs):
        """The algorithm to sign with, or None if the peer lists none we do.

        Ours matched to the key's curve first (RFC 5480 §4 strength), else any other we do.
        peer_algs None: the peer sent no signature_algorithms; RFC 5246 §7.4.1.4.1 then implies
        SHA-1, which we do not implement, so we sign with the matched hash (what peers that
        omit the extension in practice accept).
        """
        pref = SIG_ECDSA_SHA384 if self.key.curve == 'p384' else SIG_ECDSA_SHA256
        if peer_algs is None or pref in peer_algs:
            return pref
        for alg in SIGNATURE_ALGORITHMS:
            if alg in peer_algs:
                return alg
        return None

    def sign(self, alg, data, rng=None):
        """DER ECDSA signature of `data` hashed per `alg`."""
        return self.key.sign_digest(_hash(alg).hash(data), rng)


def _certificates(value):
    from dtls_lite.x509.cert import Certificate, parse_certificate, load_certificates
    if isinstance(value, str) or (isinstance(value, (bytes, bytearray)) and b'-----BEGIN' in value):
        certs = load_certificates(value)
    elif isinstance(value, (bytes, bytearray, Certificate)):
        certs = [value]
    else:
        certs = list(value)
    certs = [c if isinstance(c, Certificate) else parse_certificate(c) for c in certs]
    if not certs:
        raise ConfigError('empty certificate chain')
    return certs


def _field(value, names):
    for name in names:
        if isinstance(value, dict):
            if name in value:
                return value[name]
        elif hasattr(value, name):
            return getattr(value, name)
    return None


def credentials(value):
    """A Credentials (or None) from any form get_ecdsa_key may return (see the module text)."""
    if value is None or isinstance(value, Credentials):
        return value
    if isinstance(value, (str, bytes, bytearray)):
        has_cert = ('-----BEGIN CERTIFICATE' in value if isinstance(value, str)
                    else b'-----BEGIN CERTIFICATE' in value)
        return Credentials(value, value if has_cert else None)
    key = _field(value, ('private_key', 'priv_key'))
    if key is None:
        from dtls_lite.x509.keys import EcPrivateKey
        if isinstance(value, EcPrivateKey):
            return Credentials(value)
        raise ConfigError('get_ecdsa_key returned no private_key')
    public = _field(value, ('public_key',))
    x = _field(value, ('pub_key_x',))
    if public is None and x is not None:
        public = (x, _field(value, ('pub_key_y',)) or b'')
    return Credentials(key, _field(value, ('certificates', 'certificate', 'chain')), public,
                       _field(value, ('curve',)))


class CredentialCache:
    """Remembers the Credentials built from the last object get_ecdsa_key returned, so a
    callback returning the same dict each handshake costs one parse (and one scalar
    multiplication to check the key), not one per handshake."""

    def __init__(self):
        self._value = None
        self._creds = None

    def get(self, value):
        if value is None or isinstance(value, Credentials):
            return value
        if value is not self._value:
            self._creds = credentials(value)
            self._value = value
        return self._creds


def answer_request(creds, cr, cert_type):
    """Client: (entries, alg) for our answer to a CertificateRequest; ([], None) when we cannot
    or need not authenticate, which sends an empty Certificate (RFC 5246 §7.4.6)."""
    if creds is None or ECDSA_SIGN not in cr.certificate_types:
        return [], None
    if cert_type == CERT_TYPE_X509 and not creds.chain:
        return [], None
    alg = creds.choose_sig_alg(cr.signature_algorithms)
    if alg is None:
        return [], None
    return creds.entries(cert_type), alg


def write_certificate_request(authorities=()):
    """Server: the CertificateRequest body: ecdsa_sign, our signature algorithms, and the DER
    subject names of the CAs we trust (empty: any; RFC 7250 keys have no issuer anyway)."""
    cr = mc.CertificateRequest((ECDSA_SIGN,), SIGNATURE_ALGORITHMS, authorities)
    return mc.write_certificate_request(cr)


# --- signatures ---------------------------------------------------------------------------------

def _check_alg(alg, offered):
    # RFC 5246 §7.4.1.4.1 / §7.4.8: the peer must sign with an algorithm we listed.
    if sig_alg_name(alg) is None or alg not in offered:
        raise Fault(ILLEGAL_PARAMETER, 'signature algorithm we did not offer')


def sign_server_params(creds, alg, client_random, server_random, params, rng=None):
    """The ECDHE_ECDSA ServerKeyExchange body: params signed over both randoms (RFC 8422 §5.4)."""
    sig = creds.sign(alg, mc.signed_params(client_random, server_random, params), rng)
    return mc.write_server_key_exchange(params, alg, sig)


def verify_server_params(public_key, offered, alg, signature, client_random, server_random,
                         params):
    """Client: check the ServerKeyExchange signature; decrypt_error(51) if it fails."""
    _check_alg(alg, offered)
    digest = _hash(alg).hash(mc.signed_params(client_random, server_random, params))
    if not public_key.verify_digest(digest, signature):
        raise Fault(DECRYPT_ERROR, 'bad ServerKeyExchange signature')


def sign_transcript(creds, alg, messages, count=None, rng=None):
    """The CertificateVerify body: a signature over the handshake messages so far
    (RFC 5246 §7.4.8: every message from ClientHello up to, not including, this one)."""
    sig = creds.key.sign_digest(transcript_digest(alg, messages, count), rng)
    return mc.write_certificate_verify(alg, sig)


def verify_transcript(public_key, offered, body, messages, count=None):
    """Server: check a CertificateVerify body against the first `count` messages; Fault
    decode_error / illegal_parameter / decrypt_error(51) (RFC 5246 §7.4.8)."""
    alg, signature = mc.parse_certificate_verify(body)
    _check_alg(alg, offered)
    if not public_key.verify_digest(transcript_digest(alg, messages, count), signature):
        raise Fault(DECRYPT_ERROR, 'bad CertificateVerify signature')


# --- certificate types (RFC 7250 §4) --------------------------------------------------------------

def select_cert_type(offered, ours):
    """Server: the type for one certificate_type extension: the first of the client's types
    (its order of preference) that we support. offered None (extension absent) means X.509
    only; no type in common is unsupported_certificate (RFC 7250 §4.2)."""
    if offered is None:
        offered = (CERT_TYPE_X509,)
    for t in offered:
        if t in ours:
            return t
    raise Fault(UNSUPPORTED_CERTIFICATE, 'no certificate type in common')


def check_cert_type(selected, offered):
    """Client: the type the ServerHello selected (None: extension absent, so X.509) must be
    one we offered (`offered`: our list, or None when we sent no extension, i.e. X.509)."""
    if selected is None:
        selected = CERT_TYPE_X509
    if selected not in (offered or (CERT_TYPE_X509,)):
        if offered is not None and selected == CERT_TYPE_X509:
            raise Fault(UNSUPPORTED_CERTIFICATE, 'server ignored our certificate types')
        raise Fault(ILLEGAL_PARAMETER, 'certificate type we did not offer')
    return selected


# --- the peer -----------------------------------------------------------------------------------

class PeerCert:
    """What ctx.peer(session) shows of the authenticated peer. cert_type 'x509' or
    'raw_public_key'; der: the leaf certificate, or the SubjectPublicKeyInfo; public_key an
    x509.keys.EcPublicKey (.curve, .point); subject/issuer (RFC 4514 strings), serial (int),
    not_before/not_after (seconds since 1970): from the leaf, None for a raw public key."""

    def __init__(self, cert_type, der, public_key, leaf=None):
        self.cert_type = 'raw_public_key' if cert_type == CERT_TYPE_RAW_PUBLIC_KEY else 'x509'
        self.der = der
        self.public_key = public_key
        self.subject = self.issuer = self.serial = self.not_before = self.not_after = None
        if leaf is not None:
            self.subject = leaf.subject
            self.issuer = leaf.issuer
            self.serial = leaf.serial
            self.not_before = leaf.not_before
            self.not_after = leaf.not_after

    def __repr__(self):
        if self.subject is None:
            return '<PeerCert raw_public_key %r>' % (self.public_key,)
        return '<PeerCert x509 %s, issuer %s, serial %x>' % (self.subject, self.issuer,
                                                              self.serial)


class PeerAuth:
    """How the peer's Certificate message is judged (one per Context, keeps no per-peer state).

    verifier   x509.chain.Verifier for X.509 chains (None: X.509 peers are refused)
    peer_keys  raw public keys we accept (EcPublicKey, SPKI DER/PEM or SEC1 points), or None
    verify_key default raw-key callback public_key -> True to accept (the engine passes one
               bound to the context and session, from verify_ecdsa_key)
    """

    def __init__(self, verifier=None, peer_keys=None, verify_key=None):
        self.verifier = verifier
        self.peer_keys = None
        if peer_keys is not None:
            try:
                self.peer_keys = [public_key_of(k) for k in peer_keys]
            except CertificateError as e:
                raise ConfigError('bad peer key: %s' % (e,))
        self.verify_key = verify_key

    def cert_types(self, verify_key=None):
        """The Certificate forms we can judge, X.509 first."""
        types = []
        if self.verifier is not None:
            types.append(CERT_TYPE_X509)
        if self.peer_keys is not None or (verify_key or self.verify_key) is not None:
            types.append(CERT_TYPE_RAW_PUBLIC_KEY)
        return types

    def authenticate(self, cert_type, entries, verify_key=None, hostname=None):
        """A PeerCert for the peer's Certificate entries (from msg_cert.parse_certificate), or
        Fault(alert). An empty list (no certificate) is handshake_failure: the caller decides
        beforehand whether an unauthenticated client may go on (RFC 5246 §7.4.6)."""
        if not entries:
            raise Fault(HANDSHAKE_FAILURE, 'peer sent no certificate')
        try:
            if cert_type == CERT_TYPE_RAW_PUBLIC_KEY:
                return self._raw(entries[0], verify_key or self.verify_key)
            if self.verifier is None:
                raise CertificateError(UNSUPPORTED_CERTIFICATE, 'no trust anchors for X.509')
            leaf = self.verifier.verify(entries, hostname)
            return PeerCert(CERT_TYPE_X509, leaf.der, leaf.public_key, leaf)
        except CertificateError as e:
            raise Fault(e.alert, e.msg)

    def _raw(self, spki, verify_key):
        from dtls_lite.x509.keys import parse_spki
        key = parse_spki(spki)        # CertificateError: bad_certificate / unsupported_certificate
        if self.peer_keys is None and verify_key is None:
            raise CertificateError(BAD_CERTIFICATE, 'no verify_ecdsa_key: raw public keys untrusted')
        if self.peer_keys is not None and key not in self.peer_keys:
            raise CertificateError(BAD_CERTIFICATE, 'raw public key is not the expected one')
        if verify_key is not None and verify_key(key) is not True:
            raise CertificateError(BAD_CERTIFICATE, 'raw public key rejected by verify_ecdsa_key')
        return PeerCert(CERT_TYPE_RAW_PUBLIC_KEY, bytes(spki), key)
