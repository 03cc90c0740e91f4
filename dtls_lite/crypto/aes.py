"""AES-128/256 block cipher (FIPS-197) behind the `cryptolib.aes` interface.

`new(key, mode, iv=None)` returns MicroPython's C `cryptolib.aes` where it exists and a
pure-Python `PureAES` otherwise; both speak the same small interface, so the AEAD modes above
(CCM, GCM) are written once:

    obj.encrypt(src, dst=None)   # len(src) % 16 == 0; into dst (may be src: in place) or new bytes
    obj.decrypt(src, dst=None)

`mode` is MODE_ECB (1) or MODE_CBC (2). In CBC mode the chaining value carries over from one
call to the next, exactly like cryptolib. (cryptolib additionally lets one object either encrypt
or decrypt, never both; code above this module respects that rule so it runs on both paths.)

AES-192 (no DTLS suite uses it, cryptolib lacks it) is served by the pure path on every runtime
so that the Wycheproof groups with 24-byte keys run too.

`PureAES` (the pure path, for CPython and tests; on MicroPython the C AES is ~40x faster) lives
in _aead_aes_py and is imported on first use, through `aes.PureAES` or new(): where cryptolib
does the work (every board) its bytecode is never loaded.
"""
from dtls_lite.compat import const, HAVE_CRYPTOLIB, cryptolib_aes

MODE_ECB = const(1)
MODE_CBC = const(2)


def __getattr__(name):
    """`aes.PureAES` (and `from dtls_lite.crypto.aes import PureAES`), imported on first use."""
    if name == 'PureAES':
        from dtls_lite.crypto._aead_aes_py import PureAES
        return PureAES
    raise AttributeError(name)


def new(key, mode, iv=None):
    """The fastest AES available: C cryptolib.aes on MicroPython, PureAES otherwise."""
    if HAVE_CRYPTOLIB and len(key) in (16, 32):
        if mode == MODE_CBC:
            return cryptolib_aes(key, mode, bytes(16) if iv is None else iv)
        return cryptolib_aes(key, mode)
    from dtls_lite.crypto._aead_aes_py import PureAES
    return PureAES(key, mode, iv)
