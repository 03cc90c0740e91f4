"""AES-GCM (NIST SP 800-38D) on one ECB AES object and a table-driven GHASH.

Data flow per record:
  CTR   the counter blocks J0, inc32(J0), ... are written into the shared scratch buffer and
        encrypted with the ECB object in one call: block 0 is E(J0), which masks the tag; the
        rest is XORed onto the record.
  GHASH runs over aad || pad || ciphertext || pad || len64(aad) || len64(ct), 16 bytes at a
        time, straight out of the caller's buffers (a partial last block goes through a
        16-byte pad buffer).
Opening checks the tag before anything is decrypted, so a bad record leaves the ciphertext
untouched and no plaintext ever exists.

GHASH multiplies by H with Shoup's 4-bit table method: per key, the 16 multiples N(x)*H for
the nibbles N; each block costs 32 steps of shift / reduce / table XOR. The kernel is viper on
32-bit words on MicroPython (_aead_ghash_viper; table: a 256-byte bytearray, no allocation per
block) and 128-bit ints on CPython (_aead_py). An 8-bit table would halve the steps at 16x the
memory, which a board cannot spend per session. Memory per object on MicroPython (64-bit unix):
one cryptolib.aes (320 B) + the 256-byte table + the instance = 704 B (tools/bench_aead.py).
"""
from dtls_lite.crypto import aes
from dtls_lite.crypto.util import ct_equal_at
from dtls_lite.crypto._aead_ops import (xor_into, copy_into, fill_zero, ctr_fill, scratch, view,
                                        kernels, MAX_RECORD, OneShot)
from dtls_lite.errors import text

# GHASH kernels: viper compiled now, on the first import of this module (= the first AES-GCM
# object, as aead.new imports it then), or the plain-Python ones (see _aead_ops.kernels).
_k = kernels('ghash', '_aead_ghash_viper', '_aead_py')
ghash_table = _k['ghash_table']
ghash_blocks = _k['ghash_blocks']
del _k


# Per-record state, shared (calls are synchronous): GHASH accumulator, one padded block, tag.
_y = bytearray(16)
_blk = bytearray(16)
_s0 = bytearray(16)


def _h_multiples(h):
    """[N_v(x) * H for v in 0..15], v's most significant bit being the x^0 coefficient."""
    t = [0] * 16
    for bit in (8, 4, 2, 1):
        t[bit] = h
        h = (h >> 1) ^ ((0xE1 << 120) if h & 1 else 0)  # times x, reduced (GCM bit order)
    for v in range(16):
        if v & (v - 1):
            t[v] = t[v & 8] ^ t[v & 4] ^ t[v & 2] ^ t[v & 1]
    return t


class AESGCM(OneShot):
    """AES-GCM with any IV length >= 1 byte and a tag of 4..16 bytes (16 in DTLS)."""

    def __init__(self, key, tag_len=16):
        if not 4 <= tag_len <= 16:
            raise ValueError(text('gcm_tag'))
        self._ecb = aes.new(key, aes.MODE_ECB)  # raises ValueError for a key not of 16, 24, 32 bytes
        self.key_len = len(key)
        self.tag_len = tag_len
        h = bytearray(16)
        self._ecb.encrypt(h, h)
        self._table = ghash_table(_h_multiples(int.from_bytes(h, 'big')))

    def _absorb(self, data, n):
        """GHASH data[0:n] zero-padded to whole blocks into _y."""
        full = n & ~15
        if full:
            ghash_blocks(_y, self._table, data, 0, full)
        if n > full:
            fill_zero(_blk, 0, 16)
            copy_into(_blk, 0, data, full, n - full)
            ghash_blocks(_y, self._table, _blk, 0, 16)

    def _absorb_lengths(self, a_bytes, c_bytes):
        """The final GHASH block: len64(A) || len64(C) in bits."""
        for i in range(8):  # big-endian
            _blk[7 - i] = (a_bytes * 8 >> (8 * i)) & 0xFF
            _blk[15 - i] = (c_bytes * 8 >> (8 * i)) & 0xFF
        ghash_blocks(_y, self._table, _blk, 0, 16)

    def _counters(self, nonce, nblocks):
        """E(J0), E(inc32(J0)), ... into the scratch buffer (SP 800-38D §7.1 steps 2, 5)."""
        ln = len(nonce)
        if ln == 0:
            raise ValueError(text('gcm_iv'))
        s = scratch(16 * nblocks)
        if ln == 12:
            copy_into(s, 0, nonce, 0, 12)
            s[12] = s[13] = s[14] = 0
            s[15] = 1
        else:  # J0 = GHASH(IV || pad || len64(0) || len64(IV))
            fill_zero(_y, 0, 16)
            self._absorb(nonce, ln)
            self._absorb_lengths(0, ln)
            copy_into(s, 0, _y, 0, 16)
        ctr_fill(s, s, nblocks)
        v = view(16 * nblocks)
        self._ecb.encrypt(v, v)
        return s

    def _tag(self, aad, buf, n, s):
        """The full 16-byte tag into _s0 (s holds E(J0) in its first block)."""
        fill_zero(_y, 0, 16)
        self._absorb(aad, len(aad))
        self._absorb(buf, n)
        self._absorb_lengths(len(aad), n)
        copy_into(_s0, 0, _y, 0, 16)
        xor_into(_s0, 0, s, 0, 16)

    def seal_into(self, nonce, aad, buf, n):
        """Encrypt buf[0:n] in place and write the tag at buf[n:n+tag_len]; returns n + tag_len."""
        m = self.tag_len
        if n < 0 or n > MAX_RECORD or len(buf) < n + m:
            raise ValueError(text('gcm_len'))
        s = self._counters(nonce, (n + 31) >> 4)
        xor_into(buf, 0, s, 16, n)
        self._tag(aad, buf, n, s)
        copy_into(buf, n, _s0, 0, m)
        return n + m

    def open_into(self, nonce, aad, buf, n):
        """Decrypt buf[0:n] (ciphertext || tag) in place; n - tag_len, or -1 on a bad tag."""
        m = self.tag_len
        if n < m or n > len(buf):
            return -1
        c = n - m
        if c > MAX_RECORD:
            return -1
        s = self._counters(nonce, (c + 31) >> 4)
        self._tag(aad, buf, c, s)
        if not ct_equal_at(_s0, 0, buf, c, m):
            return -1
        xor_into(buf, 0, s, 16, c)
        return c
