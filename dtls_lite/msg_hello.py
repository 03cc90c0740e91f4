"""Hello phase messages: ClientHello, HelloVerifyRequest, ServerHello, ServerHelloDone, and the
hello extensions we speak. Each parse/write pair sits under the RFC struct it implements.

Parsers take a message body (bytes) and return a small object or raise the decode_error fault
(via wire.Reader); writers return the body bytes. Extensions are kept as an ordered list of
(type, data): MicroPython dicts are unordered and wire order must be ours to choose.

Structs of the same shape share one reader/writer called with the field's bounds: lists of
16-bit codes (cipher suites, groups, and msg_cert's signature algorithms) and bodies that are one
opaque<lo..255> vector (renegotiation_info, ec_point_formats, and some of msg_cert's).
"""
from dtls_lite.compat import const
from dtls_lite.errors import Fault, decode_error, text
from dtls_lite.wire import Reader, put_u16, put_vec8, put_vec16

_RANDOM_LEN = const(32)         # engine.py mirrors it
_MAX_COOKIE_LEN = const(255)    # DTLS 1.2 cookie<0..2^8-1> (RFC 6347 §4.3.2)
_MAX_SESSION_ID_LEN = const(32)
_MAX_EXTENSIONS = const(40)     # bound the work a hostile hello can make us do
_ILLEGAL_PARAMETER = const(47)  # errors.ILLEGAL_PARAMETER (a const folds only in its module)

# ExtensionType values (IANA TLS ExtensionType registry).
EXT_SUPPORTED_GROUPS = const(10)        # RFC 8422 §5.1.1
EXT_EC_POINT_FORMATS = const(11)        # RFC 8422 §5.1.2
EXT_SIGNATURE_ALGORITHMS = const(13)    # RFC 5246 §7.4.1.4.1 (msg_cert.py)
EXT_CLIENT_CERTIFICATE_TYPE = const(19)  # RFC 7250 §4 (msg_cert.py)
EXT_SERVER_CERTIFICATE_TYPE = const(20)  # RFC 7250 §4 (msg_cert.py)
_EXT_EXTENDED_MASTER_SECRET = const(23)  # RFC 7627 §5.1 (engine mirrors it)
EXT_RECORD_SIZE_LIMIT = const(28)       # RFC 8449 §4
_EXT_RENEGOTIATION_INFO = const(0xFF01)  # RFC 5746 §3.2 (engine mirrors it)

_POINT_FORMAT_UNCOMPRESSED = const(0)


def find_ext(extensions, ext_type):
    """The data of an extension, or None if absent."""
    for t, data in extensions:
        if t == ext_type:
            return data
    return None


#   Code codes<2..2^16-1>;   a list of uint16 codes (cipher suites, named groups, signature
#                            algorithms), its byte length even and non-zero
def read_u16_list(r):
    lst = r.sub16()
    if lst.left() < 2 or lst.left() & 1:
        raise decode_error()
    codes = []
    while lst.left():
        codes.append(lst.u16())
    return codes


def put_u16_list(out, codes):
    if not codes:
        raise ValueError(text('no_codes'))     # the peer would refuse an empty list
    put_u16(out, 2 * len(codes))
    for c in codes:
        put_u16(out, c)


def parse_u16_list(data):
    """An extension_data that is exactly one list of 16-bit codes."""
    r = Reader(data)
    codes = read_u16_list(r)
    r.done()
    return codes


def write_u16_list(codes):
    out = bytearray()
    put_u16_list(out, codes)
    return bytes(out)


#   opaque data<lo..2^8-1>;  an extension_data or message body that is exactly one such vector
def parse_vec8(data, lo=1):
    r = Reader(data)
    v = r.vec8(lo, 255)
    r.done()
    return v


def write_vec8(data=b''):
    out = bytearray()
    put_vec8(out, data)
    return bytes(out)


#   struct {
#       ExtensionType extension_type;
#       opaque extension_data<0..2^16-1>;
#   } Extension;                                 RFC 5246 §7.4.1.4
#   ... Extension extensions<0..2^16-1>;         (absent entirely when empty)
def parse_extensions(r):
    exts = []
    if r.left() == 0:
        return exts
    block = r.sub16()
    while block.left():
        t = block.u16()
        data = block.vec16()
        if find_ext(exts, t) is not None or len(exts) >= _MAX_EXTENSIONS:
            # RFC 5246 §7.4.1.4: no more than one extension of the same type.
            raise Fault(_ILLEGAL_PARAMETER)
        exts.append((t, data))
    return exts


def write_extensions(out, exts):
    if not exts:
        return
    block = bytearray()
    for t, data in exts:
        put_u16(block, t)
        put_vec16(block, data)
    put_vec16(out, block)


#   NamedCurve named_curve_list<2..2^16-1>;     RFC 8422 §5.1.1 (NamedGroupList)
parse_supported_groups = parse_u16_list
write_supported_groups = write_u16_list


#   enum { uncompressed (0), deprecated (1..2), reserved (248..255) } ECPointFormat;
#   struct {
#       ECPointFormat ec_point_format_list<1..2^8-1>
#   } ECPointFormatList;                         RFC 8422 §5.1.2
def has_uncompressed_points(data):
    """Whether an ec_point_formats extension lists uncompressed, the one format (RFC 8422
    §5.1.2: a peer whose list lacks it is refused with illegal_parameter)."""
    return _POINT_FORMAT_UNCOMPRESSED in parse_vec8(data)


