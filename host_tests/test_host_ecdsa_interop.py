"""ECDHE-ECDSA interop over loopback: OpenSSL 3.0 and GnuTLS 3.7, both directions, under
MicroPython and CPython.

Our side is tools/dtls_echo.py with its certificate options (--key/--cert/--ca/--rpk/
--peer-key/--require-client-cert). Keys and certificates are made with OpenSSL in a temporary
directory, as ../shared/PEERS.md shows (a P-256 CA, server and client; a P-384 CA and server),
and once more with our own tools/keygen.py.
- OpenSSL, X.509: every ECDHE_ECDSA suite, server-only and mutual, in both directions; a P-384
  chain on the SHA-384 suite; our server's certificate flight fragmented at a small MTU (a relay
  checks every datagram's size and counts partial handshake fragments, RFC 6347 §4.2.3).
- GnuTLS: X.509 and RFC 7250 raw public keys, server-only and mutual, both directions.
Each test proves the handshake on the suite asked for, the peer's certificate or key checked by
us (our --ca / --peer-key, nothing is accepted blindly), and application data both ways.
"""
import os
import subprocess

import pytest

from test_host_interop_support import (RUNTIMES, Processes, check_client_exchange, free_port,
                                       require_binary, runtime_argv)

HERE = os.path.dirname(os.path.abspath(__file__))
ECHO = os.path.join(os.path.dirname(HERE), 'tools', 'dtls_echo.py')
WAIT_S = 15

# Our IANA names -> (OpenSSL name, GnuTLS cipher priority, GnuTLS session description)
SUITES = {
    'TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8': ('ECDHE-ECDSA-AES128-CCM8', 'AES-128-CCM-8'),
    'TLS_ECDHE_ECDSA_WITH_AES_128_CCM': ('ECDHE-ECDSA-AES128-CCM', 'AES-128-CCM'),
    'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256': ('ECDHE-ECDSA-AES128-GCM-SHA256', 'AES-128-GCM'),
    'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384': ('ECDHE-ECDSA-AES256-GCM-SHA384', 'AES-256-GCM'),
    'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256': ('ECDHE-ECDSA-CHACHA20-POLY1305',
                                                      'CHACHA20-POLY1305'),
}
CCM8 = 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8'
_BASE = 'NORMAL:-VERS-ALL:+VERS-DTLS1.2:-KX-ALL:-CIPHER-ALL:-MAC-ALL:+ECDHE-ECDSA:+AEAD'
_RPK = ':-CTYPE-ALL:+CTYPE-SRV-RAWPK:+CTYPE-CLI-RAWPK'


