"""Heap of dtls_lite on MicroPython: imports, handshake peaks, and the smallest workable heap.

Every figure comes from a fresh child MicroPython (tools/mem_pair.py) with the library imported
from the .mpy build (build/host, run `make mpy` first; rows are skipped without it), because
imports already done by the benchmarks before this one would hide the import heap:
- import heap of a PSK-only and of an ECDSA (X.509) configuration: `import dtls_lite` (+ auth,
  x509, p256) and one Context;
- peak extra live heap during a handshake, both sides (client and server Contexts in one
  process, in-memory link; PSK CCM_8, and mutual X.509 ECDHE-ECDSA P-256 CCM_8), sampled with
  gc.collect() + gc.mem_alloc() between datagrams and in every write callback, over the set-up
  (credentials, CA anchor, Contexts). 'first' includes the modules a handshake imports on first
  use (AEAD); 'warm' is a second pair after that;
- the -X heapsize (KiB) from which the mutual ECDSA handshake (both sides in one process)
  completes at every 4 KiB step for 32 KiB (tools/min_heap.py: bisection, then steady(), since
  the smallest heap is not monotonic; fragmentation included).
64-bit unix port: most objects are about half the size on 32-bit boards.

    micropython -X heapsize=16M tools/bench.py bench_memory      (MicroPython rows only)

Under CPython, bench_mpy_size() builds the .mpy files (tools/mpy_build.py, -O3, so `make bench`,
which runs CPython first, leaves the build the MicroPython rows need) and reports code size:
the whole library as host .mpy, and the .mpy bytes a client device loads for a mutual X.509 and
for a PSK handshake (the LOADED lines of mpy_build.py, measured by tools/mem_pair.py loaded()).

Also under CPython, bench_mpy_device() runs tools/min_heap_device.py: the heap ONE device needs,
a client under MicroPython (.mpy, 1500-byte receive buffer, offering only the measured suite)
against our CPython echo server over loopback: the smallest -X heapsize from which every 4 KiB
step for 32 KiB completes the handshake and echo (see min_heap.steady()), for the minimal
ports/board_client.py and for the tools/dtls_echo.py client, and the echo device's live heap
after set-up (library, application, credentials, Context).

bench_mpy_device_32() does the same for the board client on a 32-bit build of the unix port
(build/mp32/micropython from tools/build_mp32.sh), when one was built; else it says so on stderr.
bench_device_gc_cpu() gives the device process's CPU with and without the board client's
collection threshold (gc_fraction) at three heap sizes.
bench_mpy_device_frozen() measures the board client with the library frozen into such a build
(FROZEN=1 tools/build_mp32.sh, 32-bit and BITS=64), the figure for a board's frozen firmware.

And bench_romfs() (tools/romfs.py --measure): the live heap of `import dtls_lite` and of an
X.509 device's set-up with the library imported from a ROMFS image (in place, as a board with a
ROMFS partition runs it) and from .mpy files, and the image's size.

    python3 tools/bench.py bench_memory                 (the size and device rows only, ~15 s)
"""
import os
import sys

sys.path.insert(0, 'tools')
import mem_pair  # noqa: E402
import min_heap  # noqa: E402  (CPython-only parts stay unused on MicroPython)

_MICROPYTHON = sys.implementation.name == 'micropython'
_HEAP = 4 * 1024 * 1024


def _built():
    try:
        os.stat('build/host/dtls_lite/engine.mpy')
        return True
    except OSError:
        return False


def bench_memory():
    if not _MICROPYTHON or not _built():
        return []
    mem_pair.prepare('.')
    rows = []
    for kind, label in (('psk', 'psk'), ('ecdsa', 'ecdsa x509 mutual')):
        res = mem_pair.run(kind, _HEAP)
        if res.get('ok') != 1:
            raise RuntimeError('%s handshake failed in the child: %r' % (kind, res))
        rows.append(('heap: import + Context, %s config (.mpy)' % kind, res['import'] / 1024, 'KB'))
        rows.append(('heap: set-up incl. imports, %s (both sides)' % label, res['setup'] / 1024, 'KB'))
        rows.append(('heap: peak extra during %s handshake, first (both sides)' % label,
                     res['peak'] / 1024, 'KB'))
        rows.append(('heap: peak extra during %s handshake, warm (both sides)' % label,
                     res['peak_warm'] / 1024, 'KB'))
        rows.append(('heap: kept after %s handshake, warm (2 sessions)' % label,
                     res['after_warm'] / 1024, 'KB'))
    rows.append(('heap: -X heapsize that works, ecdsa x509 mutual (both sides)',
                 min_heap.min_heap_kib('ecdsa', root='.'), 'KiB'))
    return rows


def bench_mpy_size():
    if _MICROPYTHON:
        return []
    import mpy_build
    sizes = mpy_build.build()
    rows = [('mpy size: whole library (host .mpy, -O3)',
             sum(s['host'] for s in sizes.values()) / 1024, 'KB')]
    for kind, label in (('ecdsa', 'X.509 mutual'), ('psk', 'PSK')):
        _, loaded = mpy_build.device_bytes(sizes, kind)
        rows.append(('mpy size: loaded by a client device, %s' % label, loaded['host'] / 1024, 'KB'))
    return rows


