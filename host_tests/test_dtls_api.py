"""Application misuse of the Context API raises a dtls_lite exception, on both runtimes."""
import dtls_lite


def _ctx():
    ctx = dtls_lite.Context()
    ctx.set_handler(lambda c, s, d: len(d),
                    get_psk_info=lambda c, s, kind, ident: b'id' if kind == dtls_lite.PSK_IDENTITY else b'k' * 16)
    return ctx


def test_unhashable_session_is_a_dtls_error():
    # MicroPython's socket.getaddrinfo returns the sockaddr as a bytearray: not usable as a key.
    ctx = _ctx()
    for call in (ctx.connect, lambda s: ctx.handle_message(s, b'\x16'), lambda s: ctx.write(s, b'x'),
                 ctx.close, ctx.peer):
        try:
            call(bytearray(b'\x02\x00\x16\x34'))
        except dtls_lite.DTLSError as e:
            assert 'hashable' in str(e)
        else:
            raise AssertionError('no DTLSError for an unhashable session')


def test_bytes_session_works():
    ctx = _ctx()
    sent = []
    ctx.set_handler(lambda c, s, d: sent.append(bytes(d)) or len(d),
                    get_psk_info=lambda c, s, kind, ident: b'id' if kind == dtls_lite.PSK_IDENTITY else b'k' * 16)
    ctx.connect(bytes(bytearray(b'\x02\x00\x16\x34')))
    assert sent and sent[0][0] == 22          # a handshake record (the ClientHello) went out
    assert ctx.peer(b'\x02\x00\x16\x34') is not None


def test_write_before_connected_raises_not_connected():
    ctx = _ctx()
    try:
        ctx.write(('127.0.0.1', 5684), b'data')
    except dtls_lite.NotConnected:
        pass
    else:
        raise AssertionError('write before the handshake must raise NotConnected')


def _set_psk_handler(ctx):
    ctx.set_handler(lambda c, s, d: len(d),
                    get_psk_info=lambda c, s, kind, ident: b'id' if kind == dtls_lite.PSK_IDENTITY else b'k' * 16)


def _unload(name):
    # Forget a loaded module entirely: its sys.modules entry and its package's attribute (else
    # `from package import name` finds the attribute and never imports again, so an earlier
    # test's import would hide whether set_handler loads it).
    import sys
    sys.modules.pop(name, None)
    package, _, leaf = name.rpartition('.')
    if package in sys.modules and hasattr(sys.modules[package], leaf):
        delattr(sys.modules[package], leaf)


def _recorded_loads(config, handler=_set_psk_handler):
    """(at Context(), at set_handler): the AEAD names and group codes loaded, recorded by
    stand-in loaders."""
    from dtls_lite import suites
    from dtls_lite.crypto import aead
    loads = []
    real_load, real_group = aead.load, suites.group_module
    aead.load = lambda name: loads.append(name)
    suites.group_module = lambda code: loads.append(code)
    try:
        ctx = dtls_lite.Context(**config)
        at_context = list(loads)
        del loads[:]
        handler(ctx)
    finally:
        aead.load, suites.group_module = real_load, real_group
    return at_context, loads


def test_context_preloads_the_configured_aead_and_groups():
    # The handshake must not import code (heap peak, fragmentation on a board). With explicit
    # `ciphers`, Context() loads what they need, and only that, before it parses anything else
    # (trust anchors), so the code lies together at the start of the heap; set_handler loads
    # nothing more.
    loads = _recorded_loads({'ciphers': ['TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256'],
                             'groups': ['x25519']})
    assert loads == (['AES_128_GCM', 29], [])  # the suite's AEAD, then x25519 (RFC 8422 code 29)


def test_preload_psk_suites_load_no_group():
    loads = _recorded_loads({'ciphers': ['TLS_PSK_WITH_AES_128_CCM_8'], 'groups': ['secp256r1']})
    assert loads == (['AES_128_CCM_8'], [])


