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
