"""AEAD ciphers (dtls_lite.crypto.aead and the modes under it): RFC / spec known answers,
in-place round trips, bad-tag behaviour and the Wycheproof suites.
"""
from support import unhex, MICROPYTHON, pick, wycheproof_tests
from dtls_lite.crypto import aead
from dtls_lite.crypto.ccm import AESCCM
from dtls_lite.crypto.util import SeededRng

# ---- RFC 3610 §8 packet vectors (AES-128, M = 8, L = 2, 8 bytes of header as AAD) ----
_RFC3610_KEY = unhex('c0c1c2c3c4c5c6c7c8c9cacbcccdcecf')
_RFC3610 = (
    ('Packet Vector #1', '00000003020100a0a1a2a3a4a5', 23,
     '588c979a61c663d2f066d0c2c0f989806d5f6b61dac38417e8d12cfdf926e0'),
    ('Packet Vector #2', '00000004030201a0a1a2a3a4a5', 24,
     '72c91a36e135f8cf291ca894085c87e3cc15c439c9e43a3ba091d56e10400916'),
    ('Packet Vector #3', '00000005040302a0a1a2a3a4a5', 25,
     '51b1e5f44a197d1da46b0f8e2d282ae871e838bb64da8596574adaa76fbd9fb0c5'),
)


def test_ccm_rfc3610_packet_vectors_1_to_3():
    aad = bytes(range(8))
    c = AESCCM(_RFC3610_KEY, 8, 13)  # one object for all three: the CBC chaining must cancel out
    for name, nonce, n, expected in _RFC3610:
        pt = bytes(range(8, 8 + n))
        ct = c.seal(unhex(nonce), aad, pt)
        assert ct == unhex(expected), name
        assert c.open(unhex(nonce), aad, ct) == pt, name


def test_ccm_rejects_invalid_parameters():
    for tag_len in (0, 2, 3, 5, 17, 18):
        try:
            AESCCM(bytes(16), tag_len, 12)
        except ValueError:
            continue
        raise AssertionError('tag length %d accepted' % tag_len)
    for nonce_len in (0, 6, 14, 16):
        try:
            AESCCM(bytes(16), 16, nonce_len)
        except ValueError:
            continue
        raise AssertionError('nonce length %d accepted' % nonce_len)
    try:
        AESCCM(bytes(16), 8, 12).seal(bytes(13), b'', b'x')
    except ValueError:
        pass
    else:
        raise AssertionError('wrong nonce length accepted at seal')


def _roundtrip_in_place(name, key, lengths):
    rng = SeededRng(name)
    a = aead.new(name, key)
    b = aead.new(name, key)
    assert a.key_len == len(key)
    for n in lengths:
        nonce, aad, pt = rng(12), rng(n % 29), rng(n)
        expected = a.seal(nonce, aad, pt)
        assert len(expected) == n + a.tag_len
        buf = bytearray(5 + n + a.tag_len + 3)
        view = memoryview(buf)[5:5 + n + a.tag_len]
        view[0:n] = pt
        assert a.seal_into(nonce, aad, view, n) == n + a.tag_len
        assert bytes(view) == expected
        assert bytes(buf[0:5]) == bytes(5) and bytes(buf[-3:]) == bytes(3)
        assert b.open_into(nonce, aad, view, n + a.tag_len) == n
        assert bytes(view[0:n]) == pt
        assert b.open(nonce, aad, expected) == pt


def _bad_tag(name, key):
    rng = SeededRng(name + 'bad')
    a = aead.new(name, key)
    nonce, aad, pt = rng(12), rng(13), rng(40)
    sealed = a.seal(nonce, aad, pt)
    for pos in (0, 39, len(sealed) - 1):
        bad = bytearray(sealed)
        bad[pos] ^= 1
        assert a.open(nonce, aad, bytes(bad)) is None
        assert a.open_into(nonce, aad, bad, len(bad)) == -1
        # No plaintext may be left in the buffer (not even a partial run of it).
        for i in range(0, 40 - 7):
            assert bytes(bad[i:i + 8]) != pt[i:i + 8]
    assert a.open(nonce, aad + b'x', sealed) is None
    assert a.open(nonce, aad, sealed[:a.tag_len - 1]) is None
    assert a.open(nonce, aad, sealed) == pt  # and the object still works after failures


_LENGTHS = (0, 1, 15, 16, 17, 31, 32, 100, 1024, 1500)


def test_ccm8_roundtrip_in_place_and_bad_tag():
    _roundtrip_in_place('AES_128_CCM_8', bytes(range(16)), _LENGTHS)
    _bad_tag('AES_128_CCM_8', bytes(range(16)))


def test_ccm16_roundtrip_in_place_and_bad_tag():
    _roundtrip_in_place('AES_128_CCM', bytes(range(16)), _LENGTHS)
    _bad_tag('AES_128_CCM', bytes(range(16)))


def test_aead_new_rejects_unknown_and_bad_keys():
    for name, key in (('AES_128_CCM_8', bytes(15)), ('AES_128_CCM_8', bytes(32)), ('NOPE', bytes(16))):
        try:
            aead.new(name, key)
        except ValueError:
            continue
        raise AssertionError(name)


def test_ccm_names_tag_lengths():
    assert aead.new('AES_128_CCM_8', bytes(16)).tag_len == 8
    assert aead.new('AES_128_CCM', bytes(16)).tag_len == 16
