"""AES block cipher (dtls_lite.crypto.aes): FIPS-197 Appendix C known answers on every path.

The pure-Python path runs on both runtimes; the C cryptolib path where it exists (MicroPython),
and the two must agree on multi-call CBC chaining, which CCM relies on.
"""
from support import unhex
from dtls_lite.compat import HAVE_CRYPTOLIB, MICROPYTHON
from dtls_lite.crypto import aes

_PT = unhex('00112233445566778899aabbccddeeff')
# FIPS-197 Appendix C.1 (AES-128) and C.3 (AES-256).
_C1 = (unhex('000102030405060708090a0b0c0d0e0f'), unhex('69c4e0d86a7b0430d8cdb78070b4c55a'))
_C2 = (unhex('000102030405060708090a0b0c0d0e0f1011121314151617'), unhex('dda97ca4864cdfe06eaf70a0ec0d7191'))
_C3 = (unhex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'),
       unhex('8ea2b7ca516745bfeafc49904b496089'))


def _paths():
    paths = [aes.PureAES]
    if HAVE_CRYPTOLIB:
        paths.append(aes.new)
    return paths


def test_cryptolib_present_exactly_on_micropython():
    # The fast path must not silently disappear on MicroPython (the unix port has cryptolib).
    assert HAVE_CRYPTOLIB == MICROPYTHON
    assert (type(aes.new(bytes(16), aes.MODE_ECB)) is aes.PureAES) == (not HAVE_CRYPTOLIB)


def test_fips197_c1_c2_c3_encrypt():
    for make in _paths():
        for key, ct in (_C1, _C2, _C3):
            assert make(key, aes.MODE_ECB).encrypt(_PT) == ct
            buf = bytearray(_PT)
            make(key, aes.MODE_ECB).encrypt(buf, buf)  # in place
            assert buf == ct


def test_fips197_c1_c2_c3_decrypt():
    for make in _paths():
        for key, ct in (_C1, _C2, _C3):
            assert make(key, aes.MODE_ECB).decrypt(ct) == _PT


def test_ecb_multi_block_into_memoryview():
    key = _C1[0]
    for make in _paths():
        buf = bytearray(16 + 48 + 16)
        view = memoryview(buf)
        for i in range(48):
            buf[16 + i] = _PT[i % 16]
        make(key, aes.MODE_ECB).encrypt(view[16:64], view[16:64])
        assert bytes(buf[16:64]) == _C1[1] * 3
        assert bytes(buf[0:16]) == bytes(16) and bytes(buf[64:]) == bytes(16)


def test_cbc_chains_across_calls_like_cryptolib():
    # NIST SP 800-38A F.2.1 CBC-AES128.Encrypt, blocks 1-2; then chaining across two calls.
    key = unhex('2b7e151628aed2a6abf7158809cf4f3c')
    iv = unhex('000102030405060708090a0b0c0d0e0f')
    pt = unhex('6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51')
    ct = unhex('7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2')
    for make in _paths():
        assert make(key, aes.MODE_CBC, iv).encrypt(pt) == ct
        c = make(key, aes.MODE_CBC, iv)
        assert c.encrypt(pt[:16]) + c.encrypt(pt[16:]) == ct
        d = make(key, aes.MODE_CBC, iv)
        assert d.decrypt(ct[:16]) + d.decrypt(ct[16:]) == pt


# What only MicroPython has: pytest reports it as skipped (conftest.py).
MICROPYTHON_ONLY = {
    'test_pure_matches_cryptolib_random': 'cryptolib (on CPython the pure AES is checked against '
                                          '`cryptography` in test_host_aead_oracle.py)',
}


def test_pure_matches_cryptolib_random():
    if not HAVE_CRYPTOLIB:
        return  # CPython: the pure path is checked against `cryptography` in test_host_aead_oracle
    from dtls_lite.crypto.util import SeededRng
    rng = SeededRng(b'aes')
    for klen in (16, 32):
        for _ in range(5):
            key, iv, data = rng(klen), rng(16), rng(80)
            assert aes.PureAES(key, aes.MODE_ECB).encrypt(data) == aes.new(key, aes.MODE_ECB).encrypt(data)
            assert aes.PureAES(key, aes.MODE_CBC, iv).encrypt(data) == aes.new(key, aes.MODE_CBC, iv).encrypt(data)


def test_bad_sizes_rejected():
    for make in _paths():
        for bad in (bytes(15), bytes(33), bytes(0)):
            try:
                make(bad, aes.MODE_ECB)
            except ValueError:
                continue
            raise AssertionError('accepted a %d-byte key' % len(bad))
    try:
        aes.PureAES(bytes(16), aes.MODE_ECB).encrypt(bytes(15))
    except ValueError:
        pass
    else:
        raise AssertionError('accepted a partial block')
