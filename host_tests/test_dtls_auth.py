"""Certificate and raw-public-key authentication (dtls_lite/auth.py) on both runtimes: our
credentials in every form get_ecdsa_key may return, ServerKeyExchange and CertificateVerify
signatures made and checked, the peer's Certificate judged (X.509 through x509.chain, raw keys
through verify_ecdsa_key / pinned keys), RFC 7250 type negotiation, and each failure's alert.

Fixtures: test_x509_fixtures.py (OpenSSL-made, test-only keys; fixed clock fx.NOW)."""
import hashlib

from dtls_lite import auth
from dtls_lite import msg_cert as mc
from dtls_lite.errors import (Fault, ConfigError, BAD_CERTIFICATE, DECRYPT_ERROR, DECODE_ERROR,
                              HANDSHAKE_FAILURE, ILLEGAL_PARAMETER)
from dtls_lite.crypto.sha2 import SHA384
from dtls_lite.crypto.util import SeededRng
from dtls_lite.x509.chain import Verifier
from dtls_lite.x509.errors import (CertificateError, UNSUPPORTED_CERTIFICATE,
                                   CERTIFICATE_EXPIRED, UNKNOWN_CA)
from dtls_lite.x509.keys import load_private_key, parse_spki, EcPrivateKey
from dtls_lite.x509.pem import pem_decode
import test_x509_fixtures as fx
from support import alert_of

X509 = mc.CERT_TYPE_X509
RPK = mc.CERT_TYPE_RAW_PUBLIC_KEY


def _der(pem):
    return pem_decode(pem, 'CERTIFICATE')


def _fault(fn, *args, **kw):
    return alert_of(Fault, fn, *args, **kw)


def _config_error(fn, *args, **kw):
    try:
        fn(*args, **kw)
    except ConfigError:
        return True
    raise AssertionError('no ConfigError raised')


SERVER = auth.Credentials(fx.SERVER_KEY_SEC1, fx.SERVER_CRT + fx.CA_CRT)
CLIENT = auth.Credentials(fx.CLIENT_KEY_PKCS8, fx.CLIENT_CRT)
RPK384 = auth.Credentials(fx.LEAF384_KEY_SEC1)              # a bare P-384 key: raw public key only


def _server_verifier(**kw):
    return Verifier(fx.CA_CRT, clock=lambda: fx.NOW, purpose='server', **kw)


def test_credentials_from_pem():
    assert SERVER.chain == [_der(fx.SERVER_CRT), _der(fx.CA_CRT)]
    assert SERVER.cert_types() == (X509, RPK)
    assert SERVER.entries(X509) == SERVER.chain
    # RFC 7250: the raw public key is the leaf's SubjectPublicKeyInfo, as OpenSSL writes it
    assert SERVER.spki == pem_decode(fx.SERVER_PUB, 'PUBLIC KEY')
    assert SERVER.entries(RPK) == [SERVER.spki]
    assert SERVER.public_key == parse_spki(fx.SERVER_PUB)
    assert CLIENT.key.curve == 'p256' and CLIENT.chain == [_der(fx.CLIENT_CRT)]
    assert RPK384.cert_types() == (RPK,) and RPK384.chain == []
    assert RPK384.spki == pem_decode(fx.LEAF384_PUB, 'PUBLIC KEY')
    assert _config_error(RPK384.entries, X509)


def test_credentials_every_accepted_form():
    key = load_private_key(fx.SERVER_KEY_SEC1)
    point = key.public_key.point
    forms = [
        {'private_key': fx.SERVER_KEY_SEC1, 'certificates': fx.SERVER_CRT},
        {'private_key': key, 'chain': [_der(fx.SERVER_CRT)], 'public_key': fx.SERVER_PUB},
        {'priv_key': key.d, 'pub_key_x': point[1:33], 'pub_key_y': point[33:],
         'curve': 'secp256r1'},                               # tinydtls's dtls_ecdsa_key_t
        fx.SERVER_KEY_SEC1 + fx.SERVER_CRT,                   # one combined PEM file
        fx.SERVER_KEY_SEC1.encode(),
        key,
    ]

    class Obj:
        private_key = key.to_pkcs8()
        certificate = _der(fx.SERVER_CRT)
    forms.append(Obj())
    for i, form in enumerate(forms):
        creds = auth.credentials(form)
        assert creds.public_key == key.public_key, i
        assert creds.spki == SERVER.spki, i
        has_chain = i in (0, 1, 3, 6)
        assert creds.chain == ([_der(fx.SERVER_CRT)] if has_chain else []), i
    assert auth.credentials(None) is None
    assert auth.credentials(SERVER) is SERVER


