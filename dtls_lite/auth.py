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
    last one built from PEM/DER text or a dict, so returning the same unchanged value twice
    parses it once; a bytearray or an object is parsed each time);
  - a dict, or any object with attributes, with
        private_key | priv_key   EcPrivateKey, PEM/DER (SEC1 or PKCS#8), or the raw scalar
                                 (tinydtls's priv_key: 32/48 bytes, or one more or less)
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
from dtls_lite.errors import Fault, ConfigError
from dtls_lite import msg_cert as mc
from dtls_lite.keys import transcript_hash
from dtls_lite.x509 import keys as x509_keys   # every ECDSA handshake parses keys
from dtls_lite.x509.errors import CertificateError

# MicroPython folds only a module's own `_NAME = const(n)`; these mirror the IANA values of
# msg_cert (CERT_TYPE_*, SIG_ECDSA_*, ECDSA_SIGN) and the alerts of dtls_lite.errors, so they
# cost no import, global or lookup here.
_CERT_TYPE_X509 = const(0)
_CERT_TYPE_RAW_PUBLIC_KEY = const(2)
_SIG_ECDSA_SHA256 = const(0x0403)
_SIG_ECDSA_SHA384 = const(0x0503)
_ECDSA_SIGN = const(64)
_HANDSHAKE_FAILURE = const(40)
_BAD_CERTIFICATE = const(42)
_UNSUPPORTED_CERTIFICATE = const(43)
_ILLEGAL_PARAMETER = const(47)
_DECRYPT_ERROR = const(51)

# What we sign and verify with, in our order of preference for a P-256 key.
SIGNATURE_ALGORITHMS = (_SIG_ECDSA_SHA256, _SIG_ECDSA_SHA384)


def transcript_digest(alg, messages, count=None):
    """Hash (of `alg`) over the first `count` handshake messages (all when None)."""
    if alg != _SIG_ECDSA_SHA384:
        return transcript_hash(messages, count)       # SHA-256, its default
    from dtls_lite.crypto.sha2 import SHA384
    return transcript_hash(messages, count, SHA384)


# --- our credentials ----------------------------------------------------------------------------

def _curve_name(curve, p256_size):
    """'p256' or 'p384' for a curve name; with curve None, from the key's size (p256_size: True
    when it is P-256's: a 32-byte scalar, a 65-byte point)."""
    if curve is None:
        return 'p256' if p256_size else 'p384'
    if curve in ('p256', 'secp256r1', 'prime256v1'):
        return 'p256'
    if curve in ('p384', 'secp384r1'):
        return 'p384'
    raise ConfigError('curve', curve)


def public_key_of(value, curve=None):
    """An EcPublicKey from EcPublicKey, SPKI DER/PEM, a SEC1 point (65/97 bytes), or (x, y)."""
    if isinstance(value, x509_keys.EcPublicKey):
        return value
    if isinstance(value, memoryview):
        value = bytes(value)
    if isinstance(value, tuple):
        if len(value[0]) != len(value[1]):
            raise ConfigError('pub_xy')
        value = b'\x04' + bytes(value[0]) + bytes(value[1])
    if isinstance(value, (bytes, bytearray)) and len(value) in (65, 97) and value[0] == 4:
        return x509_keys.EcPublicKey(_curve_name(curve, len(value) == 65), value)
    return x509_keys.parse_spki(value)


def _keys_in(value):
    """The keys a peer_keys entry holds: each 'PUBLIC KEY' block of a PEM text, else itself."""
    if isinstance(value, (str, bytes, bytearray, memoryview)) and x509_keys.is_pem(value):
        keys = [der for label, der in x509_keys.pem_blocks(value) if label == 'PUBLIC KEY' and der]
        return keys or [value]      # none: public_key_of says 'no PEM block PUBLIC KEY'
    return [value]


# Lengths taken as a raw private scalar (DER and PEM keys are longer): P-256's 32 and P-384's
# 48 bytes, one more or less (a leading 00 added, as GnuTLS does, or dropped).
_RAW_LENGTHS = (31, 32, 33, 47, 48, 49)


def _issued_by(cert, issuer):
    """Whether `issuer`'s subject is `cert`'s issuer (names only: this is our own chain)."""
    from dtls_lite.x509.name import names_match
    return names_match(cert.issuer_der, issuer.subject_der)


class Credentials:
    """Our ECDSA key, its SPKI (what a raw-public-key Certificate carries) and, optionally, the
    DER certificate chain (leaf first) that names it.

    private_key: EcPrivateKey, PEM/DER, or a raw scalar (32/48 bytes, or `curve` given);
    certificates: a PEM bundle, one DER/PEM certificate or Certificate, or a list of them."""

    def __init__(self, private_key, certificates=None, public_key=None, curve=None):
        key = private_key
        if isinstance(key, memoryview):
            key = bytes(key)
        try:
            if isinstance(key, (bytes, bytearray)) and len(key) in _RAW_LENGTHS:
                # a raw scalar (DER and PEM keys are longer): 32 or 48 bytes, one more or less
                # (a leading 00 added or dropped); its curve from `curve`, else its length
                short = len(key) <= 33
                name = _curve_name(curve, short)
                if short != (name == 'p256'):   # a P-256 scalar padded into a P-384 key, say
                    raise ConfigError('curve_key', curve, 'p256' if short else 'p384')
                key = x509_keys.EcPrivateKey(name, bytes(key))
            elif not isinstance(key, x509_keys.EcPrivateKey):
                key = x509_keys.load_private_key(key)
            if curve is not None and _curve_name(curve, True) != key.curve:
                raise ConfigError('curve_key', curve, key.curve)
            if key.curve == 'p384':
                # it signs with SHA-384 (ecdsa_secp384r1_sha384): on MicroPython the pure
                # SHA-384 is imported now, at set-up, not in the middle of a handshake
                from dtls_lite.crypto.sha2 import SHA384
                SHA384.new
            self.chain = []
            if certificates is not None:
                # x509.cert only for those who send certificates (raw public keys need none)
                from dtls_lite.x509 import cert as x509_cert
                certs = certificates
                if isinstance(certs, memoryview):
                    certs = bytes(certs)
                if isinstance(certs, (str, bytes, bytearray)):
                    certs = x509_cert.load_certificates(certs)   # PEM bundle, or one DER
                elif isinstance(certs, x509_cert.Certificate):
                    certs = [certs]
                flat = []
                for cert in certs:      # an entry may be a PEM bundle too: all of it counts
                    if isinstance(cert, memoryview):
                        cert = bytes(cert)
                    if isinstance(cert, x509_cert.Certificate):
                        flat.append(cert)
                    else:
                        flat.extend(x509_cert.load_certificates(cert))   # DER or PEM
                prev = None
                for cert in flat:
                    if not self.chain and cert.public_key != key.public_key:
                        raise ConfigError('chain_key')
                    if prev is not None and not _issued_by(prev, cert):
                        # RFC 5246 §7.4.2: each certificate certifies the one before it
                        raise ConfigError('chain_ord')
                    prev = cert
                    self.chain.append(cert.der)
                if not self.chain:
                    raise ConfigError('no_chain')
            if public_key is not None and public_key_of(public_key, curve) != key.public_key:
                raise ConfigError('key_pair')
        except (CertificateError, TypeError, ValueError, OverflowError) as e:
            # (a str where bytes belong, an int key, a list for a point: the same mistake)
            raise ConfigError('bad_creds', e)
        self.key = key
        self.public_key = key.public_key
        self.spki = x509_keys.write_spki(key.public_key)

    def cert_types(self):
        """The Certificate forms we can send, X.509 first when we have a chain."""
        if self.chain:
            return (_CERT_TYPE_X509, _CERT_TYPE_RAW_PUBLIC_KEY)
        return (_CERT_TYPE_RAW_PUBLIC_KEY,)

    def entries(self, cert_type):
        """The Certificate message entries for a negotiated type."""
        if cert_type == _CERT_TYPE_RAW_PUBLIC_KEY:
            return [self.spki]
        if not self.chain:
            raise ConfigError('no_certs')
        return self.chain

    def choose_sig_alg(self, peer_algs):
        """The algorithm to sign with, or None if the peer lists none we do.

        Ours matched to the key's curve first (RFC 5480 §4 strength), else any other we do.
        peer_algs None: the peer sent no signature_algorithms; RFC 5246 §7.4.1.4.1 then implies
        SHA-1, which we do not implement, so we sign with the matched hash (what peers that
        omit the extension in practice accept).
        """
        matched = _SIG_ECDSA_SHA384 if self.key.curve == 'p384' else _SIG_ECDSA_SHA256
        for alg in (matched,) + SIGNATURE_ALGORITHMS:
            if peer_algs is None or alg in peer_algs:
                return alg
        return None


def _field(value, *names):
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
    if isinstance(value, memoryview):
        value = bytes(value)
    if isinstance(value, (str, bytes, bytearray)):
        has_cert = b'-----BEGIN CERTIFICATE' in (value.encode() if isinstance(value, str)
                                                   else value)
        return Credentials(value, value if has_cert else None)
    key = _field(value, 'private_key', 'priv_key')
    if key is None:
        if isinstance(value, x509_keys.EcPrivateKey):
            return Credentials(value)
        raise ConfigError('no_privkey')
    public = _field(value, 'public_key')
    x = _field(value, 'pub_key_x')
    if public is None and x is not None:
        public = (x, _field(value, 'pub_key_y') or b'')
    return Credentials(key, _field(value, 'certificates', 'certificate', 'chain'), public,
                       _field(value, 'curve'))


def _snapshot(v):
    """A copy of v that later changes to v in place do not reach (bytearray, memoryview and
    lists copied; other objects as they are)."""
    if isinstance(v, (bytearray, memoryview)):
        return bytes(v)
    if isinstance(v, (list, tuple)):
        return tuple(_snapshot(x) for x in v)
    return v


class CredentialCache:
    """Remembers the Credentials built from the last value get_ecdsa_key returned, so a
    callback returning the same dict or PEM text each handshake costs one parse (and one scalar
    multiplication to check the key), not one per handshake.

    Reused only while nothing it was built from can have changed: equal str/bytes, or a dict
    holding equal items, compared on a copy of its bytearray and list values (one whose key
    or certificates were replaced or rewritten in place, after a renewal, is parsed again).
    A bytearray, memoryview or other object may be rewritten in place (a key read into a
    reused buffer), so it is parsed every time; a Credentials is used as it is."""

    def __init__(self):
        self._key = self._creds = None

    def get(self, value):
        if value is None or isinstance(value, Credentials):
            return value
        if isinstance(value, (str, bytes)):
            key = value
        elif isinstance(value, dict):
            key = tuple((k, _snapshot(v)) for k, v in value.items())
        else:
            return credentials(value)
        if self._creds is None or key != self._key:
            self._creds = credentials(value)
            self._key = key
        return self._creds


def answer_request(creds, cr, cert_type):
    """Client: (entries, alg) for our answer to a CertificateRequest; ([], None) when we cannot
    or need not authenticate, which sends an empty Certificate (RFC 5246 §7.4.6)."""
    alg = None
    if (creds is not None and _ECDSA_SIGN in cr.certificate_types
            and (cert_type != _CERT_TYPE_X509 or creds.chain)):
        alg = creds.choose_sig_alg(cr.signature_algorithms)
    if alg is None:
        return [], None
    return creds.entries(cert_type), alg


def write_certificate_request(authorities=()):
    """Server: the CertificateRequest body: ecdsa_sign, our signature algorithms, and the DER
    subject names of the CAs we trust (empty: any; RFC 7250 keys have no issuer anyway)."""
    return mc.write_certificate_request(
        mc.CertificateRequest((_ECDSA_SIGN,), SIGNATURE_ALGORITHMS, authorities))


# --- signatures ---------------------------------------------------------------------------------
# Both signed messages hash a list of byte strings with the hash of the signature algorithm: the
# handshake messages (CertificateVerify), or the one ServerKeyExchange signed_params string.

def sign_server_params(creds, alg, client_random, server_random, params, rng=None):
    """The ECDHE_ECDSA ServerKeyExchange body: params signed over both randoms (RFC 8422 §5.4)."""
    signed = [mc.signed_params(client_random, server_random, params)]
    return mc.write_server_key_exchange(
        params, alg, creds.key.sign_digest(transcript_digest(alg, signed), rng))


def verify_server_params(public_key, offered, alg, signature, client_random, server_random,
                         params):
    """Client: check the ServerKeyExchange signature; decrypt_error(51) if it fails."""
    _verify(public_key, offered, alg, signature,
            [mc.signed_params(client_random, server_random, params)], None)


def sign_transcript(creds, alg, messages, count=None, rng=None):
    """The CertificateVerify body: a signature over the handshake messages so far
    (RFC 5246 §7.4.8: every message from ClientHello up to, not including, this one)."""
    return mc.write_certificate_verify(
        alg, creds.key.sign_digest(transcript_digest(alg, messages, count), rng))


def verify_transcript(public_key, offered, body, messages, count=None):
    """Server: check a CertificateVerify body against the first `count` messages; Fault
    decode_error / illegal_parameter / decrypt_error(51) (RFC 5246 §7.4.8)."""
    alg, signature = mc.parse_certificate_verify(body)
    _verify(public_key, offered, alg, signature, messages, count)


def _verify(public_key, offered, alg, signature, messages, count):
    # RFC 5246 §7.4.1.4.1 / §7.4.8: the peer must sign with an algorithm we listed.
    if alg not in SIGNATURE_ALGORITHMS or alg not in offered:
        raise Fault(_ILLEGAL_PARAMETER)
    if not public_key.verify_digest(transcript_digest(alg, messages, count), signature):
        raise Fault(_DECRYPT_ERROR)             # a bad signature (RFC 5246 §7.2.2)


# --- certificate types (RFC 7250 §4) --------------------------------------------------------------

def select_cert_type(offered, ours):
    """Server: the type for one certificate_type extension: the first of the client's types
    (its order of preference) that we support. offered None (extension absent) means X.509
    only; no type in common is unsupported_certificate (RFC 7250 §4.2)."""
    for t in (_CERT_TYPE_X509,) if offered is None else offered:
        if t in ours:
            return t
    raise Fault(_UNSUPPORTED_CERTIFICATE)       # no certificate type in common


def check_cert_type(selected, offered):
    """Client: the type the ServerHello selected (None: extension absent, so X.509) must be
    one we offered (`offered`: our list, or None when we sent no extension, i.e. X.509)."""
    if selected is None:
        selected = _CERT_TYPE_X509
    if selected not in (offered or (_CERT_TYPE_X509,)):
        if offered is not None and selected == _CERT_TYPE_X509:
            raise Fault(_UNSUPPORTED_CERTIFICATE)   # the server ignored our certificate types
        raise Fault(_ILLEGAL_PARAMETER)             # a certificate type we did not offer
    return selected


# --- the peer -----------------------------------------------------------------------------------

class PeerCert:
    """What ctx.peer(session) shows of the authenticated peer. cert_type 'x509' or
    'raw_public_key'; der: the leaf certificate, or the SubjectPublicKeyInfo; public_key an
    x509.keys.EcPublicKey (.curve, .point); subject/issuer (RFC 4514 strings), serial (int),
    not_before/not_after (seconds since 1970): from the leaf, None for a raw public key."""

    def __init__(self, der, public_key, leaf=None):
        self.cert_type = 'raw_public_key' if leaf is None else 'x509'    # no leaf: a raw key
        self.der = der
        self.public_key = public_key
        for name in ('subject', 'issuer', 'serial', 'not_before', 'not_after'):
            setattr(self, name, getattr(leaf, name, None))     # all None without a leaf

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
            if isinstance(peer_keys, (x509_keys.EcPublicKey, str, bytes, bytearray, memoryview)):
                peer_keys = [peer_keys]     # one key, or one PEM text of several
            try:
                self.peer_keys = [public_key_of(k) for v in peer_keys for k in _keys_in(v)]
            except (CertificateError, TypeError, ValueError) as e:
                raise ConfigError('peer_key', e)
        self.verify_key = verify_key

    def cert_types(self, verify_key=None):
        """The Certificate forms we can judge, X.509 first."""
        types = [] if self.verifier is None else [_CERT_TYPE_X509]
        if self.peer_keys is not None or (verify_key or self.verify_key) is not None:
            types.append(_CERT_TYPE_RAW_PUBLIC_KEY)
        return types

    def authenticate(self, cert_type, entries, verify_key=None, hostname=None):
        """A PeerCert for the peer's Certificate entries (from msg_cert.parse_certificate), or
        Fault(alert). An empty list (no certificate) is handshake_failure: the caller decides
        beforehand whether an unauthenticated client may go on (RFC 5246 §7.4.6)."""
        if not entries:
            raise Fault(_HANDSHAKE_FAILURE)
        verify_key = verify_key or self.verify_key
        try:
            if cert_type != _CERT_TYPE_RAW_PUBLIC_KEY:
                if self.verifier is None:
                    raise Fault(_UNSUPPORTED_CERTIFICATE)   # no trust anchors for X.509
                leaf = self.verifier.verify(entries, hostname, der_only=True)
                return PeerCert(leaf.der, leaf.public_key, leaf)
            # a raw public key: trusted only if pinned and/or accepted by the callback
            # CertificateError: bad_certificate / unsupported_certificate
            key = x509_keys.parse_spki_der(entries[0])
            if ((self.peer_keys is None and verify_key is None)            # nothing to trust it by
                    or (self.peer_keys is not None and key not in self.peer_keys)   # not pinned
                    or (verify_key is not None and verify_key(key) is not True)):   # refused
                raise Fault(_BAD_CERTIFICATE)
        except CertificateError as e:     # from x509, or the callback naming another alert
            raise Fault(e.alert, e.msg)
        return PeerCert(bytes(entries[0]), key)
