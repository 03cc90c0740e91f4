"""Cross-checks of P-256 / P-384 against the `cryptography` package (OpenSSL), CPython only.

hypothesis draws private scalars and digests; for each: our public key equals theirs, ECDH
agrees both ways, our signatures verify under cryptography, theirs (random nonces) verify under
ours, and a one-bit change of the digest is refused by both.
"""
from hypothesis import given, settings, strategies as st
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec as cec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.exceptions import InvalidSignature

from dtls_lite.crypto import p256, p384

_CASES = (
    (p256, cec.SECP256R1(), hashes.SHA256()),
    (p384, cec.SECP384R1(), hashes.SHA384()),
)


def _raw_public(key):
    return key.public_key().public_bytes(serialization.Encoding.X962,
                                         serialization.PublicFormat.UncompressedPoint)


def _check(which, k_a, k_b, digest):
    mod, curve, h = _CASES[which]
    n = mod.CURVE.n
    k_a = k_a % (n - 1) + 1
    k_b = k_b % (n - 1) + 1
    if k_b == k_a:
        k_b = k_a % (n - 1) + 1     # two different keys, so a wrong-key check means something
    digest = digest[:h.digest_size].ljust(h.digest_size, b'\x00')
    a = cec.derive_private_key(k_a, curve)
    b = cec.derive_private_key(k_b, curve)
    a_priv = k_a.to_bytes(mod.PRIVATE_SIZE, 'big')
    a_pub = mod.public_key(a_priv)
    assert a_pub == _raw_public(a)
    b_pub = _raw_public(b)
    # ECDH both ways.
    assert mod.ecdh(a_priv, b_pub) == a.exchange(cec.ECDH(), b.public_key())
    assert mod.ecdh(k_b.to_bytes(mod.PRIVATE_SIZE, 'big'), a_pub) == b.exchange(cec.ECDH(), a.public_key())
    # Our signature under their verifier.
    sig = mod.sign(a_priv, digest)
    a.public_key().verify(sig, digest, cec.ECDSA(Prehashed(h)))
    flipped = bytes([digest[0] ^ 1]) + digest[1:]
    try:
        a.public_key().verify(sig, flipped, cec.ECDSA(Prehashed(h)))
        raise AssertionError('cryptography accepted a signature over another digest')
    except InvalidSignature:
        pass
    # Their signature under ours.
    theirs = b.sign(digest, cec.ECDSA(Prehashed(h)))
    assert mod.verify(b_pub, digest, theirs)
    assert not mod.verify(b_pub, flipped, theirs)
    assert not mod.verify(a_pub, digest, theirs)


_scalar = st.integers(min_value=0, max_value=2 ** 384)


@settings(max_examples=150, deadline=None)
@given(k_a=_scalar, k_b=_scalar, digest=st.binary(min_size=48, max_size=48))
def test_p256_against_cryptography(k_a, k_b, digest):
    _check(0, k_a, k_b, digest)


@settings(max_examples=50, deadline=None)
@given(k_a=_scalar, k_b=_scalar, digest=st.binary(min_size=48, max_size=48))
def test_p384_against_cryptography(k_a, k_b, digest):
    _check(1, k_a, k_b, digest)


@settings(max_examples=40, deadline=None)
@given(k=st.sampled_from([1, 2, 3, 4, 5, 2 ** 128, 2 ** 255, -1, -2, -3]),
       digest=st.binary(min_size=32, max_size=32))
def test_p256_edge_scalars_against_cryptography(k, digest):
    n = p256.CURVE.n
    k = k % n
    a = cec.derive_private_key(k, cec.SECP256R1())
    priv = k.to_bytes(32, 'big')
    assert p256.public_key(priv) == _raw_public(a)
    sig = p256.sign(priv, digest)
    a.public_key().verify(sig, digest, cec.ECDSA(Prehashed(hashes.SHA256())))


def test_comb_tables_match_their_generator():
    # The committed table modules are exactly what tools/gen_ec_tables.py builds from G, so
    # nobody can hand-edit a point into them unnoticed.
    import os
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'tools'))
    import gen_ec_tables
    from dtls_lite.crypto import ec
    from dtls_lite.crypto import _ec_p256_comb_host, _ec_p384_comb_host
    from dtls_lite.crypto import _ec_p256_comb_board, _ec_p384_comb_board
    for curve, mod in ((ec.P256, _ec_p256_comb_host), (ec.P384, _ec_p384_comb_host),
                       (ec.P256, _ec_p256_comb_board), (ec.P384, _ec_p384_comb_board)):
        d, table = gen_ec_tables.build(curve, mod.T, mod.S)
        assert d == mod.D and table == mod.TABLE
        size = curve.size
        for off in range(0, len(table), 2 * size * 37):
            x = int.from_bytes(table[off:off + size], 'big')
            y = int.from_bytes(table[off + size:off + 2 * size], 'big')
            assert ec.on_curve(curve, x, y)
