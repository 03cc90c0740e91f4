"""Session 10 review of key and certificate loading (x509/keys.py, pem.py, auth.py) and
tools/keygen.py: each test failed before its fix. Runs on both runtimes."""
import os
import sys

from dtls_lite.errors import ConfigError
from dtls_lite.auth import Credentials, PeerAuth
from dtls_lite.x509 import write
from dtls_lite.x509.chain import Verifier
from dtls_lite.x509.errors import CertificateError, BAD_CERTIFICATE, UNSUPPORTED_CERTIFICATE
from dtls_lite.x509.keys import load_private_key, parse_spki, parse_sec1, parse_pkcs8, EcPrivateKey
from dtls_lite.x509.pem import pem_decode, pem_encode
from support import ROOT, MICROPYTHON
import test_x509_fixtures as fx
from test_keygen import _Lines      # collects what keygen.main prints

_EC_PUBLIC_KEY = b'\x2a\x86\x48\xce\x3d\x02\x01'
_P256 = b'\x2a\x86\x48\xce\x3d\x03\x01\x07'


def _cert_error(fn, *args):
    try:
        fn(*args)
    except CertificateError as e:
        return e
    raise AssertionError('no CertificateError')


def test_swapped_certificate_or_public_key_is_not_called_encrypted():
    # a certificate or SPKI given as the private key used to read 'the private key is
    # encrypted': both start SEQUENCE { SEQUENCE ..., as EncryptedPrivateKeyInfo does
    for der in (pem_decode(fx.SERVER_CRT, 'CERTIFICATE'), pem_decode(fx.SERVER_PUB, 'PUBLIC KEY')):
        e = _cert_error(load_private_key, der)
        assert 'not a private key' in str(e) and 'encrypted' not in str(e), e
        try:
            Credentials(der, fx.SERVER_CRT)
        except ConfigError as e:
            assert 'not a private key' in str(e), e
        else:
            raise AssertionError('swapped credentials accepted')
    # EncryptedPrivateKeyInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING }
    enc = write.seq(write.seq(write.tlv(0x06, b'\x2a\x86\x48\x86\xf7\x0d\x01\x05\x0d')),
                    write.tlv(0x04, b'\x00' * 16))
    assert 'encrypted' in str(_cert_error(load_private_key, enc))
    assert 'encrypted' in str(_cert_error(load_private_key, pem_encode('ENCRYPTED PRIVATE KEY', enc)))


def test_the_word_encrypted_outside_the_key_block_is_text():
    # 'ENCRYPTED' anywhere in the file (a comment) used to refuse an unencrypted key
    key = load_private_key(fx.CLIENT_KEY_PKCS8)
    noted = '# UNENCRYPTED device key - keep this file private\n' + fx.CLIENT_KEY_PKCS8
    assert load_private_key(noted).d == key.d
    assert load_private_key(noted.encode()).d == key.d
    # an old-style encrypted block (RFC 1421 headers) is still called encrypted, not bad base64
    body = fx.SERVER_KEY_SEC1.split('\n')
    old_style = '\n'.join(body[:1] + ['Proc-Type: 4,ENCRYPTED',
                                      'DEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF',
                                      ''] + body[1:])
    assert 'encrypted' in str(_cert_error(load_private_key, old_style))


def test_explicit_curve_parameters_are_unsupported_with_a_hint():
    # ECParameters as a SEQUENCE (openssl ec -param_enc explicit) used to give "expected tag
    # 0x06, got 0x30", bad_certificate; now unsupported_certificate (43) that says what to do
    point = parse_spki(fx.SERVER_PUB).point
    explicit = write.seq(write.tlv(0x02, b'\x01'))
    spki = write.seq(write.seq(write.tlv(0x06, _EC_PUBLIC_KEY), explicit),
                     write.tlv(0x03, b'\x00' + point))
    e = _cert_error(parse_spki, spki)
    assert e.alert == UNSUPPORTED_CERTIFICATE and 'param_enc named_curve' in str(e), e
    key = load_private_key(fx.SERVER_KEY_SEC1)
    sec1 = write.seq(write.tlv(0x02, b'\x01'), write.tlv(0x04, key.d), write.tlv(0xa0, explicit))
    e = _cert_error(parse_sec1, sec1)
    assert e.alert == UNSUPPORTED_CERTIFICATE and 'explicit' in str(e), e
    p8 = write.seq(write.tlv(0x02, b'\x00'), write.seq(write.tlv(0x06, _EC_PUBLIC_KEY), explicit),
                   write.tlv(0x04, write.seq(write.tlv(0x02, b'\x01'), write.tlv(0x04, key.d))))
    assert _cert_error(parse_pkcs8, p8).alert == UNSUPPORTED_CERTIFICATE