def test_credentials_misconfigured():
    assert _config_error(auth.Credentials, fx.SERVER_KEY_SEC1, fx.CLIENT_CRT)   # not its cert
    assert _config_error(auth.Credentials, fx.SERVER_KEY_SEC1, public_key=fx.LEAF384_PUB)
    assert _config_error(auth.Credentials, b'not a key')
    assert _config_error(auth.Credentials, bytes(32))                           # scalar 0
    assert _config_error(auth.Credentials, bytes(31) + b'\x01', curve='secp521r1')
    assert _config_error(auth.credentials, {'certificates': fx.SERVER_CRT})    # no key
    assert _config_error(auth.PeerAuth, peer_keys=[b'junk'])


def test_credential_cache_parses_once():
    cache = auth.CredentialCache()
    value = {'private_key': fx.SERVER_KEY_SEC1}
    first = cache.get(value)
    assert cache.get(value) is first
    assert cache.get({'private_key': fx.SERVER_KEY_SEC1}) is first         # equal contents
    assert cache.get({'private_key': fx.CLIENT_KEY_PKCS8}) is not first     # another key
    assert cache.get(SERVER) is SERVER and cache.get(None) is None


def test_choose_signature_algorithm():
    sha256, sha384 = mc.SIG_ECDSA_SHA256, mc.SIG_ECDSA_SHA384
    assert SERVER.choose_sig_alg([0x0601, sha384, sha256]) == sha256   # the curve's own hash first
    assert SERVER.choose_sig_alg([sha384]) == sha384                   # TLS 1.2: any hash, any curve
    assert RPK384.choose_sig_alg([sha256, sha384]) == sha384
    assert RPK384.choose_sig_alg([sha256]) == sha256
    assert SERVER.choose_sig_alg([0x0401, 0x0804]) is None             # RSA only
    assert SERVER.choose_sig_alg(None) == sha256 and RPK384.choose_sig_alg(None) == sha384


CR, SR = bytes(range(32)), bytes(range(32, 64))


def _ske(creds, alg, group=23, point=None):
    if point is None:
        point = b'\x04' + bytes(range(64))
    params = mc.write_ecdh_params(group, point)
    return auth.sign_server_params(creds, alg, CR, SR, params, SeededRng(1))


def test_server_key_exchange_sign_verify():
    offered = auth.SIGNATURE_ALGORITHMS
    for creds in (SERVER, RPK384):
        for alg in offered:
            body = _ske(creds, alg)
            group, point, params, got_alg, sig = mc.parse_server_key_exchange(body)
            assert (group, got_alg) == (23, alg)
            auth.verify_server_params(creds.public_key, offered, alg, sig, CR, SR, params)
            # RFC 8422 §5.4: the signature covers both randoms and the params
            for cr, sr, p in ((SR, CR, params), (CR, CR, params), (CR, SR, params[:-1] + b'\x00')):
                assert _fault(auth.verify_server_params, creds.public_key, offered, alg, sig,
                              cr, sr, p) == DECRYPT_ERROR
            bad = bytearray(sig)
            bad[-1] ^= 1
            assert _fault(auth.verify_server_params, creds.public_key, offered, alg, bytes(bad),
                          CR, SR, params) == DECRYPT_ERROR
    body = _ske(SERVER, mc.SIG_ECDSA_SHA256)
    group, point, params, alg, sig = mc.parse_server_key_exchange(body)
    # signed by another key, garbage, empty: decrypt_error
    for key, s in ((RPK384.public_key, sig), (SERVER.public_key, b'\x30\x00'),
                   (SERVER.public_key, b'')):
        assert _fault(auth.verify_server_params, key, offered, alg, s, CR, SR, params) == DECRYPT_ERROR
    # an algorithm we did not list (or do not know) is illegal_parameter
    assert _fault(auth.verify_server_params, SERVER.public_key, [mc.SIG_ECDSA_SHA384], alg, sig,
                  CR, SR, params) == ILLEGAL_PARAMETER
    assert _fault(auth.verify_server_params, SERVER.public_key, [0x0603], 0x0603, sig,
                  CR, SR, params) == ILLEGAL_PARAMETER


