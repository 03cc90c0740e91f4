"""P-256 / P-384 keys and ECDH: Wycheproof vectors, key round trips, strict point and scalar checks.

Sources: Wycheproof ecdh_secp256r1_test.json (peer keys as DER SubjectPublicKeyInfo),
ecdh_secp256r1_ecpoint_test.json and ecdh_secp384r1_ecpoint_test.json (raw SEC1 points).
We accept only uncompressed points. Verdicts:
  valid      -> ecdh() must return the expected shared x-coordinate;
  invalid    -> must be refused (ValueError from ecdh, or the SPKI helper below refuses it);
  acceptable -> the only ones are compressed points (CompressedPublic) and, in the SPKI file,
                BER/odd-ASN.1 or explicit-parameter encodings of valid keys. We refuse all of
                them: compressed points raise ValueError, and the test's SPKI helper accepts
                nothing but the one DER form of a named-curve P-256 key (what TLS sends is the
                raw point anyway). The test asserts that refusal, so a change is noticed.
CPython runs every test; MicroPython every invalid/acceptable test and a sample of valid ones.
"""
from support import MICROPYTHON, pick, unhex, wycheproof
from dtls_lite.crypto import p256, p384, ec
from dtls_lite.crypto.util import SeededRng

_VALID_SAMPLE = 25

# DER prefix of SubjectPublicKeyInfo { id-ecPublicKey, prime256v1 } BIT STRING (65-byte point).
_SPKI_P256 = unhex('3059301306072a8648ce3d020106082a8648ce3d030107034200')


def _spki_point(der):
    """The raw point of a named-curve P-256 SPKI in its single DER form; ValueError otherwise."""
    if len(der) != len(_SPKI_P256) + 65 or der[:len(_SPKI_P256)] != _SPKI_P256:
        raise ValueError('not a DER named-curve P-256 SubjectPublicKeyInfo')
    return der[len(_SPKI_P256):]


def _private(mod, hexstr):
    """Wycheproof private keys may carry a sign byte or be short: re-encode to the fixed size."""
    k = int(hexstr, 16)
    return k.to_bytes(mod.PRIVATE_SIZE, 'big')


def _run(name, mod, spki=False):
    data = wycheproof(name)
    valid, others = [], []
    for group in data['testGroups']:
        for t in group['tests']:
            (valid if t['result'] == 'valid' else others).append(t)
    if MICROPYTHON:
        valid = pick(valid, _VALID_SAMPLE)
    counts = {'valid': 0, 'invalid': 0, 'acceptable': 0}
    for t in valid + others:
        counts[t['result']] += 1
        priv = _private(mod, t['private'])
        try:
            public = unhex(t['public'])
            if spki:
                public = _spki_point(public)
            shared = mod.ecdh(priv, public)
        except ValueError:
            assert t['result'] != 'valid', (name, t['tcId'], t['comment'])
            continue
        assert t['result'] == 'valid', (name, t['tcId'], t['comment'], t['flags'])
        assert shared == unhex(t['shared']), (name, t['tcId'])
    return counts


def test_wycheproof_ecdh_p256_ecpoint():
    c = _run('ecdh_secp256r1_ecpoint_test.json', p256)
    assert c['invalid'] == 24 and c['acceptable'] == 1 and c['valid'] >= _VALID_SAMPLE


def test_wycheproof_ecdh_p256_spki():
    c = _run('ecdh_secp256r1_test.json', p256, spki=True)
    assert c['invalid'] == 52 and c['acceptable'] == 230 and c['valid'] >= _VALID_SAMPLE


def test_wycheproof_ecdh_p384_ecpoint():
    c = _run('ecdh_secp384r1_ecpoint_test.json', p384)
    assert c['invalid'] == 18 and c['acceptable'] == 1 and c['valid'] >= _VALID_SAMPLE


def test_key_generation_round_trip():
    rng = SeededRng(b'ec keygen')
    for mod in (p256, p384):
        a_priv, a_pub = mod.generate_key(rng)
        b_priv, b_pub = mod.generate_key(rng)
        assert len(a_priv) == mod.PRIVATE_SIZE and len(a_pub) == mod.PUBLIC_SIZE
        assert a_pub[0] == 4 and mod.public_key(a_priv) == a_pub
        assert mod.ecdh(a_priv, b_pub) == mod.ecdh(b_priv, a_pub)
        assert a_priv != b_priv
    # Same seed, same key: generation only depends on the injected rng.
    assert p256.generate_key(SeededRng(b'x')) == p256.generate_key(SeededRng(b'x'))


def test_generate_key_rejection_sampling():
    # An rng that first returns 0 and n (both out of range) must be asked again.
    n = p256.CURVE.n
    queue = [bytes(32), n.to_bytes(32, 'big'), (n - 1).to_bytes(32, 'big')]
    priv, pub = p256.generate_key(lambda size: queue.pop(0))
    assert priv == (n - 1).to_bytes(32, 'big')
    # (n-1)*G = -G
    G = ec.encode_point(p256.CURVE, p256.CURVE.gx, p256.CURVE.p - p256.CURVE.gy)
    assert pub == G


