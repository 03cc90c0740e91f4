"""Interop with OpenSSL 3.0 (`openssl s_server` / `s_client -dtls1_2`), every PSK suite it has.

Our side is tools/dtls_echo.py under MicroPython and CPython. Each test proves a completed
handshake on the suite we asked for (OpenSSL prints the negotiated cipher; our --verbose prints
ours) and application data in both directions, checked byte for byte:
- our client -> s_server: our line shows up in s_server's output; s_server sends a line from its
  stdin and our client prints it; our client then closes with close_notify and exits 0.
- s_client -> our echo server: s_client's line comes back prefixed with 'Echo: '.
The small-MTU tests run the handshake through a relay that checks every datagram against its
sender's limit and counts handshake fragments that are not whole messages (RFC 6347 §4.2.3).
Our client must fragment (a 128-byte PSK identity makes its ClientKeyExchange 155 bytes, over
--mtu 120) and OpenSSL reassemble. OpenSSL's own PSK flights are all under its 228-byte floor,
and a fragmented ClientHello from it is refused by design (our server answers hellos
statelessly, so it needs them whole: RFC 6347 §4.2.1; tinydtls and mbed TLS do the same): in
that direction our server sends a 128-byte PSK hint within its smallest --mtu, so it must
fragment its ServerKeyExchange and OpenSSL reassemble it.
ECDHE-PSK runs once per group we offer (X25519, P-256), forced by OpenSSL's -groups; the loss
tests drop chosen datagrams in the relay so that both sides' retransmission timers must act.
"""
import pytest

from test_host_interop_support import (PSK_IDENTITY, PSK_KEY, RUNTIMES, SUITES, Processes,
                                       check_client_exchange, free_port, require_binary)

# OpenSSL's -mtu is the link MTU; it subtracts 28 bytes of IPv4+UDP header and refuses < 256.
_OPENSSL_MTU = 256
_OPENSSL_MAX_DATAGRAM = _OPENSSL_MTU - 28
_OUR_MTU = 120
_OUR_MIN_MTU = 100  # dtls_lite/context.py MIN_MAX_DATAGRAM
# A ClientKeyExchange carrying a 128-byte identity is 155 bytes on the wire, more than _OUR_MTU.
_LONG_IDENTITY = 'I' * 128


def _s_server(procs, port, openssl_suite, *extra, identity=PSK_IDENTITY, key=PSK_KEY):
    openssl = require_binary('openssl')
    argv = [openssl, 's_server', '-dtls1_2', '-accept', '127.0.0.1:%d' % port, '-nocert',
            '-psk', key, '-psk_identity', identity, '-cipher', openssl_suite,
            '-naccept', '1'] + list(extra)
    server = procs.start('openssl-s_server', argv)
    procs.wait_for(server, 'ACCEPT', what='s_server start')
    return server


def _s_client(procs, port, openssl_suite, *extra, identity=PSK_IDENTITY, key=PSK_KEY):
    openssl = require_binary('openssl')
    argv = [openssl, 's_client', '-dtls1_2', '-connect', '127.0.0.1:%d' % port,
            '-psk', key, '-psk_identity', identity, '-cipher', openssl_suite] + list(extra)
    return procs.start('openssl-s_client', argv)


def _ours_client_vs_s_server(procs, runtime, suite, server, connect_port, ours_extra=()):
    openssl_suite = SUITES[suite][0]
    ping, pong = 'ping-%s-%s' % (runtime, suite), 'pong-from-openssl-%s' % suite
    client = procs.echo_client(runtime, '127.0.0.1:%d' % connect_port, '--ciphers', suite, *ours_extra)
    client.send(ping + '\n')
    procs.wait_for(server, ping, what='s_server got our record')
    procs.wait_for(server, 'CIPHER is ' + openssl_suite)
    server.send(pong + '\n')
    err = check_client_exchange(procs, client, server, [ping], [pong])
    if suite not in err:
        procs.fail('our client did not report suite %s' % suite)
    # s_server -naccept 1 ends when the connection does: our close_notify arrived.
    procs.wait_for(server, 'CONNECTION CLOSED', what='s_server saw our close_notify')


