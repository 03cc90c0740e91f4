"""The AEAD ciphers of the DTLS cipher suites, by name: `new(name, key)`.

Every object has .tag_len, .key_len and takes 12-byte nonces:
    seal(nonce, aad, plaintext) -> ciphertext || tag
    open(nonce, aad, ciphertext_and_tag) -> plaintext, or None if the tag is bad
    seal_into(nonce, aad, buf, n) -> n + tag_len     (plaintext buf[0:n] encrypted in place,
                                                      tag at buf[n:n+tag_len])
    open_into(nonce, aad, buf, n) -> n - tag_len, or -1 on a bad tag (no plaintext left in buf)
The *_into forms are the per-record path: no buffers are allocated per record.

`new(name, key, lean=True)` asks for the smallest object at some cost in speed; today only
CCM has such a form (one AES object instead of two: 448 B instead of 832 B on unix MicroPython).
"""
from dtls_lite.errors import text


def _ccm():
    from dtls_lite.crypto.ccm import AESCCM
    return AESCCM


def _gcm():
    from dtls_lite.crypto.gcm import AESGCM
    return AESGCM


def _chacha():
    from dtls_lite.crypto.chacha20poly1305 import ChaCha20Poly1305
    return ChaCha20Poly1305


# name -> (key length, tag length, class loader); modules are imported on first use (or by
# load()) so a CCM-only device never loads GCM or ChaCha20 code.
_SUITES = {
    'AES_128_CCM_8': (16, 8, _ccm),
    'AES_128_CCM': (16, 16, _ccm),
    'AES_256_CCM_8': (32, 8, _ccm),
    'AES_256_CCM': (32, 16, _ccm),
    'AES_128_GCM': (16, 16, _gcm),
    'AES_256_GCM': (32, 16, _gcm),
    'CHACHA20_POLY1305': (32, 16, _chacha),
}

NAMES = ('AES_128_CCM_8', 'AES_128_CCM', 'AES_256_CCM_8', 'AES_256_CCM',
         'AES_128_GCM', 'AES_256_GCM', 'CHACHA20_POLY1305')


def _entry(name):
    entry = _SUITES.get(name)
    if entry is None:
        raise ValueError(text('aead', (name,)))
    return entry


def load(name):
    """Import the code of the cipher `name` now, without keying anything (Context does this
    for its configured suites, so no handshake pays for loading code in its heap peak): the
    mode, and for CCM and GCM the pure-Python AES where the runtime has no cryptolib (CPython),
    which aes.new() would otherwise import at the first key."""
    loader = _entry(name)[2]
    if loader is not _chacha:
        from dtls_lite.compat import HAVE_CRYPTOLIB
        if not HAVE_CRYPTOLIB:
            from dtls_lite.crypto import _aead_aes_py  # noqa: F401
    return loader()


def new(name, key, lean=False):
    """An AEAD object for the cipher `name` keyed with `key` (ValueError on a wrong key size)."""
    key_len, tag_len, loader = _entry(name)
    if len(key) != key_len:
        raise ValueError(text('aead_key', (name, key_len)))
    if loader is _ccm:
        return _ccm()(key, tag_len, 12, lean)
    return loader()(key)
