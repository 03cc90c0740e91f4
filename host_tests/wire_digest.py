"""Every datagram of deterministic in-memory handshakes, hashed: one line per configuration.

    python3 host_tests/wire_digest.py            micropython host_tests/wire_digest.py

Run from the repository root. Seeded random bytes and the simulated clock make each run
byte-for-byte reproducible, so the two runtimes must print the same lines: the interop tests
prove the CPython bytes against OpenSSL and GnuTLS (key schedule, Finished, record nonces of
every suite), and equality carries that proof over to MicroPython, whose own tests cannot run
those peers. host_tests/test_host_runtimes_agree.py compares the two outputs."""
import sys
sys.path.insert(0, 'host_tests')
sys.path.insert(0, '.')

import hashlib  # noqa: E402

from dtls_lite import suites  # noqa: E402
from dtls_sim import Pair  # noqa: E402
import test_dtls_ecdsa as te  # noqa: E402


def _digest(pair):
    """Handshake, one record each way, close; SHA-256 over every datagram sent, in order."""
    h = hashlib.sha256()
    tamper = pair.tamper

    def record(src, dst, data):
        if tamper is not None:
            data = tamper(src, dst, data)
        if data is not None:
            h.update(bytes((len(data) >> 8, len(data) & 255)) + data)
        return data

    pair.tamper = record
    assert pair.handshake(max_ms=20000)
    pair.client.write(pair.server_addr, b'ping')
    pair.server.write(pair.client_addr, b'pong' * 40)
    pair.run()
    pair.client.close(pair.server_addr)
    pair.run()
    return h.digest().hex()[:32]


def main():
    for s in suites.SUITES:
        name = s[1]
        if s[2] == suites.KX_ECDHE_ECDSA:
            for rpk in (False, True):
                pair = te._pair(7, name, rpk=rpk, mutual=True)
                print(name, 'rpk' if rpk else 'x509', _digest(pair))
        else:
            groups = ('x25519', 'secp256r1', 'secp384r1') if s[2] != suites.KX_PSK else (None,)
            for g in groups:
                cfg = {'ciphers': [name]}
                if g is not None:
                    cfg['groups'] = [g]
                pair = Pair(seed=7, client_config=dict(cfg), server_config=dict(cfg), hint=b'hint')
                print(name, g or 'psk', _digest(pair))


main()
