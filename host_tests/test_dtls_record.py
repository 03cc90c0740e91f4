"""Record layer: AEAD protection of every suite, the 64-record replay window, and bad or
replayed records on a live session being dropped and counted, never fatal."""
from dtls_lite import record, suites
from dtls_lite.record import REPLAY_WINDOW
from dtls_sim import Pair


def _keys(suite):
    from dtls_lite.crypto import aead
    key = bytes(range(suite[4]))
    iv = bytes(range(100, 100 + suite[5]))
    # the same key and IV both ways, so one side's write state opens its own records
    return aead.new(suite[3], key), record.new_rec(iv, iv)


def test_protect_unprotect_every_suite():
    for suite in suites.SUITES:
        a, rec = _keys(suite)
        buf = bytearray(200)
        out = bytearray(200)
        for i, payload in enumerate((b'', b'hello', bytes(range(100)))):
            n = record.seal(a, suite, rec, i, buf, 0, record.CT_APPLICATION_DATA, payload)
            assert n == record.overhead(suite) + len(payload), suite[1]
            ctype, version, epoch, seq, length = record.parse_header(buf, 0)
            assert (ctype, version, epoch, seq, length) == (23, 0xFEFD, 1, i, n - 13)
            if suite[6]:
                # RFC 6655/5288: the explicit nonce is epoch||seq, sent after the header
                assert bytes(buf[13:21]) == bytes(buf[3:11])
            m = record.open_into(a, suite, rec, bytes(buf[:n]), 0, length, out)
            assert m == len(payload) and bytes(out[:m]) == payload, suite[1]


def test_tampering_is_detected():
    for suite in suites.SUITES:
        a, rec = _keys(suite)
        buf = bytearray(100)
        n = record.seal(a, suite, rec, 5, buf, 0, record.CT_APPLICATION_DATA, b'attack at dawn')
        good = bytes(buf[:n])
        out = bytearray(100)
        for i in (0, 2, 4, 10, 13, n - 1):   # type, version, epoch, seq (AAD), nonce, tag
            bad = bytearray(good)
            bad[i] ^= 1
            assert record.open_into(a, suite, rec, bytes(bad), 0, n - 13, out) == -1, (suite[1], i)
        assert record.open_into(a, suite, rec, good, 0, 3, out) == -1    # shorter than the tag
        assert record.open_into(a, suite, rec, good, 0, n - 13, out) == 14


class _Window:
    def __init__(self):
        self.rec = record.new_rec(b'', b'')
        self.top = -1

    def ok(self, seq):
        return record.replay_ok(self.rec, self.top, seq)

    def mark(self, seq):
        self.top = record.mark(self.rec, self.top, seq)


def test_replay_window_edges():
    rd = _Window()
    assert rd.ok(0)
    rd.mark(0)
    assert not rd.ok(0)
    rd.mark(100)
    assert rd.ok(37)                          # 100 - 63: the oldest inside the window
    assert not rd.ok(36)                      # 100 - 64: outside
    assert not rd.ok(100)
    assert rd.ok(99) and rd.ok(101)
    rd.mark(37)
    assert not rd.ok(37)
    rd.mark(101)                              # slides by one: 37 leaves the window
    assert not rd.ok(37) and rd.ok(38) and not rd.ok(100)
    top = 101 + REPLAY_WINDOW + 10
    rd.mark(top)                              # a jump beyond the window clears it
    for s in range(top - 63, top):
        assert rd.ok(s)
    assert not rd.ok(top)
    # bits reused modulo 64 are cleared when the window slides over them
    rd.mark(top + 64 - 1)
    assert rd.ok(top + 1) and not rd.ok(top + 63)


def test_replay_window_48_bit_numbers():
    rd = _Window()
    top = (1 << 48) - 1
    rd.mark(top - 5)
    rd.mark(top)
    assert not rd.ok(top) and not rd.ok(top - 5) and rd.ok(top - 4)


def test_header_round_trip_every_sequence_number_width():
    # the 48-bit sequence number is packed in 16-bit parts (no long ints on 32-bit boards):
    # every part must land in its place, up to the largest uint48
    buf = bytearray(13)
    for seq in (0, 1, 0xFFFF, 0x10000, 0x3FFFFFFF, 0x40000000, 0xFFFFFFFF, 0x100000000,
                0x123456789ABC, (1 << 48) - 1):
        record.write_header(buf, 0, 23, 1, seq, 300)
        assert bytes(buf[5:11]) == seq.to_bytes(6, 'big'), seq
        assert record.parse_header(buf, 0) == (23, 0xFEFD, 1, seq, 300), seq


