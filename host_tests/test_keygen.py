"""Our certificate writer and tools/keygen.py, read back by our own parser and verifier.

Runs on both runtimes: what the writer makes on MicroPython must parse and validate there too.
OpenSSL's view of the same output is checked in test_host_x509_openssl.py.
"""
import hashlib
import os
import sys

from dtls_lite.crypto.util import SeededRng
from dtls_lite.x509 import write
from dtls_lite.x509.cert import (parse_certificate, KU_DIGITAL_SIGNATURE, KU_KEY_CERT_SIGN,
                                 KU_CRL_SIGN, EKU_SERVER_AUTH, EKU_CLIENT_AUTH)
from dtls_lite.x509.chain import Verifier
from dtls_lite.x509.errors import (CertificateError, BAD_CERTIFICATE, CERTIFICATE_EXPIRED,
                                   UNKNOWN_CA, UNSUPPORTED_CERTIFICATE)
from dtls_lite.x509.keys import EcPrivateKey, load_private_key, parse_spki
from dtls_lite.x509.name import name_to_str
from support import ROOT, alert_of

T0 = write.epoch_seconds(2030, 6, 1)
YEAR = 365 * 86400


def _key(curve, seed):
    return EcPrivateKey.generate(curve, SeededRng(seed))


def _cert(subject_cn, key, issuer_cn, issuer_key, **kw):
    kw.setdefault('rng', SeededRng(subject_cn))
    start = kw.pop('start', T0 - YEAR)
    end = kw.pop('end', T0 + YEAR)
    return write.build_certificate(write.name([('CN', subject_cn)]), key.public_key,
                                   write.name([('CN', issuer_cn)]), issuer_key, start, end, **kw)


def _alert(fn, *args, **kw):
    return alert_of(CertificateError, fn, *args, **kw)


def _pki(curve='p256'):
    ca_key = _key(curve, 'ca' + curve)
    ca = _cert('CA', ca_key, 'CA', ca_key, is_ca=True)
    leaf_key = _key('p256', 'leaf')
    leaf = _cert('leaf', leaf_key, 'CA', ca_key, dns_names=('localhost', 'dev.example'),
                 ip_addresses=('127.0.0.1', '::1'), ext_key_usage=(write.OID_SERVER_AUTH,))
    return ca_key, ca, leaf_key, leaf


def test_written_certificates_parse_field_by_field():
    ca_key, ca_der, leaf_key, leaf_der = _pki()
    ca = parse_certificate(ca_der)
    assert ca.version == 3 and ca.is_ca and ca.path_len is None and ca.is_self_issued()
    assert ca.key_usage == KU_KEY_CERT_SIGN | KU_CRL_SIGN and ca.sig_alg == 'ecdsa-sha256'
    # RFC 5280 §4.2.1.2 method 1: SHA-1 over the subjectPublicKey bits.
    assert ca.subject_key_id == hashlib.sha1(ca_key.public_key.point).digest()
    assert ca.authority_key_id == ca.subject_key_id
    leaf = parse_certificate(leaf_der)
    assert leaf.subject == 'CN=leaf' and leaf.issuer == 'CN=CA'
    assert leaf.not_before == T0 - YEAR and leaf.not_after == T0 + YEAR
    assert leaf.public_key == leaf_key.public_key
    assert leaf.basic_constraints and not leaf.is_ca
    assert leaf.key_usage == KU_DIGITAL_SIGNATURE and leaf.ext_key_usage == [EKU_SERVER_AUTH]
    assert leaf.subject_alt_names == [('DNS', 'localhost'), ('DNS', 'dev.example'),
                                      ('IP', '127.0.0.1'), ('IP', '::1')]
    assert leaf.authority_key_id == ca.subject_key_id
    # Serial: 16 random octets, positive, top octet 0x40..0x7f so the length never varies.
    assert 2 ** 126 <= leaf.serial < 2 ** 127 and leaf.serial != ca.serial
    # Deterministic with a seeded RNG (RFC 6979 signatures, seeded serial).
    assert _pki()[3] == leaf_der


def test_written_chain_validates():
    ca_key, ca, leaf_key, leaf = _pki()
    v = Verifier([ca], clock=lambda: T0, purpose='server')
    assert v.verify([leaf], hostname='dev.example').common_name == 'leaf'
    assert v.verify([leaf, ca], hostname='::1').common_name == 'leaf'
    # A P-384 CA signs with ecdsa-with-SHA384, here over a P-256 leaf.
    ca_key, ca, leaf_key, leaf = _pki('p384')
    assert parse_certificate(leaf).sig_alg == 'ecdsa-sha384'
    assert Verifier([ca], clock=lambda: T0).verify([leaf]).public_key.curve == 'p256'


