"""tools/romfs.py: the ROMFS image a board user deploys, and the library running from it.

A board with a ROMFS partition imports the .mpy files of the image in place (bytecode and names
stay in flash), so what runs there must be exactly this image: the handshake tests below run
under MicroPython with every dtls_lite module imported from the image mounted at /rom.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                'tools'))
import romfs  # noqa: E402

ROOT = romfs.ROOT


def test_varint_and_layout_of_a_small_image(tmp_path):
    # vfs_rom.c: header d2 cd 31, filesystem length, then records kind/length/payload; names
    # length-prefixed; a file holds one verbatim-data record (kind 2).
    assert [romfs.varint(v) for v in (0, 127, 128, 300)] == [b'\x00', b'\x7f', b'\x81\x00',
                                                            b'\x82\x2c']
    top = tmp_path / 'pkg'
    top.mkdir()
    (top / 'a.mpy').write_bytes(b'xyz')
    file_record = b'\x05\x0b' + b'\x05a.mpy' + b'\x02\x03xyz'   # 6 + 5 bytes of payload
    dir_record = b'\x04' + bytes([4 + len(file_record)]) + b'\x03pkg' + file_record
    expected = b'\xd2\xcd\x31' + bytes([len(dir_record)]) + dir_record
    if len(expected) % 2:
        expected = b'\xd2\xcd\x31\x80' + bytes([len(dir_record)]) + dir_record
    assert romfs.image(str(top)) == expected


# Under MicroPython: mount the image, import the package from it (its submodules then resolve
# through the package's own path, /rom/dtls_lite, whatever sys.path holds), run portable test
# modules with tools/mp_test.py, then check where every dtls_lite module came from.
_CHILD = """import sys, vfs
with open(%(image)r, 'rb') as f:
    rom = f.read()
vfs.mount(vfs.VfsRom(rom), '/rom')
sys.path.insert(0, '/rom')
import dtls_lite
sys.argv[:] = ['mp_test'] + %(modules)r
sys.path.insert(0, 'tools')
status = 0
try:
    import mp_test
except SystemExit as e:
    status = e.args[0] if e.args else 1
for name in sorted(sys.modules):
    if name.split('.')[0] == 'dtls_lite' and not sys.modules[name].__file__.startswith('/rom/'):
        print('NOT FROM ROMFS: %%s %%s' %% (name, sys.modules[name].__file__))
        status = 1
print('romfs modules: %%d' %% len([n for n in sys.modules if n.split('.')[0] == 'dtls_lite']))
sys.exit(status)
"""


def test_handshakes_run_from_the_image(tmp_path):
    image = str(tmp_path / 'dtls_lite.romfs')
    romfs.write_image(image, str(tmp_path / 'work'))
    child = tmp_path / 'child.py'
    modules = ['test_dtls_handshake', 'test_dtls_ecdsa', 'test_dtls_api']
    child.write_text(_CHILD % {'image': image, 'modules': modules})
    run = subprocess.run([romfs.MICROPYTHON, '-X', 'heapsize=16M', str(child)], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert 'NOT FROM ROMFS' not in run.stdout
    assert ', 0 failed' in run.stdout and 'micropython: 0 passed' not in run.stdout, run.stdout
    count = int(run.stdout.split('romfs modules: ')[1].split()[0])
    assert count >= 30, run.stdout   # the PSK, X.509 and raw-key code paths all loaded


def test_measure_reports_less_heap_from_the_image(tmp_path):
    result = romfs.measure(str(tmp_path / 'dtls_lite.romfs'))
    assert result['size'] > 50000
    assert result['rom']['import'] < result['files']['import']
    assert result['rom']['setup'] < result['files']['setup']
