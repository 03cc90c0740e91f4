"""Point arithmetic for the NIST prime curves P-256 and P-384 (y^2 = x^3 - 3x + b over GF(p)).

`p256.py` and `p384.py` are thin fronts over this module; `ecdsa.py` builds signatures on it.
Data flow: bytes in (SEC1 points, big-endian scalars) are validated and decoded to ints here,
all arithmetic runs on Python ints in Jacobian coordinates (X, Y, Z) ~ (X/Z^2, Y/Z^3), and one
inversion at the end returns to affine bytes. Infinity is any triple with Z == 0.

Speed (pure Python: every field multiplication is one big-int `*` and one `% p`, so the cost is
the number of multiplications and of interpreted operations):
  * doubling uses the a = -3 formula (3M + 5S, dbl-2001-b), both curves have a = -3;
  * additions of a table point are mixed Jacobian + affine (7M + 4S, 10 reductions);
  * k*G (key generation, signing) uses a fixed-base signed comb (Lim-Lee / Hamburg): the scalar
    is recoded into t*s*d digits that are all +-1, the table holds s * 2^(t-1) affine points,
    and k*G costs d - 1 doublings and s*d - 1 additions. The table is a `bytes` constant in a
    generated module (`_ec_p256_comb.py`, `_ec_p384_comb.py`, written by
    tools/gen_ec_tables.py) so a frozen build keeps it in flash; its size is the speed/flash
    trade (t, s) chosen there;
  * variable-base k*P (ECDH) uses width-5 wNAF over an affine table of odd multiples (one batch
    inversion);
  * verification's u1*G + u2*Q runs the comb columns of u1 inside the doubling chain of u2*Q,
    so the G half costs no doublings at all, and compares x projectively (no final inversion).
Exceptional additions (P + P, P - P, infinity) are handled in every path: verify's scalars are
chosen by the peer. Nothing here is constant time (Python big ints are not): the comb's digit
pattern is regular (one point per column, never zero), wNAF is not, so ECDH keys should be
ephemeral, as in (EC)DHE. Inversion is extended Euclid (pow(a, -1, m) silently returns 0 on
MicroPython; Euclid is also 4x faster than Fermat's pow(a, m - 2, m) on both runtimes).

Where the time goes (P-256, CPython 3.11 on the build machine; tools/bench_ecc.py has the
current figures): a doubling is ~2.6 us, a mixed addition ~3.5 us, an inversion ~17 us.
Signing is 7 doublings + 31 additions + 2 inversions + RFC 6979 (~0.18 ms). Any variable-base
multiplication (ECDH, and the Q half of verify) needs ~255 doublings, ~0.67 ms, whatever the
window: P-256 has no endomorphism to shorten the chain, so ECDH and verify are bound by the
doubling formula (python-ecdsa's own chain is ~256 doublings of ~3 us plus ~85 additions).
On MicroPython big-int `%` costs twice a multiplication and every operation allocates: keep
gc pressure low (a scalar multiplication makes ~5,000 short-lived ints).
"""
from dtls_lite.compat import MICROPYTHON, const, native_inverse
from dtls_lite.errors import text


