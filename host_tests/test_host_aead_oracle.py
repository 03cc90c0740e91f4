"""Cross-checks of dtls_lite's AES and AEADs against `cryptography` (CPython only).

Random keys, nonces, AAD and lengths (including 0 and non-multiples of 16): seal must match the
oracle byte for byte, open must invert the oracle, and a flipped bit must make open fail.
"""
from hypothesis import given, settings, strategies as st
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESCCM, AESGCM, ChaCha20Poly1305

from dtls_lite.crypto import aead, aes
from dtls_lite.crypto.ccm import AESCCM as OurCCM
from dtls_lite.crypto.gcm import AESGCM as OurGCM

_LEN = st.one_of(st.integers(0, 40), st.integers(0, 1200))
_SETTINGS = settings(max_examples=200, deadline=None)


def _check(ours, oracle_seal, nonce, aad, pt):
    expected = oracle_seal(nonce, pt, aad)
    assert ours.seal(nonce, aad, pt) == expected
    assert ours.open(nonce, aad, expected) == pt
    bad = bytearray(expected)
    bad[len(bad) // 2] ^= 0x80
    assert ours.open(nonce, aad, bytes(bad)) is None


@_SETTINGS
@given(key=st.binary(min_size=16, max_size=16) | st.binary(min_size=32, max_size=32),
       data=st.binary(min_size=0, max_size=160))
def test_pure_aes_matches_oracle(key, data):
    data = data[:len(data) // 16 * 16]
    iv = bytes(range(16))
    ecb = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    assert aes.PureAES(key, aes.MODE_ECB).encrypt(data) == ecb.update(data)
    assert aes.PureAES(key, aes.MODE_ECB).decrypt(ecb.update(data) if data else b'') == data
    cbc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    assert aes.PureAES(key, aes.MODE_CBC, iv).encrypt(data) == cbc.update(data)


@_SETTINGS
@given(key=st.binary(min_size=16, max_size=16), tag_len=st.sampled_from((8, 16)),
       nonce_len=st.integers(7, 13), aad=st.binary(max_size=40), n=_LEN, seed=st.integers(0, 255),
       lean=st.booleans())
def test_ccm_matches_oracle(key, tag_len, nonce_len, aad, n, seed, lean):
    ours = OurCCM(key, tag_len, nonce_len, lean)
    oracle = AESCCM(key, tag_length=tag_len)
    nonce = bytes((seed + i) & 255 for i in range(nonce_len))
    pt = bytes((seed * 7 + i) & 255 for i in range(n))
    _check(ours, oracle.encrypt, nonce, aad, pt)
    _check(ours, oracle.encrypt, nonce, aad, pt)  # again on the same object: CBC chaining cancels


@_SETTINGS
@given(key=st.binary(min_size=16, max_size=16) | st.binary(min_size=32, max_size=32),
       nonce=st.binary(min_size=8, max_size=40), aad=st.binary(max_size=40), n=_LEN)
def test_gcm_matches_oracle(key, nonce, aad, n):
    # (the oracle takes 8..128-byte IVs; shorter ones are covered by Wycheproof in test_aead)
    pt = bytes(i * 13 & 255 for i in range(n))
    _check(OurGCM(key), AESGCM(key).encrypt, nonce, aad, pt)


@_SETTINGS
@given(key=st.binary(min_size=32, max_size=32), nonce=st.binary(min_size=12, max_size=12),
       aad=st.binary(max_size=40), n=_LEN)
def test_chacha20_poly1305_matches_oracle(key, nonce, aad, n):
    pt = bytes(i * 29 & 255 for i in range(n))
    _check(aead.new('CHACHA20_POLY1305', key), ChaCha20Poly1305(key).encrypt, nonce, aad, pt)


@_SETTINGS
@given(name=st.sampled_from(aead.NAMES), nonce=st.binary(min_size=12, max_size=12),
       aad=st.binary(max_size=20), n=_LEN)
def test_suite_names_match_oracle(name, nonce, aad, n):
    key_len = 32 if '256' in name or 'CHACHA' in name else 16
    key = bytes(range(1, key_len + 1))
    if 'CCM' in name:
        oracle = AESCCM(key, tag_length=8 if name.endswith('_8') else 16)
    elif 'GCM' in name:
        oracle = AESGCM(key)
    else:
        oracle = ChaCha20Poly1305(key)
    pt = bytes(i & 255 for i in range(n))
    ours = aead.new(name, key)
    expected = oracle.encrypt(nonce, pt, aad)
    buf = bytearray(n + ours.tag_len)
    buf[:n] = pt
    assert ours.seal_into(nonce, aad, memoryview(buf), n) == len(expected)
    assert bytes(buf) == expected
    assert ours.open_into(nonce, aad, buf, len(buf)) == n and bytes(buf[:n]) == pt
