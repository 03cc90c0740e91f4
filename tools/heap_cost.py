"""Heap each dtls_lite module costs once imported on MicroPython, for a device's set-up.

    python3 tools/heap_cost.py [x509|psk] [--out DIR] [--micropython PATH]   (from the repository root)

Compiles dtls_lite/ with `mpy-cross -O3` into DIR (default: a fresh temporary directory, so
several people can run it at once without touching build/), then runs a MicroPython child that
sets up a client device as tools/min_heap_device.py does (x509: credentials from
tools/keygen.py, a client-only Context offering only ECDHE_ECDSA CCM_8 on P-256 with a CA anchor
and a server name, set_handler; psk: a client-only PSK CCM_8 Context) with `builtins.__import__` wrapped, and
prints, per module, the live heap (after gc.collect()) its import added, its own children
excluded, largest first, then the total and what the set-up kept beyond the code (keys,
certificates, the Context).

What a module costs: its bytecode, one raw-code and one function object per def, its globals
dict, the classes and tables it builds at import, and the names it interns. Interned names go
to qstr pools that grow by doubling, so a module that overflows a pool is charged for the
whole new pool: compare totals, and single modules only roughly. 64-bit unix port (.venv's),
unless --micropython names another build (a 32-bit one: tools/build_mp32.sh).
"""
import os
import subprocess
import sys
import tempfile

import romfs  # tools/ is on sys.path: this script's directory (compile_library, make_pki)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MICROPYTHON = os.path.join(ROOT, '.venv', 'bin', 'micropython')

# Run by MicroPython: %(out)s is the directory holding dtls_lite/ (.mpy) and pki/.
CHILD = """import gc, sys, builtins
sys.path[:0] = [%(out)r]
real_import = builtins.__import__
nested = []
cost = {}

def live():
    gc.collect()
    return gc.mem_alloc()

def full_name(name, globals, fromlist, level):
    if not level:
        return name
    package = globals['__name__']
    if '__path__' not in globals:
        package = package.rpartition('.')[0]
    for _ in range(level - 1):
        package = package.rpartition('.')[0]
    return package + ('.' + name if name else '')

def counting_import(name, globals=None, locals=None, fromlist=(), level=0):
    base = full_name(name, globals, fromlist, level)
    wanted = [base] + [base + '.' + f for f in (fromlist if isinstance(fromlist, (tuple, list)) else ())]
    new = [n for n in wanted if n not in sys.modules]
    if not new:
        return real_import(name, globals, locals, fromlist, level)
    before = live()
    nested.append(0)
    module = real_import(name, globals, locals, fromlist, level)
    children = nested.pop()
    added = live() - before
    key = ','.join(n for n in new if n in sys.modules)
    if key:  # else only names were imported from a loaded module: the importer's own cost
        cost[key] = cost.get(key, 0) + added - children
        if nested:
            nested[-1] += added
    return module

start = live()
builtins.__import__ = counting_import
import dtls_lite

def text(path):
    with open(%(out)r + '/pki/' + path) as f:
        return f.read()

if %(kind)r == 'x509':
    from dtls_lite import auth
    credentials = auth.Credentials(text('client.key'), text('client.crt'))
    ctx = dtls_lite.Context(ciphers=['TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8'], groups=['secp256r1'],
                            ca=text('ca.crt'), server_name='localhost', max_datagram=1500,
                            role='client')
    ctx.set_handler(lambda c, s, d: len(d), get_ecdsa_key=lambda c, s: credentials)
else:
    ctx = dtls_lite.Context(ciphers=['TLS_PSK_WITH_AES_128_CCM_8'], max_datagram=1500, role='client')
    ctx.set_handler(lambda c, s, d: len(d), get_psk_info=lambda c, s, k, i: b'id')
builtins.__import__ = real_import
total = live() - start
for key in sorted(cost, key=lambda k: -cost[k]):
    print('%%7d  %%s' %% (cost[key], key))
code = sum(cost.values())
print('%%7d  modules (%%d)' %% (code, len(cost)))
print('%%7d  set-up data beyond the modules (credentials, anchors, Context)' %% (total - code))
print('%%7d  total live heap of the set-up' %% total)
"""


def build(out):
    romfs.compile_library(out)
    romfs.make_pki(os.path.join(out, 'pki'))


def main(argv):
    global MICROPYTHON
    kind = 'x509'
    out = None
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg == '--out' and args:
            out = args.pop(0)
        elif arg == '--micropython' and args:
            MICROPYTHON = os.path.abspath(args.pop(0))    # e.g. a 32-bit build (build_mp32.sh)
        elif arg in ('x509', 'psk'):
            kind = arg
        else:
            sys.stderr.write(__doc__)
            return 2
    out = os.path.abspath(out or tempfile.mkdtemp(prefix='dtls_heapcost_'))
    build(out)
    script = os.path.join(out, 'heap_cost_child.py')
    with open(script, 'w') as f:
        f.write(CHILD % {'out': out, 'kind': kind})
    run = subprocess.run([MICROPYTHON, '-X', 'heapsize=4M', script], capture_output=True)
    sys.stdout.write(run.stdout.decode())
    if run.returncode:
        sys.stderr.write(run.stderr.decode())
    return run.returncode


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
