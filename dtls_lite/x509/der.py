"""Strict DER (X.690 §10) reading: one bounded reader class, plus time and OID helpers.

A `DerReader` walks a window [pos, end) of one bytes object. `read(tag)` returns the contents
of the next element after checking its tag; `sub(tag)` returns a reader bounded to a nested
element (at most _MAX_DEPTH deep); `done()` rejects trailing bytes; `whole(data)` is the reader
of a DER object that must be one SEQUENCE and nothing more. Nothing is copied until a caller
asks for bytes. Every violation raises CertificateError(bad_certificate):
  - truncation: a length running past the end of its enclosing element
  - indefinite lengths (0x80), non-minimal long-form lengths, lengths over 4 octets
  - high tag numbers (X.509 never uses them)
  - INTEGER not minimal, BOOLEAN not 0x00/0xff, BIT STRING with bad unused bits
  - UTCTime/GeneralizedTime not in the DER form YYMMDDHHMMSSZ / YYYYMMDDHHMMSSZ
Times become seconds since 1970-01-01 UTC (plain ints compare on both runtimes; no datetime).
"""
from ..compat import const
from .errors import CertificateError

# Universal tags (X.680 §8.4) as they appear in the identifier octet. The public ones are for
# callers building or checking DER; the x509 modules keep private copies that fold at compile
# time (a const of another module is a run-time attribute lookup).
_BOOLEAN = const(0x01)
INTEGER = const(0x02)
_BIT_STRING = const(0x03)
OCTET_STRING = const(0x04)
_NULL = const(0x05)
OID = const(0x06)
UTF8_STRING = const(0x0c)
_PRINTABLE_STRING = const(0x13)
TELETEX_STRING = const(0x14)
IA5_STRING = const(0x16)
UTC_TIME = const(0x17)
GENERALIZED_TIME = const(0x18)
UNIVERSAL_STRING = const(0x1c)
BMP_STRING = const(0x1e)
SEQUENCE = const(0x30)
SET = const(0x31)

_BAD_CERTIFICATE = const(42)     # the alert of every DER violation (errors.py)

# Nesting bound: a certificate needs about 7 levels (Certificate/TBS/extensions/extension/
# value/GeneralNames/...); 12 leaves room and stops stack-exhausting inputs on a board.
_MAX_DEPTH = const(12)

# Longest OID sub-identifier read (read_oid): 20 bytes of 7 bits, room for the 128-bit UUID arcs
# under 2.25 (ITU-T X.667), the longest arcs in use.
_MAX_OID_ARC_BYTES = const(20)


def fail(key, *args):
    raise CertificateError(_BAD_CERTIFICATE, key, *args)


