"""AEAD ciphers (dtls_lite.crypto.aead and the modes under it): RFC / spec known answers,
in-place round trips, bad-tag behaviour and the Wycheproof suites.
"""
from support import unhex, MICROPYTHON, wycheproof_tests
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
    for lean in (False, True):
        c = AESCCM(_RFC3610_KEY, 8, 13, lean)  # one object for all three: CBC chaining must cancel
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


def _roundtrip_in_place(name, key, lengths, lean=False):
    rng = SeededRng(name)
    a = aead.new(name, key, lean)
    b = aead.new(name, key, not lean)  # the other form must interoperate
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


def _bad_tag(name, key, lean=False):
    rng = SeededRng(name + 'bad')
    a = aead.new(name, key, lean)
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


def test_ccm8_lean_roundtrip_in_place_and_bad_tag():
    _roundtrip_in_place('AES_128_CCM_8', bytes(range(16)), _LENGTHS, True)
    _bad_tag('AES_128_CCM_8', bytes(range(16)), True)


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


# ---- AES-GCM: McGrew & Viega, "The Galois/Counter Mode of Operation", test cases 3, 4, 5 ----
_GCM_KEY = unhex('feffe9928665731c6d6a8f9467308308')
_GCM_P = unhex('d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72'
               '1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255')
_GCM_C = unhex('42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e'
               '21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985')
_GCM_A = unhex('feedfacedeadbeeffeedfacedeadbeefabaddad2')


def test_gcm_spec_test_cases_3_4_5():
    g = aead.new('AES_128_GCM', _GCM_KEY)
    iv = unhex('cafebabefacedbaddecaf888')
    # Test Case 3: 64-byte plaintext, no AAD.
    assert g.seal(iv, b'', _GCM_P) == _GCM_C + unhex('4d5c2af327cd64a62cf35abd2ba6fab4')
    # Test Case 4: 60-byte plaintext, 20 bytes of AAD.
    sealed = g.seal(iv, _GCM_A, _GCM_P[:60])
    assert sealed == _GCM_C[:60] + unhex('5bc94fbc3221a5db94fae95ae7121a47')
    assert g.open(iv, _GCM_A, sealed) == _GCM_P[:60]
    # Test Case 5: 8-byte IV (J0 through GHASH; only the tag is checked here).
    from dtls_lite.crypto.gcm import AESGCM
    assert AESGCM(_GCM_KEY).seal(unhex('cafebabefacedbad'), _GCM_A, _GCM_P[:60])[60:] == \
        unhex('3612d2e79e3b0785561be14aaca2fccb')


def test_gcm_roundtrip_in_place_and_bad_tag():
    _roundtrip_in_place('AES_128_GCM', bytes(range(16)), _LENGTHS)
    _roundtrip_in_place('AES_256_GCM', bytes(range(32)), (0, 17, 100))
    _bad_tag('AES_128_GCM', bytes(range(16)))


# ---- ChaCha20-Poly1305: RFC 8439 §2.3.2 block function and §2.8.2 AEAD vector ----
def test_chacha20_block_rfc8439_2_3_2():
    from dtls_lite.crypto import _aead_chacha_py
    impls = [_aead_chacha_py.chacha20_blocks]
    if MICROPYTHON:  # the active (viper) kernel
        from dtls_lite.crypto import chacha20poly1305
        impls.append(chacha20poly1305.chacha20_blocks)
    expected = unhex('10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e'
                     'd2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e')
    for blocks in impls:
        st = bytearray(b'expand 32-byte k' + bytes(range(32)) + unhex('01000000000000090000004a00000000'))
        out = bytearray(128)
        blocks(out, st, 2, 0xFFFFFFFF)
        assert bytes(out[:64]) == expected
        assert st[48:52] == b'\x03\x00\x00\x00'  # counter advanced by 2
    if MICROPYTHON:  # the viper path must agree with the plain one across many blocks
        st1 = bytearray(b'expand 32-byte k' + bytes(range(7, 39)) + unhex('feffffff000000000000000000000001'))
        st2 = bytearray(st1)
        a, b = bytearray(64 * 5), bytearray(64 * 5)
        impls[0](a, st1, 5, 0xFFFFFFFF)
        impls[1](b, st2, 5, 0xFFFFFFFF)
        assert a == b and st1 == st2  # including the 32-bit counter wrap


