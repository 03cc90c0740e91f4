"""Handshake message framing: the DTLS handshake header, fragmentation and reassembly.

    struct {                                     RFC 6347 §4.2.2
        HandshakeType msg_type;
        uint24 length;                           length of the whole body
        uint16 message_seq;
        uint24 fragment_offset;
        uint24 fragment_length;
        select (HandshakeType) { ... } body;     this fragment of it
    } Handshake;

Outgoing messages are kept whole (`message()`: offset 0, fragment_length = length, which is
also the form hashed into the Finished transcript, RFC 6347 §4.2.6) and cut by `fragment()` to
whatever room a datagram has. Incoming fragments go to a `Reassembler` that hands out complete
messages strictly in message_seq order, accepting them out of order, duplicated or overlapping,
within a bounded memory budget.
"""
from dtls_lite.compat import const
from dtls_lite.errors import Fault, decode_error

HS_HEADER_LEN = const(12)

# Handshake types (RFC 5246 §7.4, RFC 6347 §4.3.2).
HELLO_REQUEST = const(0)
CLIENT_HELLO = const(1)
SERVER_HELLO = const(2)
HELLO_VERIFY_REQUEST = const(3)
CERTIFICATE = const(11)
SERVER_KEY_EXCHANGE = const(12)
CERTIFICATE_REQUEST = const(13)
SERVER_HELLO_DONE = const(14)
CERTIFICATE_VERIFY = const(15)
CLIENT_KEY_EXCHANGE = const(16)
FINISHED = const(20)

# Messages buffered ahead of the next expected one: a whole flight of ours is at most 5
# messages (issue 4: Certificate..ServerHelloDone); anything further ahead is dropped and will
# come again with the peer's retransmission.
MAX_PENDING_MESSAGES = const(6)

_HANDSHAKE_FAILURE = const(40)    # errors.HANDSHAKE_FAILURE (a const folds only in its module)


def message(msg_type, message_seq, body):
    """A whole handshake message: header with fragment_offset 0, fragment_length = length."""
    n = len(body)
    hdr = bytes((msg_type, n >> 16, (n >> 8) & 0xff, n & 0xff, message_seq >> 8, message_seq & 0xff,
                 0, 0, 0, n >> 16, (n >> 8) & 0xff, n & 0xff))
    return hdr + body


def fragment(msg, offset, size):
    """The fragment [offset, offset+size) of a whole message from message(), with its header."""
    return (msg[0:6] + bytes((offset >> 16, (offset >> 8) & 0xff, offset & 0xff,
                              size >> 16, (size >> 8) & 0xff, size & 0xff))
            + msg[HS_HEADER_LEN + offset:HS_HEADER_LEN + offset + size])


def parse_fragment(data, pos, end):
    """(msg_type, length, message_seq, fragment_offset, fragment_length) at data[pos:end].

    Raises decode_error if the header is truncated, the fragment runs past the record, or
    it lies outside the message.
    """
    if end - pos < HS_HEADER_LEN:
        raise decode_error()        # a truncated handshake header
    d = data
    msg_type = d[pos]
    length = (d[pos + 1] << 16) | (d[pos + 2] << 8) | d[pos + 3]
    seq = (d[pos + 4] << 8) | d[pos + 5]
    off = (d[pos + 6] << 16) | (d[pos + 7] << 8) | d[pos + 8]
    flen = (d[pos + 9] << 16) | (d[pos + 10] << 8) | d[pos + 11]
    if pos + HS_HEADER_LEN + flen > end or off + flen > length:
        raise decode_error()        # past the record's end, or outside the message
    return msg_type, length, seq, off, flen


# Disjoint pieces of one message held at once. Fragments that arrive in order, or overlap,
# merge into one piece; out-of-order ones with gaps between them add a piece each. A fragment
# that would make one more is dropped (it comes again with the peer's retransmission, when
# the gaps have filled), so the bookkeeping stays as bounded as the body: without the bound,
# empty or 1-byte fragments 2 bytes apart made thousands of pieces (hundreds of KB, and
# seconds of sorting per datagram on MicroPython) for one 2 KB hello. 32: a 6.6 KB certificate
# message in 100-byte datagrams with half of them reordered peaks at 27 pieces (16 cost a
# retransmission round in most such handshakes).
MAX_PIECES = const(32)


