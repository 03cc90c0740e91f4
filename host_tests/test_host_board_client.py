"""ports/board_client.py, the minimal board-style client, against our echo server.

It is the example a board user starts from and the application tools/min_heap_device.py
measures the library's memory with, so it must work on both runtimes in every mode, and fail
with one clear line.
"""
import os
import subprocess
import sys
import time

import pytest

from test_host_interop_support import (MICROPYTHON_BIN, PSK_IDENTITY, PSK_KEY, ROOT, WAIT_S,
                                       Processes, free_port, require_binary, runtime_argv)

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
def test_board_client_bad_credential_files_are_one_line(tmp_path, runtime):
    # R9: a key given as the CA, a certificate as the key, or a missing file ended in a
    # ConfigError traceback, or (MicroPython) an error naming no file.
    f = _pki(tmp_path)
    cases = ((['x509', f('client.key'), f('client.crt'), f('client.key'), 'localhost'], 'anchors'),
             (['x509', f('ca.crt'), f('client.crt'), f('ca.crt'), 'localhost'], 'credentials'),
             (['rpk', f('client.key'), f('ca.crt')], 'peer key'),
             (['x509', f('client.key'), f('client.crt'), f('none.crt'), 'localhost'],
              'cannot read ' + f('none.crt')))
    for args, said in cases:
        result = _run_board_client(runtime, ['127.0.0.1', '9'] + args)
        assert result.returncode == 1 and len(result.stderr.splitlines()) == 1, (args, result)
        assert said in result.stderr, (said, result.stderr)


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


MAIN_SCRIPT = """
import sys
sys.path[:0] = [%(root)r, %(root)r + '/ports']
import board_client
def spy(host, port, mode, args, gc_fraction):
    print(gc_fraction)
    return b'reply'
inner = board_client.run
board_client.run = spy
for option in ([], ['--gc-fraction=none'], ['--gc-fraction=8']):
    board_client.main(option + ['127.0.0.1', '5684', 'psk', 'id', '00'])
board_client.run = inner
try:
    board_client.run('127.0.0.1', 5684, 'psk', (b'id', b'k'), gc_fraction=0)
except ValueError as e:
    print('ValueError')
"""


@pytest.mark.parametrize('runtime', ['micropython', 'cpython'])
def test_board_client_gc_fraction_option(runtime):
    # --gc-fraction=N|none first sets run()'s gc_fraction (what tools/min_heap_device.py's
    # device_cpu compares); the default is 32; run() refuses a fraction below 1
    result = subprocess.run(runtime_argv(runtime) + ['-c', MAIN_SCRIPT % {'root': ROOT}],
                            capture_output=True, text=True, timeout=WAIT_S, cwd=ROOT)
    assert result.stdout.split() == ['32', 'reply', 'None', 'reply', '8', 'reply',
                                     'ValueError'], result


def test_board_client_usage():
    assert os.access(MICROPYTHON_BIN, os.X_OK)
    for args in ([], ['127.0.0.1', '5684', 'telnet'], ['127.0.0.1', 'port', 'psk', 'a', '00'],
                 ['--gc-fraction=0', '127.0.0.1', '5684', 'psk', 'a', '00'],
                 ['--gc-fraction=x', '127.0.0.1', '5684', 'psk', 'a', '00'],
                 ['127.0.0.1', '99999', 'psk', 'a', '00'],      # R10: wrapped to 34463
                 ['127.0.0.1', '0', 'psk', 'a', '00']):
        result = _run_board_client('micropython', args)
        assert result.returncode == 2 and result.stderr.startswith('usage: board_client.py'), result


# Under MicroPython: run() collects each time 1/gc_fraction of the heap has been allocated and
# puts the application's own setting back when it returns, by a reply or by an error; None
# leaves it alone.
THRESHOLD_SCRIPT = """
import gc, sys
sys.path[:0] = [%(root)r, %(root)r + '/ports']
import board_client
seen = []
inner = board_client._run
def spy(*a):
    seen.append(gc.threshold())
    return inner(*a)
board_client._run = spy
gc.threshold(12288)  # a multiple of the GC block (it is rounded down to one)
print(board_client.run('127.0.0.1', %(port)d, 'psk', (%(identity)r, bytes.fromhex(%(key)r))))
print(gc.threshold())
board_client.run('127.0.0.1', %(port)d, 'psk', (%(identity)r, bytes.fromhex(%(key)r)),
                 gc_fraction=None)
try:
    board_client.run('127.0.0.1', %(dead)d, 'psk', (b'x', b'k'), timeout_ms=300, gc_fraction=8)
except RuntimeError as e:
    print(e)
print(gc.threshold())
print(gc.mem_free() + gc.mem_alloc(), *seen)
"""


