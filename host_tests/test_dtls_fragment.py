"""Handshake fragmentation and reassembly: out of order, duplicated, overlapping, bounded."""
from dtls_lite import fragment as fr
from dtls_lite.errors import Fault, DECODE_ERROR, HANDSHAKE_FAILURE


def _frags(msg, cuts):
    """Fragments of a whole message at the given (offset, size) pieces."""
    return [fr.fragment(msg, off, size) for off, size in cuts]


def _feed(ra, frag):
    f = fr.parse_fragment(frag, 0, len(frag))
    return ra.add(f[0], f[1], f[2], f[3], f[4], frag, fr.HS_HEADER_LEN)


def test_fragment_header_fields():
    msg = fr.message(fr.CLIENT_HELLO, 3, bytes(range(100)))
    f = fr.fragment(msg, 40, 20)
    assert f[:12] == bytes((1, 0, 0, 100, 0, 3, 0, 0, 40, 0, 0, 20))
    assert f[12:] == bytes(range(40, 60))
    assert fr.parse_fragment(f, 0, len(f)) == (1, 100, 3, 40, 20)


def test_parse_fragment_rejects_bad_bounds():
    msg = fr.message(fr.CLIENT_HELLO, 0, bytes(10))
    for bad in (msg[:11], msg[:-1]):
        try:
            fr.parse_fragment(bad, 0, len(bad))
            raise AssertionError('accepted')
        except Fault as f:
            assert f.alert == DECODE_ERROR
    past = bytearray(msg)
    past[8] = 5                               # offset 5 + length 10 > message length 10
    try:
        fr.parse_fragment(bytes(past), 0, len(past))
        raise AssertionError('accepted')
    except Fault as f:
        assert f.alert == DECODE_ERROR


def test_out_of_order_duplicate_overlapping():
    body = bytes(range(200))
    msg = fr.message(fr.SERVER_HELLO, 1, body)
    ra = fr.Reassembler(1, 4096)
    pieces = _frags(msg, [(150, 50), (0, 60), (40, 70), (0, 60), (100, 60)])
    for i, p in enumerate(pieces):
        assert ra.pop() is None
        assert _feed(ra, p) == 1
    assert ra.pop() == (fr.SERVER_HELLO, 1, body)
    assert ra.pop() is None
    assert _feed(ra, pieces[0]) == 0          # a copy of a delivered message: retransmission


def test_messages_delivered_in_sequence():
    ra = fr.Reassembler(0, 4096)
    m0 = fr.message(fr.SERVER_HELLO, 0, b'a' * 10)
    m1 = fr.message(fr.SERVER_KEY_EXCHANGE, 1, b'b' * 5)
    m2 = fr.message(fr.SERVER_HELLO_DONE, 2, b'')
    assert _feed(ra, m2) == 1 and _feed(ra, m1) == 1
    assert ra.pop() is None                   # 0 still missing
    assert _feed(ra, m0) == 1
    assert [ra.pop()[1] for _ in range(3)] == [0, 1, 2]
    assert ra.pop() is None and not ra.busy()


def test_bounds():
    ra = fr.Reassembler(0, 1000)
    far = fr.message(fr.FINISHED, fr.MAX_PENDING_MESSAGES, b'x')
    assert _feed(ra, far) == -1               # too far ahead: dropped, not buffered
    assert not ra.busy()
    big = fr.fragment(fr.message(fr.CERTIFICATE, 0, bytes(1001)), 0, 10)
    try:
        _feed(ra, big)
        raise AssertionError('accepted')
    except Fault as f:
        assert f.alert == HANDSHAKE_FAILURE
    a = fr.fragment(fr.message(fr.SERVER_HELLO, 0, bytes(20)), 0, 10)
    b = fr.fragment(fr.message(fr.SERVER_HELLO, 0, bytes(30)), 10, 10)   # other length
    assert _feed(ra, a) == 1
    assert _feed(ra, b) == 1                  # inconsistent with the first: starts over
    assert len(ra.pending) == 1 and len(ra.pending[0].body) == 30
    assert ra.pop() is None


def test_memory_budget_for_messages_ahead():
    ra = fr.Reassembler(0, 1000)
    big = [fr.fragment(fr.message(fr.CERTIFICATE, i, bytes(600)), 0, 10) for i in range(4)]
    assert _feed(ra, big[1]) == 1             # 600 bytes ahead of the next message: fits
    assert _feed(ra, big[2]) == -1            # another 600 ahead would exceed max_message
    assert _feed(ra, big[0]) == 1             # the next message in order always has room
    assert sum(len(p.body) for p in ra.pending) == 1200
    whole = [fr.message(fr.CERTIFICATE, i, bytes(600)) for i in range(4)]
    for i in range(4):                        # the peer's retransmissions complete it all
        for m in whole:
            _feed(ra, m)
        got = ra.pop()
        assert got is not None and got[1] == i
    assert ra.pop() is None and not ra.busy()


def test_empty_message_completes_at_once():
    ra = fr.Reassembler(4, 100)
    assert _feed(ra, fr.message(fr.SERVER_HELLO_DONE, 4, b'')) == 1
    assert ra.pop() == (fr.SERVER_HELLO_DONE, 4, b'')


def test_pieces_of_one_message_are_bounded():
    # Empty or 1-byte fragments 2 bytes apart used to leave one (start, end) piece each:
    # thousands for one 2 KB message (hundreds of KB of tuples, seconds of sorting a datagram
    # on MicroPython), before any cookie. Empty fragments now take nothing, and a piece beyond
    # MAX_PIECES is dropped (-1) until the gaps fill.
    body = bytes(range(256)) * 8
    msg = fr.message(fr.CERTIFICATE, 0, body)
    ra = fr.Reassembler(0, 4096)
    for off in range(0, 2048, 2):
        _feed(ra, fr.fragment(msg, off, 0))
    assert ra.pending[0].ranges == []
    odd = [_feed(ra, fr.fragment(msg, off, 1)) for off in range(1, 2048, 2)]
    assert odd[:fr.MAX_PIECES] == [1] * fr.MAX_PIECES and set(odd[fr.MAX_PIECES:]) == {-1}
    assert len(ra.pending[0].ranges) == fr.MAX_PIECES
    # the whole message (a retransmission) still completes it; so do in-order pieces
    assert _feed(ra, msg) == 1 and ra.pop() == (fr.CERTIFICATE, 0, body)
    ra = fr.Reassembler(0, 4096)
    for off in range(0, 2048, 100):
        assert _feed(ra, fr.fragment(msg, off, min(100, 2048 - off))) == 1
    assert ra.pop() == (fr.CERTIFICATE, 0, body)
