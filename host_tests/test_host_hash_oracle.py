"""CPython-only: hashes, HMAC, PRF, HKDF and X25519 cross-checked against `cryptography`.

Hypothesis draws keys and messages; `cryptography` (OpenSSL) is the oracle. Also recomputes the
TLS 1.2 PRF outputs hard-coded in test_kdf.py with an independent P_hash built on
cryptography's HMAC, so the portable test's constants are not just our own output.
"""
from hypothesis import given, settings, strategies as st
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.hmac import HMAC as RefHMAC
from cryptography.hazmat.primitives.kdf.hkdf import HKDF, HKDFExpand
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from dtls_lite.crypto.sha2 import SHA256, SHA384, SHA384_PURE, Sha384Pure
from dtls_lite.crypto import hmac as ours
from dtls_lite.crypto import hkdf
from dtls_lite.crypto.x25519 import ecdh, public_key
import test_kdf

_REF = {'sha256': hashes.SHA256, 'sha384': hashes.SHA384}
# SHA384 is hashlib here; SHA384_PURE is the MicroPython path, cross-checked on CPython too.
_HASHES = st.sampled_from([SHA256, SHA384, SHA384_PURE])
_FEW = settings(max_examples=60, deadline=None)


def _ref_hmac(h, key, data):
    mac = RefHMAC(key, _REF[h.name]())
    mac.update(data)
    return mac.finalize()


def _ref_p_hash(h, secret, seed, n):
    # RFC 5246 §5, written out independently on cryptography's HMAC.
    out, a = b'', seed
    while len(out) < n:
        a = _ref_hmac(h, secret, a)
        out += _ref_hmac(h, secret, a + seed)
    return out[:n]


def test_hardcoded_prf_vectors_match_oracle():
    for h, secret, seed, label, want in (test_kdf.PRF_SHA256, test_kdf.PRF_SHA384):
        ref = _ref_p_hash(h, bytes.fromhex(secret), label + bytes.fromhex(seed), len(want) // 2)
        assert ref.hex() == want


def test_dtls13_label_matches_oracle():
    secret, context = bytes(range(48)), b'\x01' * 48
    # HkdfLabel with the "dtls13" prefix (RFC 9147 §5.9) built by hand; "sn" is the record
    # number key label of RFC 9147 §4.2.3 (whose context is empty; non-empty here on purpose).
    info = b'\x00\x20' + bytes([8]) + b'dtls13sn' + bytes([48]) + context
    want = HKDFExpand(hashes.SHA384(), 32, info).derive(secret)
    assert hkdf.hkdf_expand_label(SHA384, secret, b'sn', context, 32, prefix=b'dtls13') == want


@_FEW
@given(data=st.binary(max_size=700), cut=st.integers(0, 700))
def test_sha384_pure_vs_oracle(data, cut):
    obj = Sha384Pure(data[:cut])
    obj.update(data[cut:])
    digest = hashes.Hash(hashes.SHA384())
    digest.update(data)
    assert obj.digest() == digest.finalize()


@_FEW
@given(h=_HASHES, key=st.binary(max_size=300), data=st.binary(max_size=300))
def test_hmac_vs_oracle(h, key, data):
    assert ours.hmac(h, key, data) == _ref_hmac(h, key, data)
    mac = ours.HMAC(h, key)
    mac.update(data[:7])
    mac.update(data[7:])
    assert mac.digest() == _ref_hmac(h, key, data)


@_FEW
@given(h=_HASHES, secret=st.binary(max_size=200), label=st.binary(max_size=30),
       seed=st.binary(max_size=80), n=st.integers(0, 200))
def test_prf_vs_oracle(h, secret, label, seed, n):
    assert ours.prf(h, secret, label, seed, n) == _ref_p_hash(h, secret, label + seed, n)


@_FEW
@given(h=_HASHES, salt=st.binary(max_size=200), ikm=st.binary(max_size=200),
       info=st.binary(max_size=100), n=st.integers(1, 600))
def test_hkdf_vs_oracle(h, salt, ikm, info, n):
    want = HKDF(_REF[h.name](), n, salt or None, info).derive(ikm)
    assert hkdf.hkdf_expand(h, hkdf.hkdf_extract(h, salt, ikm), info, n) == want


@_FEW
@given(h=_HASHES, secret=st.binary(min_size=1, max_size=64), label=st.binary(min_size=1, max_size=40),
       context=st.binary(max_size=64), n=st.integers(1, 100))
def test_hkdf_expand_label_vs_oracle(h, secret, label, context, n):
    full = b'tls13 ' + label
    info = n.to_bytes(2, 'big') + bytes([len(full)]) + full + bytes([len(context)]) + context
    want = HKDFExpand(_REF[h.name](), n, info).derive(secret)
    assert hkdf.hkdf_expand_label(h, secret, label, context, n) == want


@settings(max_examples=40, deadline=None)
@given(a=st.binary(min_size=32, max_size=32), b=st.binary(min_size=32, max_size=32))
def test_x25519_exchange_vs_oracle(a, b):
    ref_a = X25519PrivateKey.from_private_bytes(a)
    ref_b = X25519PrivateKey.from_private_bytes(b)
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    b_pub = ref_b.public_key().public_bytes(*raw)
    assert public_key(a) == ref_a.public_key().public_bytes(*raw)
    assert ecdh(a, b_pub) == ref_a.exchange(X25519PublicKey.from_public_bytes(b_pub))


@settings(max_examples=40, deadline=None)
@given(a=st.binary(min_size=32, max_size=32), u=st.binary(min_size=32, max_size=32))
def test_x25519_arbitrary_u_vs_oracle(a, u):
    # Any 32 bytes as the peer key: twist points, u >= p and bit 255 set included.
    try:
        want = X25519PrivateKey.from_private_bytes(a).exchange(X25519PublicKey.from_public_bytes(u))
    except ValueError:
        want = None   # OpenSSL refuses an all-zero result; so must we
    if want is None:
        try:
            ecdh(a, u)
        except ValueError:
            return
        raise AssertionError('zero shared secret accepted')
    assert ecdh(a, u) == want
