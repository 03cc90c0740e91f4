"""Small helpers shared by the primitives: constant-time comparison and the random source.

`rng` everywhere in dtls_lite is a callable `n -> n random bytes`; `None` means the OS CSPRNG.
Tests inject a seeded one so handshakes are reproducible.
"""
from dtls_lite.compat import urandom


def ct_equal(a, b):
    """True if a == b, in time that depends only on the lengths (for MACs and tags)."""
    if len(a) != len(b):
        return False
    return ct_equal_at(a, 0, b, 0, len(a))


def ct_equal_at(a, aoff, b, boff, n):
    """ct_equal(a[aoff:aoff+n], b[boff:boff+n]) without making the slices (the AEAD tag check
    on the per-record path allocates nothing this way)."""
    acc = 0
    for i in range(n):
        acc |= a[aoff + i] ^ b[boff + i]
    return acc == 0


def get_rng(rng):
    """The random source to use: the caller's, or os.urandom."""
    return rng if rng is not None else urandom


class SeededRng:
    """Deterministic random bytes for tests and simulations (NOT for keys in production).

    SHA-256 in counter mode over a seed; the same seed gives the same stream on both runtimes.
    """

    def __init__(self, seed):
        import hashlib
        self._sha256 = hashlib.sha256
        self._seed = seed if isinstance(seed, bytes) else str(seed).encode()
        self._counter = 0
        self._buf = b''

    def __call__(self, n):
        while len(self._buf) < n:
            self._buf += self._sha256(self._seed + self._counter.to_bytes(8, 'big')).digest()
            self._counter += 1
        out, self._buf = self._buf[:n], self._buf[n:]
        return out
