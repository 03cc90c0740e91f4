"""Run tools/bench.py under CPython and MicroPython and print one side-by-side table.

    python3 tools/bench_table.py [module ...]
"""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_BIN = os.path.join(ROOT, '.venv', 'bin')


def run(cmd):
    out = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith('{')]


def main(argv):
    mp = os.path.join(VENV_BIN, 'micropython')
    rows = run([sys.executable, 'tools/bench.py', '--json'] + argv)
    rows += run([mp, '-X', 'heapsize=4M', 'tools/bench.py', '--json'] + argv)
    order, table = [], {}
    for r in rows:
        key = (r['label'], r['unit'])
        if key not in table:
            table[key] = {}
            order.append(key)
        table[key][r['runtime']] = r['value']
    print('%-58s %14s %14s  %s' % ('benchmark', 'CPython', 'MicroPython', 'unit'))
    print('-' * 100)
    for key in order:
        cells = ['%14.3f' % table[key][rt] if rt in table[key] else '%14s' % '-' for rt in ('cpython', 'micropython')]
        print('%-58s %s %s  %s' % (key[0], cells[0], cells[1], key[1]))


if __name__ == '__main__':
    main(sys.argv[1:])
