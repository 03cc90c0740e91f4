"""ECDSA on P-256 and P-384: RFC 6979 known answers, Wycheproof verification vectors, DER rules.

Sources: RFC 6979 appendix A.2.5 (P-256) and A.2.6 (P-384); Wycheproof
ecdsa_secp256r1_sha256_test.json (DER signatures), ecdsa_secp256r1_sha256_p1363_test.json
(r || s), ecdsa_secp384r1_sha384_test.json. These three files have no 'acceptable' verdicts
(checked below): every 'valid' must verify, every 'invalid' must be refused without raising.
CPython runs every test of every group; MicroPython runs every invalid test and a deterministic
sample of the valid ones (support.pick) to keep its share of the suite short.
"""
import hashlib

from support import MICROPYTHON, pick, unhex, wycheproof
from dtls_lite.crypto import p256, p384, ecdsa, ec
from dtls_lite.crypto.sha2 import SHA384

_VALID_SAMPLE = 25


def _sha256(m):
    return hashlib.sha256(m).digest()


def _sha384(m):
    return SHA384.hash(m)


# RFC 6979 A.2.5: P-256 key, SHA-256, messages "sample" and "test": (k, r, s).
_P256_X = 'C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721'
_P256_U = ('04' '60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6'
           '7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299')
_P256_KAT = (
    (b'sample', 'A6E3C57DD01ABE90086538398355DD4C3B17AA873382B0F24D6129493D8AAD60',
     'EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716',
     'F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8'),
    (b'test', 'D16B6AE827F17175E040871A1C7EC3500192C4C92677336EC2537ACAEE0008E0',
     'F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367',
     '019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083'),
)

# RFC 6979 A.2.6: P-384 key, SHA-384.
_P384_X = ('6B9D3DAD2E1B8C1C05B19875B6659F4DE23C3B667BF297BA'
           '9AA47740787137D896D5724E4C70A825F872C9EA60D2EDF5')
_P384_U = ('04' 'EC3A4E415B4E19A4568618029F427FA5DA9A8BC4AE92E02E06AAE5286B300C64DEF8F0EA9055866064A254515480BC13'
           '8015D9B72D7D57244EA8EF9AC0C621896708A59367F9DFB9F54CA84B3F1C9DB1288B231C3AE0D4FE7344FD2533264720')
_P384_KAT = (
    (b'sample', '94ED910D1A099DAD3254E9242AE85ABDE4BA15168EAF0CA87A555FD56D10FBCA2907E3E83BA95368623B8C4686915CF9',
     '94EDBB92A5ECB8AAD4736E56C691916B3F88140666CE9FA73D64C4EA95AD133C81A648152E44ACF96E36DD1E80FABE46',
     '99EF4AEB15F178CEA1FE40DB2603138F130E740A19624526203B6351D0A3A94FA329C145786E679E7B82C71A38628AC8'),
    (b'test', '015EE46A5BF88773ED9123A5AB0807962D193719503C527B031B4C2D225092ADA71F4A459BC0DA98ADB95837DB8312EA',
     '8203B63D3C853E8D77227FB377BCF7B7B772E97892A80F36AB775D509D7A5FEB0542A7F0812998DA8F1DD3CA3CF023DB',
     'DDD0760448D42D8A43AF45AF836FCE4DE8BE06B485E9B61B827C2F13173923E06A739F040649A667BF3B828246BAA5A5'),
)


def _check_kat(mod, priv_hex, pub_hex, kat, hashfn):
    priv = unhex(priv_hex)
    pub = unhex(pub_hex)
    assert mod.public_key(priv) == pub
    curve = mod.CURVE
    for msg, k, r, s in kat:
        digest = hashfn(msg)
        nonces = ecdsa._nonces(curve, int.from_bytes(priv, 'big'), digest)
        assert next(nonces) == int(k, 16)
        rs = mod.sign_raw(priv, digest)
        assert rs == unhex(r) + unhex(s)
        der = mod.sign(priv, digest)
        assert ecdsa.der_decode(der) == (int(r, 16), int(s, 16))
        assert mod.verify(pub, digest, der)
        assert mod.verify_raw(pub, digest, rs)
        # rng is accepted and ignored: signing stays deterministic.
        assert mod.sign(priv, digest, rng=lambda n: b'\xff' * n) == der
        assert not mod.verify(pub, hashfn(msg + b'!'), der)


def test_rfc6979_p256_sha256():
    _check_kat(p256, _P256_X, _P256_U, _P256_KAT, _sha256)


def test_rfc6979_p384_sha384():
    _check_kat(p384, _P384_X, _P384_U, _P384_KAT, _sha384)


def _run_wycheproof(name, mod, hashfn, verify):
    data = wycheproof(name)
    valid, invalid = [], []
    for group in data['testGroups']:
        pub = unhex(group['publicKey']['uncompressed'])
        for t in group['tests']:
            # No 'acceptable' verdicts in these files; if a new version adds some, decide then.
            assert t['result'] in ('valid', 'invalid'), t['tcId']
            (valid if t['result'] == 'valid' else invalid).append((pub, t))
    if MICROPYTHON:
        valid = pick(valid, _VALID_SAMPLE)
    for pub, t in valid + invalid:
        got = verify(pub, hashfn(unhex(t['msg'])), unhex(t['sig']))
        assert got is (t['result'] == 'valid'), (name, t['tcId'], t['comment'])
    return len(valid), len(invalid)


def test_wycheproof_p256_sha256_der():
    nv, ni = _run_wycheproof('ecdsa_secp256r1_sha256_test.json', p256, _sha256, p256.verify)
    assert nv >= _VALID_SAMPLE and ni == 310