def _s_client_vs_ours_server(procs, runtime, suite, port, s_client_extra=(), identity=PSK_IDENTITY,
                             key=PSK_KEY):
    openssl_suite = SUITES[suite][0]
    ping = 'ping-openssl-%s-%s' % (runtime, suite)
    client = _s_client(procs, port, openssl_suite, *s_client_extra, identity=identity, key=key)
    client.send(ping + '\n')
    out = procs.wait_for(client, 'Echo: ' + ping, what='our server echoed the record')
    if 'Cipher is ' + openssl_suite not in out:
        procs.fail('s_client negotiated another suite than %s' % openssl_suite)
    client.close_stdin()
    procs.wait_exit(client)
    return client


@pytest.mark.parametrize('runtime', RUNTIMES)
@pytest.mark.parametrize('suite', sorted(SUITES))
def test_our_client_openssl_server(tmp_path, runtime, suite):
    port = free_port()
    with Processes(tmp_path) as procs:
        server = _s_server(procs, port, SUITES[suite][0])
        _ours_client_vs_s_server(procs, runtime, suite, server, port)


@pytest.mark.parametrize('runtime', RUNTIMES)
@pytest.mark.parametrize('suite', sorted(SUITES))
def test_openssl_client_our_server(tmp_path, runtime, suite):
    port = free_port()
    with Processes(tmp_path) as procs:
        server = procs.echo_server(runtime, '127.0.0.1:%d' % port, '--ciphers', suite)
        _s_client_vs_ours_server(procs, runtime, suite, port)
        procs.wait_for(server, 'connected', 'stderr')


def _assert_fragmented(procs, relay, ours_direction, our_mtu):
    """Every datagram fitted its sender's limit and our side sent partial handshake fragments."""
    theirs_direction = 'to_client' if ours_direction == 'to_server' else 'to_server'
    ours, theirs = relay.sizes[ours_direction], relay.sizes[theirs_direction]
    if not ours or not theirs:
        procs.fail('relay saw no traffic: %r' % relay.sizes)
    if max(ours) > our_mtu:
        procs.fail('we sent a %d-byte datagram with --mtu %d' % (max(ours), our_mtu))
    if max(theirs) > _OPENSSL_MAX_DATAGRAM:
        procs.fail('OpenSSL sent %d bytes with -mtu %d' % (max(theirs), _OPENSSL_MTU))
    if relay.partial[ours_direction] == 0:
        procs.fail('we sent no fragmented handshake message (datagram sizes %r)' % ours)


@pytest.mark.parametrize('runtime', RUNTIMES)
def test_small_mtu_our_client_openssl_server(tmp_path, runtime):
    """Our ClientKeyExchange (128-byte identity) cannot fit in --mtu 120: we fragment, OpenSSL
    reassembles; it sends a 128-byte hint and is held to -mtu 256."""
    suite = 'TLS_PSK_WITH_AES_128_CCM_8'
    server_port, relay_port = free_port(), free_port()
    with Processes(tmp_path) as procs:
        server = _s_server(procs, server_port, SUITES[suite][0], '-mtu', str(_OPENSSL_MTU),
                           '-psk_hint', _LONG_IDENTITY, identity=_LONG_IDENTITY)
        relay = procs.relay(relay_port, server_port)
        _ours_client_vs_s_server(procs, runtime, suite, server, relay_port,
                                 ('--mtu', str(_OUR_MTU), '--psk-identity', _LONG_IDENTITY))
        _assert_fragmented(procs, relay, 'to_server', _OUR_MTU)


@pytest.mark.parametrize('runtime', RUNTIMES)
def test_small_mtu_openssl_client_our_server(tmp_path, runtime):
    """Our ServerKeyExchange (128-byte hint) cannot fit our server's smallest --mtu: we
    fragment, s_client (-mtu 256) reassembles; its ClientKeyExchange has a 128-byte identity."""
    suite = 'TLS_PSK_WITH_AES_128_CCM_8'
    server_port, relay_port = free_port(), free_port()
    with Processes(tmp_path) as procs:
        procs.echo_server(runtime, '127.0.0.1:%d' % server_port, '--ciphers', suite,
                          '--mtu', str(_OUR_MIN_MTU), '--psk-identity', _LONG_IDENTITY,
                          '--psk-hint', _LONG_IDENTITY)
        relay = procs.relay(relay_port, server_port)
        _s_client_vs_ours_server(procs, runtime, suite, relay_port, ('-mtu', str(_OPENSSL_MTU)),
                                 identity=_LONG_IDENTITY)
        _assert_fragmented(procs, relay, 'to_client', _OUR_MIN_MTU)


