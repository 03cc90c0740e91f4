"""Review R9 (session 9): defects found by reviewing hello processing, the record layer and the
connection lifecycle; each test failed before its fix. Portable: plain test_* functions with
assert (pytest and tools/mp_test.py)."""
import dtls_lite
from dtls_lite import fragment as fr
from dtls_lite import msg_hello as mh
from dtls_lite import record
from dtls_lite import auth
import test_x509_fixtures as fx
from dtls_sim import records

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
        ch.cookie = mh.parse_hello_verify_request(records(self.out[0])[0][2][12:])[1]
        self.out = []
        self.ctx.handle_message(PEER, _rec(fr.message(1, 1, mh.write_client_hello(ch)), seq=1,
                                           version=version))
        got = []
        for datagram in self.out:
            for ctype, epoch, frag in records(datagram):
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
    # only when the client listed groups (RFC 8422 §5.1.2's condition): a PSK-only hello with
    # a stray ec_point_formats goes on
    answer = _Server().hello((0xC0A8,), [(11, b'\x01\x01'), EMS, RI])
    assert _alert(answer) is None and answer[0][0] == 2, answer


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


# --- record layer and lifecycle ----------------------------------------------------------------

from dtls_sim import Pair                   # noqa: E402 -- the pair tests start here


def _plain(ctype, payload, seq):
    return _rec(payload, seq=seq, ctype=ctype)


def _engine(pair, who):
    return (pair.client if who == 'client' else pair.server)._peers[
        pair.server_addr if who == 'client' else pair.client_addr]


def _sealed(sender, ctype, payload):
    """A protected record as engine `sender` writes it (its epoch-1 keys)."""
    buf = bytearray(len(payload) + 64)
    n = record.seal(sender.wr, sender.suite, sender.rec, sender.wr_seq, buf, 0, ctype, payload)
    sender.wr_seq += 1
    return bytes(buf[:n])


def _client_awaiting_server_ccs(seed):
    pair = Pair(seed=seed)
    pair.client.connect(pair.server_addr)
    assert pair.run(lambda: pair.client.peer(pair.server_addr).state == 'AWAIT_SERVER_CCS',
                    max_ms=3000)
    return pair


def test_malformed_unprotected_ccs_or_alert_is_dropped_not_fatal():
    # RFC 6347 §4.1.2.7: an invalid record is discarded. A damaged epoch-0 ChangeCipherSpec or
    # alert used to end the handshake with decode_error.
    for ctype, payload in ((20, b'\x02'), (20, b'\x01\x01'), (21, b'\x01\x00\x00'), (21, b'\x02')):
        pair = _client_awaiting_server_ccs(3)
        dropped = pair.client.stats['dropped']
        pair.client.handle_message(pair.server_addr, _plain(ctype, payload, 1))
        assert pair.client.peer(pair.server_addr).state == 'AWAIT_SERVER_CCS', (ctype, payload)
        assert pair.client.stats['dropped'] == dropped + 1
        assert pair.run(pair.both_connected, max_ms=60000), (ctype, payload)
        assert pair.internal_errors() == 0


def test_hello_request_mid_handshake_does_not_take_a_message_seq():
    # RFC 5246 §7.4.1.1: ignored while a handshake is under way. It used to be reassembled
    # first, so the server's real message with that message_seq was taken for a copy and the
    # handshake stalled, silently, until it expired.
    pair = _client_awaiting_server_ccs(8)
    nxt = _engine(pair, 'client').hs.reasm.next_seq
    dropped = pair.client.stats['dropped']
    pair.client.handle_message(pair.server_addr, _plain(22, fr.message(0, nxt, b''), 77))
    assert pair.client.stats['dropped'] == dropped + 1
    assert pair.run(pair.both_connected, max_ms=5000)
    assert pair.client.stats['expired'] == 0


