"""CPython only: MicroPython sends the same bytes as CPython, suite by suite.

The interop tests check the CPython side against OpenSSL and GnuTLS (key schedule, Finished,
record nonces and tags of every suite); they cannot run MicroPython against those peers for
every suite. host_tests/wire_digest.py runs deterministic handshakes (seeded random bytes, a
simulated clock), a record each way and a close for every suite and key exchange, and prints a
digest of all datagrams; both runtimes must print the same lines, which carries the interop
proof over (the second mutation round of R9 found the EMS hash, Finished hash and labels, the
ChaCha nonce and the IV split checked on MicroPython by nothing else)."""
import subprocess
import sys

from dtls_lite import suites
from test_host_interop_support import MICROPYTHON_BIN, ROOT


def _run(argv):
    p = subprocess.run(argv + ['host_tests/wire_digest.py'], cwd=ROOT, capture_output=True,
                       text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    return p.stdout.splitlines()


def test_micropython_sends_the_bytes_cpython_sends():
    cpython = _run([sys.executable])
    micropython = _run([MICROPYTHON_BIN, '-X', 'heapsize=16M'])
    # one line per configuration: PSK suites once, ECDHE_PSK per group, ECDHE_ECDSA X.509 and RPK
    expected = 0
    for s in suites.SUITES:
        expected += {suites.KX_PSK: 1, suites.KX_ECDHE_PSK: 3, suites.KX_ECDHE_ECDSA: 2}[s[2]]
    assert len(cpython) == expected, cpython
    assert micropython == cpython
