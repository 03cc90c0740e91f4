"""Viper source of the buffer kernels (XOR, copy, zero fill, CTR counter blocks) for MicroPython.

Not imported as code: _aead_ops.kernels('ops', ...) exec()s the pieces of SOURCE (one viper
function each) once, when the first AEAD object is made, then drops this module (see _aead_ops
for why the kernels are compiled at run time). Same functions in plain Python: _aead_py. Bulk work goes 32 bits at a time through ptr32
when both addresses are 4-byte aligned (Xtensa and ARMv6-M fault on unaligned word access; a
DTLS record often starts at an odd offset of a datagram, so the byte loop remains the fallback).
Viper ints are machine words: on 32-bit boards counters wrap mod 2^32 by themselves, on 64-bit
builds only the low 32 bits are ever stored, so both give inc32 semantics.
"""

# xor_into(dst, doff, src, soff, n): dst[doff:doff+n] ^= src[soff:soff+n].
# copy_into(dst, doff, src, soff, n): dst[doff:doff+n] = src[soff:soff+n] (non-overlapping).
# The same loops with a different store (filled in below): kept as two functions, since a mode
# flag would be a branch per word on the record path.
_BULK = r'''
@micropython.viper
def %s(dst: ptr8, doff: int, src: ptr8, soff: int, n: int):
    d = int(dst) + doff
    s = int(src) + soff
    i = 0
    if ((d | s) & 3) == 0:
        dw = ptr32(d)
        sw = ptr32(s)
        nw = n >> 2
        while i < nw:
            dw[i] = %s
            i += 1
        i = nw << 2
    db = ptr8(d)
    sb = ptr8(s)
    while i < n:
        db[i] = %s
        i += 1
'''

# fill_zero(dst, off, n): dst[off:off+n] = 0.
_FILL_ZERO = r'''
@micropython.viper
def fill_zero(dst: ptr8, off: int, n: int):
    i = 0
    while i < n:
        dst[off + i] = 0
        i += 1
'''

# ctr_fill(dst, tmpl, nblocks): counter blocks, block i = tmpl with its last 4 bytes (big-endian)
# + i mod 2^32; tmpl may be dst itself. Words when both are aligned, bytes otherwise (a ptr8
# store keeps the low 8 bits of the counter by itself).
_CTR_FILL = r'''
@micropython.viper
def ctr_fill(dst: ptr8, tmpl: ptr8, nblocks: int):
    c = (tmpl[12] << 24) | (tmpl[13] << 16) | (tmpl[14] << 8) | tmpl[15]
    if ((int(dst) | int(tmpl)) & 3) == 0:
        tw = ptr32(tmpl)
        w0 = tw[0]
        w1 = tw[1]
        w2 = tw[2]
        dw = ptr32(dst)
        o = 0
        b = 0
        while b < nblocks:
            dw[o] = w0
            dw[o + 1] = w1
            dw[o + 2] = w2
            dst[4 * o + 12] = c >> 24
            dst[4 * o + 13] = c >> 16
            dst[4 * o + 14] = c >> 8
            dst[4 * o + 15] = c
            c += 1
            o += 4
            b += 1
        return
    b = 0
    o = 0
    while b < nblocks:
        i = 0
        while i < 12:
            dst[o + i] = tmpl[i]
            i += 1
        dst[o + 12] = c >> 24
        dst[o + 13] = c >> 16
        dst[o + 14] = c >> 8
        dst[o + 15] = c
        c += 1
        o += 16
        b += 1
'''

SOURCE = ('import micropython\n' + _BULK % ('xor_into', 'dw[i] ^ sw[i]', 'db[i] ^ sb[i]'),
          _BULK % ('copy_into', 'sw[i]', 'sb[i]'), _FILL_ZERO, _CTR_FILL)
