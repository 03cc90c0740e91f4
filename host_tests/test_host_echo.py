"""tools/dtls_echo.py against itself: both runtimes, IPv4 and IPv6, many clients, failures.

Interop with other implementations is in test_host_interop_*.py; here our client and our server
run as subprocesses under MicroPython and CPython in every pairing, so the socket glue of
ports/unix/unixport.py (sockaddr bytes vs tuples, poll objects vs descriptors) is exercised on
both ends. Failure paths check the exit status and the single line on stderr.
"""
import subprocess

import pytest

from test_host_interop_support import (ECHO, ROOT, WAIT_S, Processes, check_client_exchange,
                                       free_port, require_binary, runtime_argv)


def _run_client(runtime, address, lines, *options, timeout=WAIT_S):
    argv = runtime_argv(runtime) + [ECHO, 'client', address] + list(options)
    return subprocess.run(argv, input=''.join(x + '\n' for x in lines), capture_output=True,
                          text=True, timeout=timeout + 10, cwd=ROOT)


@pytest.mark.parametrize('server_rt,client_rt', [('micropython', 'cpython'), ('cpython', 'micropython')])
def test_cross_runtime_echo(tmp_path, server_rt, client_rt):
    port = free_port()
    lines = ['%s to %s' % (client_rt, server_rt), 'line two', 'ü unicode ✓']
    with Processes(tmp_path) as procs:
        server = procs.echo_server(server_rt, '127.0.0.1:%d' % port)
        client = procs.echo_client(client_rt, '127.0.0.1:%d' % port)
        client.send(''.join(x + '\n' for x in lines))
        err = check_client_exchange(procs, client, server, [], ['Echo: ' + x for x in lines])
        if 'handshake' not in err:
            procs.fail('--verbose client did not report the handshake')
        if client.stdout().splitlines() != ['Echo: ' + x for x in lines]:
            procs.fail('echoed lines differ')


@pytest.mark.parametrize('runtime', ['micropython', 'cpython'])
def test_ipv6_loopback(tmp_path, runtime):
    port = free_port()
    with Processes(tmp_path) as procs:
        server = procs.echo_server(runtime, '[::1]:%d' % port)
        client = procs.echo_client(runtime, '[::1]:%d' % port)
        client.send('over IPv6\n')
        check_client_exchange(procs, client, server, [], ['Echo: over IPv6'])
        procs.wait_for(server, '[::1]:', 'stderr', what='server logs the IPv6 peer')


def test_many_clients_at_once(tmp_path):
    """One MicroPython server, six clients (both runtimes) handshaking and echoing concurrently;
    each must get exactly its own lines back."""
    port = free_port()
    with Processes(tmp_path) as procs:
        procs.echo_server('micropython', '127.0.0.1:%d' % port)
        clients = []
        for i in range(6):
            rt = 'micropython' if i % 2 else 'cpython'
            client = procs.start('client-%d' % i, runtime_argv(rt) + [
                ECHO, 'client', '127.0.0.1:%d' % port, '--timeout', str(WAIT_S)])
            client.send(''.join('client %d line %d\n' % (i, j) for j in range(5)))
            clients.append(client)
        for client in clients:
            client.close_stdin()
        for i, client in enumerate(clients):
            rc = procs.wait_exit(client, WAIT_S + 10)
            expected = ['Echo: client %d line %d' % (i, j) for j in range(5)]
            if rc != 0 or client.stdout().splitlines() != expected:
                procs.fail('client %d: exit %s, output %r' % (i, rc, client.stdout()))


@pytest.mark.parametrize('runtime', ['micropython', 'cpython'])
def test_wrong_key_fails_with_one_line(tmp_path, runtime):
    port = free_port()
    with Processes(tmp_path) as procs:
        procs.echo_server(runtime, '127.0.0.1:%d' % port)
        # The server cannot open our Finished and drops it as a bad record (RFC 6347 §4.1.2.7),
        # so the client's handshake times out.
        result = _run_client(runtime, '127.0.0.1:%d' % port, ['never echoed'],
                             '--psk-key', 'ff' * 16, '--timeout', '2', timeout=2)
    assert result.returncode == 1, result
    assert result.stdout == ''
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert 'handshake' in result.stderr


