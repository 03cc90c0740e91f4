"""X25519 Diffie-Hellman (RFC 7748 §5, §6.1) for the ECDHE key exchange.

    generate_key(rng=None) -> (private, public)    32 random bytes and their public key
    public_key(private) -> 32 bytes                 X25519(private, 9), by a fixed-base comb
    ecdh(private, peer_public) -> 32 bytes          shared secret; ValueError if it is all zero
    x25519(k, u) -> 32 bytes                        the raw RFC 7748 function (no zero check)

Inputs are 32-byte strings (anything else raises ValueError). The scalar is clamped (§5
decodeScalar25519); the u-coordinate has its top bit masked and non-canonical values
(p <= u < 2^255) are used as they are, i.e. as if reduced mod p, as §5 requires. Points of small
order and points on the twist are not rejected: X25519 is defined on them, and the only
rejection RFC 7748 §6.1 asks for is the all-zero shared secret (a low-order peer key), which
ecdh() refuses.

Speed. The Montgomery ladder runs on plain Python ints with lazy reduction: instead of `% p`
after every operation, a product is folded with 2^255 = 19 (mod p), i.e.
x -> (x & (2^255-1)) + 19 * (x >> 255), once for intermediate values and twice for the four
ladder coordinates so that their size stays bounded (< 2^256) from step to step. Nothing is
fully reduced until the end; the one inversion is the usual addition chain for z^(p-2) on the
same folds (on MicroPython it is twice as fast as pow(z, p-2, p)). Each step has the same
operations whatever the scalar bit (the conditional swap is an XOR under a mask, RFC 7748 §5
cswap); Python big-int arithmetic itself is not constant time, so this is constant structure,
not a side-channel guarantee.

public_key() does not run the ladder: the base point u = 9 is fixed, so it is computed as k*B
on the birationally equivalent edwards25519 with a small precomputed comb table (16 points,
see _base_mul_u), twice as fast; x25519(k, 9) gives the same bytes (tested).
"""
from dtls_lite.crypto.util import get_rng
from dtls_lite.errors import text

_M255 = 2 ** 255 - 1
_P = _M255 - 18                            # 2^255 - 19, one big literal less in the .mpy


def _sq(x, n):
    """x^(2^n), folded (result < 2^256, congruent mod p)."""
    m = _M255
    for _ in range(n):
        x = x * x
        x = (x & m) + 19 * (x >> 255)
        x = (x & m) + 19 * (x >> 255)
    return x


def _mul(a, b):
    m = _M255
    x = a * b
    x = (x & m) + 19 * (x >> 255)
    return (x & m) + 19 * (x >> 255)


def _invert(z):
    """z^(p-2) = z^(2^255 - 21) mod p (Fermat) by the standard 254-squaring addition chain."""
    z2 = _mul(z, z)                        # 2
    z9 = _mul(_sq(z2, 2), z)               # 9
    z11 = _mul(z9, z2)                     # 11
    t = _mul(_mul(z11, z11), z9)           # 2^5 - 1
    t10 = _mul(_sq(t, 5), t)               # 2^10 - 1
    t20 = _mul(_sq(t10, 10), t10)          # 2^20 - 1
    t = _mul(_sq(t20, 20), t20)            # 2^40 - 1
    t50 = _mul(_sq(t, 10), t10)            # 2^50 - 1
    t100 = _mul(_sq(t50, 50), t50)         # 2^100 - 1
    t = _mul(_sq(t100, 100), t100)         # 2^200 - 1
    t = _mul(_sq(t, 50), t50)              # 2^250 - 1
    return _mul(_sq(t, 5), z11)            # 2^255 - 32 + 11 = p - 2


