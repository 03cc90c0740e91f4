"""Run the portable tests under MicroPython (pytest runs the same files under CPython).

    micropython tools/mp_test.py [-k SUBSTRING] [test_module ...]

Run from the repository root. Every `host_tests/test_*.py` is portable except `test_host_*.py`
(those need CPython: `cryptography` oracles, hypothesis, subprocess peers) and is imported here;
each module-level function named `test_*` is called with no arguments. A test passes if it
returns, fails if it raises. The last line is pytest-style: `N passed, N failed`; the exit status
is 1 if anything failed, or if no test ran at all.
"""
import sys
import os
import gc
import time

sys.path.insert(0, 'host_tests')
sys.path.insert(0, '.')


def _modules(names):
    if names:
        return [n[:-3] if n.endswith('.py') else n for n in names]
    found = []
    for name in os.listdir('host_tests'):
        if name.startswith('test_') and name.endswith('.py') and not name.startswith('test_host_'):
            found.append(name[:-3])
    found.sort()
    return found


def main(argv):
    pattern = None
    names = []
    i = 0
    while i < len(argv):
        if argv[i] == '-k':
            pattern = argv[i + 1]
            i += 2
            continue
        names.append(argv[i].split('/')[-1])
        i += 1
    passed = failed = 0
    failures = []
    for modname in _modules(names):
        gc.collect()
        t0 = time.ticks_ms()
        try:
            mod = __import__(modname)
        except KeyboardInterrupt:
            raise
        except BaseException as e:  # noqa: B902 -- SystemExit too: counted, never our exit
            failed += 1
            failures.append(modname + ' (import)')
            print('FAIL %s: import error' % modname)
            sys.print_exception(e)
            continue
        tests = [n for n in dir(mod) if n.startswith('test_')]
        tests.sort()
        n_mod = 0
        for tname in tests:
            if pattern and pattern not in modname + '::' + tname:
                continue
            fn = getattr(mod, tname)
            if not callable(fn):
                continue
            try:
                fn()
            except KeyboardInterrupt:
                raise
            except BaseException as e:  # noqa: B902 -- a test calling sys.exit() failed
                failed += 1
                failures.append(modname + '::' + tname)
                print('FAIL %s::%s' % (modname, tname))
                sys.print_exception(e)
            else:
                passed += 1
                n_mod += 1
            gc.collect()
        print('%-40s %3d passed  %6d ms' % (modname, n_mod, time.ticks_diff(time.ticks_ms(), t0)))
        del sys.modules[modname]
    for f in failures:
        print('FAILED ' + f)
    print('micropython: %d passed, %d failed' % (passed, failed))
    if failed or not passed:
        if not passed:
            print('no test ran')
        sys.exit(1)


main(sys.argv[1:])
