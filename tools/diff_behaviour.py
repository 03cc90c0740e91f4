"""Differential check of a refactor: the same mutated inputs through an older revision of
dtls_lite and through the working tree must give the same outcomes.

    python3 tools/diff_behaviour.py REV [--mutants N]      (from the repository root)

REV is checked out with `git worktree` into a temporary directory. Both copies of the library
then run, each in its own CPython child, two deterministic sets of cases (seeded, so both see
exactly the same inputs):
- handshakes (tools/fuzz.py's pairs and mutation operators, the five DEFAULT_RUNS
  configurations): at every datagram k of a clean handshake, N fresh pairs each get one mutant
  of datagram k before it; the outcome of a case is whether the handshake still completed, any
  exception out of handle_message, the alerts each side sent and received, and both sides'
  drop/bad_mac/replay/refused/cookie/expiry/internal_error counters;
- certificates and keys: N mutants (bit flips, byte rewrites, truncation, insertion, deletion)
  of each DER certificate and private key of host_tests/test_x509_fixtures.py through
  x509.cert.parse_certificate / x509.keys.load_private_key: the parsed fields, or the alert.
Outputs are compared line by line; the first differences are printed and the exit status is 1
if there are any. The harness (this file, tools/fuzz.py, the fixtures) comes from the working
tree for both, so REV must accept the same Context keywords and callbacks as fuzz.py uses.
With the default N = 100: 3,800 handshake cases and about 2,700 DER cases a side, ~1 minute.
"""
import os
import random
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_STATS = ('dropped', 'bad_mac', 'replayed', 'refused', 'hello_verify_sent', 'expired',
          'internal_error')
_CERT_FIELDS = ('authority_key_id', 'basic_constraints', 'der', 'ext_key_usage', 'is_ca',
                'issuer', 'issuer_der', 'key_usage', 'not_after', 'not_before', 'path_len',
                'public_key', 'serial', 'sig_alg', 'signature', 'spki', 'subject',
                'subject_alt_names', 'subject_der', 'subject_key_id', 'tbs', 'unknown_critical',
                'version')


