"""HMAC and the TLS 1.2 PRF built on it (HKDF, for (D)TLS 1.3, is in hkdf.py: no DTLS 1.2
device needs to hold it).

Everything takes a hash descriptor from `dtls_lite.crypto.sha2` (SHA256 or SHA384) as `h`.

    hmac(h, key, data)                       RFC 2104
    HMAC(h, key): update(data), digest()     same, incremental (digest() finalizes)
    prf(h, secret, label, seed, n)           RFC 5246 §5: P_hash(secret, label + seed)

Hash objects are never copied (MicroPython's hashlib has no copy()), so each HMAC restarts
from the padded key: the padded inner and outer keys are computed once per key (`pads`) and
reused for every block of a PRF (or HKDF) output.
"""
from dtls_lite.errors import text


def pads(h, key):
    """RFC 2104 §2: (K ^ ipad, K ^ opad), K zero-padded to the block; long keys hashed first.

    XORed as one big integer each (K shifted left = zero padding on the right): a few C-level
    operations instead of a Python loop over the block, 3-5x faster on both runtimes.
    ipad is the byte 0x36 and opad the byte 0x5c, each repeated B (block size) times.
    """
    block = h.block_size
    if len(key) > block:
        key = h.hash(key)
    k = int.from_bytes(key, 'big') << (8 * (block - len(key)))
    return ((k ^ int.from_bytes(b'\x36' * block, 'big')).to_bytes(block, 'big'),
            (k ^ int.from_bytes(b'\x5c' * block, 'big')).to_bytes(block, 'big'))


def hmac_pads(h, ipad, opad, data):
    inner = h.new(ipad)
    inner.update(data)
    outer = h.new(opad)
    outer.update(inner.digest())
    return outer.digest()


def hmac(h, key, data):
    """HMAC_h(key, data) (RFC 2104)."""
    ipad, opad = pads(h, key)
    return hmac_pads(h, ipad, opad, data)


class HMAC:
    """Incremental HMAC: update(data) any number of times, then digest() once (it finalizes)."""

    def __init__(self, h, key):
        self._h = h
        ipad, self._opad = pads(h, key)
        self._inner = h.new(ipad)
        self.digest_size = h.digest_size

    def update(self, data):
        self._inner.update(data)

    def digest(self):
        outer = self._h.new(self._opad)
        outer.update(self._inner.digest())
        return outer.digest()


def prf(h, secret, label, seed, n):
    """TLS 1.2 PRF (RFC 5246 §5): the first n bytes of P_hash(secret, label + seed).

        P_hash(secret, seed) = HMAC_hash(secret, A(1) + seed) + HMAC_hash(secret, A(2) + seed) + ...
        A(0) = seed, A(i) = HMAC_hash(secret, A(i-1))

    `label` may be bytes or str (b'master secret', 'key expansion', ...).
    """
    if n < 0:
        raise ValueError(text('prf_len'))
    if isinstance(label, str):
        label = label.encode()
    ipad, opad = pads(h, secret)
    seed = bytes(label) + bytes(seed)
    out = bytearray()
    a = seed
    while len(out) < n:
        a = hmac_pads(h, ipad, opad, a)
        out.extend(hmac_pads(h, ipad, opad, a + seed))
    return bytes(out[:n])
