"""dtls_lite.crypto.sha2: SHA-256 / SHA-384 descriptors and the pure SHA-384, on both runtimes.

Known answers are the FIPS 180-2 Appendix B/D examples ('abc', the two-block messages, one
million 'a'); the empty-string digests are the well-known values. The pure SHA-384 runs on
CPython too, so its padding and buffering are checked everywhere.
"""
from support import MICROPYTHON, unhex
from dtls_lite.crypto.sha2 import SHA256, SHA384, SHA384_PURE, Sha384Pure, Sha512Pure

ABC = b'abc'
# FIPS 180-2 B.2 (448 bits) and D.2 (896 bits): the two-block examples.
TWO_BLOCK_256 = b'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'
TWO_BLOCK_512 = (b'abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno'
                 b'ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu')

SHA256_KAT = (
    (b'', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'),
    (ABC, 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'),        # B.1
    (TWO_BLOCK_256, '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'),  # B.2
)
SHA384_KAT = (
    (b'', '38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da'
          '274edebfe76f65fbd51ad2f14898b95b'),
    (ABC, 'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed'
          '8086072ba1e7cc2358baeca134c825a7'),                                          # D.1
    (TWO_BLOCK_512, '09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712'
                    'fcc7c71a557e2db966c3e9fa91746039'),                                # D.2
)
# FIPS 180-2 C.1: SHA-512('abc'), exercising the shared core with the other IV.
SHA512_ABC = ('ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a'
              '2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f')


def test_descriptor_attributes():
    assert (SHA256.name, SHA256.digest_size, SHA256.block_size) == ('sha256', 32, 64)
    assert (SHA384.name, SHA384.digest_size, SHA384.block_size) == ('sha384', 48, 128)
    assert (SHA384_PURE.digest_size, SHA384_PURE.block_size) == (48, 128)


def test_sha256_known_answers():
    for msg, want in SHA256_KAT:
        assert SHA256.hash(msg) == unhex(want)
        obj = SHA256.new()
        obj.update(msg[:3])
        obj.update(msg[3:])
        assert obj.digest() == unhex(want)


def test_sha384_known_answers_both_paths():
    # SHA384 is hashlib on CPython, the pure class on MicroPython; SHA384_PURE is pure everywhere.
    for h in (SHA384, SHA384_PURE):
        for msg, want in SHA384_KAT:
            assert h.hash(msg) == unhex(want)
            obj = h.new(msg[:5])
            obj.update(msg[5:])
            assert obj.digest() == unhex(want)


def test_sha384_runtime_choice():
    # MicroPython has no hashlib.sha384 on any port, so the descriptor must fall back to pure.
    if MICROPYTHON:
        assert SHA384.new is Sha384Pure
    else:
        assert SHA384.new is not Sha384Pure


def test_sha512_core_known_answer():
    assert Sha512Pure(ABC).digest() == unhex(SHA512_ABC)


def test_million_a():
    # FIPS 180-2 B.3 / D.3. SHA-256 is C everywhere; the pure SHA-384 takes ~0.5 s on CPython
    # and ~2 s on MicroPython, so MicroPython runs it as 10 updates of 100,000 bytes.
    chunk = b'a' * 100000
    obj = SHA256.new()
    for _ in range(10):
        obj.update(chunk)
    assert obj.digest() == unhex('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0')
    obj = Sha384Pure()
    for _ in range(10):
        obj.update(chunk)
    assert obj.digest() == unhex('9d0e1809716474cb086e834e310a4a1ced149e9c00f248527972cec5704c2a5b'
                                 '07b8b3dc38ecc4ebae97ddd87f3d8985')


_PATTERN = bytes((i * 7 + 3) & 255 for i in range(260))
# SHA-256 over the concatenated hashlib.sha384(_PATTERN[:n]) for n = 0..260 (CPython 3.11 hashlib,
# i.e. OpenSSL): one number that pins the pure SHA-384 at every padding boundary
# (111/112/127/128/239/240/255/256 bytes) on runtimes that have no reference SHA-384.
_ALL_LENGTHS_DIGEST = '270cc798c2ad57e474cfbc04ea943eb4cd95e1846eae6cd0622b61c47bf7a5e1'


def test_sha384_pure_every_length_0_to_260():
    acc = SHA256.new()
    for n in range(261):
        acc.update(Sha384Pure(_PATTERN[:n]).digest())
    assert acc.digest() == unhex(_ALL_LENGTHS_DIGEST)


def test_sha384_pure_chunked_updates_match_one_shot():
    # Every length 0..260 fed in chunks that straddle the 128-byte block in different ways,
    # including empty updates and a memoryview (the engine hashes views of its buffers).
    for n in range(261):
        msg = _PATTERN[:n]
        want = Sha384Pure(msg).digest()
        for size in (1, 63, 127, 128, 129):
            if size == 1 and n % 16:
                continue   # byte-at-a-time on every 16th length keeps MicroPython fast
            obj = Sha384Pure()
            for i in range(0, n, size):
                obj.update(msg[i:i + size])
                obj.update(b'')
            assert obj.digest() == want, (n, size)
        obj = Sha384Pure()
        obj.update(memoryview(msg)[:n // 3])
        obj.update(memoryview(msg)[n // 3:])
        assert obj.digest() == want


def test_sha384_pure_digest_does_not_break_object():
    # The pure digest() works on a copy of the state; callers must not depend on it, but it must
    # not corrupt anything either.
    obj = Sha384Pure(b'ab')
    obj.digest()
    obj.update(b'c')
    assert obj.digest() == unhex(SHA384_KAT[1][1])