#   opaque renegotiated_connection<0..255>;      RFC 5746 §3.2 (empty in an initial handshake)
def parse_renegotiation_info(data):
    return parse_vec8(data, 0)


write_renegotiation_info = write_vec8


#   uint16 RecordSizeLimit;                      RFC 8449 §4
# The most plaintext a protected record toward its sender may carry: 64..2^14 in DTLS 1.2
# ("Endpoints MUST NOT send a value smaller than 64 ... illegal_parameter"). A larger value is
# taken as 2^14: "A server MUST NOT enforce this restriction", and a client MAY, but need not.
_MIN_RECORD_LIMIT = const(64)
_MAX_RECORD_LIMIT = const(16384)


def parse_record_size_limit(data):
    r = Reader(data)
    limit = r.u16()
    r.done()
    if limit < _MIN_RECORD_LIMIT:
        raise Fault(_ILLEGAL_PARAMETER)
    return min(limit, _MAX_RECORD_LIMIT)


def write_record_size_limit(limit):
    return bytes((limit >> 8, limit & 0xFF))


class ClientHello:
    def __init__(self, client_version=0xFEFD, random=b'', session_id=b'', cookie=b'',
                 cipher_suites=(), compression_methods=b'\x00', extensions=()):
        self.client_version = client_version
        self.random = random
        self.session_id = session_id
        self.cookie = cookie
        self.cipher_suites = list(cipher_suites)
        self.compression_methods = compression_methods
        self.extensions = list(extensions)
        self.cookie_input = b''   # set by parse: the body without the cookie (for cookie.py)


#   struct {                                     RFC 6347 §4.2.1 (RFC 5246 §7.4.1.2 + cookie)
#       ProtocolVersion client_version;
#       Random random;
#       SessionID session_id;                    <0..32>
#       opaque cookie<0..2^8-1>;                 // New field
#       CipherSuite cipher_suites<2..2^16-1>;
#       CompressionMethod compression_methods<1..2^8-1>;
#       select (extensions_present) {
#           case false: struct {};
#           case true: Extension extensions<0..2^16-1>;
#       };
#   } ClientHello;
def parse_client_hello(body):
    r = Reader(body)
    ch = ClientHello(r.u16(),                               # client_version
                     r.take(_RANDOM_LEN),                    # random
                     r.vec8(0, _MAX_SESSION_ID_LEN),        # session_id
                     r.vec8(0, _MAX_COOKIE_LEN),            # cookie
                     read_u16_list(r),                      # cipher_suites
                     r.vec8(1, 255),                        # compression_methods
                     parse_extensions(r))                   # extensions
    r.done()
    # The cookie starts after client_version (2), random (32) and session_id (1 + length).
    cookie_start = 35 + len(ch.session_id)
    ch.cookie_input = body[:cookie_start] + body[cookie_start + 1 + len(ch.cookie):]
    return ch


def write_client_hello(ch):
    out = bytearray()
    put_u16(out, ch.client_version)
    out.extend(ch.random)
    put_vec8(out, ch.session_id)
    put_vec8(out, ch.cookie)
    put_u16_list(out, ch.cipher_suites)
    put_vec8(out, ch.compression_methods)
    write_extensions(out, ch.extensions)
    return bytes(out)


#   struct {                                     RFC 6347 §4.2.1
#       ProtocolVersion server_version;
#       opaque cookie<0..2^8-1>;
#   } HelloVerifyRequest;
def parse_hello_verify_request(body):
    """(server_version, cookie)."""
    r = Reader(body)
    version = r.u16()
    cookie = r.vec8(0, _MAX_COOKIE_LEN)
    r.done()
    return version, cookie


def write_hello_verify_request(cookie, server_version=0xFEFF):
    """server_version {254,255} (DTLS 1.0) as RFC 6347 §4.2.1 advises, whatever is negotiated."""
    out = bytearray()
    put_u16(out, server_version)
    put_vec8(out, cookie)
    return bytes(out)


class ServerHello:
    def __init__(self, server_version=0xFEFD, random=b'', session_id=b'', cipher_suite=0,
                 compression_method=0, extensions=()):
        self.server_version = server_version
        self.random = random
        self.session_id = session_id
        self.cipher_suite = cipher_suite
        self.compression_method = compression_method
        self.extensions = list(extensions)


#   struct {                                     RFC 5246 §7.4.1.3
#       ProtocolVersion server_version;
#       Random random;
#       SessionID session_id;
#       CipherSuite cipher_suite;
#       CompressionMethod compression_method;
#       select (extensions_present) {
#           case false: struct {};
#           case true: Extension extensions<0..2^16-1>;
#       };
#   } ServerHello;
def parse_server_hello(body):
    r = Reader(body)
    sh = ServerHello(r.u16(),                               # server_version
                     r.take(_RANDOM_LEN),                    # random
                     r.vec8(0, _MAX_SESSION_ID_LEN),        # session_id
                     r.u16(),                               # cipher_suite
                     r.u8(),                                # compression_method
                     parse_extensions(r))                   # extensions
    r.done()
    return sh


def write_server_hello(sh):
    out = bytearray()
    put_u16(out, sh.server_version)
    out.extend(sh.random)
    put_vec8(out, sh.session_id)
    put_u16(out, sh.cipher_suite)
    out.append(sh.compression_method)
    write_extensions(out, sh.extensions)
    return bytes(out)


#   struct { } ServerHelloDone;                  RFC 5246 §7.4.5
#   struct { } HelloRequest;                     RFC 5246 §7.4.1.1
def parse_empty(body):
    Reader(body).done()