def test_written_intermediates_and_negatives():
    root_key = _key('p256', 'root')
    root = _cert('root', root_key, 'root', root_key, is_ca=True, path_len=1)
    mid_key = _key('p256', 'mid')
    mid = _cert('mid', mid_key, 'root', root_key, is_ca=True, path_len=0)
    sub_key = _key('p256', 'sub')
    sub = _cert('sub', sub_key, 'mid', mid_key, is_ca=True)
    leaf_key = _key('p256', 'leaf')
    leaf = _cert('leaf', leaf_key, 'mid', mid_key)
    deep = _cert('deep', leaf_key, 'sub', sub_key)
    v = Verifier([root], clock=lambda: T0)
    assert v.verify([leaf, mid]).common_name == 'leaf'
    assert _alert(v.verify, [deep, sub, mid]) == UNKNOWN_CA                 # mid pathlen 0
    assert Verifier([mid], clock=lambda: T0).verify([leaf]).common_name == 'leaf'
    # Time: expired leaf, not-yet-valid leaf, expired intermediate.
    old = _cert('old', leaf_key, 'mid', mid_key, start=T0 - 2 * YEAR, end=T0 - 1)
    assert _alert(v.verify, [old, mid]) == CERTIFICATE_EXPIRED
    new = _cert('new', leaf_key, 'mid', mid_key, start=T0 + 1, end=T0 + 2 * YEAR)
    assert _alert(v.verify, [new, mid]) == BAD_CERTIFICATE
    old_mid = _cert('mid', mid_key, 'root', root_key, is_ca=True, end=T0 - 1)
    assert _alert(v.verify, [leaf, old_mid]) == CERTIFICATE_EXPIRED
    assert Verifier([root], check_time=False).verify([old, mid]).common_name == 'old'
    # Key usage: a CA without keyCertSign; a leaf without digitalSignature.
    weak_mid = _cert('mid', mid_key, 'root', root_key, is_ca=True, key_usage=KU_CRL_SIGN)
    assert _alert(v.verify, [leaf, weak_mid]) == UNKNOWN_CA
    ka = _cert('ka', leaf_key, 'mid', mid_key, key_usage=write.KU_KEY_AGREEMENT)
    assert _alert(v.verify, [ka, mid]) == UNSUPPORTED_CERTIFICATE
    # A non-CA issuer; and a client-only leaf used as a server.
    fake_mid = _cert('mid', mid_key, 'root', root_key)
    assert _alert(v.verify, [leaf, fake_mid]) == UNKNOWN_CA
    client = _cert('c', leaf_key, 'mid', mid_key, ext_key_usage=(write.OID_CLIENT_AUTH,))
    assert parse_certificate(client).ext_key_usage == [EKU_CLIENT_AUTH]
    assert _alert(Verifier([root], clock=lambda: T0, purpose='server').verify,
                  [client, mid]) == UNSUPPORTED_CERTIFICATE
    # Signed by the wrong key under the right name.
    other_key = _key('p256', 'other')
    forged = _cert('forged', leaf_key, 'mid', other_key)
    assert _alert(v.verify, [forged, mid]) == BAD_CERTIFICATE


def test_written_names_round_trip():
    n = write.name([('C', 'DE'), ('O', 'A, B + C'), ('OU', ' lead'), ('CN', 'x#y<z>'),
                    ('emailAddress', 'a@b.c'), ('DC', 'dev')])
    assert name_to_str(n) == 'DC=dev,emailAddress=a@b.c,CN=x#y\\<z\\>,OU=\\ lead,O=A\\, B \\+ C,C=DE'
    utf8 = write.name([('CN', 'Gr\u00fc\u00dfe \u2603')])
    assert name_to_str(utf8) == 'CN=Gr\u00fc\u00dfe \u2603'


def test_written_keys_round_trip():
    for curve in ('p256', 'p384'):
        k = _key(curve, 'rt' + curve)
        for blob in (k.to_pem(), k.to_pem(pkcs8=False), k.to_pkcs8(), k.to_sec1()):
            back = load_private_key(blob)
            assert back.curve == curve and back.d == k.d and back.public_key == k.public_key
        assert parse_spki(k.public_key.spki()) == k.public_key


