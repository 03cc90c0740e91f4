"""The per-curve public API (p256.py, p384.py): one builder instead of two copies.

    generate_key, public_key, ecdh, sign, verify, sign_raw, verify_raw = curve_api(curve)

binds ec.py (key generation, ECDH) and ecdsa.py (signatures) to one curve, as closures: plain
functions for callers, with no module __getattr__ or functools.partial (MicroPython has
neither). Each curve module keeps its own constants and table loading and unpacks the tuple
into its namespace, so `p256.sign` is an ordinary module attribute on both runtimes.
"""
from dtls_lite.crypto import ec, ecdsa
from dtls_lite.crypto.util import get_rng


def curve_api(curve):
    """(generate_key, public_key, ecdh, sign, verify, sign_raw, verify_raw) for `curve`."""

    def generate_key(rng=None):
        return ec.generate_key(curve, get_rng(rng))

    def public_key(private):
        return ec.public_key(curve, private)

    def ecdh(private, peer_public):
        return ec.ecdh(curve, private, peer_public)

    def sign(private, digest, rng=None):
        # rng is accepted for symmetry with the other primitives and ignored: RFC 6979 nonces.
        return ecdsa.sign(curve, private, digest)

    def verify(public, digest, der_signature):
        return ecdsa.verify(curve, public, digest, der_signature)

    def sign_raw(private, digest):
        return ecdsa.sign_raw(curve, private, digest)

    def verify_raw(public, digest, rs):
        return ecdsa.verify_raw(curve, public, digest, rs)

    return generate_key, public_key, ecdh, sign, verify, sign_raw, verify_raw
