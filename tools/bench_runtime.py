"""Baseline figures of the runtime itself, for scale: the C SHA-256 over 1 KB."""
import hashlib
from bench import per_call_us

_DATA = bytes(1024)


def bench_sha256_hashlib():
    return [('hashlib sha256 1 KB', per_call_us(lambda: hashlib.sha256(_DATA).digest(), 200), 'us')]