def _ladder(kb, u):
    """RFC 7748 §5 Montgomery ladder: u-coordinate of k*u, k given as 32 clamped bytes (LE).

    Variables follow the RFC pseudocode; a24 = 121665 is used as AA + a24*E = BB + 121666*E.
    """
    m = _M255
    x1 = u
    x2 = 1
    z2 = 0
    x3 = u
    z3 = 1
    swap = 0
    for t in range(254, -1, -1):
        k_t = (kb[t >> 3] >> (t & 7)) & 1
        swap ^= k_t
        mask = -swap                       # 0 or -1 (all ones): cswap without a branch
        d = mask & (x2 ^ x3)
        x2 ^= d
        x3 ^= d
        d = mask & (z2 ^ z3)
        z2 ^= d
        z3 ^= d
        swap = k_t
        a = x2 + z2                        # A
        b = x2 - z2                        # B
        c = x3 + z3                        # C
        d = x3 - z3                        # D
        aa = a * a                         # AA = A^2
        aa = (aa & m) + 19 * (aa >> 255)
        bb = b * b                         # BB = B^2
        bb = (bb & m) + 19 * (bb >> 255)
        d *= a                             # DA (left unreduced: only added/subtracted next)
        c *= b                             # CB
        a = d + c
        a = (a & m) + 19 * (a >> 255)
        x3 = a * a                         # x_3 = (DA + CB)^2
        x3 = (x3 & m) + 19 * (x3 >> 255)
        x3 = (x3 & m) + 19 * (x3 >> 255)
        b = d - c
        b = (b & m) + 19 * (b >> 255)
        b *= b
        b = (b & m) + 19 * (b >> 255)
        z3 = x1 * b                        # z_3 = x_1 * (DA - CB)^2
        z3 = (z3 & m) + 19 * (z3 >> 255)
        z3 = (z3 & m) + 19 * (z3 >> 255)
        x2 = aa * bb                       # x_2 = AA * BB
        x2 = (x2 & m) + 19 * (x2 >> 255)
        x2 = (x2 & m) + 19 * (x2 >> 255)
        aa -= bb                           # E = AA - BB
        z2 = aa * (bb + 121666 * aa)       # z_2 = E * (AA + a24 * E)
        z2 = (z2 & m) + 19 * (z2 >> 255)
        z2 = (z2 & m) + 19 * (z2 >> 255)
    mask = -swap
    d = mask & (x2 ^ x3)
    x2 ^= d
    d = mask & (z2 ^ z3)
    z2 ^= d
    # z2 = 0 (k*u is the point at infinity, low-order u) inverts to 0 and yields u = 0.
    return _mul(x2, _invert(z2)) % _P


