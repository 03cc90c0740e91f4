"""ports/board_client.py, the minimal board-style client, against our echo server.

It is the example a board user starts from and the application tools/min_heap_device.py
measures the library's memory with, so it must work on both runtimes in every mode, and fail
with one clear line.
"""
import os
import subprocess
import sys

import pytest

from test_host_interop_support import (MICROPYTHON_BIN, PSK_IDENTITY, PSK_KEY, ROOT, WAIT_S,
                                       Processes, free_port, runtime_argv)

BOARD_CLIENT = os.path.join(ROOT, 'ports', 'board_client.py')
SUITE = {'psk': 'TLS_PSK_WITH_AES_128_CCM_8', 'x509': 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8',
         'rpk': 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8'}


def _pki(tmp_path):
    subprocess.run([sys.executable, os.path.join(ROOT, 'tools', 'keygen.py'), 'ca', '--out-dir',
                    str(tmp_path)], check=True, capture_output=True, timeout=60)
    return lambda name: str(tmp_path / name)


def _server_options(mode, f):
    opts = ['--mtu', '1500', '--ciphers', SUITE[mode]]
    if mode == 'x509':
        opts += ['--key', f('server.key'), '--cert', f('server.crt'), '--ca', f('ca.crt'),
                 '--require-client-cert']
    elif mode == 'rpk':
        opts += ['--key', f('server.key'), '--rpk', '--peer-key', f('client.pub.pem'),
                 '--require-client-cert']
    return opts


def _client_arguments(mode, f, server_name='localhost'):
    if mode == 'psk':
        return ['psk', PSK_IDENTITY, PSK_KEY]
    if mode == 'x509':
        return ['x509', f('client.key'), f('client.crt'), f('ca.crt'), server_name]
    return ['rpk', f('client.key'), f('server.pub.pem')]


def _run_board_client(runtime, args):
    env = dict(os.environ, MICROPYPATH=ROOT, PYTHONPATH=ROOT)
    return subprocess.run(runtime_argv(runtime) + [BOARD_CLIENT] + args, capture_output=True,
                          text=True, timeout=WAIT_S + 10, cwd=ROOT, env=env)


@pytest.mark.parametrize('runtime', ['micropython', 'cpython'])
@pytest.mark.parametrize('mode', ['psk', 'x509', 'rpk'])
def test_board_client_echo(tmp_path, runtime, mode):
    f = _pki(tmp_path)
    port = free_port()
    with Processes(tmp_path) as procs:
        procs.echo_server('cpython', '127.0.0.1:%d' % port, *_server_options(mode, f))
        result = _run_board_client(runtime, ['127.0.0.1', str(port)] + _client_arguments(mode, f))
    assert (result.returncode, result.stdout, result.stderr) == (0, 'Echo: ping\n', ''), result


def test_board_client_refuses_wrong_server_name(tmp_path):
    # The server's certificate names localhost and 127.0.0.1: another name is bad_certificate
    # (42), reported by the client in one line, exit status 1.
    f = _pki(tmp_path)
    port = free_port()
    with Processes(tmp_path) as procs:
        procs.echo_server('cpython', '127.0.0.1:%d' % port, *_server_options('x509', f))
        result = _run_board_client('micropython', ['127.0.0.1', str(port)]
                                   + _client_arguments('x509', f, 'other.example'))
    assert result.returncode == 1 and result.stdout == '', result
    assert result.stderr == 'board_client: handshake failed: fatal alert 42\n', result.stderr


def test_board_client_usage():
    assert os.access(MICROPYTHON_BIN, os.X_OK)
    for args in ([], ['127.0.0.1', '5684', 'telnet'], ['127.0.0.1', 'port', 'psk', 'a', '00']):
        result = _run_board_client('micropython', args)
        assert result.returncode == 2 and result.stderr.startswith('usage: board_client.py'), result