class Curve:
    """Domain parameters of one curve with a = -3 and prime order n (cofactor 1).

    `params` holds p, b, n, gx, gy as `size`-byte big-endian values, one after the other: bytes,
    because an int literal is stored in a .mpy as its decimal text (77 digits for 256 bits), and
    on the unix port such a literal even loads into more heap than these bytes plus the decoded
    int (measured: ec.mpy imports into 64 B less heap this way).
    `comb` is (t, s, d, table bytes) or None until `load_comb()` attaches the generated table.
    """

    def __init__(self, name, size, params):
        self.name = name
        self.size = size
        self.p, self.b, self.n, self.gx, self.gy = [
            int.from_bytes(params[off:off + size], 'big') for off in range(0, 5 * size, size)]
        self.comb = None
        self.digits = None  # mul/mul_add_base's wNAF digits (_digits)

    def load_comb(self, t, s, d, table):
        """Attach a fixed-base comb table (see tools/gen_ec_tables.py for the layout).

        `point(index)` then returns affine point number `index` of the table as (x, y) ints.
        CPython decodes the whole table once (host RAM is plentiful and decoding costs ~1 us
        per point); MicroPython decodes each point on use from the bytes constant, so a frozen
        table never has to be copied into the heap.
        """
        if len(table) != s * (1 << (t - 1)) * 2 * self.size or t * s * d < 8 * self.size or t > 8:
            raise ValueError(text('comb'))
        self.comb = (t, s, d, table)
        # made here, at import (a Context preloads its curves), while the heap is unfragmented
        self.digits = bytearray(8 * self.size + 1)
        self.point = self.comb_point
        if not MICROPYTHON:
            self.point = [self.comb_point(i) for i in range(s << (t - 1))].__getitem__

    def comb_point(self, index):
        table = self.comb[3]
        size = self.size
        off = index * 2 * size
        return (int.from_bytes(table[off:off + size], 'big'),
                int.from_bytes(table[off + size:off + 2 * size], 'big'))


# SEC 2 v2 §2.4.2 (secp256r1) and §2.5.1 (secp384r1); FIPS 186-5 / SP 800-186 §3.2.1.
# p-256 = 2^256 - 2^224 + 2^192 + 2^96 - 1, p-384 = 2^384 - 2^128 - 2^96 + 2^32 - 1.
P256 = Curve('P-256', 32, (
    b'\xff\xff\xff\xff\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff'  # p
    b'\x5a\xc6\x35\xd8\xaa\x3a\x93\xe7\xb3\xeb\xbd\x55\x76\x98\x86\xbc\x65\x1d\x06\xb0\xcc\x53\xb0\xf6\x3b\xce\x3c\x3e\x27\xd2\x60\x4b'  # b
    b'\xff\xff\xff\xff\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\xbc\xe6\xfa\xad\xa7\x17\x9e\x84\xf3\xb9\xca\xc2\xfc\x63\x25\x51'  # n
    b'\x6b\x17\xd1\xf2\xe1\x2c\x42\x47\xf8\xbc\xe6\xe5\x63\xa4\x40\xf2\x77\x03\x7d\x81\x2d\xeb\x33\xa0\xf4\xa1\x39\x45\xd8\x98\xc2\x96'  # gx
    b'\x4f\xe3\x42\xe2\xfe\x1a\x7f\x9b\x8e\xe7\xeb\x4a\x7c\x0f\x9e\x16\x2b\xce\x33\x57\x6b\x31\x5e\xce\xcb\xb6\x40\x68\x37\xbf\x51\xf5'  # gy
))

P384 = Curve('P-384', 48, (
    b'\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff'  # p
    b'\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff'
    b'\xb3\x31\x2f\xa7\xe2\x3e\xe7\xe4\x98\x8e\x05\x6b\xe3\xf8\x2d\x19\x18\x1d\x9c\x6e\xfe\x81\x41\x12'  # b
    b'\x03\x14\x08\x8f\x50\x13\x87\x5a\xc6\x56\x39\x8d\x8a\x2e\xd1\x9d\x2a\x85\xc8\xed\xd3\xec\x2a\xef'
    b'\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff'  # n
    b'\xc7\x63\x4d\x81\xf4\x37\x2d\xdf\x58\x1a\x0d\xb2\x48\xb0\xa7\x7a\xec\xec\x19\x6a\xcc\xc5\x29\x73'
    b'\xaa\x87\xca\x22\xbe\x8b\x05\x37\x8e\xb1\xc7\x1e\xf3\x20\xad\x74\x6e\x1d\x3b\x62\x8b\xa7\x9b\x98'  # gx
    b'\x59\xf7\x41\xe0\x82\x54\x2a\x38\x55\x02\xf2\x5d\xbf\x55\x29\x6c\x3a\x54\x5e\x38\x72\x76\x0a\xb7'
    b'\x36\x17\xde\x4a\x96\x26\x2c\x6f\x5d\x9e\x98\xbf\x92\x92\xdc\x29\xf8\xf4\x1d\xbd\x28\x9a\x14\x7c'  # gy
    b'\xe9\xda\x31\x13\xb5\xf0\xb8\xc0\x0a\x60\xb1\xce\x1d\x7e\x81\x9d\x7a\x43\x1d\x7c\x90\xea\x0e\x5f'
))