# -- tools/keygen.py, run in-process ---------------------------------------------------------

def _keygen():
    if ROOT + '/tools' not in sys.path:
        sys.path.insert(0, ROOT + '/tools')
    import keygen
    return keygen


def _tmpdir():
    path = '/tmp/dtls_lite_keygen_' + ''.join('%02x' % b for b in os.urandom(6))
    os.mkdir(path)
    return path


def _rmtree(path):
    for name in os.listdir(path):
        full = path + '/' + name
        try:
            os.remove(full)
        except OSError:
            _rmtree(full)
    os.rmdir(path)


def _read(path):
    with open(path, 'rb') as f:
        return f.read()


class _Lines:
    """Collects what keygen.main prints."""

    def __init__(self):
        self.lines = []

    def __call__(self, text):
        self.lines.append(text)

    def text(self):
        out = '\n'.join(self.lines)
        self.lines = []
        return out


def test_keygen_arg_parser():
    kg = _keygen()
    out = _Lines()
    assert kg.parse_args(['key', '--curve', 'p384', '--out', 'k', '--sec1']) == \
        ('key', {'curve': 'p384', 'out': 'k', 'sec1': True}, [])
    assert kg.parse_args(['issue', '--dns', 'a', '--dns', 'b', '--ip', '::1']) == \
        ('issue', {'dns': ['a', 'b'], 'ip': ['::1']}, [])
    assert kg.parse_args(['verify', '--ca', 'c', 'x', 'y'])[2] == ['x', 'y']
    for bad in ([], ['nope'], ['key', '--nope'], ['key', '--out']):
        try:
            kg.parse_args(bad)
        except kg.UsageError:
            pass
        else:
            raise AssertionError(bad)
    assert kg.main(['key', '--curve', 'p999', '--out', '/nonexistent/x'], out) == 2
    assert '--curve is p256 or p384' in out.text()
    assert kg.main(['key'], out) == 2 and '--out is required' in out.text()
    assert kg.main(['show', '/nonexistent/x'], out) == 1 and 'error' in out.text()


