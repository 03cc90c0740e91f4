"""Session 11 review of server-name checking and name decoding: each test failed before its fix.
Portable: plain test_* functions with assert (pytest and tools/mp_test.py)."""
import dtls_lite
from dtls_lite.x509 import cert as xc
from dtls_lite.x509.chain import match_hostname, ip_bytes
from dtls_lite.x509.errors import CertificateError
import test_x509_fixtures as fx


class _Names:
    """What match_hostname reads of a certificate: its dNSName and iPAddress SANs."""

    def __init__(self, dns=(), ips=()):
        self.dns_names = list(dns)
        self.ip_addresses = [xc.format_ip(ip_bytes(a)) for a in ips]


def test_ipv4_with_leading_zeros_is_no_address_to_match():
    # getaddrinfo/inet_aton read '0177.0.0.1' as octal 127.0.0.1: checking it as decimal
    # 177.0.0.1 accepted the certificate of an address the client never connected to
    # (CVE-2021-29921's class). Such names are refused, as Python's ipaddress does.
    for name in ('0177.0.0.1', '127.0.0.01', '010.0.0.1', '00.0.0.0'):
        try:
            ip_bytes(name)
        except ValueError:
            pass
        else:
            raise AssertionError(name)
        assert not match_hostname(_Names(ips=['177.0.0.1', '127.0.0.1', '10.0.0.1', '0.0.0.0',
                                              '8.0.0.1']), name), name
    assert ip_bytes('0.0.0.0') == bytes(4) and ip_bytes('10.0.0.1') == b'\x0a\x00\x00\x01'


def test_ipv6_with_a_dotted_ipv4_tail():
    # RFC 4291 §2.2 form 3, the RFC 5952 §5 notation of IPv4-mapped addresses: refused
    # (ValueError), so such a server_name never matched and keygen could not write one
    assert ip_bytes('::ffff:192.0.2.1') == bytes(10) + b'\xff\xff\xc0\x00\x02\x01'
    assert ip_bytes('0:0:0:0:0:ffff:192.0.2.1') == ip_bytes('::ffff:c000:201')
    assert ip_bytes('::0.0.0.1') == ip_bytes('::1')
    names = _Names(ips=['::ffff:c000:201'])
    assert match_hostname(names, '::ffff:192.0.2.1')
    assert match_hostname(names, '0:0:0:0:0:ffff:192.0.2.1')
    assert not match_hostname(names, '::ffff:192.0.2.2')
    for bad in ('::ffff:192.0.2', '::ffff:192.0.2.1.5', '1:2:3:4:5:6:7:1.2.3.4',
                '::ffff:1.2.3.4:5', '::ffff:01.2.3.4'):
        try:
            ip_bytes(bad)
        except ValueError:
            pass
        else:
            raise AssertionError(bad)


def test_trailing_dots_and_empty_labels_do_not_match():
    # rstrip('.') took every trailing dot: 'example.com..' matched 'example.com', and an
    # empty dNSName matched a server_name of '' or '.'. One root dot is allowed on each side.
    assert not match_hostname(_Names(['example.com..']), 'example.com')
    assert not match_hostname(_Names(['*.example.com']), 'foo.example.com...')
    assert not match_hostname(_Names(['example.com']), 'example.com..')
    for name in ('', '.', '...'):
        assert not match_hostname(_Names(['']), name), name
    assert match_hostname(_Names(['example.com.']), 'example.com')
    assert match_hostname(_Names(['example.com']), 'Example.COM.')
    assert match_hostname(_Names(['*.example.com.']), 'a.example.com')


def test_non_ascii_server_names_are_refused_alike_on_both_runtimes():
    # RFC 6125 §6.4.1: ASCII case-insensitive. str.lower() maps U+212A KELVIN SIGN to 'k' on
    # CPython, not on MicroPython: the runtimes disagreed. U-labels must be given as A-labels.
    names = _Names(['k.example.com', 'xn--bcher-kva.example'])
    assert not match_hostname(names, '\u212a.example.com')
    assert not match_hostname(names, 'b\u00fccher.example')
    assert not match_hostname(names, 'k.example.com\x00')
    assert match_hostname(names, 'K.EXAMPLE.com') and match_hostname(names, 'xn--bcher-kva.example')


def test_server_name_must_be_a_str():
    # bytes (what a socket API takes) or an int used to fail every handshake with
    # internal_error instead of a ConfigError at set-up
    for bad in (b'localhost', bytearray(b'localhost'), 127, ['localhost']):
        try:
            dtls_lite.Context(ciphers=['TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8'], ca=fx.CA_CRT,
                              server_name=bad)
        except dtls_lite.ConfigError:
            pass
        else:
            raise AssertionError(bad)
    dtls_lite.Context(ciphers=['TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8'], ca=fx.CA_CRT,
                      server_name='localhost')


def test_universal_string_has_no_surrogate_pairs():
    # UniversalString is UCS-4: surrogate code points are not characters there, and only
    # BMPString (UTF-16) pairs them. 0000D83D 0000DE00 was read as U+1F600.
    from dtls_lite.x509.name import decode_string
    try:
        decode_string(28, b'\x00\x00\xd8\x3d\x00\x00\xde\x00')
    except CertificateError:
        pass
    else:
        raise AssertionError('UCS-4 surrogates taken')
    assert decode_string(28, b'\x00\x01\xf6\x00') == '\U0001f600'
    assert decode_string(30, b'\xd8\x3d\xde\x00') == '\U0001f600'
