"""tools/dtls_echo.py's own logic, in process, on both runtimes (the subprocess runs against
itself and other peers are in test_host_echo.py and test_host_interop_*.py)."""
import sys

from support import ROOT

sys.path.insert(0, ROOT + '/tools')
sys.path.insert(0, ROOT + '/ports/unix')
import dtls_echo  # noqa: E402
import dtls_lite  # noqa: E402


class _OneRecordContext:
    """A Context stand-in whose write() takes at most `room` bytes, as one record does."""

    def __init__(self, room):
        self.room = room
        self.records = []

    def write(self, session, data):
        n = min(len(data), self.room)
        self.records.append((session, bytes(data[:n])))
        return n


def test_server_says_when_a_reply_is_cut_to_one_record():
    # write() sends one record's worth and says how much: the rest used to be lost without a
    # word. A reply stays one record (a client counts one reply per line it sent), and a cut
    # one is said on stderr.
    class Server(dtls_echo.EchoServer):
        def __init__(self, ctx):        # no socket: only the outbox logic is under test
            self.ctx = ctx
            self.outbox = []
    server = Server(_OneRecordContext(100))
    reply = bytes(range(256)) + b'\n'
    a = dtls_echo.unixport.resolve('10.0.0.1', 5684)[1]        # this runtime's address form
    b = dtls_echo.unixport.resolve('10.0.0.2', 5684)[1]
    server.outbox = [(a, reply), (b, b'short\n')]
    said = []
    real_log = dtls_echo.unixport.log
    dtls_echo.unixport.log = said.append
    try:
        server.flush_outbox()
    finally:
        dtls_echo.unixport.log = real_log
    assert server.outbox == []
    assert [len(d) for s, d in server.ctx.records] == [100, 6]
    assert len(said) == 1 and 'reply of 257 bytes cut to 100' in said[0] and '--mtu' in said[0], said


def test_client_says_out_of_memory_only_when_that_ended_the_session():
    # A large record the heap could not hold is dropped and counted as out_of_memory, and the
    # session goes on: a later, unrelated fatal alert must not be put down to it.
    class Client(dtls_echo.EchoClient):
        def __init__(self):             # no socket: only the event logic is under test
            self.connected = self.peer_closed = False
            self.failure = None
            self.oom_seen = 0

    class Ctx:
        stats = {'out_of_memory': 0}
    ctx = Ctx()
    client = Client()
    client._event(ctx, None, 0, dtls_lite.EVENT_CONNECTED)
    ctx.stats['out_of_memory'] = 1                  # a record dropped, session still up
    client._event(ctx, None, 2, 51)                 # not internal_error: not the heap
    assert client.failure == 'fatal alert 51'
    ctx.stats['out_of_memory'] = 2                  # a MemoryError that ended it
    client._event(ctx, None, 2, 80)                 # (the engine sends internal_error then)
    assert client.failure == 'fatal alert 80 (out of memory)'
    fresh = Client()                                # no MemoryError since it connected
    fresh._event(ctx, None, 0, dtls_lite.EVENT_CONNECTED)
    fresh._event(ctx, None, 2, 80)
    assert fresh.failure == 'fatal alert 80'


def test_timeout_must_be_positive():
    # R9: --timeout -1 was accepted, and the client then "timed out after -1000 ms" at once.
    for value in ('-1', '0'):
        try:
            dtls_echo.parse_args(['client', '127.0.0.1:9', '--timeout', value])
            assert False, value
        except dtls_echo.UsageError as e:
            assert '--timeout must be positive' in str(e)
    assert dtls_echo.parse_args(['client', '127.0.0.1:9', '--timeout', '0.5'])['timeout_ms'] == 500