def test_keygen_commands_end_to_end():
    kg = _keygen()
    out = _Lines()
    d = _tmpdir()
    try:
        assert kg.main(['ca', '--out-dir', d + '/pki', '--days', '30']) == 0
        ca = parse_certificate(_read(d + '/pki/ca.crt'))
        server = parse_certificate(_read(d + '/pki/server.crt'))
        client = parse_certificate(_read(d + '/pki/client.crt'))
        assert ca.is_ca and server.issuer == ca.subject and client.issuer == ca.subject
        assert server.dns_names == ['localhost'] and server.ip_addresses == ['127.0.0.1']
        assert server.not_after - server.not_before == 30 * 86400 + kg._SKEW
        v = Verifier([ca])   # real wall clock: the certificates were just made
        assert v.verify([server.der], hostname='localhost').common_name == 'server'
        assert Verifier([ca], purpose='client').verify([client.der]).common_name == 'client'
        assert load_private_key(_read(d + '/pki/server.key')).public_key == server.public_key
        assert parse_spki(_read(d + '/pki/client.pub.pem')) == client.public_key
        assert kg.main(['verify', '--ca', d + '/pki/ca.crt', '--purpose', 'server',
                        '--host', 'localhost', d + '/pki/server.crt'], out) == 0
        assert out.text() == 'OK CN=server'
        assert kg.main(['verify', '--ca', d + '/pki/ca.crt', '--purpose', 'server',
                        d + '/pki/client.crt'], out) == 1
        assert out.text() == 'FAIL alert 43: extKeyUsage forbids server'
        assert kg.main(['verify', '--ca', d + '/pki/server.crt', d + '/pki/client.crt'], out) == 1
        assert out.text().startswith('FAIL alert 48: no trust anchor')

        k = d + '/k.der'
        assert kg.main(['key', '--curve', 'p384', '--out', k, '--sec1', '--der']) == 0
        key = load_private_key(_read(k))
        assert key.curve == 'p384' and _read(k) == key.to_sec1()
        assert kg.main(['convert', '--key', k, '--out', d + '/k.pem']) == 0
        assert _read(d + '/k.pem').startswith(b'-----BEGIN PRIVATE KEY-----')
        assert kg.main(['selfsigned', '--key', d + '/k.pem', '--cn', 'dev', '--days', '2',
                        '--dns', 'dev.local', '--ip', '10.0.0.1', '--out', d + '/s.der',
                        '--der']) == 0
        s = parse_certificate(_read(d + '/s.der'))
        assert s.is_self_issued() and not s.is_ca and s.sig_alg == 'ecdsa-sha384'
        assert s.subject_alt_names == [('DNS', 'dev.local'), ('IP', '10.0.0.1')]
        assert Verifier([s]).verify([s.der]).common_name == 'dev'    # pinned
        assert kg.main(['issue', '--ca-key', d + '/pki/ca.key', '--ca-cert', d + '/pki/ca.crt',
                        '--key', k, '--cn', 'both', '--server', '--client',
                        '--out', d + '/both.crt']) == 0
        both = parse_certificate(_read(d + '/both.crt'))
        assert both.ext_key_usage == [EKU_SERVER_AUTH, EKU_CLIENT_AUTH]
        assert Verifier([ca], purpose='client').verify([both.der]).common_name == 'both'
        assert kg.main(['issue', '--ca-key', k, '--ca-cert', d + '/pki/ca.crt',
                        '--key', k, '--cn', 'x', '--out', d + '/x.crt'], out) == 2   # wrong CA key
        assert 'does not belong' in out.text()
        assert kg.main(['pubkey', '--cert', d + '/both.crt', '--out', d + '/both.pub', '--der']) == 0
        assert parse_spki(_read(d + '/both.pub')) == key.public_key
        assert kg.main(['show', d + '/both.crt'], out) == 0
        shown = out.text()
        assert 'subject: CN=both\nissuer: CN=dtls_lite test CA\n' in shown
        assert 'public key: p384 ' + key.public_key.point.hex() in shown
        assert kg.main(['show', d + '/k.pem'], out) == 0
        assert out.text() == 'private key: p384, public ' + key.public_key.point.hex()
        assert kg.main(['show', d + '/pki/server.pub.pem'], out) == 0
        assert out.text() == 'public key: p256 ' + server.public_key.point.hex()
        # DER files too (the usage says PEM or DER): a key, its public key, a certificate
        assert kg.main(['convert', '--key', d + '/k.pem', '--out', d + '/k.der', '--der']) == 0
        assert kg.main(['show', d + '/k.der'], out) == 0
        assert out.text() == 'private key: p384, public ' + key.public_key.point.hex()
        assert kg.main(['show', d + '/both.pub'], out) == 0
        assert out.text() == 'public key: p384 ' + key.public_key.point.hex()
        assert kg.main(['show', d + '/s.der'], out) == 0 and 'subject: CN=dev\n' in out.text()
    finally:
        _rmtree(d)


def test_keygen_r9_fixes():
    """Review R9 of the tools: each assertion failed before its fix."""
    kg = _keygen()
    out = _Lines()
    d = _tmpdir()
    try:
        assert kg.main(['ca', '--out-dir', d + '/pki']) == 0
        pki = d + '/pki/'
        # authorityKeyIdentifier = the issuing CA's subjectKeyIdentifier (RFC 5280 §4.2.1.2),
        # whatever way that was made: here a CA whose SKI is not SHA-1 of its key
        ca_key = load_private_key(_read(pki + 'ca.key'))
        real = write.key_id
        write.key_id = lambda public_key: bytes(range(1, 9))
        try:
            ca_der = _cert('other CA', ca_key, 'other CA', ca_key, is_ca=True)
        finally:
            write.key_id = real
        with open(d + '/other.crt', 'wb') as f:
            f.write(ca_der)
        assert kg.main(['issue', '--ca-key', pki + 'ca.key', '--ca-cert', d + '/other.crt',
                        '--key', pki + 'server.key', '--cn', 'leaf', '--out', d + '/l.der',
                        '--der'], out) == 0, out.text()
        assert parse_certificate(_read(d + '/l.der')).authority_key_id == bytes(range(1, 9))
        # a leaf cannot issue
        assert kg.main(['issue', '--ca-key', pki + 'server.key', '--ca-cert', pki + 'server.crt',
                        '--key', pki + 'client.key', '--cn', 'x', '--out', d + '/x.crt'], out) == 2
        assert 'not a CA certificate' in out.text()
        # notAfter at most 9999-12-31T23:59:59Z (RFC 5280 §4.1.2.5), not a 5-digit year
        assert kg.main(['selfsigned', '--key', pki + 'ca.key', '--cn', 'far', '--days', '3000000',
                        '--out', d + '/far.crt'], out) == 0
        assert parse_certificate(_read(d + '/far.crt')).not_after == 253402300799
        # dNSName: preferred name syntax only (IA5String; our verifier refuses anything else)
        for bad in ('exämple.com', '', 'a b', 'a..b', '-a.b', 'x' * 64 + '.b'):
            assert kg.main(['selfsigned', '--key', pki + 'ca.key', '--cn', 'x', '--dns', bad,
                            '--out', d + '/x.crt'], out) == 2, bad
            assert 'is not a DNS name' in out.text()
        assert kg.main(['selfsigned', '--key', pki + 'ca.key', '--cn', 'w', '--dns', '*.b-1.example',
                        '--out', d + '/w.crt'], out) == 0
        assert parse_certificate(_read(d + '/w.crt')).dns_names == ['*.b-1.example']
        # contradictory key forms are a usage error (SEC1 was written silently)
        assert kg.main(['key', '--sec1', '--pkcs8', '--out', d + '/k.pem'], out) == 2
        assert '--sec1 or --pkcs8, not both' in out.text()
        # file errors name the file (MicroPython's OSError does not)
        assert kg.main(['show', d + '/missing.crt'], out) == 1
        assert 'cannot read ' + d + '/missing.crt' in out.text(), out.text()
        assert kg.main(['key', '--out', d + '/no/such/dir/k.pem'], out) == 1
        assert 'cannot write ' + d + '/no/such/dir/k.pem' in out.text(), out.text()
    finally:
        _rmtree(d)


