"""PEM armour (RFC 7468): '-----BEGIN LABEL-----', base64 lines, '-----END LABEL-----'.

`pem_blocks` yields every (label, der) in a text, skipping anything between blocks (OpenSSL puts
'EC PARAMETERS' before 'EC PRIVATE KEY', and explanatory text before certificates).
`to_der(data, label)` accepts PEM or DER and returns DER, so every loader takes either.
"""
import binascii

from .der import fail


def is_pem(data):
    """Whether `data` is PEM text. Bytes starting as DER does (a SEQUENCE, 0x30) are DER,
    whatever text a field inside holds."""
    if isinstance(data, str):
        return '-----BEGIN ' in data
    data = bytes(data)
    return data[:1] != b'\x30' and b'-----BEGIN ' in data


def pem_blocks(data):
    """All (label, der) blocks of a PEM text, in order."""
    text = data
    if not isinstance(data, str):
        try:
            text = bytes(data).decode()
        except ValueError:  # UnicodeError (MicroPython's is a ValueError too)
            fail('pem_text')
    out = []
    pos = 0
    while True:
        begin = text.find('-----BEGIN ', pos)
        if begin < 0:
            return out
        eol = text.find('-----', begin + 11)
        if eol < 0:
            fail('pem_head')
        label = text[begin + 11:eol]
        footer = '-----END ' + label + '-----'
        stop = text.find(footer, eol + 5)
        if stop < 0:
            fail('pem_end')
        try:
            # bytes: micropython-lib's binascii.py (ports without the C module) takes no str
            der = binascii.a2b_base64(''.join(text[eol + 5:stop].split()).encode())
        except ValueError:  # binascii.Error is a ValueError (MicroPython has no .Error)
            fail('pem_b64')
        out.append((label, der))
        pos = stop + len(footer)


def pem_decode(data, label):
    """DER of the first block with this label (e.g. 'CERTIFICATE')."""
    for lab, der in pem_blocks(data):
        if lab == label:
            return der
    fail('pem_none', label)


def pem_encode(label, der):
    """PEM text of one DER object, 64 base64 characters a line (RFC 7468 §2)."""
    b64 = binascii.b2a_base64(der).decode().replace('\n', '')
    lines = ['-----BEGIN %s-----' % label]
    for i in range(0, len(b64), 64):
        lines.append(b64[i:i + 64])
    lines.append('-----END %s-----\n' % label)
    return '\n'.join(lines)


def to_der(data, label):
    """DER from either PEM (the first `label` block) or DER bytes."""
    if isinstance(data, str) or is_pem(data):
        return pem_decode(data, label)
    return bytes(data)