def test_chacha20_poly1305_rfc8439_2_8_2():
    key = bytes(range(0x80, 0xa0))
    nonce = unhex('070000004041424344454647')
    aad = unhex('50515253c0c1c2c3c4c5c6c7')
    pt = (b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for "
          b"the future, sunscreen would be it.")
    ct = unhex('d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6'
               '3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36'
               '92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc'
               '3ff4def08e4b7a9de576d26586cec64b6116')
    tag = unhex('1ae10b594f09e26a7e902ecbd0600691')
    c = aead.new('CHACHA20_POLY1305', key)
    assert c.tag_len == 16 and c.key_len == 32
    assert c.seal(nonce, aad, pt) == ct + tag
    assert c.open(nonce, aad, ct + tag) == pt


def test_chacha20_poly1305_roundtrip_in_place_and_bad_tag():
    _roundtrip_in_place('CHACHA20_POLY1305', bytes(range(32)), _LENGTHS)
    _bad_tag('CHACHA20_POLY1305', bytes(range(32)))


def test_seal_into_and_open_into_do_not_allocate():
    # On MicroPython the record path is kernels over preallocated buffers and cached scratch
    # views: with the heap locked any allocation raises (a good tag and a bad one both opened).
    for name, klen in (('AES_128_CCM_8', 16), ('AES_128_GCM', 16), ('CHACHA20_POLY1305', 32)):
        c = aead.new(name, bytes(range(klen)))
        nonce, aad = bytes(12), bytes(13)
        n = 300 + c.tag_len
        buf = bytearray(n)
        c.seal_into(nonce, aad, buf, 300)  # records of a new size: grow the scratch, cache views
        buf[0:300] = bytes(300)
        c.seal_into(nonce, aad, buf, 300)  # (a second one: the cache may have been full)
        expected = bytes(buf)
        buf = bytearray(n)
        opened = bytearray(expected)
        bad = bytearray(expected)
        bad[n - 1] ^= 1
        if MICROPYTHON:
            import micropython
            micropython.heap_lock()
        try:
            c.seal_into(nonce, aad, buf, 300)
            r_ok = c.open_into(nonce, aad, opened, n)
            r_bad = c.open_into(nonce, aad, bad, n)
        finally:
            if MICROPYTHON:
                micropython.heap_unlock()
        assert bytes(buf) == expected, name
        assert r_ok == 300 and opened[0:300] == bytes(300), name
        assert r_bad == -1, name


def test_record_size_bound():
    # Records up to MAX_RECORD (2^14 + 2048) work; longer ones are refused by seal (ValueError)
    # and can never open (-1), so the shared scratch buffer stays bounded.
    from dtls_lite.crypto._aead_ops import MAX_RECORD
    for name, klen in (('AES_128_CCM_8', 16), ('AES_128_GCM', 16), ('CHACHA20_POLY1305', 32)):
        c = aead.new(name, bytes(range(klen)))
        n = MAX_RECORD
        buf = bytearray(n + 1 + c.tag_len)
        buf[n - 1] = 7
        assert c.seal_into(bytes(12), b'', buf, n) == n + c.tag_len
        assert c.open_into(bytes(12), b'', buf, n + c.tag_len) == n and buf[n - 1] == 7
        try:
            c.seal_into(bytes(12), b'', buf, n + 1)
        except ValueError:
            pass
        else:
            raise AssertionError(name + ' sealed an over-long record')
        assert c.open_into(bytes(12), b'', buf, n + 1 + c.tag_len) == -1


