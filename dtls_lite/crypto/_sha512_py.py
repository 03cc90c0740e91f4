"""Pure-Python SHA-512 and SHA-384 (FIPS 180-4), for runtimes without hashlib.sha384.

Split from sha2.py so that only a SHA-384 suite or signature brings these 80 64-bit round
constants and the code into the heap (9 KB on MicroPython); sha2.SHA384 imports it on first use.
Words are 64-bit Python ints. On CPython and on 64-bit MicroPython builds they are already
multi-digit ints; on 32-bit boards (ESP32, RP2040) every word is a heap big int, so a 128-byte
block costs a few thousand small allocations there. That is why the IoT cipher suites stay on
SHA-256, which is C everywhere.
"""
from struct import pack, unpack, unpack_from

_MASK64 = 0xffffffffffffffff

# The constants are big-endian bytes unpacked once at import: an int literal above 2^30 is stored
# in a .mpy as its decimal text (about 20 characters for 64 bits), bytes as bytes.

# FIPS 180-4 §4.2.3: first 64 bits of the fractional parts of the cube roots of the first 80 primes.
_K = unpack('>80Q', (
    b'\x42\x8a\x2f\x98\xd7\x28\xae\x22\x71\x37\x44\x91\x23\xef\x65\xcd'
    b'\xb5\xc0\xfb\xcf\xec\x4d\x3b\x2f\xe9\xb5\xdb\xa5\x81\x89\xdb\xbc'
    b'\x39\x56\xc2\x5b\xf3\x48\xb5\x38\x59\xf1\x11\xf1\xb6\x05\xd0\x19'
    b'\x92\x3f\x82\xa4\xaf\x19\x4f\x9b\xab\x1c\x5e\xd5\xda\x6d\x81\x18'
    b'\xd8\x07\xaa\x98\xa3\x03\x02\x42\x12\x83\x5b\x01\x45\x70\x6f\xbe'
    b'\x24\x31\x85\xbe\x4e\xe4\xb2\x8c\x55\x0c\x7d\xc3\xd5\xff\xb4\xe2'
    b'\x72\xbe\x5d\x74\xf2\x7b\x89\x6f\x80\xde\xb1\xfe\x3b\x16\x96\xb1'
    b'\x9b\xdc\x06\xa7\x25\xc7\x12\x35\xc1\x9b\xf1\x74\xcf\x69\x26\x94'
    b'\xe4\x9b\x69\xc1\x9e\xf1\x4a\xd2\xef\xbe\x47\x86\x38\x4f\x25\xe3'
    b'\x0f\xc1\x9d\xc6\x8b\x8c\xd5\xb5\x24\x0c\xa1\xcc\x77\xac\x9c\x65'
    b'\x2d\xe9\x2c\x6f\x59\x2b\x02\x75\x4a\x74\x84\xaa\x6e\xa6\xe4\x83'
    b'\x5c\xb0\xa9\xdc\xbd\x41\xfb\xd4\x76\xf9\x88\xda\x83\x11\x53\xb5'
    b'\x98\x3e\x51\x52\xee\x66\xdf\xab\xa8\x31\xc6\x6d\x2d\xb4\x32\x10'
    b'\xb0\x03\x27\xc8\x98\xfb\x21\x3f\xbf\x59\x7f\xc7\xbe\xef\x0e\xe4'
    b'\xc6\xe0\x0b\xf3\x3d\xa8\x8f\xc2\xd5\xa7\x91\x47\x93\x0a\xa7\x25'
    b'\x06\xca\x63\x51\xe0\x03\x82\x6f\x14\x29\x29\x67\x0a\x0e\x6e\x70'
    b'\x27\xb7\x0a\x85\x46\xd2\x2f\xfc\x2e\x1b\x21\x38\x5c\x26\xc9\x26'
    b'\x4d\x2c\x6d\xfc\x5a\xc4\x2a\xed\x53\x38\x0d\x13\x9d\x95\xb3\xdf'
    b'\x65\x0a\x73\x54\x8b\xaf\x63\xde\x76\x6a\x0a\xbb\x3c\x77\xb2\xa8'
    b'\x81\xc2\xc9\x2e\x47\xed\xae\xe6\x92\x72\x2c\x85\x14\x82\x35\x3b'
    b'\xa2\xbf\xe8\xa1\x4c\xf1\x03\x64\xa8\x1a\x66\x4b\xbc\x42\x30\x01'
    b'\xc2\x4b\x8b\x70\xd0\xf8\x97\x91\xc7\x6c\x51\xa3\x06\x54\xbe\x30'
    b'\xd1\x92\xe8\x19\xd6\xef\x52\x18\xd6\x99\x06\x24\x55\x65\xa9\x10'
    b'\xf4\x0e\x35\x85\x57\x71\x20\x2a\x10\x6a\xa0\x70\x32\xbb\xd1\xb8'
    b'\x19\xa4\xc1\x16\xb8\xd2\xd0\xc8\x1e\x37\x6c\x08\x51\x41\xab\x53'
    b'\x27\x48\x77\x4c\xdf\x8e\xeb\x99\x34\xb0\xbc\xb5\xe1\x9b\x48\xa8'
    b'\x39\x1c\x0c\xb3\xc5\xc9\x5a\x63\x4e\xd8\xaa\x4a\xe3\x41\x8a\xcb'
    b'\x5b\x9c\xca\x4f\x77\x63\xe3\x73\x68\x2e\x6f\xf3\xd6\xb2\xb8\xa3'
    b'\x74\x8f\x82\xee\x5d\xef\xb2\xfc\x78\xa5\x63\x6f\x43\x17\x2f\x60'
    b'\x84\xc8\x78\x14\xa1\xf0\xab\x72\x8c\xc7\x02\x08\x1a\x64\x39\xec'
    b'\x90\xbe\xff\xfa\x23\x63\x1e\x28\xa4\x50\x6c\xeb\xde\x82\xbd\xe9'
    b'\xbe\xf9\xa3\xf7\xb2\xc6\x79\x15\xc6\x71\x78\xf2\xe3\x72\x53\x2b'
    b'\xca\x27\x3e\xce\xea\x26\x61\x9c\xd1\x86\xb8\xc7\x21\xc0\xc2\x07'
    b'\xea\xda\x7d\xd6\xcd\xe0\xeb\x1e\xf5\x7d\x4f\x7f\xee\x6e\xd1\x78'
    b'\x06\xf0\x67\xaa\x72\x17\x6f\xba\x0a\x63\x7d\xc5\xa2\xc8\x98\xa6'
    b'\x11\x3f\x98\x04\xbe\xf9\x0d\xae\x1b\x71\x0b\x35\x13\x1c\x47\x1b'
    b'\x28\xdb\x77\xf5\x23\x04\x7d\x84\x32\xca\xab\x7b\x40\xc7\x24\x93'
    b'\x3c\x9e\xbe\x0a\x15\xc9\xbe\xbc\x43\x1d\x67\xc4\x9c\x10\x0d\x4c'
    b'\x4c\xc5\xd4\xbe\xcb\x3e\x42\xb6\x59\x7f\x29\x9c\xfc\x65\x7e\x2a'
    b'\x5f\xcb\x6f\xab\x3a\xd6\xfa\xec\x6c\x44\x19\x8c\x4a\x47\x58\x17'
))

