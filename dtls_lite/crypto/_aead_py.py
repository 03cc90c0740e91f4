"""Byte-buffer kernels of the AEAD modes, plain Python (CPython; MicroPython uses _aead_viper).

Every function works on (buffer, offset) pairs instead of slices so the MicroPython twin can
run without allocating; here the work is pushed into C through int.from_bytes / to_bytes and
slice assignment, which on CPython beats any per-byte loop by ~50x.
"""
import struct


def xor_into(dst, doff, src, soff, n):
    """dst[doff:doff+n] ^= src[soff:soff+n]."""
    if n > 0:
        x = int.from_bytes(dst[doff:doff + n], 'big') ^ int.from_bytes(src[soff:soff + n], 'big')
        dst[doff:doff + n] = x.to_bytes(n, 'big')


def copy_into(dst, doff, src, soff, n):
    """dst[doff:doff+n] = src[soff:soff+n] (the two may be the same buffer if they do not overlap)."""
    if n > 0:
        dst[doff:doff + n] = src[soff:soff + n]


def fill_zero(dst, off, n):
    if n > 0:
        dst[off:off + n] = bytes(n)


def ctr_fill(dst, tmpl, nblocks):
    """Counter blocks for CTR mode: block i = tmpl with its last 4 bytes (big-endian) + i mod 2^32.

    tmpl may be dst itself (block 0 already holding the first counter block).
    """
    head = bytes(tmpl[0:12])
    c = int.from_bytes(tmpl[12:16], 'big')
    pack = struct.pack_into
    off = 0
    for i in range(nblocks):
        dst[off:off + 12] = head
        pack('>I', dst, off + 12, (c + i) & 0xFFFFFFFF)
        off += 16


# ---- GHASH (AES-GCM): Shoup's 4-bit method on 128-bit ints ------------------------------
# A block read big-endian is the field element in GCM bit order, so "times x" is a right
# shift; "times x^4" drops 4 bits that fold back through _RED (SP 800-38D §6.3).
_RED = [0] * 16
for _r in range(16):
    for _k in range(4):
        if _r >> _k & 1:
            _RED[_r] ^= (0xE1 << 120) >> (3 - _k)


def ghash_table(mults):
    """Per-key table: the 16 multiples N(x)*H as 128-bit ints, used as they are."""
    return mults


def ghash_blocks(y, tab, data, off, n):
    """y (16-byte GHASH state, big-endian) <- (y ^ block) * H for each block of data[off:off+n]."""
    red = _RED
    acc = int.from_bytes(y, 'big')
    end = off + n
    while off < end:
        x = int.from_bytes(data[off:off + 16], 'big') ^ acc
        z = tab[x & 15]
        for _ in range(31):
            x >>= 4
            z = (z >> 4) ^ red[z & 15] ^ tab[x & 15]
        acc = z
        off += 16
    y[0:16] = acc.to_bytes(16, 'big')
