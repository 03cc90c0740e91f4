"""ChaCha20-Poly1305 AEAD (RFC 8439 §2.8).

Per record: the 16-word ChaCha20 state (constants, key, counter, nonce) is laid out in a
module-wide 64-byte buffer; block 0 of the keystream gives the one-time Poly1305 key, blocks
1.. are XORed onto the record (both from the shared scratch buffer). Poly1305 (§2.5) runs over
aad || pad16 || ciphertext || pad16 || le64(len aad) || le64(len ct), whole blocks straight
from the caller's buffers, a partial last block through a 16-byte pad buffer. Opening checks
the tag before decrypting, so a bad record never produces plaintext.

The ChaCha20 block function and Poly1305 are viper on MicroPython (_aead_chacha_viper, compiled
at run time by _aead_ops.kernels: 32-bit words, 13-bit Poly1305 limbs, no big ints per block)
and plain Python with big ints elsewhere (_aead_chacha_py). Memory per object: the 32-byte key
and the instance, nothing else (64 B on unix MicroPython); seal_into and open_into allocate
nothing at all (heap_lock test in test_aead).
"""
from dtls_lite.crypto.util import ct_equal_at
from dtls_lite.crypto._aead_ops import (xor_into, copy_into, fill_zero, scratch, kernels,
                                        MAX_RECORD, OneShot)
from dtls_lite.errors import text

# ChaCha20/Poly1305 kernels: viper compiled now, on the first import of this module (= the first
# ChaCha20-Poly1305 object, as aead.new imports it then), or the plain-Python ones.
_k = kernels('chacha', '_aead_chacha_viper', '_aead_chacha_py')
chacha20_blocks = _k['chacha20_blocks']
poly1305_start = _k['poly1305_start']
poly1305_blocks = _k['poly1305_blocks']
poly1305_finish = _k['poly1305_finish']
del _k

_MASK32 = 0xFFFFFFFF  # a big int on 32-bit boards, a uint inside viper

# "expand 32-byte k" (§2.3) then key, counter, nonce: filled per record.
_state = bytearray(b'expand 32-byte k' + bytes(48))
_tag = bytearray(16)
_blk = bytearray(16)


def _poly_padded(st, data, n):
    """Absorb data[0:n] zero-padded to a multiple of 16 bytes (RFC 8439 §2.8 pad16)."""
    full = n & ~15
    if full:
        poly1305_blocks(st, data, 0, full)
    if n > full:
        fill_zero(_blk, 0, 16)
        copy_into(_blk, 0, data, full, n - full)
        poly1305_blocks(st, _blk, 0, 16)


class ChaCha20Poly1305(OneShot):
    """RFC 8439 AEAD: 32-byte key, 12-byte nonce, 16-byte tag."""

    tag_len = 16
    key_len = 32

    def __init__(self, key):
        if len(key) != 32:
            raise ValueError(text('cc_key'))
        self._key = bytes(key)

    def _keystream(self, nonce, nblocks):
        """Blocks 0 .. nblocks-1 of the keystream for nonce into the scratch buffer."""
        if len(nonce) != 12:
            raise ValueError(text('cc_nonce'))
        st = _state
        copy_into(st, 16, self._key, 0, 32)
        st[48] = st[49] = st[50] = st[51] = 0
        copy_into(st, 52, nonce, 0, 12)
        s = scratch(64 * nblocks)
        chacha20_blocks(s, st, nblocks, _MASK32)
        fill_zero(st, 16, 32)   # the traffic key: not kept in module state
        return s

    def _tag(self, s, aad, buf, n):
        """Poly1305 tag into _tag; the one-time key is s[0:32] (keystream block 0, §2.6)."""
        st = poly1305_start(s)
        _poly_padded(st, aad, len(aad))
        _poly_padded(st, buf, n)
        la = len(aad)
        for i in range(8):  # le64(len aad) || le64(len ciphertext)
            _blk[i] = (la >> (8 * i)) & 0xFF
            _blk[8 + i] = (n >> (8 * i)) & 0xFF
        poly1305_blocks(st, _blk, 0, 16)
        poly1305_finish(st, _tag)

    def seal_into(self, nonce, aad, buf, n):
        """Encrypt buf[0:n] in place and write the tag at buf[n:n+16]; returns n + 16."""
        if n < 0 or n > MAX_RECORD or len(buf) < n + 16:
            raise ValueError(text('cc_len'))
        s = self._keystream(nonce, (n + 127) >> 6)
        xor_into(buf, 0, s, 64, n)
        self._tag(s, aad, buf, n)
        copy_into(buf, n, _tag, 0, 16)
        return n + 16

    def open_into(self, nonce, aad, buf, n):
        """Decrypt buf[0:n] (ciphertext || tag) in place; n - 16, or -1 on a bad tag."""
        if n < 16 or n - 16 > MAX_RECORD or n > len(buf):
            return -1
        c = n - 16
        s = self._keystream(nonce, (c + 127) >> 6)
        self._tag(s, aad, buf, c)
        if not ct_equal_at(_tag, 0, buf, c, 16):
            return -1
        xor_into(buf, 0, s, 64, c)
        return c
