"""DTLS 1.2 record layer: header parse/write, per-epoch AEAD protection, anti-replay window.

Outgoing: `write_plain` / `seal` write one record (header + fragment, sealed in epoch 1) into a
caller-provided bytearray at an offset, so a datagram with several records is built in one
preallocated buffer. Incoming: the engine walks a datagram with `parse_header`; protected
records are opened by `open_into` into the context's receive buffer, after `replay_ok`, and
`mark` commits the sequence number only once the tag has verified.

    struct {                                     RFC 6347 §4.1
        ContentType type;
        ProtocolVersion version;                 {254,253} for DTLS 1.2
        uint16 epoch;
        uint48 sequence_number;
        uint16 length;
        opaque fragment[DTLSPlaintext.length];
    } DTLSPlaintext;

AEAD (RFC 5246 §6.2.3.3, DTLS's seq_num is epoch||sequence_number, RFC 6347 §4.1.2.1):
    additional_data = seq_num(8) + type(1) + version(2) + length(2, of the plaintext)
Nonces: see suites.py (explicit epoch||seq for CCM/GCM, XOR-ed IV for ChaCha20-Poly1305).

Sequence numbers are Python ints: on 32-bit boards they stay small ints (no allocation) until
2**30 records, far beyond any session lifetime; they remain correct after that.
"""
import struct
from dtls_lite.compat import const

_CT_CHANGE_CIPHER_SPEC = const(20)   # (the engine mirrors these and the versions as its own)
_CT_ALERT = const(21)
CT_HANDSHAKE = const(22)
CT_APPLICATION_DATA = const(23)

_DTLS12 = const(0xFEFD)                # what we write
_DTLS10 = const(0xFEFF)                # what the engine also accepts in a record header

HEADER_LEN = const(13)
REPLAY_WINDOW = const(64)              # RFC 6347 §4.1.2.6: a window of at least 32; we keep 64
_SEQ_LIMIT = const(0xFFFFFFFFFFFF)   # uint48; a write epoch must never wrap (RFC 6347 §4.1)

# Scratch for nonce and AAD, shared by all sessions (single-threaded, never held across calls).
_NONCE = bytearray(12)
_AAD = bytearray(13)


def parse_header(data, pos):
    """(type, version, epoch, seq, length) of the record at pos, or None if truncated.

    The caller checks that the fragment (length bytes after the header) is present.
    """
    if len(data) - pos < HEADER_LEN:
        return None
    # The 48-bit sequence number in three 16-bit parts: a 32-bit part would be a long int
    # (allocated) on a 32-bit board, where small ints have 31 bits.
    ctype, version, epoch, s2, s1, s0, length = struct.unpack_from('>BHHHHHH', data, pos)
    seq = (s1 << 16) | s0
    if s2:
        seq |= s2 << 32     # only then: even `0 << 32` is a long int on a 32-bit board
    return ctype, version, epoch, seq, length


def write_header(buf, off, ctype, epoch, seq, length):
    # 16-bit parts, as in parse_header: `seq & 0xFFFFFFFF` allocated on 32-bit boards (the
    # mask is a long int there), on the per-record path
    struct.pack_into('>BHHHHHH', buf, off, ctype, _DTLS12, epoch, seq >> 32, (seq >> 16) & 0xFFFF,
                     seq & 0xFFFF, length)


def write_plain(buf, off, ctype, epoch, seq, payload):
    """An unprotected record (epoch 0) at buf[off:]; returns the offset after it."""
    n = len(payload)
    write_header(buf, off, ctype, epoch, seq, n)
    p = off + HEADER_LEN
    buf[p:p + n] = payload
    return p + n


# Per-session record state, kept flat in the engine because an object per direction costs
# more heap than the keys themselves on MicroPython (the ~1.5 KB per session budget):
#   rd, wr       AEAD objects of epoch 1 (None: epoch 0, no protection)
#   rd_seq       highest sequence number accepted in the read epoch (-1: none yet)
#   wr_seq       next sequence number to write
#   rec          bytearray: [0:8] the replay bitmap, then read IV, then write IV
#                (IV length = suite[5]: 4 for CCM/GCM, 12 for ChaCha20-Poly1305)
# The bitmap is a 64-bit circular window indexed by seq mod 64 (no shifting, no big ints):
# bit set = that sequence number was seen (RFC 6347 §4.1.2.6).

