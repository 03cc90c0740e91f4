"""Runtime facts dtls_lite relies on (see ../shared/MICROPYTHON.md), checked on both runtimes."""
from support import MICROPYTHON
from dtls_lite import compat


def test_compat_knows_runtime():
    import sys
    assert compat.MICROPYTHON == (sys.implementation.name == 'micropython')
    assert compat.MICROPYTHON == MICROPYTHON


def test_const_is_identity():
    assert compat.const(5) == 5


def test_hashlib_sha256_available():
    import hashlib
    assert hashlib.sha256(b'abc').digest()[:4] == bytes.fromhex('ba7816bf')


def test_int_from_bytes_big_positional():
    assert int.from_bytes(b'\x01\x00', 'big') == 256
    assert (256).to_bytes(2, 'big') == b'\x01\x00'


def test_urandom_length():
    assert len(compat.urandom(16)) == 16