def test_hybrid_public_point_in_a_private_key_loads():
    # SEC1 §2.3.3 hybrid form 06/07 || X || Y (openssl ec -conv_form hybrid): the key matches
    # its public key, which used to read 'private key does not match its public key'
    key = load_private_key(fx.SERVER_KEY_SEC1)
    point = key.public_key.point
    hybrid = bytes((6 | (point[-1] & 1),)) + point[1:]

    def sec1(public):
        return write.seq(write.tlv(0x02, b'\x01'), write.tlv(0x04, key.d),
                         write.tlv(0xa0, write.tlv(0x06, _P256)),
                         write.tlv(0xa1, write.tlv(0x03, b'\x00' + public)))
    assert parse_sec1(sec1(hybrid)).public_key.point == point
    wrong = bytes((hybrid[0] ^ 1,)) + hybrid[1:]     # the parity bit must still be right
    assert 'does not match' in str(_cert_error(parse_sec1, sec1(wrong)))
    assert isinstance(EcPrivateKey('p256', key.d, hybrid), EcPrivateKey)


def test_peer_keys_one_key_not_in_a_list():
    # one PEM str, SPKI DER or SEC1 point used to be walked character by character
    want = parse_spki(fx.SERVER_PUB)
    der = pem_decode(fx.SERVER_PUB, 'PUBLIC KEY')
    for one in (fx.SERVER_PUB, fx.SERVER_PUB.encode(), der, bytearray(der), memoryview(der),
                want.point):
        assert PeerAuth(peer_keys=one).peer_keys == [want], one
    # a PEM text (or list entry) with several keys gives them all
    both = fx.SERVER_PUB + fx.LEAF384_PUB
    other = parse_spki(fx.LEAF384_PUB)
    assert PeerAuth(peer_keys=both).peer_keys == [want, other]
    assert PeerAuth(peer_keys=[both, der]).peer_keys == [want, other, want]
    try:
        PeerAuth(peer_keys='-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')
    except ConfigError as e:
        assert 'PUBLIC KEY' in str(e), e
    else:
        raise AssertionError('a certificate taken as a peer key')


def test_a_bundle_in_a_list_is_not_cut_to_its_first_certificate():
    bundle = fx.SERVER_CRT + fx.CA_CRT
    assert len(Credentials(fx.SERVER_KEY_SEC1, bundle).chain) == 2
    assert len(Credentials(fx.SERVER_KEY_SEC1, [bundle]).chain) == 2      # was 1
    assert len(Credentials(fx.SERVER_KEY_SEC1, [fx.SERVER_CRT, fx.CA_CRT.encode()]).chain) == 2
    assert len(Verifier([fx.CA_CRT + fx.OTHER_CRT]).anchors) == 2         # was 1
    # in a list entry as in a whole bundle, unsupported roots are skipped, not fatal
    assert len(Verifier([fx.ED_CRT + fx.CA_CRT, fx.OTHER_CRT]).anchors) == 2
    assert len(Verifier(fx.ED_CRT + fx.CA_CRT).anchors) == 1
    e = _cert_error(Verifier, [fx.ED_CRT])
    assert e.alert == BAD_CERTIFICATE and 'no usable certificate' in str(e), e


# -- tools/keygen.py -----------------------------------------------------------------------

def _kg():
    if ROOT + '/tools' not in sys.path:
        sys.path.insert(0, ROOT + '/tools')
    import keygen
    return keygen


def _tmp(files):
    d = '/tmp/dtls_lite_r10_' + ''.join('%02x' % b for b in os.urandom(6))
    os.mkdir(d)
    for name, data in files.items():
        with open(d + '/' + name, 'wb') as f:
            f.write(data.encode() if isinstance(data, str) else data)
    return d


