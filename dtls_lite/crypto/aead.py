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


def _ccm(key, tag_len, lean):
    from dtls_lite.crypto.ccm import AESCCM
    return AESCCM(key, tag_len, 12, lean)


def _gcm(key, lean):
    from dtls_lite.crypto.gcm import AESGCM
    return AESGCM(key)


def _chacha(key, lean):
    from dtls_lite.crypto.chacha20poly1305 import ChaCha20Poly1305
    return ChaCha20Poly1305(key)


# name -> (key length, constructor); modules are imported on first use so a CCM-only device
# never loads GCM or ChaCha20 code.
_SUITES = {
    'AES_128_CCM_8': (16, lambda key, lean: _ccm(key, 8, lean)),
    'AES_128_CCM': (16, lambda key, lean: _ccm(key, 16, lean)),
    'AES_256_CCM_8': (32, lambda key, lean: _ccm(key, 8, lean)),
    'AES_256_CCM': (32, lambda key, lean: _ccm(key, 16, lean)),
    'AES_128_GCM': (16, _gcm),
    'AES_256_GCM': (32, _gcm),
    'CHACHA20_POLY1305': (32, _chacha),
}

NAMES = ('AES_128_CCM_8', 'AES_128_CCM', 'AES_256_CCM_8', 'AES_256_CCM',
         'AES_128_GCM', 'AES_256_GCM', 'CHACHA20_POLY1305')


def new(name, key, lean=False):
    """An AEAD object for the cipher `name` keyed with `key` (ValueError on a wrong key size)."""
    entry = _SUITES.get(name)
    if entry is None:
        raise ValueError('unknown AEAD ' + str(name))
    if len(key) != entry[0]:
        raise ValueError('%s needs a %d-byte key' % (name, entry[0]))
    return entry[1](key, lean)