def test_small_and_edge_scalars():
    # k = 1, 2, n-1, n-2 against simple arithmetic on G.
    C = p256.CURVE
    G = ec.encode_point(C, C.gx, C.gy)
    one = (1).to_bytes(32, 'big')
    assert p256.public_key(one) == G
    x2, y2 = ec.to_affine(C, *ec.double(C.gx, C.gy, 1, C.p))
    assert p256.public_key((2).to_bytes(32, 'big')) == ec.encode_point(C, x2, y2)
    assert p256.ecdh((2).to_bytes(32, 'big'), G) == x2.to_bytes(32, 'big')
    assert p256.ecdh(one, G) == C.gx.to_bytes(32, 'big')
    assert p256.ecdh((C.n - 1).to_bytes(32, 'big'), G) == C.gx.to_bytes(32, 'big')
    assert p256.public_key((C.n - 2).to_bytes(32, 'big')) == ec.encode_point(C, x2, C.p - y2)
    # Every single-bit scalar agrees between the comb (public_key) and the wNAF (ecdh with G).
    for i in range(0, 256, 17):
        k = (1 << i) % C.n
        pub = p256.public_key(k.to_bytes(32, 'big'))
        assert p256.ecdh(k.to_bytes(32, 'big'), G) == pub[1:33]



def test_reused_digit_array_survives_an_error():
    # mul/mul_add_base write the wNAF digits into one bytearray per curve, made at import (a
    # fresh block may not exist in a fragmented device heap): the same array every call, and a
    # call that raised midway (digits written, comb half failed) must not leave stale digits
    # for the next multiplication.
    C = p256.CURVE
    digits = C.digits
    assert isinstance(digits, bytearray) and len(digits) == 257
    G = ec.encode_point(C, C.gx, C.gy)
    three = (3).to_bytes(32, 'big')
    want = p256.ecdh(three, G)
    x, y = ec.decode_point(C, G)
    try:
        ec.mul_add_base(C, None, 5, x, y)     # fails in the comb half, the wNAF digits written
    except TypeError:
        pass
    else:
        raise AssertionError('a bad scalar must raise')
    assert any(digits)                        # (what the next call must not use)
    assert p256.ecdh(three, G) == want
    assert ec.to_affine(C, *ec.mul_add_base(C, 1, 2, x, y))[0].to_bytes(32, 'big') == want
    assert C.digits is digits

def test_rejects_bad_points():
    rng = SeededRng(b'bad points')
    for mod in (p256, p384):
        C = mod.CURVE
        size = C.size
        priv, pub = mod.generate_key(rng)
        _, peer = mod.generate_key(rng)
        x = int.from_bytes(peer[1:size + 1], 'big')
        y = int.from_bytes(peer[size + 1:], 'big')
        bad = [
            b'',
            b'\x00',                                   # SEC1 encoding of infinity
            bytes(2 * size + 1),                       # all zero
            b'\x04' + bytes(2 * size),                 # (0, 0) is not on the curve
            peer[:-1],                                 # short
            peer + b'\x00',                            # long
            b'\x02' + peer[1:size + 1],                # compressed: not supported
            b'\x03' + peer[1:size + 1],
            b'\x06' + peer[1:],                        # hybrid form
            b'\x04' + peer[1:size + 1] + ((y + 1) % C.p).to_bytes(size, 'big'),   # off curve
            b'\x04' + (x + C.p).to_bytes(size + 1, 'big')[1:] + peer[size + 1:]
            if x + C.p < 1 << (8 * size) else b'\x05',
            b'\x04' + C.p.to_bytes(size, 'big') + peer[size + 1:],               # x = p
            b'\x04' + peer[1:size + 1] + (C.p + y).to_bytes(size + 1, 'big')[1:]
            if C.p + y < 1 << (8 * size) else b'\x05',                         # y + p
            None,
            'not bytes',
        ]
        for b in bad:
            try:
                mod.ecdh(priv, b)
            except ValueError:
                continue
            raise AssertionError('accepted bad point %r' % (b,))
        # The peer's point itself is fine, as bytes, bytearray or memoryview.
        s = mod.ecdh(priv, peer)
        assert mod.ecdh(priv, bytearray(peer)) == s == mod.ecdh(priv, memoryview(peer))


def test_rejects_bad_scalars():
    for mod in (p256, p384):
        C = mod.CURVE
        size = C.size
        _, peer = mod.generate_key(SeededRng(b'scalars'))
        for priv in (bytes(size), C.n.to_bytes(size, 'big'), (C.n + 1).to_bytes(size, 'big'),
                     b'\xff' * size, b'\x01' * (size - 1), b'\x01' * (size + 1), None, 7):
            for call in (lambda: mod.ecdh(priv, peer), lambda: mod.public_key(priv)):
                try:
                    call()
                except ValueError:
                    continue
                raise AssertionError('accepted bad private key %r' % (priv,))


