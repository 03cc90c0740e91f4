"""CPython only: the TLS 1.2 key schedule and record protection checked against an independent
computation built on `cryptography` (HMAC for the PRF, its AEADs for records), and one whole
in-memory handshake re-derived from the captured datagrams alone (RFC 5246 §5, §6.3, §7.4.9;
RFC 7627 §4; RFC 4279 §2; RFC 6347 §4.1.2.1 and §4.2.6)."""
import hashlib
import struct

from cryptography.hazmat.primitives import hashes, hmac as c_hmac
from cryptography.hazmat.primitives.ciphers.aead import AESCCM, AESGCM, ChaCha20Poly1305

from dtls_lite import keys, record, suites
from dtls_lite import fragment as fr
from dtls_sim import Pair, IDENTITY, KEY


def _hmac(key, data, h=hashes.SHA256):
    m = c_hmac.HMAC(key, h())
    m.update(data)
    return m.finalize()


def _prf(secret, label, seed, n, h=hashes.SHA256):
    """P_SHA256 (or P_SHA384)(secret, label + seed), RFC 5246 §5, written out from the RFC."""
    seed = label + seed
    out, a = b'', seed
    while len(out) < n:
        a = _hmac(secret, a, h)
        out += _hmac(secret, a + seed, h)
    return out[:n]


def test_sha384_key_schedule():
    # RFC 5289 §3: TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 runs the PRF and hashes with SHA-384
    suite = suites.by_name('TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384')
    h = suites.prf_hash(suite)
    assert h.name == 'sha384'
    assert suites.prf_hash(suites.by_name('TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8')).name == 'sha256'
    pms, cr, sr = bytes(range(32)), bytes(range(32)), bytes(range(32, 64))
    msgs = [b'one', b'two', b'three']
    th = keys.transcript_hash(msgs, None, h)
    assert th == hashlib.sha384(b'onetwothree').digest()
    assert keys.transcript_hash(msgs, 2, h) == hashlib.sha384(b'onetwo').digest()
    ms = keys.master_secret(pms, cr, sr, th, h)
    assert ms == _prf(pms, b'extended master secret', th, 48, hashes.SHA384)
    assert keys.master_secret(pms, cr, sr, None, h) == _prf(pms, b'master secret', cr + sr, 48,
                                                            hashes.SHA384)
    kb = _prf(ms, b'key expansion', sr + cr, 72, hashes.SHA384)
    assert keys.key_block(ms, cr, sr, 32, 4, h) == (kb[:32], kb[32:64], kb[64:68], kb[68:72])
    assert keys.verify_data(ms, b'server finished', th, h) == _prf(ms, b'server finished', th, 12,
                                                                   hashes.SHA384)


def test_master_secret_key_block_verify_data():
    pms = keys.psk_premaster(KEY)
    assert pms == struct.pack('>H', 16) + bytes(16) + struct.pack('>H', 16) + KEY
    cr, sr = bytes(range(32)), bytes(range(32, 64))
    session_hash = hashlib.sha256(b'transcript').digest()
    assert keys.master_secret(pms, cr, sr) == _prf(pms, b'master secret', cr + sr, 48)
    ems = keys.master_secret(pms, cr, sr, session_hash)
    assert ems == _prf(pms, b'extended master secret', session_hash, 48)
    kb = _prf(ems, b'key expansion', sr + cr, 40)
    assert keys.key_block(ems, cr, sr, 16, 4) == (kb[:16], kb[16:32], kb[32:36], kb[36:40])
    assert keys.verify_data(ems, b'client finished', session_hash) == \
        _prf(ems, b'client finished', session_hash, 12)
    z = bytes(range(32))
    assert keys.ecdhe_psk_premaster(z, KEY) == b'\x00\x20' + z + b'\x00\x10' + KEY


def _oracle(suite, key):
    name = suite[3]
    if name == 'AES_128_CCM_8':
        return AESCCM(key, tag_length=8)
    if name == 'AES_128_CCM':
        return AESCCM(key, tag_length=16)
    if name in ('AES_128_GCM', 'AES_256_GCM'):
        return AESGCM(key)
    return ChaCha20Poly1305(key)


