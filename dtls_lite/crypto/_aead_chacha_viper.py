"""Viper source of ChaCha20 (RFC 8439 §2.3, ~25x the plain-Python speed) and Poly1305 (§2.5).

Not imported as code: _aead_ops.kernels('chacha', ...) exec()s the pieces of SOURCE once, when
the first ChaCha20-Poly1305 object is made, then drops this module (see _aead_ops for why). The
same functions in plain Python are in _aead_chacha_py. Words are read and written through
ptr32, so buffers must be 4-byte aligned (heap bytearrays are) and the target little-endian
(x86, Xtensa, ARM all are), which is ChaCha20's own byte order. The 32-bit mask is passed in:
a literal 0xffffffff does not compile as a small int on 32-bit boards; there it is a no-op, on
64-bit builds it truncates the carries.
"""

SOURCE = (r'''
import micropython


@micropython.viper
def chacha20_blocks(out: ptr32, st: ptr32, nblocks: int, mask: uint):
    """nblocks keystream blocks into out from the 16-word state st; st[12] (counter) advances."""
    b = 0
    o = 0
    while b < nblocks:
        x0 = uint(st[0])
        x1 = uint(st[1])
        x2 = uint(st[2])
        x3 = uint(st[3])
        x4 = uint(st[4])
        x5 = uint(st[5])
        x6 = uint(st[6])
        x7 = uint(st[7])
        x8 = uint(st[8])
        x9 = uint(st[9])
        x10 = uint(st[10])
        x11 = uint(st[11])
        x12 = uint(st[12])
        x13 = uint(st[13])
        x14 = uint(st[14])
        x15 = uint(st[15])
        i = 0
        while i < 10:
            x0 = (x0 + x4) & mask
            x12 ^= x0
            x12 = ((x12 << 16) | (x12 >> 16)) & mask
            x8 = (x8 + x12) & mask
            x4 ^= x8
            x4 = ((x4 << 12) | (x4 >> 20)) & mask
            x0 = (x0 + x4) & mask
            x12 ^= x0
            x12 = ((x12 << 8) | (x12 >> 24)) & mask
            x8 = (x8 + x12) & mask
            x4 ^= x8
            x4 = ((x4 << 7) | (x4 >> 25)) & mask
            x1 = (x1 + x5) & mask
            x13 ^= x1
            x13 = ((x13 << 16) | (x13 >> 16)) & mask
            x9 = (x9 + x13) & mask
            x5 ^= x9
            x5 = ((x5 << 12) | (x5 >> 20)) & mask
            x1 = (x1 + x5) & mask
            x13 ^= x1
            x13 = ((x13 << 8) | (x13 >> 24)) & mask
            x9 = (x9 + x13) & mask
            x5 ^= x9
            x5 = ((x5 << 7) | (x5 >> 25)) & mask
            x2 = (x2 + x6) & mask
            x14 ^= x2
            x14 = ((x14 << 16) | (x14 >> 16)) & mask
            x10 = (x10 + x14) & mask
            x6 ^= x10
            x6 = ((x6 << 12) | (x6 >> 20)) & mask
            x2 = (x2 + x6) & mask
            x14 ^= x2
            x14 = ((x14 << 8) | (x14 >> 24)) & mask
            x10 = (x10 + x14) & mask
            x6 ^= x10
            x6 = ((x6 << 7) | (x6 >> 25)) & mask
            x3 = (x3 + x7) & mask
            x15 ^= x3
            x15 = ((x15 << 16) | (x15 >> 16)) & mask
            x11 = (x11 + x15) & mask
            x7 ^= x11
            x7 = ((x7 << 12) | (x7 >> 20)) & mask
            x3 = (x3 + x7) & mask
            x15 ^= x3
            x15 = ((x15 << 8) | (x15 >> 24)) & mask
            x11 = (x11 + x15) & mask
            x7 ^= x11
            x7 = ((x7 << 7) | (x7 >> 25)) & mask
            x0 = (x0 + x5) & mask
            x15 ^= x0
            x15 = ((x15 << 16) | (x15 >> 16)) & mask
            x10 = (x10 + x15) & mask
            x5 ^= x10
            x5 = ((x5 << 12) | (x5 >> 20)) & mask
            x0 = (x0 + x5) & mask
            x15 ^= x0
            x15 = ((x15 << 8) | (x15 >> 24)) & mask
            x10 = (x10 + x15) & mask
            x5 ^= x10
            x5 = ((x5 << 7) | (x5 >> 25)) & mask
            x1 = (x1 + x6) & mask
            x12 ^= x1
            x12 = ((x12 << 16) | (x12 >> 16)) & mask
            x11 = (x11 + x12) & mask
            x6 ^= x11
            x6 = ((x6 << 12) | (x6 >> 20)) & mask
            x1 = (x1 + x6) & mask
            x12 ^= x1
            x12 = ((x12 << 8) | (x12 >> 24)) & mask
            x11 = (x11 + x12) & mask
            x6 ^= x11
            x6 = ((x6 << 7) | (x6 >> 25)) & mask
            x2 = (x2 + x7) & mask
            x13 ^= x2
            x13 = ((x13 << 16) | (x13 >> 16)) & mask
            x8 = (x8 + x13) & mask
            x7 ^= x8
            x7 = ((x7 << 12) | (x7 >> 20)) & mask
            x2 = (x2 + x7) & mask
            x13 ^= x2
            x13 = ((x13 << 8) | (x13 >> 24)) & mask
            x8 = (x8 + x13) & mask
            x7 ^= x8
            x7 = ((x7 << 7) | (x7 >> 25)) & mask
            x3 = (x3 + x4) & mask
            x14 ^= x3
            x14 = ((x14 << 16) | (x14 >> 16)) & mask
            x9 = (x9 + x14) & mask
            x4 ^= x9
            x4 = ((x4 << 12) | (x4 >> 20)) & mask
            x3 = (x3 + x4) & mask
            x14 ^= x3
            x14 = ((x14 << 8) | (x14 >> 24)) & mask
            x9 = (x9 + x14) & mask
            x4 ^= x9
            x4 = ((x4 << 7) | (x4 >> 25)) & mask
            i += 1
        out[o] = x0 + uint(st[0])
        out[o + 1] = x1 + uint(st[1])
        out[o + 2] = x2 + uint(st[2])
        out[o + 3] = x3 + uint(st[3])
        out[o + 4] = x4 + uint(st[4])
        out[o + 5] = x5 + uint(st[5])
        out[o + 6] = x6 + uint(st[6])
        out[o + 7] = x7 + uint(st[7])
        out[o + 8] = x8 + uint(st[8])
        out[o + 9] = x9 + uint(st[9])
        out[o + 10] = x10 + uint(st[10])
        out[o + 11] = x11 + uint(st[11])
        out[o + 12] = x12 + uint(st[12])
        out[o + 13] = x13 + uint(st[13])
        out[o + 14] = x14 + uint(st[14])
        out[o + 15] = x15 + uint(st[15])
        st[12] = uint(st[12]) + 1
        o += 16
        b += 1


# ---- Poly1305 (RFC 8439 §2.5) in 13-bit limbs -------------------------------------------
# Viper has only word-size multiplies (32 bits on boards), so the 130-bit accumulator h and r
# are held as ten 13-bit limbs: a product of limbs stays below 2^29 and a column sum of ten
# (with the 2^130 = 5 wrap folded in as s_j = 5 * r_j) below 2^32, provided h is carried back
# to 13-bit limbs after the message block is added. No big ints, no allocation per block.
_h = bytearray(40)   # h0..h9, little-endian words
_r = bytearray(80)   # r0..r9 then s0..s9 = 5 * r_j
_k = bytearray(32)   # the one-time key: r (clamped in place) || s


def poly1305_start(otk):
    """Start a MAC with the 32-byte one-time key (module-wide state; returns None)."""
    _poly_setup(_r, _h, _k, otk)


def poly1305_blocks(st, data, off, n):
    """Absorb data[off:off+n] (n a multiple of 16) as full blocks (each with the 2^128 bit)."""
    _poly_blocks(_h, _r, data, off, n)


def poly1305_finish(st, out):
    """The 16-byte tag into out: (h mod 2^130-5) + s mod 2^128."""
    _poly_finish(_h, _k, out, 0xFFFFFFFF)
''', r'''
@micropython.viper
def _poly_setup(r: ptr32, h: ptr32, kb: ptr8, otk: ptr8):
    i = 0
    while i < 32:
        kb[i] = otk[i]
        i += 1
    # RFC 8439 §2.5: r &= 0x0ffffffc0ffffffc0ffffffc0fffffff (little-endian bytes)
    kb[3] = kb[3] & 15
    kb[7] = kb[7] & 15
    kb[11] = kb[11] & 15
    kb[15] = kb[15] & 15
    kb[4] = kb[4] & 252
    kb[8] = kb[8] & 252
    kb[12] = kb[12] & 252
    w = uint(0)
    w = (uint(kb[0]) | (uint(kb[1]) << 8)) & 0x1FFF
    r[0] = w
    r[10] = w * 5
    w = ((uint(kb[1]) >> 5) | (uint(kb[2]) << 3) | (uint(kb[3]) << 11)) & 0x1FFF
    r[1] = w
    r[11] = w * 5
    w = ((uint(kb[3]) >> 2) | (uint(kb[4]) << 6)) & 0x1FFF
    r[2] = w
    r[12] = w * 5
    w = ((uint(kb[4]) >> 7) | (uint(kb[5]) << 1) | (uint(kb[6]) << 9)) & 0x1FFF
    r[3] = w
    r[13] = w * 5
    w = ((uint(kb[6]) >> 4) | (uint(kb[7]) << 4) | (uint(kb[8]) << 12)) & 0x1FFF
    r[4] = w
    r[14] = w * 5
    w = ((uint(kb[8]) >> 1) | (uint(kb[9]) << 7)) & 0x1FFF
    r[5] = w
    r[15] = w * 5
    w = ((uint(kb[9]) >> 6) | (uint(kb[10]) << 2) | (uint(kb[11]) << 10)) & 0x1FFF
    r[6] = w
    r[16] = w * 5
    w = ((uint(kb[11]) >> 3) | (uint(kb[12]) << 5)) & 0x1FFF
    r[7] = w
    r[17] = w * 5
    w = (uint(kb[13]) | (uint(kb[14]) << 8)) & 0x1FFF
    r[8] = w
    r[18] = w * 5
    w = ((uint(kb[14]) >> 5) | (uint(kb[15]) << 3)) & 0x1FFF
    r[9] = w
    r[19] = w * 5
    i = 0
    while i < 10:
        h[i] = 0
        i += 1
''', r'''
@micropython.viper
def _poly_finish(h: ptr32, kb: ptr8, out: ptr8, mask: uint):
    # Carry h to 13-bit limbs (twice: the 2^130 = 5 fold can carry once more), then
    # h mod p = h + 5 - 2^130 if that is >= 0, chosen by a mask rather than a branch.
    j = 0
    while j < 2:
        c = uint(0)
        i = 0
        while i < 10:
            v = uint(h[i]) + c
            h[i] = v & 0x1FFF
            c = v >> 13
            i += 1
        h[0] = uint(h[0]) + c * 5
        j += 1
    g = uint(5)
    i = 0
    while i < 10:
        g = (uint(h[i]) + g) >> 13
        i += 1
    sel = (uint(0) - g) & mask  # all ones if h + 5 >= 2^130, i.e. h >= p
    c = uint(5)
    i = 0
    while i < 10:
        v = uint(h[i]) + c
        c = v >> 13
        h[i] = uint(h[i]) ^ ((uint(h[i]) ^ (v & 0x1FFF)) & sel)
        i += 1
    # tag = (h + s) mod 2^128, little-endian: stream the limbs out 8 bits at a time
    acc = uint(0)
    nb = 0
    k = 0
    c = uint(0)
    i = 0
    while i < 10:
        acc = acc | (uint(h[i]) << nb)
        nb += 13
        while nb >= 8 and k < 16:
            v = (acc & 0xFF) + uint(kb[16 + k]) + c
            out[k] = v
            c = v >> 8
            acc = acc >> 8
            nb -= 8
            k += 1
        i += 1
''', r'''
@micropython.viper
def _poly_blocks(h: ptr32, r: ptr32, data: ptr8, off: int, n: int):
    h0 = uint(h[0])
    h1 = uint(h[1])
    h2 = uint(h[2])
    h3 = uint(h[3])
    h4 = uint(h[4])
    h5 = uint(h[5])
    h6 = uint(h[6])
    h7 = uint(h[7])
    h8 = uint(h[8])
    h9 = uint(h[9])
    r0 = uint(r[0])
    r1 = uint(r[1])
    r2 = uint(r[2])
    r3 = uint(r[3])
    r4 = uint(r[4])
    r5 = uint(r[5])
    r6 = uint(r[6])
    r7 = uint(r[7])
    r8 = uint(r[8])
    r9 = uint(r[9])
    s1 = uint(r[11])
    s2 = uint(r[12])
    s3 = uint(r[13])
    s4 = uint(r[14])
    s5 = uint(r[15])
    s6 = uint(r[16])
    s7 = uint(r[17])
    s8 = uint(r[18])
    s9 = uint(r[19])
    c = uint(0)
    p = off
    end = off + n
    while p < end:
        h0 += (uint(data[p + 0]) | (uint(data[p + 1]) << 8)) & 0x1FFF
        h1 += ((uint(data[p + 1]) >> 5) | (uint(data[p + 2]) << 3) | (uint(data[p + 3]) << 11)) & 0x1FFF
        h2 += ((uint(data[p + 3]) >> 2) | (uint(data[p + 4]) << 6)) & 0x1FFF
        h3 += ((uint(data[p + 4]) >> 7) | (uint(data[p + 5]) << 1) | (uint(data[p + 6]) << 9)) & 0x1FFF
        h4 += ((uint(data[p + 6]) >> 4) | (uint(data[p + 7]) << 4) | (uint(data[p + 8]) << 12)) & 0x1FFF
        h5 += ((uint(data[p + 8]) >> 1) | (uint(data[p + 9]) << 7)) & 0x1FFF
        h6 += ((uint(data[p + 9]) >> 6) | (uint(data[p + 10]) << 2) | (uint(data[p + 11]) << 10)) & 0x1FFF
        h7 += ((uint(data[p + 11]) >> 3) | (uint(data[p + 12]) << 5)) & 0x1FFF
        h8 += (uint(data[p + 13]) | (uint(data[p + 14]) << 8)) & 0x1FFF
        h9 += (uint(data[p + 14]) >> 5) | (uint(data[p + 15]) << 3) | 0x800
        c = h0 >> 13
        h0 = (h0 & 0x1FFF)
        h1 += c
        c = h1 >> 13
        h1 = (h1 & 0x1FFF)
        h2 += c
        c = h2 >> 13
        h2 = (h2 & 0x1FFF)
        h3 += c
        c = h3 >> 13
        h3 = (h3 & 0x1FFF)
        h4 += c
        c = h4 >> 13
        h4 = (h4 & 0x1FFF)
        h5 += c
        c = h5 >> 13
        h5 = (h5 & 0x1FFF)
        h6 += c
        c = h6 >> 13
        h6 = (h6 & 0x1FFF)
        h7 += c
        c = h7 >> 13
        h7 = (h7 & 0x1FFF)
        h8 += c
        c = h8 >> 13
        h8 = (h8 & 0x1FFF)
        h9 += c
        c = h9 >> 13
        h9 = (h9 & 0x1FFF)
        h0 += c * 5
        c = h0 >> 13
        h0 = (h0 & 0x1FFF)
        h1 += c
        d0 = h0 * r0 + h1 * s9 + h2 * s8 + h3 * s7 + h4 * s6 + h5 * s5 + h6 * s4 + h7 * s3 + h8 * s2 + h9 * s1
        d1 = h0 * r1 + h1 * r0 + h2 * s9 + h3 * s8 + h4 * s7 + h5 * s6 + h6 * s5 + h7 * s4 + h8 * s3 + h9 * s2
        d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s9 + h4 * s8 + h5 * s7 + h6 * s6 + h7 * s5 + h8 * s4 + h9 * s3
        d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s9 + h5 * s8 + h6 * s7 + h7 * s6 + h8 * s5 + h9 * s4
        d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0 + h5 * s9 + h6 * s8 + h7 * s7 + h8 * s6 + h9 * s5
        d5 = h0 * r5 + h1 * r4 + h2 * r3 + h3 * r2 + h4 * r1 + h5 * r0 + h6 * s9 + h7 * s8 + h8 * s7 + h9 * s6
        d6 = h0 * r6 + h1 * r5 + h2 * r4 + h3 * r3 + h4 * r2 + h5 * r1 + h6 * r0 + h7 * s9 + h8 * s8 + h9 * s7
        d7 = h0 * r7 + h1 * r6 + h2 * r5 + h3 * r4 + h4 * r3 + h5 * r2 + h6 * r1 + h7 * r0 + h8 * s9 + h9 * s8
        d8 = h0 * r8 + h1 * r7 + h2 * r6 + h3 * r5 + h4 * r4 + h5 * r3 + h6 * r2 + h7 * r1 + h8 * r0 + h9 * s9
        d9 = h0 * r9 + h1 * r8 + h2 * r7 + h3 * r6 + h4 * r5 + h5 * r4 + h6 * r3 + h7 * r2 + h8 * r1 + h9 * r0
        c = d0 >> 13
        d0 = (d0 & 0x1FFF)
        d1 += c
        c = d1 >> 13
        d1 = (d1 & 0x1FFF)
        d2 += c
        c = d2 >> 13
        d2 = (d2 & 0x1FFF)
        d3 += c
        c = d3 >> 13
        d3 = (d3 & 0x1FFF)
        d4 += c
        c = d4 >> 13
        d4 = (d4 & 0x1FFF)
        d5 += c
        c = d5 >> 13
        d5 = (d5 & 0x1FFF)
        d6 += c
        c = d6 >> 13
        d6 = (d6 & 0x1FFF)
        d7 += c
        c = d7 >> 13
        d7 = (d7 & 0x1FFF)
        d8 += c
        c = d8 >> 13
        d8 = (d8 & 0x1FFF)
        d9 += c
        c = d9 >> 13
        d9 = (d9 & 0x1FFF)
        d0 += c * 5
        c = d0 >> 13
        d0 = (d0 & 0x1FFF)
        d1 += c
        h0 = d0
        h1 = d1
        h2 = d2
        h3 = d3
        h4 = d4
        h5 = d5
        h6 = d6
        h7 = d7
        h8 = d8
        h9 = d9
        p += 16
    h[0] = h0
    h[1] = h1
    h[2] = h2
    h[3] = h3
    h[4] = h4
    h[5] = h5
    h[6] = h6
    h[7] = h7
    h[8] = h8
    h[9] = h9
''',)
