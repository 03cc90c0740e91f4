"""dtls_lite: DTLS for MicroPython and CPython.

The public API is gathered here; the implementation lives in small private modules.
"""
__version__ = '0.1.0'

from dtls_lite.errors import (DTLSError, NotConnected, ConfigError, HandlerError,  # noqa: F401
                              TooManyPeers, LEVEL_WARNING, LEVEL_FATAL, CLOSE_NOTIFY,
                              UNEXPECTED_MESSAGE, BAD_RECORD_MAC, RECORD_OVERFLOW,
                              HANDSHAKE_FAILURE, BAD_CERTIFICATE, UNSUPPORTED_CERTIFICATE,
                              CERTIFICATE_EXPIRED, CERTIFICATE_UNKNOWN, UNKNOWN_CA,
                              ILLEGAL_PARAMETER,
                              DECODE_ERROR, DECRYPT_ERROR, PROTOCOL_VERSION,
                              INSUFFICIENT_SECURITY, INTERNAL_ERROR, NO_RENEGOTIATION,
                              UNSUPPORTED_EXTENSION, UNKNOWN_PSK_IDENTITY)
from dtls_lite.engine import (EVENT_CONNECT, EVENT_CONNECTED, EVENT_CLOSED,  # noqa: F401
                              PSK_HINT, PSK_IDENTITY, PSK_KEY)
from dtls_lite.context import Context, PeerInfo, CONSTRAINED_NETWORK_TIMERS  # noqa: F401