def _clean(d):
    for name in os.listdir(d):
        os.remove(d + '/' + name)
    os.rmdir(d)


def test_keygen_verify_takes_a_bundle_as_the_library_does():
    # an RSA (here Ed25519) root in the --ca bundle used to fail the whole verify
    kg = _kg()
    d = _tmp({'bundle.pem': fx.ED_CRT + fx.CA_CRT, 'server.pem': fx.SERVER_CRT})
    try:
        out = _Lines()
        assert kg.main(['verify', '--ca', d + '/bundle.pem', '--no-time', d + '/server.pem'],
                       out) == 0, out.lines
        assert out.lines[-1].startswith('OK CN=server'), out.lines
    finally:
        _clean(d)


def test_keygen_private_keys_owner_only():
    kg = _kg()
    d = _tmp({'k.pem': fx.SERVER_KEY_SEC1})
    try:
        out = _Lines()
        assert kg.main(['key', '--out', d + '/new.pem'], out) == 0
        assert kg.main(['convert', '--key', d + '/k.pem', '--out', d + '/conv.pem'], out) == 0
        if MICROPYTHON:     # no chmod: it says so
            assert len([x for x in out.lines if 'chmod 600' in x]) == 2, out.lines
        else:
            for name in ('new.pem', 'conv.pem'):
                assert os.stat(d + '/' + name)[0] & 0o777 == 0o600, name
    finally:
        _clean(d)


def test_keygen_show_says_encrypted():
    kg = _kg()
    enc = write.seq(write.seq(write.tlv(0x06, b'\x2a\x86\x48\x86\xf7\x0d\x01\x05\x0d')),
                    write.tlv(0x04, b'\x00' * 16))
    body = fx.SERVER_KEY_SEC1.split('\n')
    old_style = '\n'.join(body[:1] + ['Proc-Type: 4,ENCRYPTED', ''] + body[1:])
    d = _tmp({'e8.der': enc, 'e8.pem': pem_encode('ENCRYPTED PRIVATE KEY', enc),
              'old.pem': old_style, 'spki.der': pem_decode(fx.SERVER_PUB, 'PUBLIC KEY'),
              'cert.der': pem_decode(fx.SERVER_CRT, 'CERTIFICATE')})
    try:
        for name in ('e8.der', 'e8.pem', 'old.pem'):
            out = _Lines()
            assert kg.main(['show', d + '/' + name], out) == 1
            assert 'encrypted' in out.lines[-1], (name, out.lines)
        out = _Lines()
        assert kg.main(['show', d + '/spki.der'], out) == 0 and out.lines[0].startswith('public key')
        assert kg.main(['show', d + '/cert.der'], out) == 0 and out.lines[1].startswith('subject: CN=server')
    finally:
        _clean(d)


def test_keygen_common_name_length():
    # RFC 5280 appendix A: X520CommonName is 1..64 characters; openssl req refuses others
    kg = _kg()
    d = _tmp({'k.pem': fx.SERVER_KEY_SEC1})
    try:
        for cn, status in (('', 2), ('x' * 65, 2), ('x' * 64, 0)):
            out = _Lines()
            got = kg.main(['selfsigned', '--key', d + '/k.pem', '--cn', cn, '--out',
                           d + '/c.pem'], out)
            assert got == status, (len(cn), out.lines)
            if status:
                assert '1 to 64 characters' in out.lines[-1], out.lines
    finally:
        _clean(d)


def test_an_encrypted_key_beside_a_certificate_does_not_hide_it():
    # one file with a certificate and an old-style encrypted key: loading the certificates
    # failed on the key block (bad base64, then 'encrypted'); the key alone says encrypted
    from dtls_lite.x509.cert import load_certificates
    body = fx.SERVER_KEY_SEC1.split('\n')
    old_style = '\n'.join(body[:1] + ['Proc-Type: 4,ENCRYPTED', ''] + body[1:])
    combo = fx.SERVER_CRT + old_style
    assert len(load_certificates(combo)) == 1
    assert len(Credentials(fx.SERVER_KEY_SEC1, combo).chain) == 1
    assert 'encrypted' in str(_cert_error(load_private_key, combo))
    assert 'encrypted' in str(_cert_error(pem_decode, old_style, 'EC PRIVATE KEY'))
