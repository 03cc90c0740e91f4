"""Viper source of ChaCha20 (RFC 8439 §2.3, ~25x the plain-Python speed) and Poly1305 (§2.5).

Not imported as code: _aead_ops.kernels('chacha', ...) exec()s the pieces of SOURCE once, when
the first ChaCha20-Poly1305 object is made, then drops this module (see _aead_ops for why). The
same functions in plain Python are in _aead_chacha_py. Words are read and written through
ptr32, so buffers must be 4-byte aligned (heap bytearrays are) and the target little-endian
(x86, Xtensa, ARM all are), which is ChaCha20's own byte order. The 32-bit mask is passed in:
a literal 0xffffffff does not compile as a small int on 32-bit boards; there it is a no-op, on
64-bit builds it truncates the carries.

Both kernels are fully unrolled (every state word, limb and product a local: registers or stack
slots, no memory traffic), which is where their speed comes from, but 300 lines of near
identical statements would be stored verbatim in the .mpy (13 KB). So SOURCE is written out
here, once, when this module is imported, from the few statement shapes below (a quarter-round
step, a 13-bit limb read, a carry, a product column); the compiled native code is exactly the
unrolled code. Print '\\n'.join(SOURCE) to read what the device compiles.
"""


def _lines(indent, lines):
    """One source block: each line on its own line at the given indentation (in spaces)."""
    pad = ' ' * indent
    return pad + ('\n' + pad).join(lines) + '\n'


# ---- ChaCha20 block function (RFC 8439 §2.3) ----------------------------------------------
# The quarter round (§2.1) on words a, b, c, d is four steps of one shape:
#   a += b; d ^= a; d <<<= 16;   c += d; b ^= c; b <<<= 12;
#   a += b; d ^= a; d <<<= 8;    c += d; b ^= c; b <<<= 7;
# A double round (§2.3) is four column rounds then four diagonal rounds.
_DOUBLE_ROUND = ((0, 4, 8, 12), (1, 5, 9, 13), (2, 6, 10, 14), (3, 7, 11, 15),
                 (0, 5, 10, 15), (1, 6, 11, 12), (2, 7, 8, 13), (3, 4, 9, 14))


def _quarter_round_step(a, b, d, rot):
    return ('x%d = (x%d + x%d) & mask' % (a, a, b),
            'x%d ^= x%d' % (d, a),
            'x%d = ((x%d << %d) | (x%d >> %d)) & mask' % (d, d, rot, d, 32 - rot))


def _chacha20_source():
    double_round = []
    for a, b, c, d in _DOUBLE_ROUND:
        for step in ((a, b, d, 16), (c, d, b, 12), (a, b, d, 8), (c, d, b, 7)):
            double_round.extend(_quarter_round_step(*step))
    # chacha20_blocks(out, st, nblocks, mask): nblocks keystream blocks into out from the
    # 16-word state st; st[12] (the block counter) advances by nblocks.
    return ''.join((
        'import micropython\n\n\n'
        '@micropython.viper\n'
        'def chacha20_blocks(out: ptr32, st: ptr32, nblocks: int, mask: uint):\n',
        _lines(4, ('b = 0', 'o = 0', 'while b < nblocks:')),
        _lines(8, ['x%d = uint(st[%d])' % (i, i) for i in range(16)] + ['i = 0', 'while i < 10:']),
        _lines(12, double_round + ['i += 1']),
        # the block is the rounds' output plus the input state (§2.3)
        _lines(8, ['out[o] = x0 + uint(st[0])']
               + ['out[o + %d] = x%d + uint(st[%d])' % (i, i, i) for i in range(1, 16)]
               + ['st[12] = uint(st[12]) + 1', 'o += 16', 'b += 1']),
        _POLY_WRAPPERS))


# ---- Poly1305 (RFC 8439 §2.5) in 13-bit limbs -------------------------------------------
# Viper has only word-size multiplies (32 bits on boards), so the 130-bit accumulator h and r
# are held as ten 13-bit limbs: a product of limbs stays below 2^29 and a column sum of ten
# (with the 2^130 = 5 wrap folded in as s_j = 5 * r_j) below 2^32, provided h is carried back
# to 13-bit limbs after the message block is added. No big ints, no allocation per block.
# Module-wide state: _h = h0..h9 (little-endian words); _r = r0..r9 then s0..s9 = 5 * r_j;
# _k = the one-time key, r (clamped in place) || s.
_POLY_WRAPPERS = r'''
_h = bytearray(40)
_r = bytearray(80)
_k = bytearray(32)


def poly1305_start(otk):
    _poly_setup(_r, _h, _k, otk)


def poly1305_blocks(st, data, off, n):
    _poly_blocks(_h, _r, data, off, n)


def poly1305_finish(st, out):
    _poly_finish(_h, _k, out, 0xFFFFFFFF)
'''
# poly1305_start(otk): start a MAC with the 32-byte one-time key (module-wide state, returns
# None); poly1305_blocks(st, data, off, n): absorb data[off:off+n] (n a multiple of 16) as full
# blocks, each with its 2^128 bit; poly1305_finish(st, out): the 16-byte tag into out,
# (h mod 2^130-5) + s mod 2^128. st is unused (the plain-Python twins keep their state in it).


