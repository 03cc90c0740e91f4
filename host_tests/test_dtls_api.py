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
    from dtls_lite.crypto import aead
    from dtls_lite.crypto.ccm import AESCCM
    assert aead.load('AES_128_CCM_8') is AESCCM
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
