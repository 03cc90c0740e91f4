"""The cipher suite table: IANA code, name, key exchange kind and record protection.

One row per suite; the engine branches on the key exchange kind (`KX_*`), the record layer on
the AEAD parameters. The ECDHE_ECDSA rows (certificates / raw public keys) use the states in
engine.py that authenticate with auth.py.

AEAD record protection in TLS 1.2 (RFC 5246 §6.2.3.3):
- AES-CCM (RFC 6655 §3) and AES-GCM (RFC 5288 §3): nonce = 4-byte implicit salt
  (client/server_write_IV from the key block) || 8-byte explicit nonce carried in the record; we
  use epoch||seq as the explicit nonce (unique per key, as DTLS requires).
- ChaCha20-Poly1305 (RFC 7905 §2): 12-byte write_IV XOR (4 zero bytes || epoch||seq); no explicit
  nonce in the record.
"""
from dtls_lite.compat import const
from dtls_lite.errors import ConfigError

KX_PSK = const(1)          # RFC 4279 §2
KX_ECDHE_PSK = const(2)    # RFC 5489 §2, RFC 8442
KX_ECDHE_ECDSA = const(3)  # RFC 8422 (auth.py, msg_cert.py)

# (code, name, kx, aead name, key_len, fixed_iv_len, explicit_nonce_len, tag_len)
# The PRF hash, also the hash of the Finished/EMS transcripts (RFC 5246 §5, §7.4.9), is the one the
# name ends with (RFC 5288 §3, RFC 5289 §3), SHA-256 when it names none: see prf_hash().
# Preference order when the application does not choose (DEFAULT_CIPHERS below): the KX_PSK rows
# in table order, so PSK CCM_8 first (RFC 7925 §4.2's mandatory-to-implement PSK suite, and what
# tinydtls offers), then the other PSK AEADs; with ECDSA handlers or trust anchors
# (DEFAULT_ECDSA_CIPHERS) the KX_ECDHE_ECDSA rows in table order: CCM_8 first (RFC 7925 §4.4.1,
# what tinydtls offers), then CCM, GCM and ChaCha20 for peers without CCM. ECDHE-PSK suites are
# offered only when configured, keeping the ClientHello lean.
SUITES = (
    (0xC0A8, 'TLS_PSK_WITH_AES_128_CCM_8', KX_PSK, 'AES_128_CCM_8', 16, 4, 8, 8),
    (0xC0A4, 'TLS_PSK_WITH_AES_128_CCM', KX_PSK, 'AES_128_CCM', 16, 4, 8, 16),
    (0x00A8, 'TLS_PSK_WITH_AES_128_GCM_SHA256', KX_PSK, 'AES_128_GCM', 16, 4, 8, 16),
    (0xCCAB, 'TLS_PSK_WITH_CHACHA20_POLY1305_SHA256', KX_PSK, 'CHACHA20_POLY1305', 32, 12, 0, 16),
    (0xCCAC, 'TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256', KX_ECDHE_PSK, 'CHACHA20_POLY1305',
     32, 12, 0, 16),
    (0xD003, 'TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256', KX_ECDHE_PSK, 'AES_128_CCM_8', 16, 4, 8, 8),
    (0xD001, 'TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256', KX_ECDHE_PSK, 'AES_128_GCM', 16, 4, 8, 16),
    # ECDHE_ECDSA (RFC 8422 §6; CCM: RFC 7251, the CCM_8 one is RFC 7925's certificate MTI)
    (0xC0AE, 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8', KX_ECDHE_ECDSA, 'AES_128_CCM_8', 16, 4, 8, 8),
    (0xC0AC, 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM', KX_ECDHE_ECDSA, 'AES_128_CCM', 16, 4, 8, 16),
    (0xC02B, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', KX_ECDHE_ECDSA, 'AES_128_GCM', 16, 4, 8, 16),
    (0xC02C, 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', KX_ECDHE_ECDSA, 'AES_256_GCM', 32, 4, 8, 16),
    (0xCCA9, 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', KX_ECDHE_ECDSA, 'CHACHA20_POLY1305',
     32, 12, 0, 16),
)


def _names(kx):
    names = []
    for row in SUITES:
        if row[2] == kx:
            names.append(row[1])
    return tuple(names)


# (The names are taken from the table: a string literal repeated costs its bytes again in a .mpy.)
DEFAULT_CIPHERS = _names(KX_PSK)
DEFAULT_ECDSA_CIPHERS = _names(KX_ECDHE_ECDSA)

# Named groups (RFC 8422 §5.1.1, RFC 7748): code -> name; the crypto module is imported lazily
# so a PSK-only device never loads elliptic-curve code.
_GROUP_SECP256R1 = const(23)
_GROUP_SECP384R1 = const(24)
_GROUP_X25519 = const(29)
_GROUP_NAMES = ((_GROUP_X25519, 'x25519'), (_GROUP_SECP256R1, 'secp256r1'),
                (_GROUP_SECP384R1, 'secp384r1'))
DEFAULT_GROUPS = ('x25519', 'secp256r1', 'secp384r1')

# TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746 §3.3): a client's signal instead of the extension.
_EMPTY_RENEGOTIATION_INFO_SCSV = const(0x00FF)


def by_code(code):
    for row in SUITES:
        if row[0] == code:
            return row
    return None


def by_name(name):
    for row in SUITES:
        if row[1] == name:
            return row
    raise ConfigError('suite', name)


def group_code(name):
    for code, n in _GROUP_NAMES:
        if n == name:
            return code
    raise ConfigError('group', name)


def group_module(code):
    """The crypto module with generate_key(rng) and ecdh(private, peer_public) for a group."""
    if code == _GROUP_X25519:
        from dtls_lite.crypto import x25519 as mod
    elif code == _GROUP_SECP384R1:
        from dtls_lite.crypto import p384 as mod
    else:
        from dtls_lite.crypto import p256 as mod
    return mod


def group_point_ok(code, point):
    """Length check of a peer's public value before it reaches the curve code."""
    if code == _GROUP_X25519:
        return len(point) == 32
    # SEC1 uncompressed only (RFC 8422 §5.4.1: uncompressed is the only format).
    return len(point) == (97 if code == _GROUP_SECP384R1 else 65) and point[0] == 4


# The groups of the curves our ECDSA keys use (x509.keys curve names).
SIGNATURE_GROUPS = ((_GROUP_SECP256R1, 'p256'), (_GROUP_SECP384R1, 'p384'))


def curve_group(curve):
    """The NamedCurve code of an ECDSA key's curve ('p256' / 'p384')."""
    for code, name in SIGNATURE_GROUPS:
        if name == curve:
            return code
    return None


def prf_hash(suite):
    """The hash descriptor of a suite's PRF and handshake hashes (see SUITES)."""
    from dtls_lite.crypto import sha2
    return sha2.SHA384 if suite[1].endswith('_SHA384') else sha2.SHA256