def _limb(j, src, base):
    """Limb j (bits 13j .. 13j+12) of the little-endian 16-byte number at src[base]: the
    expression that gathers it from the two or three bytes it spans."""
    parts = []
    k = (13 * j) >> 3
    shift = -((13 * j) & 7)  # where byte k's bit 0 lands in the limb
    while shift < 13 and k < 16:
        byte = 'uint(%s[%s%d])' % (src, base, k)
        if shift < 0:
            byte = '(%s >> %d)' % (byte, -shift)
        elif shift > 0:
            byte = '(%s << %d)' % (byte, shift)
        parts.append(byte)
        shift += 8
        k += 1
    if shift <= 13:  # limb 9 holds only the number's top 11 bits: nothing to mask off
        return ' | '.join(parts)
    return '(%s) & 0x1FFF' % ' | '.join(parts)


def _carry(v):
    """Carry the ten limbs v0..v9 to 13 bits, 2^130 = 5 folding the top carry into v0, and
    v0's carry once more into v1 (the limbs then fit the next product)."""
    lines = []
    for i in range(10):
        lines += ['c = %s%d >> 13' % (v, i), '%s%d = %s%d & 0x1FFF' % (v, i, v, i)]
        lines.append('%s%d += c' % (v, i + 1) if i < 9 else '%s0 += c * 5' % v)
    return lines + ['c = %s0 >> 13' % v, '%s0 = %s0 & 0x1FFF' % (v, v), '%s1 += c' % v]


def _poly_setup_source():
    # _poly_setup(r, h, kb, otk): kb = otk, r clamped (RFC 8439 §2.5:
    # r &= 0x0ffffffc0ffffffc0ffffffc0fffffff, little-endian), its limbs and 5x into r, h = 0.
    lines = ['i = 0', 'while i < 32:', '    kb[i] = otk[i]', '    i += 1']
    lines += ['kb[%d] = kb[%d] & 15' % (i, i) for i in (3, 7, 11, 15)]
    lines += ['kb[%d] = kb[%d] & 252' % (i, i) for i in (4, 8, 12)]
    lines.append('w = uint(0)')
    for j in range(10):
        lines += ['w = ' + _limb(j, 'kb', ''), 'r[%d] = w' % j, 'r[%d] = w * 5' % (10 + j)]
    lines += ['i = 0', 'while i < 10:', '    h[i] = 0', '    i += 1']
    return ('@micropython.viper\n'
            'def _poly_setup(r: ptr32, h: ptr32, kb: ptr8, otk: ptr8):\n' + _lines(4, lines))


def _poly_blocks_source():
    # _poly_blocks(h, r, data, off, n): for each 16-byte block, h = (h + block + 2^128) * r
    # mod 2^130 - 5, h and r (and s) in locals for the whole call.
    load = ['h%d = uint(h[%d])' % (i, i) for i in range(10)]
    load += ['r%d = uint(r[%d])' % (i, i) for i in range(10)]
    load += ['s%d = uint(r[%d])' % (i, 10 + i) for i in range(1, 10)]
    load += ['c = uint(0)', 'p = off', 'end = off + n', 'while p < end:']
    body = ['h%d += %s' % (j, _limb(j, 'data', 'p + ')) for j in range(9)]
    body.append('h9 += %s | 0x800' % _limb(9, 'data', 'p + '))  # the 2^128 bit
    body += _carry('h')
    # d_i = sum over j of h_j * r_(i-j), where i-j < 0 wraps as s_(10+i-j) (2^130 = 5)
    for i in range(10):
        body.append('d%d = ' % i + ' + '.join(
            'h%d * %s' % (j, 'r%d' % (i - j) if j <= i else 's%d' % (10 + i - j))
            for j in range(10)))
    body += _carry('d')
    body += ['h%d = d%d' % (i, i) for i in range(10)] + ['p += 16']
    return ''.join(('@micropython.viper\n'
                    'def _poly_blocks(h: ptr32, r: ptr32, data: ptr8, off: int, n: int):\n',
                    _lines(4, load), _lines(8, body),
                    _lines(4, ['h[%d] = h%d' % (i, i) for i in range(10)])))


# _poly_finish(h, kb, out, mask): carry h to 13-bit limbs (twice: the 2^130 = 5 fold can carry
# once more), then h mod p = h + 5 - 2^130 if that is >= 0, chosen by a mask rather than a
# branch (sel is all ones if h + 5 >= 2^130, i.e. h >= p); then the tag = (h + s) mod 2^128,
# little-endian: the limbs streamed out 8 bits at a time with s added byte by byte.
_POLY_FINISH = r'''
@micropython.viper
def _poly_finish(h: ptr32, kb: ptr8, out: ptr8, mask: uint):
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
    sel = (uint(0) - g) & mask
    c = uint(5)
    i = 0
    while i < 10:
        v = uint(h[i]) + c
        c = v >> 13
        h[i] = uint(h[i]) ^ ((uint(h[i]) ^ (v & 0x1FFF)) & sel)
        i += 1
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
'''

# One viper function per piece (compiled one at a time: a smaller transient parse tree).
SOURCE = (_chacha20_source(), _poly_setup_source(), _POLY_FINISH,
          _poly_blocks_source())
