"""dtls_lite.crypto.hmac: HMAC, the TLS 1.2 PRF, HKDF and HKDF-Expand-Label, on both runtimes.

Sources: Wycheproof hmac_sha{256,384}_test.json and hkdf_sha{256,384}_test.json (all tests on
CPython; on MicroPython every invalid test plus a fixed sample of valid ones, because SHA-384 is
pure Python there), RFC 5869 Appendix A, the published TLS 1.2 PRF vectors, RFC 8448 §3.
test_host_hash_oracle.py recomputes the hard-coded PRF outputs with `cryptography`.
"""
from support import MICROPYTHON, wycheproof_tests, pick, unhex
from dtls_lite.crypto.sha2 import SHA256, SHA384
from dtls_lite.crypto.hmac import hmac, HMAC, prf
from dtls_lite.crypto.hkdf import hkdf_extract, hkdf_expand, hkdf_expand_label

_VALID_SAMPLE = 12   # valid Wycheproof tests per file on MicroPython


def _select(name):
    tests = list(wycheproof_tests(name))
    if not MICROPYTHON:
        return tests
    invalid = [gt for gt in tests if gt[1]['result'] != 'valid']
    valid = [gt for gt in tests if gt[1]['result'] == 'valid']
    return invalid + pick(valid, _VALID_SAMPLE)