@pytest.mark.parametrize('runtime', RUNTIMES)
@pytest.mark.parametrize('group,openssl_name,temp_key', [('X25519', 'x25519', 'X25519'),
                                                         ('P-256', 'secp256r1', 'ECDH, prime256v1')])
def test_ecdhe_psk_each_group(tmp_path, runtime, group, openssl_name, temp_key):
    suite = 'TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256'
    with Processes(tmp_path) as procs:
        port = free_port()
        server = _s_server(procs, port, SUITES[suite][0], '-groups', group)
        _ours_client_vs_s_server(procs, runtime, suite, server, port)
        if 'Shared groups: ' + openssl_name not in server.stdout():
            procs.fail('s_server did not agree on %s with our client' % openssl_name)
        port = free_port()
        procs.echo_server(runtime, '127.0.0.1:%d' % port, '--ciphers', suite)
        client = _s_client_vs_ours_server(procs, runtime, suite, port, ('-groups', group))
        if 'Server Temp Key: ' + temp_key not in client.stdout():
            procs.fail('our server did not use %s with s_client' % group)


@pytest.mark.parametrize('runtime', RUNTIMES)
def test_lost_datagrams_our_client_openssl_server(tmp_path, runtime):
    """Lose our first ClientHello and OpenSSL's first datagram after the HelloVerifyRequest:
    our timer must resend, and OpenSSL's flight must come again."""
    suite = 'TLS_PSK_WITH_AES_128_CCM_8'
    server_port, relay_port = free_port(), free_port()
    with Processes(tmp_path) as procs:
        server = _s_server(procs, server_port, SUITES[suite][0])
        relay = procs.relay(relay_port, server_port, drop={'to_server': {0}, 'to_client': {1}})
        _ours_client_vs_s_server(procs, runtime, suite, server, relay_port)
        if relay.dropped != {'to_server': [0], 'to_client': [1]}:
            procs.fail('the relay did not lose what it should: %r' % relay.dropped)


@pytest.mark.parametrize('runtime', RUNTIMES)
def test_lost_datagrams_openssl_client_our_server(tmp_path, runtime):
    """Lose our server's first flight after the cookie exchange and s_client's first datagram
    of its final flight: each side's retransmission must recover."""
    suite = 'TLS_PSK_WITH_AES_128_CCM_8'
    server_port, relay_port = free_port(), free_port()
    with Processes(tmp_path) as procs:
        procs.echo_server(runtime, '127.0.0.1:%d' % server_port, '--ciphers', suite)
        relay = procs.relay(relay_port, server_port, drop={'to_server': {2}, 'to_client': {1}})
        _s_client_vs_ours_server(procs, runtime, suite, relay_port)
        if relay.dropped != {'to_server': [2], 'to_client': [1]}:
            procs.fail('the relay did not lose what it should: %r' % relay.dropped)


@pytest.mark.parametrize('runtime', RUNTIMES)
def test_long_hint_identity_and_key_both_directions(tmp_path, runtime):
    # RFC 4279 allows hints and identities up to 2^16-1 bytes, OpenSSL 3 keys up to 512: a
    # 200-byte hint, a 250-byte identity (OpenSSL's limit: 256) and a 100-byte key (R9: we
    # refused over 128 and 64 bytes).
    suite = 'TLS_PSK_WITH_AES_128_CCM_8'
    identity, key = 'I' * 250, 'ab' * 100
    ours = ('--psk-identity', identity, '--psk-key', key)
    port = free_port()
    with Processes(tmp_path) as procs:
        server = _s_server(procs, port, SUITES[suite][0], '-psk_hint', 'H' * 200,
                           identity=identity, key=key)
        _ours_client_vs_s_server(procs, runtime, suite, server, port, ours)
    port = free_port()
    with Processes(tmp_path) as procs:
        server = procs.echo_server(runtime, '127.0.0.1:%d' % port, '--ciphers', suite,
                                   '--psk-hint', 'H' * 200, *ours)
        _s_client_vs_ours_server(procs, runtime, suite, port, identity=identity, key=key)
        procs.wait_for(server, 'connected', 'stderr')