def _run(argv, cwd):
    subprocess.run(argv, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture(scope='module')
def pki(tmp_path_factory):
    """Test keys and certificates (PEERS.md recipe), made once per module run."""
    openssl = require_binary('openssl')
    d = str(tmp_path_factory.mktemp('pki'))
    leaf_ext = ('basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n'
                'keyUsage=digitalSignature\n')
    for prefix, curve, md in (('', 'prime256v1', 'sha256'), ('p384-', 'secp384r1', 'sha384')):
        _run([openssl, 'ecparam', '-name', curve, '-genkey', '-noout', '-out', prefix + 'ca.key'], d)
        _run([openssl, 'req', '-x509', '-new', '-key', prefix + 'ca.key', '-' + md, '-days', '3650',
              '-subj', '/CN=Test CA ' + (prefix or 'p256'), '-out', prefix + 'ca.crt',
              '-addext', 'basicConstraints=critical,CA:TRUE',
              '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], d)
        for n in ('server', 'client'):
            name = prefix + n
            _run([openssl, 'ecparam', '-name', curve, '-genkey', '-noout', '-out', name + '.sec1'], d)
            _run([openssl, 'pkcs8', '-topk8', '-nocrypt', '-in', name + '.sec1', '-out',
                  name + '.key'], d)
            _run([openssl, 'req', '-new', '-key', name + '.key', '-subj', '/CN=' + name, '-out',
                  name + '.csr'], d)
            with open(os.path.join(d, name + '.ext'), 'w') as f:
                f.write(leaf_ext)
            _run([openssl, 'x509', '-req', '-in', name + '.csr', '-CA', prefix + 'ca.crt',
                  '-CAkey', prefix + 'ca.key', '-CAcreateserial', '-days', '3650', '-' + md,
                  '-extfile', name + '.ext', '-out', name + '.crt'], d)
            _run([openssl, 'pkey', '-in', name + '.key', '-pubout', '-out', name + '.pub.pem'], d)
    # a trust file of 24 CAs besides ours: OpenSSL's CertificateRequest names each of them
    _many_cas(os.path.join(d, 'many-cas.crt'), os.path.join(d, 'ca.crt'), 24)
    # and one the size of a system CA bundle: a CertificateRequest of ~13 KB
    _many_cas(os.path.join(d, 'huge-cas.crt'), os.path.join(d, 'ca.crt'), 150)
    # the server's chain with its CA, for a certificate flight that must be fragmented
    with open(os.path.join(d, 'chain.crt'), 'w') as f:
        for part in ('server.crt', 'ca.crt'):
            with open(os.path.join(d, part)) as g:
                f.write(g.read())
    return lambda name: os.path.join(d, name)


def _many_cas(path, ours, n):
    """A PEM bundle of n throwaway self-signed CA certificates followed by `ours`."""
    import datetime
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    now = datetime.datetime(2025, 1, 1)
    with open(path, 'wb') as f:
        for i in range(n):
            key = ec.generate_private_key(ec.SECP256R1())
            name = x509.Name([x509.NameAttribute(x509.oid.NameOID.ORGANIZATION_NAME,
                                                 'Some Certification Authority Ltd'),
                              x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, 'Other CA %d' % i)])
            cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                    .public_key(key.public_key()).serial_number(i + 1)
                    .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=3650))
                    .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                    .sign(key, hashes.SHA256()))
            f.write(cert.public_bytes(serialization.Encoding.PEM))
        with open(ours, 'rb') as g:
            f.write(g.read())


@pytest.fixture(scope='module')
def keygen_pki(tmp_path_factory):
    """The same names made by our own tools/keygen.py (H6): OpenSSL must accept them too."""
    import sys
    d = str(tmp_path_factory.mktemp('keygen'))
    subprocess.run([sys.executable, os.path.join(os.path.dirname(HERE), 'tools', 'keygen.py'),
                    'ca', '--out-dir', d], check=True, stdout=subprocess.DEVNULL)
    return lambda name: os.path.join(d, name)


def _ours(procs, runtime, mode, port, *options):
    argv = runtime_argv(runtime) + [ECHO, mode, '127.0.0.1:%d' % port, '--verbose'] + list(options)
    if mode == 'client':
        argv += ['--timeout', str(WAIT_S)]
    proc = procs.start('ours-%s-%s' % (mode, runtime), argv)
    if mode == 'server':
        procs.wait_for(proc, 'listening on', 'stderr', what='our server start')
    return proc


def _our_x509(pki, role, mutual, prefix=''):
    """Our options for X.509: a server always has a chain; a client has one when mutual; the
    side that checks a certificate has the CA."""
    if role == 'server':
        opts = ['--key', pki(prefix + 'server.key'), '--cert', pki(prefix + 'server.crt')]
        if mutual:
            opts += ['--ca', pki(prefix + 'ca.crt'), '--require-client-cert']
        return opts
    opts = ['--ca', pki(prefix + 'ca.crt')]
    if mutual:
        opts += ['--key', pki(prefix + 'client.key'), '--cert', pki(prefix + 'client.crt')]
    return opts


def _check_our_peer(procs, proc, suite, peer=None):
    """Our --verbose line names the suite and, when given, the authenticated peer."""
    err = proc.stderr()
    if suite not in err:
        procs.fail('we did not report suite %s' % suite)
    if peer is not None and 'peer ' + peer not in err:
        procs.fail('we did not report peer %r' % peer)


# --- OpenSSL ---------------------------------------------------------------------------------

def _s_server(procs, pki, port, suite, mutual, prefix='', *extra, cafile='ca.crt'):
    argv = [require_binary('openssl'), 's_server', '-dtls1_2', '-accept', '127.0.0.1:%d' % port,
            '-naccept', '1', '-cert', pki(prefix + 'server.crt'), '-key', pki(prefix + 'server.key'),
            '-cipher', SUITES[suite][0]] + list(extra)
    if mutual:
        argv += ['-CAfile', pki(prefix + cafile), '-Verify', '1', '-verify_return_error']
    server = procs.start('openssl-s_server', argv)
    procs.wait_for(server, 'ACCEPT', what='s_server start')
    return server


