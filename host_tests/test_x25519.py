"""dtls_lite.crypto.x25519 against RFC 7748 and Wycheproof x25519_test.json, on both runtimes.

Wycheproof verdicts and what we do with them:
- 'valid': ecdh() must return `shared`.
- 'acceptable' (twist points, non-canonical u >= p, public keys with the top bit set, small
  public keys, ...): we accept them and must return `shared`, because RFC 7748 §5 defines X25519
  on all of them (mask bit 255, treat u as reduced mod p) and peers such as OpenSSL do the same;
  EXCEPT when `shared` is all zero (flag ZeroSharedSecret: a low-order public key), where
  ecdh() must raise ValueError (RFC 7748 §6.1). The raw x25519() still returns the zeros.
The file has no 'invalid' tests. MicroPython runs every 'acceptable' test and a fixed sample
of the 'valid' ones.
"""
from support import MICROPYTHON, wycheproof_tests, pick, unhex
from dtls_lite.crypto.util import SeededRng
from dtls_lite.crypto.x25519 import x25519, ecdh, public_key, generate_key

# RFC 7748 §5.2: the two single-call vectors (scalar, u, result).
RFC7748_5_2 = (
    ('a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4',
     'e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c',
     'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552'),
    ('4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d',
     'e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493',
     '95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957'),
)


def test_rfc7748_5_2_vectors():
    for k, u, want in RFC7748_5_2:
        assert x25519(unhex(k), unhex(u)) == unhex(want)


def test_rfc7748_5_2_iterated():
    # RFC 7748 §5.2: k = u = 9; repeat k, u = X25519(k, u), k. After 1 and 1,000 iterations.
    # (1,000 iterations take ~0.7 s on CPython and ~2.5 s on MicroPython; the 1,000,000 one is
    # out of reach for pure Python in a test suite.)
    k = u = b'\x09' + bytes(31)
    for i in range(1000):
        k, u = x25519(k, u), k
        if i == 0:
            assert k == unhex('422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079')
    assert k == unhex('684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51')


def test_rfc7748_6_1_diffie_hellman():
    a_priv = unhex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a')
    a_pub = unhex('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a')
    b_priv = unhex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb')
    b_pub = unhex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f')
    shared = unhex('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742')
    assert public_key(a_priv) == a_pub
    assert public_key(b_priv) == b_pub
    assert ecdh(a_priv, b_pub) == shared
    assert ecdh(b_priv, a_pub) == shared


def _wycheproof_selection():
    tests = [t for _, t in wycheproof_tests('x25519_test.json')]
    if not MICROPYTHON:
        return tests
    return ([t for t in tests if t['result'] != 'valid']
            + pick([t for t in tests if t['result'] == 'valid'], 40))


def test_wycheproof_x25519():
    counts = {'valid': 0, 'acceptable': 0, 'zero': 0}
    for t in _wycheproof_selection():
        assert t['result'] in ('valid', 'acceptable'), t['tcId']   # no 'invalid' in this file
        priv, pub, shared = unhex(t['private']), unhex(t['public']), unhex(t['shared'])
        assert x25519(priv, pub) == shared, t['tcId']
        if shared == bytes(32):
            try:
                ecdh(priv, pub)
            except ValueError:
                counts['zero'] += 1
            else:
                raise AssertionError('zero shared secret accepted, tcId %d' % t['tcId'])
        else:
            assert ecdh(priv, pub) == shared, t['tcId']
            counts[t['result']] += 1
    assert counts['zero'] >= 30 and counts['acceptable'] > 100 and counts['valid'] >= 40


def test_rejects_wrong_lengths():
    good = bytes(range(32))
    for bad in (b'', bytes(31), bytes(33)):
        for call in (lambda: ecdh(bad, good), lambda: ecdh(good, bad),
                     lambda: public_key(bad), lambda: x25519(good, bad)):
            try:
                call()
            except ValueError:
                pass
            else:
                raise AssertionError(len(bad))


def test_accepts_bytes_like_inputs():
    priv = bytes(range(1, 33))
    pub = public_key(priv)
    assert public_key(bytearray(priv)) == pub
    assert ecdh(memoryview(priv), bytearray(pub)) == ecdh(priv, pub)


def test_generate_key_and_agreement():
    rng = SeededRng(b'x25519')
    a_priv, a_pub = generate_key(rng)
    b_priv, b_pub = generate_key(rng)
    assert len(a_priv) == 32 and len(a_pub) == 32 and a_priv != b_priv
    assert a_pub == public_key(a_priv)
    assert ecdh(a_priv, b_pub) == ecdh(b_priv, a_pub)
    # Same seed, same keys (the injected rng is the only source of randomness).
    assert generate_key(SeededRng(b'x25519'))[0] == a_priv
    priv, pub = generate_key()
    assert len(priv) == 32 and pub == public_key(priv)


def test_public_key_comb_matches_ladder():
    # public_key() uses the fixed-base comb on edwards25519; x25519(k, 9) runs the ladder.
    # 24 seeded scalars use every one of the 16 comb entries many times over; the extremes
    # (all-zero and all-one bytes, i.e. 2^254 and 2^255 - 8 after clamping) pin the ends.
    nine = b'\x09' + bytes(31)
    rng = SeededRng(b'comb')
    scalars = [rng(32) for _ in range(24)] + [bytes(32), b'\xff' * 32, b'\x0f' * 32, b'\xf0' * 32]
    for k in scalars:
        assert public_key(k) == x25519(k, nine), k
