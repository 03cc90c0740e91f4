"""Bounded reading and plain writing of TLS wire encodings (RFC 5246 §4).

`Reader` walks a bytes-like buffer between two limits. Every read checks the limit and raises
the decode_error fault on truncation; `sub(n)` opens a nested length-prefixed vector that must be
fully consumed (`done()`), so trailing bytes are rejected as well. Parsers therefore never index
past what the peer sent and never accept more than it declared.

Writers append to a bytearray: handshake messages are small and built once per flight.
"""
from dtls_lite.errors import decode_error, text


class Reader:
    def __init__(self, data, start=0, end=None):
        self.data = data
        self.pos = start
        self.end = len(data) if end is None else end

    def left(self):
        return self.end - self.pos

    def _need(self, n):
        if n < 0 or self.pos + n > self.end:
            raise decode_error()    # truncated
        p = self.pos
        self.pos = p + n
        return p

    def u8(self):
        return self.data[self._need(1)]

    def u16(self):
        p = self._need(2)
        d = self.data
        return (d[p] << 8) | d[p + 1]

    # u24/u48 are rare (handshake lengths, a record sequence number): built from u8/u16.
    def u24(self):
        return (self.u8() << 16) | self.u16()

    def u48(self):
        return (self.u16() << 32) | (self.u16() << 16) | self.u16()

    def take(self, n):
        """The next n bytes, as bytes."""
        p = self._need(n)
        return bytes(self.data[p:p + n])

    def vec8(self, lo=0, hi=255):
        return self._vec(self.u8(), lo, hi)

    def vec16(self, lo=0, hi=65535):
        return self._vec(self.u16(), lo, hi)

    def _vec(self, n, lo, hi):
        if n < lo or n > hi:
            raise decode_error()    # vector length outside the struct's bounds
        return self.take(n)

    def sub(self, n):
        """A Reader over the next n bytes (a nested vector); this reader skips them."""
        p = self._need(n)
        return Reader(self.data, p, p + n)

    def sub16(self):
        return self.sub(self.u16())

    def done(self):
        """Reject trailing bytes: every struct must be consumed exactly."""
        if self.pos != self.end:
            raise decode_error()    # trailing bytes


def put_u16(out, v):
    out.append((v >> 8) & 0xff)
    out.append(v & 0xff)


def put_u24(out, v):
    out.append((v >> 16) & 0xff)
    put_u16(out, v)


def put_vec8(out, data):
    if len(data) > 255:
        raise ValueError(text('vec_long'))
    out.append(len(data))
    out.extend(data)


def put_vec16(out, data):
    if len(data) > 65535:
        raise ValueError(text('vec_long'))
    put_u16(out, len(data))
    out.extend(data)
