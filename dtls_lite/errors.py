"""Errors split by who is at fault, and the one place that maps faults to TLS alerts.

- The application misusing the API gets a `DTLSError` subclass raised at it (`NotConnected`,
  `ConfigError`).
- The peer sending something wrong never raises out of the library: the parser or a state handler
  raises `Fault(alert_code)` internally, and the engine turns it into a fatal alert it sends and
  reports (RFC 5246 §7.2), or, for record-layer garbage, drops the datagram and counts it
  (RFC 6347 §4.1.2.7: invalid records are silently discarded).
"""
from dtls_lite.compat import const

# Alert levels (RFC 5246 §7.2); also the `level` of the event callback for alerts (tinydtls).
LEVEL_WARNING = const(1)
LEVEL_FATAL = const(2)

# AlertDescription (RFC 5246 §7.2, RFC 4279 §6 for 115, RFC 5746 §3.5).
CLOSE_NOTIFY = const(0)
UNEXPECTED_MESSAGE = const(10)
BAD_RECORD_MAC = const(20)
RECORD_OVERFLOW = const(22)
HANDSHAKE_FAILURE = const(40)
BAD_CERTIFICATE = const(42)
UNSUPPORTED_CERTIFICATE = const(43)   # certificate alerts: dtls_lite.x509.errors says when
CERTIFICATE_EXPIRED = const(45)
CERTIFICATE_UNKNOWN = const(46)
ILLEGAL_PARAMETER = const(47)
UNKNOWN_CA = const(48)
DECODE_ERROR = const(50)
DECRYPT_ERROR = const(51)
PROTOCOL_VERSION = const(70)
INSUFFICIENT_SECURITY = const(71)
INTERNAL_ERROR = const(80)
NO_RENEGOTIATION = const(100)
UNSUPPORTED_EXTENSION = const(110)
UNKNOWN_PSK_IDENTITY = const(115)


class DTLSError(Exception):
    """Base of every exception dtls_lite raises at the application."""


class NotConnected(DTLSError):
    """write() on a session whose handshake has not completed (or that is closed/unknown)."""


class ConfigError(DTLSError):
    """A bad Context keyword (unknown cipher name, out-of-range limit, wrong type)."""


class TooManyPeers(DTLSError):
    """connect() refused: the peer table is full (max_peers)."""


class HandlerError(DTLSError):
    """A callback the protocol needs was not set (e.g. get_psk_info for a PSK suite)."""


class Fault(Exception):
    """Internal: the peer broke the protocol; `alert` is the fatal alert to send.

    Never escapes the engine: `Engine._fail` catches it at the one transition point.
    """

    def __init__(self, alert, why=''):
        super().__init__(why)
        self.alert = alert


def decode_error(why=''):
    """The one fault every parser raises on truncated, oversized or trailing bytes."""
    return Fault(DECODE_ERROR, why)