def test_ignored_handshake_fragments_are_counted():
    # README: bad network input is dropped and counted. A fragment too far ahead, and a stale
    # copy of a message that is not part of the flight we answer, were not counted.
    pair = _client_awaiting_server_ccs(5)
    nxt = _engine(pair, 'client').hs.reasm.next_seq
    for frag in (fr.message(fr.SERVER_HELLO, nxt + 10, b'x' * 5),          # too far ahead
                 fr.message(fr.HELLO_VERIFY_REQUEST, 0, b'\xfe\xfd\x00')):  # an old message
        dropped = pair.client.stats['dropped']
        pair.client.handle_message(pair.server_addr, _plain(22, frag, 50))
        assert pair.client.stats['dropped'] == dropped + 1, frag


def test_no_read_for_a_session_closed_by_the_read_callback():
    # A callback that closes the session: the records after it in the same datagram are not
    # delivered (close() forgets the peer). They used to reach read() for a session gone.
    pair = Pair(seed=6)
    assert pair.handshake()
    pair.run()
    got = []

    def read(ctx, session, data):
        got.append(bytes(data))
        if data == b'bye':
            ctx.close(session)

    pair.server.set_handler(pair._write, read, pair._event, pair._psk)
    client = _engine(pair, 'client')
    datagram = _sealed(client, 23, b'bye') + _sealed(client, 23, b'one') + _sealed(client, 23, b'two')
    pair.server.handle_message(pair.client_addr, datagram)
    assert got == [b'bye']
    assert pair.server.peer(pair.client_addr) is None


def test_check_retransmit_runs_every_session_when_a_write_raises():
    # A sendto failing for one peer (EHOSTUNREACH on a board) used to stop check_retransmit:
    # the other sessions' timers did not run. The error is raised after they have.
    now = [0]
    sent = []

    def write(ctx, session, data):
        if session == 'A' and now[0]:
            raise OSError(113, 'EHOSTUNREACH')
        sent.append((now[0], session))
        return len(data)

    ctx = dtls_lite.Context(role='client', clock=lambda: now[0], rng=lambda n: bytes(n))
    ctx.set_handler(write, None, None,
                    lambda c, s, kind, i: b'id' if kind == dtls_lite.PSK_IDENTITY else KEY)
    ctx.connect('A')
    ctx.connect('B')
    for t in (1000, 3000, 7000):
        now[0] = t
        try:
            ctx.check_retransmit()
            assert False, 'the write error was not raised'
        except OSError:
            pass
    assert [t for t, s in sent if s == 'B'] == [0, 1000, 3000, 7000]
    assert ctx.check_retransmit() is not None      # nothing due: the next deadline


def test_a_restarted_client_closes_its_old_server_session_first():
    # RFC 6347 §4.2.8: the new handshake replaces the old session. The server application
    # used to get EVENT_CONNECT and EVENT_CONNECTED again with no EVENT_CLOSED in between.
    from dtls_lite.crypto.util import SeededRng
    pair = Pair(seed=29)
    assert pair.handshake()
    pair.run()
    pair.events['server'] = []
    old = _engine(pair, 'server')
    pair.client = dtls_lite.Context(app_data='client', clock=pair.clock, rng=SeededRng(b'new'))
    pair.client.set_handler(pair._write, pair._read, pair._event, pair._psk)
    seen = []

    def event(ctx, session, level, code):
        pair._event(ctx, session, level, code)
        if ctx is pair.server and code == dtls_lite.EVENT_CLOSED:
            seen.append(ctx.peer(session).state)
            ctx.close(session)          # an application tidying up: must not hit the new one

    pair.server.set_handler(pair._write, pair._read, event, pair._psk)
    assert pair.handshake()
    assert pair.events['server'] == [(0, dtls_lite.EVENT_CLOSED), (0, dtls_lite.EVENT_CONNECT),
                                     (0, dtls_lite.EVENT_CONNECTED)], pair.events['server']
    assert seen == ['CLOSED']           # peer() showed the old session, not the new one
    assert old.state == 15 and old.hs is None                            # CLOSED, freed