def test_unknown_identity_fails(tmp_path):
    port = free_port()
    with Processes(tmp_path) as procs:
        procs.echo_server('micropython', '127.0.0.1:%d' % port)
        result = _run_client('micropython', '127.0.0.1:%d' % port, ['x'],
                             '--psk-identity', 'somebody_else', '--timeout', '5', timeout=5)
    assert result.returncode == 1, result
    assert result.stdout == ''
    assert 'handshake' in result.stderr


@pytest.mark.parametrize('runtime', ['micropython', 'cpython'])
def test_no_server_times_out(runtime):
    result = _run_client(runtime, '127.0.0.1:%d' % free_port(), ['x'], '--timeout', '1.5', timeout=2)
    assert result.returncode == 1
    assert result.stderr.strip() == 'dtls_echo: handshake timed out after 1500 ms'


@pytest.mark.parametrize('args', [[], ['client'], ['server', 'nohostport'], ['client', '127.0.0.1:70000'],
                                  ['client', '::1:5684'], ['client', '127.0.0.1:5684', '--bogus'],
                                  ['client', '127.0.0.1:5684', '--psk-key', 'xyz'],
                                  ['client', '127.0.0.1:5684', '--max-datagram', '0'],
                                  ['client', '127.0.0.1:5684', '--groups', 'nosuch'],
                                  ['client', '127.0.0.1:5684', '--ciphers', 'TLS_NOSUCH']])
def test_usage_errors_exit_2(args):
    result = subprocess.run(runtime_argv('micropython') + [ECHO] + args, capture_output=True,
                            text=True, timeout=20, cwd=ROOT)
    assert result.returncode == 2, result
    assert 'usage' in result.stderr


# --- ECDHE-ECDSA: certificates and raw public keys (keys made by OpenSSL per test) -------------

def _make_pki(tmp_path):
    """CA + server + client P-256 keys and certificates (the ../shared/PEERS.md recipe)."""
    openssl = require_binary('openssl')
    d = str(tmp_path)

    def run(*args):
        subprocess.run([openssl] + list(args), cwd=d, check=True, capture_output=True, timeout=30)
    run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key')
    run('req', '-x509', '-new', '-key', 'ca.key', '-sha256', '-days', '3650', '-subj', '/CN=Test CA',
        '-out', 'ca.crt', '-addext', 'basicConstraints=critical,CA:TRUE',
        '-addext', 'keyUsage=critical,keyCertSign,cRLSign')
    for name in ('server', 'client'):
        run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', name + '.key')
        run('req', '-new', '-key', name + '.key', '-subj', '/CN=' + name, '-out', name + '.csr')
        (tmp_path / (name + '.ext')).write_text(
            'basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n'
            'keyUsage=digitalSignature\n')
        run('x509', '-req', '-in', name + '.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key',
            '-CAcreateserial', '-days', '3650', '-sha256', '-extfile', name + '.ext', '-out', name + '.crt')
        run('pkey', '-in', name + '.key', '-pubout', '-out', name + '.pub.pem')
    return lambda name: str(tmp_path / name)


@pytest.mark.parametrize('server_rt,client_rt', [('micropython', 'cpython'), ('cpython', 'micropython')])
@pytest.mark.parametrize('mode', ['x509-mutual', 'raw-public-keys'])
def test_ecdsa_echo(tmp_path, server_rt, client_rt, mode):
    f = _make_pki(tmp_path)
    if mode == 'x509-mutual':
        server_opts = ('--key', f('server.key'), '--cert', f('server.crt'), '--ca', f('ca.crt'),
                       '--require-client-cert')
        client_opts = ('--key', f('client.key'), '--cert', f('client.crt'), '--ca', f('ca.crt'))
        seen_by_client = 'CN=server'
    else:
        server_opts = ('--key', f('server.key'), '--rpk', '--peer-key', f('client.pub.pem'),
                       '--require-client-cert')
        client_opts = ('--key', f('client.key'), '--rpk', '--peer-key', f('server.pub.pem'))
        seen_by_client = 'peer raw public key'
    port = free_port()
    with Processes(tmp_path) as procs:
        server = procs.echo_server(server_rt, '127.0.0.1:%d' % port, *server_opts)
        client = procs.echo_client(client_rt, '127.0.0.1:%d' % port, *client_opts)
        client.send('signed hello\n')
        err = check_client_exchange(procs, client, server, [], ['Echo: signed hello'])
        if 'TLS_ECDHE_ECDSA_WITH_' not in err or seen_by_client not in err:
            procs.fail('our client did not report an ECDHE_ECDSA suite and the peer (%s)' % seen_by_client)