# ---------------------------------------------------------------------------------------------
# Field helpers

def inverse_euclid(a, m):
    """a^-1 mod m for prime m (extended Euclid). ValueError if a is 0 mod m."""
    a %= m
    if not a:
        raise ValueError(text('inv_zero'))
    # Two Euclid steps per pass, keeping only the cofactor of a: r_i = s_i * a (mod m).
    r0, r1 = m, a
    s0, s1 = 0, 1
    while True:
        q, r0 = divmod(r0, r1)
        s0 -= q * s1
        if not r0:
            return s1 % m
        q, r1 = divmod(r1, r0)
        s1 -= q * s0
        if not r1:
            return s0 % m


# CPython's pow(a, -1, m) is C and ~1.5x faster (a third of an ECDSA signature's time went to
# its two inversions); MicroPython has no working equivalent.
inverse = native_inverse if native_inverse is not None else inverse_euclid


def on_curve(curve, x, y):
    p = curve.p
    return (y * y - x * x * x + 3 * x - curve.b) % p == 0


# ---------------------------------------------------------------------------------------------
# Encoding (SEC1 v2 §2.3): only uncompressed points 0x04 || X || Y are accepted.

def decode_point(curve, data):
    """(x, y) from a SEC1 uncompressed point; ValueError unless it is a valid curve point.

    Checks: exact length, 0x04 prefix (compressed 0x02/0x03 and the infinity encoding 0x00 are
    refused), both coordinates < p, and the curve equation. With cofactor 1 every such point
    has order n, so no subgroup check is needed (SEC1 §3.2.2.1 partial validation suffices).
    """
    size = curve.size
    if (not isinstance(data, (bytes, bytearray, memoryview)) or len(data) != 2 * size + 1
            or data[0] != 4):
        raise ValueError(text('pt_format'))
    x = int.from_bytes(bytes(data[1:size + 1]), 'big')
    y = int.from_bytes(bytes(data[size + 1:]), 'big')
    if x >= curve.p or y >= curve.p or not on_curve(curve, x, y):
        raise ValueError(text('pt_curve'))
    return x, y


def encode_point(curve, x, y):
    size = curve.size
    return b'\x04' + x.to_bytes(size, 'big') + y.to_bytes(size, 'big')


def decode_scalar(curve, data):
    """Private scalar from exactly `size` big-endian bytes; ValueError unless in [1, n-1]."""
    if isinstance(data, (bytes, bytearray, memoryview)) and len(data) == curve.size:
        k = int.from_bytes(bytes(data), 'big')
        if 0 < k < curve.n:
            return k
    raise ValueError(text('priv_range', (curve.size,)))


# ---------------------------------------------------------------------------------------------
# Jacobian arithmetic. Points are (X, Y, Z) tuples of ints in [0, p); Z == 0 is infinity.

def double(X, Y, Z, p):
    """2P for a = -3 (EFD dbl-2001-b: 3M + 5S). Infinity stays infinity (Z3 = 2YZ = 0)."""
    delta = Z * Z % p
    gamma = Y * Y % p
    beta = X * gamma % p
    alpha = 3 * (X - delta) * (X + delta) % p
    X3 = (alpha * alpha - 8 * beta) % p
    return X3, (alpha * (4 * beta - X3) - 8 * gamma * gamma) % p, 2 * Y * Z % p