def _describe(value, depth=0):
    """A stable text for a parse result (no addresses): plain values as repr, objects by their
    public attributes (a Certificate by _CERT_FIELDS, whether stored or class defaults)."""
    if value is None or isinstance(value, (int, str, bytes, bool)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return '[' + ','.join(_describe(x, depth + 1) for x in value) + ']'
    if isinstance(value, (set, frozenset)):
        return '{' + ','.join(sorted(_describe(x, depth + 1) for x in value)) + '}'
    if depth > 3:
        return type(value).__name__
    if type(value).__name__ == 'Certificate':
        names = _CERT_FIELDS
    else:
        names = sorted(k for k in getattr(value, '__dict__', {}) if not k.startswith('_'))
    return '%s(%s)' % (type(value).__name__, ','.join(
        '%s=%s' % (n, _describe(getattr(value, n, 'MISSING'), depth + 1)) for n in names))


def _handshake_cases(fuzz, n):
    for suite, auth, mtu in fuzz.DEFAULT_RUNS:
        config = {'ciphers': [suite], 'auth': auth}
        if mtu:
            config['max_datagram'] = mtu
        link, client, server = fuzz.make_pair(1, **config)
        clean = []
        client.ctx.connect(('srv', 0))
        fuzz.run_until(link, lambda: fuzz.both_connected(link, 0),
                       lambda receiver, session, data: clean.append(data))
        for state in range(len(clean)):
            for m in range(n):
                rnd = random.Random('%s-%s-%s-%d-%d' % (suite, auth, mtu, state, m))
                link, client, server = fuzz.make_pair(1, **config)
                history, raised = [], []

                def inject(receiver, session, data):
                    if len(history) == state:
                        bad = fuzz.random_mutant(rnd, data, history)
                        try:
                            receiver.ctx.handle_message(session, bad)
                            receiver.ctx.check_retransmit(link.now)
                        except Exception as e:  # noqa: BLE001 (an outcome to compare)
                            raised.append(type(e).__name__)
                    history.append(data)
                client.ctx.connect(('srv', 0))
                done = fuzz.run_until(link, lambda: fuzz.both_connected(link, 0), inject)
                counters = [tuple(end.ctx.stats.get(k) for k in _STATS) for end in (client, server)]
                print(repr((suite, auth, mtu, state, m, done, raised, client.alerts,
                            server.alerts, counters)))


def _mutant(rnd, der):
    b = bytearray(der)
    op = rnd.randrange(5)
    i = rnd.randrange(len(b))
    if op == 0:
        b[i] ^= 1 << rnd.randrange(8)
    elif op == 1:
        b[i] = rnd.choice((0, 1, 0x7f, 0x80, 0x81, 0x82, 0xff, rnd.randrange(256)))
    elif op == 2:
        del b[i:]
    elif op == 3:
        b[i:i] = bytes(rnd.randrange(256) for _ in range(rnd.choice((1, 2, 5))))
    else:
        del b[i:i + rnd.choice((1, 2, 3))]
    return bytes(b)


def _der_cases(n):
    from dtls_lite.x509 import cert, keys, pem
    from dtls_lite.x509.errors import CertificateError
    import test_x509_fixtures as fx

    def outcome(parse, data, keep=True):
        try:
            result = parse(data)
        except CertificateError as e:
            return 'alert %s' % e.alert
        except Exception as e:  # noqa: BLE001 (an outcome to compare)
            return 'raised %s' % type(e).__name__
        return 'ok ' + _describe(result) if keep else 'ok'
    for name in sorted(n for n in dir(fx) if n.endswith('_CRT')):
        der = pem.pem_decode(getattr(fx, name), 'CERTIFICATE')
        for m in range(n):
            data = _mutant(random.Random('%s-%d' % (name, m)), der)
            print(name, m, outcome(cert.parse_certificate, data))
    for name in ('SERVER_KEY_SEC1', 'CLIENT_KEY_PKCS8', 'LEAF384_KEY_SEC1'):
        der = pem.pem_decode(getattr(fx, name), 'PRIVATE KEY' if 'PKCS8' in name else 'EC PRIVATE KEY')
        for m in range(n):
            data = _mutant(random.Random('%s-%d' % (name, m)), der)
            print(name, m, outcome(keys.load_private_key, data, keep=False))


def child(library_root, n):
    """Print every case's outcome, with dtls_lite imported from library_root."""
    sys.path.insert(0, library_root)
    import dtls_lite
    if not os.path.abspath(dtls_lite.__file__).startswith(os.path.abspath(library_root)):
        raise SystemExit('dtls_lite came from %s, not %s' % (dtls_lite.__file__, library_root))
    sys.path.insert(1, os.path.join(ROOT, 'tools'))
    sys.path.insert(2, os.path.join(ROOT, 'host_tests'))
    import fuzz  # finds dtls_lite already imported from library_root
    _handshake_cases(fuzz, n)
    _der_cases(n)


def compare(rev, n):
    """(number of cases, [differing line pairs]) between rev and the working tree."""
    tmp = tempfile.mkdtemp(prefix='dtls_diff_')
    old = os.path.join(tmp, 'old')
    subprocess.run(['git', 'worktree', 'add', '--detach', old, rev], cwd=ROOT, check=True,
                   capture_output=True)
    try:
        procs = [subprocess.Popen([sys.executable, os.path.abspath(__file__), '--child', root,
                                   str(n)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for root in (old, ROOT)]
        outs = []
        for p in procs:
            out, err = p.communicate()
            if p.returncode:
                raise RuntimeError('child failed: %s' % err.decode()[-2000:])
            outs.append(out.decode().splitlines())
    finally:
        subprocess.run(['git', 'worktree', 'remove', '--force', old], cwd=ROOT,
                       capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
    a, b = outs
    diffs = [(x, y) for x, y in zip(a, b) if x != y]
    if len(a) != len(b):
        diffs.append(('%d cases' % len(a), '%d cases' % len(b)))
    return len(b), diffs


def main(argv):
    if argv[:1] == ['--child']:
        child(argv[1], int(argv[2]))
        return 0
    if not argv or argv[0].startswith('-'):
        sys.stderr.write(__doc__)
        return 2
    n = 100
    if len(argv) == 3 and argv[1] == '--mutants':
        n = int(argv[2])
    cases, diffs = compare(argv[0], n)
    print('%d cases, %d differ between %s and the working tree' % (cases, len(diffs), argv[0]))
    for x, y in diffs[:10]:
        print('  %s: %s\n  working tree: %s' % (argv[0], x[:400], y[:400]))
    return 1 if diffs else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