def test_server_key_exchange_deterministic_bytes():
    # The signature is the RFC 6979 one (test_ecdsa.py checks that code against the RFC's own
    # answers) over client_random + server_random + params, whatever the rng: the same bytes on
    # both runtimes and on every run. Comparing a message with a second one made the same way
    # could not fail.
    from dtls_lite.crypto import ecdsa, p256
    params = mc.write_ecdh_params(23, b'\x04' + bytes(range(64)))
    for alg, hash_new in ((mc.SIG_ECDSA_SHA256, hashlib.sha256), (mc.SIG_ECDSA_SHA384, SHA384.new)):
        body = _ske(SERVER, alg)
        assert body[:69] == params
        assert body[69:71] == bytes((alg >> 8, alg & 0xff)) and (body[71] << 8 | body[72]) == len(body) - 73
        h = hash_new()
        h.update(CR + SR + params)
        digest = h.digest()
        assert body[73:] == ecdsa.sign(p256.CURVE, SERVER.key.d, digest), alg
        assert p256.verify(SERVER.public_key.point, digest, body[73:])
        assert auth.sign_server_params(SERVER, alg, CR, SR, params, SeededRng(99)) == body


MESSAGES = [b'\x01' * 100, b'\x02' * 70, b'\x0b' * 600, b'\x10' * 80]


def test_transcript_digest_is_hash_of_the_messages():
    joined = b''.join(MESSAGES)
    assert auth.transcript_digest(mc.SIG_ECDSA_SHA256, MESSAGES) == hashlib.sha256(joined).digest()
    assert auth.transcript_digest(mc.SIG_ECDSA_SHA384, MESSAGES) == SHA384.hash(joined)
    assert (auth.transcript_digest(mc.SIG_ECDSA_SHA256, MESSAGES, 2)
            == hashlib.sha256(MESSAGES[0] + MESSAGES[1]).digest())


def test_certificate_verify_sign_verify():
    offered = auth.SIGNATURE_ALGORITHMS
    for creds in (CLIENT, RPK384):
        for alg in offered:
            body = auth.sign_transcript(creds, alg, MESSAGES, rng=SeededRng(2))
            assert mc.parse_certificate_verify(body)[0] == alg
            # the server holds the CertificateVerify itself as the last message: count excludes it
            held = MESSAGES + [b'\x0f' + body]
            auth.verify_transcript(creds.public_key, offered, body, held, len(MESSAGES))
            assert _fault(auth.verify_transcript, creds.public_key, offered, body, held) == DECRYPT_ERROR
            changed = MESSAGES[:2] + [b'\x0b' * 599 + b'\x0c'] + MESSAGES[3:]
            assert _fault(auth.verify_transcript, creds.public_key, offered, body,
                          changed) == DECRYPT_ERROR
    body = auth.sign_transcript(CLIENT, mc.SIG_ECDSA_SHA256, MESSAGES)
    assert _fault(auth.verify_transcript, SERVER.public_key, offered, body, MESSAGES) == DECRYPT_ERROR
    assert _fault(auth.verify_transcript, CLIENT.public_key, [mc.SIG_ECDSA_SHA384], body,
                  MESSAGES) == ILLEGAL_PARAMETER
    assert _fault(auth.verify_transcript, CLIENT.public_key, offered, body[:-1],
                  MESSAGES) == DECODE_ERROR


def test_peer_x509_chain():
    pa = auth.PeerAuth(verifier=_server_verifier())
    assert pa.cert_types() == [X509]
    peer = pa.authenticate(X509, [_der(fx.SERVER_CRT), _der(fx.CA_CRT)], hostname='localhost')
    assert peer.cert_type == 'x509' and peer.der == _der(fx.SERVER_CRT)
    assert peer.subject == 'CN=server,O=dtls_lite test'
    assert peer.issuer == 'CN=Test CA,O=dtls_lite test,C=DE'
    assert peer.serial > 0
    assert (peer.not_before, peer.not_after) == (fx.NOT_BEFORE, fx.NOT_AFTER)
    assert peer.public_key == SERVER.public_key
    # a P-384 chain
    pa384 = auth.PeerAuth(verifier=Verifier(fx.CA384_CRT, clock=lambda: fx.NOW))
    peer = pa384.authenticate(X509, [_der(fx.LEAF384_CRT)])
    assert peer.public_key == RPK384.public_key and peer.subject == 'CN=leaf P-384'


