"""The TLS 1.2 key schedule (RFC 5246 §8.1, §6.3, §7.4.9; RFC 7627 §4).

Every function takes the suite's PRF hash `h` (suites.prf_hash): SHA-256 for all our suites but
TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, whose PRF and handshake hashes are SHA-384 (RFC 5289 §3).

    premaster  --PRF("extended master secret", session_hash)-->  master_secret (48)
               (or PRF("master secret", client_random + server_random) without EMS)
    master     --PRF("key expansion", server_random + client_random)--> key block:
               client_write_key | server_write_key | client_write_IV | server_write_IV
               (AEAD suites have no MAC keys, RFC 5246 §6.3)
    master     --PRF("client finished"/"server finished", Hash(handshake_messages))--> 12 bytes

The premaster secrets of the PSK key exchanges are built here too (ECDHE_ECDSA's is the ECDH
shared secret itself, RFC 8422 §5.10).
"""
from dtls_lite.compat import const
from dtls_lite.crypto.hmac import prf
from dtls_lite.crypto.sha2 import SHA256

_MASTER_SECRET_LEN = const(48)
_VERIFY_DATA_LEN = const(12)   # RFC 5246 §7.4.9: verify_data_length 12 for all our suites


def master_secret(premaster, client_random, server_random, session_hash=None, h=SHA256):
    """RFC 7627 §4 when session_hash is given (EMS negotiated), else RFC 5246 §8.1."""
    if session_hash is not None:
        return prf(h, premaster, b'extended master secret', session_hash, _MASTER_SECRET_LEN)
    return prf(h, premaster, b'master secret', client_random + server_random,
               _MASTER_SECRET_LEN)


def key_block(master, client_random, server_random, key_len, iv_len, h=SHA256):
    """(client_write_key, server_write_key, client_write_IV, server_write_IV), RFC 5246 §6.3."""
    n = 2 * (key_len + iv_len)
    kb = prf(h, master, b'key expansion', server_random + client_random, n)
    k2 = 2 * key_len
    return (kb[:key_len], kb[key_len:k2], kb[k2:k2 + iv_len], kb[k2 + iv_len:])


def verify_data(master, label, transcript_hash, h=SHA256):
    """Finished.verify_data, RFC 5246 §7.4.9; label b'client finished' or b'server finished'."""
    return prf(h, master, label, transcript_hash, _VERIFY_DATA_LEN)


def psk_premaster(psk):
    """RFC 4279 §2: uint16 N, N zero bytes, uint16 N, psk (N = len(psk)): the ECDHE_PSK
    form below with N zero bytes as Z."""
    return ecdhe_psk_premaster(bytes(len(psk)), psk)


def ecdhe_psk_premaster(z, psk):
    """RFC 5489 §2: uint16 len(Z), Z (the ECDH shared secret), uint16 len(psk), psk."""
    return len(z).to_bytes(2, 'big') + z + len(psk).to_bytes(2, 'big') + psk


def transcript_hash(messages, count=None, h=SHA256):
    """Hash `h` over the first `count` handshake messages (all when None).

    MicroPython's hashlib cannot copy a running hash, so the engine keeps the (few, small)
    messages and hashes them at each checkpoint, then frees them.
    """
    ctx = h.new()
    for m in (messages if count is None else messages[:count]):
        ctx.update(m)
    return ctx.digest()
