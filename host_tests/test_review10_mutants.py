"""Review R10 by hand mutation testing: 132 deliberate bugs in what the R9 rounds did not
cover (the AEAD modes and aead.new, HMAC/PRF/HKDF, ec.py's and x25519's checks, ECDSA's DER,
the record layer's replay window, nonces and AAD, the Reassembler, x509 keys and PEM, the
chain's time and path checks, and session 10's Context/engine changes: the drains in finally
blocks, the timer re-arm, now_clock, the heap-out safety net, sequence-number limits, the CCS
acceptance). The suite killed 97, 13 were equivalent; these tests kill the other 22 (the
Reassembler's budgets off by one, the ahead budget charged for the next message, 64 KiB
lengths in the retransmission match, scratch growth from oversized records, lean CCM ignored,
wrong-length rng and DER edge cases, key-file versions and the hybrid point form, the 2025
clock bound, a junk datagram postponing the retransmission, output of a raising call left in
the shared queue). Each docstring names its mutant. Portable: plain test_* functions with
assert, run by pytest and by tools/mp_test.py."""
import dtls_lite
from dtls_lite import fragment as fr
from dtls_lite.crypto import aead, ec
from dtls_lite.crypto import _aead_ops
from dtls_lite.crypto.util import SeededRng
from dtls_lite.x509 import keys
from dtls_lite.x509.chain import Verifier
from dtls_lite.x509.errors import CertificateError
import test_x509_fixtures as fx

_BAD_CERTIFICATE = 42
_UNSUPPORTED_CERTIFICATE = 43


def _alert(fn, *args, **kw):
    try:
        fn(*args, **kw)
    except CertificateError as e:
        return e.alert
    return None


def _raises(exc, fn, *args):
    try:
        fn(*args)
    except exc:
        return True
    return False


# --- Reassembler ----------------------------------------------------------------------------

def test_reassembler_takes_a_message_of_exactly_max_message():
    """fragment.Reassembler.add: `length > self.max_message` made `>=`: a message of exactly
    max_handshake_message bytes ("largest handshake message accepted") failed the handshake."""
    r = fr.Reassembler(0, 300)
    body = bytes(range(256)) + bytes(44)
    assert r.add(11, 300, 0, 0, 300, body, 0) == 1
    assert r.pop() == (11, 0, body)
    try:
        fr.Reassembler(0, 300).add(11, 301, 0, 0, 0, b'', 0)
    except dtls_lite.DTLSError:
        pass
    except Exception as e:  # noqa: B902 -- a Fault
        assert getattr(e, 'alert', None) == 40, e
    else:
        raise AssertionError('a message over max_message taken')


def test_reassembler_ahead_budget_takes_exactly_max_message():
    """Reassembler.add: `ahead > self.max_message` made `>=`: messages ahead of the next one
    "share another max_message bytes", all of them, not one byte less."""
    r = fr.Reassembler(0, 300)
    assert r.add(12, 200, 1, 0, 10, bytes(10), 0) == 1
    assert r.add(14, 100, 2, 0, 10, bytes(10), 0) == 1      # 200 + 100 = max_message
    assert r.add(15, 1, 3, 0, 1, b'x', 0) == -1               # one byte over


def test_reassembler_next_message_is_outside_the_ahead_budget():
    """Reassembler.add: the next message in order counted in the ahead budget too (the
    `p.seq != self.next_seq` filter dropped): "the next message in order may take up to
    max_message bytes; messages further ahead share another max_message bytes"."""
    r = fr.Reassembler(0, 300)
    assert r.add(11, 300, 0, 0, 10, bytes(10), 0) == 1        # the next one, partly here
    assert r.add(12, 300, 1, 0, 10, bytes(10), 0) == 1        # the one after it: its own budget


def test_reassembler_heads_keep_24_bit_lengths():
    """Reassembler.pop: the high byte of the 24-bit length dropped from `heads` (what a
    retransmitted copy of the peer's flight is matched against): a message of 64 KiB or more
    (max_handshake_message goes up to 2^24) never matched, so its retransmission was never
    answered."""
    n = 70000
    r = fr.Reassembler(0, 1 << 17)
    body = bytes(n)
    assert r.add(11, n, 0, 0, n, body, 0) == 1
    assert r.pop()[0] == 11
    assert r.heads == bytes((11, n >> 16, (n >> 8) & 255, n & 255)), r.heads


