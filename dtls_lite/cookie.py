"""Stateless HelloVerifyRequest cookies (RFC 6347 §4.2.1).

    cookie = HMAC-SHA256(secret_k, session_key || ClientHello-without-cookie)[:COOKIE_LEN]

The server keeps no per-peer state until a ClientHello returns with a cookie it made: the
cookie binds the client's address (the opaque session key, as bytes) and every hello parameter;
a hello that may replace a live session (a client that restarted) gets a cookie also bound to
that session's tag (server.py), so a cookie hello captured earlier cannot end it.
secret_k rotates every `lifetime_ms`: it is derived from the base secret and the rotation
period number, and the current and previous periods are accepted, so a cookie stays valid
between one and two lifetimes and a secret never outlives two.
"""
from dtls_lite.compat import const
from dtls_lite.crypto.hmac import hmac, hmac_pads, pads
from dtls_lite.crypto.sha2 import SHA256
from dtls_lite.crypto.util import ct_equal

_COOKIE_LEN = const(16)   # 128-bit MAC: forging costs 2^128 tries; keeps the hello small
_DEFAULT_LIFETIME_MS = const(60000)


class CookieJar:
    def __init__(self, secret, lifetime_ms=_DEFAULT_LIFETIME_MS):
        self.secret = secret
        self.lifetime_ms = lifetime_ms
        self._period = None
        self._keys = None

    def _secrets(self, now_ms):
        """The HMAC pads of secret_k for this period and the one before, derived once per
        period (not for each stranger's hello: three HMAC keys to pad made ~6 KB of garbage
        per wrong cookie on MicroPython)."""
        period = now_ms // self.lifetime_ms
        if period != self._period:
            self._period = period
            keys = self._keys = []
            for p in (period, period - 1):
                keys.append(pads(SHA256, hmac(SHA256, self.secret,
                                              b'dtls_lite cookie' + str(p).encode())))
        return self._keys

    def make(self, session, cookie_input, now_ms):
        return self._mac(self._secrets(now_ms)[0], session, cookie_input)

    def check(self, session, cookie_input, cookie, now_ms):
        return self.answer(session, cookie_input, cookie, now_ms) is None

    def answer(self, session, cookie_input, cookie, now_ms):
        """None if `cookie` is valid, else the cookie to send back in a HelloVerifyRequest
        (this period's MAC, computed once for the check and the answer)."""
        keys = self._secrets(now_ms)
        mac = self._mac(keys[0], session, cookie_input)
        if len(cookie) == _COOKIE_LEN and (ct_equal(mac, cookie) or
                                           ct_equal(self._mac(keys[1], session, cookie_input),
                                                    cookie)):
            return None
        return mac

    def _mac(self, key, session, cookie_input):
        # The application's opaque session key as a stable byte string (never interpreted).
        s = bytes(session) if isinstance(session, (bytes, bytearray)) else repr(session).encode()
        return hmac_pads(SHA256, key[0], key[1],
                         bytes((len(s) >> 8, len(s) & 0xff)) + s + cookie_input)[:_COOKIE_LEN]