def add_affine(X1, Y1, Z1, x2, y2, p):
    """P + (x2, y2) with P Jacobian and the second point affine (7M + 4S), all cases handled."""
    if not Z1:
        return x2, y2, 1
    zz = Z1 * Z1 % p
    h = x2 * zz % p - X1
    r = y2 * zz % p * Z1 % p - Y1
    if not h % p:
        if r % p:
            return 1, 1, 0              # P + (-P)
        return double(x2, y2, 1, p)      # P + P
    hh = h * h % p
    hhh = hh * h % p
    v = X1 * hh % p
    X3 = (r * r - hhh - 2 * v) % p
    return X3, (r * (v - X3) - Y1 * hhh) % p, Z1 * h % p


def to_affine(curve, X, Y, Z):
    """(x, y) of a Jacobian point; ValueError for infinity."""
    p = curve.p
    if not Z % p:
        raise ValueError(text('infinity'))
    zi = inverse(Z, p)
    zi2 = zi * zi % p
    return X * zi2 % p, Y * zi2 % p * zi % p


def x_affine(curve, X, Y, Z):
    """x of a Jacobian point (signing needs no y); ValueError for infinity."""
    p = curve.p
    if not Z % p:
        raise ValueError(text('infinity'))
    zi = inverse(Z, p)
    return X * zi % p * zi % p


def _batch_affine(points, p):
    """Affine (x, y) of several finite Jacobian points with one inversion (Montgomery's trick),
    written over the list `points`, which is returned: each Jacobian triple is released as its
    pair is made.

    The pairs are a multiplication's table, live through all of it, so they are stored at their
    own size: on MicroPython a residue `a * b % p` keeps the digit array of the product, twice
    the size of the value (measured: 100 vs 52 bytes a coordinate on 32-bit, 137 vs 72 on
    64-bit), and a negation copies only the value's digits, so -(-v) is v in half the heap.
    """
    n = len(points)
    prefix = [None] * n
    acc = 1
    for i in range(n):
        prefix[i] = acc
        acc = acc * points[i][2] % p
    inv = inverse(acc, p)
    for i in range(n - 1, -1, -1):
        X, Y, Z = points[i]
        zi = inv * prefix[i] % p
        prefix[i] = None
        inv = inv * Z % p
        zi2 = zi * zi % p
        points[i] = (-(-(X * zi2 % p)), -(-(Y * zi2 % p * zi % p)))
    return points


# ---------------------------------------------------------------------------------------------
# Scalar recodings

_W = const(5)               # wNAF width for variable-base multiplication
_WMASK = const((1 << _W) - 1)
_WHALF = const(1 << (_W - 1))
_WOFFSET = const(2 * _WHALF)   # a stored wNAF digit is d + _WOFFSET: 1..31, and 0 means none