def test_client_says_when_a_handshake_message_was_over_max_handshake():
    # handshake_failure for a peer's message over max_handshake_message looked like any other
    # (a CertificateRequest naming a whole CA bundle, a long PSK hint); ctx.stats['too_long']
    # now tells it, and the client says which option to raise.
    class Client(dtls_echo.EchoClient):
        def __init__(self, opts):
            self.connected = self.peer_closed = False
            self.failure = None
            self.oom_seen = 0
            self.opts = opts

    class Ctx:
        stats = {'out_of_memory': 0, 'too_long': 0}
    ctx = Ctx()
    client = Client({})
    client._event(ctx, None, 2, 40)
    assert client.failure == 'fatal alert 40'
    ctx.stats['too_long'] = 1
    client = Client({'max_handshake': 8192})
    client._event(ctx, None, 2, 40)
    assert client.failure == ('fatal alert 40 (the peer sent a handshake message over '
                              '--max-handshake 8192)')


def test_client_tells_giving_up_from_the_peer_closing():
    # R10: EVENT_CLOSED without an alert (the library gave up: no answer) read 'handshake
    # failed: peer closed' although no peer ever answered
    class Client(dtls_echo.EchoClient):
        def __init__(self):
            self.connected = self.peer_closed = False
            self.failure = None
            self.oom_seen = 0

    class Ctx:
        stats = {'out_of_memory': 0}
    client = Client()
    client._event(Ctx(), None, 0, dtls_lite.EVENT_CLOSED)
    assert not client.peer_closed and 'no answer' in client.failure, client.failure
    closed = Client()
    closed._event(Ctx(), None, 1, 0)                # close_notify, then EVENT_CLOSED
    closed._event(Ctx(), None, 0, dtls_lite.EVENT_CLOSED)
    assert closed.peer_closed and closed.failure is None


