"""ChaCha20 block function (RFC 8439 §2.3) in MicroPython viper: ~25x the plain-Python speed.

Imported only on MicroPython (chacha20poly1305 picks it through compat.MICROPYTHON); the same
function in plain Python is _aead_chacha_py.chacha20_blocks. Words are read and written through
ptr32, so buffers must be 4-byte aligned (heap bytearrays are) and the target little-endian
(x86, Xtensa, ARM all are), which is ChaCha20's own byte order. The 32-bit mask is passed in:
a literal 0xffffffff does not compile as a small int on 32-bit boards; there it is a no-op, on
64-bit builds it truncates the carries.
"""
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
