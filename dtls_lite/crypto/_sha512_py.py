"""Pure-Python SHA-512 and SHA-384 (FIPS 180-4), for runtimes without hashlib.sha384.

Split from sha2.py so that only a SHA-384 suite or signature brings these 80 64-bit round
constants and the code into the heap (9 KB on MicroPython); sha2.SHA384 imports it on first use.
Words are 64-bit Python ints. On CPython and on 64-bit MicroPython builds they are already
multi-digit ints; on 32-bit boards (ESP32, RP2040) every word is a heap big int, so a 128-byte
block costs a few thousand small allocations there. That is why the IoT cipher suites stay on
SHA-256, which is C everywhere.
"""
from struct import pack, unpack_from

_MASK64 = 0xffffffffffffffff

# The constants are int literals on purpose. A .mpy stores each as ~20 decimal digits, but loads
# it as the int itself and a frozen build keeps the whole tuple in flash; as a bytes constant
# unpacked at import the file is 1.2 KB smaller but the heap holds the bytes and the ints (+1 KB).

# FIPS 180-4 §4.2.3: first 64 bits of the fractional parts of the cube roots of the first 80 primes.
_K = (
    0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc,
    0x3956c25bf348b538, 0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118,
    0xd807aa98a3030242, 0x12835b0145706fbe, 0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2,
    0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235, 0xc19bf174cf692694,
    0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
    0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5,
    0x983e5152ee66dfab, 0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4,
    0xc6e00bf33da88fc2, 0xd5a79147930aa725, 0x06ca6351e003826f, 0x142929670a0e6e70,
    0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed, 0x53380d139d95b3df,
    0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
    0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30,
    0xd192e819d6ef5218, 0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8,
    0x19a4c116b8d2d0c8, 0x1e376c085141ab53, 0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8,
    0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373, 0x682e6ff3d6b2b8a3,
    0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
    0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b,
    0xca273eceea26619c, 0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178,
    0x06f067aa72176fba, 0x0a637dc5a2c898a6, 0x113f9804bef90dae, 0x1b710b35131c471b,
    0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc, 0x431d67c49c100d4c,
    0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
)

# FIPS 180-4 §5.3.4: SHA-384 initial hash value (square roots of the 9th..16th primes).
_IV384 = (
    0xcbbb9d5dc1059ed8, 0x629a292a367cd507, 0x9159015a3070dd17, 0x152fecd8f70e5939,
    0x67332667ffc00b31, 0x8eb44a8768581511, 0xdb0c2e0d64f98fa7, 0x47b5481dbefa4fa4,
)

# FIPS 180-4 §5.3.5: SHA-512 initial hash value (square roots of the first 8 primes).
_IV512 = (
    0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
    0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
)