def test_peer_x509_negatives():
    pa = auth.PeerAuth(verifier=_server_verifier())
    server = _der(fx.SERVER_CRT)
    expired = auth.PeerAuth(verifier=Verifier(fx.CA_CRT, clock=lambda: fx.NOT_AFTER + 1))
    assert _fault(expired.authenticate, X509, [server]) == CERTIFICATE_EXPIRED
    assert _fault(pa.authenticate, X509, [_der(fx.LEAF_OTHER_CRT)]) == UNKNOWN_CA       # wrong CA
    assert _fault(pa.authenticate, X509, [_der(fx.LEAF_KEYAGREE_CRT)]) == UNSUPPORTED_CERTIFICATE
    assert _fault(pa.authenticate, X509, [_der(fx.CLIENT_CRT)]) == UNSUPPORTED_CERTIFICATE  # EKU
    bad_sig = bytearray(server)
    bad_sig[-3] ^= 0x01                                   # inside the signature's s
    assert _fault(pa.authenticate, X509, [bytes(bad_sig)]) == BAD_CERTIFICATE
    assert _fault(pa.authenticate, X509, [server[:-1]]) == BAD_CERTIFICATE    # truncated DER
    assert _fault(pa.authenticate, X509, [server], hostname='other.example') == BAD_CERTIFICATE
    assert _fault(pa.authenticate, X509, []) == HANDSHAKE_FAILURE
    assert _fault(auth.PeerAuth().authenticate, X509, [server]) == UNSUPPORTED_CERTIFICATE
    # a raw key where X.509 was negotiated
    assert _fault(pa.authenticate, X509, [SERVER.spki]) == BAD_CERTIFICATE
    # nothing was kept: the same PeerAuth still accepts a good chain
    assert pa.authenticate(X509, [server]).public_key == SERVER.public_key


def test_peer_x509_application_callback_pins_or_overrides():
    seen = []

    def callback(leaf, error):
        seen.append(error.alert if error is not None else None)
        return leaf.common_name == 'leaf of other CA'
    pa = auth.PeerAuth(verifier=_server_verifier(callback=callback))
    assert pa.authenticate(X509, [_der(fx.LEAF_OTHER_CRT)]).subject == 'CN=leaf of other CA'
    assert _fault(pa.authenticate, X509, [_der(fx.SERVER_CRT)]) == BAD_CERTIFICATE
    assert seen == [UNKNOWN_CA, None]


def test_peer_raw_public_key():
    calls = []

    def accept(key):
        calls.append(key)
        return True
    pa = auth.PeerAuth()
    assert pa.cert_types() == [] and pa.cert_types(accept) == [RPK]
    peer = pa.authenticate(RPK, [SERVER.spki], verify_key=accept)
    assert peer.cert_type == 'raw_public_key' and peer.der == SERVER.spki
    assert peer.public_key == SERVER.public_key and calls == [SERVER.public_key]
    assert peer.subject is None and peer.serial is None and peer.not_after is None
    peer = pa.authenticate(RPK, [RPK384.spki], verify_key=accept)
    assert peer.public_key.curve == 'p384'
    # pinned keys, with or without a callback
    pinned = auth.PeerAuth(peer_keys=[fx.SERVER_PUB, RPK384.public_key.point])
    assert pinned.cert_types() == [RPK]
    assert pinned.authenticate(RPK, [SERVER.spki]).public_key == SERVER.public_key
    assert pinned.authenticate(RPK, [RPK384.spki]).public_key == RPK384.public_key
    both = auth.PeerAuth(verifier=_server_verifier(), verify_key=accept)
    assert both.cert_types() == [X509, RPK]
    assert both.authenticate(RPK, [SERVER.spki]).public_key == SERVER.public_key


def test_peer_raw_public_key_negatives():
    pa = auth.PeerAuth()
    # verify_ecdsa_key says no: False, None, or tinydtls's 0 (which meant "accept" in C)
    for answer in (False, None, 0, 1):
        assert _fault(pa.authenticate, RPK, [SERVER.spki],
                      verify_key=lambda key: answer) == BAD_CERTIFICATE
    # no way to trust a raw key at all: fail closed
    assert _fault(pa.authenticate, RPK, [SERVER.spki]) == BAD_CERTIFICATE
    # mismatched key: pinned to another key; the callback cannot override a pin
    pinned = auth.PeerAuth(peer_keys=[fx.SERVER_PUB], verify_key=lambda key: True)
    assert _fault(pinned.authenticate, RPK, [CLIENT.spki]) == BAD_CERTIFICATE
    assert _fault(pinned.authenticate, RPK, [CLIENT.spki],
                  verify_key=lambda key: True) == BAD_CERTIFICATE

    def specific(key):
        raise CertificateError(UNSUPPORTED_CERTIFICATE, 'not a key we take')
    assert _fault(pa.authenticate, RPK, [SERVER.spki], verify_key=specific) == UNSUPPORTED_CERTIFICATE
    accept = auth.PeerAuth(verify_key=lambda key: True)
    assert _fault(accept.authenticate, RPK, [SERVER.spki[:-1]]) == BAD_CERTIFICATE   # truncated
    assert _fault(accept.authenticate, RPK, [SERVER.spki + b'\x00']) == BAD_CERTIFICATE
    assert _fault(accept.authenticate, RPK, [_der(fx.SERVER_CRT)]) == BAD_CERTIFICATE  # a cert
    # a key on a curve we do not do (secp256k1): unsupported_certificate
    from dtls_lite.x509 import der
    from dtls_lite.x509.write import seq, tlv, bit_string
    k1 = seq(seq(tlv(der.OID, der.OID_EC_PUBLIC_KEY), tlv(der.OID, b'\x2b\x81\x04\x00\x0a')),
             bit_string(SERVER.public_key.point))
    assert _fault(accept.authenticate, RPK, [k1]) == UNSUPPORTED_CERTIFICATE
    # a point not on the curve
    off = bytearray(SERVER.spki)
    off[-1] ^= 1
    assert _fault(accept.authenticate, RPK, [bytes(off)]) == BAD_CERTIFICATE
    assert accept.authenticate(RPK, [SERVER.spki]).public_key == SERVER.public_key