def test_preload_false_loads_on_first_use():
    loads = _recorded_loads({'ciphers': ['TLS_PSK_WITH_CHACHA20_POLY1305_SHA256'],
                             'preload': False})
    assert loads == ([], [])


def test_set_handler_preloads_the_suites_the_handlers_choose():
    # Without `ciphers` the suites follow the handlers, so only set_handler knows them: the
    # default PSK suites (no ECDHE among them, so no group) for a get_psk_info handler.
    from dtls_lite import suites
    at_context, at_handler = _recorded_loads({})
    assert at_context == []
    assert suites.DEFAULT_CIPHERS and at_handler == [suites.by_name(n)[3] for n in suites.DEFAULT_CIPHERS]


def test_aead_load_returns_the_implementation():
    import sys
    from dtls_lite import crypto
    from dtls_lite.compat import HAVE_CRYPTOLIB
    from dtls_lite.crypto import aead
    from dtls_lite.crypto.ccm import AESCCM
    # and, where there is no cryptolib (CPython), the pure AES the first key would import: so
    # no handshake loads code (it used to import _aead_aes_py at the first key on CPython)
    name = 'dtls_lite.crypto._aead_aes_py'
    saved = sys.modules.pop(name, None)
    bound = crypto.__dict__.pop('_aead_aes_py', None)
    try:
        assert aead.load('AES_128_CCM_8') is AESCCM
        assert (name in sys.modules) == (not HAVE_CRYPTOLIB)
    finally:
        if saved is not None:
            sys.modules[name] = saved
        if bound is not None:
            crypto._aead_aes_py = bound
    try:
        aead.load('AES_512_XYZ')
    except ValueError:
        pass
    else:
        raise AssertionError('unknown AEAD name must raise ValueError')


_PSK_CCM_8 = {'ciphers': ['TLS_PSK_WITH_AES_128_CCM_8']}


def _client_hello():
    """The first datagram a default (both roles) PSK Context sends: a ClientHello."""
    sent = []
    ctx = dtls_lite.Context(**_PSK_CCM_8)
    ctx.set_handler(lambda c, s, d: sent.append(bytes(d)) or len(d),
                    get_psk_info=lambda c, s, kind, ident: b'id' if kind == dtls_lite.PSK_IDENTITY else b'k' * 16)
    ctx.connect('server')
    assert len(sent) == 1
    return sent[0]


def test_role_client_drops_hellos_and_never_loads_the_server_code():
    import sys
    hello = _client_hello()
    _unload('dtls_lite.server')
    _unload('dtls_lite.cookie')
    sent = []
    ctx = dtls_lite.Context(role='client', **_PSK_CCM_8)
    ctx.set_handler(lambda c, s, d: sent.append(bytes(d)) or len(d),
                    get_psk_info=lambda c, s, kind, ident: b'id' if kind == dtls_lite.PSK_IDENTITY else b'k' * 16)
    ctx.connect('server')                   # a client as usual: its ClientHello goes out
    assert len(sent) == 1 and sent[0][13] == 1
    ctx.handle_message('stranger', hello)   # nobody is served: no HelloVerifyRequest
    assert len(sent) == 1
    assert ctx.stats['dropped'] == 1 and ctx.stats['hello_verify_sent'] == 0
    assert ctx.sessions() == ['server']
    assert 'dtls_lite.server' not in sys.modules and 'dtls_lite.cookie' not in sys.modules


