"""The one X.509 exception, carrying the TLS alert a peer's bad certificate should cause.

Alert choice (RFC 5246 §7.2.2 wording, aligned with what OpenSSL and rustls send):
  bad_certificate(42)          malformed DER, bad signature on a certificate, not yet valid,
                               hostname mismatch, rejected by the application callback
  unsupported_certificate(43)  signature algorithm, key type or curve we do not do, unknown
                               critical extension, keyUsage/extKeyUsage that forbids this use
  certificate_expired(45)      notAfter in the past
  certificate_unknown(46)      time check on but no plausible wall clock (a local problem)
  unknown_ca(48)               no path to a trust anchor; an issuer that may not act as a CA
                               (CA:FALSE, path length exceeded, no keyCertSign)
  decrypt_error(51)            a CertificateVerify / ServerKeyExchange signature that fails
"""
from ..compat import const
from ..errors import text

BAD_CERTIFICATE = const(42)
UNSUPPORTED_CERTIFICATE = const(43)
CERTIFICATE_EXPIRED = const(45)
CERTIFICATE_UNKNOWN = const(46)
UNKNOWN_CA = const(48)
DECRYPT_ERROR = const(51)


class CertificateError(ValueError):
    """A certificate, key or signature was rejected; `.alert` is the TLS alert code to send,
    `.msg` the reason: text(key, args) from dtls_lite/texts.py."""

    def __init__(self, alert, key, *args):
        msg = text(key, args)
        super().__init__('%s (alert %d)' % (msg, alert))    # what str(e) shows
        self.alert = alert
        self.msg = msg