def test_any_buffer_type_for_key_nonce_aad():
    # The engine slices keys and nonces out of larger buffers: bytearray/memoryview must work.
    for name in aead.NAMES:
        klen = 32 if '256' in name or 'CHACHA' in name else 16
        ref = aead.new(name, bytes(range(klen))).seal(bytes(12), b'a', b'hello')
        for key in (bytearray(range(klen)), memoryview(bytes(range(klen)))):
            c = aead.new(name, key)
            assert c.seal(memoryview(bytes(12)), memoryview(b'a'), memoryview(b'hello')) == ref, name
            assert c.open(bytearray(12), bytearray(b'a'), memoryview(ref)) == b'hello', name


# ---- buffer kernels: the viper ones (MicroPython) against the plain ones ----
def test_viper_kernels_active():
    # Every kernel set runs as native code on MicroPython (the unix port has the native emitter,
    # like the ESP32 and RP2 ports): a silent fall back to the plain kernels would be a 25x
    # slowdown that no result would show. On CPython all of them are the plain ones.
    for name in ('AES_128_CCM_8', 'AES_128_GCM', 'CHACHA20_POLY1305'):
        aead.new(name, bytes(32 if 'CHACHA' in name else 16))
    from dtls_lite.crypto import _aead_ops
    want = 'viper' if MICROPYTHON else 'python'
    assert _aead_ops.KERNELS == {'ops': want, 'ghash': want, 'chacha': want}, \
        (_aead_ops.KERNELS, _aead_ops.native_error)


def _kernel_results(k, a, b, doff, soff):
    x = bytearray(a)
    k.xor_into(x, doff, b, soff, 250)
    k.copy_into(x, 260, b, soff, 30)
    k.fill_zero(x, 0, 2)
    out = [bytes(x)]
    for shift in (0, 1):  # aligned and unaligned counter buffers
        ctr = memoryview(bytearray(16 * 4 + 1))[shift:shift + 64]
        ctr[0:16] = unhex('00112233445566778899aabbfffffffe')
        k.ctr_fill(ctr, ctr, 4)
        out.append(bytes(ctr))
    return out


def test_kernels_fall_back_when_native_compile_fails():
    # A MicroPython built without the native emitter rejects viper source with SyntaxError
    # ("invalid micropython decorator"); kernels() must then hand out the plain-Python set,
    # say so in KERNELS / native_error, and still drop the source module.
    import sys
    from dtls_lite.crypto import _aead_ops, _aead_py

    class Source:
        SOURCE = ('@micropython.no_such_emitter\ndef xor_into(d, o, s, so, n):\n    pass\n',)
    full = 'dtls_lite.crypto._aead_probe_viper'
    sys.modules[full] = Source()
    saved = _aead_ops.native_error
    try:
        ns = _aead_ops.kernels('probe', '_aead_probe_viper', '_aead_py')
        assert ns['xor_into'] is _aead_py.xor_into and _aead_ops.KERNELS['probe'] == 'python'
        if MICROPYTHON:
            assert isinstance(_aead_ops.native_error, SyntaxError), _aead_ops.native_error
            assert full not in sys.modules
        # An install without the source module gets the plain kernels too.
        ns = _aead_ops.kernels('probe', '_aead_missing_viper', '_aead_py')
        assert ns['ctr_fill'] is _aead_py.ctr_fill and _aead_ops.KERNELS['probe'] == 'python'
        if MICROPYTHON:
            assert isinstance(_aead_ops.native_error, ImportError), _aead_ops.native_error
    finally:
        sys.modules.pop(full, None)
        _aead_ops.KERNELS.pop('probe', None)
        _aead_ops.native_error = saved