# --- AEAD -----------------------------------------------------------------------------------

def _fresh_scratch():
    # the shared scratch buffer back to its initial size (another test may have grown it)
    _aead_ops._buf = bytearray(256)
    _aead_ops._mv = memoryview(_aead_ops._buf)
    _aead_ops._views.clear()


def test_aead_new_lean_gives_the_one_aes_object_ccm():
    """aead.new: `lean` not passed on to AESCCM: `new(name, key, lean=True)` "asks for the
    smallest object" (one AES object instead of two) and got the big one."""
    lean = aead.new('AES_128_CCM_8', bytes(16), lean=True)
    full = aead.new('AES_128_CCM_8', bytes(16))
    assert lean._cbc is None and full._cbc is not None
    nonce = bytes(12)
    assert lean.seal(nonce, b'a', b'hello') == full.seal(nonce, b'a', b'hello')


def test_records_over_max_record_do_not_grow_the_scratch_buffer():
    """gcm / chacha20poly1305 open_into: the `c > MAX_RECORD` bound dropped: "It bounds the
    scratch buffer: a board never grows it past ~18.5 KB"; a peer's oversized record (never
    genuine: we seal none) grew it to the record's size, for good."""
    big = bytearray(_aead_ops.MAX_RECORD + 16 + 4096)
    _fresh_scratch()
    for name, klen in (('AES_128_GCM', 16), ('CHACHA20_POLY1305', 32), ('AES_128_CCM', 16)):
        c = aead.new(name, bytes(klen))
        assert c.open_into(bytes(12), b'', big, len(big)) == -1, name
        assert len(_aead_ops._buf) <= _aead_ops.MAX_RECORD + 512, (name, len(_aead_ops._buf))


def test_gcm_tag_shorter_than_4_bytes_refused():
    """gcm.AESGCM: `4 <= tag_len` made `1 <=`: "a tag of 4..16 bytes" (SP 800-38D §5.2.1.2)."""
    from dtls_lite.crypto.gcm import AESGCM
    for t in (0, 1, 2, 3, 17):
        assert _raises(ValueError, AESGCM, bytes(16), t), t
    assert AESGCM(bytes(16), 4).tag_len == 4


def test_prf_negative_length_refused():
    """hmac.prf: the `n < 0` check dropped: prf(..., -1) returned b'' (a caller's bad length
    passed for an empty key block)."""
    from dtls_lite.crypto import hmac
    from dtls_lite.crypto.sha2 import SHA256
    assert _raises(ValueError, hmac.prf, SHA256, b'secret', b'label', b'seed', -1)
    assert hmac.prf(SHA256, b'secret', b'label', b'seed', 0) == b''


# --- EC / ECDSA -----------------------------------------------------------------------------

def test_generate_key_refuses_a_wrong_length_rng_at_once():
    """ec.generate_key: `break` on a wrong-length rng output made `continue`: "one giving the
    wrong length: say so, do not spin"; the mutant went on and made a key from its next call."""
    calls = [0]

    def rng(n):
        calls[0] += 1
        return bytes((1,)) * (n - 1 if calls[0] == 1 else n)
    assert _raises(ValueError, ec.generate_key, ec.P256, rng)
    assert calls[0] == 1


def test_der_decode_zero_as_the_last_integer_is_value_error():
    """ecdsa._der_read_int: `n == 1 or` dropped from the leading-zero test: an INTEGER 0 as the
    last byte read past the end (IndexError); der_decode promises "ValueError on anything
    else"."""
    from dtls_lite.crypto import ecdsa
    assert _raises(ValueError, ecdsa.der_decode, bytes((0x30, 6, 2, 1, 1, 2, 1, 0)))
    assert _raises(ValueError, ecdsa.der_decode, bytes((0x30, 6, 2, 1, 0, 2, 1, 1)))
    assert ecdsa.der_decode(bytes((0x30, 6, 2, 1, 1, 2, 1, 2))) == (1, 2)


