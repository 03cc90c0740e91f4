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


def test_set_handler_preloads_the_configured_aead_and_groups():
    # The handshake must not import code (heap peak, fragmentation on a board): set_handler
    # loads what the configured suites need, and only that.
    import sys
    names = ('dtls_lite.crypto.gcm', 'dtls_lite.crypto.chacha20poly1305', 'dtls_lite.crypto.x25519')
    for name in names:
        _unload(name)
    ctx = dtls_lite.Context(ciphers=['TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256'], groups=['x25519'])
    assert 'dtls_lite.crypto.gcm' not in sys.modules   # nothing before set_handler
    _set_psk_handler(ctx)
    assert 'dtls_lite.crypto.gcm' in sys.modules
    assert 'dtls_lite.crypto.x25519' in sys.modules
    assert 'dtls_lite.crypto.chacha20poly1305' not in sys.modules   # not configured


def test_preload_false_loads_on_first_use():
    import sys
    _unload('dtls_lite.crypto.chacha20poly1305')
    ctx = dtls_lite.Context(ciphers=['TLS_PSK_WITH_CHACHA20_POLY1305_SHA256'], preload=False)
    _set_psk_handler(ctx)
    assert 'dtls_lite.crypto.chacha20poly1305' not in sys.modules