def test_private_key_with_a_compressed_public_point():
    # RFC 5915 allows the public key in any SEC1 form; OpenSSL writes a compressed one with
    # `ec -conv_form compressed`. It was refused as not matching the private key.
    key = _key('p256', 'compressed')
    point = key.public_key.point
    x = point[1:33]
    good = bytes((2 | (point[-1] & 1),)) + x
    bad = bytes((3 - (point[-1] & 1),)) + x
    assert EcPrivateKey('p256', key.d, good).public_key == key.public_key
    assert _alert(EcPrivateKey, 'p256', key.d, bad) == BAD_CERTIFICATE
    assert _alert(load_private_key, '-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n'
                  '-----END ENCRYPTED PRIVATE KEY-----\n') == BAD_CERTIFICATE


def _custom(subject_cn, key, issuer_cn, issuer_key, exts, serial=None):
    """A v3 certificate with exactly the extensions `exts`, signed by issuer_key."""
    from dtls_lite.x509.der import OID_ECDSA_SHA256
    from dtls_lite.x509.keys import write_spki
    w = write
    alg = w.seq(w.oid(OID_ECDSA_SHA256))
    tbs = w.seq(w.tlv(0xa0, w.integer(2)), serial or w.integer(5), alg,
                w.name([('CN', issuer_cn)]), w.seq(w.time(T0 - YEAR), w.time(T0 + YEAR)),
                w.name([('CN', subject_cn)]), write_spki(key.public_key), w.tlv(0xa3, w.seq(*exts)))
    return w.seq(tbs, alg, w.bit_string(issuer_key.sign('ecdsa-sha256', tbs, SeededRng(subject_cn))))


