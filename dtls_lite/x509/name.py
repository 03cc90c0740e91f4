"""X.501 Names as RFC 4514 strings, and the attribute table the writer shares (ATTRIBUTES).

    Name ::= CHOICE { rdnSequence RDNSequence }
    RDNSequence ::= SEQUENCE OF RelativeDistinguishedName
    RelativeDistinguishedName ::= SET SIZE (1..MAX) OF AttributeTypeAndValue
    AttributeTypeAndValue ::= SEQUENCE { type OBJECT IDENTIFIER, value ANY }

RFC 4514 §2.1 writes the RDNs last-to-first ('CN=leaf,O=Example,C=DE' for C, O, CN in DER),
joined by ',', with multi-valued RDNs joined by '+'. Known attribute types use their short
names; any other type is written as its dotted OID with the value as '#' + hex of its DER
(§2.4), as is any value that is not a string type.
"""
from ..compat import const
from .der import fail, whole, oid_to_str

# X.680 universal tags of the directory string types (private copies of der's)
_UTF8_STRING = const(0x0c)
_PRINTABLE_STRING = const(0x13)
_TELETEX_STRING = const(0x14)
_IA5_STRING = const(0x16)
_UNIVERSAL_STRING = const(0x1c)
_BMP_STRING = const(0x1e)
_SET = const(0x31)

# (short name, OID contents) in the order RFC 4514 §3 lists them, then the common extras.
ATTRIBUTES = (
    ('CN', b'\x55\x04\x03'),                                  # 2.5.4.3 commonName
    ('L', b'\x55\x04\x07'),                                   # 2.5.4.7 localityName
    ('ST', b'\x55\x04\x08'),                                  # 2.5.4.8 stateOrProvinceName
    ('O', b'\x55\x04\x0a'),                                   # 2.5.4.10 organizationName
    ('OU', b'\x55\x04\x0b'),                                  # 2.5.4.11 organizationalUnitName
    ('C', b'\x55\x04\x06'),                                   # 2.5.4.6 countryName
    ('STREET', b'\x55\x04\x09'),                              # 2.5.4.9 streetAddress
    ('DC', b'\x09\x92\x26\x89\x93\xf2\x2c\x64\x01\x19'),      # 0.9.2342.19200300.100.1.25
    ('UID', b'\x09\x92\x26\x89\x93\xf2\x2c\x64\x01\x01'),     # 0.9.2342.19200300.100.1.1
    ('serialNumber', b'\x55\x04\x05'),                        # 2.5.4.5
    ('emailAddress', b'\x2a\x86\x48\x86\xf7\x0d\x01\x09\x01'),  # 1.2.840.113549.1.9.1
)


def decode_string(tag, b):
    """Text of a directory string value."""
    if tag == _UTF8_STRING:
        b = bytes(b)
        _check_utf8(b)
        return b.decode()
    if tag == _BMP_STRING or tag == _UNIVERSAL_STRING:
        width = 2 if tag == _BMP_STRING else 4
        if len(b) % width:
            fail('str_len')
        out = ''
        high = 0            # a UTF-16 high surrogate waiting for the unit after it
        for i in range(0, len(b), width):
            u = int.from_bytes(b[i:i + width], 'big')
            if high:        # the pair as one code point; a high surrogate needs a low one
                if not 0xdc00 <= u < 0xe000:
                    fail('str_char')
                u = 0x10000 + ((high - 0xd800) << 10) + (u - 0xdc00)
                high = 0
            elif width == 2 and 0xd800 <= u < 0xdc00 and i + width < len(b):
                # UTF-16 pairs (BMPString); UniversalString is UCS-4, with no surrogates
                high = u
                continue
            if u > 0x10ffff or 0xd800 <= u < 0xe000:
                fail('str_char')
            out += chr(u)
        return out
    # PrintableString and IA5String are ASCII subsets; T.61 read as Latin-1, as most software does.
    return ''.join(chr(c) for c in b)