# FIPS 180-4 §5.3.4: SHA-384 initial hash value (square roots of the 9th..16th primes).
_IV384 = unpack('>8Q', (
    b'\xcb\xbb\x9d\x5d\xc1\x05\x9e\xd8\x62\x9a\x29\x2a\x36\x7c\xd5\x07'
    b'\x91\x59\x01\x5a\x30\x70\xdd\x17\x15\x2f\xec\xd8\xf7\x0e\x59\x39'
    b'\x67\x33\x26\x67\xff\xc0\x0b\x31\x8e\xb4\x4a\x87\x68\x58\x15\x11'
    b'\xdb\x0c\x2e\x0d\x64\xf9\x8f\xa7\x47\xb5\x48\x1d\xbe\xfa\x4f\xa4'
))

# FIPS 180-4 §5.3.5: SHA-512 initial hash value (square roots of the first 8 primes).
_IV512 = unpack('>8Q', (
    b'\x6a\x09\xe6\x67\xf3\xbc\xc9\x08\xbb\x67\xae\x85\x84\xca\xa7\x3b'
    b'\x3c\x6e\xf3\x72\xfe\x94\xf8\x2b\xa5\x4f\xf5\x3a\x5f\x1d\x36\xf1'
    b'\x51\x0e\x52\x7f\xad\xe6\x82\xd1\x9b\x05\x68\x8c\x2b\x3e\x6c\x1f'
    b'\x1f\x83\xd9\xab\xfb\x41\xbd\x6b\x5b\xe0\xcd\x19\x13\x7e\x21\x79'
))


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
