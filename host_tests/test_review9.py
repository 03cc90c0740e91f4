"""Review R9 (session 9): defects found by reviewing hello processing, the record layer and the
connection lifecycle; each test failed before its fix. Portable: plain test_* functions with
assert (pytest and tools/mp_test.py)."""
import dtls_lite
from dtls_lite import fragment as fr
from dtls_lite import msg_hello as mh
from dtls_lite import record
from dtls_lite import auth
import test_x509_fixtures as fx

PEER = ('10.0.0.2', 40000)
KEY = bytes(range(16))
EMS = (23, b'')
RI = (0xFF01, b'\x00')
GROUPS = (10, b'\x00\x02\x00\x17')          # secp256r1
POINTS = (11, b'\x01\x00')                  # uncompressed
SIG_ALGS = (13, b'\x00\x02\x04\x03')        # ecdsa_secp256r1_sha256


def _rec(payload, seq=0, ctype=22, epoch=0, version=0xFEFD):
    buf = bytearray(len(payload) + 13)
    n = record.write_plain(buf, 0, ctype, epoch, seq, payload)
    buf[1] = version >> 8
    buf[2] = version & 0xff
    return bytes(buf[:n])


def _records(datagram):
    """(content_type, epoch, fragment) of each record."""
    out = []
    pos = 0
    while pos + 13 <= len(datagram):
        n = (datagram[pos + 11] << 8) | datagram[pos + 12]
        out.append((datagram[pos], (datagram[pos + 3] << 8) | datagram[pos + 4],
                    datagram[pos + 13:pos + 13 + n]))
        pos += 13 + n
    return out


def _psk(ctx, session, kind, identity):
    return b'' if kind == dtls_lite.PSK_HINT else KEY


class _Server:
    """A server Context fed hand-made ClientHellos through the cookie exchange."""

    def __init__(self, ecdsa=False, **cfg):
        self.out = []
        self.ctx = dtls_lite.Context(clock=lambda: 1000, role='server',
                                     cookie_secret=b'0123456789abcdef0123456789abcdef', **cfg)
        kw = {}
        if ecdsa:
            creds = auth.Credentials(fx.SERVER_KEY_SEC1, fx.SERVER_CRT)
            kw['get_ecdsa_key'] = lambda c, s: creds
        self.ctx.set_handler(lambda c, s, d: self.out.append(bytes(d)) or len(d), None,
                             lambda c, s, level, code: None, _psk, **kw)

    def hello(self, suites, exts, version=0xFEFD):
        """What the server answers to a ClientHello with a valid cookie: [(kind, fragment)],
        kind the handshake msg_type, or 'alert' (fragment: level, description)."""
        ch = mh.ClientHello(random=bytes(range(32)), cipher_suites=list(suites), extensions=exts)
        self.out = []
        self.ctx.handle_message(PEER, _rec(fr.message(1, 0, mh.write_client_hello(ch)),
                                           version=version))
        if len(self.out) != 1:
            return []
        ch.cookie = mh.parse_hello_verify_request(_records(self.out[0])[0][2][12:])[1]
        self.out = []
        self.ctx.handle_message(PEER, _rec(fr.message(1, 1, mh.write_client_hello(ch)), seq=1,
                                           version=version))
        got = []
        for datagram in self.out:
            for ctype, epoch, frag in _records(datagram):
                got.append(('alert', bytes(frag)) if ctype == 21 else (frag[0], frag))
        return got


def _alert(answer):
    for kind, frag in answer:
        if kind == 'alert':
            return frag[1]
    return None


# --- hellos ------------------------------------------------------------------------------------

def test_point_formats_without_uncompressed_refused_whichever_suite_is_picked():
    # RFC 8422 §5.1.2: a client listing groups must list the uncompressed point format, else
    # the server aborts with illegal_parameter. A server preferring plain PSK used to go on.
    exts = [GROUPS, (11, b'\x01\x01'), EMS, RI]
    for ciphers in (['TLS_PSK_WITH_AES_128_CCM_8', 'TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256'],
                    ['TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256', 'TLS_PSK_WITH_AES_128_CCM_8']):
        server = _Server(ciphers=ciphers)
        assert _alert(server.hello((0xC0A8, 0xD003), exts)) == dtls_lite.ILLEGAL_PARAMETER, ciphers
        assert server.ctx.sessions() == []


def test_malformed_certificate_type_lists_are_decode_error():
    # RFC 7250 lists whose length byte overruns: decode_error (RFC 5246 §7.2.2). They used to
    # count as "no common type": a server offering PSK too fell back to it, and a server
    # requesting a client key silently dropped client authentication.
    bad = b'\x05\x02'
    ecdsa = 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8'
    cases = (
        ({'ciphers': [ecdsa]}, (0xC0AE,), 20),
        ({'ciphers': [ecdsa, 'TLS_PSK_WITH_AES_128_CCM_8']}, (0xC0AE, 0xC0A8), 20),
        ({'ciphers': [ecdsa], 'request_client_cert': True, 'peer_keys': []}, (0xC0AE,), 19),
    )
    for cfg, suites, ext in cases:
        server = _Server(ecdsa=True, **cfg)
        answer = server.hello(suites, [GROUPS, POINTS, SIG_ALGS, (ext, bad), EMS, RI])
        assert _alert(answer) == dtls_lite.DECODE_ERROR, (cfg, ext, answer)


def test_server_refuses_a_non_empty_extended_master_secret():
    # RFC 7627 §5.1: its extension_data is empty; the client already refused a non-empty one.
    server = _Server()
    assert _alert(server.hello((0xC0A8,), [(23, b'\x01\x02\x03'), RI])) == dtls_lite.DECODE_ERROR
    assert _alert(_Server().hello((0xC0A8,), [EMS, RI])) is None        # the control


def test_hellos_in_records_of_another_version_are_dropped_statelessly():
    # The engine drops records whose version is neither DTLS 1.2 nor 1.0; the stateless
    # hello answerer used to accept them and make a session nothing could finish.
    for version in (0x0303, 0x1234):
        server = _Server()
        dropped = server.ctx.stats['dropped']
        assert server.hello((0xC0A8,), [EMS, RI], version=version) == []
        assert server.out == [] and server.ctx.sessions() == []
        assert server.ctx.stats['dropped'] == dropped + 1
    assert _Server().hello((0xC0A8,), [EMS, RI], version=0xFEFF)        # DTLS 1.0 records: fine
