"""ChaCha20 block function (RFC 8439 §2.3) in plain Python (CPython; MicroPython uses viper).

Same signature as _aead_chacha_viper.chacha20_blocks: st is the 64-byte little-endian state,
its counter word advances by nblocks; out receives 64 * nblocks keystream bytes.
"""
import struct


def chacha20_blocks(out, st, nblocks, mask=0xFFFFFFFF):
    s = list(struct.unpack_from('<16I', st, 0))
    pack = struct.pack_into
    o = 0
    for _ in range(nblocks):
        x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15 = s
        for _ in range(10):
            x0 = (x0 + x4) & 0xFFFFFFFF
            x12 ^= x0
            x12 = ((x12 << 16) | (x12 >> 16)) & 0xFFFFFFFF
            x8 = (x8 + x12) & 0xFFFFFFFF
            x4 ^= x8
            x4 = ((x4 << 12) | (x4 >> 20)) & 0xFFFFFFFF
            x0 = (x0 + x4) & 0xFFFFFFFF
            x12 ^= x0
            x12 = ((x12 << 8) | (x12 >> 24)) & 0xFFFFFFFF
            x8 = (x8 + x12) & 0xFFFFFFFF
            x4 ^= x8
            x4 = ((x4 << 7) | (x4 >> 25)) & 0xFFFFFFFF
            x1 = (x1 + x5) & 0xFFFFFFFF
            x13 ^= x1
            x13 = ((x13 << 16) | (x13 >> 16)) & 0xFFFFFFFF
            x9 = (x9 + x13) & 0xFFFFFFFF
            x5 ^= x9
            x5 = ((x5 << 12) | (x5 >> 20)) & 0xFFFFFFFF
            x1 = (x1 + x5) & 0xFFFFFFFF
            x13 ^= x1
            x13 = ((x13 << 8) | (x13 >> 24)) & 0xFFFFFFFF
            x9 = (x9 + x13) & 0xFFFFFFFF
            x5 ^= x9
            x5 = ((x5 << 7) | (x5 >> 25)) & 0xFFFFFFFF
            x2 = (x2 + x6) & 0xFFFFFFFF
            x14 ^= x2
            x14 = ((x14 << 16) | (x14 >> 16)) & 0xFFFFFFFF
            x10 = (x10 + x14) & 0xFFFFFFFF
            x6 ^= x10
            x6 = ((x6 << 12) | (x6 >> 20)) & 0xFFFFFFFF
            x2 = (x2 + x6) & 0xFFFFFFFF
            x14 ^= x2
            x14 = ((x14 << 8) | (x14 >> 24)) & 0xFFFFFFFF
            x10 = (x10 + x14) & 0xFFFFFFFF
            x6 ^= x10
            x6 = ((x6 << 7) | (x6 >> 25)) & 0xFFFFFFFF
            x3 = (x3 + x7) & 0xFFFFFFFF
            x15 ^= x3
            x15 = ((x15 << 16) | (x15 >> 16)) & 0xFFFFFFFF
            x11 = (x11 + x15) & 0xFFFFFFFF
            x7 ^= x11
            x7 = ((x7 << 12) | (x7 >> 20)) & 0xFFFFFFFF
            x3 = (x3 + x7) & 0xFFFFFFFF
            x15 ^= x3
            x15 = ((x15 << 8) | (x15 >> 24)) & 0xFFFFFFFF
            x11 = (x11 + x15) & 0xFFFFFFFF
            x7 ^= x11
            x7 = ((x7 << 7) | (x7 >> 25)) & 0xFFFFFFFF
            x0 = (x0 + x5) & 0xFFFFFFFF
            x15 ^= x0
            x15 = ((x15 << 16) | (x15 >> 16)) & 0xFFFFFFFF
            x10 = (x10 + x15) & 0xFFFFFFFF
            x5 ^= x10
            x5 = ((x5 << 12) | (x5 >> 20)) & 0xFFFFFFFF
            x0 = (x0 + x5) & 0xFFFFFFFF
            x15 ^= x0
            x15 = ((x15 << 8) | (x15 >> 24)) & 0xFFFFFFFF
            x10 = (x10 + x15) & 0xFFFFFFFF
            x5 ^= x10
            x5 = ((x5 << 7) | (x5 >> 25)) & 0xFFFFFFFF
            x1 = (x1 + x6) & 0xFFFFFFFF
            x12 ^= x1
            x12 = ((x12 << 16) | (x12 >> 16)) & 0xFFFFFFFF
            x11 = (x11 + x12) & 0xFFFFFFFF
            x6 ^= x11
            x6 = ((x6 << 12) | (x6 >> 20)) & 0xFFFFFFFF
            x1 = (x1 + x6) & 0xFFFFFFFF
            x12 ^= x1
            x12 = ((x12 << 8) | (x12 >> 24)) & 0xFFFFFFFF
            x11 = (x11 + x12) & 0xFFFFFFFF
            x6 ^= x11
            x6 = ((x6 << 7) | (x6 >> 25)) & 0xFFFFFFFF
            x2 = (x2 + x7) & 0xFFFFFFFF
            x13 ^= x2
            x13 = ((x13 << 16) | (x13 >> 16)) & 0xFFFFFFFF
            x8 = (x8 + x13) & 0xFFFFFFFF
            x7 ^= x8
            x7 = ((x7 << 12) | (x7 >> 20)) & 0xFFFFFFFF
            x2 = (x2 + x7) & 0xFFFFFFFF
            x13 ^= x2
            x13 = ((x13 << 8) | (x13 >> 24)) & 0xFFFFFFFF
            x8 = (x8 + x13) & 0xFFFFFFFF
            x7 ^= x8
            x7 = ((x7 << 7) | (x7 >> 25)) & 0xFFFFFFFF
            x3 = (x3 + x4) & 0xFFFFFFFF
            x14 ^= x3
            x14 = ((x14 << 16) | (x14 >> 16)) & 0xFFFFFFFF
            x9 = (x9 + x14) & 0xFFFFFFFF
            x4 ^= x9
            x4 = ((x4 << 12) | (x4 >> 20)) & 0xFFFFFFFF
            x3 = (x3 + x4) & 0xFFFFFFFF
            x14 ^= x3
            x14 = ((x14 << 8) | (x14 >> 24)) & 0xFFFFFFFF
            x9 = (x9 + x14) & 0xFFFFFFFF
            x4 ^= x9
            x4 = ((x4 << 7) | (x4 >> 25)) & 0xFFFFFFFF
        pack('<16I', out, o,
             (x0 + s[0]) & 0xFFFFFFFF, (x1 + s[1]) & 0xFFFFFFFF, (x2 + s[2]) & 0xFFFFFFFF,
             (x3 + s[3]) & 0xFFFFFFFF, (x4 + s[4]) & 0xFFFFFFFF, (x5 + s[5]) & 0xFFFFFFFF,
             (x6 + s[6]) & 0xFFFFFFFF, (x7 + s[7]) & 0xFFFFFFFF, (x8 + s[8]) & 0xFFFFFFFF,
             (x9 + s[9]) & 0xFFFFFFFF, (x10 + s[10]) & 0xFFFFFFFF, (x11 + s[11]) & 0xFFFFFFFF,
             (x12 + s[12]) & 0xFFFFFFFF, (x13 + s[13]) & 0xFFFFFFFF, (x14 + s[14]) & 0xFFFFFFFF,
             (x15 + s[15]) & 0xFFFFFFFF)
        s[12] = (s[12] + 1) & 0xFFFFFFFF
        o += 64
    pack('<I', st, 48, s[12])


# ---- Poly1305 (RFC 8439 §2.5) with Python ints -------------------------------------------
_P = (1 << 130) - 5


def poly1305_start(otk):
    """Start a MAC with the 32-byte one-time key; the state is [accumulator, r, s]."""
    r = int.from_bytes(otk[0:16], 'little') & 0x0FFFFFFC0FFFFFFC0FFFFFFC0FFFFFFF
    return [0, r, int.from_bytes(otk[16:32], 'little')]


def poly1305_blocks(st, data, off, n):
    """Absorb data[off:off+n] (n a multiple of 16) as full blocks (each with the 2^128 bit)."""
    acc, r = st[0], st[1]
    hibit = 1 << 128
    for p in range(off, off + n, 16):
        acc = (acc + int.from_bytes(data[p:p + 16], 'little') + hibit) * r % _P
    st[0] = acc


def poly1305_finish(st, out):
    """The 16-byte tag into out: accumulator + s mod 2^128."""
    out[0:16] = ((st[0] + st[2]) & ((1 << 128) - 1)).to_bytes(16, 'little')
