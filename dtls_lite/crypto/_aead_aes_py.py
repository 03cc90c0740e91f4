"""Pure-Python AES (FIPS-197) with cryptolib.aes's interface: `PureAES(key, mode, iv=None)`.

The pure path of dtls_lite.crypto.aes (see there for the interface and when it is used),
imported only when a PureAES is first made: on MicroPython with cryptolib (every board) it is
never loaded. It uses the classic 32-bit T-tables: four 256-entry int lists for encryption,
built by the first PureAES (never on import), four more by the first decryption; a key costs
one list of 44/52/60 round-key ints.
"""
import struct
from dtls_lite.compat import const
from dtls_lite.errors import text

_MODE_ECB = const(1)  # aes.MODE_ECB
_MODE_CBC = const(2)  # aes.MODE_CBC

# Built on the first PureAES, never on import: where cryptolib does the work (every board) the
# ~10 KB of tables (more on 32-bit ports, where most 32-bit words are heap ints) never exist.
# _TE = (S-box, TE0..TE3); _INV = (inverse S-box, TD0..TD3), built on the first decryption
# (CCM and GCM only ever encrypt); _LOG/_EXP: GF(2^8) logarithms to the generator 3.
_TE = None
_INV = None
_LOG = None
_EXP = None


def _tables(box, coeffs):
    """(box, T0..T3): T0[a] = box[a] times the MixColumns column `coeffs` (GF(2^8) products
    through the log tables), T1..T3 its byte rotations."""
    t = [[]]
    for a in range(256):
        w = 0
        for c in coeffs:
            w = (w << 8) | (_EXP[(_LOG[box[a]] + _LOG[c]) % 255] if box[a] else 0)
        t[0].append(w)
    for i in range(3):
        t.append([((w >> 8) | (w << 24)) & 0xFFFFFFFF for w in t[i]])
    return (box,) + tuple(t)


def _forward():
    """Build the S-box (FIPS-197 §5.1.1: multiplicative inverse, then the affine map) and TE."""
    global _TE, _LOG, _EXP
    if _TE is None:
        exp = bytearray(256)
        log = bytearray(256)
        x = 1
        for i in range(255):
            exp[i] = x
            log[x] = i
            x ^= (x << 1) ^ (0x11B if x & 0x80 else 0)  # x * 3 in GF(2^8)
        _LOG, _EXP = log, exp
        sbox = bytearray(256)
        for a in range(256):
            b = exp[(255 - log[a]) % 255] if a else 0
            s = b
            for _ in range(4):
                b = ((b << 1) | (b >> 7)) & 0xFF
                s ^= b
            sbox[a] = s ^ 0x63
        _TE = _tables(bytes(sbox), (2, 1, 1, 3))


def _inverse():
    global _INV
    if _INV is None:
        inv = bytearray(256)
        for a in range(256):
            inv[_TE[0][a]] = a
        _INV = _tables(bytes(inv), (14, 9, 13, 11))
    return _INV


def _sub_word(sb, t):
    return (sb[t >> 24] << 24) | (sb[(t >> 16) & 255] << 16) | (sb[(t >> 8) & 255] << 8) | sb[t & 255]


def _expand(key):
    """FIPS-197 §5.2 KeyExpansion into a flat list of 4*(Nr+1) words."""
    nk = len(key) // 4
    w = list(struct.unpack('>%dI' % nk, key))
    rcon = 1
    sb = _TE[0]
    for i in range(nk, 4 * (nk + 7)):
        t = w[i - 1]
        r = i % nk
        if r == 0 or (nk > 6 and r == 4):
            t = _sub_word(sb, t)
            if r == 0:  # SubWord(RotWord(t)) = RotWord(SubWord(t)), then Rcon
                t = (((t << 8) | (t >> 24)) & 0xFFFFFFFF) ^ (rcon << 24)
                rcon = (rcon << 1) ^ (0x11B if rcon & 0x80 else 0)
        w.append(w[i - nk] ^ t)
    return w


def _decrypt_schedule(ek, nr):
    """Round keys for the equivalent inverse cipher (FIPS-197 §5.3.5): reversed, InvMixColumns,
    and each round's four words in the column order 0, 3, 2, 1 (see _crypt_block)."""
    sb = _TE[0]
    d0, d1, d2, d3 = _inverse()[1:]
    dk = []
    for r in range(nr, -1, -1):
        for c in (0, 3, 2, 1):
            w = ek[4 * r + c]
            if 0 < r < nr:
                # InvMixColumns(w) = TD*[S[S^-1... ]]: TD tables take S^-1 inputs, so feed S(b).
                w = d0[sb[w >> 24]] ^ d1[sb[(w >> 16) & 255]] ^ d2[sb[(w >> 8) & 255]] ^ d3[sb[w & 255]]
            dk.append(w)
    return dk


