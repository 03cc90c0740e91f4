"""Buffer kernels (XOR, copy, CTR counter blocks, GHASH) and the shared scratch buffer for the
AEAD modes (CCM, GCM, ChaCha20-Poly1305).

The kernels come from _aead_viper on MicroPython (native code) and _aead_py elsewhere; both
have the same signatures. `scratch(n)` hands out one module-wide buffer, grown lazily to the
largest record seen (rounded up to 256 bytes), so AEAD objects carry no per-object record
buffers. It is shared: the AEAD calls are synchronous and dtls_lite is single-threaded, and no
caller keeps anything in it across calls.
"""
from dtls_lite.compat import MICROPYTHON, const

if MICROPYTHON:
    from dtls_lite.crypto._aead_viper import (  # noqa: F401
        xor_into, copy_into, fill_zero, ctr_fill, ghash_table, ghash_blocks)
else:
    from dtls_lite.crypto._aead_py import (  # noqa: F401
        xor_into, copy_into, fill_zero, ctr_fill, ghash_table, ghash_blocks)

# The largest plaintext any AEAD here accepts: DTLS never carries more than 2^14 bytes of
# plaintext (RFC 6347 §4.1 / RFC 5246 §6.2.1), with slack for TLSCompressed-era expansion
# (+2048). It bounds the scratch buffer: a board never grows it past ~18.5 KB.
MAX_RECORD = const(18432)

_buf = bytearray(256)
_mv = memoryview(_buf)
# Exact-length views of the scratch buffer for cryptolib (which wants the exact length), by
# length: records of a repeating size then cost no allocation at all. Bounded: cleared when full.
_MAX_VIEWS = const(8)
_views = {}


def scratch(n):
    """A memoryview of at least n bytes of scratch space (contents undefined)."""
    global _buf, _mv
    if len(_buf) < n:
        _buf = bytearray((n + 255) & ~255)
        _mv = memoryview(_buf)
        _views.clear()  # they point into the old buffer
    return _mv


def view(n):
    """scratch()[0:n], cached (the caller has already called scratch(n) or more)."""
    v = _views.get(n)
    if v is None:
        if len(_views) >= _MAX_VIEWS:
            _views.clear()
        v = _mv[0:n]
        _views[n] = v
    return v
