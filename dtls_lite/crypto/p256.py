"""NIST P-256 (secp256r1): key generation, ECDH and ECDSA on 32-byte scalars and 65-byte points.

    generate_key(rng=None) -> (private 32 bytes, public 65-byte SEC1 uncompressed point)
    public_key(private) -> public
    ecdh(private, peer_public) -> 32-byte x-coordinate (ValueError on an invalid point)
    sign(private, digest, rng=None) -> DER ECDSA-Sig-Value (RFC 6979 deterministic nonce)
    verify(public, digest, der_signature) -> bool (never raises on bad input)
    sign_raw(private, digest) -> r || s; verify_raw(public, digest, rs) -> bool

Private keys are big-endian scalars in [1, n-1] (ValueError otherwise). Points are only
accepted uncompressed (0x04 || X || Y), on the curve, with coordinates < p. `sign` takes
`rng` for symmetry with the other primitives and ignores it: nonces are deterministic
(RFC 6979), so a board's random source cannot leak the key through the nonce.
The arithmetic is in ec.py, the signatures in ecdsa.py; _ec_api.curve_api binds them to the
curve (the same builder for P-256 and P-384); this module loads the curve's generated fixed-base
table (_ec_p256_comb.py).
"""
from dtls_lite.crypto import ec
from dtls_lite.crypto import _ec_p256_comb as _comb
from dtls_lite.crypto._ec_api import curve_api

CURVE = ec.P256
CURVE.load_comb(_comb.T, _comb.S, _comb.D, _comb.TABLE)

PRIVATE_SIZE = 32
PUBLIC_SIZE = 65

generate_key, public_key, ecdh, sign, verify, sign_raw, verify_raw = curve_api(CURVE)
