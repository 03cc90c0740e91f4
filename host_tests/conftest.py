# pytest: make `dtls_lite` and the shared test helpers importable without installing.
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
for _p in (os.path.dirname(_HERE), _HERE):
    if _p not in sys.path:
        sys.path.insert(0, _p)


def pytest_collection_modifyitems(config, items):
    """A portable test module may name, in MICROPYTHON_ONLY, tests that measure what only
    MicroPython has (heap_lock, gc.mem_alloc, cryptolib next to the pure AES). Under pytest they
    are reported as skipped, with the reason, instead of passing without checking anything;
    tools/mp_test.py runs them (make test runs both)."""
    import pytest
    for item in items:
        names = getattr(item.module, 'MICROPYTHON_ONLY', ())
        if item.name in names:
            item.add_marker(pytest.mark.skip(
                reason='MicroPython only (tools/mp_test.py runs it): ' + names[item.name]))
