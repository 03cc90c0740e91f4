"""Interop with GnuTLS 3.7 (`gnutls-serv` / `gnutls-cli --udp`), DTLS 1.2 PSK.

- Every PSK suite (CCM_8, CCM, GCM, ChaCha20-Poly1305) in both directions; gnutls-serv runs
  with --echo, so the bytes we get back must be exactly the bytes we sent; against our echo
  server gnutls-cli must print 'Echo: ' + line.
- RFC 8449: gnutls-cli --recordsize=512 against our server, whose reply must keep to it.
- ECDHE-PSK ChaCha20-Poly1305 with gnutls-serv as the server only: gnutls-cli 3.7.9 crashes after
  an ECDHE-PSK handshake as a client (a bug in its session-info printing, see ../shared/PEERS.md).
Our side is tools/dtls_echo.py under MicroPython and CPython.
"""
import pytest

from test_host_interop_support import (PSK_IDENTITY, PSK_KEY, RUNTIMES, Processes,
                                       check_client_exchange, free_port, require_binary)

_BASE = 'NORMAL:-VERS-ALL:+VERS-DTLS1.2:-KX-ALL:-CIPHER-ALL:-MAC-ALL'
# suite -> (GnuTLS priority, how gnutls-cli describes the session)
_GNUTLS = {
    'TLS_PSK_WITH_AES_128_CCM_8': (_BASE + ':+PSK:+AES-128-CCM-8:+AEAD', '(PSK)-(AES-128-CCM-8)'),
    'TLS_PSK_WITH_AES_128_CCM': (_BASE + ':+PSK:+AES-128-CCM:+AEAD', '(PSK)-(AES-128-CCM)'),
    'TLS_PSK_WITH_AES_128_GCM_SHA256': (_BASE + ':+PSK:+AES-128-GCM:+AEAD', '(PSK)-(AES-128-GCM)'),
    'TLS_PSK_WITH_CHACHA20_POLY1305_SHA256': (_BASE + ':+PSK:+CHACHA20-POLY1305:+AEAD',
                                              '(PSK)-(CHACHA20-POLY1305)'),
    'TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256': (_BASE + ':+ECDHE-PSK:+CHACHA20-POLY1305:+AEAD',
                                                    '(ECDHE-PSK)-(CHACHA20-POLY1305)'),
}
# gnutls-cli 3.7.9 crashes as an ECDHE-PSK client (see the module docstring).
_CLIENT_SUITES = sorted(x for x in _GNUTLS if not x.startswith('TLS_ECDHE_PSK'))


def _gnutls_serv(procs, tmp_path, port, priority):
    serv = require_binary('gnutls-serv')
    passwd = tmp_path / 'psk.passwd'
    passwd.write_text('%s:%s\n' % (PSK_IDENTITY, PSK_KEY))
    server = procs.start('gnutls-serv', [serv, '--udp', '-p', str(port), '--echo',
                                         '--pskpasswd', str(passwd), '--priority', priority])
    procs.wait_for(server, 'listening on IPv6', 'stderr', what='gnutls-serv start')
    return server


@pytest.mark.parametrize('runtime', RUNTIMES)
@pytest.mark.parametrize('suite', sorted(_GNUTLS))
def test_our_client_gnutls_server(tmp_path, runtime, suite):
    port = free_port()
    # gnutls-serv --echo reads records into a 128-byte buffer (a longer one comes back split).
    lines = ['first-%s-%s' % (runtime, suite), 'second line with spaces', 'x' * 120]
    with Processes(tmp_path) as procs:
        server = _gnutls_serv(procs, tmp_path, port, _GNUTLS[suite][0])
        client = procs.echo_client(runtime, '127.0.0.1:%d' % port, '--ciphers', suite)
        client.send(''.join(line + '\n' for line in lines))
        # gnutls-serv --echo sends each record back unchanged.
        err = check_client_exchange(procs, client, server, lines, lines, 'stderr')
        if suite not in err:
            procs.fail('our client did not report suite %s' % suite)
        if client.stdout().splitlines() != lines:
            procs.fail('echoed lines differ from the lines sent')