@pytest.mark.parametrize('trust', ['other-ca', 'other-pinned-key'])
def test_ecdsa_untrusted_server_fails(tmp_path, trust):
    """A server certificate from another CA, or a raw key other than the pinned one: the client
    must refuse the handshake (exit 1, nothing echoed)."""
    ours = _make_pki(tmp_path)
    (tmp_path / 'other').mkdir()
    other = _make_pki(tmp_path / 'other')
    if trust == 'other-ca':
        server_opts = ('--key', ours('server.key'), '--cert', ours('server.crt'))
        client_opts = ('--ca', other('ca.crt'))
    else:
        server_opts = ('--key', ours('server.key'), '--rpk')
        client_opts = ('--peer-key', other('server.pub.pem'))
    port = free_port()
    with Processes(tmp_path) as procs:
        procs.echo_server('micropython', '127.0.0.1:%d' % port, *server_opts)
        result = _run_client('micropython', '127.0.0.1:%d' % port, ['x'], *client_opts,
                             '--timeout', '5', timeout=5)
    assert result.returncode == 1, result
    assert result.stdout == ''
    assert 'handshake failed: fatal alert' in result.stderr, result.stderr


# --- receive bound (--max-datagram): what a device with a path MTU reads ----------------------

_DEVICE_BOUND = 1500  # a board's receive buffer: one Ethernet-MTU datagram
_TOO_SMALL = 600      # below the datagrams of the server's certificate flight at --mtu 1500


def _x509_options(f, role):
    opts = ('--key', f(role + '.key'), '--cert', f(role + '.crt'), '--ca', f('ca.crt'))
    return opts + ('--require-client-cert',) if role == 'server' else opts


@pytest.mark.parametrize('client_rt', ['micropython', 'cpython'])
def test_bounded_receive_completes_against_matching_mtu(tmp_path, client_rt):
    """A client reading at most 1500 bytes per datagram (--max-datagram, what min_heap_device.py
    gives the device) handshakes and echoes with a server sending datagrams of at most 1500
    (--mtu). Through a relay, so the test also proves the bound was exercised: the server's
    X.509 flight came in datagrams that a 600-byte bound cuts (the failing case below), and
    none exceeded 1500. (The exact edge, a datagram of exactly the bound, is test_unixport's.)"""
    f = _make_pki(tmp_path)
    port, relay_port = free_port(), free_port()
    with Processes(tmp_path) as procs:
        server = procs.echo_server('cpython', '127.0.0.1:%d' % port, '--mtu', str(_DEVICE_BOUND),
                                   *_x509_options(f, 'server'))
        relay = procs.relay(relay_port, port)
        client = procs.echo_client(client_rt, '127.0.0.1:%d' % relay_port,
                                   '--max-datagram', str(_DEVICE_BOUND), *_x509_options(f, 'client'))
        client.send('bounded\n')
        check_client_exchange(procs, client, server, [], ['Echo: bounded'])
    largest = max(relay.sizes['to_client'])
    assert _TOO_SMALL < largest <= _DEVICE_BOUND, relay.sizes['to_client']