def test_inverse():
    # Both the one the runtime uses (pow(a, -1, m) on CPython) and the Euclid one (MicroPython).
    p = p256.CURVE.p
    for inv in (ec.inverse, ec.inverse_euclid):
        for a in (1, 2, p - 1, 12345678901234567890, p256.CURVE.gx, p + 3, -5):
            assert a * inv(a, p) % p == 1
        for a in (0, p, -p):
            try:
                inv(a, p)
            except ValueError:
                continue
            raise AssertionError('inverse of zero')


def test_exceptional_additions_in_the_chain():
    # The inlined Horner loop must get P + P (doubling) and P + (-P) (infinity) right, also in
    # the middle of a chain: verify's scalars come from the peer, who can steer partial sums
    # onto these cases with a key of its own.
    C = p256.CURVE
    p = C.p
    G = (C.gx, C.gy)
    two_G = ec.to_affine(C, *ec.double(C.gx, C.gy, 1, p))
    three_G = ec.to_affine(C, *ec.add_affine(two_G[0], two_G[1], 1, C.gx, C.gy, p))
    # ec._run adds at each position i (after the doubling) the wNAF digit's point, then, below
    # position d, the comb column's: _chain places them, the wNAF ones from a table of points
    # and one comb point per column (every column selects point(0) = `comb` or its negative).
    def _chain(wnaf, comb=None, signs=()):
        # wnaf: {position: (table index, negated)}; signs[i]: the comb point at position i is
        # added as is (1) or negated (0)
        table = [G, two_G, three_G]
        top = max(list(wnaf) + [len(signs) - 1])
        digits = bytearray(top + 1)
        for i, (j, neg) in wnaf.items():
            digits[i] = (-(2 * j + 1) if neg else 2 * j + 1) + 32   # ec._WOFFSET
        curve = C
        if signs:
            class Stand:
                pass
            curve = Stand()
            curve.p = p
            curve.comb = (1, 1, len(signs), None)      # t = 1, s = 1, d columns
            curve.point = lambda index: comb
        return ec._run(curve, top, digits, table, bytes(signs) if signs else None)
    # G + G = 2G at position 0.
    assert ec.to_affine(C, *_chain({0: (0, False)}, G, [1])) == two_G
    # G - G at position 1 (infinity), doubled, plus G at 0 = G.
    assert ec.to_affine(C, *_chain({1: (0, False)}, G, [1, 0])) == G
    X, Y, Z = _chain({0: (0, False)}, G, [0])
    assert Z == 0
    # 2G at position 0 plus G at position 1 (doubled once): 2G + 2G = 4G, via the P + P path.
    four_G = ec.to_affine(C, *ec.double(two_G[0], two_G[1], 1, p))
    assert ec.to_affine(C, *_chain({1: (0, False), 0: (1, False)})) == four_G
    # Mid-chain P - P: G at position 1 doubles to 2G, -2G cancels it, then 3G lands on infinity.
    assert ec.to_affine(C, *_chain({1: (0, False), 0: (1, True)}, three_G, [1])) == three_G
    # mul_add_base with u1*G = -(u2*Q) gives infinity, and verify then says False, not raises.
    k = 12345
    Q = ec.encode_point(C, *ec.to_affine(C, *ec.mul_base(C, k)))
    qx, qy = ec.decode_point(C, Q)
    X, Y, Z = ec.mul_add_base(C, C.n - k, 1, qx, qy)
    assert Z % p == 0
    X, Y, Z = ec.mul_add_base(C, k, 1, qx, qy)           # kG + Q = 2Q
    assert ec.to_affine(C, X, Y, Z) == ec.to_affine(C, *ec.double(qx, qy, 1, p))


def test_batch_affine_writes_over_its_list():
    # The wNAF table: each Jacobian triple is replaced by its affine pair in the same list
    # (so the triples are released as the pairs are made), and every pair is the point's.
    for curve in (p256.CURVE, p384.CURVE):
        p = curve.p
        gx, gy = ec.to_affine(curve, *ec.mul_base(curve, 1))
        X, Y, Z = ec.double(gx, gy, 1, p)
        points = [ec.mul_base(curve, 5), (X, Y, Z), ec.add_affine(X, Y, Z, gx, gy, p)]
        expected = [ec.to_affine(curve, *P) for P in points]
        out = ec._batch_affine(points, p)
        assert out is points
        assert out == expected
        assert expected[1] == ec.to_affine(curve, *ec.mul_base(curve, 2))
        assert expected[2] == ec.to_affine(curve, *ec.mul_base(curve, 3))
        # the table of P, 3P, 5P, 7P, ...: each entry k*P, as the general multiplication gives it
        table = ec._odd_multiples(gx, gy, p)
        for i, pair in enumerate(table):
            assert pair == ec.to_affine(curve, *ec.mul_base(curve, 2 * i + 1))