def _odd_multiples(x, y, p):
    """Affine P, 3P, 5P, ... (the wNAF table, 2^(_W-2) points), one inversion for all of them.

    2P = (X2, Y2, Z2) is made affine for free by moving to the isomorphic curve
    y^2 = x^3 + a*Z2^4*x + b*Z2^6, where (x, y) -> (x*Z2^2, y*Z2^3) and 2P is (X2, Y2). The
    addition formulas do not involve a or b, so P' + 2P', 3P' + 2P', ... are mixed additions
    (7M + 4S instead of 12M + 4S); a Jacobian (X, Y, Z) there is (X, Y, Z*Z2) on our curve.
    add_affine's doubling fallback (which assumes a = -3) is unreachable here: kP = +-2P for
    odd k < 2^(_W-1) would need a point of order < 2^_W, and the group order is prime.
    """
    X2, Y2, Z2 = double(x, y, 1, p)
    zz = Z2 * Z2 % p
    X, Y, Z = x * zz % p, y * zz % p * Z2 % p, 1
    pts = [(x, y, 1)]
    for _ in range(_WHALF // 2 - 1):
        X, Y, Z = add_affine(X, Y, Z, X2, Y2, p)
        pts.append((-(-X), -(-Y), -(-(Z * Z2 % p))))     # at their own size: see _batch_affine
    return _batch_affine(pts, p)


def _comb_columns(curve, k):
    """(column values, flip) of the fixed-base comb for k*G (0 < k < n): byte c*d + i of the
    column values is m, the teeth of comb c in column i; each column selects one table point
    or its negative (flip: all negated), added at doubling-chain position i (factor 2^i) by
    _run.

    Signed all-+-1 recoding (Hamburg, "Fast and compact elliptic-curve cryptography", 2012):
    for odd k and L = t*s*d bits, k2 = (k + 2^L - 1) / 2 gives k = sum (2*bit_i(k2) - 1) 2^i,
    so every column of every comb selects one table point or its negative (no zero digits).
    An even k is replaced by n - k (odd, as n is odd) and every point negated instead.
    Bit j*s*d + c*d + i of k2 is tooth j of comb c in column i; the column value m has tooth j
    as bit j. m's top tooth says whether the stored entry (top tooth +1) or the negative of the
    entry of its complement is meant.
    """
    t, s, d, _ = curve.comb
    flip = not k & 1
    if flip:
        k = curve.n - k
    L = t * s * d
    sd = s * d
    k2 = (k + (1 << L) - 1) >> 1            # < 2^L, as k < n <= 2^L
    # Transpose: spread each tooth's bits 8 apart and stack the teeth, so that byte c*d + i of
    # the result is the column value m of comb c, column i (t <= 8, checked by load_comb).
    # The spreading is done by bin(): the L binary digits of k2 (a marker bit above them keeps
    # the leading zeros) as bytes are one b'0' (0x30) or b'1' (0x31) per bit, most significant
    # first; a tooth's s*d of them read as an int, minus the b'0's, has its bit i at bit 8i.
    # A few C-level operations per tooth, and no 256-entry spreading table in the heap.
    digits = bin(k2 | (1 << L))[3:].encode()
    zeros = int.from_bytes(b'0' * sd, 'big')
    acc = 0
    for j in range(t):
        end = L - j * sd
        acc |= (int.from_bytes(digits[end - sd:end], 'big') - zeros) << j
    return acc.to_bytes(sd, 'little'), flip


def _wipe(digits):
    for i in range(len(digits)):
        digits[i] = 0


def _wnaf_digits(curve, k):
    """The curve's digit array (made once by load_comb) holding the width-_W NAF of k: at
    position i, 0 (no addition) or d + _WHALF * 2 for the odd digit d, |d| < 2^(_W-1).

    One reused bytearray of 8 * size + 1 bytes: a list of the planned points was ~100 tuples of
    two big ints live at once during a signature check, the heap peak of an X.509 handshake (a
    32-bit device ran out there with 24 KB of them), and a fresh list per call was a block a
    fragmented heap may not have in one piece."""
    digits = curve.digits
    if digits is None:
        digits = curve.digits = bytearray(8 * curve.size + 1)
    _wipe(digits)                       # a call that raised may have left digits behind
    i = 0
    while k:
        if k & 1:
            dg = k & _WMASK
            if dg >= _WHALF:
                dg -= 1 << _W
            k -= dg
            digits[i] = dg + _WOFFSET
            k >>= _W
            i += _W
        else:
            k >>= 1
            i += 1
    return digits


def _run(curve, top, digits=None, table=None, cols=None, flip=False):
    """Evaluate, by Horner's rule from position `top` down, the sum over positions i of 2^i
    times the points planned there: the wNAF digit digits[i] of the odd multiples in `table`
    (_wnaf_digits, _odd_multiples), and for i < d the comb columns `cols` (_comb_columns). One
    doubling per position, one mixed addition per point; each point is made when it is added,
    so only one position's points are ever live. Returns Jacobian (X, Y, Z).

    This is the hot loop of every scalar multiplication, so the a = -3 doubling (dbl-2001-b)
    and the mixed addition (madd, 7M + 4S) are written out inline; the rare exceptional sums
    (P + P, P - P, adding to infinity) fall back to the general functions above.
    """
    p = curve.p
    if cols is not None:
        t, s, d, _ = curve.comb
        sd = s * d
        half = 1 << (t - 1)
        hm = half - 1
        point = curve.point
    X, Y, Z = 1, 1, 0
    for i in range(top, -1, -1):
        if Z:
            delta = Z * Z % p
            gamma = Y * Y % p
            beta = (X * gamma << 2) % p
            alpha = (X - delta) * (X + delta) * 3 % p
            X = (alpha * alpha - (beta << 1)) % p
            Z = (Y * Z << 1) % p
            Y = (alpha * (beta - X) - (gamma * gamma << 3)) % p
        adds = None
        if digits is not None and digits[i]:
            dg = digits[i] - _WOFFSET
            if dg > 0:
                adds = [table[dg >> 1]]
            else:
                x2, y2 = table[(-dg) >> 1]
                adds = [(x2, p - y2)]
        if cols is not None and i < d:
            if adds is None:
                adds = []
            base = 0
            for pos in range(i, sd, d):
                m = cols[pos]
                if m & half:
                    x2, y2 = point(base + m - half)
                    if flip:
                        y2 = p - y2
                else:
                    x2, y2 = point(base + hm - m)
                    if not flip:
                        y2 = p - y2
                adds.append((x2, y2))
                base += half
        if adds is None:
            continue
        for x2, y2 in adds:
            if not Z:
                X, Y, Z = x2, y2, 1
                continue
            zz = Z * Z % p
            h = x2 * zz % p - X
            r = (y2 * Z % p * zz - Y) % p
            if not h:
                X, Y, Z = add_affine(X, Y, Z, x2, y2, p)
                continue
            hh = h * h % p
            hhh = hh * h % p
            v = X * hh % p
            X = (r * r - hhh - (v << 1)) % p
            Y = (r * (v - X) - Y * hhh) % p
            Z = Z * h % p
    return X, Y, Z


def mul_base(curve, k):
    """k*G (Jacobian) for 0 < k < n with the fixed-base comb: d - 1 doublings, s*d additions."""
    cols, flip = _comb_columns(curve, k)
    return _run(curve, curve.comb[2] - 1, cols=cols, flip=flip)


def mul(curve, k, x, y):
    """k*P (Jacobian) for a validated affine point P and 0 <= k < n (width-5 wNAF)."""
    digits = _wnaf_digits(curve, k)
    try:
        return _run(curve, len(digits) - 1, digits, _odd_multiples(x, y, curve.p))
    finally:
        _wipe(digits)   # they spell k, an ECDHE private key: not kept in module state


def mul_add_base(curve, u1, u2, x, y):
    """u1*G + u2*Q (Jacobian) for 0 < u1 < n, 0 <= u2 < n: the comb columns of u1 are added
    inside the wNAF doubling chain of u2*Q at the positions that give them their factor 2^i,
    so the G half costs additions only."""
    digits = _wnaf_digits(curve, u2)
    cols, flip = _comb_columns(curve, u1)
    return _run(curve, len(digits) - 1, digits, _odd_multiples(x, y, curve.p), cols, flip)


# ---------------------------------------------------------------------------------------------
# Keys and ECDH

def generate_key(curve, rng):
    """(private bytes, public SEC1 bytes) with the private scalar uniform in [1, n-1]
    (rejection sampling on `size` random bytes, FIPS 186-5 A.2.2)."""
    size = curve.size
    for _ in range(64):     # a real rng needs a second try once in 2^32 (P-256)
        priv = bytes(rng(size))
        if len(priv) != size:
            break
        k = int.from_bytes(priv, 'big')
        if 0 < k < curve.n:
            return priv, public_key(curve, priv)
    # a stuck rng (all zeros, all ones) or one giving the wrong length: say so, do not spin
    raise ValueError(text('rng_bad'))


def public_key(curve, private):
    k = decode_scalar(curve, private)
    x, y = to_affine(curve, *mul_base(curve, k))
    return encode_point(curve, x, y)


def ecdh(curve, private, peer_public):
    """x-coordinate of private * peer (SEC1 §3.3.1 ECDH primitive, the TLS premaster secret)."""
    k = decode_scalar(curve, private)
    x, y = decode_point(curve, peer_public)
    # k*P cannot be infinity: prime order, 0 < k < n
    return to_affine(curve, *mul(curve, k, x, y))[0].to_bytes(curve.size, 'big')
