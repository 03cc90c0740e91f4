"""Keys and certificates for dtls_lite, in pure Python: runs under CPython and MicroPython.

    keygen.py key --curve p256|p384 --out k.pem [--sec1|--pkcs8] [--der]
        New private key. PKCS#8 'PRIVATE KEY' PEM by default; --sec1 writes 'EC PRIVATE KEY'.
    keygen.py selfsigned --key k.pem --cn NAME [--days N] [--ca] [--dns NAME]... [--ip ADDR]...
                         --out c.pem [--der]
        Self-signed certificate (a CA with --ca, else a leaf with digitalSignature and the SANs).
    keygen.py ca --out-dir DIR [--curve p256|p384] [--days N] [--sec1]
        ca.key/ca.crt plus server.key/server.crt and client.key/client.crt signed by it (SAN
        DNS:localhost, IP:127.0.0.1; serverAuth / clientAuth) and server.pub.pem/client.pub.pem.
    keygen.py issue --ca-key ca.key --ca-cert ca.crt --key k.pem --cn NAME [--days N]
                    [--dns NAME]... [--ip ADDR]... [--server|--client] [--ca] --out c.pem [--der]
        A certificate for an existing key, signed by a CA.
    keygen.py pubkey (--key k.pem | --cert c.pem) --out k.pub.pem [--der]
        The SubjectPublicKeyInfo: an RFC 7250 raw public key.
    keygen.py convert --key k.pem --out k2.pem [--sec1|--pkcs8] [--der]
        Rewrite a private key (SEC1 <-> PKCS#8, PEM <-> DER).
    keygen.py verify --ca ca.crt [--no-time] [--purpose server|client] [--host NAME]
                     cert.pem [intermediate.pem ...]
        Validate a chain with dtls_lite's verifier; prints 'OK <subject>' or
        'FAIL alert <n>: <reason>' (exit status 1).
    keygen.py show FILE
        The parsed fields of a certificate, private key or public key.

Input files may be PEM or DER. Times come from time.time() (validity starts 5 minutes in the
past for clock skew; --days defaults to 3650); serials and keys from os.urandom. --cn is 1 to
64 characters (RFC 5280's ub-common-name). Private keys are written unencrypted; under CPython
a new key file is readable by its owner only (mode 0600, as OpenSSL writes them), MicroPython
cannot set modes and says so: protect the files.
"""
import sys

_here = globals().get('__file__') or sys.argv[0]
_root = (_here[:_here.rfind('/')] if '/' in _here else '.') + '/..'   # the repository root
if _root not in sys.path:
    sys.path.insert(0, _root)

from dtls_lite.x509 import write  # noqa: E402
from dtls_lite.x509.cert import parse_certificate, KU_KEY_CERT_SIGN  # noqa: E402
from dtls_lite.x509.chain import Verifier, wall_clock  # noqa: E402
from dtls_lite.x509.der import format_time  # noqa: E402
from dtls_lite.x509.errors import CertificateError  # noqa: E402
from dtls_lite.x509.keys import EcPrivateKey, load_private_key, parse_spki, write_spki  # noqa: E402
from dtls_lite.x509.pem import pem_encode, pem_blocks, is_pem  # noqa: E402

_SKEW = 300            # seconds notBefore is set back, for peers whose clocks run a little late
_DEFAULT_DAYS = 3650


class UsageError(Exception):
    pass


_out = print   # where results go; main(argv, out=...) redirects them (tests collect the lines)


# Option specs: name -> 'flag' (no value), 'value' (one), 'list' (repeatable).
_SPECS = {
    'key': {'curve': 'value', 'out': 'value', 'sec1': 'flag', 'pkcs8': 'flag', 'der': 'flag'},
    'selfsigned': {'key': 'value', 'cn': 'value', 'days': 'value', 'ca': 'flag', 'dns': 'list',
                   'ip': 'list', 'out': 'value', 'der': 'flag'},
    'ca': {'out-dir': 'value', 'curve': 'value', 'days': 'value', 'sec1': 'flag'},
    'issue': {'ca-key': 'value', 'ca-cert': 'value', 'key': 'value', 'cn': 'value',
              'days': 'value', 'dns': 'list', 'ip': 'list', 'server': 'flag', 'client': 'flag',
              'ca': 'flag', 'out': 'value', 'der': 'flag'},
    'pubkey': {'key': 'value', 'cert': 'value', 'out': 'value', 'der': 'flag'},
    'convert': {'key': 'value', 'out': 'value', 'sec1': 'flag', 'pkcs8': 'flag', 'der': 'flag'},
    'verify': {'ca': 'list', 'no-time': 'flag', 'purpose': 'value', 'host': 'value'},
    'show': {},
}


