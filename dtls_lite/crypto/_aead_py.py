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