class _Partial:
    def __init__(self, msg_type, length, seq):
        self.msg_type = msg_type
        self.seq = seq
        self.body = bytearray(length)
        self.ranges = []          # sorted, disjoint [start, end) pieces received

    def add(self, off, data, pos, n):
        """Take the n bytes data[pos:pos+n] at offset off; False (nothing taken) when they
        would be a piece beyond MAX_PIECES."""
        if not n:
            return True           # nothing to take (an empty message is complete as it is)
        merged = []
        s, e = off, off + n
        for a, b in self.ranges:
            if b < s or a > e:
                merged.append((a, b))
            else:
                s = min(s, a)
                e = max(e, b)
        if len(merged) >= MAX_PIECES:
            return False
        self.body[off:off + n] = data[pos:pos + n]
        merged.append((s, e))
        merged.sort()
        self.ranges = merged
        return True


class Reassembler:
    """In-order delivery of handshake messages from fragments.

    `add()` returns 1 for a fragment of a message we still need, 0 for one we already have
    (a retransmission by the peer: the engine may answer with its last flight, RFC 6347
    §4.2.4), and -1 for one ignored (too far ahead, over the memory budget, or a piece beyond
    MAX_PIECES), -2 for one of a message ahead that claims more than max_message (the next
    message doing so raises Fault(handshake_failure)). A fragment inconsistent with earlier
    ones (type or length) replaces them. Memory: the next message in order may take up to
    max_message bytes; messages further ahead share another max_message bytes (beyond that,
    partial messages further ahead than a new fragment's give way to it, furthest first, and
    what still does not fit is dropped and comes again with the peer's next retransmission),
    and each message is held in at most MAX_PIECES pieces. So a handshake never buffers more than
    2 * max_message, whatever the peer sends.
    """

    def __init__(self, next_seq, max_message):
        self.next_seq = next_seq
        self.max_message = max_message
        self.pending = []
        # msg_type and 24-bit length (a header's first 4 bytes) of each message pop() handed
        # out since the engine last took them: what a retransmission of them must match.
        self.heads = b''

    def add(self, msg_type, length, seq, off, flen, data, body_pos):
        """Take one fragment (fields from parse_fragment; its bytes at data[body_pos:])."""
        if seq < self.next_seq:
            return 0
        if seq >= self.next_seq + MAX_PENDING_MESSAGES:
            return -1
        if length > self.max_message:
            # a message longer than max_message: fatal when it is the next one, else -2
            # (ignored: one forged header with any message_seq of the window must not end
            # the handshake; a real one is fatal once it is next)
            if seq != self.next_seq:
                return -2
            raise Fault(_HANDSHAKE_FAILURE)
        part = None
        for p in self.pending:
            if p.seq == seq:
                part = p
        if part is not None and (part.msg_type != msg_type or len(part.body) != length):
            # Inconsistent with what we hold: one of them is damaged or forged. Start over
            # from the newer one, so a single bad fragment cannot wedge the handshake.
            self.pending.remove(part)
            part = None
        if part is None:
            if seq != self.next_seq:
                # Over the budget, partial messages further ahead than this one give way
                # (furthest first): a forged one that never completes cannot hold the
                # budget until the CCS, starving the real messages in front of it.
                while True:
                    ahead = length
                    far = None
                    for p in self.pending:
                        if p.seq != self.next_seq:
                            ahead += len(p.body)
                            if p.seq > seq and (far is None or p.seq > far.seq):
                                far = p
                    if ahead <= self.max_message:
                        break
                    if far is None:
                        return -1
                    self.pending.remove(far)
            part = _Partial(msg_type, length, seq)
            self.pending.append(part)
        return 1 if part.add(off, data, body_pos, flen) else -1

    def pop(self):
        """(msg_type, message_seq, body) of the next complete in-order message, or None."""
        for p in self.pending:
            # complete: one range covering the whole body (or an empty body)
            if p.seq == self.next_seq and (not p.body or p.ranges == [(0, len(p.body))]):
                self.pending.remove(p)
                self.next_seq += 1
                n = len(p.body)
                self.heads += bytes((p.msg_type, n >> 16, (n >> 8) & 0xff, n & 0xff))
                return p.msg_type, p.seq, bytes(p.body)
        return None

    def busy(self):
        """True while a fragment of the next message or a later one is waiting."""
        return len(self.pending) > 0