@pytest.mark.parametrize('client_rt', ['micropython', 'cpython'])
def test_too_small_receive_bound_fails_visibly(tmp_path, client_rt):
    """A bound below the peer's datagrams cannot work (the socket cuts them); the client must say
    so: exit 1 and its one stderr line counts the datagrams dropped for --max-datagram."""
    f = _make_pki(tmp_path)
    port, relay_port = free_port(), free_port()
    with Processes(tmp_path) as procs:
        procs.echo_server('cpython', '127.0.0.1:%d' % port, '--mtu', str(_DEVICE_BOUND),
                          *_x509_options(f, 'server'))
        relay = procs.relay(relay_port, port)
        result = _run_client(client_rt, '127.0.0.1:%d' % relay_port, ['x'],
                             '--max-datagram', str(_TOO_SMALL), '--timeout', '3',
                             *_x509_options(f, 'client'), timeout=3)
    assert max(relay.sizes['to_client']) > _TOO_SMALL, relay.sizes['to_client']
    assert result.returncode == 1, result
    assert result.stdout == ''
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert 'handshake timed out' in result.stderr, result.stderr
    assert 'longer than --max-datagram %d dropped' % _TOO_SMALL in result.stderr, result.stderr


@pytest.mark.parametrize('client_rt', ['micropython', 'cpython'])
def test_server_name_checked_instead_of_host(tmp_path, client_rt):
    """--server-name: connect by IP address, check a DNS name against the certificate (its
    subjectAltName has DNS:localhost and IP:127.0.0.1); a name it lacks fails the handshake."""
    f = _make_pki(tmp_path)
    port = free_port()
    with Processes(tmp_path) as procs:
        server = procs.echo_server('cpython', '127.0.0.1:%d' % port, *_x509_options(f, 'server'))
        client = procs.echo_client(client_rt, '127.0.0.1:%d' % port, '--server-name', 'localhost',
                                   *_x509_options(f, 'client'))
        client.send('by name\n')
        check_client_exchange(procs, client, server, [], ['Echo: by name'])
        result = _run_client(client_rt, '127.0.0.1:%d' % port, ['x'], '--server-name',
                             'elsewhere.example', '--timeout', '5', *_x509_options(f, 'client'),
                             timeout=5)
    assert result.returncode == 1, result
    assert result.stdout == ''
    assert 'handshake failed: fatal alert' in result.stderr, result.stderr


@pytest.mark.parametrize('runtime', ['micropython', 'cpython'])
def test_line_longer_than_a_record_is_an_error_not_cut(tmp_path, runtime):
    # write() sends one record's worth and returns how much; the client used to ignore that
    # and exit 0 with the line cut to 1171 bytes (default --mtu 1200, CCM_8)
    port = free_port()
    with Processes(tmp_path) as procs:
        server = procs.echo_server('cpython', '127.0.0.1:%d' % port)
        result = _run_client(runtime, '127.0.0.1:%d' % port, ['x' * 1300], '--timeout', '5',
                             timeout=5)
        fits = _run_client(runtime, '127.0.0.1:%d' % port, ['y' * 1300], '--mtu', '1500',
                           '--timeout', '5', timeout=5)
        # the server logs the cut after sending the reply: wait for it, do not race it
        server_err = procs.wait_for(server, 'reply of 1306 bytes cut to 1171', 'stderr')
    assert result.returncode == 1, result
    assert ('a line of 1300 bytes is longer than one record carries with its echo (1165 '
            'here): raise --mtu') in result.stderr, result.stderr
    # with room for it the line goes whole; the echo, one record at the server's --mtu (1200),
    # is cut, and the server says so on stderr
    assert fits.returncode == 0, fits
    assert fits.stdout == 'Echo: ' + 'y' * (1171 - 6) + '\n', fits.stdout
    assert 'reply of 1306 bytes cut to 1171' in server_err, server_err
    # the longest line whose echo still fits one record at the same --mtu on both sides
    with Processes(tmp_path) as procs:
        procs.echo_server('cpython', '127.0.0.1:%d' % port)
        edge = _run_client(runtime, '127.0.0.1:%d' % port, ['z' * 1165], '--timeout', '5', timeout=5)
        over = _run_client(runtime, '127.0.0.1:%d' % port, ['z' * 1166], '--timeout', '5', timeout=5)
    assert edge.returncode == 0 and edge.stdout == 'Echo: ' + 'z' * 1165 + '\n', edge
    assert over.returncode == 1 and 'raise --mtu' in over.stderr, over