def _check_wycheproof_hmac(h, name):
    n = 0
    for group, t in _select(name):
        # tagSize is in bits; Wycheproof's truncated-tag groups compare the leftmost bytes.
        tag = hmac(h, unhex(t['key']), unhex(t['msg']))[:group['tagSize'] // 8]
        ok = tag == unhex(t['tag'])
        assert ok == (t['result'] == 'valid'), t['tcId']
        n += 1
    assert n > 100


def test_wycheproof_hmac_sha256():
    _check_wycheproof_hmac(SHA256, 'hmac_sha256_test.json')


def test_wycheproof_hmac_sha384():
    _check_wycheproof_hmac(SHA384, 'hmac_sha384_test.json')


def _check_wycheproof_hkdf(h, name):
    n_valid = n_invalid = 0
    for group, t in _select(name):
        ikm, salt, info, size = unhex(t['ikm']), unhex(t['salt']), unhex(t['info']), t['size']
        if t['result'] == 'valid':
            assert hkdf_expand(h, hkdf_extract(h, salt, ikm), info, size) == unhex(t['okm']), t['tcId']
            n_valid += 1
        else:
            # The only invalid case in these files: size > 255 * HashLen (RFC 5869 §2.3).
            assert 'SizeTooLarge' in t['flags']
            prk = hkdf_extract(h, salt, ikm)
            try:
                hkdf_expand(h, prk, info, size)
            except ValueError:
                n_invalid += 1
            else:
                raise AssertionError('size %d accepted' % size)
    assert n_valid >= _VALID_SAMPLE and n_invalid == 3


def test_wycheproof_hkdf_sha256():
    _check_wycheproof_hkdf(SHA256, 'hkdf_sha256_test.json')


def test_wycheproof_hkdf_sha384():
    _check_wycheproof_hkdf(SHA384, 'hkdf_sha384_test.json')


def test_hkdf_length_limits():
    prk = bytes(32)
    assert len(hkdf_expand(SHA256, prk, b'', 255 * 32)) == 255 * 32
    assert hkdf_expand(SHA256, prk, b'', 0) == b''
    for bad in (255 * 32 + 1, -1):
        try:
            hkdf_expand(SHA256, prk, b'', bad)
        except ValueError:
            pass
        else:
            raise AssertionError(bad)


# RFC 5869 Appendix A.1-A.3 (SHA-256): (IKM, salt, info, L, PRK, OKM).
RFC5869 = (
    ('A.1', b'\x0b' * 22, bytes(range(13)), bytes(range(0xf0, 0xfa)), 42,
     '077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5',
     '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865'),
    ('A.2', bytes(range(0x50)), bytes(range(0x60, 0xb0)), bytes(range(0xb0, 0x100)), 82,
     '06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244',
     'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c'
     '59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71'
     'cc30c58179ec3e87c14c01d5c1f3434f1d87'),
    ('A.3', b'\x0b' * 22, b'', b'', 42,
     '19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04',
     '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8'),
)


def test_rfc5869_appendix_a():
    for section, ikm, salt, info, length, want_prk, want_okm in RFC5869:
        prk = hkdf_extract(SHA256, salt, ikm)
        assert prk == unhex(want_prk), section
        assert hkdf_expand(SHA256, prk, info, length) == unhex(want_okm), section


# TLS 1.2 PRF vectors posted to the IETF TLS list
# (https://www.ietf.org/mail-archive/web/tls/current/msg03416.html, cited by many TLS stacks):
# (hash, secret, seed, label, output). test_host_hash_oracle.py recomputes both outputs with
# cryptography's HMAC, so a typo here cannot pass silently.
PRF_SHA256 = (SHA256, '9bbe436ba940f017b17652849a71db35', 'a0ba9f936cda311827a6f796ffd5198c',
              b'test label',
              'e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a'
              '6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab'
              '4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701'
              '87347b66')
PRF_SHA384 = (SHA384, 'b80b733d6ceefcdc71566ea48e5567df', 'cd665cf6a8447dd6ff8b27555edb7465',
              b'test label',
              '7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cd'
              'e9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd'
              '8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425'
              '9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6'
              '91c8f3a26854308d5eaa3be85e0990703d73e56f')


def test_tls12_prf_vectors():
    for h, secret, seed, label, want in (PRF_SHA256, PRF_SHA384):
        out = prf(h, unhex(secret), label, unhex(seed), len(want) // 2)
        assert out == unhex(want), h.name
        # Any shorter output is a prefix (P_hash is a stream): the 48+40-byte TLS key block case.
        assert prf(h, unhex(secret), label, unhex(seed), 1) == unhex(want)[:1]
        assert prf(h, unhex(secret), label, unhex(seed), 88) == unhex(want)[:88]
    assert prf(SHA256, b'k', b'l', b's', 0) == b''


def test_hmac_incremental_matches_one_shot():
    for h in (SHA256, SHA384):
        for key in (b'', b'key', bytes(h.block_size), bytes(h.block_size + 1)):
            mac = HMAC(h, key)
            mac.update(b'The quick brown fox ')
            mac.update(b'jumps over the lazy dog')
            assert mac.digest() == hmac(h, key, b'The quick brown fox jumps over the lazy dog')
            assert mac.digest_size == h.digest_size


def test_hmac_rfc4231_case_2():
    # RFC 4231 §4.3 (key "Jefe"): a key shorter than the block, for both hashes.
    data = b'what do ya want for nothing?'
    assert hmac(SHA256, b'Jefe', data) == unhex(
        '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843')
    assert hmac(SHA384, b'Jefe', data) == unhex(
        'af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e'
        '8e2240ca5e69e2c78b3239ecfab21649')


def test_hkdf_expand_label_rfc8448():
    # RFC 8448 §3 (Simple 1-RTT Handshake): early secret from zero IKM, then the "derived"
    # secret, and the server handshake write key/iv from the server handshake traffic secret.
    early = hkdf_extract(SHA256, b'', bytes(32))
    assert early == unhex('33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a')
    empty_hash = SHA256.hash(b'')
    derived = hkdf_expand_label(SHA256, early, b'derived', empty_hash, 32)
    assert derived == unhex('6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba')
    assert hkdf_expand_label(SHA256, early, 'derived', empty_hash, 32) == derived   # str label
    s_hs = unhex('b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38')
    assert hkdf_expand_label(SHA256, s_hs, b'key', b'', 16) == unhex('3fce516009c21727d0f2e4e86ee403bc')
    assert hkdf_expand_label(SHA256, s_hs, b'iv', b'', 12) == unhex('5d313eb2671276ee13000b30')


def test_hkdf_expand_label_dtls13_prefix():
    # RFC 9147 §5.9: DTLS 1.3 uses "dtls13" instead of "tls13 ". Build the HkdfLabel by hand and
    # take T(1) = HMAC(secret, HkdfLabel | 0x01) directly (one block suffices for 16 bytes).
    secret = bytes(range(32))
    context = b'\xaa' * 32
    info = b'\x00\x10' + bytes((9,)) + b'dtls13key' + bytes((32,)) + context
    want = hmac(SHA256, secret, info + b'\x01')[:16]
    got = hkdf_expand_label(SHA256, secret, b'key', context, 16, prefix=b'dtls13')
    assert got == want
    assert got != hkdf_expand_label(SHA256, secret, b'key', context, 16)


def test_hkdf_expand_label_rejects_bad_fields():
    for label, context, n in ((b'', b'', 16),            # "tls13 " alone is below label<7..>
                              (b'x' * 250, b'', 16),     # label over 255
                              (b'key', bytes(256), 16),  # context over 255
                              (b'key', b'', 0x10000)):   # uint16 length
        try:
            hkdf_expand_label(SHA256, bytes(32), label, context, n)
        except ValueError:
            pass
        else:
            raise AssertionError((len(label), len(context), n))


def test_bytes_like_and_str_arguments():
    # The engine passes views of its buffers and may spell labels as str.
    secret, seed = bytes(range(16)), bytes(range(32))
    want = prf(SHA256, secret, b'master secret', seed, 48)
    assert prf(SHA256, memoryview(secret), 'master secret', memoryview(seed), 48) == want
    assert prf(SHA256, bytearray(secret), bytearray(b'master secret'), bytearray(seed), 48) == want
    prk = hkdf_extract(SHA256, bytearray(b'salt'), memoryview(b'ikm'))
    assert prk == hkdf_extract(SHA256, b'salt', b'ikm')
    assert hkdf_expand(SHA256, prk, memoryview(b'info'), 40) == hkdf_expand(SHA256, prk, b'info', 40)
    assert hmac(SHA256, memoryview(secret), memoryview(seed)) == hmac(SHA256, secret, seed)
    ctx = bytes(32)
    assert (hkdf_expand_label(SHA256, prk, b'key', memoryview(ctx), 16)
            == hkdf_expand_label(SHA256, prk, b'key', ctx, 16))