@pytest.mark.parametrize('runtime', RUNTIMES)
@pytest.mark.parametrize('suite', _CLIENT_SUITES)
def test_gnutls_client_our_server(tmp_path, runtime, suite):
    cli = require_binary('gnutls-cli')
    port = free_port()
    ping = 'ping-gnutls-%s-%s' % (runtime, suite)
    with Processes(tmp_path) as procs:
        server = procs.echo_server(runtime, '127.0.0.1:%d' % port, '--ciphers', suite)
        client = procs.start('gnutls-cli', [cli, '--udp', '-p', str(port), '127.0.0.1',
                                            '--pskusername', PSK_IDENTITY, '--pskkey', PSK_KEY,
                                            '--priority', _GNUTLS[suite][0]])
        procs.wait_for(client, 'Handshake was completed', what='gnutls-cli handshake')
        client.send(ping + '\n')
        out = procs.wait_for(client, 'Echo: ' + ping, what='our server echoed the record')
        if _GNUTLS[suite][1] not in out:
            procs.fail('gnutls-cli negotiated another suite than %s' % suite)
        procs.wait_for(server, 'connected', 'stderr')


@pytest.mark.parametrize('runtime', RUNTIMES)
def test_our_server_keeps_to_the_record_size_limit_gnutls_advertises(tmp_path, runtime):
    # RFC 8449: gnutls-cli --recordsize=512 sends record_size_limit 512; our echo of a 508-byte
    # line ('Echo: ' + line + newline, 515 bytes) must be cut to 512, which the server says.
    # Without RFC 8449 we sent all 515 (GnuTLS 3.7 does not refuse it, so the length shows it).
    cli = require_binary('gnutls-cli')
    suite = 'TLS_PSK_WITH_AES_128_CCM_8'
    port = free_port()
    line = 'L' * 508
    with Processes(tmp_path) as procs:
        server = procs.echo_server(runtime, '127.0.0.1:%d' % port, '--ciphers', suite)
        client = procs.start('gnutls-cli', [cli, '--udp', '-p', str(port), '127.0.0.1',
                                            '--pskusername', PSK_IDENTITY, '--pskkey', PSK_KEY,
                                            '--priority', _GNUTLS[suite][0],
                                            '--recordsize=512'])
        procs.wait_for(client, 'Handshake was completed', what='gnutls-cli handshake')
        client.send(line + '\n')
        procs.wait_for(server, 'reply of 515 bytes cut to 512', 'stderr',
                       what='our server cut its reply to the limit')
        out = procs.wait_for(client, 'Echo: ' + 'L' * 506, what='the cut echo')
        echoed = [x for x in out.splitlines() if x.startswith('Echo: ')]
        if echoed != ['Echo: ' + 'L' * 506]:
            procs.fail('gnutls-cli got %r, not the 512 bytes its limit allows'
                       % [len(x) for x in echoed])


@pytest.mark.parametrize('runtime', RUNTIMES)
def test_gnutls_client_reaches_our_server_with_a_small_max_record(tmp_path, runtime):
    # GnuTLS clients abort (illegal_parameter) on a record_size_limit under 512: a server with
    # --max-record 400 answers with none, and the handshake completes as before RFC 8449
    cli = require_binary('gnutls-cli')
    suite = 'TLS_PSK_WITH_AES_128_CCM_8'
    port = free_port()
    ping = 'small-%s' % runtime
    with Processes(tmp_path) as procs:
        procs.echo_server(runtime, '127.0.0.1:%d' % port, '--ciphers', suite,
                          '--max-record', '400')
        client = procs.start('gnutls-cli', [cli, '--udp', '-p', str(port), '127.0.0.1',
                                            '--pskusername', PSK_IDENTITY, '--pskkey', PSK_KEY,
                                            '--priority', _GNUTLS[suite][0]])
        procs.wait_for(client, 'Handshake was completed', what='gnutls-cli handshake')
        client.send(ping + '\n')
        procs.wait_for(client, 'Echo: ' + ping, what='our server echoed the record')