def test_out_of_memory_while_replacing_a_session_still_reports_the_old_one_closed():
    # Running out of memory while starting the restarted client's handshake used to leave the
    # old session closed but silently, with no EVENT_CLOSED (R9 diff review).
    from dtls_lite.crypto.util import SeededRng
    from dtls_lite import fragment
    pair = Pair(seed=31)
    assert pair.handshake()
    pair.run()
    pair.events['server'] = []
    pair.client = dtls_lite.Context(app_data='client', clock=pair.clock, rng=SeededRng(b'new2'))
    pair.client.set_handler(pair._write, pair._read, pair._event, pair._psk)
    real = fragment.Reassembler.__init__
    failed = []

    def oom(self, next_seq, max_message):
        if not failed and next_seq > 1:         # the new server handshake's, once
            failed.append(1)
            raise MemoryError('memory allocation failed')
        real(self, next_seq, max_message)

    fragment.Reassembler.__init__ = oom
    try:
        assert pair.handshake(max_ms=20000)     # the client's retransmitted hello gets through
    finally:
        fragment.Reassembler.__init__ = real
    assert failed and pair.server.stats['out_of_memory'] == 1
    assert pair.events['server'][0] == (0, dtls_lite.EVENT_CLOSED), pair.events['server']
    assert pair.events['server'][-1] == (0, dtls_lite.EVENT_CONNECTED)


def test_memory_error_while_resending_a_flight_is_counted_not_raised():
    # The re-send in answer to the peer's retransmission ran outside handle_datagram's
    # safety net: a MemoryError there escaped handle_message (and check_retransmit).
    from dtls_lite import engine
    pair = Pair(seed=19)
    flight = []

    def tamper(src, dst, data):
        if src == 'server' and data[0] == 20:          # the server's last flight: lost
            return None
        if src == 'client' and data[0] == 22 and data[13] == 16:
            flight.append(data)                        # the client's CKE, CCS, Finished
        return data

    pair.tamper = tamper
    pair.client.connect(pair.server_addr)
    assert pair.run(lambda: pair.connected('server'), max_ms=900)
    real = engine.Engine._flush

    def full(self, buf, off):
        raise MemoryError('memory allocation failed')

    engine.Engine._flush = full
    try:
        pair.clock.now += 2000
        oom = pair.server.stats['out_of_memory']
        pair.server.handle_message(pair.client_addr, flight[-1])
        assert pair.server.stats['out_of_memory'] == oom + 1
        pair.client.check_retransmit(pair.clock.now + 60000)      # the client's timer
        assert pair.client.stats['out_of_memory'] >= 1
    finally:
        engine.Engine._flush = real
    assert pair.connected('server')


def test_asking_for_client_certificates_with_nothing_to_judge_them_is_a_config_error():
    # require_client_cert made every ECDHE_ECDSA handshake fail with unsupported_certificate,
    # blaming the client; request_client_cert was silently not acted on.
    from dtls_lite.errors import ConfigError
    creds = auth.Credentials(fx.SERVER_KEY_SEC1, fx.SERVER_CRT)
    for flag in ('require_client_cert', 'request_client_cert'):
        ctx = dtls_lite.Context(role='server', cookie_secret=bytes(32), **{flag: True})
        try:
            ctx.set_handler(lambda c, s, d: len(d), get_ecdsa_key=lambda c, s: creds)
            assert False, flag
        except ConfigError as e:
            assert 'judge the client' in str(e), e
        assert ctx._write is None                       # nothing half set
    # any way to judge one will do
    for kw in ({'ca': fx.CA_CRT}, {'peer_keys': []}):
        ctx = dtls_lite.Context(role='server', cookie_secret=bytes(32), require_client_cert=True,
                                **kw)
        ctx.set_handler(lambda c, s, d: len(d), get_ecdsa_key=lambda c, s: creds)
    ctx = dtls_lite.Context(role='server', cookie_secret=bytes(32), require_client_cert=True)
    ctx.set_handler(lambda c, s, d: len(d), get_ecdsa_key=lambda c, s: creds,
                    verify_ecdsa_key=lambda c, s, k: True)