def test_role_server_refuses_connect_and_never_loads_the_client_code():
    import sys
    hello = _client_hello()
    _unload('dtls_lite.client')
    sent = []
    ctx = dtls_lite.Context(role='server', **_PSK_CCM_8)
    ctx.set_handler(lambda c, s, d: sent.append(bytes(d)) or len(d),
                    get_psk_info=lambda c, s, kind, ident: b'k' * 16)
    try:
        ctx.connect('server')
    except dtls_lite.ConfigError as e:
        assert 'role' in str(e)
    else:
        raise AssertionError("connect() on a role='server' Context must raise ConfigError")
    assert ctx.sessions() == []
    ctx.handle_message('client', hello)     # served: the cookie exchange answers
    assert ctx.stats['hello_verify_sent'] == 1 and len(sent) == 1 and sent[0][13] == 3
    assert 'dtls_lite.client' not in sys.modules


def test_roles_handshake_and_a_bad_role_is_a_config_error():
    from dtls_sim import Pair
    pair = Pair(seed=31, client_config={'role': 'client'}, server_config={'role': 'server'})
    assert pair.handshake(), pair.events
    for bad in ('both', 'Client', 1):
        try:
            dtls_lite.Context(role=bad)
        except dtls_lite.ConfigError:
            pass
        else:
            raise AssertionError('role=%r must raise ConfigError' % (bad,))


class _Collections:
    """Stands in for the gc module in dtls_lite.context and counts the collections."""

    def __init__(self):
        self.count = 0

    def collect(self):
        self.count += 1


def test_on_micropython_a_datagram_moving_a_handshake_is_followed_by_a_collection_and_nothing_else_is():
    # On MicroPython, Context collects after connect() and after every datagram that moved a
    # handshake on (its allocator is first-fit: see handle_message). Run here on both
    # runtimes with the module's MICROPYTHON flag and gc replaced: the count is the library's.
    from dtls_lite import context
    from dtls_sim import Pair
    pair = Pair(seed=32)
    other = Pair(seed=33)          # made first: set-up and connect() collect too
    other.client.connect(other.server_addr)
    hello = other.net.queue[0][4]                       # [deliver_at, order, dst, src, data]
    assert hello[0] == 22 and hello[13] == 1             # a handshake record: ClientHello
    saved = context.MICROPYTHON, context.gc
    counter = _Collections()
    context.MICROPYTHON, context.gc = True, counter
    try:
        pair.client.connect(pair.server_addr)
        assert counter.count == 1                       # after the ClientHello went out
        # datagrams at the peer's address that move the handshake nothing on (an unknown
        # record type, a truncated header) are dropped and cost no collection each
        dropped = pair.client.stats['dropped']
        for junk in (b'\x63\xfe\xfd' + bytes(8) + b'\x00\x01x', b'\x16\xfe\xfd\x00\x00'):
            pair.client.handle_message(pair.server_addr, junk)
        assert pair.client.stats['dropped'] == dropped + 2, pair.client.stats
        assert counter.count == 1
        assert pair.run(pair.both_connected), pair.events
        during = counter.count
        assert pair.client.write(pair.server_addr, b'ping') == 4
        pair.run(lambda: pair.received['server'] == [b'ping'])
        assert pair.received['server'] == [b'ping']
        pair.server.write(pair.client_addr, b'pong')
        pair.run(lambda: pair.received['client'] == [b'pong'])
        assert pair.received['client'] == [b'pong']
        # a ClientHello from a new address is answered statelessly: no collection for it
        before = pair.server.stats['hello_verify_sent']
        pair.server.handle_message(('10.9.9.9', 5684), hello)
        assert pair.server.stats['hello_verify_sent'] == before + 1
        after = counter.count
    finally:
        context.MICROPYTHON, context.gc = saved
    # connect; client: HelloVerifyRequest, the server's flight, its Finished; server: the
    # client's final flight (its hellos go through the stateless cookie exchange first)
    assert during >= 4, during
    assert after == during, (during, after)