def test_der_decode_refuses_a_sequence_length_byte_of_0x80():
    """ecdsa.der_decode: `len(der) < 0x82` made `<=`: a SEQUENCE length byte 0x80 is BER's
    indefinite form, not a short-form length (X.690 §8.1.3); "long-form lengths" are refused."""
    from dtls_lite.crypto import ecdsa
    r = bytes((2, 62, 1)) + bytes(61)
    der = bytes((0x30, 0x80)) + r + r
    assert len(der) == 0x82
    assert _raises(ValueError, ecdsa.der_decode, der)


# --- x509 keys ------------------------------------------------------------------------------

def _key(odd=None):
    rng = SeededRng(b'r10 keys')
    while True:
        k = keys.EcPrivateKey.generate('p256', rng)
        if odd is None or (k.public_key.point[-1] & 1) == odd:
            return k


def _sec1(d, pub, version=1, params=True):
    from dtls_lite.x509.write import seq, tlv, integer
    parts = [integer(version), tlv(4, d)]
    if params:
        parts.append(tlv(0xa0, tlv(6, keys._CURVES[0][1])))
    if pub is not None:
        parts.append(tlv(0xa1, tlv(3, b'\x00' + pub)))
    return seq(*parts)


def _pkcs8(inner, version=0, public=None):
    from dtls_lite.x509.write import seq, tlv, integer
    from dtls_lite.x509.der import OID_EC_PUBLIC_KEY
    alg = seq(tlv(6, OID_EC_PUBLIC_KEY), tlv(6, keys._CURVES[0][1]))
    parts = [integer(version), alg, tlv(4, inner)]
    if public is not None:
        parts.append(tlv(0x81, b'\x00' + public))
    return seq(*parts)


def test_public_key_not_in_uncompressed_form_is_unsupported():
    """keys.EcPublicKey: the `point[0] != 4` test dropped: a hybrid (06/07) or other prefix
    of the right length fell to the curve check, bad_certificate 'not on the curve', instead
    of unsupported_certificate (RFC 5480 §2.2: only the uncompressed form is supported)."""
    point = _key().public_key.point
    for prefix in (6, 7, 5):
        assert _alert(keys.EcPublicKey, 'p256', bytes((prefix,)) + point[1:]) == _UNSUPPORTED_CERTIFICATE


def test_private_key_with_a_hybrid_public_key_of_odd_y_loads():
    """keys.EcPrivateKey: the hybrid form's parity bit dropped (`6 | odd` made `6`): a key
    written with `openssl ec -conv_form hybrid` whose Y is odd (prefix 07) was refused as not
    matching its own private key."""
    for odd in (0, 1):
        k = _key(odd)
        pub = bytes((6 | odd,)) + k.public_key.point[1:]
        loaded = keys.load_private_key(_sec1(k.d, pub))
        assert loaded.public_key == k.public_key, odd


def test_sec1_version_other_than_1_refused():
    """keys.parse_sec1: the `version != 1` check dropped (RFC 5915 §3: ecPrivkeyVer1(1))."""
    k = _key()
    assert keys.load_private_key(_sec1(k.d, k.public_key.point)).d == k.d
    for v in (0, 2):
        assert _alert(keys.parse_sec1, _sec1(k.d, k.public_key.point, v)) == _BAD_CERTIFICATE, v


def test_pkcs8_version_above_1_refused():
    """keys.parse_pkcs8: `version > 1` made `> 2`: RFC 5958 knows v1(0) and v2(1) only."""
    k = _key()
    inner = _sec1(k.d, k.public_key.point, params=False)
    assert keys.load_private_key(_pkcs8(inner, 0)).d == k.d
    assert _alert(keys.load_private_key, _pkcs8(inner, 2)) == _BAD_CERTIFICATE


def test_pkcs8_v2_with_its_public_key_loads():
    """keys.parse_pkcs8: `version == 1` made `== 0` before skipping [1] publicKey: a v2
    OneAsymmetricKey (RFC 5958 §2) carrying its public key was refused."""
    k = _key()
    inner = _sec1(k.d, None, params=False)
    loaded = keys.load_private_key(_pkcs8(inner, 1, k.public_key.point))
    assert loaded.d == k.d and loaded.public_key == k.public_key


# --- chain ----------------------------------------------------------------------------------