def _check_utf8(b):
    """Refuse all but well-formed UTF-8 (RFC 3629 §4): no overlong forms, no surrogates, nothing
    past U+10FFFF, no cut sequence. CPython's decode() refuses these; MicroPython's lets overlong
    forms and surrogates through (an overlong ',' would then pass the RFC 4514 escaping)."""
    i = 0
    n = len(b)
    while i < n:
        c = b[i]
        if c < 0x80:
            i += 1
            continue
        # the trail bytes after lead byte c, and the range of the first one
        if 0xc2 <= c <= 0xdf:
            k, lo, hi = 1, 0x80, 0xbf
        elif 0xe0 <= c <= 0xef:
            k, lo, hi = 2, 0xa0 if c == 0xe0 else 0x80, 0x9f if c == 0xed else 0xbf
        elif 0xf0 <= c <= 0xf4:
            k, lo, hi = 3, 0x90 if c == 0xf0 else 0x80, 0x8f if c == 0xf4 else 0xbf
        else:
            fail('utf8')
        if i + k >= n or not lo <= b[i + 1] <= hi:
            fail('utf8')
        for j in range(i + 2, i + k + 1):
            if not 0x80 <= b[j] <= 0xbf:
                fail('utf8')
        i += k + 1


def _atvs(raw):
    """The AttributeTypeAndValues of a DER Name in DER order, as [(rdn_index, type OID, tag,
    value, DER of the value)], read strictly (an empty RDN or trailing bytes are refused)."""
    seq = whole(raw)
    out = []
    index = 0
    while not seq.at_end():
        rdn = seq.sub(_SET)
        if rdn.at_end():
            fail('rdn_empty')
        while not rdn.at_end():
            atv = rdn.sub()
            oid = atv.read_oid()
            begin = atv.pos
            tag, value = atv.read_any()
            atv.done()
            out.append((index, oid, tag, value, atv.data[begin:atv.pos]))
        index += 1
    return out


def name_attributes(raw):
    """Attributes of a DER Name in DER order, as [(type, value, rdn_index, hex_form)].

    type is the short name or the dotted OID; value is the text, or (hex_form True) '#hex' of
    the DER value when the type is unknown or the value is not a string.
    """
    out = []
    for index, oid, tag, value, der in _atvs(raw):
        short = None
        for name, o in ATTRIBUTES:
            if o == oid:
                short = name
        hex_form = short is None or tag not in (_UTF8_STRING, _PRINTABLE_STRING,
                                                _TELETEX_STRING, _IA5_STRING,
                                                _UNIVERSAL_STRING, _BMP_STRING)
        if hex_form:
            text = '#' + bytes(der).hex()
        else:
            text = decode_string(tag, value)
        out.append((short or oid_to_str(oid), text, index, hex_form))
    return out


def name_to_str(raw):
    """A DER Name as its RFC 4514 string, e.g. 'CN=server,O=Example'."""
    rdns = []
    last = -1
    for typ, text, index, hex_form in name_attributes(raw):
        if not hex_form:
            # RFC 4514 §2.4 escaping of an attribute value
            value = ''
            final = len(text) - 1
            for i, ch in enumerate(text):
                if ch in ',+"\\<>;' or (i == 0 and ch in '# ') or (i == final and ch == ' '):
                    ch = '\\' + ch
                elif ch == '\x00':
                    ch = '\\00'
                value += ch
            text = value
        item = typ + '=' + text
        if index == last:
            rdns[-1] += '+' + item      # a multi-valued RDN, in its DER order
        else:
            rdns.append(item)
        last = index
    rdns.reverse()
    return ','.join(rdns)


def names_match(a, b):
    """Whether two DER Names are the same name (RFC 5280 §7.1), as issuer and subject are
    matched when a chain is built: equal DER, or failing that the same RDNs in order, each the
    same set of attribute types with equal values. A PrintableString or UTF8String value is
    compared in either type, ignoring ASCII case and insignificant spaces (RFC 4518 §2.6.1:
    none at either end, inner runs as one), as OpenSSL and mbedTLS compare names; the rest of
    RFC 4518's string preparation is not applied, and other values compare by their DER."""
    return a == b or _name_key(a) == _name_key(b)


def _name_key(raw):
    """A DER Name as a list of RDNs, each a sorted list of (type OID, kind, value key): kind
    b'S' for a string compared as text, b'D' for a value compared as its DER, so that a
    UTF8String whose text is the DER of another value (16 07 'example', an IA5String) is not
    that value."""
    out = []
    for index, oid, tag, value, der in _atvs(raw):
        if tag == _UTF8_STRING or tag == _PRINTABLE_STRING:
            key = (bytes(oid), b'S', b' '.join(bytes(value).lower().split()))
        else:
            key = (bytes(oid), b'D', bytes(der))
        if index == len(out):
            out.append([])
        out[index].append(key)
    for rdn in out:
        rdn.sort()
    return out


def common_name(raw):
    """The last (most specific) CN of a Name, or None."""
    cn = None
    for typ, text, index, hex_form in name_attributes(raw):
        if typ == 'CN' and not hex_form:
            cn = text
    return cn