def test_now_is_the_clock_of_the_deadlines():
    # check_retransmit() without now_ms returns deadlines on the Context's clock; now() reads
    # it. With the default clock that is ticks_ms unwrapped from the first call, not ticks_ms
    # itself: a wait computed against the raw counter was 0 (a busy loop) or ~12 days.
    ctx = _ctx()
    ctx.connect(('10.0.0.1', 5684))
    t0 = ctx.now()
    wait = ctx.check_retransmit() - ctx.now()
    assert 0 < wait <= 1000, wait        # the first retransmission timeout is 1 s
    assert 0 <= ctx.now() - t0 < 1000
    # with an application clock, now() is that clock
    t = [5000]
    ctx = dtls_lite.Context(clock=lambda: t[0])
    ctx.set_handler(lambda c, s, d: len(d),
                    get_psk_info=lambda c, s, kind, ident: b'id' if kind == dtls_lite.PSK_IDENTITY else b'k' * 16)
    ctx.connect(('10.0.0.1', 5684))
    assert ctx.now() == 5000 and ctx.check_retransmit() == 6000


def _psk(c, s, kind, ident):
    return b'id' if kind == dtls_lite.PSK_IDENTITY else b'k' * 16


def _raises(exc, fn, *args):
    try:
        fn(*args)
    except exc as e:
        return e
    raise AssertionError('no %s' % exc.__name__)


def test_data_must_be_bytes_like():
    # the application's mistake, said plainly: not a TypeError from deep inside (or, on
    # MicroPython, a str taken as bytes)
    from dtls_sim import Pair
    pair = Pair(seed=40)
    assert pair.handshake()
    for bad in ('x' * 40, None, [22] * 40, 5):
        for call in (lambda d: pair.server.handle_message(pair.client_addr, d),
                     lambda d: pair.server.handle_message(('10.9.9.9', 1), d),
                     lambda d: pair.client.write(pair.server_addr, d)):
            assert 'bytes' in str(_raises(dtls_lite.DTLSError, call, bad))
    for good in (bytearray(b'ping'), memoryview(b'ping')):
        assert pair.client.write(pair.server_addr, good) == 4
    pair.run()
    assert pair.received['server'] == [b'ping', b'ping']
    # a server that never called set_handler: refused before anything is counted or answered
    ctx = dtls_lite.Context(role='server')
    _raises(dtls_lite.HandlerError, ctx.handle_message, ('10.0.0.1', 1), b'\x16' * 40)
    assert ctx.stats['hello_verify_sent'] == 0


def test_a_raising_callback_leaves_no_session_behind():
    # A board's sendto failing (ENOBUFS) while a session closes: the error reaches the
    # application, the rest of the output (EVENT_CLOSED) is still delivered, and the closed
    # session is reaped, not left holding a max_peers slot for good.
    from dtls_sim import Pair
    pair = Pair(seed=41, server_config={'max_peers': 1})
    assert pair.handshake()
    real_write = pair._write
    fail = [True]

    def flaky(ctx, session, data):
        if ctx is pair.server and fail[0]:
            fail[0] = False
            raise OSError(105, 'ENOBUFS')
        return real_write(ctx, session, data)
    pair.server.set_handler(flaky, pair._read, pair._event, pair._psk)
    pair.client.close(pair.server_addr)
    _raises(OSError, pair.run)
    assert pair.server.sessions() == []
    assert pair.events['server'][-1] == (0, dtls_lite.EVENT_CLOSED), pair.events['server']
    # the slot is free: a new client gets in
    pair.client = dtls_lite.Context(app_data='client', clock=pair.clock)
    pair.client.set_handler(pair._write, pair._read, pair._event, pair._psk)
    assert pair.handshake()
    # the same when our own close() meets the failing send: forgotten all the same
    fail[0] = True
    _raises(OSError, pair.server.close, pair.client_addr)
    assert pair.server.sessions() == []


