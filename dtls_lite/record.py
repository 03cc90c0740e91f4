"""DTLS 1.2 record layer: header parse/write, per-epoch AEAD protection, anti-replay window.

Outgoing: `write_record` appends one record (header + fragment, sealed when the epoch has keys)
to a caller-provided bytearray at an offset, so a datagram with several records is built in one
preallocated buffer. Incoming: the engine walks a datagram with `parse_header`; protected
records are opened by `Protection.open_into` into the context's receive buffer, after
`replay_ok`, and `mark` commits the sequence number only once the tag has verified.

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

CT_CHANGE_CIPHER_SPEC = const(20)
CT_ALERT = const(21)
CT_HANDSHAKE = const(22)
CT_APPLICATION_DATA = const(23)

DTLS12 = const(0xFEFD)
DTLS10 = const(0xFEFF)

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
    ctype, version, epoch, seq_hi, seq_lo, length = struct.unpack_from('>BHHHIH', data, pos)
    return ctype, version, epoch, (seq_hi << 32) | seq_lo, length


def write_header(buf, off, ctype, epoch, seq, length):
    struct.pack_into('>BHHHIH', buf, off, ctype, DTLS12, epoch, seq >> 32, seq & 0xFFFFFFFF, length)


def write_plain(buf, off, ctype, epoch, seq, payload):
    """An unprotected record (epoch 0) at buf[off:]; returns the offset after it."""
    n = len(payload)
    write_header(buf, off, ctype, epoch, seq, n)
    p = off + HEADER_LEN
    buf[p:p + n] = payload
    return p + n


class Protection:
    """One direction of one epoch: AEAD key, IV, and the sequence state.

    For writing, `seq` is the next sequence number to use. For reading, `seq` is the highest
    sequence number accepted so far (-1: none) and `window` a 64-bit circular bitmap indexed by
    seq mod 64 (no shifting, no big ints): bit set = that sequence number was seen.
    """

    def __init__(self, suite, key, iv, epoch):
        from dtls_lite.crypto import aead
        self.aead = aead.new(suite[3], key)
        self.iv = iv
        self.explicit = suite[6]
        self.tag_len = suite[7]
        self.epoch = epoch
        self.seq = 0
        self.window = None

    def for_reading(self):
        self.seq = -1
        self.window = bytearray(REPLAY_WINDOW // 8)
        return self

    def overhead(self):
        return HEADER_LEN + self.explicit + self.tag_len

    def _nonce(self, seqbytes, sp, explicit):
        """Fill _NONCE from the 8 bytes epoch||seq at seqbytes[sp:] (or the explicit nonce)."""
        n = _NONCE
        iv = self.iv
        if self.explicit:
            n[0:4] = iv
            n[4:12] = explicit
        else:
            for i in range(4):
                n[i] = iv[i]
            for i in range(8):
                n[4 + i] = iv[4 + i] ^ seqbytes[sp + i]
        return n

    def _aad(self, seqbytes, sp, ctype, version, n):
        a = _AAD
        a[0:8] = seqbytes[sp:sp + 8]
        struct.pack_into('>BHH', a, 8, ctype, version, n)
        return a

    def seal(self, buf, off, ctype, payload):
        """Write one protected record at buf[off:]; returns the offset after it, or -1 when the
        sequence space of this epoch is exhausted."""
        seq = self.seq
        if seq > _SEQ_LIMIT:
            return -1
        self.seq = seq + 1
        n = len(payload)
        ex = self.explicit
        write_header(buf, off, ctype, self.epoch, seq, ex + n + self.tag_len)
        p = off + HEADER_LEN
        if ex:
            buf[p:p + 8] = buf[off + 3:off + 11]
        buf[p + ex:p + ex + n] = payload
        nonce = self._nonce(buf, off + 3, buf[p:p + ex] if ex else None)
        aad = self._aad(buf, off + 3, ctype, DTLS12, n)
        mv = memoryview(buf)
        m = self.aead.seal_into(nonce, aad, mv[p + ex:], n)
        return p + ex + m

    def open_into(self, data, pos, length, out):
        """Decrypt the record whose header is at data[pos:] and fragment length is `length`
        into out[0:]; returns the plaintext length, or -1 (bad tag, too short, too big)."""
        ex = self.explicit
        n = length - ex
        if n < self.tag_len or n > len(out):
            return -1
        p = pos + HEADER_LEN
        out[0:n] = data[p + ex:p + length]
        nonce = self._nonce(data, pos + 3, data[p:p + ex] if ex else None)
        aad = self._aad(data, pos + 3, data[pos], (data[pos + 1] << 8) | data[pos + 2],
                        n - self.tag_len)
        return self.aead.open_into(nonce, aad, out, n)

    def replay_ok(self, seq):
        """False if seq is older than the window or already seen (RFC 6347 §4.1.2.6)."""
        top = self.seq
        if seq > top:
            return True
        if top - seq >= REPLAY_WINDOW:
            return False
        return not (self.window[(seq >> 3) & 7] & (1 << (seq & 7)))

    def mark(self, seq):
        """Record seq as seen; call only after the record authenticated."""
        w = self.window
        top = self.seq
        if seq > top:
            if seq - top >= REPLAY_WINDOW:
                for i in range(len(w)):
                    w[i] = 0
            else:
                s = top + 1
                while s <= seq:
                    w[(s >> 3) & 7] &= ~(1 << (s & 7)) & 0xff
                    s += 1
            self.seq = seq
        w[(seq >> 3) & 7] |= 1 << (seq & 7)
