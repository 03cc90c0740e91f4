"""P-256 / P-384 benchmarks: ECDH, ECDSA sign and verify; python-ecdsa side by side on CPython.

    python3 tools/bench.py bench_ecc          (or tools/bench_table.py bench_ecc for both runtimes)

python-ecdsa (pure Python, no gmpy2 here) is measured in the same run with like-for-like calls:
  sign   SigningKey.sign_digest_deterministic (RFC 6979, like ours), its generator tables warm;
  verify VerifyingKey.from_string(...).verify_digest on a DER signature (no per-key precompute,
         like ours: a DTLS peer's key is new to us);
  ecdh   ECDH.generate_sharedsecret_bytes (k*Q for a point without tables, like ours).
Each timed operation cycles through several keys/digests so no single lucky scalar decides.
MicroPython has no python-ecdsa: those rows and the ratios simply do not appear there.
The table rows give the fixed-base comb size (flash when frozen) and the heap it costs once
imported (gc.mem_alloc() around the import; on CPython the decoded table is also cached).
"""
import gc
import hashlib
from bench import timer_us, elapsed_us

_N_KEYS = 4
_ROUNDS = 5


def _best_us(fns, n):
    """Per-call microseconds of each fn in fns: best of _ROUNDS rounds of n calls, the fns
    interleaved round by round so that a busy machine slows them alike (the minimum is the
    least noisy estimate of what the code itself costs)."""
    best = [None] * len(fns)
    for fn in fns:
        fn()
    for _ in range(_ROUNDS):
        for j in range(len(fns)):
            gc.collect()
            t0 = timer_us()
            for _ in range(n):
                fns[j]()
            us = elapsed_us(t0) / n
            if best[j] is None or us < best[j]:
                best[j] = us
    return best


def _ours(mod, name):
    from dtls_lite.crypto.util import SeededRng
    rng = SeededRng(b'bench ' + name.encode())
    keys = [mod.generate_key(rng) for _ in range(_N_KEYS)]
    size = mod.PRIVATE_SIZE
    digests = [rng(size) for _ in range(_N_KEYS)]
    sigs = [mod.sign(keys[i][0], digests[i]) for i in range(_N_KEYS)]
    state = [0]

    def step():
        state[0] = (state[0] + 1) % _N_KEYS
        return state[0]

    def ecdh():
        i = step()
        mod.ecdh(keys[i][0], keys[i - 1][1])

    def sign():
        i = step()
        mod.sign(keys[i][0], digests[i])

    def verify():
        i = step()
        if not mod.verify(keys[i][1], digests[i], sigs[i]):
            raise AssertionError('verify failed in benchmark')

    return ecdh, sign, verify


def _python_ecdsa(curve_name, hashfunc):
    import ecdsa
    curve = getattr(ecdsa, curve_name)
    sks = [ecdsa.SigningKey.generate(curve=curve, hashfunc=hashfunc) for _ in range(_N_KEYS)]
    vks = [ecdsa.VerifyingKey.from_string(sk.verifying_key.to_string(), curve=curve,
                                          hashfunc=hashfunc) for sk in sks]
    digests = [hashfunc(bytes([i])).digest() for i in range(_N_KEYS)]
    sigs = [sks[i].sign_digest_deterministic(digests[i], hashfunc=hashfunc,
                                             sigencode=ecdsa.util.sigencode_der)
            for i in range(_N_KEYS)]
    ecdhs = [ecdsa.ECDH(curve=curve, private_key=sks[i], public_key=vks[i - 1])
             for i in range(_N_KEYS)]
    state = [0]

    def step():
        state[0] = (state[0] + 1) % _N_KEYS
        return state[0]

    def ecdh():
        ecdhs[step()].generate_sharedsecret_bytes()

    def sign():
        i = step()
        sks[i].sign_digest_deterministic(digests[i], hashfunc=hashfunc,
                                         sigencode=ecdsa.util.sigencode_der)

    def verify():
        i = step()
        if not vks[i].verify_digest(sigs[i], digests[i], sigdecode=ecdsa.util.sigdecode_der):
            raise AssertionError('python-ecdsa verify failed')

    return ecdh, sign, verify


def _has_python_ecdsa():
    """True if python-ecdsa can be imported. tools/bench_table.py runs this file under whatever
    `python3` started it; if that is not the project's venv, borrow the venv's site-packages
    (python-ecdsa is pure Python) so the comparison rows still appear."""
    import sys
    if sys.implementation.name == 'micropython':
        return False
    try:
        import ecdsa  # noqa: F401
        return True
    except ImportError:
        pass
    import glob
    import os
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for site in glob.glob(os.path.join(root, '.venv', 'lib', 'python3*', 'site-packages')):
        sys.path.append(site)
    try:
        import ecdsa  # noqa: F401,F811
    except ImportError:
        return False
    return True


def _compare(mod, name, curve_name, hash_name, n):
    ours = _ours(mod, name)
    theirs = _python_ecdsa(curve_name, getattr(hashlib, hash_name)) if _has_python_ecdsa() else ()
    times = _best_us(list(ours) + list(theirs), n)
    ops = ('ecdh', 'ecdsa sign', 'ecdsa verify')
    rows = [('%s %s' % (name, op), times[i], 'us') for i, op in enumerate(ops)]
    if theirs:
        rows += [('python-ecdsa %s %s' % (name, op), times[3 + i], 'us') for i, op in enumerate(ops)]
        rows += [('%s %s speedup vs python-ecdsa' % (name, op.split()[-1]), times[3 + i] / times[i], 'x')
                 for i, op in enumerate(ops)]
    return rows


def bench_p256():
    from dtls_lite.crypto import p256
    return _compare(p256, 'p256', 'NIST256p', 'sha256', 20)


def bench_p384():
    from dtls_lite.crypto import p384
    return _compare(p384, 'p384', 'NIST384p', 'sha384', 4)


def bench_tables():
    """Comb table sizes, and on MicroPython the heap a non-frozen import of the table module
    keeps (its source compiled in RAM: the bytes constant then lives in the heap; frozen into
    firmware it stays in flash and this cost is zero)."""
    from dtls_lite.crypto import p256, p384
    rows = []
    for name, mod in (('p256', p256), ('p384', p384)):
        t, s, d, table = mod.CURVE.comb
        rows.append(('%s comb table t=%d s=%d (flash bytes)' % (name, t, s), len(table), 'B'))
        if hasattr(gc, 'mem_alloc'):
            f = open('dtls_lite/crypto/_ec_%s_comb.py' % name)
            source = f.read()
            f.close()
            gc.collect()
            before = gc.mem_alloc()
            ns = {}
            exec(source, ns)
            gc.collect()
            kept = gc.mem_alloc() - before
            del ns
            rows.append(('%s comb table heap if not frozen (gc.mem_alloc)' % name, kept, 'B'))
            del source
    return rows


def bench_p256_doubling_floor():
    """What bounds variable-base k*P (ECDH, the u2*Q half of verify): the 255 Jacobian
    doublings alone, i.e. ec._run with a single wNAF digit (+1: G) at the top bit. Compare with
    half of python-ecdsa's ECDH to see whether a 2x speed-up is reachable with these formulas."""
    from dtls_lite.crypto import ec, p256
    curve = p256.CURVE
    digits = bytearray(256)
    digits[255] = 1 + 2 * 16        # digit +1 (stored as d + 2 * 2^(_W-1), ec._wnaf_digits)
    table = [(curve.gx, curve.gy)]
    us = _best_us([lambda: ec._run(curve, 255, digits, table)], 20)[0]
    return [('p256 255 doublings alone (floor of k*P)', us, 'us')]