def _s_client(procs, pki, port, suite, mutual, prefix='', *extra):
    argv = [require_binary('openssl'), 's_client', '-dtls1_2', '-connect', '127.0.0.1:%d' % port,
            '-CAfile', pki(prefix + 'ca.crt'), '-verify_return_error', '-verify_hostname',
            'localhost', '-cipher', SUITES[suite][0]] + list(extra)
    if mutual:
        argv += ['-cert', pki(prefix + 'client.crt'), '-key', pki(prefix + 'client.key')]
    return procs.start('openssl-s_client', argv)


def _our_client_vs_s_server(tmp_path, pki, runtime, suite, mutual, prefix='', ours_extra=(),
                            cafile='ca.crt'):
    port = free_port()
    ping, pong = 'ping-%s-%s' % (runtime, suite), 'pong-from-openssl'
    with Processes(tmp_path) as procs:
        server = _s_server(procs, pki, port, suite, mutual, prefix, cafile=cafile)
        client = _ours(procs, runtime, 'client', port, '--ciphers', suite,
                       *(_our_x509(pki, 'client', mutual, prefix) + list(ours_extra)))
        client.send(ping + '\n')
        out = procs.wait_for(server, ping, what='s_server got our record')
        if 'CIPHER is ' + SUITES[suite][0] not in out:
            procs.fail('s_server negotiated another suite')
        if mutual and 'subject=CN = %sclient' % prefix not in out:
            procs.fail('s_server did not get our client certificate')
        server.send(pong + '\n')
        check_client_exchange(procs, client, server, [ping], [pong])
        _check_our_peer(procs, client, suite, 'CN=%sserver' % prefix)


def _s_client_vs_our_server(tmp_path, pki, runtime, suite, mutual, prefix='', ours_extra=(),
                            s_client_extra=(), relay=False):
    port = free_port()
    ping = 'ping-openssl-%s-%s' % (runtime, suite)
    with Processes(tmp_path) as procs:
        server = _ours(procs, runtime, 'server', port, '--ciphers', suite,
                       *(_our_x509(pki, 'server', mutual, prefix) + list(ours_extra)))
        connect = port
        if relay:
            connect = free_port()
            relay = procs.relay(connect, port)
        client = _s_client(procs, pki, connect, suite, mutual, prefix, *s_client_extra)
        client.send(ping + '\n')
        out = procs.wait_for(client, 'Echo: ' + ping, what='our server echoed the record')
        if 'Cipher is ' + SUITES[suite][0] not in out:
            procs.fail('s_client negotiated another suite')
        if 'Verification: OK' not in out and 'Verify return code: 0 (ok)' not in out:
            procs.fail('s_client did not verify our certificate')
        procs.wait_for(server, 'connected', 'stderr')
        _check_our_peer(procs, server, suite, 'CN=%sclient' % prefix if mutual else None)
        return relay.sizes if relay else None, relay.partial if relay else None


@pytest.mark.parametrize('runtime', RUNTIMES)
@pytest.mark.parametrize('mutual', (False, True), ids=('server-auth', 'mutual'))
@pytest.mark.parametrize('suite', sorted(SUITES))
def test_our_client_openssl_server(tmp_path, pki, runtime, suite, mutual):
    _our_client_vs_s_server(tmp_path, pki, runtime, suite, mutual)


@pytest.mark.parametrize('runtime', RUNTIMES)
@pytest.mark.parametrize('mutual', (False, True), ids=('server-auth', 'mutual'))
@pytest.mark.parametrize('suite', sorted(SUITES))
def test_openssl_client_our_server(tmp_path, pki, runtime, suite, mutual):
    _s_client_vs_our_server(tmp_path, pki, runtime, suite, mutual)


@pytest.mark.parametrize('runtime', RUNTIMES)
def test_certificate_request_naming_many_cas(tmp_path, pki, runtime):
    # s_server's CertificateRequest names every CA of its -CAfile (25 here). We refused more
    # than 16 names with decode_error, so such a server could not be reached (R9).
    _our_client_vs_s_server(tmp_path, pki, runtime, 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8', True,
                            cafile='many-cas.crt')
    # a CertificateRequest over max_handshake_message (4096) needs it raised (README)
    _our_client_vs_s_server(tmp_path, pki, runtime, 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8', True,
                            cafile='huge-cas.crt', ours_extra=('--max-handshake', '32768'))