def test_option_values_refused_with_a_usage_error():
    # R10: --timeout inf was an OverflowError traceback; --mtu 0 silently meant the default;
    # --cert without --key was ignored; a certificate-only server without --key listened and
    # refused every client
    for argv in (['client', '127.0.0.1:9', '--timeout', 'inf'],
                 ['client', '127.0.0.1:9', '--timeout', '-inf'],
                 ['client', '127.0.0.1:9', '--idle', '0'],
                 ['client', '127.0.0.1:9', '--cert', 'c.pem'],
                 ['client', '127.0.0.1:9', '--rpk'],
                 ['server', '127.0.0.1:9', '--ca', 'ca.pem'],
                 ['server', '127.0.0.1:9', '--require-client-cert'],
                 # R11: a server that can serve none of its suites refused every client
                 ['server', '127.0.0.1:9', '--ciphers', 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8'],
                 ['server', '127.0.0.1:9', '--key', 'k.pem', '--cert', 'c.pem',
                  '--ciphers', 'TLS_PSK_WITH_AES_128_CCM_8']):
        try:
            dtls_echo.parse_args(argv)
        except dtls_echo.UsageError:
            pass
        else:
            raise AssertionError(argv)
    assert dtls_echo.parse_args(['client', '127.0.0.1:9', '--mtu', '0'])['mtu'] == 0
    try:
        dtls_echo.EchoEndpoint._config(_Opts(dtls_echo.parse_args(['client', '127.0.0.1:9',
                                                                   '--mtu', '0'])))
    except Exception as e:
        raise AssertionError(e)
    ok = dtls_echo.parse_args(['server', '127.0.0.1:9', '--ca', 'ca.pem', '--key', 'k.pem'])
    assert ok['ecdsa'] and not ok['psk']
    assert dtls_echo.parse_args(['server', '127.0.0.1:9', '--ca', 'ca.pem', '--psk-key', '00'])
    for ciphers in ('TLS_PSK_WITH_AES_128_CCM_8', 'TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256',
                    'TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,TLS_PSK_WITH_AES_128_CCM_8'):
        assert dtls_echo.parse_args(['server', '127.0.0.1:9', '--ciphers', ciphers])
    assert dtls_echo.parse_args(['server', '127.0.0.1:9', '--key', 'k.pem', '--ciphers',
                                 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8'])


class _Opts:
    def __init__(self, opts):
        self.opts = opts


def test_server_closes_idle_sessions_and_says_when_hellos_are_refused():
    # R10: sessions of clients gone without close_notify were kept for ever: 16 of them (the
    # default max_peers) locked every new client out, and nothing said so
    a = dtls_echo.unixport.resolve('10.0.0.1', 5684)[1]        # this runtime's address form
    b = dtls_echo.unixport.resolve('10.0.0.2', 5684)[1]
    gone = dtls_echo.unixport.resolve('10.0.0.3', 5684)[1]

    class Ctx:
        def __init__(self):
            self.live = [a, b]
            self.closed = []
            self.stats = {'refused': 0}

        def sessions(self):
            return list(self.live)

        def close(self, session):
            self.closed.append(session)
            self.live.remove(session)

    class Server(dtls_echo.EchoServer):
        def __init__(self, opts):
            self.opts = opts
            self.ctx = Ctx()
            self.seen = {}
            self.refused = 0
    server = Server({'idle_ms': 1000, 'verbose': True})
    now = dtls_echo.unixport.now_ms()
    server.seen = {a: now - 5000, b: now, gone: now}
    said = []
    real_log = dtls_echo.unixport.log
    dtls_echo.unixport.log = said.append
    try:
        server.sweep()
        server.ctx.stats['refused'] = 3
        server.sweep()
    finally:
        dtls_echo.unixport.log = real_log
    assert server.ctx.closed == [a] and list(server.seen) == [b], server.seen
    assert len(said) == 2 and 'idle' in said[0] and '3 hellos refused' in said[1], said


def test_max_record_reaches_the_context_and_is_checked_by_it():
    # --max-record: the longest record accepted, which the Context tells RFC 8449 peers
    opts = dtls_echo.parse_args(['server', '127.0.0.1:9', '--max-record', '600'])
    assert dtls_echo.EchoEndpoint._config(_Opts(opts))['max_record'] == 600
    assert 'max_record' not in dtls_echo.EchoEndpoint._config(
        _Opts(dtls_echo.parse_args(['server', '127.0.0.1:9'])))
    try:
        dtls_echo.parse_args(['server', '127.0.0.1:9', '--max-record', 'x'])
    except dtls_echo.UsageError:
        pass
    else:
        raise AssertionError('--max-record x taken')
    try:
        dtls_lite.Context(max_record=opts['max_record'] - 400)
    except dtls_lite.ConfigError:
        pass
    else:
        raise AssertionError('max_record 200 taken')


def test_a_server_given_whom_to_trust_requires_a_client_certificate():
    # R11: a server's --ca / --peer-key sent no CertificateRequest, so they checked nothing:
    # clients with any key, or none, got in
    import test_x509_fixtures as fx
    path = '/tmp/dtls_echo_test_ca_%d.pem' % id(fx)
    with open(path, 'w') as f:
        f.write(fx.CA_CRT)
    for option in ('--ca', '--peer-key'):
        value = path
        opts = dtls_echo.parse_args(['server', '127.0.0.1:9', option, value, '--key', path])
        config = dtls_echo.EchoEndpoint._config(_Opts(opts))
        assert config.get('require_client_cert') is True, (option, config)
    client = dtls_echo.parse_args(['client', '127.0.0.1:9', '--ca', path])
    assert 'require_client_cert' not in dtls_echo.EchoEndpoint._config(_Opts(client))


def test_verbose_server_keeps_no_timing_for_failed_handshakes():
    # R11: the --verbose timing entry of a handshake that failed stayed for ever
    class Server(dtls_echo.EchoServer):
        def __init__(self):             # no socket: only the event logic is under test
            self.opts = {'verbose': True}
            self.started = {}
    said = []
    real_log = dtls_echo.unixport.log
    dtls_echo.unixport.log = said.append
    try:
        server = Server()
        for i in range(5):
            a = dtls_echo.unixport.resolve('10.0.0.1', 1000 + i)[1]    # this runtime's form
            server._event(None, a, 0, dtls_lite.EVENT_CONNECT)
            server._event(None, a, 2, 115)
            server._event(None, a, 0, dtls_lite.EVENT_CLOSED)
    finally:
        dtls_echo.unixport.log = real_log
    assert server.started == {}