def _crypt_block(rk, nr, tables, s0, s1, s2, s3):
    """One block through the T-table rounds with tables = _TE (encryption) or _INV (decryption).

    The inverse cipher reads its columns rotated the other way (column j takes rows from
    columns j, j-1, j-2, j-3 instead of j, j+1, j+2, j+3). Handing it the state words in the
    order 0, 3, 2, 1 turns that into the forward pattern, so one function serves both: the
    decryption caller passes and receives the words in that order, and _decrypt_schedule stores
    the round keys in it."""
    box, t0, t1, t2, t3 = tables
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
    sb = box
    return ((sb[s0 >> 24] << 24 | sb[(s1 >> 16) & 255] << 16 | sb[(s2 >> 8) & 255] << 8 | sb[s3 & 255]) ^ rk[k],
            (sb[s1 >> 24] << 24 | sb[(s2 >> 16) & 255] << 16 | sb[(s3 >> 8) & 255] << 8 | sb[s0 & 255]) ^ rk[k + 1],
            (sb[s2 >> 24] << 24 | sb[(s3 >> 16) & 255] << 16 | sb[(s0 >> 8) & 255] << 8 | sb[s1 & 255]) ^ rk[k + 2],
            (sb[s3 >> 24] << 24 | sb[(s0 >> 16) & 255] << 16 | sb[(s1 >> 8) & 255] << 8 | sb[s2 & 255]) ^ rk[k + 3])


class PureAES:
    """Pure-Python AES with cryptolib.aes's interface (ECB or CBC, 128/192/256-bit keys)."""

    def __init__(self, key, mode, iv=None):
        if len(key) not in (16, 24, 32):
            raise ValueError(text('aes_key'))
        if mode not in (_MODE_ECB, _MODE_CBC):
            raise ValueError(text('aes_mode'))
        _forward()
        self._nr = len(key) // 4 + 6
        self._ek = _expand(bytes(key))
        self._dk = None
        self._mode = mode
        if mode == _MODE_CBC:
            iv = bytes(16) if iv is None else iv
            if len(iv) != 16:
                raise ValueError(text('aes_iv'))
            self._iv = struct.unpack('>4I', iv)

    def encrypt(self, src, dst=None):
        return self._run(src, dst, False)

    def decrypt(self, src, dst=None):
        return self._run(src, dst, True)

    def _run(self, src, dst, decrypt):
        """ECB or CBC over src into dst (or a new bytes object, returned)."""
        n = len(src)
        if n % 16:
            raise ValueError(text('aes_len'))
        if dst is None:
            out = bytearray(n)
        elif len(dst) < n:
            raise ValueError(text('aes_out'))
        else:
            out = dst
        if decrypt:
            if self._dk is None:
                self._dk = _decrypt_schedule(self._ek, self._nr)
            rk, tables = self._dk, _INV
        else:
            rk, tables = self._ek, _TE
        nr, cbc = self._nr, self._mode == _MODE_CBC
        if cbc:  # the chaining value: previous ciphertext block (or the IV)
            v0, v1, v2, v3 = self._iv
        unpack, pack = struct.unpack_from, struct.pack_into
        for off in range(0, n, 16):
            s0, s1, s2, s3 = unpack('>4I', src, off)
            if decrypt:  # P = D(C) ^ chain; chain = C
                d0, d3, d2, d1 = _crypt_block(rk, nr, tables, s0, s3, s2, s1)
                if cbc:
                    d0 ^= v0
                    d1 ^= v1
                    d2 ^= v2
                    d3 ^= v3
                    v0, v1, v2, v3 = s0, s1, s2, s3
            else:  # C = E(P ^ chain); chain = C
                if cbc:
                    s0 ^= v0
                    s1 ^= v1
                    s2 ^= v2
                    s3 ^= v3
                d0, d1, d2, d3 = v0, v1, v2, v3 = _crypt_block(rk, nr, tables, s0, s1, s2, s3)
            pack('>4I', out, off, d0, d1, d2, d3)
        if cbc and n:
            self._iv = (v0, v1, v2, v3)
        return bytes(out) if dst is None else None
