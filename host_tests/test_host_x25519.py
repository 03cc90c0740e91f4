"""CPython-only: rebuild x25519's fixed-base comb table independently and compare.

The table is hard-coded in dtls_lite/crypto/x25519.py (as bytes, decoded by _comb()). Here it
is recomputed from the edwards25519 base point (RFC 8032 §5.1: y = 4/5, x recovered and made
even) with textbook affine addition and pow() inverses, sharing no code with the module.
"""
from dtls_lite.crypto import x25519

P = 2 ** 255 - 19
D = -121665 * pow(121666, P - 2, P) % P


def _recover_x(y):
    # RFC 8032 §5.1.3 decoding: x^2 = (y^2 - 1) / (d y^2 + 1), square root for p = 5 mod 8.
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * pow(2, (P - 1) // 4, P) % P
    assert (x * x - x2) % P == 0
    return x if x % 2 == 0 else P - x


def _add(p1, p2):
    (x1, y1), (x2, y2) = p1, p2
    t = D * x1 * x2 * y1 * y2 % P
    return ((x1 * y2 + x2 * y1) * pow(1 + t, P - 2, P) % P,
            (y1 * y2 + x1 * x2) * pow(1 - t, P - 2, P) % P)


def _mul(k, pt):
    r = (0, 1)
    while k:
        if k & 1:
            r = _add(r, pt)
        pt = _add(pt, pt)
        k >>= 1
    return r


def test_comb_table_rebuilt_independently():
    by = 4 * pow(5, P - 2, P) % P
    base = (_recover_x(by), by)
    # The Montgomery u of B is 9 (RFC 7748 §4.1 map u = (1 + y) / (1 - y)).
    assert (1 + by) * pow(1 - by, P - 2, P) % P == 9
    teeth = [_mul(1 << (64 * i), base) for i in range(4)]
    comb = x25519._comb()
    assert len(comb) == 16
    for v in range(16):
        pt = (0, 1)
        for i in range(4):
            if v >> i & 1:
                pt = _add(pt, teeth[i])
        x, y = pt
        assert comb[v] == ((y - x) % P, (y + x) % P, 2 * D * x * y % P), v