# Fixed-base comb table for _base_mul_u: entry v = sum over i of bit i of v times 2^(64 i) B,
# B the edwards25519 base point (RFC 8032 §5.1: y = 4/5, x even), stored affine as
# (y - x, y + x, 2*d*x*y) mod p, 48 big-endian 32-byte values. Generated with exact affine
# arithmetic; test_host_x25519.py rebuilds it independently and the portable tests compare
# public_key() with the ladder.
# A bytes constant decoded by _comb() at each use (48 int.from_bytes, ~2% of public_key): frozen
# into firmware it stays in flash, and nothing of it stays in the heap between calls. As int
# literals it would be 77 decimal digits each in the .mpy and ~6 KB of heap for good.
_COMB_TABLE = (
    b'\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01'  # entry 0: y - x
    b'\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01'  # y + x
    b'\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00'  # 2dxy
    b'\x44\xfd\x2f\x92\x98\xf8\x12\x67\xa5\xc1\x84\x34\x68\x8f\x8a\x09\xfd\x39\x9f\x05\xd1\x40\xbe\xb3\x9d\x10\x39\x05\xd7\x40\x91\x3e'  # entry 1: y - x
    b'\x07\xcf\x9d\x3a\x33\xd4\xba\x65\x27\x0b\x48\x98\x64\x3d\x42\xc2\xcf\x93\x2d\xc6\xfb\x8c\x0e\x19\x2f\xbc\x93\xc6\xf5\x8c\x3b\x85'  # y + x
    b'\x6f\x11\x7b\x68\x9f\x0c\x65\xa8\x5a\x1b\x7d\xcb\xdd\x43\x59\x8c\x26\xd9\xe8\x23\xcc\xaa\xc4\x9e\xab\xc9\x12\x05\x87\x7a\xaa\x68'  # 2dxy
    b'\x21\x02\xfd\xba\x2b\x20\xd6\x50\x09\x20\x7a\x1d\x71\x7a\xf1\xb9\x53\x97\xda\x89\xe5\x75\xf5\x1b\x51\x13\x8e\xc7\x8d\xf6\xb0\xfe'  # entry 2: y - x
    b'\x65\x48\x78\xcb\xa9\x7c\xc9\xfb\xb1\xb7\x3b\xbc\xda\xbc\x06\xe5\x54\x89\x91\x87\x8f\xaa\x60\xf1\xcd\x2a\x65\xe7\x77\xd1\xf5\x15'  # y + x
    b'\x0a\xd7\x25\xdb\x29\xec\xb2\xba\x3a\x1a\xf5\x17\xaa\x7d\xa4\x15\x36\xbc\xa7\x68\x12\x51\xad\x29\x96\x9e\xe4\x05\x05\x5c\xe6\xa1'  # 2dxy
    b'\x09\x75\xb5\x97\x0f\xc1\x2f\x2f\xcd\x19\x72\xec\x88\x13\x42\xf6\x2d\xd8\x6f\xc5\x67\xd3\x1c\xd7\xcb\x75\xb8\xb6\x9c\x84\x62\xa4'  # entry 3: y - x
    b'\x26\xea\xd8\xe6\x48\x13\xcf\x2b\x3e\x14\xaa\xd0\xfe\x45\xe4\x4c\x87\x93\x34\x2b\x66\x48\x0e\x60\x00\x55\xc5\x85\x60\x1e\x59\xe8'  # y + x
    b'\x53\x46\x70\x47\x9d\xf6\xc5\xea\x33\x37\x90\xd0\xaa\x73\x67\xda\x04\xbf\x9d\x81\x52\xf1\xba\x6e\x63\xcf\x23\x03\xda\x5b\xa7\x43'  # 2dxy
    b'\x13\x04\xe9\xe7\x16\x27\xd5\x51\x00\xc3\xe5\x31\x45\x74\x72\x99\xf7\xea\x38\x54\x8e\xbd\xa0\xb8\x5f\x3a\x75\x62\xeb\x3d\xbe\x47'  # entry 4: y - x
    b'\x2b\x54\x49\xe5\x8e\xb3\xbb\xaa\x2b\x1e\x58\x3b\x08\x10\xc5\xdb\x29\xb7\x43\xe8\x14\x8b\xe8\x84\x58\x3b\x04\xbf\xac\xad\x8e\xa2'  # y + x
    b'\x44\x68\xde\x2d\x7c\x2d\xd6\x93\xda\x0f\xe1\xff\xf9\x79\xc6\x0a\x3c\x1b\xab\x3f\x8b\x48\xdd\x0b\x78\x98\x14\xd2\x6a\xdc\x9c\xfe'  # 2dxy
    b'\x49\xd7\x6b\xba\x79\x42\x74\x2e\xdf\xea\x3a\xd4\xac\xf4\xf0\xf1\x85\x52\x25\x50\x6c\xd8\x95\x29\x29\x52\x2d\x3b\x13\xa3\x39\xee'  # entry 5: y - x
    b'\x26\xa1\x36\x64\xd0\x54\x3d\x4d\xf5\x51\xbe\x51\xc6\x7b\xb1\x98\xe7\x1f\xfd\x60\xd0\xb2\x0e\xf7\x21\x18\x27\x8d\xe3\xbc\x67\x48'  # y + x
    b'\x4e\x1f\xaf\xe3\xa8\xfc\xed\xc2\x24\x7d\x57\x6d\xa7\xad\xb1\x85\x19\x1d\x39\x46\xc3\x51\x29\x9a\x14\xfa\x42\x33\x8d\x56\xe6\x1d'  # 2dxy
    b'\x72\x70\x21\xd3\x5f\x87\x53\x0c\xc1\x69\x45\x4b\x0c\x02\xeb\x1b\x95\xdc\xdc\x0a\x03\x9c\x3b\x5f\xfe\x00\xe8\x76\x9c\x12\x70\x1c'  # entry 6: y - x
    b'\x4e\x55\x9a\x0f\x0f\xc5\xbb\xa4\x51\x99\x60\xd2\xd3\x21\xa8\x28\x3c\xdd\xbc\xb1\x3b\x8d\x87\xe3\x15\xe7\x05\x3d\x23\x6a\x04\x4c'  # y + x
    b'\x64\xfc\xb7\x30\x07\xbb\xc0\x1d\xfe\x6e\xdb\x5c\x60\xa6\x9a\xde\xdf\x45\xef\xaa\xb2\x90\x0d\x36\xa5\x71\x04\x07\x27\xdf\x24\x1e'  # 2dxy
    b'\x0b\x59\x8b\x8e\x8b\x84\x9f\x6d\xd7\xbd\x80\x96\xce\x34\x98\x1d\x07\x91\xff\xb2\x43\x07\xb7\x27\x93\xf3\xcb\xb4\x38\x98\xdc\x04'  # entry 7: y - x
    b'\x6f\x34\xc6\x6d\x6f\xd0\x86\xef\x88\x50\xb7\x8f\xc4\x42\xd6\x5f\xef\x78\x65\x75\x17\x1a\x98\xfc\x38\xef\x58\xcc\x6f\xd3\x90\xca'  # y + x
    b'\x41\x21\x28\xb0\xb1\xac\x66\xc8\x0a\x9b\xc0\x46\xc0\x0b\x59\x40\x81\x11\x46\x07\xb5\x29\xce\x2a\x11\xcf\xc1\x8a\x0c\xc2\xf6\x89'  # 2dxy
    b'\x46\x11\x5a\xba\x1d\x4d\xc0\xb3\x4c\xd1\xeb\x50\x5c\xdf\xa8\xcb\xa2\x64\x9f\x30\xaa\xfd\xa9\xe8\xef\x78\x20\x14\x38\x56\x75\xa6'  # entry 8: y - x
    b'\x7d\xa0\xb8\xf6\x8d\x7e\x7d\xab\xa7\xeb\xf3\xbe\x95\xdb\xd7\xc6\x97\xa0\x5c\xf4\x1b\x38\xa4\x36\xa6\x6d\xcc\x9d\xc8\x0c\x1a\xc0'  # y + x
    b'\x5a\x5f\x88\x7e\x83\x67\x4b\x4b\x03\xcc\x60\x21\xfe\xb2\x59\x60\x1d\xac\x6f\x73\x21\x11\x9e\x9b\xd4\x0f\x19\x53\xc3\xb5\xda\x76'  # 2dxy
    b'\x40\x13\xf0\x3d\x6a\xd3\x51\xba\x4b\x39\xe1\x5e\x01\x50\xa7\x4d\x8b\x69\x4a\x11\x01\xcf\xe1\x1e\xfe\xf3\x66\xd1\xfd\x41\xf1\x84'  # entry 9: y - x
    b'\x45\xa0\x28\x90\x60\x7f\x15\xc0\xd7\xe6\x7a\x47\xb8\x2f\x4e\x99\x81\x5e\xb0\xdb\xcc\x68\xdf\x40\x0a\x8d\x60\x18\x0c\xa2\xc1\xf4'  # y + x
    b'\x48\x22\x55\xc1\xd9\xf0\x6e\x4f\x53\x4e\x9a\xd8\xfe\xbc\xe8\x74\x36\xb9\x94\xfd\x22\x4a\xe6\x46\xbd\x02\x82\xdc\x6e\xe0\x65\xcc'  # 2dxy
    b'\x6b\xb9\x1a\x49\x7b\x9b\x79\x44\x56\xb0\xd2\x9d\x7b\x8b\x13\xa3\xba\x2a\x4a\xa9\x29\xc4\xf2\x0d\x12\xde\x11\x4a\xa3\xe5\x63\x8c'  # entry 10: y - x
    b'\x4e\x85\x93\xb0\xbc\x65\x54\x62\x38\x3f\xea\x28\x6a\x29\xc4\x77\x90\x36\x75\x44\xca\x8a\xfe\xbb\x3c\x03\xea\xcf\x71\xce\xf8\x00'  # y + x
    b'\x20\xcf\x7d\x79\xb0\xeb\xe3\x9b\x50\xab\x6c\xe8\xed\xab\x52\x9e\xb1\x3e\xf9\xcd\x92\x63\xc4\x45\x2a\x49\xe6\x46\xc5\xe7\xd2\x06'  # 2dxy
    b'\x02\x35\x62\x37\x88\x99\x46\x9d\x09\x8b\xe6\x1c\x35\x7e\x1d\x1d\xf5\x0e\xb9\x0f\xcb\xa9\x51\xce\x7d\xb4\x93\x9d\xf0\xfe\x7d\xca'  # entry 11: y - x
    b'\x7c\x11\x88\x53\x9f\x57\x08\x86\x37\x3b\xb9\xc8\x98\xbc\x21\x70\x3c\xde\x02\x91\x44\x00\x0b\x60\xcb\xd2\x8f\x4e\x8a\xe7\x5c\x48'  # y + x
    b'\x38\xd2\x01\x88\xd1\x06\x14\x83\x79\xf5\x0a\x03\xfc\x99\xde\x67\x2f\x47\x0a\x94\x3c\x77\x8e\x05\x20\xf6\xef\xfa\xe1\x5a\x4c\x03'  # 2dxy
    b'\x17\x3c\x4f\xa9\x4f\x45\x07\x3e\x25\x8f\xdb\xfd\x70\x41\xf8\x02\xc6\x51\xb9\x19\xf3\xaf\xd2\x0c\xf6\xc1\x47\xf2\xc7\x07\x32\x17'  # entry 12: y - x
    b'\x04\x3e\xed\xd4\x5e\x1f\x4d\xee\xb7\xba\x0f\x59\xa7\x5d\x58\x6c\x0b\x65\x0d\x05\xe2\xae\xb2\x90\x23\xe8\x11\xad\x0e\x63\x15\xdf'  # y + x
    b'\x1e\x2a\x70\x24\x99\x3c\xc4\x72\xd9\xb0\x51\x4c\xa2\x95\x52\xb2\x5b\x7e\x78\x06\x33\x73\x56\x2d\x3d\x71\xea\x60\x92\x8d\xf9\xc4'  # 2dxy
    b'\x04\x46\x49\xf4\x11\xb2\xe7\x73\x97\xde\xcc\xba\x52\x40\x1c\x87\x0d\x8d\xb3\x76\x05\x63\x1b\x75\x31\x05\x09\xb9\x35\x09\xfb\xa4'  # entry 13: y - x
    b'\x5f\xcb\x43\xee\x06\x22\x5b\x26\xa0\xca\xe6\x2b\x17\xd2\x40\x7f\x24\xb7\xbc\x7d\x92\xec\x08\x03\x60\x1a\x0f\xbc\xd4\x5c\x81\x1f'  # y + x
    b'\x0c\x8a\x1b\xfa\x5c\xc0\xe5\x8f\x33\x8e\x2f\x55\x70\x16\xdc\xea\x1b\x7f\x90\x26\xcc\x36\x62\x8c\x0c\x0d\x24\xad\x95\x98\x21\x5f'  # 2dxy
    b'\x09\xde\x2b\xf5\xdd\x41\x8a\xca\xa7\x51\xab\x1d\x47\x33\xba\x41\x7e\x9f\xbe\xac\x3c\x40\x0f\xc4\x79\xd2\x56\xb4\x8b\x28\x01\xc0'  # entry 14: y - x
    b'\x6b\x85\x7c\x7e\xfc\xc3\xe6\xca\xae\x71\x0c\x17\x1c\xe5\x6c\x63\x3d\x2f\x7a\x59\x12\x63\xcb\x45\x8d\xe7\x03\xb5\x68\x1d\x10\x4c'  # y + x
    b'\x5b\x46\x6e\x2a\xc3\xb2\x42\xca\xe4\x9e\x61\x26\x1d\x66\x03\x4d\x5e\xba\xea\x34\xf1\xe3\x7b\xa2\x3b\xf1\x0f\xf3\xef\xf0\x68\x7f'  # 2dxy
    b'\x40\x9b\x4a\xdc\xe5\xc6\xcf\x2f\xd4\xeb\xeb\x1b\x06\x64\xe3\xa5\x96\xb5\xc6\xfa\x5f\x93\xc2\x26\xa2\xa8\xcb\x4b\xdc\x7e\xf8\x3c'  # entry 15: y - x
    b'\x09\x95\x2a\x56\x3b\xc8\xff\xc2\x5a\x2b\xa7\x6f\x71\xf8\xc8\x9a\x79\xdf\x5c\x75\x60\x81\x1a\x8b\x13\x7e\xeb\x67\x47\xfb\xb8\x42'  # y + x
    b'\x69\xb9\x68\xa7\x04\x65\x7d\x64\xfb\x22\xfa\xa2\x59\x49\xff\x2f\x89\x29\x93\x05\xa5\xf5\x05\xb4\x44\xd5\x3d\xb9\x83\x43\x50\xc4'  # 2dxy
)


