"""ChaCha20-Poly1305 AEAD (RFC 8439 §2.8).

Per record: the 16-word ChaCha20 state (constants, key, counter, nonce) is laid out in a
module-wide 64-byte buffer; block 0 of the keystream gives the one-time Poly1305 key, blocks
1.. are XORed onto the record (both from the shared scratch buffer). Poly1305 (§2.5) runs over
aad || pad16 || ciphertext || pad16 || le64(len aad) || le64(len ct) with Python big ints,
reading straight from the caller's buffers. Opening checks the tag before decrypting, so a bad
record never produces plaintext.

ChaCha20 itself is viper on MicroPython (_aead_chacha_viper), plain Python elsewhere
(_aead_chacha_py). Memory per object: the 32-byte key and the instance, nothing else.
"""
from dtls_lite.compat import MICROPYTHON
from dtls_lite.crypto.util import ct_equal
from dtls_lite.crypto._aead_ops import xor_into, copy_into, scratch

if MICROPYTHON:
    from dtls_lite.crypto._aead_chacha_viper import chacha20_blocks
else:
    from dtls_lite.crypto._aead_chacha_py import chacha20_blocks

_P = (1 << 130) - 5
_CLAMP = 0x0FFFFFFC0FFFFFFC0FFFFFFC0FFFFFFF
_HIBIT = 1 << 128
_MASK32 = 0xFFFFFFFF  # a big int on 32-bit boards, a uint inside viper
_MAX_LEN = (1 << 38) - 64  # RFC 8439 §2.8: 2^32 - 1 blocks of 64 bytes, counter from 1

# "expand 32-byte k" (§2.3) then key, counter, nonce: filled per record.
_state = bytearray(b'expand 32-byte k' + bytes(48))
_tag = bytearray(16)
_tag_mv = memoryview(_tag)


def _poly_update(acc, r, data, n):
    """Absorb data[0:n] zero-padded to 16-byte blocks (each block gets the 2^128 bit)."""
    off = 0
    while off < n:
        end = off + 16 if off + 16 <= n else n
        acc = (acc + int.from_bytes(data[off:end], 'little') + _HIBIT) * r % _P
        off += 16
    return acc


class ChaCha20Poly1305:
    """RFC 8439 AEAD: 32-byte key, 12-byte nonce, 16-byte tag."""

    tag_len = 16
    key_len = 32

    def __init__(self, key):
        if len(key) != 32:
            raise ValueError('ChaCha20-Poly1305 key must be 32 bytes')
        self._key = bytes(key)

    def _keystream(self, nonce, nblocks):
        """Blocks 0 .. nblocks-1 of the keystream for nonce into the scratch buffer."""
        if len(nonce) != 12:
            raise ValueError('ChaCha20-Poly1305 nonce must be 12 bytes')
        st = _state
        copy_into(st, 16, self._key, 0, 32)
        st[48] = st[49] = st[50] = st[51] = 0
        copy_into(st, 52, nonce, 0, 12)
        s = scratch(64 * nblocks)
        chacha20_blocks(s, st, nblocks, _MASK32)
        return s

    def _tag(self, s, aad, buf, n):
        """Poly1305 tag into _tag; the one-time key is s[0:32] (keystream block 0, §2.6)."""
        r = int.from_bytes(s[0:16], 'little') & _CLAMP
        acc = _poly_update(0, r, aad, len(aad))
        acc = _poly_update(acc, r, buf, n)
        acc = (acc + len(aad) + (n << 64) + _HIBIT) * r % _P
        acc = (acc + int.from_bytes(s[16:32], 'little')) & ((1 << 128) - 1)
        copy_into(_tag, 0, acc.to_bytes(16, 'little'), 0, 16)

    def seal_into(self, nonce, aad, buf, n):
        """Encrypt buf[0:n] in place and write the tag at buf[n:n+16]; returns n + 16."""
        if n > _MAX_LEN or len(buf) < n + 16:
            raise ValueError('bad ChaCha20-Poly1305 record length')
        s = self._keystream(nonce, (n + 127) >> 6)
        xor_into(buf, 0, s, 64, n)
        self._tag(s, aad, buf, n)
        copy_into(buf, n, _tag, 0, 16)
        return n + 16

    def open_into(self, nonce, aad, buf, n):
        """Decrypt buf[0:n] (ciphertext || tag) in place; n - 16, or -1 on a bad tag."""
        if n < 16 or n - 16 > _MAX_LEN:
            return -1
        c = n - 16
        s = self._keystream(nonce, (c + 127) >> 6)
        self._tag(s, aad, buf, c)
        if not ct_equal(_tag_mv, memoryview(buf)[c:n]):
            return -1
        xor_into(buf, 0, s, 64, c)
        return c

    def seal(self, nonce, aad, plaintext):
        n = len(plaintext)
        out = bytearray(n + 16)
        copy_into(out, 0, plaintext, 0, n)
        self.seal_into(nonce, aad, out, n)
        return bytes(out)

    def open(self, nonce, aad, data):
        buf = bytearray(data)
        r = self.open_into(nonce, aad, buf, len(buf))
        return None if r < 0 else bytes(buf[0:r])
