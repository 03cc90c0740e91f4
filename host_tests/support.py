"""Helpers shared by the portable tests (CPython and MicroPython alike).

Portable test modules are `host_tests/test_*.py`; modules named `test_host_*.py` need CPython
(oracles from `cryptography`, hypothesis, subprocess peers) and only pytest runs them.
"""
import sys
import json

MICROPYTHON = sys.implementation.name == 'micropython'


def _dirname(path):
    i = path.rfind('/')
    return path[:i] if i > 0 else ('/' if i == 0 else '.')


def _abspath(path):
    if path.startswith('/'):
        return path
    import os
    return os.getcwd() + '/' + path


HOST_TESTS = _dirname(_abspath(__file__))
ROOT = _dirname(HOST_TESTS)
SHARED = _dirname(ROOT) + '/shared'
WYCHEPROOF = SHARED + '/vectors/wycheproof'


def wycheproof(name):
    """Parsed JSON of one Wycheproof file from ../shared (fails loudly if it is missing)."""
    path = WYCHEPROOF + '/' + name
    try:
        f = open(path)
    except OSError:
        raise AssertionError('Wycheproof vectors not found at %s (../shared must sit beside the checkout)' % path)
    try:
        return json.load(f)
    finally:
        f.close()


def wycheproof_tests(name):
    """Yield (group, test) for every test of every group of a Wycheproof file."""
    data = wycheproof(name)
    for group in data['testGroups']:
        for test in group['tests']:
            yield group, test


def pick(seq, n, salt=0):
    """A deterministic sample of about n items from seq, spread over it (same on both runtimes)."""
    seq = list(seq)
    if len(seq) <= n:
        return seq
    step = len(seq) / n
    return [seq[int(i * step + salt) % len(seq)] for i in range(n)]


def unhex(s):
    return bytes.fromhex(s)


def alert_of(exc_class, fn, *args, **kw):
    """The .alert of the exc_class error that fn(*args, **kw) raises (dtls_lite.errors.Fault,
    x509.errors.CertificateError); AssertionError if it raises none."""
    try:
        fn(*args, **kw)
    except exc_class as e:
        return e.alert
    raise AssertionError('no %s raised' % exc_class.__name__)