def parse_args(argv):
    """(command, options dict, positional list) from argv; argparse does not exist on MicroPython."""
    if not argv or argv[0] not in _SPECS:
        raise UsageError('command is one of: ' + ', '.join(sorted(_SPECS)))
    spec = _SPECS[argv[0]]
    opts = {}
    positional = []
    i = 1
    while i < len(argv):
        a = argv[i]
        if a.startswith('--'):
            name = a[2:]
            kind = spec.get(name)
            if kind is None:
                raise UsageError('unknown option ' + a)
            if kind == 'flag':
                opts[name] = True
            else:
                if i + 1 >= len(argv):
                    raise UsageError(a + ' needs a value')
                i += 1
                if kind == 'list':
                    opts.setdefault(name, []).append(argv[i])
                else:
                    opts[name] = argv[i]
        else:
            positional.append(a)
        i += 1
    return argv[0], opts, positional


def _need(opts, name):
    if name not in opts:
        raise UsageError('--' + name + ' is required')
    return opts[name]


class FileError(Exception):
    """A file that cannot be read or written, named (MicroPython's OSError names none)."""


def _read(path):
    try:
        with open(path, 'rb') as f:
            return f.read()
    except OSError as e:
        raise FileError('cannot read %s: %s' % (path, e))


def _write(path, data, secret=False):
    """Write a file; `secret` (a private key): owner-only where the runtime can say so."""
    import os
    data = data.encode() if isinstance(data, str) else data
    try:
        if secret and hasattr(os, 'chmod'):     # CPython
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.chmod(path, 0o600)               # an existing file keeps its mode otherwise
            with os.fdopen(fd, 'wb') as f:
                f.write(data)
            return
        with open(path, 'wb') as f:
            f.write(data)
    except OSError as e:
        raise FileError('cannot write %s: %s' % (path, e))
    if secret:      # MicroPython's os has no chmod or umask
        _out('keygen.py: note: %s holds a private key, mode as the umask gives: chmod 600 it'
             % path)


def _key_bytes(key, opts):
    if opts.get('sec1') and opts.get('pkcs8'):
        raise UsageError('--sec1 or --pkcs8, not both')
    if opts.get('sec1'):
        return key.to_sec1() if opts.get('der') else key.to_pem(pkcs8=False)
    return key.to_pkcs8() if opts.get('der') else key.to_pem(pkcs8=True)


def _cert_bytes(der, opts):
    return der if opts.get('der') else pem_encode('CERTIFICATE', der)


def _curve(opts):
    curve = opts.get('curve', 'p256')
    if curve not in ('p256', 'p384'):
        raise UsageError('--curve is p256 or p384')
    return curve


# RFC 5280 §4.1.2.5: 99991231235959Z, the latest time a certificate can say (GeneralizedTime
# has four year digits), also the notAfter of a certificate with no well-defined expiry.
_LATEST = 253402300799


def _validity(opts):
    now = wall_clock()
    days = int(opts.get('days', _DEFAULT_DAYS))
    if days <= 0:
        raise UsageError('--days must be positive')
    return now - _SKEW, min(now + days * 86400, _LATEST)


def _dns_name(text):
    """A --dns value in RFC 5280 §4.2.1.6's preferred name syntax (RFC 1034 letters, digits
    and hyphens; labels of 1-63, 253 in all; a leading '*.' wildcard allowed); UsageError
    otherwise: an IA5String dNSName must be ASCII, and our own verifier refuses one that
    is not."""
    labels = text[2:].split('.') if text.startswith('*.') else text.split('.')
    ok = 0 < len(text) <= 253
    for label in labels:
        if not (0 < len(label) <= 63 and label[0] != '-' and label[-1] != '-'):
            ok = False
        for c in label:
            if not ('a' <= c <= 'z' or 'A' <= c <= 'Z' or '0' <= c <= '9' or c == '-'):
                ok = False
    if not ok:
        raise UsageError('--dns %r is not a DNS name (ASCII letters, digits, hyphens, dots; '
                         'IDNs in their xn-- form)' % text)
    return text