def test_a_clock_reading_exactly_2025_is_a_set_clock():
    """chain: `now < _MIN_PLAUSIBLE_TIME` made `<=`: the clock "FAILS CLOSED ... if the clock
    reads before 2025"; at 2025-01-01T00:00:00Z it is set, and the certificates (valid from
    2026) are judged on their dates: bad_certificate 'not yet valid', not certificate_unknown."""
    v = Verifier(anchors=fx.CA_CRT, clock=lambda: 1735689600)
    assert _alert(v.verify, [fx.SERVER_CRT]) == _BAD_CERTIFICATE
    v = Verifier(anchors=fx.CA_CRT, clock=lambda: 1735689599)
    assert _alert(v.verify, [fx.SERVER_CRT]) == 46


# --- Context / engine -----------------------------------------------------------------------

KEY = bytes(range(16))
CIPHERS = ['TLS_PSK_WITH_AES_128_CCM_8']


def _psk(ctx, s, kind, ident):
    return b'id' if kind == dtls_lite.PSK_IDENTITY else KEY if kind == dtls_lite.PSK_KEY else b''


def _client(clock):
    sent = []
    ctx = dtls_lite.Context(role='client', ciphers=CIPHERS, clock=clock, rng=SeededRng(b'c'))
    ctx.set_handler(lambda c, s, d: sent.append((s, bytes(d))) or len(d), None, None, _psk)
    return ctx, sent


def test_junk_datagrams_do_not_postpone_the_retransmission():
    """context.handle_message: the re-arm after a flight left (`hs.sent_ms == now`) taken for
    any datagram (`hs.sent_ms is not None`): each datagram received while a flight waits for
    its answer pushed the retransmit timer out again, so a peer (or anyone at its address)
    sending junk every 100 ms held off the retransmission for good. The clock moves 1 ms a
    reading, as a real one does during the work."""
    t = [0]

    def clock():
        t[0] += 1
        return t[0]
    ctx, sent = _client(clock)
    ctx.connect('S')
    assert len(sent) == 1
    for _ in range(15):                  # 1.5 s of junk, 100 ms apart
        t[0] += 100
        ctx.handle_message('S', b'\x17\xfe\xfd' + bytes(20))
        ctx.check_retransmit()
    assert len(sent) >= 2, sent           # the ClientHello went again after ~1 s


def _queue_then_raise(e):
    def f(*a):
        e.cfg.out.append((0, b'stale datagram', None))     # engine._OUT_DATAGRAM
        raise MemoryError
    return f


def test_timer_output_of_a_call_that_raised_is_drained():
    """context._timers: handle_timeout and the drain of its output no longer in try/finally:
    what the engine queued before raising stayed in the shared queue, for the next session's
    call to send to its own peer."""
    t = [0]
    ctx, sent = _client(lambda: t[0])
    ctx.connect('A')
    e = ctx._peers['A']
    e.handle_timeout = _queue_then_raise(e)
    t[0] = 60000
    try:
        ctx.check_retransmit(60000)
    except MemoryError:
        pass
    assert not ctx._cfg.out
    ctx.connect('B')
    assert ('B', b'stale datagram') not in sent, sent


def test_close_that_raises_still_drains_and_reaps():
    """context.close: e.close() moved out of the try whose finally drains and reaps: output it
    queued before raising stayed in the shared queue (sent to the next session's peer)."""
    ctx, sent = _client(lambda: 0)
    ctx.connect('A')
    e = ctx._peers['A']
    e.close = _queue_then_raise(e)
    try:
        ctx.close('A')
    except MemoryError:
        pass
    assert not ctx._cfg.out
    ctx.connect('B')
    assert ('B', b'stale datagram') not in sent, sent


class _FailingCopy(list):
    def __getitem__(self, i):
        raise MemoryError       # no heap for _drain's snapshot of the queue


def test_drain_without_heap_for_its_copy_clears_the_queue():
    """context._drain: `out.clear()` no longer in a finally around the snapshot: without heap
    for the copy, the queue kept this session's ClientHello for the next session's call."""
    ctx, sent = _client(lambda: 0)
    out = ctx._cfg.out = _FailingCopy()
    try:
        ctx.connect('A')
    except MemoryError:
        pass
    else:
        raise AssertionError('the snapshot did not fail')
    assert len(out) == 0
    ctx._cfg.out = [x for x in out]     # what it held, in a plain list again
    ctx.connect('B')
    assert [s for s, d in sent] == ['B'], sent
