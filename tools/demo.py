"""`make demo`: a DTLS 1.2 PSK echo over loopback with both ends running under MicroPython.

Starts `tools/dtls_echo.py server` under the venv's MicroPython on a free loopback port, runs
`tools/dtls_echo.py client` (MicroPython too) with the default PSK, feeds it a few lines, and
prints what came back, the negotiated suite and the handshake time. Exits 0 only if every line
came back as 'Echo: ' + line; the server is killed in every case.

    python3 tools/demo.py [--cpython] [--ciphers NAME[,NAME]]

--cpython runs both ends under this Python instead (same code, for comparison).
"""
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ECHO = os.path.join(ROOT, 'tools', 'dtls_echo.py')
MICROPYTHON = os.path.join(ROOT, '.venv', 'bin', 'micropython')
LINES = ['hello from MicroPython', 'DTLS 1.2 over UDP', 'the third line']
TIMEOUT_S = 20


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for_text(path, text, proc, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(path) as f:
            if text in f.read():
                return True
        if proc.poll() is not None:
            return False
        time.sleep(0.02)
    return False


def main(argv):
    runtime = [sys.executable] if '--cpython' in argv else [MICROPYTHON]
    extra = []
    if '--ciphers' in argv:
        i = argv.index('--ciphers') + 1
        if i == len(argv):
            print('demo: --ciphers needs NAME[,NAME]', file=sys.stderr)
            return 2
        extra = ['--ciphers', argv[i]]
    if not os.access(runtime[0], os.X_OK):
        print('demo: %s not found (run `make venv`)' % runtime[0], file=sys.stderr)
        return 1
    port = free_port()
    address = '127.0.0.1:%d' % port
    with tempfile.TemporaryDirectory() as tmp:
        server_err = os.path.join(tmp, 'server.err')
        with open(server_err, 'w') as err:
            server = subprocess.Popen(runtime + [ECHO, 'server', address, '--verbose'] + extra,
                                      stdout=subprocess.DEVNULL, stderr=err, cwd=ROOT)
        try:
            if not wait_for_text(server_err, 'listening on', server, TIMEOUT_S):
                print('demo: echo server did not start:\n' + open(server_err).read(), file=sys.stderr)
                return 1
            print('server: %s %s server %s' % (os.path.basename(runtime[0]), 'tools/dtls_echo.py', address))
            try:
                client = subprocess.run(runtime + [ECHO, 'client', address, '--verbose'] + extra,
                                        input=''.join(line + '\n' for line in LINES),
                                        capture_output=True, text=True, timeout=TIMEOUT_S, cwd=ROOT)
            except subprocess.TimeoutExpired:
                print('demo: client did not finish within %d s' % TIMEOUT_S, file=sys.stderr)
                return 1
        finally:
            server.terminate()
            try:
                server.wait(3)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        return report(client, open(server_err).read())


def report(client, server_log):
    echoed = client.stdout.splitlines()
    for sent in LINES:
        print('sent %-28r got %r' % (sent, echoed.pop(0) if echoed else None))
    m = re.search(r'connected to \S+, (\S+), handshake (\d+) ms', client.stderr)
    if m:
        print('suite %s, handshake %s ms (client side)' % m.groups())
    ok = client.returncode == 0 and client.stdout.splitlines() == ['Echo: ' + x for x in LINES] and m
    if not ok:
        print('demo FAILED (client exit %s)\n--- client stderr\n%s--- server stderr\n%s'
              % (client.returncode, client.stderr, server_log), file=sys.stderr)
        return 1
    print('demo OK')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