def cmd_key(opts, positional):
    key = EcPrivateKey.generate(_curve(opts))
    _write(_need(opts, 'out'), _key_bytes(key, opts), secret=True)


def _cn(opts):
    """--cn: RFC 5280 appendix A, X520CommonName is 1..ub-common-name (64) characters."""
    cn = _need(opts, 'cn')
    if not 1 <= len(cn) <= 64:
        raise UsageError('--cn must be 1 to 64 characters, not %d' % len(cn))
    return cn


def _issue(subject_cn, key, issuer_name, issuer_key, opts, is_ca=False, eku=(), akid=None):
    not_before, not_after = _validity(opts)
    return write.build_certificate(
        write.name([('CN', subject_cn)]), key.public_key, issuer_name, issuer_key,
        not_before, not_after, is_ca=is_ca, ext_key_usage=eku,
        dns_names=[_dns_name(n) for n in opts.get('dns', ())], ip_addresses=opts.get('ip', ()),
        authority_key_id=akid)


def cmd_selfsigned(opts, positional):
    key = load_private_key(_read(_need(opts, 'key')))
    cn = _cn(opts)
    der = _issue(cn, key, write.name([('CN', cn)]), key, opts, is_ca=bool(opts.get('ca')))
    _write(_need(opts, 'out'), _cert_bytes(der, opts))


def cmd_issue(opts, positional):
    ca_key = load_private_key(_read(_need(opts, 'ca-key')))
    ca = parse_certificate(_read(_need(opts, 'ca-cert')))
    if ca.public_key != ca_key.public_key:
        raise UsageError('--ca-key does not belong to --ca-cert')
    if not ca.is_ca or (ca.key_usage is not None and not ca.key_usage & KU_KEY_CERT_SIGN):
        # RFC 5280 §4.2.1.9/§4.2.1.3: what it signed would be refused by every verifier
        raise UsageError('--ca-cert is not a CA certificate (basicConstraints cA with '
                         'keyCertSign)')
    key = load_private_key(_read(_need(opts, 'key')))
    eku = []
    if opts.get('server'):
        eku.append(write.OID_SERVER_AUTH)
    if opts.get('client'):
        eku.append(write.OID_CLIENT_AUTH)
    der = _issue(_cn(opts), key, ca.subject_der, ca_key, opts,
                 is_ca=bool(opts.get('ca')), eku=eku,
                 akid=None if ca.subject_key_id is None else bytes(ca.subject_key_id))
    _write(_need(opts, 'out'), _cert_bytes(der, opts))


def cmd_ca(opts, positional):
    import os
    out = _need(opts, 'out-dir').rstrip('/')
    try:
        os.mkdir(out)
    except OSError:
        pass  # already there; writing into it below fails loudly if it is not a directory
    curve = _curve(opts)
    ca_key = EcPrivateKey.generate(curve)
    ca_name = write.name([('CN', 'dtls_lite test CA')])
    ca_der = _issue('dtls_lite test CA', ca_key, ca_name, ca_key, {'days': opts.get('days', _DEFAULT_DAYS)},
                    is_ca=True)
    _write(out + '/ca.key', _key_bytes(ca_key, opts), secret=True)
    _write(out + '/ca.crt', pem_encode('CERTIFICATE', ca_der))
    for role, eku in (('server', write.OID_SERVER_AUTH), ('client', write.OID_CLIENT_AUTH)):
        key = EcPrivateKey.generate(curve)
        leaf_opts = {'days': opts.get('days', _DEFAULT_DAYS), 'dns': ['localhost'], 'ip': ['127.0.0.1']}
        der = _issue(role, key, ca_name, ca_key, leaf_opts, eku=(eku,))
        _write(out + '/' + role + '.key', _key_bytes(key, opts), secret=True)
        _write(out + '/' + role + '.crt', pem_encode('CERTIFICATE', der))
        _write(out + '/' + role + '.pub.pem', pem_encode('PUBLIC KEY', write_spki(key.public_key)))


def cmd_pubkey(opts, positional):
    if 'cert' in opts:
        public = parse_certificate(_read(opts['cert'])).public_key
    else:
        public = load_private_key(_read(_need(opts, 'key'))).public_key
    spki = write_spki(public)
    _write(_need(opts, 'out'), spki if opts.get('der') else pem_encode('PUBLIC KEY', spki))


