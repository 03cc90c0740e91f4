"""Byte-buffer kernels of the AEAD modes in MicroPython viper (native code, no allocation).

Imported only on MicroPython (see _aead_ops); the same functions in plain Python live in
_aead_py. Bulk work goes 32 bits at a time through ptr32 when both addresses are 4-byte
aligned (Xtensa and ARMv6-M fault on unaligned word access; a DTLS record often starts at an
odd offset of a datagram, so the byte loop remains the fallback). Viper ints are machine
words: on 32-bit boards counters wrap mod 2^32 by themselves, on 64-bit builds only the low
32 bits are ever stored, so both give inc32 semantics.
"""
import micropython


@micropython.viper
def xor_into(dst: ptr8, doff: int, src: ptr8, soff: int, n: int):
    """dst[doff:doff+n] ^= src[soff:soff+n]."""
    d = int(dst) + doff
    s = int(src) + soff
    i = 0
    if ((d | s) & 3) == 0:
        dw = ptr32(d)
        sw = ptr32(s)
        nw = n >> 2
        while i < nw:
            dw[i] = dw[i] ^ sw[i]
            i += 1
        i = nw << 2
    db = ptr8(d)
    sb = ptr8(s)
    while i < n:
        db[i] = db[i] ^ sb[i]
        i += 1


@micropython.viper
def copy_into(dst: ptr8, doff: int, src: ptr8, soff: int, n: int):
    """dst[doff:doff+n] = src[soff:soff+n] (non-overlapping)."""
    d = int(dst) + doff
    s = int(src) + soff
    i = 0
    if ((d | s) & 3) == 0:
        dw = ptr32(d)
        sw = ptr32(s)
        nw = n >> 2
        while i < nw:
            dw[i] = sw[i]
            i += 1
        i = nw << 2
    db = ptr8(d)
    sb = ptr8(s)
    while i < n:
        db[i] = sb[i]
        i += 1


@micropython.viper
def fill_zero(dst: ptr8, off: int, n: int):
    i = 0
    while i < n:
        dst[off + i] = 0
        i += 1


@micropython.viper
def ctr_fill(dst: ptr8, tmpl: ptr8, nblocks: int):
    """Counter blocks: block i = tmpl with its last 4 bytes (big-endian) + i mod 2^32."""
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
            dst[4 * o + 12] = (c >> 24) & 0xFF
            dst[4 * o + 13] = (c >> 16) & 0xFF
            dst[4 * o + 14] = (c >> 8) & 0xFF
            dst[4 * o + 15] = c & 0xFF
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
        dst[o + 12] = (c >> 24) & 0xFF
        dst[o + 13] = (c >> 16) & 0xFF
        dst[o + 14] = (c >> 8) & 0xFF
        dst[o + 15] = c & 0xFF
        c += 1
        o += 16
        b += 1


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