def test_credentials_rebuilt_when_the_returned_value_changed_in_place():
    # The cache matched get_ecdsa_key's value by identity: a dict or bytearray updated in
    # place (a renewed key, a key read into a reused buffer) kept presenting the old key.
    cache = auth.CredentialCache()
    creds = {'private_key': fx.SERVER_KEY_SEC1}
    first = cache.get(creds)
    assert cache.get(creds) is first                   # unchanged: parsed once
    creds['private_key'] = fx.CLIENT_KEY_PKCS8
    second = cache.get(creds)
    assert second.key.public_key.point != first.key.public_key.point
    text = bytearray(fx.SERVER_KEY_SEC1.encode())
    a = cache.get(text)
    text[:] = fx.CLIENT_KEY_PKCS8.encode()
    b = cache.get(text)
    assert a.key.public_key.point == first.key.public_key.point
    assert b.key.public_key.point == second.key.public_key.point
    pem = fx.SERVER_KEY_SEC1
    assert cache.get(pem) is cache.get(pem)            # immutable text: parsed once
    # a dict whose bytearray value is rewritten in place (the diff review: still stale)
    buf = bytearray(fx.SERVER_KEY_SEC1.encode())
    creds = {'private_key': buf}
    c1 = cache.get(creds)
    buf[:] = fx.CLIENT_KEY_PKCS8.encode()
    c2 = cache.get(creds)
    assert c2.key.public_key.point != c1.key.public_key.point
    assert cache.get(creds) is c2                      # unchanged since: parsed once


# --- PSK and the tinydtls-style API ---------------------------------------------------------

def _psk_pair(seed, hint=b'', identity=b'Client_identity', key=KEY, server_keys=None, **kw):
    return Pair(seed=seed, hint=hint, identity=identity, key=key, server_keys=server_keys, **kw)


def test_long_psk_hints_and_identities_are_accepted():
    # RFC 4279 §2: opaque<0..2^16-1>. Over 128 bytes was decode_error, so our client failed an
    # OpenSSL server configured with a long hint, and our server an OpenSSL client with a long
    # identity.
    for hint, identity in ((b'h' * 200, b'Client_identity'), (b'', b'i' * 300),
                           (b'h' * 1000, b'i' * 129)):
        pair = _psk_pair(41, hint=hint, identity=identity)
        assert pair.handshake(max_ms=10000), (len(hint), len(identity), pair.events)
        assert pair.server.peer(pair.client_addr).psk_identity == identity


def test_psk_key_length_limits():
    # Keys up to 512 bytes, as OpenSSL 3 (64 was the limit: a 100-byte key shared with an
    # OpenSSL peer failed with a misleading alert). An empty key is no key: a server whose
    # table gave b'' for an unknown identity let anyone in (the premaster is then constant).
    big = bytes(range(256)) * 2
    pair = _psk_pair(42, key=big, server_keys={b'Client_identity': big})
    assert pair.handshake(max_ms=10000)
    pair = _psk_pair(43, key=b'', server_keys={b'Client_identity': b''})
    assert not pair.handshake(max_ms=10000)
    assert pair.saw('client', 2, dtls_lite.HANDSHAKE_FAILURE), pair.events
    pair = _psk_pair(44, key=KEY, server_keys={b'Client_identity': b''})
    assert not pair.handshake(max_ms=10000)
    assert pair.saw('server', 2, dtls_lite.UNKNOWN_PSK_IDENTITY), pair.events
    # longer than 512: the application's mistake, internal_error (counted), not a peer alert
    pair = _psk_pair(45, key=big + b'x', server_keys={b'Client_identity': big + b'x'})
    assert not pair.handshake(max_ms=10000)
    assert pair.client.stats['internal_error'] == 1


