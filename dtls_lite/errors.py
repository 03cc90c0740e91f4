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


def text(key, args=()):
    """The message for `key` (dtls_lite/texts.py), formatted with `args`.

    The catalogue is imported for this one call and dropped from sys.modules and the package
    again, so a device holds no message text in its heap except while an error is raised (see
    texts.py). A key the catalogue lacks is a message already (an application's own
    `ConfigError('...')`), and is returned as it is. If there is no heap left to load the
    catalogue, the key and the arguments stand in for the text: the exception is still raised,
    with its alert."""
    import sys
    import dtls_lite
    try:
        from dtls_lite.texts import TEXTS
        form = TEXTS.get(key)
    except MemoryError:
        form = None
    finally:
        sys.modules.pop('dtls_lite.texts', None)
        if getattr(dtls_lite, 'texts', None) is not None:
            delattr(dtls_lite, 'texts')     # the import bound it in the package too
    if form is None:
        return '%s %r' % (key, args) if args else key
    return form % args if args else form


class DTLSError(Exception):
    """Base of every exception dtls_lite raises at the application: `DTLSError(key, *args)`
    carries text(key, args) as its message."""

    def __init__(self, key, *args):
        super().__init__(text(key, args))


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
