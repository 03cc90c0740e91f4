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
    """All (label, der) blocks of a PEM text, in order. The armour is looked for in the bytes,
    so text around the blocks may be in any encoding (RFC 7468 §2: parsers must not fail on
    it). A block with RFC 1421 headers ('Proc-Type: 4,ENCRYPTED': an encrypted key) has der
    None: an error only for a caller that wanted that block (a certificate and an encrypted
    key in one file still give the certificate)."""
    text = data.encode() if isinstance(data, str) else bytes(data)
    out = []
    pos = 0
    while True:
        begin = text.find(b'-----BEGIN ', pos)
        if begin < 0:
            return out
        eol = text.find(b'-----', begin + 11)
        if eol < 0:
            fail('pem_head')
        label = text[begin + 11:eol]
        footer = b'-----END ' + label + b'-----'
        stop = text.find(footer, eol + 5)
        if stop < 0:
            fail('pem_end')
        body = text[eol + 5:stop]
        der = None
        try:
            label = label.decode()
            if body.find(b'Proc-Type:') < 0:
                # bytes: micropython-lib's binascii.py (ports without the C module) takes no str
                der = binascii.a2b_base64(b''.join(body.split()))
        except ValueError:  # UnicodeError and binascii.Error are ValueErrors (also MicroPython)
            fail('pem_b64')
        out.append((label, der))
        pos = stop + len(footer)


def pem_decode(data, label):
    """DER of the first block with this label (e.g. 'CERTIFICATE')."""
    for lab, der in pem_blocks(data):
        if lab == label:
            if der is None:
                fail('key_enc')
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
