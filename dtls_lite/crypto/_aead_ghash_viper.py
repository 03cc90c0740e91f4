"""Viper source of GHASH (AES-GCM) for MicroPython: Shoup's 4-bit method on 32-bit words.

Not imported as code: _aead_ops.kernels('ghash', ...) exec()s SOURCE once, when the first
AES-GCM object is made, then drops this module (see _aead_ops for why). Same functions on
128-bit ints: _aead_py.ghash_table / ghash_blocks.
"""

SOURCE = (r'''
import micropython

# ---- GHASH (AES-GCM), Shoup's 4-bit method on four 32-bit words -------------------------
# The 128-bit field element is held as words z0 (most significant, GCM's x^0..x^31) .. z3.
# "times x^4" is a right shift by 4; the 4 bits falling off z3 fold back into z0 through
# _RED (SP 800-38D §6.3). The per-key table holds N(x)*H for the 16 nibbles N as 4 words each.

_RED = bytearray(64)
for _r in range(16):
    _w = 0
    for _k in range(4):
        if _r >> _k & 1:
            _w ^= 0xE1000000 >> (3 - _k)  # (0xE1 << 120) >> (3 - k), top word only
    for _j in range(4):
        _RED[4 * _r + _j] = (_w >> (8 * _j)) & 0xFF  # little-endian word (ptr32)


def ghash_table(mults):
    """Per-key table from the 16 multiples N(x)*H (128-bit ints): 4 little-endian words each."""
    tab = bytearray(256)
    for v in range(16):
        for j in range(4):
            w = (mults[v] >> (96 - 32 * j)) & 0xFFFFFFFF
            o = 16 * v + 4 * j
            tab[o] = w & 0xFF
            tab[o + 1] = (w >> 8) & 0xFF
            tab[o + 2] = (w >> 16) & 0xFF
            tab[o + 3] = (w >> 24) & 0xFF
    return tab


@micropython.viper
def _ghash(y: ptr8, tab: ptr32, red: ptr32, data: ptr8, off: int, n: int, mask: uint):
    p = off
    end = off + n
    while p < end:
        z0 = uint(0)
        z1 = uint(0)
        z2 = uint(0)
        z3 = uint(0)
        i = 15
        while i >= 0:
            b = y[i] ^ data[p + i]
            nib = b & 15
            j = 0
            while j < 2:
                r = z3 & 15
                z3 = ((z3 >> 4) | (z2 << 28)) & mask
                z2 = ((z2 >> 4) | (z1 << 28)) & mask
                z1 = ((z1 >> 4) | (z0 << 28)) & mask
                z0 = (z0 >> 4) ^ uint(red[r])
                t = nib << 2
                z0 ^= uint(tab[t])
                z1 ^= uint(tab[t + 1])
                z2 ^= uint(tab[t + 2])
                z3 ^= uint(tab[t + 3])
                nib = b >> 4
                j += 1
            i -= 1
        y[0] = z0 >> 24
        y[1] = z0 >> 16
        y[2] = z0 >> 8
        y[3] = z0
        y[4] = z1 >> 24
        y[5] = z1 >> 16
        y[6] = z1 >> 8
        y[7] = z1
        y[8] = z2 >> 24
        y[9] = z2 >> 16
        y[10] = z2 >> 8
        y[11] = z2
        y[12] = z3 >> 24
        y[13] = z3 >> 16
        y[14] = z3 >> 8
        y[15] = z3
        p += 16


def ghash_blocks(y, tab, data, off, n):
    """y (16-byte GHASH state, big-endian) <- (y ^ block) * H for each block of data[off:off+n]."""
    _ghash(y, tab, _RED, data, off, n, 0xFFFFFFFF)
''',)
