"""X25519 Diffie-Hellman (RFC 7748 §5, §6.1) for the ECDHE key exchange.

    generate_key(rng=None) -> (private, public)    32 random bytes and their public key
    public_key(private) -> 32 bytes                 X25519(private, 9)
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
"""
from dtls_lite.crypto.util import get_rng

_P = 2 ** 255 - 19
_M255 = 2 ** 255 - 1


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


def _check32(value, what):
    if len(value) != 32:
        raise ValueError('X25519 %s must be 32 bytes' % what)


def x25519(k, u):
    """The RFC 7748 §5 X25519 function on 32-byte strings (no all-zero check, see ecdh())."""
    _check32(k, 'scalar')
    _check32(u, 'u-coordinate')
    kb = bytearray(k)
    kb[0] &= 248                           # decodeScalar25519: clear the cofactor bits,
    kb[31] = (kb[31] & 127) | 64           # clear bit 255, set bit 254
    ub = bytearray(u)
    ub[31] &= 127                          # decodeUCoordinate: mask the top bit
    return _ladder(kb, int.from_bytes(ub, 'little')).to_bytes(32, 'little')


_BASE_U = b'\x09' + bytes(31)


def public_key(private):
    """X25519(private, 9): the public key to send for a 32-byte private key."""
    return x25519(private, _BASE_U)


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
    acc = 0
    for b in shared:
        acc |= b
    if acc == 0:
        raise ValueError('X25519 shared secret is all zero')
    return shared