def test_kernels_agree():
    from dtls_lite.crypto import _aead_py
    impls = [_aead_py]
    if MICROPYTHON:  # the active (viper) kernels
        from dtls_lite.crypto import _aead_ops
        impls.append(_aead_ops)
    rng = SeededRng(b'kernels')
    a, b = rng(300), rng(300)
    # Odd offsets take the byte loops, multiples of 4 the 32-bit word loops of the viper path.
    for doff, soff in ((3, 7), (4, 8), (8, 5)):
        results = [_kernel_results(k, a, b, doff, soff) for k in impls]
        x, ctr, ctr_odd = results[0]
        assert x[0:2] == b'\x00\x00' and x[2] == a[2]
        assert x[doff:doff + 250] == bytes(a[doff + i] ^ b[soff + i] for i in range(250))
        assert x[260:290] == b[soff:soff + 30]
        assert ctr[16:32] == unhex('00112233445566778899aabbffffffff')
        assert ctr[32:48] == unhex('00112233445566778899aabb00000000')  # inc32 wraps mod 2^32
        assert ctr[48:64] == unhex('00112233445566778899aabb00000001')
        assert ctr_odd == ctr
        for other in results[1:]:
            assert other == results[0]


def test_ghash_kernels_agree():
    # GHASH on both kernel sets (viper words vs 128-bit ints): same state after several blocks.
    from dtls_lite.crypto import _aead_py
    from dtls_lite.crypto.gcm import _h_multiples
    impls = [_aead_py]
    if MICROPYTHON:  # the active (viper) kernels
        from dtls_lite.crypto import gcm
        impls.append(gcm)
    rng = SeededRng(b'ghash')
    h, data = int.from_bytes(rng(16), 'big'), rng(16 * 5)
    states = []
    for k in impls:
        y = bytearray(16)
        k.ghash_blocks(y, k.ghash_table(_h_multiples(h)), data, 16, 64)
        states.append(bytes(y))
    # Known answer for one block: (0 ^ X) * H with H = 1 (the block 80 00..00) is X itself.
    for k in impls:
        y = bytearray(16)
        k.ghash_blocks(y, k.ghash_table(_h_multiples(1 << 127)), data, 0, 16)
        assert bytes(y) == data[0:16]
    assert states[0] != bytes(16) and all(st == states[0] for st in states)


# ---- Wycheproof (../shared/vectors/wycheproof): every test of every group, on both runtimes
# (the three files take ~0.4 s under MicroPython, so no sampling is needed) ----
def _run_wycheproof(fname, make):
    checked = rejected = total = 0
    for group, t in wycheproof_tests(fname):
        total += 1
        key, iv, aad = unhex(t['key']), unhex(t['iv']), unhex(t['aad'])
        msg, expected = unhex(t['msg']), unhex(t['ct'] + t['tag'])
        valid = t['result'] == 'valid'
        label = '%s #%d' % (fname, t['tcId'])
        try:
            obj = make(key, group['tagSize'] // 8, len(iv))
            sealed = obj.seal(iv, aad, msg)
        except ValueError:
            # Unsupported or invalid parameters (tag or nonce size): only ever for invalid tests.
            assert not valid, label
            rejected += 1
            continue
        opened = obj.open(iv, aad, expected)
        if valid:
            assert sealed == expected, label
            assert opened == msg, label
        else:
            assert opened is None, label
        checked += 1
    assert checked > 0 and checked + rejected == total
    return checked, rejected


def _ccm_make(key, tag_len, nonce_len):
    return AESCCM(key, tag_len, nonce_len)


def _gcm_make(key, tag_len, nonce_len):
    from dtls_lite.crypto.gcm import AESGCM
    return AESGCM(key, tag_len)


def _chacha_make(key, tag_len, nonce_len):
    from dtls_lite.crypto.chacha20poly1305 import ChaCha20Poly1305
    if tag_len != 16:
        raise ValueError('tag length')
    return ChaCha20Poly1305(key)


def test_wycheproof_aes_ccm():
    checked, rejected = _run_wycheproof('aes_ccm_test.json', _ccm_make)
    assert (checked, rejected) == (486, 66)  # the file has invalid nonce and tag sizes; they must be refused


def test_wycheproof_aes_gcm():
    checked, rejected = _run_wycheproof('aes_gcm_test.json', _gcm_make)
    assert (checked, rejected) == (310, 6)  # the zero-length IVs


def test_wycheproof_chacha20_poly1305():
    checked, rejected = _run_wycheproof('chacha20_poly1305_test.json', _chacha_make)
    assert (checked, rejected) == (316, 9)  # the nonces that are not 12 bytes
