"""Key exchange messages of the PSK and ECDHE_PSK suites (the signed ECDHE_ECDSA form: msg_cert.py).

ServerKeyExchange carries the PSK identity hint (and, for ECDHE_PSK, the server's ephemeral
public value); ClientKeyExchange carries the PSK identity the client chose (and its ephemeral
public value). Identities and hints are opaque bytes (RFC 4279 §5.1: UTF-8 by convention).
ServerECDHParams is read and written here for both ECDHE forms (msg_cert.py signs it).
"""
from dtls_lite.compat import const
from dtls_lite.errors import Fault
from dtls_lite.wire import Reader, put_u16, put_vec8, put_vec16

_CURVE_TYPE_NAMED_CURVE = const(3)  # RFC 8422 §5.4 ECCurveType
_ILLEGAL_PARAMETER = const(47)      # errors.ILLEGAL_PARAMETER (a const folds only in its module)


#   struct {                                     RFC 8422 §5.4
#       ECCurveType curve_type;                  named_curve (3)
#       NamedCurve namedcurve;
#       opaque point<1..2^8-1>;                  ECPoint public
#   } ServerECDHParams;
def read_ecdh_params(r):
    """(group, point) from a reader."""
    if r.u8() != _CURVE_TYPE_NAMED_CURVE:
        raise Fault(_ILLEGAL_PARAMETER)     # RFC 8422 §5.4: only named_curve
    return r.u16(), r.vec8(1, 255)


def write_ecdh_params(group, point):
    """ServerECDHParams bytes (msg_cert.py signs them and re-exports this)."""
    out = bytearray((_CURVE_TYPE_NAMED_CURVE,))
    put_u16(out, group)
    put_vec8(out, point)
    return bytes(out)


#   struct {                                     RFC 4279 §2 (psk) and RFC 5489 §2 (ecdhe_psk)
#       select (KeyExchangeAlgorithm) {
#           case psk:
#               opaque psk_identity_hint<0..2^16-1>;
#           case ec_diffie_hellman_psk:
#               opaque psk_identity_hint<0..2^16-1>;
#               ServerECDHParams params;
#       };
#   } ServerKeyExchange;
def parse_server_key_exchange(body, ecdhe):
    """(hint, group, point); group and point are None for plain PSK."""
    r = Reader(body)
    hint = r.vec16()        # RFC 4279 §5.2: any length (OpenSSL sends what it is given)
    group = point = None
    if ecdhe:
        group, point = read_ecdh_params(r)
    r.done()
    return hint, group, point


def write_server_key_exchange(hint, group=None, point=None):
    out = bytearray()
    put_vec16(out, hint)
    if group is not None:
        out.extend(write_ecdh_params(group, point))
    return bytes(out)


#   struct {                                     RFC 4279 §2 and RFC 5489 §2
#       select (KeyExchangeAlgorithm) {
#           case psk:
#               opaque psk_identity<0..2^16-1>;
#           case ec_diffie_hellman_psk:
#               opaque psk_identity<0..2^16-1>;
#               ClientECDiffieHellmanPublic public;   // opaque ecdh_Yc<1..2^8-1>
#       } exchange_keys;
#   } ClientKeyExchange;
def parse_client_key_exchange(body, ecdhe):
    """(identity, point); point is None for plain PSK."""
    r = Reader(body)
    identity = r.vec16()    # RFC 4279 §5.3: over 128 octets RECOMMENDED; get_psk_info judges
    point = r.vec8(1, 255) if ecdhe else None
    r.done()
    return identity, point


def write_client_key_exchange(identity, point=None):
    out = bytearray()
    put_vec16(out, identity)
    if point is not None:
        put_vec8(out, point)
    return bytes(out)