@pytest.mark.parametrize('runtime', ['micropython', 'cpython'])
def test_operator_mistakes_are_one_line_not_a_traceback(tmp_path, runtime):
    # R9: a missing key or CA file, a directory given as a file, a host that does not resolve,
    # a port in use, and --key/--cert without a way to judge the server all ended in a traceback.
    import socket
    missing = str(tmp_path / 'missing.crt')
    for options, rc in ((['--ca', missing], 2), (['--peer-key', str(tmp_path)], 2),
                        (['--key', missing, '--cert', missing, '--ca', missing], 2)):
        result = _run_client(runtime, '127.0.0.1:9', [], *options, '--timeout', '1', timeout=1)
        assert result.returncode == rc and 'Traceback' not in result.stderr, (options, result)
        assert 'cannot read ' in result.stderr, result.stderr
    import test_x509_fixtures as fx
    (tmp_path / 'k.pem').write_text(fx.SERVER_KEY_SEC1)
    (tmp_path / 'c.pem').write_text(fx.SERVER_CRT)
    result = _run_client(runtime, '127.0.0.1:9', [], '--key', str(tmp_path / 'k.pem'), '--cert',
                         str(tmp_path / 'c.pem'), '--timeout', '1', timeout=1)   # and no --ca
    assert result.returncode == 2 and 'no usable suite' in result.stderr, result
    assert 'Traceback' not in result.stderr, result.stderr
    result = _run_client(runtime, 'nosuchhost.invalid:9', [], '--timeout', '1', timeout=1)
    assert result.returncode == 1 and len(result.stderr.splitlines()) == 1, result
    busy = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        busy.bind(('127.0.0.1', 0))
        argv = runtime_argv(runtime) + [ECHO, 'server', '127.0.0.1:%d' % busy.getsockname()[1]]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=WAIT_S, cwd=ROOT)
    finally:
        busy.close()
    assert result.returncode == 1 and len(result.stderr.splitlines()) == 1, result


def test_demo_option_without_its_value_is_a_usage_error():
    # R9: `demo.py --ciphers` with no name ended in an IndexError traceback
    import sys
    result = subprocess.run([sys.executable, ROOT + '/tools/demo.py', '--ciphers'],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and result.stderr == 'demo: --ciphers needs NAME[,NAME]\n', result


@pytest.mark.parametrize('runtime', ['micropython', 'cpython'])
def test_client_says_when_the_server_closes_before_the_end_of_input(runtime):
    # OpenSSL's s_server with stdin at EOF sends close_notify right after the handshake: the
    # client wrote into the closed session (a NotConnected traceback), or, with its line
    # coming later, exited 0 with the line never sent
    port = free_port()
    server = subprocess.Popen(
        [require_binary('openssl'), 's_server', '-dtls1_2', '-accept', '127.0.0.1:%d' % port,
         '-nocert', '-psk', '000102030405060708090a0b0c0d0e0f', '-psk_identity',
         'Client_identity', '-cipher', 'PSK-AES128-CCM8', '-naccept', '1', '-quiet'],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import time
        time.sleep(0.7)
        done = _run_client(runtime, '127.0.0.1:%d' % port, ['hello'], '--ciphers',
                           'TLS_PSK_WITH_AES_128_CCM_8', '--timeout', '4')
    finally:
        server.kill()
        server.wait()
    assert done.returncode == 1, done
    assert 'Traceback' not in done.stderr and 'peer closed' in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


@pytest.mark.parametrize('runtime', ['micropython', 'cpython'])
def test_a_client_that_fails_still_sends_close_notify(tmp_path, runtime):
    # R10: a client ending on an error (here a line too long for one record) left its session
    # on the server, which keeps 16 at most: 16 such clients locked every later one out
    port = free_port()
    with Processes(tmp_path) as procs:
        server = procs.echo_server('cpython', '127.0.0.1:%d' % port)
        result = _run_client(runtime, '127.0.0.1:%d' % port, ['x' * 1300], '--timeout', '5',
                             timeout=5)
        procs.wait_for(server, 'alert level 1 code 0', 'stderr', what='close_notify')
    assert result.returncode == 1 and 'raise --mtu' in result.stderr, result
