"""NIST P-384 (secp384r1): the p256.py API on 48-byte scalars, 97-byte SEC1 uncompressed points
and 48-byte ECDH x-coordinates (see p256.py for the calls, key and point checks, and why `sign`
ignores rng). The wrappers come from _ec_api.curve_api; this module loads the curve's generated
fixed-base table (_ec_p384_comb.py).
"""
from dtls_lite.crypto import ec
from dtls_lite.crypto import _ec_p384_comb as _comb
from dtls_lite.crypto._ec_api import curve_api

CURVE = ec.P384
CURVE.load_comb(_comb.T, _comb.S, _comb.D, _comb.TABLE)

PRIVATE_SIZE = 48
PUBLIC_SIZE = 97

generate_key, public_key, ecdh, sign, verify, sign_raw, verify_raw = curve_api(CURVE)