def _compress(state, data, off):
    """FIPS 180-4 §6.4.2: fold the 128-byte block data[off:off+128] into state (a list of 8 words).

    This is the whole cost of pure SHA-384, so it is written for speed:
    - every value is a local; the 80 rounds run as 10 passes of 8 rounds written out, with the
      working variables renamed instead of shifted (round i+1 sees (h, a, b, ...) as (a, b, c, ...));
    - a rotation is a shift of the doubled word x | x << 64: rotr(x, n) is the low 64 bits of
      (x | x << 64) >> n, so Sigma0/Sigma1/sigma0/sigma1 cost 3 shifts instead of 6;
    - bits above bit 63 are left in the Sigma values: they only feed additions, which are masked
      to 64 bits afterwards, and junk above bit 63 adds a multiple of 2^64, i.e. nothing.
    """
    m = _MASK64
    k = _K
    w = list(unpack_from('>16Q', data, off))
    for t in range(16, 80):
        x = w[t - 15]
        y = w[t - 2]
        # sigma0(x) = rotr1 ^ rotr8 ^ shr7;  sigma1(y) = rotr19 ^ rotr61 ^ shr6
        s0 = x >> 7
        x |= x << 64
        s1 = y >> 6
        y |= y << 64
        w.append((w[t - 16] + (x >> 1 ^ x >> 8 ^ s0) + w[t - 7] + (y >> 19 ^ y >> 61 ^ s1)) & m)
    a, b, c, d, e, f, g, h = state
    z = b ^ c    # Maj(a, b, c) = b ^ ((a ^ b) & (b ^ c)); this round's b ^ c is last round's a ^ b
    for i in range(0, 80, 8):
        # t1 = h + Sigma1(e) + Ch(e, f, g) + K[t] + W[t];  d += t1
        # h = t1 + Sigma0(a) + Maj(a, b, c)
        # Sigma1 = rotr14 ^ rotr18 ^ rotr41, Ch = g ^ (e & (f ^ g)),
        # Sigma0 = rotr28 ^ rotr34 ^ rotr39, Maj = b ^ ((a ^ b) & (b ^ c)) with b ^ c carried
        x = e | e << 64
        t1 = (x >> 14 ^ x >> 18 ^ x >> 41) + (g ^ (e & (f ^ g))) + h + k[i] + w[i]
        d = (d + t1) & m
        x = a | a << 64
        y = a ^ b
        h = (t1 + (x >> 28 ^ x >> 34 ^ x >> 39) + (b ^ (y & z))) & m
        x = d | d << 64
        t1 = (x >> 14 ^ x >> 18 ^ x >> 41) + (f ^ (d & (e ^ f))) + g + k[i + 1] + w[i + 1]
        c = (c + t1) & m
        x = h | h << 64
        z = h ^ a
        g = (t1 + (x >> 28 ^ x >> 34 ^ x >> 39) + (a ^ (z & y))) & m
        x = c | c << 64
        t1 = (x >> 14 ^ x >> 18 ^ x >> 41) + (e ^ (c & (d ^ e))) + f + k[i + 2] + w[i + 2]
        b = (b + t1) & m
        x = g | g << 64
        y = g ^ h
        f = (t1 + (x >> 28 ^ x >> 34 ^ x >> 39) + (h ^ (y & z))) & m
        x = b | b << 64
        t1 = (x >> 14 ^ x >> 18 ^ x >> 41) + (d ^ (b & (c ^ d))) + e + k[i + 3] + w[i + 3]
        a = (a + t1) & m
        x = f | f << 64
        z = f ^ g
        e = (t1 + (x >> 28 ^ x >> 34 ^ x >> 39) + (g ^ (z & y))) & m
        x = a | a << 64
        t1 = (x >> 14 ^ x >> 18 ^ x >> 41) + (c ^ (a & (b ^ c))) + d + k[i + 4] + w[i + 4]
        h = (h + t1) & m
        x = e | e << 64
        y = e ^ f
        d = (t1 + (x >> 28 ^ x >> 34 ^ x >> 39) + (f ^ (y & z))) & m
        x = h | h << 64
        t1 = (x >> 14 ^ x >> 18 ^ x >> 41) + (b ^ (h & (a ^ b))) + c + k[i + 5] + w[i + 5]
        g = (g + t1) & m
        x = d | d << 64
        z = d ^ e
        c = (t1 + (x >> 28 ^ x >> 34 ^ x >> 39) + (e ^ (z & y))) & m
        x = g | g << 64
        t1 = (x >> 14 ^ x >> 18 ^ x >> 41) + (a ^ (g & (h ^ a))) + b + k[i + 6] + w[i + 6]
        f = (f + t1) & m
        x = c | c << 64
        y = c ^ d
        b = (t1 + (x >> 28 ^ x >> 34 ^ x >> 39) + (d ^ (y & z))) & m
        x = f | f << 64
        t1 = (x >> 14 ^ x >> 18 ^ x >> 41) + (h ^ (f & (g ^ h))) + a + k[i + 7] + w[i + 7]
        e = (e + t1) & m
        x = b | b << 64
        z = b ^ c
        a = (t1 + (x >> 28 ^ x >> 34 ^ x >> 39) + (c ^ (z & y))) & m
    i = 0
    for x in (a, b, c, d, e, f, g, h):
        state[i] = (state[i] + x) & m
        i += 1


class Sha512Pure:
    """Pure-Python SHA-512 (FIPS 180-4 §6.4); the SHA-384 subclass only changes IV and length.

    Same surface as a hashlib object minus copy()/hexdigest(): update(data), digest().
    digest() does not finalize here, but callers must not rely on that (hashlib's may).
    """
    digest_size = 64
    block_size = 128
    _iv = _IV512

    def __init__(self, data=b''):
        self._state = list(self._iv)
        self._buf = bytearray()   # < 128 bytes of a not yet complete block
        self._length = 0          # message length in bytes so far
        if data:
            self.update(data)

    def update(self, data):
        n = len(data)
        self._length += n
        buf = self._buf
        off = 0
        if buf:
            # Top up the pending partial block first.
            take = 128 - len(buf)
            if take > n:
                take = n
            buf.extend(data[:take])
            off = take
            if len(buf) < 128:
                return
            _compress(self._state, buf, 0)
            buf = self._buf = bytearray()
        state = self._state
        # Whole blocks straight from the caller's buffer: unpack_from reads in place, no copies.
        while n - off >= 128:
            _compress(state, data, off)
            off += 128
        if off < n:
            buf.extend(data[off:])

    def digest(self):
        # §5.1.2 padding: 0x80, zeros up to 112 mod 128, then the 128-bit bit length.
        # Done on copies so the object stays usable.
        state = list(self._state)
        tail = bytearray(self._buf)
        tail.append(0x80)
        tail.extend(bytes((112 - len(tail)) % 128))
        tail.extend(pack('>QQ', self._length >> 61, (self._length << 3) & _MASK64))
        for off in range(0, len(tail), 128):
            _compress(state, tail, off)
        return pack('>8Q', *state)[:self.digest_size]


class Sha384Pure(Sha512Pure):
    """Pure-Python SHA-384 (FIPS 180-4 §6.5): SHA-512 with its own IV, truncated to 48 bytes."""
    digest_size = 48
    _iv = _IV384
