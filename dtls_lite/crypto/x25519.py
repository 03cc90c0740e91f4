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


# Fixed-base comb table for _base_mul_u: _COMB[v] = sum over i of bit i of v times 2^(64 i) B,
# B the edwards25519 base point (RFC 8032 §5.1: y = 4/5, x even), stored affine as
# (y - x, y + x, 2*d*x*y) mod p. Generated with exact affine arithmetic; test_host_x25519.py
# rebuilds it independently and the portable tests compare public_key() with the ladder.
_COMB = (
    (0x0000000000000000000000000000000000000000000000000000000000000001,
     0x0000000000000000000000000000000000000000000000000000000000000001,
     0x0000000000000000000000000000000000000000000000000000000000000000),
    (0x44fd2f9298f81267a5c18434688f8a09fd399f05d140beb39d103905d740913e,
     0x07cf9d3a33d4ba65270b4898643d42c2cf932dc6fb8c0e192fbc93c6f58c3b85,
     0x6f117b689f0c65a85a1b7dcbdd43598c26d9e823ccaac49eabc91205877aaa68),
    (0x2102fdba2b20d65009207a1d717af1b95397da89e575f51b51138ec78df6b0fe,
     0x654878cba97cc9fbb1b73bbcdabc06e5548991878faa60f1cd2a65e777d1f515,
     0x0ad725db29ecb2ba3a1af517aa7da41536bca7681251ad29969ee405055ce6a1),
    (0x0975b5970fc12f2fcd1972ec881342f62dd86fc567d31cd7cb75b8b69c8462a4,
     0x26ead8e64813cf2b3e14aad0fe45e44c8793342b66480e600055c585601e59e8,
     0x534670479df6c5ea333790d0aa7367da04bf9d8152f1ba6e63cf2303da5ba743),
    (0x1304e9e71627d55100c3e53145747299f7ea38548ebda0b85f3a7562eb3dbe47,
     0x2b5449e58eb3bbaa2b1e583b0810c5db29b743e8148be884583b04bfacad8ea2,
     0x4468de2d7c2dd693da0fe1fff979c60a3c1bab3f8b48dd0b789814d26adc9cfe),
    (0x49d76bba7942742edfea3ad4acf4f0f1855225506cd8952929522d3b13a339ee,
     0x26a13664d0543d4df551be51c67bb198e71ffd60d0b20ef72118278de3bc6748,
     0x4e1fafe3a8fcedc2247d576da7adb185191d3946c351299a14fa42338d56e61d),
    (0x727021d35f87530cc169454b0c02eb1b95dcdc0a039c3b5ffe00e8769c12701c,
     0x4e559a0f0fc5bba4519960d2d321a8283cddbcb13b8d87e315e7053d236a044c,
     0x64fcb73007bbc01dfe6edb5c60a69adedf45efaab2900d36a571040727df241e),
    (0x0b598b8e8b849f6dd7bd8096ce34981d0791ffb24307b72793f3cbb43898dc04,
     0x6f34c66d6fd086ef8850b78fc442d65fef786575171a98fc38ef58cc6fd390ca,
     0x412128b0b1ac66c80a9bc046c00b594081114607b529ce2a11cfc18a0cc2f689),
    (0x46115aba1d4dc0b34cd1eb505cdfa8cba2649f30aafda9e8ef782014385675a6,
     0x7da0b8f68d7e7daba7ebf3be95dbd7c697a05cf41b38a436a66dcc9dc80c1ac0,
     0x5a5f887e83674b4b03cc6021feb259601dac6f7321119e9bd40f1953c3b5da76),
    (0x4013f03d6ad351ba4b39e15e0150a74d8b694a1101cfe11efef366d1fd41f184,
     0x45a02890607f15c0d7e67a47b82f4e99815eb0dbcc68df400a8d60180ca2c1f4,
     0x482255c1d9f06e4f534e9ad8febce87436b994fd224ae646bd0282dc6ee065cc),
    (0x6bb91a497b9b794456b0d29d7b8b13a3ba2a4aa929c4f20d12de114aa3e5638c,
     0x4e8593b0bc655462383fea286a29c47790367544ca8afebb3c03eacf71cef800,
     0x20cf7d79b0ebe39b50ab6ce8edab529eb13ef9cd9263c4452a49e646c5e7d206),
    (0x023562378899469d098be61c357e1d1df50eb90fcba951ce7db4939df0fe7dca,
     0x7c1188539f570886373bb9c898bc21703cde029144000b60cbd28f4e8ae75c48,
     0x38d20188d106148379f50a03fc99de672f470a943c778e0520f6effae15a4c03),
    (0x173c4fa94f45073e258fdbfd7041f802c651b919f3afd20cf6c147f2c7073217,
     0x043eedd45e1f4deeb7ba0f59a75d586c0b650d05e2aeb29023e811ad0e6315df,
     0x1e2a7024993cc472d9b0514ca29552b25b7e78063373562d3d71ea60928df9c4),
    (0x044649f411b2e77397deccba52401c870d8db37605631b75310509b93509fba4,
     0x5fcb43ee06225b26a0cae62b17d2407f24b7bc7d92ec0803601a0fbcd45c811f,
     0x0c8a1bfa5cc0e58f338e2f557016dcea1b7f9026cc36628c0c0d24ad9598215f),
    (0x09de2bf5dd418acaa751ab1d4733ba417e9fbeac3c400fc479d256b48b2801c0,
     0x6b857c7efcc3e6caae710c171ce56c633d2f7a591263cb458de703b5681d104c,
     0x5b466e2ac3b242cae49e61261d66034d5ebaea34f1e37ba23bf10ff3eff0687f),
    (0x409b4adce5c6cf2fd4ebeb1b0664e3a596b5c6fa5f93c226a2a8cb4bdc7ef83c,
     0x09952a563bc8ffc25a2ba76f71f8c89a79df5c7560811a8b137eeb6747fbb842,
     0x69b968a704657d64fb22faa25949ff2f89299305a5f505b444d53db9834350c4),
)