def cmd_convert(opts, positional):
    key = load_private_key(_read(_need(opts, 'key')))
    _write(_need(opts, 'out'), _key_bytes(key, opts), secret=True)


def _certs_in(path):
    data = _read(path)
    if is_pem(data):
        return [der for label, der in pem_blocks(data) if label == 'CERTIFICATE' and der]
    return [data]


def cmd_verify(opts, positional):
    if not positional:
        raise UsageError('verify needs a certificate file')
    # each --ca file as the library takes `ca`: a bundle's unsupported roots (RSA) are skipped
    anchors = [_read(path) for path in _need(opts, 'ca')]
    chain = []
    for path in positional:
        chain += _certs_in(path)
    purpose = opts.get('purpose')
    try:
        v = Verifier(anchors, check_time=not opts.get('no-time'), purpose=purpose)
        leaf = v.verify(chain, hostname=opts.get('host'))
    except CertificateError as e:
        _out('FAIL alert %d: %s' % (e.alert, e.msg))
        return 1
    _out('OK ' + leaf.subject)
    return 0


def _der_kind(data):
    """'cert', 'private' or 'public' for DER bytes, by the outer SEQUENCE's first elements:
    a private key (PKCS#8 or SEC1) { INTEGER version ... }, an encrypted one (PKCS#8)
    { SEQUENCE, OCTET STRING }, SubjectPublicKeyInfo { SEQUENCE, BIT STRING }, Certificate
    { SEQUENCE tbs, SEQUENCE signatureAlgorithm, ... }."""
    from dtls_lite.x509.der import DerReader
    first = DerReader(data).sub()
    if first.peek_tag() == 0x02:
        return 'private'
    first.read_tlv()
    # EncryptedPrivateKeyInfo { AlgorithmIdentifier, OCTET STRING }: load_private_key says so
    after = first.peek_tag()
    return 'private' if after == 0x04 else 'public' if after == 0x03 else 'cert'


def cmd_show(opts, positional):
    if len(positional) != 1:
        raise UsageError('show needs one file')
    data = _read(positional[0])
    if is_pem(data):
        labels = [label for label, der in pem_blocks(data)]
        kind = ('public' if 'PUBLIC KEY' in labels else
                'private' if [lb for lb in labels if lb.endswith('PRIVATE KEY')] else 'cert')
    else:
        kind = _der_kind(data)
    if kind == 'public':
        k = parse_spki(data)
        _out('public key: %s %s' % (k.curve, k.point.hex()))
        return 0
    if kind == 'private':
        k = load_private_key(data)
        _out('private key: %s, public %s' % (k.curve, k.public_key.point.hex()))
        return 0
    c = parse_certificate(data)
    _out('subject: ' + c.subject)
    _out('issuer: ' + c.issuer)
    _out('serial: %x' % c.serial)
    _out('validity: %s .. %s' % (format_time(c.not_before), format_time(c.not_after)))
    _out('signature: ' + c.sig_alg)
    _out('public key: %s %s' % (c.public_key.curve, c.public_key.point.hex()))
    _out('ca: %s, path_len: %s, key_usage: %s' % (c.is_ca, c.path_len, c.key_usage))
    _out('ext_key_usage: %s' % (c.ext_key_usage,))
    _out('subject_alt_names: ' + ', '.join('%s:%s' % kv for kv in c.subject_alt_names))
    return 0


_COMMANDS = {'key': cmd_key, 'selfsigned': cmd_selfsigned, 'ca': cmd_ca, 'issue': cmd_issue,
             'pubkey': cmd_pubkey, 'convert': cmd_convert, 'verify': cmd_verify, 'show': cmd_show}


def main(argv, out=None):
    global _out
    _out = out or print
    try:
        command, opts, positional = parse_args(argv)
        if command not in ('verify', 'show') and positional:
            raise UsageError('unexpected argument ' + positional[0])
        return _COMMANDS[command](opts, positional) or 0
    except UsageError as e:
        _out('keygen.py: %s (see the docstring of tools/keygen.py)' % e)
        return 2
    except (CertificateError, ValueError, OSError, FileError) as e:
        _out('keygen.py: error: %s' % e)
        return 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
