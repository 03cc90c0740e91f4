"""HKDF (RFC 5869) and TLS 1.3's HKDF-Expand-Label, on hmac.py's HMAC: the key schedule of
(D)TLS 1.3. Its own module so that a DTLS 1.2 device, which derives keys with hmac.prf, does
not hold this code.

    hkdf_extract(h, salt, ikm)               RFC 5869 §2.2
    hkdf_expand(h, prk, info, n)             RFC 5869 §2.3
    hkdf_expand_label(h, secret, label, context, n, prefix=b'tls13 ')
                                             RFC 8446 §7.1; prefix b'dtls13' for DTLS 1.3
                                             (RFC 9147 §5.9)

`h` is a hash descriptor from dtls_lite.crypto.sha2 (SHA256 or SHA384).
"""
from dtls_lite.crypto.hmac import hmac, pads, hmac_pads
from dtls_lite.errors import text


def hkdf_extract(h, salt, ikm):
    """HKDF-Extract (RFC 5869 §2.2): PRK = HMAC(salt, IKM); no/empty salt means HashLen zeros."""
    if not salt:
        salt = bytes(h.digest_size)
    return hmac(h, salt, ikm)


def hkdf_expand(h, prk, info, n):
    """HKDF-Expand (RFC 5869 §2.3): n bytes of T(1) | T(2) | ..., T(i) = HMAC(PRK, T(i-1) | info | i).

    Raises ValueError if n > 255 * HashLen (the counter is one octet) or n < 0.
    """
    if n < 0 or n > 255 * h.digest_size:
        raise ValueError(text('hkdf_len', (n,)))
    ipad, opad = pads(h, prk)
    info = bytes(info)
    out = bytearray()
    t = b''
    i = 1
    while len(out) < n:
        t = hmac_pads(h, ipad, opad, t + info + bytes((i,)))
        out.extend(t)
        i += 1
    return bytes(out[:n])


def hkdf_expand_label(h, secret, label, context, n, prefix=b'tls13 '):
    """HKDF-Expand-Label (RFC 8446 §7.1) = HKDF-Expand(secret, HkdfLabel, n), where

        struct {
            uint16 length = n;
            opaque label<7..255> = prefix + label;    # "tls13 " (TLS 1.3) or "dtls13" (RFC 9147 §5.9)
            opaque context<0..255> = context;
        } HkdfLabel;

    `label` may be bytes or str. Lengths outside those vectors raise ValueError.
    """
    if isinstance(label, str):
        label = label.encode()
    full = bytes(prefix) + bytes(label)
    if not 7 <= len(full) <= 255 or len(context) > 255 or not 0 <= n <= 0xffff:
        raise ValueError(text('hkdf_label'))
    info = bytes((n >> 8, n & 0xff, len(full))) + full + bytes((len(context),)) + bytes(context)
    return hkdf_expand(h, secret, info, n)
