"""tools/heap_cost.py: the per-module heap table that size work aims at must keep working.

Runs the tool for a PSK device (about 2 s: compiles dtls_lite with mpy-cross, one MicroPython
child) and checks the table is complete and adds up.
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_heap_cost_table_adds_up(tmp_path):
    # --micropython names the runtime (here .venv's own, as by default; tools/build_mp32.sh's
    # 32-bit build in use)
    run = subprocess.run([sys.executable, os.path.join(ROOT, 'tools', 'heap_cost.py'), 'psk',
                          '--out', str(tmp_path), '--micropython',
                          os.path.join(ROOT, '.venv', 'bin', 'micropython')],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    rows = {}
    for line in run.stdout.splitlines():
        value, name = line.split(None, 1)
        rows[name] = int(value)
    # the modules a PSK device must load are listed, each with a positive cost
    for module in ('dtls_lite.engine', 'dtls_lite.client', 'dtls_lite.context', 'dtls_lite.record',
                   'dtls_lite.crypto.ccm'):
        assert rows[module] > 0, (module, run.stdout)
    modules = [v for k, v in rows.items() if k.startswith('dtls_lite')]
    code = [v for k, v in rows.items() if k.startswith('modules (')]
    assert len(code) == 1 and code[0] == sum(modules), run.stdout
    data = rows['set-up data beyond the modules (credentials, anchors, Context)']
    assert rows['total live heap of the set-up'] == code[0] + data
    # those two lines add up by construction; what can be wrong is the split: a module charged
    # for its imports as well (children counted twice) leaves the data share negative. A PSK
    # client's Context (buffers, stats, settings) is a few KB, its code tens of KB.
    assert 1000 < data < 20000 and 20000 < code[0] < 200000, (data, code, run.stdout)
    # a PSK device loads no certificate code, and a client-only one no server code
    assert not any(k.startswith('dtls_lite.x509') for k in rows), run.stdout
    assert 'dtls_lite.server' not in rows and 'dtls_lite.cookie' not in rows, run.stdout
