"""AEAD benchmarks: seal/open of records for every suite cipher, memory per AEAD object, and
the figure that matters for CoAP devices: AES-128-CCM_8 sealing 1 KB against the two raw AES
passes it is built from (one CBC pass for the MAC + one ECB pass for the counter blocks).

On MicroPython the AES is the C cryptolib, so the ratio shows what the Python glue costs;
on CPython everything is pure Python (PureAES), and the same rows show that instead.
"""
import gc
import sys
from bench import per_call_us, timer_us, elapsed_us

sys.path.insert(0, '.')
from dtls_lite.crypto import aead, aes  # noqa: E402

_MICROPYTHON = sys.implementation.name == 'micropython'
_KEYS = {'AES_128_CCM_8': 16, 'AES_128_CCM': 16, 'AES_128_GCM': 16, 'AES_256_GCM': 32,
         'CHACHA20_POLY1305': 32}
_ORDER = ('AES_128_CCM_8', 'AES_128_CCM', 'AES_128_GCM', 'AES_256_GCM', 'CHACHA20_POLY1305')
_NONCE = bytes(range(12))
_AAD = bytes(13)  # DTLS 1.2 additional data: seq(8) type(1) version(2) length(2)


def _reps(name):
    if _MICROPYTHON or name.startswith('AES_128_CCM'):
        return 200
    return 50


def _seal_open(name, n, lean=False):
    obj = aead.new(name, bytes(range(_KEYS[name])), lean)
    buf = bytearray(n + 16)
    mv = memoryview(buf)

    def seal():
        obj.seal_into(_NONCE, _AAD, mv, n)

    sealed = obj.seal(_NONCE, _AAD, bytes(n))

    def open_():
        mv[0:n + obj.tag_len] = sealed
        obj.open_into(_NONCE, _AAD, mv, n + obj.tag_len)

    reps = _reps(name)
    return per_call_us(seal, reps), per_call_us(open_, reps)


def bench_aead_records():
    rows = []
    for name in _ORDER:
        s, o = _seal_open(name, 1024)
        rows.append(('aead %s seal_into 1 KB' % name, s, 'us'))
        rows.append(('aead %s open_into 1 KB' % name, o, 'us'))
    s, o = _seal_open('AES_128_CCM_8', 64)
    rows.append(('aead AES_128_CCM_8 seal_into 64 B (CoAP-size record)', s, 'us'))
    rows.append(('aead AES_128_CCM_8 open_into 64 B (CoAP-size record)', o, 'us'))
    for n, label in ((64, '64 B'), (1024, '1 KB')):
        s, o = _seal_open('AES_128_CCM_8', n, True)
        rows.append(('aead AES_128_CCM_8 lean seal_into %s' % label, s, 'us'))
    return rows


def bench_ccm8_vs_raw_aes():
    """CCM_8 seal of 1 KB vs one CBC + one ECB pass over 1 KB with the same AES (goal: <= 2x)."""
    key = bytes(range(16))
    data = bytearray(1024)
    mv = memoryview(data)
    cbc = aes.new(key, aes.MODE_CBC)
    ecb = aes.new(key, aes.MODE_ECB)

    def raw():
        cbc.encrypt(mv, mv)
        ecb.encrypt(mv, mv)

    reps = 500 if _MICROPYTHON else 20
    t_raw = per_call_us(raw, reps)
    obj = aead.new('AES_128_CCM_8', key)
    buf = memoryview(bytearray(1024 + 8))
    t_ccm = per_call_us(lambda: obj.seal_into(_NONCE, _AAD, buf, 1024), reps)
    return [('aes raw CBC pass + ECB pass over 1 KB', t_raw, 'us'),
            ('aead AES_128_CCM_8 seal_into 1 KB (same run)', t_ccm, 'us'),
            ('aead AES_128_CCM_8 seal 1 KB / raw 2 passes (goal <= 2)', t_ccm / t_raw, 'x')]


def _mem_alloc():
    if _MICROPYTHON:
        return gc.mem_alloc()
    import tracemalloc
    return tracemalloc.get_traced_memory()[0]


