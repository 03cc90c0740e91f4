"""Benchmarks for dtls_lite.crypto.sha2 / hmac / x25519 (same labels on both runtimes).

    python3 tools/bench.py bench_hash          micropython tools/bench.py bench_hash

SHA-384 is pure Python on MicroPython (and in the 'pure' row on CPython); SHA-256 is hashlib
everywhere. The PRF row is a TLS 1.2 key block for AES-128-CBC-SHA256-like sizes: 48 bytes of
master secret from the premaster, then 40 bytes of key block (TLS_PSK_WITH_AES_128_CCM_8 needs
2*16 key + 2*4 IV = 40).
"""
import gc
from bench import per_call_us
from dtls_lite.crypto.sha2 import SHA256, SHA384, Sha384Pure
from dtls_lite.crypto.hmac import hmac, prf
from dtls_lite.crypto.hkdf import hkdf_expand_label
from dtls_lite.crypto.x25519 import ecdh, public_key

_KB = bytes(range(256)) * 4
_KEY = bytes(range(32))
_MSG64 = bytes(64)
_RANDOMS = bytes(64)


def bench_sha384():
    return [
        ('sha384 pure 1 KB', per_call_us(lambda: Sha384Pure(_KB).digest(), 20), 'us'),
        ('sha384 descriptor 1 KB', per_call_us(lambda: SHA384.hash(_KB), 20), 'us'),
    ]


def bench_hmac():
    return [
        ('hmac-sha256 64 B', per_call_us(lambda: hmac(SHA256, _KEY, _MSG64), 500), 'us'),
        ('hmac-sha384 64 B', per_call_us(lambda: hmac(SHA384, _KEY, _MSG64), 20), 'us'),
    ]


def _key_block(h):
    master = prf(h, _KEY, b'master secret', _RANDOMS, 48)
    return prf(h, master, b'key expansion', _RANDOMS, 40)


def bench_prf():
    return [
        ('tls12 prf-sha256 master 48 B + key block 40 B', per_call_us(lambda: _key_block(SHA256), 100), 'us'),
        ('tls12 prf-sha384 master 48 B + key block 40 B', per_call_us(lambda: _key_block(SHA384), 5), 'us'),
        ('hkdf-expand-label sha256 16 B', per_call_us(
            lambda: hkdf_expand_label(SHA256, _KEY, b'key', b'', 16), 200), 'us'),
    ]


def bench_x25519():
    peer = public_key(bytes(range(1, 33)))
    gc.collect()
    return [
        ('x25519 ecdh', per_call_us(lambda: ecdh(_KEY, peer), 20) / 1000, 'ms'),
        ('x25519 public_key', per_call_us(lambda: public_key(_KEY), 20) / 1000, 'ms'),
    ]
