"""Buffer kernels (XOR, copy, CTR counter blocks, GHASH) and the shared scratch buffer for the
AEAD modes (CCM, GCM, ChaCha20-Poly1305).

The kernels come from _aead_viper on MicroPython (native code) and _aead_py elsewhere; both
have the same signatures. `scratch(n)` hands out one module-wide buffer, grown lazily to the
largest record seen (rounded up to 256 bytes), so AEAD objects carry no per-object record
buffers. It is shared: the AEAD calls are synchronous and dtls_lite is single-threaded, and no
caller keeps anything in it across calls.
"""
from dtls_lite.compat import MICROPYTHON

if MICROPYTHON:
    from dtls_lite.crypto._aead_viper import (  # noqa: F401
        xor_into, copy_into, fill_zero, ctr_fill, ghash_table, ghash_blocks)
else:
    from dtls_lite.crypto._aead_py import (  # noqa: F401
        xor_into, copy_into, fill_zero, ctr_fill, ghash_table, ghash_blocks)

_buf = bytearray(256)
_mv = memoryview(_buf)


def scratch(n):
    """A memoryview of at least n bytes of scratch space (contents undefined)."""
    global _buf, _mv
    if len(_buf) < n:
        _buf = bytearray((n + 255) & ~255)
        _mv = memoryview(_buf)
    return _mv