_WINDOW_BYTES = const(REPLAY_WINDOW // 8)


def new_rec(read_iv, write_iv):
    rec = bytearray(_WINDOW_BYTES + len(read_iv) + len(write_iv))
    rec[_WINDOW_BYTES:_WINDOW_BYTES + len(read_iv)] = read_iv
    rec[_WINDOW_BYTES + len(read_iv):] = write_iv
    return rec


def overhead(suite):
    """Bytes a protected record adds to its plaintext: header, explicit nonce, tag."""
    return HEADER_LEN + suite[6] + suite[7]


def _nonce(suite, rec, iv_off, seqbytes, sp):
    """Fill _NONCE from the IV at rec[iv_off:] and the 8 bytes at seqbytes[sp:] (epoch||seq
    for ChaCha20-Poly1305, the record's explicit nonce for CCM/GCM)."""
    n = _NONCE
    for i in range(4):
        n[i] = rec[iv_off + i]
    if suite[6]:
        for i in range(8):
            n[4 + i] = seqbytes[sp + i]
    else:
        for i in range(8):
            n[4 + i] = rec[iv_off + 4 + i] ^ seqbytes[sp + i]
    return n


def _aad(seqbytes, sp, ctype, version, n):
    a = _AAD
    for i in range(8):
        a[i] = seqbytes[sp + i]
    struct.pack_into('>BHH', a, 8, ctype, version, n)
    return a


def seal(aead, suite, rec, wr_seq, buf, off, ctype, payload, tail=None):
    """Write one protected epoch-1 record with sequence number wr_seq at buf[off:]; returns
    the offset after it, or -1 when the sequence space is exhausted (the caller then must not
    advance wr_seq). `tail`, if given, is a memoryview of buf from the plaintext on
    (off + HEADER_LEN + explicit nonce length): with it nothing is allocated here."""
    if wr_seq > _SEQ_LIMIT:
        return -1
    n = len(payload)
    ex = suite[6]
    write_header(buf, off, ctype, 1, wr_seq, ex + n + suite[7])
    p = off + HEADER_LEN
    if ex:
        for i in range(8):
            buf[p + i] = buf[off + 3 + i]
    buf[p + ex:p + ex + n] = payload
    nonce = _nonce(suite, rec, _WINDOW_BYTES + suite[5], buf, off + 3)
    aad = _aad(buf, off + 3, ctype, _DTLS12, n)
    if tail is None:
        tail = memoryview(buf)[p + ex:]
    m = aead.seal_into(nonce, aad, tail, n)
    return p + ex + m


def open_into(aead, suite, rec, data, pos, length, out):
    """Decrypt the record whose header is at data[pos:] and fragment length is `length` into
    out[0:]; returns the plaintext length, or -1 (bad tag, too short, too big)."""
    ex = suite[6]
    n = length - ex
    if n < suite[7] or n > len(out):
        return -1
    p = pos + HEADER_LEN
    # Through a memoryview: a bytes slice would copy the whole record once more per record.
    out[0:n] = memoryview(data)[p + ex:p + length]
    # CCM/GCM: the explicit nonce is whatever the peer sent (RFC 5288 §3); ChaCha: epoch||seq.
    nonce = _nonce(suite, rec, _WINDOW_BYTES, data, p if ex else pos + 3)
    aad = _aad(data, pos + 3, data[pos], (data[pos + 1] << 8) | data[pos + 2], n - suite[7])
    return aead.open_into(nonce, aad, out, n)


def replay_ok(rec, top, seq):
    """False if seq is older than the window or already seen (RFC 6347 §4.1.2.6)."""
    if seq > top:
        return True
    if top - seq >= REPLAY_WINDOW:
        return False
    return not (rec[(seq >> 3) & 7] & (1 << (seq & 7)))


def mark(rec, top, seq):
    """Record seq as seen (only after it authenticated); returns the new top."""
    if seq > top:
        if seq - top >= REPLAY_WINDOW:
            for i in range(_WINDOW_BYTES):
                rec[i] = 0
        else:
            s = top + 1
            while s <= seq:
                rec[(s >> 3) & 7] &= ~(1 << (s & 7)) & 0xff
                s += 1
        top = seq
    rec[(seq >> 3) & 7] |= 1 << (seq & 7)
    return top