def test_connect_that_raises_keeps_nothing():
    # get_ecdsa_key returning junk: connect() raises ConfigError and leaves no half-made
    # session in the peer table (it used to hold the only slot for handshake_timeout_ms)
    ctx = dtls_lite.Context(role='client', max_peers=1, verify_cert=lambda leaf, error: True)
    ctx.set_handler(lambda c, s, d: len(d), get_ecdsa_key=lambda c, s: 42)
    _raises(dtls_lite.ConfigError, ctx.connect, ('10.0.0.1', 1))
    assert ctx.sessions() == [] and ctx.check_retransmit() is None
    ctx.set_handler(lambda c, s, d: len(d), get_ecdsa_key=lambda c, s: None)
    ctx.connect(('10.0.0.2', 2))
    assert ctx.sessions() == [('10.0.0.2', 2)]


def test_check_retransmit_sees_a_reconnect_from_the_event_callback():
    # The usual pattern: reconnect when EVENT_CLOSED comes (here, from an expired handshake).
    # The deadline returned is the new handshake's, so a loop sleeping until it resends.
    now = [0]
    ctx = dtls_lite.Context(role='client', clock=lambda: now[0], max_retransmits=1,
                            handshake_timeout_ms=5000)
    done = []

    def event(c, session, level, code):
        if code == dtls_lite.EVENT_CLOSED and not done:
            done.append(1)
            c.connect(session)
    ctx.set_handler(lambda c, s, d: len(d), None, event, _psk)
    ctx.connect('srv')
    nxt = ctx.check_retransmit()
    while not done and nxt is not None:
        now[0] = nxt
        nxt = ctx.check_retransmit()
    # the call that expired the first handshake returned the second one's first deadline
    assert done and ctx.peer('srv') is not None
    assert nxt == ctx._peers['srv'].deadline() and nxt > now[0], (nxt, now)


def test_a_full_heap_while_gathering_hellos_is_counted_not_raised():
    # The stateless front door allocates for strangers (partial hellos): a MemoryError there
    # drops the datagram, counted, and lets the pool go (it used to escape handle_message).
    from dtls_lite import server
    ctx = dtls_lite.Context(role='server')
    ctx.set_handler(lambda c, s, d: len(d), get_psk_info=_psk)
    # one fragment of a 100-byte ClientHello: gathered in the pool (not dropped, not answered)
    frag = b'\x01\x00\x00\x64\x00\x00\x00\x00\x00\x00\x00\x0a' + bytes(10)
    record = b'\x16\xfe\xfd' + bytes(8) + bytes((0, len(frag))) + frag
    ctx.handle_message(('10.0.0.1', 1), record)
    assert len(ctx._door.hellos) == 1 and ctx.stats['dropped'] == 0
    real = server.Acceptor._parse_first_hello

    def full(self, session, data, now):
        raise MemoryError('memory allocation failed')
    server.Acceptor._parse_first_hello = full
    try:
        ctx.handle_message(('10.0.0.2', 2), record)
    finally:
        server.Acceptor._parse_first_hello = real
    assert ctx.stats['out_of_memory'] == 1 and ctx._door.hellos == {} and ctx.sessions() == []
    # datagrams with nothing to gather are counted as dropped
    for junk in (b'', b'\x16\xfe\xfd' + bytes(10), b'\x16\xfe\xfd' + bytes(10) + b'\x16\xfe\xfd' + bytes(10)):
        ctx.handle_message(('10.0.0.3', 3), junk)
    assert ctx.stats['dropped'] == 3


def test_max_write_is_what_one_write_sends():
    from dtls_sim import Pair
    for cfg, want in (({}, 1200 - 13 - 8 - 8), ({'max_datagram': 20000}, 16384)):
        cfg['ciphers'] = ['TLS_PSK_WITH_AES_128_CCM_8']
        pair = Pair(seed=42, client_config=cfg, server_config={'ciphers': cfg['ciphers']})
        _raises(dtls_lite.NotConnected, pair.client.max_write, pair.server_addr)
        assert pair.handshake()
        assert pair.client.max_write(pair.server_addr) == want
        assert pair.client.write(pair.server_addr, bytes(want + 1)) == want