def test_certificate_type_negotiation():
    # server side (RFC 7250 §4.2): client's preference order, absent extension = X.509
    assert auth.select_cert_type(None, SERVER.cert_types()) == X509
    assert auth.select_cert_type([RPK, X509], (X509, RPK)) == RPK
    assert auth.select_cert_type([X509, RPK], (X509, RPK)) == X509
    assert auth.select_cert_type([X509, RPK], RPK384.cert_types()) == RPK
    assert _fault(auth.select_cert_type, [RPK], (X509,)) == UNSUPPORTED_CERTIFICATE
    assert _fault(auth.select_cert_type, None, (RPK,)) == UNSUPPORTED_CERTIFICATE
    assert _fault(auth.select_cert_type, [1, 3], (X509, RPK)) == UNSUPPORTED_CERTIFICATE
    # client side: the ServerHello's choice must be one we offered
    assert auth.check_cert_type(None, None) == X509
    assert auth.check_cert_type(RPK, [RPK]) == RPK
    assert auth.check_cert_type(X509, [RPK, X509]) == X509
    assert auth.check_cert_type(None, [X509, RPK]) == X509
    assert _fault(auth.check_cert_type, None, [RPK]) == UNSUPPORTED_CERTIFICATE  # ignored by server
    assert _fault(auth.check_cert_type, RPK, None) == ILLEGAL_PARAMETER
    assert _fault(auth.check_cert_type, 1, [RPK, X509]) == ILLEGAL_PARAMETER


def test_answer_certificate_request():
    cr = mc.parse_certificate_request(auth.write_certificate_request())
    assert cr.certificate_types == bytes((mc.ECDSA_SIGN,))
    assert cr.signature_algorithms == list(auth.SIGNATURE_ALGORITHMS)
    assert cr.certificate_authorities == []
    assert auth.answer_request(CLIENT, cr, X509) == ([_der(fx.CLIENT_CRT)], mc.SIG_ECDSA_SHA256)
    assert auth.answer_request(CLIENT, cr, RPK) == ([CLIENT.spki], mc.SIG_ECDSA_SHA256)
    assert auth.answer_request(RPK384, cr, RPK) == ([RPK384.spki], mc.SIG_ECDSA_SHA384)
    # nothing suitable: an empty Certificate (RFC 5246 §7.4.6), never a failure on our side
    assert auth.answer_request(None, cr, X509) == ([], None)
    assert auth.answer_request(RPK384, cr, X509) == ([], None)           # no chain
    rsa_only = mc.CertificateRequest((1,), [0x0401])
    assert auth.answer_request(CLIENT, rsa_only, X509) == ([], None)
    ecdsa_rsa_algs = mc.CertificateRequest((64,), [0x0401, 0x0804])
    assert auth.answer_request(CLIENT, ecdsa_rsa_algs, X509) == ([], None)
    sha384_only = mc.CertificateRequest((1, 64), [0x0503])
    assert auth.answer_request(CLIENT, sha384_only, X509)[1] == mc.SIG_ECDSA_SHA384
    ca_names = mc.parse_certificate_request(auth.write_certificate_request([b'\x30\x00']))
    assert ca_names.certificate_authorities == [b'\x30\x00']


def test_generated_keys_work_too():
    # a key made on the device (no PEM at all) signs and is judged as a raw public key
    key = EcPrivateKey.generate('p256', SeededRng(3))
    creds = auth.Credentials(key)
    body = auth.sign_transcript(creds, mc.SIG_ECDSA_SHA256, MESSAGES)
    peer = auth.PeerAuth(peer_keys=[creds.spki]).authenticate(RPK, creds.entries(RPK))
    auth.verify_transcript(peer.public_key, auth.SIGNATURE_ALGORITHMS, body, MESSAGES)
