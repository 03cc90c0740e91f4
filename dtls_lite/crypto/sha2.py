"""SHA-256 and SHA-384 hash descriptors (FIPS 180-4) for HMAC, the PRF, HKDF and signatures.

A descriptor names a hash and makes hash objects: `SHA256.new(data)` returns an object with
`update(data)` and `digest()`, and `SHA256.hash(data)` is the one-shot digest. `digest()` may
finalize the object (MicroPython's hashlib does), so callers never use an object after it.

SHA-256 is the C `hashlib.sha256` on every runtime. SHA-384 is `hashlib.sha384` where the
runtime has it (CPython) and the pure-Python `Sha384Pure` otherwise (MicroPython has no
SHA-384 on any board), which lives in _sha512_py.py and is imported on first use.
`Sha384Pure`/`Sha512Pure` are importable from here everywhere (module __getattr__) so both
paths are tested on both runtimes.
"""
import hashlib


class _Hash:
    """A hash descriptor: what HMAC, the PRF and HKDF need to know about a hash function."""

    def __init__(self, name, digest_size, block_size, new):
        self.name = name
        self.digest_size = digest_size
        self.block_size = block_size
        self.new = new        # new(data=b'') -> object with update(data), digest()

    def hash(self, data):
        return self.new(data).digest()

    def __repr__(self):
        return '<hash %s>' % self.name


class _PureSha384(_Hash):
    """SHA-384 from _sha512_py, imported when first used (`new` is looked up on each use)."""

    def __init__(self):
        self.name = 'sha384'
        self.digest_size = 48
        self.block_size = 128

    @property
    def new(self):
        from dtls_lite.crypto._sha512_py import Sha384Pure
        return Sha384Pure


def __getattr__(name):
    # PEP 562 (MicroPython: MICROPY_MODULE_GETATTR): the pure classes without importing them early
    if name in ('Sha384Pure', 'Sha512Pure'):
        from dtls_lite.crypto import _sha512_py
        return getattr(_sha512_py, name)
    raise AttributeError(name)


SHA256 = _Hash('sha256', 32, 64, hashlib.sha256)

# Feature test, not a runtime test: use the C SHA-384 wherever a hashlib provides it.
_sha384 = getattr(hashlib, 'sha384', None)
SHA384 = _Hash('sha384', 48, 128, _sha384) if _sha384 is not None else _PureSha384()
SHA384_PURE = _PureSha384()
