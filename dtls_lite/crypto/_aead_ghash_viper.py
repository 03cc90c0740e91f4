"""Viper source of GHASH (AES-GCM) for MicroPython: Shoup's 4-bit method on 32-bit words.

Not imported as code: _aead_ops.kernels('ghash', ...) exec()s SOURCE once, when the first
AES-GCM object is made, then drops this module (see _aead_ops for why). Same functions on
128-bit ints: _aead_py.ghash_table / ghash_blocks. Comments live out here, next to the source
they describe: every byte of the strings is stored in the .mpy.

The 128-bit field element is held as words z0 (most significant, GCM's x^0..x^31) .. z3.
"times x^4" is a right shift by 4; the 4 bits falling off z3 fold back into z0 through _RED
(SP 800-38D §6.3). The per-key table holds N(x)*H for the 16 nibbles N as 4 words each.
"""

# _RED[r] = the reduction of the nibble r shifted out of z3: (0xE1 << 120) >> (3 - k) for each
# bit k of r; it only touches the top word, stored little-endian (read through ptr32).
# ghash_table(mults): the per-key table from the 16 multiples N(x)*H (128-bit ints), 4
# little-endian words each, most significant first.
# ghash_blocks(y, tab, data, off, n): y (16-byte GHASH state, big-endian) <- (y ^ block) * H
# for each 16-byte block of data[off:off+n].
_PYTHON = r'''
import micropython

_RED = bytearray(64)
for _r in range(16):
    _w = 0
    for _k in range(4):
        if _r >> _k & 1:
            _w ^= 0xE1000000 >> (3 - _k)
    _RED[4 * _r:4 * _r + 4] = _w.to_bytes(4, 'little')


def ghash_table(mults):
    tab = bytearray(256)
    for v in range(16):
        for j in range(4):
            o = 16 * v + 4 * j
            tab[o:o + 4] = ((mults[v] >> (96 - 32 * j)) & 0xFFFFFFFF).to_bytes(4, 'little')
    return tab


def ghash_blocks(y, tab, data, off, n):
    _ghash(y, tab, _RED, data, off, n, 0xFFFFFFFF)
'''

# _ghash: per block, z = 0 then for each byte of y ^ block from the last, low nibble first:
# z = z * x^4 (shift, fold the 4 bits shifted out through red) ^ tab[nibble]; then y = z,
# written back big-endian (the y[...] stores, unrolled below).
_GHASH = r'''
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
'''

SOURCE = (_PYTHON + _GHASH + ''.join(
    '        y[%d] = z%d >> %d\n' % (4 * w + k, w, 24 - 8 * k) if k < 3 else
    '        y[%d] = z%d\n' % (4 * w + k, w)
    for w in range(4) for k in range(4)) + '        p += 16\n',)
