"""NIST P-384 (secp384r1): key generation, ECDH and ECDSA on 48-byte scalars and 97-byte points.

    generate_key(rng=None) -> (private 48 bytes, public 97-byte SEC1 uncompressed point)
    public_key(private) -> public
    ecdh(private, peer_public) -> 48-byte x-coordinate (ValueError on an invalid point)
    sign(private, digest, rng=None) -> DER ECDSA-Sig-Value (RFC 6979 deterministic nonce)
    verify(public, digest, der_signature) -> bool (never raises on bad input)
    sign_raw(private, digest) -> r || s; verify_raw(public, digest, rs) -> bool

Private keys are big-endian scalars in [1, n-1] (ValueError otherwise). Points are only
accepted uncompressed (0x04 || X || Y), on the curve, with coordinates < p. `sign` takes
`rng` for symmetry with the other primitives and ignores it: nonces are deterministic
(RFC 6979), so a board's random source cannot leak the key through the nonce.
The arithmetic is in ec.py, the signatures in ecdsa.py; this module binds them to the curve and
its generated fixed-base table (_ec_p384_comb.py).
"""
from dtls_lite.crypto import ec, ecdsa
from dtls_lite.crypto import _ec_p384_comb as _comb
from dtls_lite.crypto.util import get_rng

CURVE = ec.P384
CURVE.load_comb(_comb.T, _comb.S, _comb.D, _comb.TABLE)
ec.prepare(CURVE)

PRIVATE_SIZE = 48
PUBLIC_SIZE = 97


def generate_key(rng=None):
    return ec.generate_key(CURVE, get_rng(rng))


def public_key(private):
    return ec.public_key(CURVE, private)


def ecdh(private, peer_public):
    return ec.ecdh(CURVE, private, peer_public)


def sign(private, digest, rng=None):
    return ecdsa.sign(CURVE, private, digest)


def verify(public, digest, der_signature):
    return ecdsa.verify(CURVE, public, digest, der_signature)


def sign_raw(private, digest):
    return ecdsa.sign_raw(CURVE, private, digest)


def verify_raw(public, digest, rs):
    return ecdsa.verify_raw(CURVE, public, digest, rs)