def _open_independently(suite, key, iv, rec_bytes):
    """Decrypt one DTLS 1.2 AEAD record by the RFCs, with `cryptography`."""
    ctype, version, epoch, seq48, length = struct.unpack('>BHH6sH', rec_bytes[:13])
    frag = rec_bytes[13:13 + length]
    seq_num = struct.pack('>H', epoch) + seq48
    if suite[6]:            # RFC 6655 / RFC 5288: salt || explicit nonce from the record
        nonce, ct = iv + frag[:8], frag[8:]
    else:                   # RFC 7905 §2: IV xor (0^32 || epoch || seq)
        nonce = bytes(a ^ b for a, b in zip(iv, bytes(4) + seq_num))
        ct = frag
    aad = seq_num + struct.pack('>BHH', ctype, version, len(ct) - suite[7])
    return _oracle(suite, key).decrypt(nonce, ct, aad)


def test_records_open_with_cryptography():
    from dtls_lite.crypto import aead
    for suite in suites.SUITES:
        key = bytes(range(suite[4]))
        iv = bytes(range(7, 7 + suite[5]))
        a = aead.new(suite[3], key, True)
        rec = record.new_rec(iv, iv)
        buf = bytearray(300)
        for seq in (0, 1, 0x123456789A):
            n = record.seal(a, suite, rec, seq, buf, 0, 23, b'payload %d' % seq)
            assert _open_independently(suite, key, iv, bytes(buf[:n])) == b'payload %d' % seq


def _records(data):
    pos = 0
    while pos < len(data):
        h = record.parse_header(data, pos)
        yield h[0], h[2], data[pos:pos + 13 + h[4]]
        pos += 13 + h[4]


def _messages(rec_bytes):
    body, p = rec_bytes[13:], 0
    while p < len(body):
        mt, length, seq, off, flen = fr.parse_fragment(body, p, len(body))
        assert off == 0 and flen == length
        yield mt, body[p:p + 12 + flen]
        p += 12 + flen


def test_whole_handshake_rederived_from_the_wire():
    for name in ('TLS_PSK_WITH_AES_128_CCM_8', 'TLS_PSK_WITH_CHACHA20_POLY1305_SHA256'):
        cfg = {'ciphers': [name]}
        pair = Pair(seed=77, client_config=cfg, server_config=cfg, hint=b'h')
        sent = []
        pair.tamper = lambda src, dst, data: sent.append((src, data)) or data
        assert pair.handshake()
        suite = suites.by_name(name)
        transcript, fins = [], []
        for src, data in sent:
            for ctype, epoch, rec in _records(data):
                if ctype == 22 and epoch == 0:
                    for mt, msg in _messages(rec):
                        if mt == fr.HELLO_VERIFY_REQUEST:
                            transcript = []          # RFC 6347 §4.2.6: both hellos before it out
                            continue
                        if mt == fr.CLIENT_HELLO and transcript:
                            transcript = []
                        transcript.append((src, mt, msg))
                elif ctype == 22:
                    fins.append((src, rec))
        msgs = [m for _, _, m in transcript]
        ch, sh = msgs[0], msgs[1]
        cr, sr = ch[14:46], sh[14:46]
        pms = struct.pack('>H', 16) + bytes(16) + struct.pack('>H', 16) + KEY
        session_hash = hashlib.sha256(b''.join(msgs)).digest()   # through ClientKeyExchange
        master = _prf(pms, b'extended master secret', session_hash, 48)
        kl, il = suite[4], suite[5]
        kb = _prf(master, b'key expansion', sr + cr, 2 * (kl + il))
        ckey, skey, civ, siv = kb[:kl], kb[kl:2 * kl], kb[2 * kl:2 * kl + il], kb[2 * kl + il:]
        client_fin = _open_independently(suite, ckey, civ, fins[0][1])
        assert client_fin[12:] == _prf(master, b'client finished', session_hash, 12)
        server_fin = _open_independently(suite, skey, siv, fins[1][1])
        h2 = hashlib.sha256(b''.join(msgs) + client_fin).digest()
        assert server_fin[12:] == _prf(master, b'server finished', h2, 12)
        assert IDENTITY in msgs[-1]