def _base_mul_u(kb):
    """u-coordinate of k*9 for clamped k: a fixed-base comb on the Edwards form of the curve.

    Curve25519's base point u = 9 is Ed25519's base point B (y = 4/5) under the birational map
    u = (1 + y) / (1 - y) (RFC 7748 §4.1), so k*9 can be computed as k*B on edwards25519 and
    mapped back. The scalar's 256 bits are read as 4 teeth 64 bits apart: bit j of each tooth
    forms a 4-bit index into _COMB (the 16 sums of {B, 2^64 B, 2^128 B, 2^192 B}), giving
    64 doublings and 64 additions instead of the ladder's 255 steps: about 2x faster.
    More teeth would be faster still but the table doubles per tooth (RAM on a board).

    Points are extended coordinates (X : Y : Z : T), x = X/Z, y = Y/Z, T = XY/Z; the doubling
    and addition are RFC 8032 §5.1.4's (complete: the identity entry _COMB[0] needs no special
    case). Products are folded like the ladder's. The table index depends on the secret scalar
    (a data-dependent load, as any Python table lookup); every iteration still runs the same
    operations. Only ever used for our own fresh key's public value.
    """
    m = _M255
    # Start from the identity (0 : 1 : 1 : 0); its first doubling is a harmless no-op.
    x = 0
    y = 1
    z = 1
    t = 0
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
        ym, yp, t2d = _COMB[(kb[i] >> s & 1) | (kb[8 + i] >> s & 1) << 1
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
        # The four products below also end the doubling: written out twice on purpose, every
        # value a local and no call per step (this loop is all of public_key's time).
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
    # u = (1 + y) / (1 - y) = (Z + Y) / (Z - Y)
    return _mul(z + y, _invert(z - y)) % _P


def _check32(value, what):
    if len(value) != 32:
        raise ValueError('X25519 %s must be 32 bytes' % what)


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
    acc = 0
    for b in shared:
        acc |= b
    if acc == 0:
        raise ValueError('X25519 shared secret is all zero')
    return shared
