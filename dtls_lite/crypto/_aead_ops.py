"""Buffer kernels (XOR, copy, CTR counter blocks, GHASH) and the shared scratch buffer for the
AEAD modes (CCM, GCM, ChaCha20-Poly1305).

Kernels: on MicroPython they are viper (native code; ChaCha20 runs ~25x plain Python), compiled
at run time by kernels() from source strings; on CPython, or where that compile fails, they are
the plain-Python twins (_aead_py, _aead_chacha_py) with the same signatures. KERNELS says which
each set got ({'ops': 'viper', 'ghash': 'viper', 'chacha': 'viper'} on the unix port, as on the
ESP32 and RP2 ports, which have native emitters); test_aead asserts it.

Why compiled at run time instead of `@micropython.viper` in the .py files: a module with native
code does not compile with plain `mpy-cross` (no -march: "invalid arch"), and that is what
micropython-lib's mip package index runs on every .py, as do our checks; an .mpy built with a
-march would also load on that one architecture only. Held as strings, every module here is
portable bytecode. The trade-offs: the native code always lands in RAM (GC heap on RP2040,
executable heap on ESP32) even when dtls_lite is frozen into flash, where -march-compiled
native code would have stayed; compiling interns the kernels' local names (77 new ones for
ChaCha, 23 for GHASH) and needs a transient parse tree. Measured on unix MicroPython (64-bit,
dtls_lite as .mpy, each set alone): compile time 0.45 ms (ops), 0.45 ms (ghash), 2.3 ms
(chacha); heap kept besides the interned names 0.7, 0.7, 1.3 KB (functions, namespace, state
buffers; the -march .mpy modules they replace kept 1.1 KB for ops, 1.3 KB for chacha); extra
heap needed while compiling (smallest -X heapsize that works, over the baseline) +4, +17,
+39 KB. SOURCE is a tuple of pieces, one viper function each, compiled one at a time: that cut
ChaCha's transient from +67 KB. The ChaCha set's unrolled source is written out by
_aead_chacha_viper when imported (its .mpy holds the statement shapes, 3.9 KB, not the 12 KB of
text): that adds ~1.5 ms to its first compile and ~2 KB to the smallest heap that makes the
first ChaCha20-Poly1305 object (102 -> 104 KB, -X heapsize, whole package as .mpy): a
transient at load time (Context preloads the suites' code before any handshake). Not measured
on a 32-bit board. tools/bench_aead.py (bench_aead_kernels) reports time
and heap kept per set.

Each set is compiled only when first needed: 'ops' when the first AEAD object is made (ccm,
gcm and chacha20poly1305 import this module, and aead.new imports them on first use), 'ghash'
with the first AES-GCM object, 'chacha' with the first ChaCha20-Poly1305 object (the largest:
~12 KB of Xtensa code). The source module is then dropped from sys.modules, so its text (12 KB
for ChaCha) does not stay in the heap when it was loaded from a .py or .mpy file.

`scratch(n)` hands out one module-wide buffer, grown lazily to the largest record seen (rounded
up to 256 bytes), so AEAD objects carry no per-object record buffers. It is shared: the AEAD
calls are synchronous and dtls_lite is single-threaded, and no caller keeps anything in it
across calls.
"""
import sys

from dtls_lite.compat import MICROPYTHON, const

# kernel set -> 'viper' or 'python', filled in as each set is first needed.
KERNELS = {}
# Why the last viper compile failed (None if none did): the fallback is deliberate, not silent.
native_error = None


def kernels(kind, viper_module, py_module):
    """The functions of kernel set `kind` as a dict: SOURCE of dtls_lite.crypto.<viper_module>
    compiled now on MicroPython, or else the plain-Python module <py_module>'s.

    A MicroPython built without the native emitter raises SyntaxError ("invalid micropython
    decorator"), one short of RAM for the native code MemoryError, an install that leaves the
    source module out (to save its flash) ImportError: all fall back to the plain kernels
    (slower, same results), recorded in KERNELS and native_error.
    """
    global native_error
    if MICROPYTHON:
        ns = {}
        try:
            __import__('dtls_lite.crypto.' + viper_module)
            for piece in sys.modules['dtls_lite.crypto.' + viper_module].SOURCE:
                exec(piece, ns)  # one function at a time: a smaller transient parse tree
            KERNELS[kind] = 'viper'
            return ns
        except (SyntaxError, MemoryError, ImportError) as e:
            native_error = e
        finally:
            # Forget the source module (its strings are garbage afterwards).
            sys.modules.pop('dtls_lite.crypto.' + viper_module, None)
            pkg = sys.modules.get('dtls_lite.crypto')
            if pkg is not None and viper_module in pkg.__dict__:
                delattr(pkg, viper_module)
    KERNELS[kind] = 'python'
    __import__('dtls_lite.crypto.' + py_module)
    return sys.modules['dtls_lite.crypto.' + py_module].__dict__


_k = kernels('ops', '_aead_viper', '_aead_py')
xor_into = _k['xor_into']
copy_into = _k['copy_into']
fill_zero = _k['fill_zero']
ctr_fill = _k['ctr_fill']
del _k

# The largest plaintext any AEAD here accepts: DTLS never carries more than 2^14 bytes of
# plaintext (RFC 6347 §4.1 / RFC 5246 §6.2.1), with slack for TLSCompressed-era expansion
# (+2048). It bounds the scratch buffer: a board never grows it past ~18.5 KB.
MAX_RECORD = const(18432)

_buf = bytearray(256)
_mv = memoryview(_buf)
# Exact-length views of the scratch buffer for cryptolib (which wants the exact length), by
# length: records of a repeating size then cost no allocation at all. Bounded: cleared when full.
_MAX_VIEWS = const(8)
_views = {}


def scratch(n):
    """A memoryview of at least n bytes of scratch space (contents undefined)."""
    global _buf, _mv
    if len(_buf) < n:
        _buf = bytearray((n + 255) & ~255)
        _mv = memoryview(_buf)
        _views.clear()  # they point into the old buffer
    return _mv


def view(n):
    """scratch()[0:n], cached (the caller has already called scratch(n) or more)."""
    v = _views.get(n)
    if v is None:
        if len(_views) >= _MAX_VIEWS:
            _views.clear()
        v = _mv[0:n]
        _views[n] = v
    return v


class OneShot:
    """seal()/open() on bytes for an AEAD class that defines seal_into/open_into and tag_len.

    The record path uses the in-place *_into calls; these copying wrappers are for tests,
    tools and callers that hold plain bytes (the aead.new contract).
    """

    def seal(self, nonce, aad, plaintext):
        """ciphertext || tag as bytes."""
        n = len(plaintext)
        out = bytearray(n + self.tag_len)
        copy_into(out, 0, plaintext, 0, n)
        self.seal_into(nonce, aad, out, n)
        return bytes(out)

    def open(self, nonce, aad, data):
        """The plaintext as bytes, or None if the tag is bad."""
        buf = bytearray(data)
        r = self.open_into(nonce, aad, buf, len(buf))
        return None if r < 0 else bytes(buf[0:r])