class DerReader:
    """Bounded reader over data[pos:end]; `depth` is the nesting level of this window."""

    def __init__(self, data, pos=0, end=None, depth=0):
        self.data = data
        self.pos = pos
        self.end = len(data) if end is None else end
        self.depth = depth

    def at_end(self):
        return self.pos >= self.end

    def peek_tag(self):
        """The tag of the next element, or -1 at the end of the window."""
        return self.data[self.pos] if self.pos < self.end else -1

    def read_tlv(self, tag=None):
        """Next element as (tag, content_start, content_end), checked against `tag` if given;
        advances past it."""
        data, pos, end = self.data, self.pos, self.end
        if end - pos < 2:
            fail('truncated')
        t = data[pos]
        if t & 0x1f == 0x1f:
            fail('high_tag')
        if tag is not None and t != tag:
            fail('tag', tag, t)
        n = data[pos + 1]
        pos += 2
        if n & 0x80:
            count = n & 0x7f
            # X.690 §10.1: definite form only, in the fewest octets.
            if count == 0:
                fail('indef_len')
            if count > 4:
                fail('len_large')
            if end - pos < count:
                fail('trunc_len')
            n = int.from_bytes(data[pos:pos + count], 'big')
            if data[pos] == 0 or n < 0x80:
                fail('len_min')
            pos += count
        if n > end - pos:
            fail('truncated')
        self.pos = pos + n
        return t, pos, pos + n

    def read_any(self):
        """Next element as (tag, content bytes)."""
        tag, start, stop = self.read_tlv()
        return tag, self.data[start:stop]

    def read(self, tag):
        """Contents of the next element, which must carry `tag`."""
        _, start, stop = self.read_tlv(tag)
        return self.data[start:stop]

    def read_raw(self, tag):
        """The whole next element (tag, length and contents), e.g. a Name or a signed TBS."""
        begin = self.pos
        return self.data[begin:self.read_tlv(tag)[2]]

    def sub(self, tag=SEQUENCE):
        """A reader bounded to the contents of the next element (a SEQUENCE unless told)."""
        if self.depth >= _MAX_DEPTH:
            fail('too_deep')
        _, start, stop = self.read_tlv(tag)
        return DerReader(self.data, start, stop, self.depth + 1)

    def optional(self, tag):
        """`sub(tag)` if the next element carries `tag`, else None."""
        return self.sub(tag) if self.peek_tag() == tag else None

    def skip(self, tag):
        """Step over the next element if it carries `tag` (an OPTIONAL field we do not use)."""
        if self.peek_tag() == tag:
            self.read_tlv()

    def done(self):
        if self.pos != self.end:
            fail('trailing')

    # -- primitive types --------------------------------------------------------------------

    def read_integer(self):
        """INTEGER as (value, contents); X.690 §8.3.2: at least one octet, minimal."""
        b = self.read(INTEGER)
        if not b:
            fail('int_empty')
        if len(b) > 1 and ((b[0] == 0 and b[1] < 0x80) or (b[0] == 0xff and b[1] >= 0x80)):
            fail('int_min')
        v = int.from_bytes(b, 'big')
        if b[0] & 0x80:
            v -= 1 << (8 * len(b))
        return v, b

    def read_uint(self):
        v = self.read_integer()[0]
        if v < 0:
            fail('int_neg')
        return v

    def read_bool(self):
        b = self.read(_BOOLEAN)
        # X.690 §11.1: TRUE is 0xff in DER.
        if b not in (b'\x00', b'\xff'):
            fail('bool')
        return b == b'\xff'

    def read_null(self):
        if self.read(_NULL):
            fail('null')

    def read_oid(self):
        """OBJECT IDENTIFIER contents (compare against the byte constants in this module).

        X.690 §8.19: non-empty, each sub-identifier minimal (no leading 0x80), last one closed.
        A sub-identifier may take at most _MAX_OID_ARC_BYTES bytes: X.690 sets no bound, but an
        arc of thousands of bits is no identifier anyone assigns, and turning it into text
        (oid_to_str, for messages and unknown names) costs quadratic time, and raises
        ValueError on CPython 3.11+ past 4300 digits.
        """
        b = self.read(OID)
        if not b or b[-1] & 0x80:
            fail('oid')
        start = True
        run = 0
        for c in b:
            if start and c == 0x80:
                fail('oid_min')
            start = not c & 0x80
            run = 0 if start else run + 1
            if run >= _MAX_OID_ARC_BYTES:
                fail('oid_arc')
        return b

    def read_bit_string(self, tag=_BIT_STRING):
        """BIT STRING as (bytes, unused_bits); X.690 §11.2: unused bits are zero."""
        b = self.read(tag)
        if not b or b[0] > 7 or (len(b) == 1 and b[0]):
            fail('bitstr')
        unused = b[0]
        if unused and b[-1] & ((1 << unused) - 1):
            fail('bit_pad')
        return b[1:], unused

    def read_octets(self, tag=_BIT_STRING):
        """A BIT STRING that holds whole octets (keys, signatures)."""
        b, unused = self.read_bit_string(tag)
        if unused:
            fail('bit_align')
        return b

    def read_time(self):
        """UTCTime or GeneralizedTime (RFC 5280 §4.1.2.5) as seconds since the epoch."""
        tag, b = self.read_any()
        # the year's digits: YY (UTCTime, 13 octets) or YYYY (GeneralizedTime, 15 octets),
        # then MMDDHHMMSS and 'Z' (DER times are UTC with seconds, no fraction)
        n = len(b) - 11
        if not ((tag == UTC_TIME and n == 2) or (tag == GENERALIZED_TIME and n == 4)):
            fail('time')
        if b[-1] != 0x5a:
            fail('time_utc')
        if not b[:-1].isdigit():        # int() alone would take a sign, spaces or '_'
            fail('time')
        year = int(b[:n])
        if n == 2:
            # RFC 5280 §4.1.2.5.1: YY >= 50 is 19YY, else 20YY.
            year += 1900 if year >= 50 else 2000
        month, day, hour, minute, second = [int(b[i:i + 2]) for i in range(n, n + 10, 2)]
        days = days_from_civil(year, month, day)
        # A real date maps back to itself; Feb 30 or month 13 comes back as another date.
        if civil_from_days(days) != (year, month, day) or hour > 23 or minute > 59 or second > 59:
            fail('time')
        return ((days * 24 + hour) * 60 + minute) * 60 + second