def test_client_identity_reaches_get_psk_info_as_bytes():
    # The client's PSK_KEY call got back the application's own identity object (a bytearray
    # here, unhashable: a dict lookup raised); the server's got bytes.
    pair = _psk_pair(46, identity=bytearray(b'Client_identity'),
                     server_keys={b'Client_identity': KEY})
    seen = []
    real = pair._psk

    def psk(ctx, session, kind, identity):
        if kind == dtls_lite.PSK_KEY:
            seen.append((ctx.app_data, type(identity).__name__))
        return real(ctx, session, kind, identity)

    for ctx in (pair.client, pair.server):
        ctx.set_handler(pair._write, pair._read, pair._event, psk)
    assert pair.handshake(max_ms=10000)
    assert sorted(seen) == [('client', 'bytes'), ('server', 'bytes')], seen


def test_server_without_get_psk_info_does_not_pick_a_psk_suite():
    # It picked the client's PSK suite and refused every client with unknown_psk_identity,
    # where ECDHE_ECDSA would have done.
    creds = auth.Credentials(fx.SERVER_KEY_SEC1, fx.SERVER_CRT)
    server = _Server(ciphers=['TLS_PSK_WITH_AES_128_CCM_8', 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8'])
    server.ctx.set_handler(lambda c, s, d: server.out.append(bytes(d)) or len(d),
                           get_ecdsa_key=lambda c, s: creds)
    answer = server.hello((0xC0A8, 0xC0AE), [GROUPS, POINTS, SIG_ALGS, EMS, RI])
    assert mh.parse_server_hello(answer[0][1][12:]).cipher_suite == 0xC0AE, answer
    server = _Server(ciphers=['TLS_PSK_WITH_AES_128_CCM_8'])
    server.ctx.set_handler(lambda c, s, d: server.out.append(bytes(d)) or len(d))
    assert _alert(server.hello((0xC0A8,), [EMS, RI])) == dtls_lite.HANDSHAKE_FAILURE


def test_connect_sends_the_hello_even_if_the_event_callback_raises():
    # EVENT_CONNECT was emitted before the hello was made; a callback raising on it left the
    # session unmade and nothing sent, though README says the output is delivered first.
    sent = []

    def event(ctx, session, level, code):
        raise RuntimeError('app bug')

    ctx = dtls_lite.Context(role='client', rng=lambda n: bytes(n), clock=lambda: 0)
    ctx.set_handler(lambda c, s, d: sent.append(bytes(d)) or len(d), None, event,
                    lambda c, s, kind, i: b'id' if kind == dtls_lite.PSK_IDENTITY else KEY)
    try:
        ctx.connect('srv')
        assert False, 'the callback error was not raised'
    except RuntimeError:
        pass
    assert len(sent) == 1 and sent[0][0] == 22          # the ClientHello went out
    assert ctx.peer('srv').state == 'AWAIT_SERVER_HELLO'


def test_peer_identity_is_shown_once_proved():
    # ctx.peer() showed the identity a client claimed (its ClientKeyExchange) before its
    # Finished proved the key, for as long as the handshake could last.
    pair = _psk_pair(47, server_keys={b'Client_identity': bytes(16)})     # a wrong key
    pair.client.connect(pair.server_addr)
    pair.run(lambda: pair.server.peer(pair.client_addr) is not None
             and pair.server.peer(pair.client_addr).state == 'AWAIT_CLIENT_FINISHED', max_ms=2000)
    info = pair.server.peer(pair.client_addr)
    assert info is None or info.psk_identity is None, info
    pair = _psk_pair(48)
    assert pair.handshake(max_ms=10000)
    assert pair.server.peer(pair.client_addr).psk_identity == b'Client_identity'


def test_a_handshake_message_over_max_handshake_message_is_counted():
    # handshake_failure for a peer's oversized message (a long PSK hint here) is counted as
    # too_long, so an application can tell which limit to raise (review R9, interop).
    pair = _psk_pair(49, hint=b'h' * 5000)
    assert not pair.handshake(max_ms=5000)
    assert pair.saw('client', 2, dtls_lite.HANDSHAKE_FAILURE)
    assert pair.client.stats['too_long'] == 1
    pair = _psk_pair(50, hint=b'h' * 5000, client_config={'max_handshake_message': 8192})
    assert pair.handshake(max_ms=5000)
    assert pair.client.stats['too_long'] == 0