def bench_aead_memory():
    """Heap bytes held by one AEAD object (MicroPython: gc.mem_alloc; CPython: tracemalloc)."""
    if not _MICROPYTHON:
        import tracemalloc
        tracemalloc.start()
    rows = []
    for name in _ORDER:
        rows.append(('aead %s object memory' % name, _held_bytes(name), 'B'))
    rows.append(('aead AES_128_CCM_8 lean object memory', _held_bytes('AES_128_CCM_8', lean=True), 'B'))
    if _MICROPYTHON:
        # Heap allocated per record on the *_into path (the buffers and scratch views are reused).
        for name in ('AES_128_CCM_8', 'AES_128_GCM', 'CHACHA20_POLY1305'):
            obj = aead.new(name, bytes(range(_KEYS[name])))
            buf = memoryview(bytearray(1024 + 16))
            obj.seal_into(_NONCE, _AAD, buf, 1024)
            gc.collect()
            gc.disable()
            a0 = gc.mem_alloc()
            obj.seal_into(_NONCE, _AAD, buf, 1024)
            a1 = gc.mem_alloc()
            gc.enable()
            rows.append(('aead %s seal_into 1 KB heap allocated per record' % name, a1 - a0, 'B'))
            n = 1024 + obj.tag_len
            obj.open_into(_NONCE, _AAD, buf, n)  # back to the plaintext, to seal and open again
            obj.seal_into(_NONCE, _AAD, buf, 1024)
            gc.collect()
            gc.disable()
            a0 = gc.mem_alloc()
            r = obj.open_into(_NONCE, _AAD, buf, n)
            a1 = gc.mem_alloc()
            gc.enable()
            if r != 1024:
                raise AssertionError(name + ' did not open its own record')
            rows.append(('aead %s open_into 1 KB heap allocated per record' % name, a1 - a0, 'B'))
    else:
        import tracemalloc
        tracemalloc.stop()
    return rows


def _held_bytes(name, count=16, lean=False):
    key = bytes(range(_KEYS[name]))
    aead.new(name, key, lean)  # import the module and build its shared tables first
    keep = [None] * count  # allocated before the first reading: not part of the cost
    gc.collect()
    a0 = _mem_alloc()
    for i in range(count):
        keep[i] = aead.new(name, key, lean)
    gc.collect()
    return (_mem_alloc() - a0) / count


def bench_aead_kernels():
    """MicroPython: cost of compiling each viper kernel set from its source (_aead_ops.kernels),
    done once per boot when the set is first needed. Measured on a recompile, after every AEAD
    module is loaded: the kernels' names are interned already, so 'kept' leaves them out.
    'allocated' is every byte allocated meanwhile (micropython.mem_total, where the build keeps
    memory statistics), an upper bound on the transient heap the compile needs."""
    if not _MICROPYTHON:
        return []
    import micropython
    from dtls_lite.crypto import _aead_ops
    for name in ('AES_128_CCM_8', 'AES_128_GCM', 'CHACHA20_POLY1305'):
        aead.new(name, bytes(range(_KEYS[name])))
    total = getattr(micropython, 'mem_total', None)
    rows = []
    for kind, module, fallback in (('ops', '_aead_viper', '_aead_py'),
                                   ('ghash', '_aead_ghash_viper', '_aead_py'),
                                   ('chacha', '_aead_chacha_viper', '_aead_chacha_py')):
        gc.collect()
        a0 = gc.mem_alloc()
        m0 = total() if total else 0
        t0 = timer_us()
        ns = _aead_ops.kernels(kind + '-bench', module, fallback)
        t = elapsed_us(t0)
        m1 = total() if total else 0
        ok = _aead_ops.KERNELS.pop(kind + '-bench') == 'viper'
        gc.collect()
        kept = gc.mem_alloc() - a0
        del ns
        label = 'aead kernels %s compile' % kind + ('' if ok else ' (FAILED: plain Python)')
        rows.append((label + ' time', t, 'us'))
        if total:
            rows.append((label + ' heap allocated', m1 - m0, 'B'))
        rows.append((label + ' heap kept', kept, 'B'))
    return rows