def bench_mpy_device():
    if _MICROPYTHON:
        return []
    import min_heap_device
    rows = []
    results = min_heap_device.measure(('x509', 'psk'))
    for kind, label in (('x509', 'X.509 mutual'), ('psk', 'PSK')):
        for app, what in (('board', 'board client'), ('echo', 'dtls_echo client'),
                          ('romfs', 'board client, ROMFS image in the heap')):
            good, first, t = results[kind, app]
            if good is None:
                raise RuntimeError('device %s (%s) handshake fails even at 512 KiB: %s'
                                   % (kind, what, t))
            rows.append(('heap: device -X heapsize that works, %s, %s (.mpy)' % (label, what),
                         good, 'KiB'))
            if app == 'romfs':
                rows.append(('heap: device heap estimate, %s, ROMFS image in flash' % label,
                             good - t['image_kib'], 'KiB'))
        t = results[kind, 'echo'][2]
        rows.append(('heap: device live after set-up, %s (.mpy)' % label, t['setup'] / 1024, 'KB'))
    return rows


MP32 = 'build/mp32/micropython'
FROZEN = (('build/mp32-frozen/micropython', '32-bit', 'FROZEN=1'),
          ('build/mp64-frozen/micropython', '64-bit', 'FROZEN=1 BITS=64'))


def _build_rows(path, app, what, how):
    """The device `app`'s smallest heap (x509, psk) on the unix build at `path`, rows labelled
    `what`; [] and a line on stderr naming the command (`how`) if that build does not exist."""
    if not os.path.exists(path):
        sys.stderr.write('bench_memory: %s not built (%stools/build_mp32.sh SOURCE_DIR), so the '
                         'rows "%s" are not measured\n' % (path, how and how + ' ', what))
        return []
    import min_heap_device
    saved = min_heap_device.MICROPYTHON
    min_heap_device.MICROPYTHON = os.path.abspath(path)
    try:
        results = min_heap_device.measure(('x509', 'psk'), apps=(app,))
    finally:
        min_heap_device.MICROPYTHON = saved
    rows = []
    for kind, label in (('x509', 'X.509 mutual'), ('psk', 'PSK')):
        good, first, t = results[kind, app]
        if good is None:
            raise RuntimeError('%s: device %s handshake fails even at 512 KiB: %s' % (what, kind, t))
        rows.append(('heap: device -X heapsize that works, %s, %s' % (label, what), good, 'KiB'))
    return rows


def bench_mpy_device_32():
    """The board client's smallest heap on a 32-bit build of the unix port (tools/build_mp32.sh;
    pointers and GC blocks the size a board's are), if one was built: that needs MicroPython's
    source, which no registry this project installs from carries, so it is not built here."""
    if _MICROPYTHON:
        return []
    return _build_rows(MP32, 'board', 'board client, 32-bit', '')


def bench_mpy_device_frozen():
    """The board client's smallest heap with the library frozen into the runtime (as a board's
    firmware built with ports/esp32 or ports/rp2's manifest has it: bytecode and names in flash),
    on the builds of FROZEN=1 tools/build_mp32.sh (32-bit, and BITS=64) that exist. The board
    client itself is a .mpy in the heap, as a board's main.py would be."""
    if _MICROPYTHON:
        return []
    rows = []
    for path, bits, how in FROZEN:
        rows += _build_rows(path, 'frozen', 'board client, library frozen, ' + bits, how)
    return rows


def bench_device_gc_cpu():
    """What ports/board_client.py's collection threshold (gc_fraction, default 32) costs: the
    device process's CPU (import, set-up, mutual X.509 handshake, echo; median of 5) with and
    without it, by heap size (tools/min_heap_device.py device_cpu). Without it the device needs
    up to 200 KiB (64-bit; 192 failed 2 runs in 25 in session 11), with it 172, so the smallest
    size here is above both."""
    if _MICROPYTHON:
        return []
    import min_heap_device
    res = min_heap_device.device_cpu('x509', (224, 256, 1024))
    rows = []
    for (kib, fraction), seconds in sorted(res.items()):
        rows.append(('cpu: board client device run, X.509 mutual, -X heapsize=%dK, gc_fraction %s'
                     % (kib, fraction), seconds * 1000, 'ms'))
    return rows


def bench_romfs():
    if _MICROPYTHON:
        return []
    import tempfile
    import romfs
    r = romfs.measure(os.path.join(tempfile.mkdtemp(prefix='dtls_bench_romfs_'), 'dtls_lite.romfs'))
    return [('mpy size: ROMFS image of the library', r['size'] / 1024, 'KB'),
            ('heap: import dtls_lite, from ROMFS (in place)', r['rom']['import'] / 1024, 'KB'),
            ('heap: import dtls_lite, from .mpy files', r['files']['import'] / 1024, 'KB'),
            ('heap: X.509 device set-up, from ROMFS (in place)', r['rom']['setup'] / 1024, 'KB'),
            ('heap: X.509 device set-up, from .mpy files', r['files']['setup'] / 1024, 'KB')]
