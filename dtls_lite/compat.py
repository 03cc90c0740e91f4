"""The one place where dtls_lite looks at which runtime it is on.

Everything else imports its runtime-dependent pieces from here, so a port to a new runtime
touches this file only. `const` is MicroPython's compile-time constant marker: the MicroPython
compiler folds `_NAME = const(n)` by name, so importing it from here works on both runtimes.
"""
import sys

MICROPYTHON = sys.implementation.name == 'micropython'

# ticks_ms(): milliseconds from an arbitrary origin; wraps on boards, so callers use ticks_diff.
# native_inverse: modular inverse in C where the runtime has it, CPython's pow(a, -1, m) (3.8+);
# MicroPython's pow(a, -1, m) silently returns 0, so there the curve code keeps its own extended
# Euclid.
if MICROPYTHON:
    from micropython import const  # noqa: F401
    from time import ticks_ms, ticks_diff  # noqa: F401
    native_inverse = None

else:
    import time as _time

    def const(value):
        return value

    def ticks_ms():
        return int(_time.monotonic() * 1000)

    def ticks_diff(a, b):
        return a - b

    def native_inverse(a, m):
        """a^-1 mod m; ValueError if a is 0 mod m (as dtls_lite.crypto.ec.inverse_euclid)."""
        return pow(a, -1, m)


# The C AES of MicroPython (ECB/CBC only); absent on CPython and on builds without it.
try:
    from cryptolib import aes as cryptolib_aes  # noqa: F401
    HAVE_CRYPTOLIB = True
except ImportError:
    cryptolib_aes = None
    HAVE_CRYPTOLIB = False


def urandom(n):
    """Default random source: the OS CSPRNG (os.urandom exists on unix, ESP32 and RP2040)."""
    import os
    return os.urandom(n)
