"""AES-GCM (NIST SP 800-38D) on one ECB AES object and a pure-Python GHASH.

Data flow per record:
  CTR   the counter blocks J0, inc32(J0), ... are written into the shared scratch buffer and
        encrypted with the ECB object in one call: block 0 is E(J0), which masks the tag; the
        rest is XORed onto the record.
  GHASH runs over aad || pad || ciphertext || pad || len64(aad) || len64(ct), 16 bytes at a
        time, straight out of the caller's buffers.
Opening checks the tag before anything is decrypted, so a bad record leaves the ciphertext
untouched and no plaintext ever exists.

GHASH multiplies by H with Shoup's 4-bit table method on 128-bit ints: a field element is the
block read big-endian, so "times x" is a right shift (the GCM bit order). Per key a table of
the 16 multiples N(x)*H (N of degree < 4) is kept, plus one shared 16-entry reduction table;
each block then costs 32 steps of shift / reduce / table XOR. Memory per object: one
cryptolib.aes (~320 B on MicroPython) + 16 ints of 128 bits (~16 x 48 B on 64-bit MicroPython,
~16 x 44 B on CPython) + the instance. An 8-bit table would halve the steps at 16x the memory,
which a board cannot spend per session.
"""
from dtls_lite.crypto import aes
from dtls_lite.crypto.util import ct_equal
from dtls_lite.crypto._aead_ops import xor_into, copy_into, ctr_fill, scratch

# x^128 = x^7 + x^2 + x + 1, i.e. 0xE1 followed by 120 zero bits in GCM bit order.
_R = 0xE1 << 120
# _RED[r]: what the 4 low bits r shifted out by "times x^4" fold back to (SP 800-38D §6.3).
_RED = [0] * 16
for _r in range(16):
    for _k in range(4):
        if _r >> _k & 1:
            _RED[_r] ^= _R >> (3 - _k)

_MAX_LEN = (1 << 36) - 32  # SP 800-38D §5.2.1.1: plaintext at most 2^39 - 256 bits

_s0 = bytearray(16)
_s0_mv = memoryview(_s0)


class AESGCM:
    """AES-GCM with any IV length >= 1 byte and a tag of 4..16 bytes (16 in DTLS)."""

    def __init__(self, key, tag_len=16):
        if len(key) not in (16, 24, 32):
            raise ValueError('AES key must be 16, 24 or 32 bytes')
        if not 4 <= tag_len <= 16:
            raise ValueError('GCM tag length must be 4..16')
        self.key_len = len(key)
        self.tag_len = tag_len
        self._ecb = aes.new(key, aes.MODE_ECB)
        h = bytearray(16)
        self._ecb.encrypt(h, h)
        h = int.from_bytes(h, 'big')
        # table[v] = N_v(x) * H where v's most significant bit is the x^0 coefficient.
        t = [0] * 16
        for bit in (8, 4, 2, 1):
            t[bit] = h
            h = (h >> 1) ^ (_R if h & 1 else 0)
        for v in range(16):
            if v & (v - 1):
                t[v] = t[v & 8] ^ t[v & 4] ^ t[v & 2] ^ t[v & 1]
        self._table = t

    def _ghash(self, y, data, n):
        """Fold data[0:n] (zero-padded to whole blocks) into the GHASH state y."""
        t = self._table
        red = _RED
        off = 0
        while off < n:
            k = n - off
            if k >= 16:
                x = int.from_bytes(data[off:off + 16], 'big') ^ y
            else:
                x = (int.from_bytes(data[off:n], 'big') << (8 * (16 - k))) ^ y
            z = t[x & 15]
            for _ in range(31):
                x >>= 4
                z = (z >> 4) ^ red[z & 15] ^ t[x & 15]
            y = z
            off += 16
        return y

    def _mul_h(self, x):
        t = self._table
        red = _RED
        z = t[x & 15]
        for _ in range(31):
            x >>= 4
            z = (z >> 4) ^ red[z & 15] ^ t[x & 15]
        return z

    def _counters(self, nonce, nblocks):
        """E(J0), E(inc32(J0)), ... into the scratch buffer (SP 800-38D §7.1 steps 2, 5)."""
        ln = len(nonce)
        if ln == 0:
            raise ValueError('GCM IV must not be empty')
        s = scratch(16 * nblocks)
        if ln == 12:
            copy_into(s, 0, nonce, 0, 12)
            s[12] = s[13] = s[14] = 0
            s[15] = 1
        else:
            y = self._mul_h(self._ghash(0, nonce, ln) ^ (ln * 8))
            j0 = y.to_bytes(16, 'big')
            copy_into(s, 0, j0, 0, 16)
        ctr_fill(s, s, nblocks)
        v = s[0:16 * nblocks]
        self._ecb.encrypt(v, v)
        return s

    def _tag(self, aad, buf, n, s):
        """The full 16-byte tag into _s0 (s holds E(J0) in its first block)."""
        y = self._ghash(0, aad, len(aad))
        y = self._ghash(y, buf, n)
        y = self._mul_h(y ^ ((len(aad) * 8) << 64) ^ (n * 8))
        copy_into(_s0, 0, y.to_bytes(16, 'big'), 0, 16)
        xor_into(_s0, 0, s, 0, 16)

    def seal_into(self, nonce, aad, buf, n):
        """Encrypt buf[0:n] in place and write the tag at buf[n:n+tag_len]; returns n + tag_len."""
        m = self.tag_len
        if n > _MAX_LEN or len(buf) < n + m:
            raise ValueError('bad GCM record length')
        s = self._counters(nonce, (n + 31) >> 4)
        xor_into(buf, 0, s, 16, n)
        self._tag(aad, buf, n, s)
        copy_into(buf, n, _s0, 0, m)
        return n + m

    def open_into(self, nonce, aad, buf, n):
        """Decrypt buf[0:n] (ciphertext || tag) in place; n - tag_len, or -1 on a bad tag."""
        m = self.tag_len
        if n < m:
            return -1
        c = n - m
        if c > _MAX_LEN:
            return -1
        s = self._counters(nonce, (c + 31) >> 4)
        self._tag(aad, buf, c, s)
        if not ct_equal(_s0_mv[0:m], memoryview(buf)[c:n]):
            return -1
        xor_into(buf, 0, s, 16, c)
        return c

    def seal(self, nonce, aad, plaintext):
        n = len(plaintext)
        out = bytearray(n + self.tag_len)
        copy_into(out, 0, plaintext, 0, n)
        self.seal_into(nonce, aad, out, n)
        return bytes(out)

    def open(self, nonce, aad, data):
        buf = bytearray(data)
        r = self.open_into(nonce, aad, buf, len(buf))
        return None if r < 0 else bytes(buf[0:r])
