"""OpenSSL and dtls_lite.x509 read each other's keys and certificates (CPython host test).

One way: keys and certificates made at test time by the OpenSSL CLI with the recipe of
../shared/PEERS.md (CA + server + client; SEC1 and PKCS#8; raw public keys) are loaded and
validated by our code in-process AND under MicroPython (tools/keygen.py verify/show as a
subprocess), with every field compared to what `openssl x509` prints.
Other way: tools/keygen.py, run as a subprocess under BOTH python3 and micropython, writes keys
and certificates that `openssl x509 -text`, `openssl verify`, `openssl pkey -check` and
`openssl ec -check` accept. GnuTLS's certtool is a second, independent reader and writer.
"""
import calendar
import os
import shutil
import subprocess
import sys
import time

import pytest

from dtls_lite.x509.cert import parse_certificate, load_certificates
from dtls_lite.x509.chain import Verifier
from dtls_lite.x509.errors import UNKNOWN_CA
from dtls_lite.x509.keys import load_private_key, parse_spki

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KEYGEN = os.path.join(ROOT, 'tools', 'keygen.py')
MICROPYTHON = os.path.join(ROOT, '.venv', 'bin', 'micropython')
RUNTIMES = {'cpython': [sys.executable], 'micropython': [MICROPYTHON, '-X', 'heapsize=4M']}



def _require(tool):
    """A missing peer tool fails the test with the reason, never skips it (make peers installs it)."""
    assert shutil.which(tool) is not None, '%s not installed: run `make peers` (tools/peers.sh)' % tool