def whole(data):
    """A reader over the contents of `data`, which must be one SEQUENCE and nothing more."""
    outer = DerReader(data)
    r = outer.sub()
    outer.done()
    return r


def days_from_civil(year, month, day):
    """Days since 1970-01-01 of a proleptic Gregorian date.

    Count in 400-year eras (146097 days) of years starting on March 1, so the leap day is the
    last day of its year and the month lengths before it form the fixed 153-day pattern.
    """
    if month <= 2:
        year -= 1
    era = year // 400
    yoe = year - era * 400                                   # [0, 399]
    doy = (153 * ((month + 9) % 12) + 2) // 5 + day - 1      # [0, 365], day of the March year
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy            # [0, 146096]
    return era * 146097 + doe - 719468                       # 719468: 0000-03-01 to 1970-01-01


def civil_from_days(days):
    """Inverse of days_from_civil: (year, month, day)."""
    days += 719468
    era = days // 146097
    doe = days - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (month <= 2), month, day


def format_time(t):
    """Seconds since the epoch as 'YYYY-MM-DD HH:MM:SSZ' (for display)."""
    days, secs = divmod(t, 86400)
    return '%04d-%02d-%02d %02d:%02d:%02dZ' % (civil_from_days(days) + (
        secs // 3600, secs // 60 % 60, secs % 60))


def oid_to_str(b):
    """OID contents as dotted decimal, e.g. b'\\x55\\x04\\x03' -> '2.5.4.3'."""
    parts = []
    v = 0
    for c in b:
        v = (v << 7) | (c & 0x7f)
        if not c & 0x80:
            parts.append(v)
            v = 0
    # X.690 §8.19.4: the first sub-identifier packs the first two arcs as 40 * a + b, a <= 2.
    first = min(parts[0] // 40, 2)
    parts[0] -= 40 * first
    return '%d.' % first + '.'.join(str(x) for x in parts)


def oid_from_str(s):
    """Dotted decimal to OID contents (the inverse of oid_to_str)."""
    nums = [int(x) for x in s.split('.')]
    first = nums.pop(0)
    nums[0] += 40 * first
    out = b''
    for v in nums:
        chunk = bytes([v & 0x7f])
        while v > 0x7f:
            v >>= 7
            chunk = bytes([0x80 | (v & 0x7f)]) + chunk
        out += chunk
    return out


# Object identifiers we act on, as DER contents.
OID_EC_PUBLIC_KEY = b'\x2a\x86\x48\xce\x3d\x02\x01'       # 1.2.840.10045.2.1 (RFC 5480)
OID_ECDSA_SHA256 = b'\x2a\x86\x48\xce\x3d\x04\x03\x02'    # 1.2.840.10045.4.3.2 (RFC 5758)
OID_ECDSA_SHA384 = b'\x2a\x86\x48\xce\x3d\x04\x03\x03'    # 1.2.840.10045.4.3.3
