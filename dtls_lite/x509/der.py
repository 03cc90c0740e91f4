"""Strict DER (X.690 §10) reading: one bounded reader class, plus time and OID helpers.

A `DerReader` walks a window [pos, end) of one bytes object. `read(tag)` returns the contents
of the next element after checking its tag; `sub(tag)` returns a reader bounded to a nested
element (at most _MAX_DEPTH deep); `done()` rejects trailing bytes. Nothing is copied until a
caller asks for bytes. Every violation raises CertificateError(bad_certificate):
  - truncation: a length running past the end of its enclosing element
  - indefinite lengths (0x80), non-minimal long-form lengths, lengths over 4 octets
  - high tag numbers (X.509 never uses them)
  - INTEGER not minimal, BOOLEAN not 0x00/0xff, BIT STRING with bad unused bits
  - UTCTime/GeneralizedTime not in the DER form YYMMDDHHMMSSZ / YYYYMMDDHHMMSSZ
Times become seconds since 1970-01-01 UTC (plain ints compare on both runtimes; no datetime).
"""
from dtls_lite.compat import const
from dtls_lite.x509.errors import CertificateError, BAD_CERTIFICATE

# Universal tags (X.680 §8.4) as they appear in the identifier octet.
BOOLEAN = const(0x01)
INTEGER = const(0x02)
BIT_STRING = const(0x03)
OCTET_STRING = const(0x04)
NULL = const(0x05)
OID = const(0x06)
UTF8_STRING = const(0x0c)
PRINTABLE_STRING = const(0x13)
TELETEX_STRING = const(0x14)
IA5_STRING = const(0x16)
UTC_TIME = const(0x17)
GENERALIZED_TIME = const(0x18)
UNIVERSAL_STRING = const(0x1c)
BMP_STRING = const(0x1e)
SEQUENCE = const(0x30)
SET = const(0x31)

# Nesting bound: a certificate needs about 7 levels (Certificate/TBS/extensions/extension/
# value/GeneralNames/...); 12 leaves room and stops stack-exhausting inputs on a board.
_MAX_DEPTH = const(12)


def fail(msg):
    raise CertificateError(BAD_CERTIFICATE, msg)


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

    def read_tlv(self):
        """Next element as (tag, content_start, content_end); advances past it."""
        data, pos, end = self.data, self.pos, self.end
        if end - pos < 2:
            fail('truncated element')
        tag = data[pos]
        if tag & 0x1f == 0x1f:
            fail('high tag number')
        n = data[pos + 1]
        pos += 2
        if n & 0x80:
            count = n & 0x7f
            # X.690 §10.1: definite form only, in the fewest octets.
            if count == 0:
                fail('indefinite length')
            if count > 4:
                fail('length too large')
            if end - pos < count:
                fail('truncated length')
            n = int.from_bytes(data[pos:pos + count], 'big')
            if data[pos] == 0 or n < 0x80:
                fail('non-minimal length')
            pos += count
        if n > end - pos:
            fail('truncated element')
        self.pos = pos + n
        return tag, pos, pos + n

    def read_any(self):
        """Next element as (tag, content bytes)."""
        tag, start, stop = self.read_tlv()
        return tag, self.data[start:stop]

    def read(self, tag):
        """Contents of the next element, which must carry `tag`."""
        t, start, stop = self.read_tlv()
        if t != tag:
            fail('expected tag 0x%02x, got 0x%02x' % (tag, t))
        return self.data[start:stop]

    def read_raw(self, tag):
        """The whole next element (tag, length and contents), e.g. a Name or a signed TBS."""
        begin = self.pos
        t, start, stop = self.read_tlv()
        if t != tag:
            fail('expected tag 0x%02x, got 0x%02x' % (tag, t))
        return self.data[begin:stop]

    def sub(self, tag=SEQUENCE):
        """A reader bounded to the contents of the next element (a SEQUENCE unless told)."""
        if self.depth >= _MAX_DEPTH:
            fail('nesting too deep')
        t, start, stop = self.read_tlv()
        if t != tag:
            fail('expected tag 0x%02x, got 0x%02x' % (tag, t))
        return DerReader(self.data, start, stop, self.depth + 1)

    def optional(self, tag):
        """`sub(tag)` if the next element carries `tag`, else None."""
        return self.sub(tag) if self.peek_tag() == tag else None

    def done(self):
        if self.pos != self.end:
            fail('trailing bytes')

    # -- primitive types --------------------------------------------------------------------

    def read_integer(self):
        """INTEGER as (value, contents); X.690 §8.3.2: at least one octet, minimal."""
        b = self.read(INTEGER)
        if not b:
            fail('empty INTEGER')
        if len(b) > 1 and ((b[0] == 0 and b[1] < 0x80) or (b[0] == 0xff and b[1] >= 0x80)):
            fail('non-minimal INTEGER')
        v = int.from_bytes(b, 'big')
        if b[0] & 0x80:
            v -= 1 << (8 * len(b))
        return v, b

    def read_uint(self):
        v, b = self.read_integer()
        if v < 0:
            fail('negative INTEGER')
        return v

    def read_bool(self):
        b = self.read(BOOLEAN)
        # X.690 §11.1: TRUE is 0xff in DER.
        if len(b) != 1 or b[0] not in (0, 0xff):
            fail('bad BOOLEAN')
        return b[0] == 0xff

    def read_null(self):
        if self.read(NULL):
            fail('bad NULL')

    def read_oid(self):
        """OBJECT IDENTIFIER contents (compare against the byte constants in this module)."""
        b = self.read(OID)
        check_oid(b)
        return b

    def read_bit_string(self, tag=BIT_STRING):
        """BIT STRING as (bytes, unused_bits); X.690 §11.2: unused bits are zero."""
        b = self.read(tag)
        if not b or b[0] > 7 or (len(b) == 1 and b[0]):
            fail('bad BIT STRING')
        unused = b[0]
        if unused and b[-1] & ((1 << unused) - 1):
            fail('BIT STRING padding not zero')
        return b[1:], unused

    def read_octets(self, tag=BIT_STRING):
        """A BIT STRING that holds whole octets (keys, signatures)."""
        b, unused = self.read_bit_string(tag)
        if unused:
            fail('BIT STRING not octet aligned')
        return b

    def read_time(self):
        """UTCTime or GeneralizedTime (RFC 5280 §4.1.2.5) as seconds since the epoch."""
        tag, b = self.read_any()
        if tag == UTC_TIME and len(b) == 13:
            year = _digits(b, 0, 2)
            # RFC 5280 §4.1.2.5.1: YY >= 50 is 19YY, else 20YY.
            year += 1900 if year >= 50 else 2000
            rest = 2
        elif tag == GENERALIZED_TIME and len(b) == 15:
            year = _digits(b, 0, 4)
            rest = 4
        else:
            fail('bad time')
        if b[-1] != 0x5a:  # 'Z': DER times are UTC with seconds, no fraction
            fail('time not in UTC')
        month = _digits(b, rest, 2)
        day = _digits(b, rest + 2, 2)
        hour = _digits(b, rest + 4, 2)
        minute = _digits(b, rest + 6, 2)
        second = _digits(b, rest + 8, 2)
        if not (1 <= month <= 12 and 1 <= day <= days_in_month(year, month)
                and hour < 24 and minute < 60 and second < 60):
            fail('bad time')
        return ((days_from_civil(year, month, day) * 24 + hour) * 60 + minute) * 60 + second