def test_board_client_sets_the_gc_threshold_only_while_it_runs(tmp_path):
    port, dead = free_port(), free_port()
    script = THRESHOLD_SCRIPT % {'root': ROOT, 'port': port, 'dead': dead,
                                 'identity': PSK_IDENTITY.encode(), 'key': PSK_KEY}
    with Processes(tmp_path) as procs:
        procs.echo_server('cpython', '127.0.0.1:%d' % port, *_server_options('psk', None))
        result = subprocess.run(runtime_argv('micropython') + ['-c', script], capture_output=True,
                                text=True, timeout=WAIT_S + 10, cwd=ROOT)
    lines = result.stdout.splitlines()
    assert lines[:4] == ["b'Echo: ping'", '12288', 'handshake timed out', '12288'], result
    heap, default, none, eighth = (int(v) for v in lines[4].split())
    block = 32   # the 64-bit build's GC block: the threshold is rounded down to one
    assert (default, none, eighth) == (heap // 32 // block * block, 12288,
                                       heap // 8 // block * block), lines


# A server that never answers: between retransmissions the client must sleep in poll(), not
# spin. Until session 8 it computed the wait against the raw tick counter while the Context's
# deadlines are on its own clock (ticks_ms unwrapped from the first call, Context.now()), so
# every wait was 0: thousands of polls a second at full CPU. Counted, not timed.
SILENT_SCRIPT = """
import sys
sys.path[:0] = [%(root)r, %(root)r + '/ports']
import board_client
waits = []

class Poll:
    def __init__(self):
        self.inner = real_poll()
    def register(self, *a):
        self.inner.register(*a)
    def poll(self, wait):
        waits.append(wait)
        return self.inner.poll(wait)

class Select:
    POLLIN = board_client.select.POLLIN

real_poll = board_client.select.poll
Select.poll = Poll
board_client.select = Select
try:
    board_client.run('127.0.0.1', %(dead)d, 'psk', (b'x', b'k' * 16), timeout_ms=1500,
                     gc_fraction=None)
except RuntimeError as e:
    print(e)
print(len(waits), max(waits), min(waits))
"""


@pytest.mark.parametrize('runtime', ['micropython', 'cpython'])
def test_board_client_sleeps_between_retransmissions(runtime):
    script = SILENT_SCRIPT % {'root': ROOT, 'dead': free_port()}
    result = subprocess.run(runtime_argv(runtime) + ['-c', script], capture_output=True,
                            text=True, timeout=WAIT_S, cwd=ROOT)
    lines = result.stdout.splitlines()
    assert lines[0] == 'handshake timed out', result
    polls, longest, shortest = (int(v) for v in lines[1].split())
    # 1.5 s in waits of at most 200 ms (the loop's cap) or up to the next retransmission
    assert 7 <= polls <= 40 and longest == 200 and shortest >= 0, lines


@pytest.mark.parametrize('runtime', ['micropython', 'cpython'])
def test_board_client_says_when_the_server_closes(runtime):
    # R10: close_notify right after the handshake (OpenSSL's s_server with stdin at EOF) was
    # ignored: the client waited its whole timeout and said 'timed out'
    import time
    port = free_port()
    server = subprocess.Popen(
        [require_binary('openssl'), 's_server', '-dtls1_2', '-accept', '127.0.0.1:%d' % port,
         '-nocert', '-psk', PSK_KEY, '-psk_identity', PSK_IDENTITY,
         '-cipher', 'PSK-AES128-CCM8', '-naccept', '1', '-quiet'],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.7)
        t0 = time.time()
        result = _run_board_client(runtime, ['127.0.0.1', str(port), 'psk', PSK_IDENTITY, PSK_KEY])
        took = time.time() - t0
    finally:
        server.kill()
        server.wait()
    assert result.returncode == 1 and 'peer closed' in result.stderr, result
    assert took < 8, took


CLOSE_SCRIPT = """
import sys
sys.path[:0] = [%(root)r, %(root)r + '/ports']
import board_client
try:
    board_client.run('127.0.0.1', %(port)d, 'psk', (%(identity)r, bytes.fromhex(%(key)r)),
                     timeout_ms=1500)
except RuntimeError as e:
    print(e)
"""


@pytest.mark.parametrize('runtime', ['micropython', 'cpython'])
def test_board_client_sends_close_notify_when_it_gives_up(tmp_path, runtime):
    # R10: a client that timed out (here: the relay loses the server's reply) left its session
    # on the server, which has only so many places; it now closes however it ends
    port, relay_port = free_port(), free_port()
    with Processes(tmp_path) as procs:
        server = procs.echo_server('cpython', '127.0.0.1:%d' % port, *_server_options('psk', None))
        # to the client: 0 HelloVerifyRequest, 1 ServerHello..Done, 2 CCS+Finished, 3 the reply
        procs.relay(relay_port, port, drop={'to_client': [3]})
        script = CLOSE_SCRIPT % {'root': ROOT, 'port': relay_port,
                                 'identity': PSK_IDENTITY.encode(), 'key': PSK_KEY}
        result = subprocess.run(runtime_argv(runtime) + ['-c', script], capture_output=True,
                                text=True, timeout=WAIT_S + 10, cwd=ROOT)
        assert result.stdout.strip() == 'timed out', result
        procs.wait_for(server, 'alert level 1 code 0', 'stderr', what='close_notify')


CLOCK_SCRIPT = """
import sys
sys.path[:0] = [%(root)r, %(root)r + '/ports']
import board_client
from dtls_lite.x509 import chain
chain.wall_clock = lambda: %(now)d     # an unset board clock, as the library's reads it
try:
    board_client.run('127.0.0.1', %(port)d, 'x509', %(args)r, timeout_ms=5000)
except RuntimeError as e:
    print(e)
"""


@pytest.mark.parametrize('runtime', ['micropython', 'cpython'])
def test_board_client_names_an_unset_board_clock(tmp_path, runtime):
    # R10: an x509 board client on a board whose clock was never set fails every handshake with
    # certificate_unknown (46); it says what to do. The rp2 port starts at 2021-01-01 (epoch
    # 1970), other ports at 2000-01-01.
    f = _pki(tmp_path)
    port = free_port()
    with Processes(tmp_path) as procs:
        procs.echo_server('cpython', '127.0.0.1:%d' % port, *_server_options('x509', f))
        for now in (1609459200, 946684800):
            script = CLOCK_SCRIPT % {'root': ROOT, 'port': port, 'now': now,
                                     'args': tuple(_client_arguments('x509', f)[1:])}
            result = subprocess.run(runtime_argv(runtime) + ['-c', script], capture_output=True,
                                    text=True, timeout=WAIT_S + 10, cwd=ROOT)
            assert result.stdout.strip() == ('handshake failed: fatal alert 46 (is the board '
                                             'clock set? ntptime.settime())'), result


LONG_SCRIPT = """
import sys
sys.path[:0] = [%(root)r, %(root)r + '/ports']
import board_client
try:
    board_client.run('127.0.0.1', %(port)d, 'psk', (%(identity)r, bytes.fromhex(%(key)r)),
                     message=b'm' * 3000)
except ValueError as e:
    print('refused:', e)
"""


@pytest.mark.parametrize('runtime', ['micropython', 'cpython'])
def test_board_client_refuses_a_message_longer_than_one_record(tmp_path, runtime):
    # R11: write() sends one record's worth; run() ignored how much, sent 1,465 of 3,000 bytes
    # and returned the reply as if all had gone
    port = free_port()
    script = tmp_path / 'long.py'
    script.write_text(LONG_SCRIPT % {'root': ROOT, 'port': port, 'identity': PSK_IDENTITY.encode(),
                                     'key': PSK_KEY})
    with Processes(tmp_path) as procs:
        server = procs.echo_server('cpython', '127.0.0.1:%d' % port, '--ciphers', SUITE['psk'])
        result = subprocess.run(runtime_argv(runtime) + [str(script)], capture_output=True,
                                text=True, timeout=WAIT_S + 10, cwd=ROOT)
        assert 'refused: message of 3000 bytes: one record carries' in result.stdout, result
        # refused before anything was sent: the server got no cut part to act on (it would
        # have echoed it, cut again: 'reply of ... cut')
        time.sleep(0.3)
        assert 'cut' not in server.stderr(), server.stderr()
