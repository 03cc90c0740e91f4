"""The smallest `micropython -X heapsize=` at which an in-memory handshake completes, with
dtls_lite imported from the .mpy build (build/host on MICROPYPATH, as `make mpy` leaves it).

    python3 tools/min_heap.py [ecdsa|psk ...]        (from the repository root; default: ecdsa)

Builds build/host (tools/mpy_build.py) and build/mem (tools/mem_pair.py prepare()), then bisects
the heap size in 1 KiB steps, then checks that every 4 KiB step above passes for 32 KiB (the
result is not monotonic in the heap size, see steady()); each try is a fresh child process running tools/mem_pair.py main()
(client and server Contexts in one process, X.509 mutual P-256 CCM_8 for ecdsa, PSK CCM_8 for
psk; the credentials and CA anchor are parsed in the child). Also prints the smallest heap that
gets as far as the set-up (imports, credentials, both Contexts), so the difference is what the
handshake itself needs, fragmentation included. 64-bit unix port: objects are about twice their
size on 32-bit boards, so the figures are an upper bound for an ESP32.
"""
import sys

import mem_pair  # noqa: E402  (tools/ is on sys.path: this script's directory, or bench.py's)


def bisect(ok, lo=8, hi=1024, step=1):
    """Smallest KiB in (lo, hi] with ok(kib) true, to within `step`, assuming monotonic; None if
    ok(hi) is false."""
    if not ok(hi):
        return None
    while hi - lo > step:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


def steady(ok, first, step=4, span=32, limit=1024):
    """The smallest KiB from `first` up from which every `step` passes for `span` KiB.

    ok() is not monotonic in general: the heap size moves MicroPython's automatic collections and
    so the fragmentation a handshake meets (tools/min_heap_device.py saw x509 pass at 290 and
    310 KiB but fail at 300, every time). bisect() may land on a lucky size; this is the figure a
    board can rely on."""
    good, kib = first, first
    while kib - good < span and kib < limit:
        kib += step
        if not ok(kib):
            good = kib + step
    return good


def min_heap_kib(kind, handshake=True, root='.'):
    """Portable (tools/bench_memory.py calls it on MicroPython); needs build/host and build/mem.
    The steady figure: bisect(), then steady() above it."""
    def ok(kib):
        res = mem_pair.run(kind, kib * 1024, handshake=handshake, sample=False, root=root)
        return res.get('ok') == 1 if handshake else 'setup' in res
    first = bisect(ok)
    return None if first is None else steady(ok, first)


def main(argv):
    import os
    import subprocess
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    kinds = argv or ['ecdsa']
    subprocess.run([sys.executable, os.path.join(root, 'tools', 'mpy_build.py')], cwd=root,
                   check=True, stdout=subprocess.DEVNULL)
    mem_pair.prepare(root)
    for kind in kinds:
        setup = min_heap_kib(kind, handshake=False, root=root)
        full = min_heap_kib(kind, root=root)
        what = 'mutual handshake' if kind == 'ecdsa' else 'handshake'
        print('min heapsize %s (.mpy, set-up only, every heap from): %s KiB' % (kind, setup))
        print('min heapsize %s (.mpy, %s completes, every heap from): %s KiB' % (kind, what, full))


if __name__ == '__main__':
    main(sys.argv[1:])