def _digits(b, start, n):
    v = 0
    for i in range(start, start + n):
        c = b[i] - 0x30
        if not 0 <= c <= 9:
            fail('bad time')
        v = v * 10 + c
    return v


def days_in_month(year, month):
    if month == 2:
        return 29 if (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)) else 28
    return 30 if month in (4, 6, 9, 11) else 31


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
    year = yoe + era * 400 + (1 if month <= 2 else 0)
    return year, month, day


def format_time(t):
    """Seconds since the epoch as 'YYYY-MM-DD HH:MM:SSZ' (for display)."""
    days, secs = divmod(t, 86400)
    y, m, d = civil_from_days(days)
    return '%04d-%02d-%02d %02d:%02d:%02dZ' % (y, m, d, secs // 3600, secs // 60 % 60, secs % 60)


def check_oid(b):
    """X.690 §8.19: non-empty, each sub-identifier minimal (no leading 0x80), last one closed."""
    if not b or b[-1] & 0x80:
        fail('bad OID')
    start = True
    for c in b:
        if start and c == 0x80:
            fail('non-minimal OID')
        start = not (c & 0x80)


def oid_to_str(b):
    """OID contents as dotted decimal, e.g. b'\\x55\\x04\\x03' -> '2.5.4.3'."""
    parts = []
    v = 0
    for c in b:
        v = (v << 7) | (c & 0x7f)
        if not c & 0x80:
            parts.append(v)
            v = 0
    first = parts[0]
    head = [0, first] if first < 40 else ([1, first - 40] if first < 80 else [2, first - 80])
    return '.'.join(str(x) for x in head + parts[1:])


def oid_from_str(s):
    """Dotted decimal to OID contents (the inverse of oid_to_str)."""
    nums = [int(x) for x in s.split('.')]
    nums = [nums[0] * 40 + nums[1]] + nums[2:]
    out = bytearray()
    for v in nums:
        chunk = [v & 0x7f]
        v >>= 7
        while v:
            chunk.append(0x80 | (v & 0x7f))
            v >>= 7
        chunk.reverse()
        out.extend(bytes(chunk))
    return bytes(out)


# Object identifiers we act on, as DER contents.
OID_EC_PUBLIC_KEY = b'\x2a\x86\x48\xce\x3d\x02\x01'       # 1.2.840.10045.2.1 (RFC 5480)
OID_P256 = b'\x2a\x86\x48\xce\x3d\x03\x01\x07'            # 1.2.840.10045.3.1.7 prime256v1
OID_P384 = b'\x2b\x81\x04\x00\x22'                        # 1.3.132.0.34 secp384r1
OID_ECDSA_SHA256 = b'\x2a\x86\x48\xce\x3d\x04\x03\x02'    # 1.2.840.10045.4.3.2 (RFC 5758)
OID_ECDSA_SHA384 = b'\x2a\x86\x48\xce\x3d\x04\x03\x03'    # 1.2.840.10045.4.3.3