@pytest.mark.parametrize('runtime', RUNTIMES)
def test_p384_chain_both_directions(tmp_path, pki, runtime):
    suite = 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'
    for sub in ('ours-client', 'ours-server'):
        (tmp_path / sub).mkdir()
    _our_client_vs_s_server(tmp_path / 'ours-client', pki, runtime, suite, True, 'p384-')
    _s_client_vs_our_server(tmp_path / 'ours-server', pki, runtime, suite, True, 'p384-')


@pytest.mark.parametrize('runtime', RUNTIMES)
def test_keygen_made_certificates_with_openssl(tmp_path, keygen_pki, runtime):
    for sub in ('ours-client', 'ours-server'):
        (tmp_path / sub).mkdir()
    _our_client_vs_s_server(tmp_path / 'ours-client', keygen_pki, runtime, CCM8, True)
    _s_client_vs_our_server(tmp_path / 'ours-server', keygen_pki, runtime, CCM8, True)


@pytest.mark.parametrize('runtime', RUNTIMES)
def test_certificate_flight_fragmented_at_small_mtu(tmp_path, pki, runtime):
    """Our server's Certificate (server + CA, ~900 bytes) cannot fit in --mtu 200: we fragment,
    s_client reassembles; mutual, so s_client's certificate flight comes back too."""
    sizes, partial = _s_client_vs_our_server(
        tmp_path, pki, runtime, CCM8, True,
        ours_extra=['--mtu', '200', '--cert', pki('chain.crt')],
        s_client_extra=['-mtu', '256'], relay=True)
    assert sizes['to_client'] and max(sizes['to_client']) <= 200, sizes
    assert partial['to_client'] > 0, (sizes, partial)


# --- GnuTLS ----------------------------------------------------------------------------------

def _gnutls_priority(suite, rpk=False):
    return _BASE + ':+' + SUITES[suite][1] + (_RPK if rpk else '')


def _gnutls_serv(procs, pki, port, suite, mode):
    rpk = mode.startswith('rpk')
    argv = [require_binary('gnutls-serv'), '--udp', '-p', str(port), '--echo',
            '--priority', _gnutls_priority(suite, rpk)]
    if rpk:
        argv += ['--rawpkfile', pki('server.pub.pem'), '--rawpkkeyfile', pki('server.key')]
        if mode == 'rpk-mutual':
            argv += ['--require-client-cert']
    else:
        argv += ['--x509certfile', pki('server.crt'), '--x509keyfile', pki('server.key')]
        if mode == 'mutual':
            argv += ['--x509cafile', pki('ca.crt'), '--require-client-cert', '--verify-client-cert']
    server = procs.start('gnutls-serv', argv)
    procs.wait_for(server, 'listening on IPv6', 'stderr', what='gnutls-serv start')
    return server


def _our_gnutls_opts(pki, role, mode):
    if not mode.startswith('rpk'):
        return _our_x509(pki, role, mode == 'mutual')
    mutual = mode == 'rpk-mutual'
    if role == 'server':
        opts = ['--key', pki('server.key'), '--rpk']
        return opts + (['--peer-key', pki('client.pub.pem'), '--require-client-cert'] if mutual else [])
    opts = ['--peer-key', pki('server.pub.pem')]
    return opts + (['--key', pki('client.key'), '--rpk'] if mutual else [])


MODES = ('server-auth', 'mutual', 'rpk-server-auth', 'rpk-mutual')


@pytest.mark.parametrize('runtime', RUNTIMES)
@pytest.mark.parametrize('mode', MODES)
def test_our_client_gnutls_server(tmp_path, pki, runtime, mode):
    port = free_port()
    lines = ['first-%s-%s' % (runtime, mode), 'second line']
    with Processes(tmp_path) as procs:
        server = _gnutls_serv(procs, pki, port, CCM8, mode)
        client = _ours(procs, runtime, 'client', port, '--ciphers', CCM8,
                       *_our_gnutls_opts(pki, 'client', mode))
        client.send(''.join(line + '\n' for line in lines))
        check_client_exchange(procs, client, server, lines, lines, 'stderr')
        _check_our_peer(procs, client, CCM8, 'raw public key' if mode.startswith('rpk') else 'CN=server')
        if client.stdout().splitlines() != lines:
            procs.fail('echoed lines differ from the lines sent')