def test_write_sequence_exhaustion_refused():
    suite = suites.SUITES[0]
    a, rec = _keys(suite)
    buf = bytearray(64)
    assert record.seal(a, suite, rec, (1 << 48) - 1, buf, 0, 23, b'x') > 0   # the last one
    assert record.seal(a, suite, rec, 1 << 48, buf, 0, 23, b'x') == -1      # never wraps


def test_bad_mac_and_replay_dropped_and_counted():
    pair = Pair(seed=3)
    assert pair.handshake()
    sent = []
    pair.tamper = lambda src, dst, data: sent.append(data)     # capture, deliver nothing
    pair.client.write(pair.server_addr, b'one')
    good = sent[-1]
    bad = bytearray(good)
    bad[-1] ^= 0x80
    pair.server.handle_message(pair.client_addr, bytes(bad))
    assert pair.server.stats['bad_mac'] == 1
    pair.server.handle_message(pair.client_addr, good)
    assert pair.received['server'] == [b'one']               # the bad copy did not burn the seq
    pair.server.handle_message(pair.client_addr, good)        # a replay
    assert pair.server.stats['replayed'] == 1
    assert pair.received['server'] == [b'one']
    assert pair.server.peer(pair.client_addr).connected       # neither is fatal
    pair.tamper = None
    pair.client.write(pair.server_addr, b'two')
    pair.run()
    assert pair.received['server'] == [b'one', b'two']
    # garbage of every length never raises and never closes the session, nor does anything
    # unauthenticated (epoch 0) of any content type, well-formed or not
    for n in range(0, 40):
        pair.server.handle_message(pair.client_addr, good[:n])
        pair.server.handle_message(pair.client_addr, bytes(n))
    for ctype in (20, 21, 22, 23, 99):
        for payload in (b'', b'\x01', b'\x02\x28', b'\x01' * 12, b'\x14' + bytes(30)):
            buf = bytearray(64)
            n = record.write_plain(buf, 0, ctype, 0, 9, payload)
            pair.server.handle_message(pair.client_addr, bytes(buf[:n]))
            pair.client.handle_message(pair.server_addr, bytes(buf[:n]))
    assert pair.server.peer(pair.client_addr).connected
    assert pair.client.peer(pair.server_addr).connected


# What only MicroPython can measure: pytest reports these as skipped (conftest.py).
MICROPYTHON_ONLY = {
    'test_seal_into_preallocated_buffer_allocates_nothing': 'micropython.heap_lock',
    'test_open_into_does_not_copy_the_record_again': 'gc.mem_alloc (CPython\'s pure AES copies anyway)',
}


def test_seal_into_preallocated_buffer_allocates_nothing():
    """MicroPython: the per-record send path (record.seal with the Context's preallocated
    buffer views) runs under heap_lock, which makes any allocation raise."""
    try:
        import micropython
    except ImportError:
        return      # CPython has no heap lock; the same code path runs in the other tests
    suite = suites.by_name('TLS_PSK_WITH_AES_128_CCM_8')
    a, rec = _keys(suite)
    buf = bytearray(200)
    tail = memoryview(buf)[21:]
    payload = bytes(64)
    for seq in range(3):                       # warm-up: the AEAD caches its scratch views
        record.seal(a, suite, rec, seq, buf, 0, 23, payload, tail)
    micropython.heap_lock()
    try:
        n = record.seal(a, suite, rec, 5, buf, 0, 23, payload, tail)
    finally:
        micropython.heap_unlock()
    assert n == 13 + 8 + 64 + 8


def test_open_into_does_not_copy_the_record_again():
    """MicroPython: opening a 1000-byte record into the receive buffer allocates far less than
    the record (the ciphertext goes into `out` through a memoryview, not a bytes slice)."""
    try:
        import gc
        gc.mem_alloc
    except AttributeError:
        return      # CPython's gc has no allocation counter; the same path runs in the other tests
    suite = suites.by_name('TLS_PSK_WITH_AES_128_CCM_8')
    a, rec = _keys(suite)
    buf = bytearray(1100)
    out = bytearray(1100)
    n = record.seal(a, suite, rec, 5, buf, 0, 23, bytes(1000))
    data = bytes(buf[:n])
    for _ in range(3):                         # warm-up: the AEAD caches its scratch views
        record.open_into(a, suite, rec, data, 0, n - 13, out)
    gc.collect()
    before = gc.mem_alloc()
    m = record.open_into(a, suite, rec, data, 0, n - 13, out)
    used = gc.mem_alloc() - before
    assert m == 1000 and out[:m] == bytes(1000)
    assert used < 256, used
