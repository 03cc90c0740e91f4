"""AES-CCM (RFC 3610, NIST SP 800-38C) on two AES objects: one CBC, one ECB.

CCM is CBC-MAC over a formatted block string, then CTR encryption; MicroPython's cryptolib has
no CTR mode, so both halves are mapped onto what it has:

  CBC-MAC  B0 || encoded(aad) || padded(message) is laid out in the shared scratch buffer and
           encrypted with the CBC object in ONE call; the last output block is the MAC T.
           The CBC object is persistent and chains its IV from call to call (cryptolib does
           that), so before each call B0 is XORed with the previous call's last block (kept in
           `_chain`): the first block then sees a zero IV, as CBC-MAC requires.
  CTR      the counter blocks A0..Am are written into the scratch buffer (ctr_fill kernel) and
           encrypted with the ECB object in ONE call; the keystream is XORed onto the record.

Per record: two cryptolib calls and a few kernel passes; sealing and opening allocate nothing
once the record size has been seen (cached scratch views).
Per object (MicroPython, 64-bit unix): two cryptolib.aes (320 B each) + a 16-byte bytearray
(64 B) + the instance (128 B) = 832 B, measured by tools/bench_aead.py.

lean=True trades speed for memory: no CBC object, the CBC-MAC runs block by block through the
ECB object (one cryptolib call + one XOR per 16 bytes). 448 B per object instead of 832 B;
+20% time for a 64-byte record, 1.8x for 1 KB (unix MicroPython, bench_aead_records).

Opening decrypts in place before the MAC can be checked (CCM authenticates the plaintext); on a
bad tag the plaintext is wiped from the caller's buffer before returning -1.
"""
from dtls_lite.compat import const
from dtls_lite.crypto import aes
from dtls_lite.crypto.util import ct_equal_at
from dtls_lite.crypto._aead_ops import (xor_into, copy_into, fill_zero, ctr_fill, scratch, view,
                                        MAX_RECORD, OneShot)
from dtls_lite.errors import text

_MIN_NONCE = const(7)
_MAX_NONCE = const(13)

# S0 (the keystream block that masks the tag), saved while the scratch buffer holds the MAC input.
_s0 = bytearray(16)
# The running CBC-MAC block of the lean (ECB-only) path.
_x = bytearray(16)


class AESCCM(OneShot):
    """AES-CCM with a fixed tag length (4..16, even) and nonce length (7..13) per object."""

    def __init__(self, key, tag_len=16, nonce_len=12, lean=False):
        if tag_len not in (4, 6, 8, 10, 12, 14, 16):
            raise ValueError(text('ccm_tag'))
        if not _MIN_NONCE <= nonce_len <= _MAX_NONCE:
            raise ValueError(text('ccm_nonce'))
        self._ecb = aes.new(key, aes.MODE_ECB)  # raises ValueError for a key not of 16, 24, 32 bytes
        self.key_len = len(key)
        self.tag_len = tag_len
        self.nonce_len = nonce_len
        if lean:
            self._cbc = self._chain = None
        else:
            self._cbc = aes.new(key, aes.MODE_CBC)
            self._chain = bytearray(16)  # the CBC object's current chaining value

    def _mac(self, nonce, aad, data, n):
        """CBC-MAC (RFC 3610 §2.2) over data[0:n]; returns the buffer holding T in its first 16 bytes."""
        nl = self.nonce_len
        la = len(aad)
        s = scratch(16 + 10 + la + 16 + n + 16)
        # B0 = flags || nonce || l(m)
        s[0] = (64 if la else 0) | ((self.tag_len - 2) << 2) | (14 - nl)
        copy_into(s, 1, nonce, 0, nl)
        for i in range(15 - nl):
            s[15 - i] = (n >> (8 * i)) & 0xFF
        p = 16
        if la:
            if la < 0xFF00:
                s[16] = la >> 8
                s[17] = la & 0xFF
                p = 18
            else:
                w = 4 if la < 0x100000000 else 8
                s[16] = 0xFF
                s[17] = 0xFE if w == 4 else 0xFF
                for i in range(w):
                    s[17 + w - i] = (la >> (8 * i)) & 0xFF
                p = 18 + w
            copy_into(s, p, aad, 0, la)
            p += la
            pad = -p & 15
            fill_zero(s, p, pad)
            p += pad
        copy_into(s, p, data, 0, n)
        p += n
        pad = -p & 15
        fill_zero(s, p, pad)
        p += pad
        if self._cbc is None:
            # The lean path: X_i = E(X_(i-1) ^ B_i) one block at a time with the ECB object.
            fill_zero(_x, 0, 16)
            ecb = self._ecb
            for off in range(0, p, 16):
                xor_into(_x, 0, s, off, 16)
                ecb.encrypt(_x, _x)
            fill_zero(s, 0, p)      # the scratch held the (maybe unauthenticated) plaintext
            return _x
        xor_into(s, 0, self._chain, 0, 16)  # cancel the IV the CBC object carried over
        v = view(p)
        self._cbc.encrypt(v, v)
        copy_into(self._chain, 0, s, p - 16, 16)
        return self._chain

    def _keystream(self, nonce, nblocks):
        """E(A0) .. E(A(nblocks-1)) into the scratch buffer (RFC 3610 §2.3)."""
        nl = self.nonce_len
        s = scratch(16 * nblocks)
        s[0] = 14 - nl
        copy_into(s, 1, nonce, 0, nl)
        fill_zero(s, 1 + nl, 15 - nl)
        ctr_fill(s, s, nblocks)
        v = view(16 * nblocks)
        self._ecb.encrypt(v, v)
        return s

    def seal_into(self, nonce, aad, buf, n):
        """Encrypt buf[0:n] in place and write the tag at buf[n:n+tag_len]; returns n + tag_len."""
        m = self.tag_len
        if len(nonce) != self.nonce_len:
            raise ValueError(text('ccm_n_len'))
        # RFC 3610 §2.1: the length field has L = 15 - nonce_len bytes; and our record bound.
        if n < 0 or n > MAX_RECORD or n >> (8 * (15 - self.nonce_len)) or len(buf) < n + m:
            raise ValueError(text('ccm_len'))
        t = self._mac(nonce, aad, buf, n)
        s = self._keystream(nonce, (n + 31) >> 4)
        xor_into(buf, 0, s, 16, n)
        copy_into(buf, n, t, 0, m)
        xor_into(buf, n, s, 0, m)
        return n + m

    def open_into(self, nonce, aad, buf, n):
        """Decrypt buf[0:n] (ciphertext || tag) in place; n - tag_len, or -1 on a bad tag."""
        m = self.tag_len
        if n < m or n > len(buf):
            return -1   # (n beyond buf: the kernels would read and write past its end)
        c = n - m
        if len(nonce) != self.nonce_len:
            raise ValueError(text('ccm_n_len'))  # our caller's mistake, not the peer's
        if c > MAX_RECORD or c >> (8 * (15 - self.nonce_len)):
            return -1  # longer than any record we seal (see seal_into): cannot be genuine
        s = self._keystream(nonce, (c + 31) >> 4)
        copy_into(_s0, 0, s, 0, 16)
        xor_into(buf, 0, s, 16, c)
        t = self._mac(nonce, aad, buf, c)
        xor_into(_s0, 0, t, 0, m)
        if ct_equal_at(_s0, 0, buf, c, m):
            return c
        fill_zero(buf, 0, c)  # never leave unauthenticated plaintext behind
        return -1