def openssl(cwd, *args, check=True):
    _require('openssl')
    p = subprocess.run(['openssl'] + list(args), cwd=cwd, capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError('openssl %s failed:\n%s%s' % (' '.join(args), p.stdout, p.stderr))
    return p


def keygen(runtime, cwd, *args):
    p = subprocess.run(RUNTIMES[runtime] + [KEYGEN] + list(args), cwd=cwd, capture_output=True,
                       text=True, timeout=120)
    return p.returncode, p.stdout + p.stderr


@pytest.fixture(scope='module')
def openssl_pki(tmp_path_factory):
    """The PEERS.md recipe, verbatim in substance: P-256 CA, server and client."""
    d = str(tmp_path_factory.mktemp('openssl_pki'))
    openssl(d, 'ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key')
    openssl(d, 'req', '-x509', '-new', '-key', 'ca.key', '-sha256', '-days', '3650',
            '-subj', '/CN=Test CA', '-out', 'ca.crt',
            '-addext', 'basicConstraints=critical,CA:TRUE',
            '-addext', 'keyUsage=critical,keyCertSign,cRLSign')
    for n in ('server', 'client'):
        openssl(d, 'ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', n + '.key.sec1')
        openssl(d, 'pkcs8', '-topk8', '-nocrypt', '-in', n + '.key.sec1', '-out', n + '.key')
        openssl(d, 'req', '-new', '-key', n + '.key', '-subj', '/CN=' + n, '-out', n + '.csr')
        with open(os.path.join(d, n + '.ext'), 'w') as f:
            f.write('basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n'
                    'keyUsage=digitalSignature\n')
        openssl(d, 'x509', '-req', '-in', n + '.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key',
                '-CAcreateserial', '-days', '3650', '-sha256', '-extfile', n + '.ext',
                '-out', n + '.crt')
        openssl(d, 'pkey', '-in', n + '.key', '-pubout', '-out', n + '.pub.pem')
        openssl(d, 'x509', '-in', n + '.crt', '-outform', 'DER', '-out', n + '.der')
    # A P-384 key as OpenSSL writes it by default (with an 'EC PARAMETERS' block first).
    openssl(d, 'ecparam', '-name', 'secp384r1', '-genkey', '-out', 'p384.key')
    openssl(d, 'ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'other.key')
    openssl(d, 'req', '-x509', '-new', '-key', 'other.key', '-days', '30', '-subj', '/CN=Other',
            '-out', 'other.crt')
    return d


def _read(d, name, mode='rb'):
    with open(os.path.join(d, name), mode) as f:
        return f.read()


def _openssl_fields(d, name):
    out = openssl(d, 'x509', '-in', name, '-noout', '-subject', '-issuer', '-serial', '-dates',
                  '-nameopt', 'RFC2253').stdout
    fields = dict(line.split('=', 1) for line in out.strip().split('\n'))

    def ts(s):
        return calendar.timegm(time.strptime(s.replace(' GMT', ''), '%b %d %H:%M:%S %Y'))
    return fields['subject'], fields['issuer'], int(fields['serial'], 16), \
        ts(fields['notBefore']), ts(fields['notAfter'])


def _point(d, keyfile):
    p = subprocess.run(['openssl', 'pkey', '-in', keyfile, '-pubout', '-outform', 'DER'],
                       cwd=d, capture_output=True, check=True).stdout
    return parse_spki(p).point


def test_openssl_pki_in_cpython(openssl_pki):
    d = openssl_pki
    ca = parse_certificate(_read(d, 'ca.crt'))
    v = Verifier([ca])
    for n in ('server', 'client'):
        c = parse_certificate(_read(d, n + '.crt'))
        assert parse_certificate(_read(d, n + '.der')).der == c.der
        assert (c.subject, c.issuer, c.serial, c.not_before, c.not_after) == \
            _openssl_fields(d, n + '.crt')
        assert c.subject_alt_names == [('DNS', 'localhost'), ('IP', '127.0.0.1')]
        assert v.verify([c.der], hostname='localhost').common_name == n
        sec1 = load_private_key(_read(d, n + '.key.sec1'))
        pkcs8 = load_private_key(_read(d, n + '.key'))
        assert sec1.d == pkcs8.d and sec1.public_key == c.public_key
        assert c.public_key.point == _point(d, n + '.key.sec1')
        assert parse_spki(_read(d, n + '.pub.pem')) == c.public_key
        # Our writers reproduce OpenSSL's bytes for both key formats.
        assert sec1.to_pem(pkcs8=False) == _read(d, n + '.key.sec1', 'r')
        assert pkcs8.to_pem() == _read(d, n + '.key', 'r')
    assert (ca.subject, ca.issuer, ca.serial) == _openssl_fields(d, 'ca.crt')[:3]
    k384 = load_private_key(_read(d, 'p384.key'))
    assert k384.curve == 'p384' and k384.public_key.point == _point(d, 'p384.key')
    other = load_certificates(_read(d, 'other.crt'))
    with pytest.raises(Exception) as e:
        Verifier(other).verify([_read(d, 'server.der')])
    assert e.value.alert == UNKNOWN_CA


def test_openssl_pki_under_micropython(openssl_pki):
    d = openssl_pki
    for n in ('server', 'client'):
        rc, out = keygen('micropython', d, 'verify', '--ca', 'ca.crt', '--host', '127.0.0.1',
                         n + '.crt')
        assert (rc, out.strip()) == (0, 'OK CN=' + n)
        point = _point(d, n + '.key').hex()
        for keyfile in (n + '.key', n + '.key.sec1', n + '.pub.pem'):
            rc, out = keygen('micropython', d, 'show', keyfile)
            assert rc == 0 and point in out, (keyfile, out)
        rc, out = keygen('micropython', d, 'show', n + '.der')
        subject, issuer, serial, nb, na = _openssl_fields(d, n + '.crt')
        assert rc == 0 and 'subject: ' + subject in out and 'serial: %x' % serial in out
    rc, out = keygen('micropython', d, 'show', 'p384.key')
    assert rc == 0 and _point(d, 'p384.key').hex() in out
    rc, out = keygen('micropython', d, 'verify', '--ca', 'other.crt', 'server.crt')
    assert rc == 1 and out.startswith('FAIL alert 48')
    rc, out = keygen('micropython', d, 'verify', '--ca', 'ca.crt', '--host', 'example.com',
                     'server.crt')
    assert rc == 1 and out.startswith('FAIL alert 42')


@pytest.mark.parametrize('runtime', sorted(RUNTIMES))
def test_our_keygen_accepted_by_openssl(runtime, tmp_path):
    d = str(tmp_path)
    rc, out = keygen(runtime, d, 'ca', '--out-dir', 'pki')
    assert rc == 0, out
    text = openssl(d, 'x509', '-in', 'pki/ca.crt', '-text', '-noout').stdout
    assert 'CA:TRUE' in text and 'Certificate Sign, CRL Sign' in text
    text = openssl(d, 'x509', '-in', 'pki/server.crt', '-text', '-noout').stdout
    assert 'DNS:localhost, IP Address:127.0.0.1' in text and 'TLS Web Server Authentication' in text
    assert 'X509v3 Key Usage: critical' in text and 'Digital Signature' in text
    p = openssl(d, 'verify', '-CAfile', 'pki/ca.crt', '-x509_strict', '-purpose', 'sslserver',
                'pki/server.crt')
    assert 'pki/server.crt: OK' in p.stdout
    p = openssl(d, 'verify', '-CAfile', 'pki/ca.crt', '-x509_strict', '-purpose', 'sslclient',
                'pki/client.crt')
    assert 'pki/client.crt: OK' in p.stdout
    # The wrong purpose is refused by OpenSSL too (extKeyUsage is honoured).
    assert openssl(d, 'verify', '-CAfile', 'pki/ca.crt', '-purpose', 'sslclient', 'pki/server.crt',
                   check=False).returncode != 0
    for n in ('ca', 'server', 'client'):
        assert 'Key is valid' in openssl(d, 'pkey', '-in', 'pki/%s.key' % n, '-check', '-noout').stdout
    for n in ('server', 'client'):
        pub = openssl(d, 'pkey', '-in', 'pki/%s.key' % n, '-pubout').stdout
        assert pub == _read(d, 'pki/%s.pub.pem' % n, 'r')
        openssl(d, 'pkey', '-pubin', '-in', 'pki/%s.pub.pem' % n, '-noout')

    # Key formats: SEC1 and PKCS#8, PEM and DER, both curves.
    for curve in ('p256', 'p384'):
        assert keygen(runtime, d, 'key', '--curve', curve, '--sec1', '--out', 'k.sec1')[0] == 0
        assert 'EC Key valid.' in openssl(d, 'ec', '-in', 'k.sec1', '-check', '-noout').stderr
        assert keygen(runtime, d, 'key', '--curve', curve, '--sec1', '--der', '--out', 'k.sec1.der')[0] == 0
        openssl(d, 'ec', '-inform', 'DER', '-in', 'k.sec1.der', '-check', '-noout')
        assert keygen(runtime, d, 'key', '--curve', curve, '--der', '--out', 'k.p8.der')[0] == 0
        openssl(d, 'pkey', '-inform', 'DER', '-in', 'k.p8.der', '-check', '-noout')
        assert keygen(runtime, d, 'key', '--curve', curve, '--out', 'k.pem')[0] == 0
        text = openssl(d, 'pkey', '-in', 'k.pem', '-text', '-noout').stdout
        assert ('P-384' if curve == 'p384' else 'P-256') in text
        assert keygen(runtime, d, 'selfsigned', '--key', 'k.pem', '--cn', 'self ' + curve,
                      '--days', '7', '--dns', 'dev.local', '--ip', '::1', '--out', 's.crt')[0] == 0
        assert 's.crt: OK' in openssl(d, 'verify', '-CAfile', 's.crt', 's.crt').stdout
        text = openssl(d, 'x509', '-in', 's.crt', '-text', '-noout').stdout
        assert 'ecdsa-with-SHA%s' % ('384' if curve == 'p384' else '256') in text
        assert 'IP Address:0:0:0:0:0:0:0:1' in text
        assert keygen(runtime, d, 'issue', '--ca-key', 'pki/ca.key', '--ca-cert', 'pki/ca.crt',
                      '--key', 'k.sec1.der', '--cn', 'issued', '--server', '--out', 'i.der',
                      '--der')[0] == 0
        openssl(d, 'x509', '-inform', 'DER', '-in', 'i.der', '-out', 'i.pem')
        assert 'i.pem: OK' in openssl(d, 'verify', '-CAfile', 'pki/ca.crt', '-x509_strict',
                                      '-purpose', 'sslserver', 'i.pem').stdout
        assert keygen(runtime, d, 'pubkey', '--key', 'k.pem', '--out', 'k.pub.der', '--der')[0] == 0
        pub = subprocess.run(['openssl', 'pkey', '-in', 'k.pem', '-pubout', '-outform', 'DER'],
                             cwd=d, capture_output=True, check=True).stdout
        assert pub == _read(d, 'k.pub.der')


@pytest.mark.parametrize('runtime', sorted(RUNTIMES))
def test_keygen_issues_under_a_ca_made_by_openssl(runtime, tmp_path):
    # R9: `issue` wrote SHA-1 of the CA key as the authorityKeyIdentifier, not the CA's own
    # subjectKeyIdentifier (RFC 5280 §4.2.1.2); OpenSSL then found no issuer for a CA whose
    # SKI was made otherwise. And an OpenSSL key with a compressed public point was refused.
    d = str(tmp_path)
    openssl(d, 'ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key')
    openssl(d, 'req', '-x509', '-new', '-key', 'ca.key', '-days', '30', '-subj', '/CN=Their CA',
            '-addext', 'subjectKeyIdentifier=01:02:03:04:05:06:07:08',
            '-addext', 'authorityKeyIdentifier=keyid:always',
            '-addext', 'basicConstraints=critical,CA:TRUE',
            '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', 'ca.crt')
    openssl(d, 'ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'plain.key')
    openssl(d, 'ec', '-in', 'plain.key', '-conv_form', 'compressed', '-out', 'leaf.key')
    rc, out = keygen(runtime, d, 'issue', '--ca-key', 'ca.key', '--ca-cert', 'ca.crt', '--key',
                     'leaf.key', '--cn', 'leaf', '--server', '--dns', 'leaf.example', '--out',
                     'leaf.crt')
    assert rc == 0, out
    text = openssl(d, 'x509', '-in', 'leaf.crt', '-text', '-noout').stdout
    assert '01:02:03:04:05:06:07:08' in text, text
    p = openssl(d, 'verify', '-CAfile', 'ca.crt', '-x509_strict', '-purpose', 'sslserver',
                'leaf.crt')
    assert 'leaf.crt: OK' in p.stdout
    # a leaf is no CA: keygen refuses to sign with it, as OpenSSL would refuse the result
    rc, out = keygen(runtime, d, 'issue', '--ca-key', 'leaf.key', '--ca-cert', 'leaf.crt',
                     '--key', 'plain.key', '--cn', 'x', '--out', 'x.crt')
    assert rc == 2 and 'not a CA certificate' in out, out
    # encrypted keys are named as such
    openssl(d, 'pkcs8', '-topk8', '-in', 'plain.key', '-passout', 'pass:x', '-out', 'enc.pem')
    openssl(d, 'pkcs8', '-topk8', '-in', 'plain.key', '-passout', 'pass:x', '-outform', 'DER',
            '-out', 'enc.der')
    openssl(d, 'ec', '-in', 'plain.key', '-aes128', '-passout', 'pass:x', '-out', 'enc.sec1')
    for name in ('enc.pem', 'enc.der', 'enc.sec1'):
        rc, out = keygen(runtime, d, 'convert', '--key', name, '--out', 'o.pem')
        assert rc == 1 and 'the private key is encrypted' in out, (name, out)


@pytest.mark.parametrize('runtime', sorted(RUNTIMES))
def test_gnutls_certtool_round_trip(runtime, tmp_path):
    """A second independent implementation: GnuTLS verifies ours, and we read GnuTLS's."""
    _require('certtool')
    d = str(tmp_path)

    def certtool(*args):
        p = subprocess.run(['certtool'] + list(args), cwd=d, capture_output=True, text=True)
        assert p.returncode == 0, p.stdout + p.stderr
        return p.stdout

    assert keygen(runtime, d, 'ca', '--out-dir', 'pki', '--curve', 'p384')[0] == 0
    for n in ('server', 'client'):
        out = certtool('--verify', '--load-ca-certificate', 'pki/ca.crt', '--infile', 'pki/%s.crt' % n)
        assert 'The certificate is trusted' in out
        certtool('-k', '--infile', 'pki/%s.key' % n)
    certtool('--generate-privkey', '--key-type', 'ecdsa', '--curve', 'secp256r1', '--outfile', 'g.key')
    with open(os.path.join(d, 't.tmpl'), 'w') as f:
        f.write('cn = "gnutls dev"\nsigning_key\ntls_www_server\nexpiration_days = 30\n'
                'dns_name = "dev.local"\nip_address = "192.0.2.1"\n')
    certtool('--generate-self-signed', '--load-privkey', 'g.key', '--template', 't.tmpl',
             '--outfile', 'g.crt')
    # GnuTLS puts a text dump before the PEM block of its key; the loader skips it.
    rc, out = keygen(runtime, d, 'show', 'g.key')
    assert rc == 0 and out.startswith('private key: p256')
    rc, out = keygen(runtime, d, 'verify', '--ca', 'g.crt', '--purpose', 'server', '--host',
                     '192.0.2.1', 'g.crt')
    assert (rc, out.strip()) == (0, 'OK CN=gnutls dev')
    c = parse_certificate(_read(d, 'g.crt'))
    assert c.subject_alt_names == [('DNS', 'dev.local'), ('IP', '192.0.2.1')]
    assert load_private_key(_read(d, 'g.key')).public_key == c.public_key
    # GnuTLS writes the SEC1 privateKey as 33 octets (a leading 0x00) when the top bit is set,
    # about half the time; make sure such a key is among those we load.
    from dtls_lite.x509.pem import pem_decode
    for _ in range(40):
        certtool('--generate-privkey', '--key-type', 'ecdsa', '--curve', 'secp256r1',
                 '--outfile', 'q.key')
        if pem_decode(_read(d, 'q.key'), 'EC PRIVATE KEY')[5:8] == b'\x04\x21\x00':
            break
    else:
        raise AssertionError('certtool never wrote a 33-octet private key')
    point = _point(d, 'q.key').hex()
    rc, out = keygen(runtime, d, 'show', 'q.key')
    assert rc == 0 and point in out, out
