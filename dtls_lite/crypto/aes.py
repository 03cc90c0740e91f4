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

The pure path uses the classic 32-bit T-tables: four 256-entry int lists for encryption, built
by the first PureAES (never on import), four more by the first decryption; a key costs one
list of 44/52/60 round-key ints. It is for CPython and for tests; on MicroPython the C AES is
~40x faster.
"""
import struct
from dtls_lite.compat import const, HAVE_CRYPTOLIB, cryptolib_aes

MODE_ECB = const(1)
MODE_CBC = const(2)
BLOCK = const(16)


def _build_sbox():
    # Multiplicative inverse via log/antilog tables over generator 3, then the affine map.
    exp = [0] * 256
    log = [0] * 256
    x = 1
    for i in range(255):
        exp[i] = x
        log[x] = i
        x ^= (x << 1) ^ (0x1B if x & 0x80 else 0)  # x * 3 in GF(2^8)
        x &= 0xFF
    sbox = bytearray(256)
    for a in range(256):
        b = exp[(255 - log[a]) % 255] if a else 0
        s = b
        for _ in range(4):
            b = ((b << 1) | (b >> 7)) & 0xFF
            s ^= b
        sbox[a] = s ^ 0x63
    return bytes(sbox)


def _xtime(a):
    a <<= 1
    return (a ^ 0x11B) if a & 0x100 else a


def _mul(a, b):
    r = 0
    while b:
        if b & 1:
            r ^= a
        a = _xtime(a)
        b >>= 1
    return r


def _ror8(w):
    return ((w >> 8) | (w << 24)) & 0xFFFFFFFF


def _tables(box, coeffs):
    """Four T-tables: T0[a] = box[a] times the MixColumns column `coeffs`, T1..T3 rotations."""
    c0, c1, c2, c3 = coeffs
    t0 = []
    for a in range(256):
        s = box[a]
        t0.append((_mul(s, c0) << 24) | (_mul(s, c1) << 16) | (_mul(s, c2) << 8) | _mul(s, c3))
    t1 = [_ror8(w) for w in t0]
    t2 = [_ror8(w) for w in t1]
    t3 = [_ror8(w) for w in t2]
    return t0, t1, t2, t3


# Built on the first PureAES, never on import: where cryptolib does the work (every board) the
# ~10 KB of tables (more on 32-bit ports, where most 32-bit words are heap ints) never exist.
_SBOX = None
_TE = None   # TE0..TE3
_INV = None  # (inverse S-box, TD0..TD3), built on the first decryption


def _forward():
    global _SBOX, _TE
    if _TE is None:
        _SBOX = _build_sbox()
        _TE = _tables(_SBOX, (2, 1, 1, 3))


def _inverse():
    global _INV
    if _INV is None:
        inv = bytearray(256)
        for a in range(256):
            inv[_SBOX[a]] = a
        inv = bytes(inv)
        _INV = (inv,) + _tables(inv, (14, 9, 13, 11))
    return _INV


def _expand(key):
    """FIPS-197 §5.2 KeyExpansion into a flat list of 4*(Nr+1) words."""
    nk = len(key) // 4
    w = list(struct.unpack('>%dI' % nk, key))
    rcon = 1
    sb = _SBOX
    for i in range(nk, 4 * (nk + 7)):
        t = w[i - 1]
        if i % nk == 0:
            t = ((t << 8) | (t >> 24)) & 0xFFFFFFFF
            t = (sb[t >> 24] << 24) | (sb[(t >> 16) & 255] << 16) | (sb[(t >> 8) & 255] << 8) | sb[t & 255]
            t ^= rcon << 24
            rcon = _xtime(rcon)
        elif nk > 6 and i % nk == 4:
            t = (sb[t >> 24] << 24) | (sb[(t >> 16) & 255] << 16) | (sb[(t >> 8) & 255] << 8) | sb[t & 255]
        w.append(w[i - nk] ^ t)
    return w


def _decrypt_schedule(ek, nr):
    """Round keys for the equivalent inverse cipher (FIPS-197 §5.3.5): reversed, InvMixColumns."""
    sb = _SBOX
    d0, d1, d2, d3 = _inverse()[1:]
    dk = []
    for r in range(nr, -1, -1):
        for c in range(4):
            w = ek[4 * r + c]
            if 0 < r < nr:
                # InvMixColumns(w) = TD*[S[S^-1... ]]: TD tables take S^-1 inputs, so feed S(b).
                w = d0[sb[w >> 24]] ^ d1[sb[(w >> 16) & 255]] ^ d2[sb[(w >> 8) & 255]] ^ d3[sb[w & 255]]
            dk.append(w)
    return dk


def _encrypt_block(rk, nr, s0, s1, s2, s3):
    t0, t1, t2, t3 = _TE
    s0 ^= rk[0]
    s1 ^= rk[1]
    s2 ^= rk[2]
    s3 ^= rk[3]
    k = 4
    for _ in range(nr - 1):
        a = t0[s0 >> 24] ^ t1[(s1 >> 16) & 255] ^ t2[(s2 >> 8) & 255] ^ t3[s3 & 255] ^ rk[k]
        b = t0[s1 >> 24] ^ t1[(s2 >> 16) & 255] ^ t2[(s3 >> 8) & 255] ^ t3[s0 & 255] ^ rk[k + 1]
        c = t0[s2 >> 24] ^ t1[(s3 >> 16) & 255] ^ t2[(s0 >> 8) & 255] ^ t3[s1 & 255] ^ rk[k + 2]
        s3 = t0[s3 >> 24] ^ t1[(s0 >> 16) & 255] ^ t2[(s1 >> 8) & 255] ^ t3[s2 & 255] ^ rk[k + 3]
        s0, s1, s2 = a, b, c
        k += 4
    sb = _SBOX
    return ((sb[s0 >> 24] << 24 | sb[(s1 >> 16) & 255] << 16 | sb[(s2 >> 8) & 255] << 8 | sb[s3 & 255]) ^ rk[k],
            (sb[s1 >> 24] << 24 | sb[(s2 >> 16) & 255] << 16 | sb[(s3 >> 8) & 255] << 8 | sb[s0 & 255]) ^ rk[k + 1],
            (sb[s2 >> 24] << 24 | sb[(s3 >> 16) & 255] << 16 | sb[(s0 >> 8) & 255] << 8 | sb[s1 & 255]) ^ rk[k + 2],
            (sb[s3 >> 24] << 24 | sb[(s0 >> 16) & 255] << 16 | sb[(s1 >> 8) & 255] << 8 | sb[s2 & 255]) ^ rk[k + 3])


def _decrypt_block(rk, nr, s0, s1, s2, s3):
    ib, t0, t1, t2, t3 = _INV
    s0 ^= rk[0]
    s1 ^= rk[1]
    s2 ^= rk[2]
    s3 ^= rk[3]
    k = 4
    for _ in range(nr - 1):
        a = t0[s0 >> 24] ^ t1[(s3 >> 16) & 255] ^ t2[(s2 >> 8) & 255] ^ t3[s1 & 255] ^ rk[k]
        b = t0[s1 >> 24] ^ t1[(s0 >> 16) & 255] ^ t2[(s3 >> 8) & 255] ^ t3[s2 & 255] ^ rk[k + 1]
        c = t0[s2 >> 24] ^ t1[(s1 >> 16) & 255] ^ t2[(s0 >> 8) & 255] ^ t3[s3 & 255] ^ rk[k + 2]
        s3 = t0[s3 >> 24] ^ t1[(s2 >> 16) & 255] ^ t2[(s1 >> 8) & 255] ^ t3[s0 & 255] ^ rk[k + 3]
        s0, s1, s2 = a, b, c
        k += 4
    return ((ib[s0 >> 24] << 24 | ib[(s3 >> 16) & 255] << 16 | ib[(s2 >> 8) & 255] << 8 | ib[s1 & 255]) ^ rk[k],
            (ib[s1 >> 24] << 24 | ib[(s0 >> 16) & 255] << 16 | ib[(s3 >> 8) & 255] << 8 | ib[s2 & 255]) ^ rk[k + 1],
            (ib[s2 >> 24] << 24 | ib[(s1 >> 16) & 255] << 16 | ib[(s0 >> 8) & 255] << 8 | ib[s3 & 255]) ^ rk[k + 2],
            (ib[s3 >> 24] << 24 | ib[(s2 >> 16) & 255] << 16 | ib[(s1 >> 8) & 255] << 8 | ib[s0 & 255]) ^ rk[k + 3])


class PureAES:
    """Pure-Python AES with cryptolib.aes's interface (ECB or CBC, 128/192/256-bit keys)."""

    def __init__(self, key, mode, iv=None):
        if len(key) not in (16, 24, 32):
            raise ValueError('AES key must be 16, 24 or 32 bytes')
        if mode not in (MODE_ECB, MODE_CBC):
            raise ValueError('mode must be ECB (1) or CBC (2)')
        _forward()
        self._nr = len(key) // 4 + 6
        self._ek = _expand(bytes(key))
        self._dk = None
        self._mode = mode
        if mode == MODE_CBC:
            iv = bytes(16) if iv is None else iv
            if len(iv) != 16:
                raise ValueError('IV must be 16 bytes')
            self._iv = struct.unpack('>4I', iv)

    def _out(self, src, dst):
        n = len(src)
        if n % 16:
            raise ValueError('length must be a multiple of 16')
        if dst is None:
            return bytearray(n)
        if len(dst) < n:
            raise ValueError('output too small')
        return dst

    def encrypt(self, src, dst=None):
        out = self._out(src, dst)
        rk, nr, cbc = self._ek, self._nr, self._mode == MODE_CBC
        if cbc:
            c0, c1, c2, c3 = self._iv
        unpack, pack = struct.unpack_from, struct.pack_into
        for off in range(0, len(src), 16):
            s0, s1, s2, s3 = unpack('>4I', src, off)
            if cbc:
                s0 ^= c0
                s1 ^= c1
                s2 ^= c2
                s3 ^= c3
            c0, c1, c2, c3 = _encrypt_block(rk, nr, s0, s1, s2, s3)
            pack('>4I', out, off, c0, c1, c2, c3)
        if cbc and len(src):
            self._iv = (c0, c1, c2, c3)
        return bytes(out) if dst is None else None

    def decrypt(self, src, dst=None):
        out = self._out(src, dst)
        if self._dk is None:
            self._dk = _decrypt_schedule(self._ek, self._nr)
        rk, nr, cbc = self._dk, self._nr, self._mode == MODE_CBC
        if cbc:
            p0, p1, p2, p3 = self._iv
        unpack, pack = struct.unpack_from, struct.pack_into
        for off in range(0, len(src), 16):
            s0, s1, s2, s3 = unpack('>4I', src, off)
            d0, d1, d2, d3 = _decrypt_block(rk, nr, s0, s1, s2, s3)
            if cbc:
                d0 ^= p0
                d1 ^= p1
                d2 ^= p2
                d3 ^= p3
                p0, p1, p2, p3 = s0, s1, s2, s3
            pack('>4I', out, off, d0, d1, d2, d3)
        if cbc and len(src):
            self._iv = (p0, p1, p2, p3)
        return bytes(out) if dst is None else None


def new(key, mode, iv=None):
    """The fastest AES available: C cryptolib.aes on MicroPython, PureAES otherwise."""
    if HAVE_CRYPTOLIB and len(key) in (16, 32):
        if mode == MODE_CBC:
            return cryptolib_aes(key, mode, bytes(16) if iv is None else iv)
        return cryptolib_aes(key, mode)
    return PureAES(key, mode, iv)
