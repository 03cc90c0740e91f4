"""ECDSA over the curves of ec.py: deterministic signing (RFC 6979), verification, DER codec.

    sign_raw(curve, private, digest)         -> r || s, each curve.size bytes
    verify_raw(curve, public, digest, rs)    -> bool
    sign(curve, private, digest)             -> DER ECDSA-Sig-Value
    verify(curve, public, digest, der)       -> bool, never raises on malformed input

`digest` is the already-hashed message (TLS hashes the signed data itself). Digests longer than
the order are truncated to its bit length (bits2int, SEC1 v2 §4.1.3 step 5, FIPS 186-5 §6.4.1).

Nonces are RFC 6979 §3.2 deterministic: k comes from HMAC-DRBG keyed with the private key and
the digest, so a weak or broken random source on a board can never leak the key through a
repeated or biased nonce. The HMAC hash is the one whose size matches the digest (SHA-384 for
48-byte digests, SHA-256 otherwise: RFC 6979 asks for the message hash; for SHA-256 and
SHA-384 digests that is exactly what happens, other digest sizes still get a sound
deterministic nonce).
"""
from dtls_lite.crypto import ec
from dtls_lite.crypto.hmac import hmac
from dtls_lite.crypto.sha2 import SHA256, SHA384
from dtls_lite.errors import text


def bits2int(curve, data):
    """RFC 6979 §2.3.2: the leftmost bitlen(n) bits of data as an integer (both curves' orders
    are a whole number of bytes long, so this is a byte truncation)."""
    size = curve.size
    if len(data) > size:
        data = data[:size]
    return int.from_bytes(bytes(data), 'big')


def _nonces(curve, x, digest):
    """RFC 6979 §3.2 steps b-h: candidate nonces k in [1, n-1], in order (a generator)."""
    h = SHA384 if len(digest) == 48 else SHA256
    size = curve.size
    n = curve.n
    xb = x.to_bytes(size, 'big')
    h1 = (bits2int(curve, digest) % n).to_bytes(size, 'big')     # bits2octets(h1)
    V = b'\x01' * h.digest_size
    K = b'\x00' * h.digest_size
    K = hmac(h, K, V + b'\x00' + xb + h1)    # step d
    V = hmac(h, K, V)                         # step e
    K = hmac(h, K, V + b'\x01' + xb + h1)    # step f
    V = hmac(h, K, V)                         # step g
    while True:                               # step h
        T = b''
        while len(T) < size:
            V = hmac(h, K, V)
            T += V
        k = bits2int(curve, T)
        if 0 < k < n:
            yield k
        K = hmac(h, K, V + b'\x00')
        V = hmac(h, K, V)


def _sign_ints(curve, private, digest):
    """(r, s) for a digest with the RFC 6979 nonce (SEC1 v2 §4.1.3). ValueError on a bad key."""
    d = ec.decode_scalar(curve, private)
    n = curve.n
    e = bits2int(curve, digest)
    for k in _nonces(curve, d, digest):
        r = ec.x_affine(curve, *ec.mul_base(curve, k)) % n
        if not r:
            continue
        s = ec.inverse(k, n) * (e + r * d) % n
        if s:
            return r, s


def sign_raw(curve, private, digest):
    """r || s (fixed width) for a digest, with the RFC 6979 nonce. ValueError on a bad key."""
    r, s = _sign_ints(curve, private, digest)
    size = curve.size
    return r.to_bytes(size, 'big') + s.to_bytes(size, 'big')


def _verify_ints(curve, public, digest, r, s):
    """SEC1 v2 §4.1.4 / FIPS 186-5 §6.4.2 with r, s as ints. Raises ValueError on a bad key."""
    n = curve.n
    if not (0 < r < n and 0 < s < n):
        return False
    qx, qy = ec.decode_point(curve, public)
    w = ec.inverse(s, n)
    u1 = bits2int(curve, digest) * w % n
    u2 = r * w % n
    if not u1:
        # Only when e = 0 mod n; the comb needs 0 < u1, so take the plain path.
        X, Y, Z = ec.mul(curve, u2, qx, qy)
    else:
        X, Y, Z = ec.mul_add_base(curve, u1, u2, qx, qy)
    p = curve.p
    if not Z % p:
        return False
    # x(R) mod n == r without inverting Z: x(R) = X / Z^2 is r or r + n (the latter only if
    # r + n < p).
    zz = Z * Z % p
    if (X - r * zz) % p == 0:
        return True
    return r + n < p and (X - (r + n) * zz) % p == 0


def verify_raw(curve, public, digest, rs):
    """True if rs (r || s, each curve.size bytes) is a valid signature of digest by public."""
    size = curve.size
    try:
        if len(rs) != 2 * size:
            return False
        r = int.from_bytes(bytes(rs[:size]), 'big')
        s = int.from_bytes(bytes(rs[size:]), 'big')
        return _verify_ints(curve, public, digest, r, s)
    except (ValueError, TypeError):
        return False


# ---------------------------------------------------------------------------------------------
# DER (X.690) ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }   (RFC 5480 §2.2, RFC 3279)
# A signature of these curves is at most 104 bytes (P-384: 2 + 2 * (2 + 49)), so every DER
# length in it is the one-byte short form (X.690 §8.1.3.4, §10.1): a long-form length can only
# be non-minimal or too big for r and s, and is refused as such.

def der_encode(r, s):
    """DER ECDSA-Sig-Value of r, s >= 0 (below 2^488, so that the lengths stay short-form)."""
    body = b''
    for v in (r, s):
        # Minimal two's complement: as few bytes as v needs, then a 0x00 if the top bit is set.
        octets = v.to_bytes((len('%x' % v) + 1) // 2, 'big')
        if octets[0] & 0x80:
            octets = b'\x00' + octets
        body += bytes((0x02, len(octets))) + octets
    return bytes((0x30, len(body))) + body


def _der_read_int(der, i):
    """(value, next index) of a DER INTEGER at der[i] that must be positive and minimally
    encoded; ValueError otherwise (also when it does not fit in der)."""
    if i + 2 > len(der) or der[i] != 0x02:
        raise ValueError(text('sig_int'))
    n = der[i + 1]
    i += 2
    if not 0 < n < 0x80 or i + n > len(der):
        raise ValueError(text('sig_len'))
    if der[i] & 0x80:
        raise ValueError(text('int_neg'))
    if der[i] == 0 and (n == 1 or not der[i + 1] & 0x80):
        # A leading zero is only allowed (and required) before a byte with the top bit set;
        # a lone zero encodes 0, which is never a valid r or s.
        raise ValueError(text('int_min'))
    return int.from_bytes(bytes(der[i:i + n]), 'big'), i + n


def der_decode(der):
    """(r, s) from a strict DER ECDSA-Sig-Value; ValueError on anything else (BER forms,
    long-form lengths, trailing bytes, negative or non-minimal integers, extra elements)."""
    if not 2 <= len(der) < 0x82 or der[0] != 0x30 or der[1] != len(der) - 2:
        raise ValueError(text('sig_seq'))
    r, i = _der_read_int(der, 2)
    s, i = _der_read_int(der, i)
    if i != len(der):
        raise ValueError(text('sig_trail'))
    return r, s


def sign(curve, private, digest):
    r, s = _sign_ints(curve, private, digest)
    return der_encode(r, s)


def verify(curve, public, digest, der):
    try:
        r, s = der_decode(der)
        return _verify_ints(curve, public, digest, r, s)
    except (ValueError, TypeError, IndexError):
        return False