def _comb():
    """The 16 comb entries as (y - x, y + x, 2*d*x*y) int triples."""
    table = _COMB_TABLE
    comb = []
    for off in range(0, 1536, 96):
        comb.append((int.from_bytes(table[off:off + 32], 'big'),
                     int.from_bytes(table[off + 32:off + 64], 'big'),
                     int.from_bytes(table[off + 64:off + 96], 'big')))
    return comb


def _base_mul_u(kb):
    """u-coordinate of k*9 for clamped k: a fixed-base comb on the Edwards form of the curve.

    Curve25519's base point u = 9 is Ed25519's base point B (y = 4/5) under the birational map
    u = (1 + y) / (1 - y) (RFC 7748 §4.1), so k*9 can be computed as k*B on edwards25519 and
    mapped back. The scalar's 256 bits are read as 4 teeth 64 bits apart: bit j of each tooth
    forms a 4-bit index into the comb table (the 16 sums of {B, 2^64 B, 2^128 B, 2^192 B}), giving
    64 doublings and 64 additions instead of the ladder's 255 steps: about 2x faster.
    More teeth would be faster still but the table doubles per tooth (RAM on a board).

    Points are extended coordinates (X : Y : Z : T), x = X/Z, y = Y/Z, T = XY/Z; the doubling
    and addition are RFC 8032 §5.1.4's (complete: the identity entry 0 needs no special
    case). Products are folded like the ladder's. The table index depends on the secret scalar
    (a data-dependent load, as any Python table lookup); every iteration still runs the same
    operations. Only ever used for our own fresh key's public value.
    """
    m = _M255
    comb = _comb()
    # Start from the identity (0 : 1 : 1 : 0); its first doubling is a harmless no-op. T is not
    # set: doublings do not read it, each one makes the T the addition after it needs.
    x = 0
    y = 1
    z = 1
    for j in range(63, -1, -1):
        # Doubling (RFC 8032 §5.1.4): A = X^2, B = Y^2, C = 2 Z^2, H = A + B,
        # E = H - (X + Y)^2, G = A - B, F = C + G; X3 = EF, Y3 = GH, T3 = EH, Z3 = FG.
        a = x * x
        a = (a & m) + 19 * (a >> 255)
        b = y * y
        b = (b & m) + 19 * (b >> 255)
        c = z * z
        c = (c & m) + 19 * (c >> 255)
        c += c
        h = a + b
        e = x + y
        e *= e
        e = h - ((e & m) + 19 * (e >> 255))
        g = a - b
        f = c + g
        x = e * f
        x = (x & m) + 19 * (x >> 255)
        x = (x & m) + 19 * (x >> 255)
        y = g * h
        y = (y & m) + 19 * (y >> 255)
        y = (y & m) + 19 * (y >> 255)
        t = e * h
        t = (t & m) + 19 * (t >> 255)
        t = (t & m) + 19 * (t >> 255)
        z = f * g
        z = (z & m) + 19 * (z >> 255)
        z = (z & m) + 19 * (z >> 255)
        i = j >> 3
        s = j & 7
        ym, yp, t2d = comb[(kb[i] >> s & 1) | (kb[8 + i] >> s & 1) << 1
                            | (kb[16 + i] >> s & 1) << 2 | (kb[24 + i] >> s & 1) << 3]
        # Addition of the affine table point (RFC 8032 §5.1.4 with Z2 = 1, 2d*T2 precomputed):
        # A = (Y1-X1)(y2-x2), B = (Y1+X1)(y2+x2), C = T1 * 2d*x2*y2, D = 2 Z1,
        # E = B - A, F = D - C, G = D + C, H = B + A; X3 = EF, Y3 = GH, T3 = EH, Z3 = FG.
        a = (y - x) * ym
        a = (a & m) + 19 * (a >> 255)
        b = (y + x) * yp
        b = (b & m) + 19 * (b >> 255)
        c = t * t2d
        c = (c & m) + 19 * (c >> 255)
        d = z + z
        e = b - a
        f = d - c
        g = d + c
        h = b + a
        # The products below also end the doubling: written out twice on purpose, every value a
        # local and no call per step (this loop is all of public_key's time). T3 = EH is left
        # out here: the next doubling reads only X, Y, Z, and the end result only Y and Z.
        x = e * f
        x = (x & m) + 19 * (x >> 255)
        x = (x & m) + 19 * (x >> 255)
        y = g * h
        y = (y & m) + 19 * (y >> 255)
        y = (y & m) + 19 * (y >> 255)
        z = f * g
        z = (z & m) + 19 * (z >> 255)
        z = (z & m) + 19 * (z >> 255)
    # u = (1 + y) / (1 - y) = (Z + Y) / (Z - Y)
    return _mul(z + y, _invert(z - y)) % _P