@pytest.mark.parametrize('runtime', RUNTIMES)
@pytest.mark.parametrize('mode', MODES)
def test_gnutls_client_our_server(tmp_path, pki, runtime, mode):
    port = free_port()
    ping = 'ping-gnutls-%s-%s' % (runtime, mode)
    rpk = mode.startswith('rpk')
    argv = [require_binary('gnutls-cli'), '--udp', '-p', str(port), '127.0.0.1',
            '--priority', _gnutls_priority(CCM8, rpk)]
    if rpk:
        argv += ['--insecure']      # gnutls-cli has no raw-key pinning; we check its key
        if mode == 'rpk-mutual':
            argv += ['--rawpkfile', pki('client.pub.pem'), '--rawpkkeyfile', pki('client.key')]
    else:
        argv += ['--x509cafile', pki('ca.crt')]
        if mode == 'mutual':
            argv += ['--x509certfile', pki('client.crt'), '--x509keyfile', pki('client.key')]
    with Processes(tmp_path) as procs:
        server = _ours(procs, runtime, 'server', port, '--ciphers', CCM8,
                       *_our_gnutls_opts(pki, 'server', mode))
        client = procs.start('gnutls-cli', argv)
        out = procs.wait_for(client, 'Handshake was completed', what='gnutls-cli handshake')
        if not rpk and 'The certificate is trusted' not in out:
            procs.fail('gnutls-cli did not trust our certificate')
        client.send(ping + '\n')
        out = procs.wait_for(client, 'Echo: ' + ping, what='our server echoed the record')
        # e.g. (DTLS1.2-X.509)-(ECDHE-X25519)-(ECDSA-SHA256)-(AES-128-CCM-8); the server's
        # certificate type is on its own line
        kind = '- Certificate type: ' + ('Raw Public Key' if rpk else 'X.509')
        if kind not in out or '-(ECDSA-SHA256)-(AES-128-CCM-8)' not in out:
            procs.fail('gnutls-cli negotiated another suite or certificate type')
        procs.wait_for(server, 'connected', 'stderr')
        if mode.endswith('mutual'):
            _check_our_peer(procs, server, CCM8, 'raw public key' if rpk else 'CN=client')
        else:
            _check_our_peer(procs, server, CCM8)


# --- failures across implementations ---------------------------------------------------------

@pytest.mark.parametrize('runtime', RUNTIMES)
def test_wrong_ca_alerts_both_directions(tmp_path, pki, keygen_pki, runtime):
    """A certificate from a CA the other side does not trust: unknown_ca(48), sent by us and
    understood by OpenSSL, and sent by OpenSSL's peer (us) when OpenSSL presents one."""
    for sub in ('ours-client', 'ours-server'):
        (tmp_path / sub).mkdir()
    port = free_port()
    with Processes(tmp_path / 'ours-client') as procs:
        server = _s_server(procs, pki, port, CCM8, False)
        client = _ours(procs, runtime, 'client', port, '--ciphers', CCM8,
                       '--ca', keygen_pki('ca.crt'))
        client.close_stdin()
        if procs.wait_exit(client) != 1 or 'fatal alert 48' not in client.stderr():
            procs.fail('our client did not fail with unknown_ca')
        procs.wait_for(server, 'alert unknown ca', 'stderr', what='s_server got our alert')
    port = free_port()
    with Processes(tmp_path / 'ours-server') as procs:
        server = _ours(procs, runtime, 'server', port, '--ciphers', CCM8,
                       *_our_x509(pki, 'server', True))
        argv = [require_binary('openssl'), 's_client', '-dtls1_2', '-connect',
                '127.0.0.1:%d' % port, '-CAfile', pki('ca.crt'), '-cipher', SUITES[CCM8][0],
                '-cert', keygen_pki('client.crt'), '-key', keygen_pki('client.key')]
        client = procs.start('openssl-s_client', argv)
        procs.wait_for(client, 'alert unknown ca', 'stderr', what='s_client got our alert')
        procs.wait_for(server, 'alert level 2 code 48', 'stderr')
