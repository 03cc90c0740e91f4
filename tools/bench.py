"""Benchmark driver, the same file under CPython and MicroPython.

    python3 tools/bench.py [--json] [module ...]        (from the repository root)
    micropython tools/bench.py [--json] [module ...]

Each benchmark module `tools/bench_*.py` defines functions named `bench_*()`; each returns a
list of rows `(label, value, unit)`. Labels must be the same on both runtimes so that
`tools/bench_table.py` can put the two runs side by side. A row only one runtime can produce
(python-ecdsa comparisons exist only on CPython) simply appears in one column.
Timing uses `timer_ms()` below; call `gc.collect()` before timing big-int code.
"""
import sys
import os
import gc

sys.path.insert(0, 'tools')
sys.path.insert(0, '.')

MICROPYTHON = sys.implementation.name == 'micropython'

if MICROPYTHON:
    import time

    def timer_us():
        return time.ticks_us()

    def elapsed_us(t0):
        return time.ticks_diff(time.ticks_us(), t0)
else:
    import time

    def timer_us():
        return time.perf_counter_ns() // 1000

    def elapsed_us(t0):
        return time.perf_counter_ns() // 1000 - t0


def per_call_us(fn, n):
    """Mean microseconds per call of fn() over n calls (after one warm-up call)."""
    fn()
    gc.collect()
    t0 = timer_us()
    for _ in range(n):
        fn()
    return elapsed_us(t0) / n


def _modules(names):
    if names:
        return names
    found = [n[:-3] for n in os.listdir('tools') if n.startswith('bench_') and n.endswith('.py')
             and n != 'bench_table.py']
    found.sort()
    return found


def main(argv):
    as_json = '--json' in argv
    names = [a for a in argv if not a.startswith('--')]
    runtime = 'micropython' if MICROPYTHON else 'cpython'
    for modname in _modules(names):
        mod = __import__(modname)
        for fname in sorted(n for n in dir(mod) if n.startswith('bench_')):
            gc.collect()
            for label, value, unit in getattr(mod, fname)():
                if as_json:
                    import json
                    print(json.dumps({'runtime': runtime, 'label': label, 'value': value, 'unit': unit}))
                else:
                    print('%-55s %12.3f %s' % (label, value, unit))


if __name__ == "__main__":
    main(sys.argv[1:])