def _check32(value, what):
    if len(value) != 32:
        raise ValueError(text('x_len', (what,)))


def x25519(k, u):
    """The RFC 7748 §5 X25519 function on 32-byte strings (no all-zero check, see ecdh())."""
    _check32(k, 'scalar')
    _check32(u, 'u-coordinate')
    kb = _clamp(k)
    ub = bytearray(u)
    ub[31] &= 127                          # decodeUCoordinate: mask the top bit
    return _ladder(kb, int.from_bytes(ub, 'little')).to_bytes(32, 'little')


def _clamp(k):
    """decodeScalar25519 (RFC 7748 §5): clear the cofactor bits and bit 255, set bit 254."""
    kb = bytearray(k)
    kb[0] &= 248
    kb[31] = (kb[31] & 127) | 64
    return kb


def public_key(private):
    """X25519(private, 9): the public key to send for a 32-byte private key (fixed-base comb)."""
    _check32(private, 'scalar')
    return _base_mul_u(_clamp(private)).to_bytes(32, 'little')


def generate_key(rng=None):
    """A fresh (private, public) pair; `rng` is a callable n -> bytes (default os.urandom)."""
    private = get_rng(rng)(32)
    return private, public_key(private)


def ecdh(private, peer_public):
    """The shared secret X25519(private, peer_public).

    Raises ValueError if it is all zero (RFC 7748 §6.1: the peer sent a small-order point,
    which would make the secret known to anyone).
    """
    shared = x25519(private, peer_public)
    # One C-level pass over all 32 bytes (no early exit on the first nonzero byte).
    if not int.from_bytes(shared, 'little'):
        raise ValueError(text('x_zero'))
    return shared
