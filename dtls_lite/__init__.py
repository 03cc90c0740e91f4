"""dtls_lite: DTLS for MicroPython and CPython.

The public API is gathered here; the implementation lives in small private modules.
"""
__version__ = '0.1.0'