def test_chains_r9_issuer_choice_depth_anchors_and_name_constraints():
    """Review R9 (X.509 against OpenSSL): each block failed before its fix."""
    w = write
    clock = lambda: T0      # noqa: E731
    ca_key, int_key, leaf_key = _key('p256', 'r9ca'), _key('p256', 'r9int'), _key('p256', 'r9lf')
    old = {'start': T0 - 3 * YEAR, 'end': T0 - YEAR}
    root = _cert('R9 root', ca_key, 'R9 root', ca_key, is_ca=True)
    old_root = _cert('R9 root', ca_key, 'R9 root', ca_key, is_ca=True, **old)
    inter = _cert('R9 int', int_key, 'R9 root', ca_key, is_ca=True)
    old_inter = _cert('R9 int', int_key, 'R9 root', ca_key, is_ca=True, **old)
    leaf = _cert('r9 leaf', leaf_key, 'R9 int', int_key)
    # 1. A renewed root beside the expired one, a stale intermediate beside the current one:
    # the verdict no longer depends on their order (only the first of a name was tried).
    for anchors in ([old_root, root], [root, old_root]):
        assert Verifier(anchors, clock=clock).verify([leaf, inter]).subject == 'CN=r9 leaf'
    for sent in ([old_inter, inter], [inter, old_inter]):
        assert Verifier([root], clock=clock).verify([leaf] + sent).subject == 'CN=r9 leaf'
    assert _alert(Verifier([old_root], clock=clock).verify, [leaf, inter]) == CERTIFICATE_EXPIRED
    # 2. MAX_PATH_CAS (4) CA certificates above the leaf, the anchor included, whether or not
    # the peer sends the root (a fifth CA passed when the root was left out).
    keys = [_key('p256', 'r9i%d' % i) for i in range(4)]
    chain, issuer_cn, issuer_key = [], 'R9 root', ca_key
    for i, k in enumerate(keys):
        chain.insert(0, _cert('R9 i%d' % i, k, issuer_cn, issuer_key, is_ca=True))
        issuer_cn, issuer_key = 'R9 i%d' % i, k
    v = Verifier([root], clock=clock)
    leaf4 = _cert('leaf4', leaf_key, 'R9 i2', keys[2])
    assert v.verify([leaf4] + chain[1:]).subject == 'CN=leaf4'
    assert v.verify([leaf4] + chain[1:] + [root]).subject == 'CN=leaf4'
    leaf5 = _cert('leaf5', leaf_key, 'R9 i3', keys[3])
    assert _alert(v.verify, [leaf5] + chain) == UNKNOWN_CA
    assert _alert(v.verify, [leaf5] + chain + [root]) == UNKNOWN_CA
    # 3. Trust anchors are inputs, not path members (RFC 5280 §6.1.1): a v3 root without
    # basicConstraints, or with a critical extension we do not parse, may anchor; the same
    # certificate sent as an intermediate may not.
    ku = w.extension(w.OID_KEY_USAGE, w.named_bits(KU_KEY_CERT_SIGN | KU_CRL_SIGN), True)
    policy_constraints = w.extension(b'\x55\x1d\x24', w.seq(w.tlv(0x80, b'\x00')), True)
    bc = w.extension(w.OID_BASIC_CONSTRAINTS, w.seq(w.boolean(True)), True)
    for exts in ((ku,), (bc, ku, policy_constraints)):
        anchor = _custom('R9 root', ca_key, 'R9 root', ca_key, exts)
        assert Verifier([anchor], clock=clock).verify([leaf, inter]).subject == 'CN=r9 leaf'
    sub = _custom('R9 int', int_key, 'R9 root', ca_key, (bc, ku, policy_constraints))
    assert _alert(Verifier([root], clock=clock).verify, [leaf, sub]) == UNSUPPORTED_CERTIFICATE
    # 4. nameConstraints are not enforced, so a CA carrying them is refused even when they are
    # marked non-critical (they were ignored: the CA could issue for any name).
    nc = w.extension(b'\x55\x1d\x1e', w.seq(w.tlv(0xa0, w.seq(w.seq(w.tlv(0x82, b'example.com'))))))
    sub = _custom('R9 int', int_key, 'R9 root', ca_key, (bc, ku, nc))
    assert parse_certificate(sub).unknown_critical == ['2.5.29.30']
    assert _alert(Verifier([root], clock=clock).verify, [leaf, sub]) == UNSUPPORTED_CERTIFICATE
    # ... and on a trust anchor too, where other unparsed critical extensions are let pass
    # (the diff review found a constrained root trusted for every name)
    for critical in (True, False):
        nc = w.extension(b'\x55\x1d\x1e', w.seq(w.tlv(0xa0, w.seq(w.seq(w.tlv(0x82, b'x.org'))))),
                         critical)
        anchor = _custom('R9 root', ca_key, 'R9 root', ca_key, (bc, ku, nc))
        assert _alert(Verifier([anchor], clock=clock).verify, [leaf, inter]) == \
            UNSUPPORTED_CERTIFICATE
    # 5. A negative serial (RFC 5280 §4.1.2.2: handle gracefully) no longer breaks a bundle.
    neg = _custom('R9 root', ca_key, 'R9 root', ca_key, (bc, ku), serial=w.tlv(2, b'\xfe'))
    from dtls_lite.x509.pem import pem_encode
    bundle = pem_encode('CERTIFICATE', neg) + pem_encode('CERTIFICATE', root)
    assert Verifier(bundle, clock=clock).verify([leaf, inter]).subject == 'CN=r9 leaf'
    assert parse_certificate(neg).serial == -2