def test_wycheproof_p256_sha256_p1363():
    nv, ni = _run_wycheproof('ecdsa_secp256r1_sha256_p1363_test.json', p256, _sha256, p256.verify_raw)
    assert nv >= _VALID_SAMPLE and ni == 89


def test_wycheproof_p384_sha384_der():
    nv, ni = _run_wycheproof('ecdsa_secp384r1_sha384_test.json', p384, _sha384, p384.verify)
    assert nv >= _VALID_SAMPLE and ni == 310


def test_sign_verify_round_trip_and_tamper():
    from dtls_lite.crypto.util import SeededRng
    rng = SeededRng(b'ecdsa round trip')
    for mod, hashfn in ((p256, _sha256), (p384, _sha384)):
        priv, pub = mod.generate_key(rng)
        other_priv, other_pub = mod.generate_key(rng)
        for i in range(3):
            digest = hashfn(bytes([i]) * 7)
            der = mod.sign(priv, digest)
            rs = mod.sign_raw(priv, digest)
            assert mod.verify(pub, digest, der) and mod.verify_raw(pub, digest, rs)
            assert not mod.verify(other_pub, digest, der)
            assert not mod.verify_raw(other_pub, digest, rs)
            bad = bytearray(rs)
            bad[-1] ^= 1
            assert not mod.verify_raw(pub, digest, bytes(bad))


def test_digest_truncation_bits2int():
    # SEC1 §4.1.3 step 5: a digest longer than the order keeps its leftmost bits. A SHA-384
    # digest on P-256 signs exactly like its first 32 bytes would (same e), and verifies both ways.
    priv = unhex(_P256_X)
    pub = unhex(_P256_U)
    long_digest = _sha384(b'sample')
    rs_long = p256.sign_raw(priv, long_digest)
    assert p256.verify_raw(pub, long_digest, rs_long)
    assert p256.verify_raw(pub, long_digest[:32], rs_long)
    assert ecdsa.bits2int(p256.CURVE, long_digest) == int.from_bytes(long_digest[:32], 'big')
    # Short digests (SHA-1 size) are used as they are.
    short = bytes(range(20))
    assert p256.verify(pub, short, p256.sign(priv, short))


def test_der_strictness():
    n = p256.CURVE.n
    good = ecdsa.der_encode(1, n - 1)
    assert ecdsa.der_decode(good) == (1, n - 1)
    assert ecdsa.der_encode(0x80, 1) == unhex('3007' '02020080' '020101')
    bad = (
        '',                                  # empty
        '3006020101020101' '00',             # trailing byte after the SEQUENCE
        '3007020101020101',                  # SEQUENCE length too long
        '3005020101020101',                  # SEQUENCE length too short
        '31060201010201 01',                 # SET instead of SEQUENCE
        '308106020101020101',                # non-minimal long-form length
        '3006020101020101'.replace('3006', '3080'),   # indefinite length (BER)
        '300702020001020101',                # non-minimal INTEGER (leading zero)
        '3006020181020101',                  # negative INTEGER
        '3006020100020101',                  # r = 0 encodes fine but is out of range (below)
        '30030201010',                       # odd garbage
        '3009020101020101020101',            # three INTEGERs
        '3004020101' '00',                   # missing s
        '30060400020101',                    # OCTET STRING instead of INTEGER
        '3006020001020101',                  # zero-length INTEGER
    )
    for h in bad:
        h = h.replace(' ', '')
        try:
            der = unhex(h)
        except ValueError:
            der = h.encode()
        try:
            r, s = ecdsa.der_decode(der)
        except ValueError:
            continue
        assert r == 0 or s == 0, h
    # verify never raises, whatever it is given.
    pub = unhex(_P256_U)
    digest = _sha256(b'sample')
    for junk in (b'', b'\x30', b'\x30\x00', b'\x30\x02\x02\x00', None, 'text', 12, bytes(80)):
        assert p256.verify(pub, digest, junk) is False
        assert p256.verify_raw(pub, digest, junk) is False
    sig = p256.sign(unhex(_P256_X), digest)
    for pub_bad in (b'', pub[:-1], b'\x02' + pub[1:33], None, bytes(65)):
        assert p256.verify(pub_bad, digest, sig) is False
    # r or s out of [1, n-1] in an otherwise well-formed signature.
    r, s = ecdsa.der_decode(sig)
    for rr, ss in ((0, s), (r, 0), (r + n, s), (r, s + n), (n, s)):
        assert not p256.verify(pub, digest, ecdsa.der_encode(rr, ss))


def test_verify_exceptional_u1_zero():
    # e = 0 (all-zero digest) makes u1 = 0: verification must still be right (and not crash).
    priv = unhex(_P256_X)
    pub = unhex(_P256_U)
    zero = bytes(32)
    der = p256.sign(priv, zero)
    assert p256.verify(pub, zero, der)
    assert not p256.verify(pub, b'\x00' * 31 + b'\x01', der)
    # A digest equal to n reduces to e = 0 as well.
    n_digest = p256.CURVE.n.to_bytes(32, 'big')
    assert p256.verify(pub, n_digest, der)


def test_sign_rejects_bad_private_keys():
    n = p256.CURVE.n
    for bad in (bytes(32), n.to_bytes(32, 'big'), (n + 1).to_bytes(32, 'big'), b'\x01' * 31,
                b'\x01' * 33):
        for fn in (p256.sign, p256.sign_raw, p256.public_key):
            try:
                fn(bad, bytes(32)) if fn is not p256.public_key else fn(bad)
            except ValueError:
                continue
            raise AssertionError('accepted a bad private key')
    assert ec.decode_scalar(p256.CURVE, (n - 1).to_bytes(32, 'big')) == n - 1
