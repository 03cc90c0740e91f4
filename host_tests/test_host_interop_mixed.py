"""One echo server of ours, three different implementations connected to it at once, over IPv6.

OpenSSL's s_client, GnuTLS's gnutls-cli and tinydtls (DTLSSocket) handshake with the same
tools/dtls_echo.py server (MicroPython or CPython) on [::1] concurrently, each on its own suite,
and each must get its own line echoed. This is the situation of a device serving several
different clients: sessions keyed by address must not mix, and one peer's handshake must not
disturb another's.
"""
import pytest

from test_host_interop_support import (PSK_IDENTITY, PSK_KEY, RUNTIMES, Processes, free_port,
                                       require_binary)
from test_host_interop_tinydtls import _peer_argv, _require_dtlssocket

_GNUTLS_GCM = ('NORMAL:-VERS-ALL:+VERS-DTLS1.2:-KX-ALL:-CIPHER-ALL:-MAC-ALL'
               ':+PSK:+AES-128-GCM:+AEAD')


@pytest.mark.parametrize('runtime', RUNTIMES)
def test_three_implementations_at_once_over_ipv6(tmp_path, runtime):
    openssl = require_binary('openssl')
    gnutls_cli = require_binary('gnutls-cli')
    _require_dtlssocket()
    port = free_port()
    suites = ','.join(('TLS_PSK_WITH_CHACHA20_POLY1305_SHA256', 'TLS_PSK_WITH_AES_128_GCM_SHA256',
                       'TLS_PSK_WITH_AES_128_CCM_8'))
    with Processes(tmp_path) as procs:
        server = procs.echo_server(runtime, '[::1]:%d' % port, '--ciphers', suites)
        ossl = procs.start('openssl-s_client', [
            openssl, 's_client', '-dtls1_2', '-connect', '[::1]:%d' % port, '-psk', PSK_KEY,
            '-psk_identity', PSK_IDENTITY, '-cipher', 'PSK-CHACHA20-POLY1305'])
        gnutls = procs.start('gnutls-cli', [
            gnutls_cli, '--udp', '-p', str(port), '::1', '--pskusername', PSK_IDENTITY,
            '--pskkey', PSK_KEY, '--priority', _GNUTLS_GCM])
        tiny = procs.start('tinydtls-client', _peer_argv('client', '::1', port, 'from tinydtls'))
        ossl.send('from openssl\n')
        procs.wait_for(gnutls, 'Handshake was completed', what='gnutls-cli handshake')
        gnutls.send('from gnutls\n')
        out = procs.wait_for(ossl, 'Echo: from openssl', what='echo to s_client')
        if 'Cipher is PSK-CHACHA20-POLY1305' not in out:
            procs.fail('s_client negotiated another suite')
        out = procs.wait_for(gnutls, 'Echo: from gnutls', what='echo to gnutls-cli')
        if '(PSK)-(AES-128-GCM)' not in out:
            procs.fail('gnutls-cli negotiated another suite')
        if procs.wait_exit(tiny) != 0 or 'recv Echo: from tinydtls' not in tiny.stdout():
            procs.fail('tinydtls did not get its echo')
        log = server.stderr()
        for suite in suites.split(','):
            if 'connected, %s in' % suite not in log:
                procs.fail('our server log lacks a session on %s' % suite)
