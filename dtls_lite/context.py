"""The tinydtls-style Context: a table of peers, each a sans-IO Engine, behind callbacks.

    ctx = Context(app_data=None, **config)
    ctx.set_handler(write, read=None, event=None, get_psk_info=None, ...)
    ctx.connect(session) / ctx.handle_message(session, data) / ctx.write(session, data)
    ctx.close(session) / ctx.check_retransmit(now_ms=None) / ctx.peer(session)

`session` is whatever hashable the application uses to name a peer (the address recvfrom
returned); it is never interpreted, only hashed into cookies.

Datagrams from unknown peers go through the stateless cookie exchange (RFC 6347 §4.2.1):
no state exists for a peer until it returns a ClientHello with a valid cookie, and then only
if `max_handshakes` and `max_peers` allow; otherwise the hello is dropped and counted in
`ctx.stats`. Engines write their output into one shared list, which `_drain` turns into
callbacks: write(ctx, session, data), read(ctx, session, data), event(ctx, session, level, code).

The data handed to `write` is a bytes-like object valid only during the call (application
records are sealed in one shared, preallocated buffer); `read` gets bytes.
"""
import gc

from dtls_lite.compat import MICROPYTHON, const, ticks_ms, ticks_diff
from dtls_lite.errors import ConfigError, DTLSError, NotConnected, HandlerError, TooManyPeers
from dtls_lite import engine
from dtls_lite.crypto import util
from dtls_lite import suites as st    # (`suites` is a parameter name below)

# Defaults and limits, with their reasons.
_DEFAULT_MAX_DATAGRAM = const(1200)       # fits the IPv6 minimum MTU (1280) minus IP/UDP headers
_MIN_MAX_DATAGRAM = const(100)            # below this a ClientHello fragment header barely fits
_DEFAULT_RETRANSMIT_INITIAL_MS = const(1000)  # RFC 6347 §4.2.4.1 (RFC 7925 §11: 9000 for LLNs)
_DEFAULT_RETRANSMIT_MAX_MS = const(60000)     # RFC 6347 §4.2.4.1
_DEFAULT_MAX_RETRANSMITS = const(7)       # 1+2+4+...+60 s: about 2 minutes at the defaults
_DEFAULT_HANDSHAKE_TIMEOUT_MS = const(120000)  # a stalled handshake frees its slot after this
_DEFAULT_MAX_PEERS = const(16)            # sessions a small device holds (~1.5 KB each)
_DEFAULT_MAX_HANDSHAKES = const(4)        # concurrent handshakes (each a few KB while it runs)
_DEFAULT_MAX_HANDSHAKE_MESSAGE = const(4096)  # PSK messages are tiny; a leaf + CA chain ~1 KB
_MAX_RECORD = const(18432)                # RFC 5246 §6.2.3: 2^14 + 2048, any peer may send it
_RXBUF = const(2048)                      # preallocated receive buffer; larger records get one
_COOKIE_LIFETIME_MS = const(60000)        # cookie secret rotation period (cookie.py)
_BYTES_LIKE = (bytes, bytearray, memoryview)   # what data and keys may be
_RESEND_GAP_DIVISOR = const(4)            # see Config.resend_gap_ms
_NO_LIMIT = const(1 << 30)                # the upper bound of a limit that needs none

# Wire and engine values this module mirrors privately (MicroPython folds only a module's own
# constants; host_tests/test_host_dtls_consts.py checks they agree with their owners).
_CT_ALERT = const(21)             # record content types
_CT_HANDSHAKE = const(22)
_HEADER_LEN = const(13)           # record
_CLIENT_HELLO = const(1)          # fragment
_KX_PSK = const(1)                # suites
_KX_ECDHE_ECDSA = const(3)        # suites
_OUT_DATAGRAM = const(0)          # engine
_OUT_APP = const(1)               # engine
_OUT_EVENT = const(2)             # engine
_EVENT_CONNECT = const(0x01DC)    # engine
_CONNECTED = const(14)            # engine
_CLOSED = const(15)               # engine


def _int(config, name, default, lo, hi=_NO_LIMIT):
    v = config.pop(name, default)
    if not isinstance(v, int) or isinstance(v, bool) or v < lo or v > hi:
        raise ConfigError('int_range', name, lo, hi, v)
    return v


class Config:
    """Validated settings and the buffers and counters every engine of a Context shares, and
    the application's handlers bound to the Context (`ctx`, set by Context)."""

    def __init__(self, config):
        # Each keyword is taken out of `config` (the Context's own **config dict) as it is
        # validated; any left at the end is unknown.
        self.explicit_ciphers = 'ciphers' in config
        names = config.pop('ciphers', st.DEFAULT_CIPHERS)
        if isinstance(names, str) or not names:
            raise ConfigError('ciphers')
        self.suites = [st.by_name(n) for n in names]
        self.groups = [st.group_code(n) for n in config.pop('groups', st.DEFAULT_GROUPS)]
        if self.offers_ecdhe() and not self.groups:
            raise ConfigError('groups')
        role = self.role = config.pop('role', None)
        if role not in (None, 'client', 'server'):
            raise ConfigError('role')
        self.preload = bool(config.pop('preload', True))
        if self.preload and self.explicit_ciphers:
            # Code first, before any trust anchor is parsed, then a collection (load_code):
            # the modules lie together and the heap the handshake gets is less fragmented
            # (X.509 device, tools/min_heap_device.py: every heap from 209 KiB works; 236
            # with the code loaded at set_handler, 231 with that and the collection).
            self.load_code()
        self._ecdsa_config(config)
        mtu = config.pop('mtu', _DEFAULT_MAX_DATAGRAM)
        self.max_datagram = _int(config, 'max_datagram', mtu, _MIN_MAX_DATAGRAM, 65507)
        initial = self.retransmit_initial_ms = _int(config, 'retransmit_initial_ms',
                                                    _DEFAULT_RETRANSMIT_INITIAL_MS, 1)
        self.retransmit_max_ms = _int(config, 'retransmit_max_ms', _DEFAULT_RETRANSMIT_MAX_MS,
                                      initial)
        self.max_retransmits = _int(config, 'max_retransmits', _DEFAULT_MAX_RETRANSMITS, 0, 64)
        self.handshake_timeout_ms = _int(config, 'handshake_timeout_ms',
                                         _DEFAULT_HANDSHAKE_TIMEOUT_MS, 1)
        # A server keeps its last flight as long as the client may still retransmit the flight
        # before it (RFC 6347 §4.2.4): up to the client's handshake timeout, not just one RTO.
        self.linger_ms = _int(config, 'linger_ms', max(self.retransmit_max_ms,
                                                       self.handshake_timeout_ms), 0)
        # Answer a burst of the peer's repeated flight once: datagrams of one retransmission
        # arrive within far less than a quarter of the smallest retransmission interval.
        self.resend_gap_ms = max(1, initial // _RESEND_GAP_DIVISOR)
        self.max_peers = _int(config, 'max_peers', _DEFAULT_MAX_PEERS, 1)
        self.max_handshakes = _int(config, 'max_handshakes', _DEFAULT_MAX_HANDSHAKES, 1)
        self.max_handshake_message = _int(config, 'max_handshake_message',
                                          _DEFAULT_MAX_HANDSHAKE_MESSAGE, 256, 1 << 24)
        max_record = self.max_record = _int(config, 'max_record', _MAX_RECORD, 256, _MAX_RECORD)
        self.require_ems = bool(config.pop('require_ems', True))
        # Lean AEAD objects (CCM: one AES object instead of two, 448 B instead of 832) cut the
        # heap per established PSK CCM_8 session from 2.1 KB to 1.36 KB (MicroPython unix,
        # server side) at a small cost per record; the per-session budget matters more.
        self.lean = bool(config.pop('lean', True))
        # Several handshake messages per record when sending (always accepted when receiving);
        # off by default: tinydtls 0.8.6 fails the handshake on such records.
        self.coalesce_handshake = bool(config.pop('coalesce_handshake', False))
        rng = config.pop('rng', None)
        if rng is not None and not callable(rng):
            raise ConfigError('rng')
        rng = self.rng = util.get_rng(rng)
        clock = self.clock = config.pop('clock', None)
        if clock is not None and not callable(clock):
            raise ConfigError('clock')
        secret = config.pop('cookie_secret', None)
        if secret is None and role != 'client':
            secret = rng(32)
        if secret is not None and (not isinstance(secret, (bytes, bytearray)) or len(secret) < 16):
            raise ConfigError('cookie_key')
        self.cookie_secret = secret and bytes(secret)     # for server.Acceptor's CookieJar
        self.cookie_lifetime_ms = _int(config, 'cookie_lifetime_ms', _COOKIE_LIFETIME_MS, 1000)
        self.fresh_txbuf()
        # Views of txbuf where a record's plaintext starts at offset 0 (ChaCha20: right after
        # the header; CCM/GCM: after the 8-byte explicit nonce): sealing allocates nothing.
        # Records up to _RXBUF bytes (all a device's datagrams) are decrypted in this one
        # buffer; a larger one, up to max_record, in a buffer allocated for it.
        self.rxbuf = bytearray(min(max_record, _RXBUF))
        self.out = []
        self.stats = {'dropped': 0, 'bad_mac': 0, 'replayed': 0, 'refused': 0,
                      'hello_verify_sent': 0, 'expired': 0, 'internal_error': 0, 'out_of_memory': 0,
                      'too_long': 0}
        # The application's handlers (Context.set_handler), called with the Context first.
        self.ctx = self.get_psk_info = self.get_ecdsa_key = self.verify_ecdsa_key = None
        for k in config:
            raise ConfigError('keyword', k)

    def fresh_txbuf(self):
        # all three made before any is replaced: a MemoryError half-way leaves the old set
        buf = bytearray(self.max_datagram + 64)
        view = memoryview(buf)
        tail = (view[_HEADER_LEN:], view[_HEADER_LEN + 8:])
        self.txbuf, self.txview, self.txtail = buf, view, tail

    def _handler(self, f, *args):
        """Call an application handler from inside an engine. Output already queued is set
        aside: a handler that re-enters the Context (close, connect, handle_message) drains
        cfg.out for its own session, and must not get this session's."""
        out = self.out
        if not out:
            return f(self.ctx, *args)
        saved = out[:]
        out.clear()
        try:
            return f(self.ctx, *args)
        finally:
            out[:0] = saved

    def _ecdsa_config(self, config):
        """Peer authentication for the ECDHE_ECDSA suites (auth.PeerAuth, x509.chain.Verifier).
        Nothing of auth/x509 is imported unless certificates or raw keys are configured, so a
        PSK-only device does not pay for them in RAM."""
        self.server_name = config.pop('server_name', None)
        if self.server_name is not None and not isinstance(self.server_name, str):
            raise ConfigError('srv_name')
        self.require_client_cert = bool(config.pop('require_client_cert', False))
        self.request_client_cert = (bool(config.pop('request_client_cert', False))
                                    or self.require_client_cert)
        self.cred_cache = None
        self._peer_auth = None            # (as client, as server) auth.PeerAuth, made on demand
        ca = config.pop('ca', None)
        verify_cert = config.pop('verify_cert', None)
        peer_keys = config.pop('peer_keys', None)
        clock = config.pop('cert_clock', None)
        if clock is not None and not callable(clock):
            raise ConfigError('cert_clk')    # (time.time() given: a number, not the clock)
        check_time = bool(config.pop('check_time', True))
        if ca is None and verify_cert is None and peer_keys is None:
            return
        from dtls_lite.auth import PeerAuth
        as_client = as_server = None
        if ca is not None or verify_cert is not None:
            from dtls_lite.x509.chain import Verifier
            from dtls_lite.x509.errors import CertificateError
            if verify_cert is not None and not callable(verify_cert):
                raise ConfigError('verify_cb')
            try:
                # the purpose each role checks in the peer's extKeyUsage (RFC 5280 §4.2.1.12)
                as_client = Verifier(ca if ca is not None else (), check_time, clock, 'server',
                                     verify_cert)
                as_server = Verifier(as_client.anchors, check_time, clock, 'client', verify_cert)
            except CertificateError as e:
                raise ConfigError('anchors', e)
        self._peer_auth = (PeerAuth(as_client, peer_keys), PeerAuth(as_server, peer_keys))

    def peer_auth(self, as_client):
        """The auth.PeerAuth that judges the peer's Certificate in our role."""
        if self._peer_auth is None:
            from dtls_lite.auth import PeerAuth
            self._peer_auth = (PeerAuth(), PeerAuth())
        return self._peer_auth[0 if as_client else 1]

    def can_judge_server(self):
        """True if a client of ours has some way to authenticate a server's certificate/key."""
        if self.verify_ecdsa_key is not None:
            return True
        return self._peer_auth is not None and bool(self._peer_auth[0].cert_types())

    def get_psk(self, session, kind, identity):
        """get_psk_info as the engine asks it (kind PSK_HINT/PSK_IDENTITY/PSK_KEY); None
        without the handler. Anything but bytes, bytearray, memoryview or None is the
        application's mistake, HandlerError (the handshake then fails with internal_error):
        MicroPython would otherwise take a str as its UTF-8 bytes where CPython fails."""
        f = self.get_psk_info
        value = None if f is None else self._handler(f, session, kind, identity)
        if value is not None and not isinstance(value, _BYTES_LIKE):
            raise HandlerError('psk_type', type(value).__name__)
        return value

    def credentials(self, session):
        """Our auth.Credentials for a session (get_ecdsa_key), or None."""
        if self.get_ecdsa_key is None:
            return None
        return self.cred_cache.get(self._handler(self.get_ecdsa_key, session))

    def verify_key(self, session):
        """verify_ecdsa_key bound to the context and a session, as auth.PeerAuth wants it
        (key -> bool), or None."""
        f = self.verify_ecdsa_key
        if f is None:
            return None
        return lambda key: self._handler(f, session, key)

    def client_suites(self):
        """The suites a client offers: those it has the handlers for (a PSK, or a way to
        judge the server's certificate or raw public key)."""
        psk = self.get_psk_info is not None
        ecdsa = self.can_judge_server()
        return [s for s in self.suites if (ecdsa if s[2] == _KX_ECDHE_ECDSA else psk)]

    def advertised_groups(self, suites=None):
        """supported_groups as a client sends it: `groups` in order, then, when it offers
        ECDHE_ECDSA, the ECDSA curves it can verify (RFC 8422 §5.1.1: the list covers
        signatures too, and servers such as OpenSSL refuse a certificate on an unlisted curve).
        A server may pick any of them for ECDHE."""
        groups = self.groups
        if self.offers_ecdsa(self.client_suites() if suites is None else suites):
            groups = list(groups)
            for code, _ in st.SIGNATURE_GROUPS:
                if code not in groups:
                    groups.append(code)
        return groups

    def load_code(self):
        """Import now the code the configured suites can need: the client and/or server
        engine (by `role`), their AEADs, the ECDHE groups, and auth/msg_cert for ECDHE_ECDSA.
        A board's heap is least fragmented at start-up, and a handshake's heap peak is then its
        working memory alone (first handshake of a PSK CCM_8 pair on unix MicroPython: 21.7 KB
        with loading on first use, 7 KB without)."""
        if self.role != 'server':
            from dtls_lite import client  # noqa: F401
        if self.role != 'client':
            from dtls_lite import server  # noqa: F401
        from dtls_lite.crypto import aead
        for s in self.suites:
            aead.load(s[3])
            st.prf_hash(s).new      # (a _SHA384 suite on MicroPython: _sha512_py imported now)
        if self.offers_ecdhe():
            for code in self.groups:
                st.group_module(code)
        if self.offers_ecdsa():
            from dtls_lite import auth, msg_cert  # noqa: F401
            from dtls_lite.crypto import ecdsa  # noqa: F401  (every such handshake signs)
        if MICROPYTHON:
            gc.collect()  # free the import leftovers before any data is allocated among them

    def offers_ecdhe(self, suites=None):
        for s in (self.suites if suites is None else suites):
            if s[2] != _KX_PSK:
                return True
        return False

    def offers_ecdsa(self, suites=None):
        for s in (self.suites if suites is None else suites):
            if s[2] == _KX_ECDHE_ECDSA:
                return True
        return False


def _check_bytes(data):
    """Datagrams and application data are bytes-like; anything else is the application's
    mistake, said plainly (not a TypeError from deep inside, or a str taken as bytes on
    MicroPython)."""
    if not isinstance(data, _BYTES_LIKE):
        raise DTLSError('data_type', type(data).__name__)
    # a memoryview of another item size (array('H')) or a strided one (CPython) would fail
    # deep inside with BufferError or ValueError
    if isinstance(data, memoryview) and len(data):
        if hasattr(data, 'itemsize'):
            # (MicroPython builds with MICROPY_PY_BUILTINS_MEMORYVIEW_ITEMSIZE have itemsize
            # but no `contiguous`: their views always are)
            bad = (data.itemsize != 1 or not getattr(data, 'contiguous', True)
                   or getattr(data, 'format', 'B') != 'B' or getattr(data, 'ndim', 1) != 1)
        else:   # MicroPython without itemsize: one item's bytes tell
            bad = len(bytes(data[:1])) != 1
        if bad:
            raise DTLSError('data_view')


class PeerInfo:
    """Read-only view of one peer (ctx.peer(session))."""

    def __init__(self, e):
        self.state = engine.STATE_NAMES[e.state]
        self.connected = e.state == _CONNECTED
        self.role = 'client' if e.is_client else 'server'
        self.version = 'DTLSv1.2'
        self.cipher = e.suite[1] if e.suite is not None else None
        # who the peer proved to be: shown once the handshake is over (the server knows the
        # identity or certificate the client claims before its Finished proves it)
        ident = e.identity if self.connected else None
        psk = isinstance(ident, (bytes, bytearray))
        self.psk_identity = ident if psk else None
        # ECDHE_ECDSA: auth.PeerCert (.cert_type 'x509'|'raw_public_key', .der, .subject,
        # .issuer, .serial, .not_before, .not_after, .public_key), None if not authenticated
        self.certificate = None if psk else ident

    def __repr__(self):
        return 'PeerInfo(%s %s %s %r)' % (self.role, self.state, self.cipher,
                                          self.psk_identity or self.certificate)


# RFC 7925 §11 timers for constrained networks: Context(**CONSTRAINED_NETWORK_TIMERS).
CONSTRAINED_NETWORK_TIMERS = {'retransmit_initial_ms': 9000, 'retransmit_max_ms': 60000,
                              'handshake_timeout_ms': 300000}


class Context:
    """A tinydtls-style DTLS 1.2 context: any number of peers, as client and as server.

    Config keywords (defaults):
      ciphers               IANA suite names, preference order (default: from the handlers
                            set_handler gets: with get_psk_info suites.DEFAULT_CIPHERS, the four
                            PSK AEAD suites, TLS_PSK_WITH_AES_128_CCM_8 first; with ECDSA
                            handlers or ca/peer_keys/verify_cert DEFAULT_ECDSA_CIPHERS, the five
                            ECDHE_ECDSA suites, CCM_8 first; PSK first when both)
      groups                ECDHE groups, preference order (('x25519', 'secp256r1', 'secp384r1'));
                            a client offering ECDHE_ECDSA also lists secp256r1/secp384r1, the
                            curves of the signatures it checks (RFC 8422 §5.1.1)
      max_datagram / mtu    largest datagram we send (1200); flights are fragmented to fit,
                            except a ClientHello, sent whole (a server answers hellos
                            statelessly and needs them whole, RFC 6347 §4.2.1; tinydtls and
                            mbed TLS refuse fragmented ones)
      retransmit_initial_ms first retransmission timeout (1000, RFC 6347; RFC 7925 advises 9000
                            for constrained networks: see CONSTRAINED_NETWORK_TIMERS)
      retransmit_max_ms     back-off ceiling (60000)
      max_retransmits       retransmissions of one flight before giving up (7)
      handshake_timeout_ms  a handshake not done by then is dropped (120000)
      max_peers             sessions held, established or not (16); an established one is
                            kept until close(), however long silent (README: idle sessions)
      max_handshakes        handshakes under way at once; excess hellos refused, counted in
                            stats['refused'] (4)
      cookie_secret         HelloVerifyRequest cookie key, >= 16 bytes (32 random bytes)
      cookie_lifetime_ms    cookie secret rotation period (60000)
      clock                 callable -> ms, non-wrapping (unwrapped ticks_ms)
      rng                   callable n -> n random bytes (os.urandom)
      require_ems           refuse peers without Extended Master Secret, RFC 7627 (True)
      max_handshake_message largest handshake message accepted (4096): it also bounds PSK
                            hints and identities, the peer's certificate chain and a
                            CertificateRequest's CA names (OpenSSL or GnuTLS serving a whole
                            CA bundle send ~15 KB: give 32768 to reach them)
      max_record            largest protected record accepted (18432, RFC 5246 §6.2.3: what
                            any peer may send); the receive buffer is min(max_record, 2048)
                            bytes, a larger record is decrypted in a buffer made for it. A
                            device reading smaller datagrams gives their size minus 13 (the
                            record header). Told to the peer as RFC 8449 record_size_limit
                            (max_record minus the suites' expansion, at most 2^14; a server
                            answers only with 512 or more: GnuTLS clients abort on less), so
                            that peers which speak it (GnuTLS) send no longer record; others'
                            longer records are dropped
      linger_ms             how long a server keeps its last flight for re-sending
                            (max(retransmit_max_ms, handshake_timeout_ms)), freed at the
                            peer's first application record anyway
      lean                  smallest AEAD objects, for heap per session (True)
      role                  'client' (connect only: hellos from other peers are dropped and
                            counted, and the server code is never loaded), 'server'
                            (connect() raises ConfigError; the client code is never loaded)
                            or None: both (None)
      preload               import the code the role and the configured suites and groups need,
                            then collect (True): at Context() with explicit `ciphers`, else
                            at set_handler; no handshake loads modules, but for SHA-384 on
                            MicroPython (pure Python, 3.7 KB of .mpy) when only the peer
                            needs it (its P-384 key or SHA-384-signed certificates; our own
                            P-384 key loads it when its auth.Credentials are made). Give only
                            the ciphers and groups you use, or False to load on first use
      coalesce_handshake    several handshake messages per record when sending (False:
                            tinydtls 0.8.6 refuses them)
    Certificates and raw public keys (ECDHE_ECDSA; dtls_lite/auth.py, dtls_lite/x509):
      ca                    trust anchors for the peer's X.509 chain: PEM bundle (str/bytes) or
                            a list of DER/PEM certificates (None: X.509 peers are refused)
      check_time            check validity periods against cert_clock (True; a board without a
                            clock must say False: with True and a clock before 2025 every chain
                            fails with certificate_unknown)
      cert_clock            callable -> seconds since 1970 (x509.chain.wall_clock)
      verify_cert           callable (leaf Certificate, CertificateError or None) -> True to
                            accept (exactly True: anything else rejects): pins or overrides
                            the chain check
      server_name           client: the name or IP the server's subjectAltName must match, a
                            str (None): a DNS name in ASCII (IDNs as A-labels), an IPv4
                            address in plain decimal, or an IPv6 address
      peer_keys             raw public keys (RFC 7250) we accept, pinned: SPKI PEM/DER, SEC1
                            points or x509.keys.EcPublicKey, one or a list; a PEM text gives
                            every PUBLIC KEY block in it (None). Trusted in both roles, like
                            verify_ecdsa_key: a Context with role None takes a server holding
                            one of them too; use one Context per role to keep them apart
      request_client_cert   server: send a CertificateRequest (False; True anyway when
                            verify_ecdsa_key is set, as in tinydtls, or require_client_cert),
                            when the client offers a form we can judge (RFC 7250 §4.2)
      require_client_cert   server: fail with handshake_failure without a client certificate
                            (unsupported_certificate at the hello when we judge only raw keys
                            and the client offers none); asking for one needs ca,
                            verify_cert, peer_keys or verify_ecdsa_key: else set_handler
                            raises ConfigError
    The handlers: get_ecdsa_key(ctx, session) returns our key (auth.Credentials, or a dict /
    PEM text auth.credentials() takes, or None); verify_ecdsa_key(ctx, session, public_key)
    returns True to accept the peer's raw public key (exactly True: anything else, tinydtls's
    0 included, rejects with bad_certificate; raising x509.errors.CertificateError sends its
    alert). ctx.peer(session).certificate is the
    authenticated peer (auth.PeerCert: der, subject, issuer, serial, not_before, not_after,
    public_key, cert_type).
    Misuse (unknown keyword or suite, bad value) raises ConfigError.
    """

    def __init__(self, app_data=None, **config):
        self.app_data = app_data
        cfg = self._cfg = Config(config)
        cfg.ctx = self
        self.stats = cfg.stats
        self._peers = {}
        self._write = self._read = self._event = None
        self._last_tick = None
        self._elapsed = 0
        self._door = None          # server.Acceptor: the stateless cookie exchange
        self._lent = False         # a write callback holds a view of cfg.txbuf
        self._deferred = None      # a callback's error from another session's output, raised
        #                            by handle_message once its own datagram is dealt with
        # the output _drain is delivering (its session, what is left of it, the engine that
        # made it): a callback re-entering for that session gets the rest delivered first
        self._dr_session = self._dr_items = self._dr_owner = None

    def set_handler(self, write, read=None, event=None, get_psk_info=None, get_ecdsa_key=None,
                    verify_ecdsa_key=None):
        """tinydtls's callbacks (see the class text). get_ecdsa_key(ctx, session) returns our
        key (any form auth.credentials takes, or None); verify_ecdsa_key(ctx, session,
        public_key) returns True to accept the peer's raw public key (x509.keys.EcPublicKey)."""
        if not callable(write):
            raise ConfigError('write_cb')
        cfg = self._cfg
        if (get_ecdsa_key is not None and verify_ecdsa_key is None and cfg.request_client_cert
                and cfg.role != 'client'
                and (cfg._peer_auth is None or not cfg._peer_auth[1].cert_types())):
            # A server asking for client certificates it has no way to judge: every client
            # would be refused (require) or the request silently not sent (request).
            raise ConfigError('judge_cli')
        self._write, self._read, self._event = write, read, event
        cfg.get_psk_info = get_psk_info
        cfg.get_ecdsa_key = get_ecdsa_key
        cfg.verify_ecdsa_key = verify_ecdsa_key
        if get_ecdsa_key is not None:
            from dtls_lite.auth import CredentialCache
            cfg.cred_cache = CredentialCache()
        if not cfg.explicit_ciphers:
            # Without `ciphers`, the suites follow the handlers (as tinydtls's do): the PSK ones
            # with get_psk_info, the ECDHE_ECDSA ones with ECDSA handlers or trust anchors.
            ecdsa = get_ecdsa_key is not None or cfg.can_judge_server()
            names = ()
            if get_psk_info is not None or not ecdsa:
                names = st.DEFAULT_CIPHERS
            if ecdsa:
                names += st.DEFAULT_ECDSA_CIPHERS
            cfg.suites = [st.by_name(n) for n in names]
        if cfg.preload and not cfg.explicit_ciphers:
            cfg.load_code()  # the suites were only known now (explicit ones: Context loaded them)

    # --- time ------------------------------------------------------------------------------

    def _now(self, now_ms=None):
        if now_ms is not None:
            return now_ms
        if self._cfg.clock is not None:
            return self._cfg.clock()
        # Unwrap the board tick counter (wraps every 2**30 ms) into a non-wrapping count.
        t = ticks_ms()
        if self._last_tick is not None:
            self._elapsed += ticks_diff(t, self._last_tick)
        self._last_tick = t
        return self._elapsed

    # --- the API -----------------------------------------------------------------------------

    def _lookup(self, session):
        """The engine for `session`, or None. An unhashable session (MicroPython's getaddrinfo
        gives a bytearray sockaddr) is the application's mistake: say so plainly."""
        try:
            hash(session)  # MicroPython's dict.get does not hash a key it cannot find
        except TypeError:
            raise DTLSError('hashable', type(session).__name__)
        return self._peers.get(session)

    def connect(self, session):
        """Start a handshake as client with `session`; returns its engine. A session already
        there is closed first (close_notify if established, EVENT_CLOSED)."""
        if self._write is None:
            raise HandlerError('no_write')
        if self._cfg.role == 'server':
            raise ConfigError('srv_only')
        self._reenter()
        if not self._cfg.client_suites():
            raise HandlerError('no_suite')
        old = self._lookup(session)
        if old is None and len(self._peers) >= self._cfg.max_peers:
            raise TooManyPeers('max_peers')
        closing = None      # an error the application raised while the old session closed
        if old is not None:
            # the session it replaces ends first, as a peer would see it: close_notify if
            # established, and EVENT_CLOSED before the new EVENT_CONNECT (it used to be
            # overwritten silently, or removed without a word when the new start failed)
            try:
                self.close(session)
            except Exception as x:  # noqa: B902 -- the application's: raised after the hello
                closing = x
            live = self._peers.get(session)
            if live is not None:
                # a callback (EVENT_CLOSED) connected it again: that is the live one
                if closing is not None:
                    raise closing
                return live
        from dtls_lite.client import ClientEngine
        e = ClientEngine(self._cfg)
        self._peers[session] = e
        now = self._now()
        try:
            e.start_client(session, now)
            self._sent_now(session, now, None, 0)
        except BaseException:
            # (e.g. get_ecdsa_key's ConfigError): no half-made session keeps a peer slot
            if self._peers.get(session) is e:
                del self._peers[session]
            self._cfg.out.clear()
            raise
        # EVENT_CONNECT first, then the ClientHello: delivered together, so an event callback
        # that raises still lets the hello go out (the error reaches our caller afterwards)
        try:
            self._cfg.out.insert(0, (_OUT_EVENT, 0, _EVENT_CONNECT))
        finally:
            self._drain(session)    # (the hello is this session's, even if the insert failed)
        if MICROPYTHON:
            gc.collect()    # as after a datagram moving the handshake (see handle_message)
        if closing is not None:
            raise closing
        live = self._peers.get(session)
        return e if live is None else live  # (an event callback may have connected again)

    def handle_message(self, session, data):
        """Feed one received datagram (bytes, bytearray or memoryview). Never raises for
        anything in `data`; an exception from a callback (write, read, event) is raised once
        the rest of the output has been delivered and the session tidied."""
        _check_bytes(data)
        if self._write is None:
            raise HandlerError('no_write')
        self._reenter()
        now = self._now()
        e = self._lookup(session)
        outer, self._deferred = self._deferred, None   # (3) a re-entered call keeps the outer's
        # A server session seeing an epoch-0 ClientHello with a client_random other than the
        # one that started it (its last 4 bytes, at 55: header 13 + 12, version 2, random 28):
        # a client that restarted (RFC 6347 §4.2.8). It goes through the cookie exchange like
        # any new peer, with a cookie bound to the old session; the old state is replaced only
        # once the cookie checks.
        advanced = False
        # which handshake, and how many flights it had sent: _sent_now re-arms only after a send
        hs = e.hs if e is not None else None
        sends = hs.sends if hs is not None else 0
        try:
            if (e is None or e.state == _CLOSED
                    or (not e.is_client and len(data) > 24 and data[0] == _CT_HANDSHAKE
                        and data[3] == 0 and data[4] == 0 and data[13] == _CLIENT_HELLO
                        and self._new_hello(session, e, data))):
                if e is not None and e.hs is not None and e.state != _CONNECTED:
                    # the client restarted (or someone says so): our flight to its old run
                    # would reach the new one and be taken for the answer to its new hello.
                    # From now on it is re-sent only when that client repeats its own.
                    e.hs.timer.stop()
                self._accept(session, data, now)
            else:
                state = e.state
                e.handle_datagram(data, now)
                advanced = state != _CONNECTED and e.state != state
            self._sent_now(session, now, hs, sends)
        finally:
            # also when that raised (the heap out even for the engine's safety net): what it
            # queued is this session's, never left for another session's call to deliver
            try:
                self._drain(session)
            finally:
                self._reap(session)
                deferred, self._deferred = self._deferred, outer
        if deferred is not None:
            raise deferred
        if MICROPYTHON and advanced:
            # A flight leaves much short-lived garbage (parsed messages, big-int temporaries).
            # Collected only when an allocation fails, it makes what the handshake keeps land
            # ever higher in the heap, between holes, until the application's next receive
            # buffer (recvfrom: 1.5 KB in one piece) finds no room: on the 32-bit unix port an
            # X.509 client then needed 128-142 KiB of heap from run to run, and 128-130 with
            # this collection (tools/min_heap_device.py). Only after a datagram that moved a
            # handshake on (about ten per handshake): none once established, none for a
            # stateless hello, none for a datagram dropped or only buffered, so that datagrams
            # sent at a peer's address mid-handshake cost no collection each.
            gc.collect()

    def _sent_now(self, session, now, old_hs, old_sends):
        """old_hs, old_sends: the session's handshake when the call began (or None) and how
        many flights it had sent. A datagram that sent nothing (junk, a dropped record) must
        not move the timer, or a flood of them would keep pushing the retransmission back."""
        e = self._peers.get(session)
        hs = e.hs if e is not None else None
        if (hs is not None and hs.sent_ms == now and hs.timer.deadline is not None
                and (hs is not old_hs or hs.sends != old_sends)):
            # the flight left only now, after the work that built it: RFC 6347 §4.2.4
            # sets the retransmit timer when the flight is sent
            later = self._now()
            if later > now:
                hs.sent_ms = later
                hs.timer.rearm(later)

    def write(self, session, data):
        """Send application data in one record; returns the number of bytes sent (at most
        one datagram's worth, like a datagram socket)."""
        _check_bytes(data)
        e = self._lookup(session)
        if e is None or e.state != _CONNECTED:
            raise NotConnected('no_session', session)
        self._reenter()
        n = min(len(data), e.max_app_payload())
        rec = e.seal_app(data if n == len(data) else memoryview(data)[:n])    # no copy of n bytes
        if rec is None:     # 2^48 - 2 records sent: the session ends, close_notify sent
            self.close(session)
            raise NotConnected('seq_exh')
        self._lent = True
        try:
            self._write(self, session, rec)
        finally:
            self._lent = False
        return n

    def _reenter(self):
        """At every API entry: a write callback still holding cfg.txbuf re-entered us; seal
        into a new buffer so that its `data` stays valid during its call."""
        if self._lent:
            self._cfg.fresh_txbuf()
            self._lent = False

    def max_write(self, session):
        """The most bytes one write() to an established session sends (one record: what
        fits max_datagram, at most 2^14 and the peer's RFC 8449 record_size_limit);
        NotConnected otherwise."""
        e = self._lookup(session)
        if e is None or e.state != _CONNECTED:
            raise NotConnected('no_session', session)
        return e.max_app_payload()

    def close(self, session):
        """Send close_notify (if established) and forget the peer."""
        e = self._lookup(session)
        if e is None:
            return
        self._reenter()
        if self._dr_items and self._dr_session == session:
            # a callback closes the session being drained: the data and handshake datagrams its
            # engine still had to deliver are void; its events still come, before
            # EVENT_CLOSED, and its alerts go out (the answer to a close_notify, RFC 5246 §7.2.1)
            self._dr_items[:] = [x for x in self._dr_items if x[0] == _OUT_EVENT
                                 or (x[0] == _OUT_DATAGRAM and x[1][0] == _CT_ALERT)]
        try:
            e.close()
        finally:
            try:
                self._drain(session)
            finally:
                self._reap(session)

    def now(self):
        """The Context's time in ms: `clock()` if one was given, else time.ticks_ms unwrapped
        into a count that never wraps (from the first call). check_retransmit's deadlines are
        on this clock when it is called without now_ms: wait `deadline - ctx.now()` ms."""
        return self._now()

    def check_retransmit(self, now_ms=None):
        """Run due timers; returns the earliest next deadline on now()'s clock, or None.
        now_ms (simulations): the time on the `clock` the Context was made with, which
        connect() and handle_message() time handshakes on; without a `clock` it is
        DTLSError('now_clock'), since any other clock would expire every handshake."""
        if now_ms is not None:
            if not isinstance(now_ms, (int, float)):
                raise DTLSError('now_type', type(now_ms).__name__)
            if self._cfg.clock is None:
                raise DTLSError('now_clock')
        self._reenter()
        return self._timers(self._now(now_ms), None)

    def _timers(self, now, skip):
        nxt = None
        error = None
        for session in list(self._peers):
            e = self._peers.get(session)
            if e is None or session == skip:
                continue
            d = e.deadline()
            if e.state == _CLOSED:
                if self._dr_session is None:    # (not one whose output is being delivered)
                    self._reap(session)     # left by a callback that raised while it closed
                continue
            if d is not None and now >= d:
                try:
                    try:
                        e.handle_timeout(now)
                    finally:
                        self._drain(session)    # (what it queued is this session's)
                except Exception as x:  # noqa: B902 -- the application's: raised once every
                    if error is None:   # session's timers have run (a board's sendto failing
                        error = x       # for one peer must not stall the others)
                finally:
                    self._reap(session)
        # the next deadline of every session now, those a callback made or replaced included
        for session in self._peers:
            d = self._peers[session].deadline() if session != skip else None
            if d is not None and (nxt is None or d < nxt):
                nxt = d
        if error is not None:
            raise error
        return nxt

    def peer(self, session):
        e = self._lookup(session)
        return PeerInfo(e) if e is not None else None

    def sessions(self):
        return list(self._peers)

    # --- server side ------------------------------------------------------------------------

    def _accept(self, session, data, now):
        """A datagram from a peer without a live session, or a new ClientHello that may
        restart one: the stateless cookie exchange (server.py) takes it."""
        door = self._door
        if door is None:
            if self._cfg.role == 'client':
                self.stats['dropped'] += 1    # connect only: serves no one
                return
            from dtls_lite.server import Acceptor
            door = self._door = Acceptor(self._cfg)
            # before it counts room for a new session, timers that are due run (a handshake
            # past handshake_timeout_ms gives its slot back), even if the application's loop
            # has been too busy receiving to call check_retransmit
            door.expire = self._run_timers
        hello = door.accept(session, data, now, self._peers)
        if hello is not None:
            # A client restarted (RFC 6347 §4.2.8): the application hears its old session end
            # while peer() still shows that one (closed), then it is forgotten and the hello
            # starts the new one, so that a callback tidying up after EVENT_CLOSED (close())
            # cannot hit the new handshake.
            try:
                self._drain(session)
            except Exception as x:  # noqa: B902 -- the application's: the new hello goes on
                self._defer(x)
            finally:
                self._reap(session)
            door.accept(session, data, now, self._peers, hello)

    def _new_hello(self, session, e, data):
        """Whether an epoch-0 ClientHello datagram for a live server session `e` is a new
        hello (a client that restarted) for the Acceptor rather than a copy for the engine:
        its client_random differs (last 4 bytes, at 55 in a first fragment), or it continues
        a new hello the Acceptor is gathering."""
        if data[19] or data[20] or data[21]:
            # a later fragment: the Acceptor's if it is gathering this peer's new hello
            return self._door is not None and session in self._door.hellos
        return len(data) >= 59 and engine.hello_tag(data, 55) != e.hello_tag

    def _run_timers(self, now, skip):
        """check_retransmit for the Acceptor, but for `skip` (the session its hello may
        replace: a due re-send of that one would reach the restarted client before the new
        flight). A callback's error there (another session's) must not lose the hello being
        accepted; it is raised after it. A full heap there is counted, not raised."""
        try:
            self._timers(now, skip)
        except MemoryError:
            self.stats['out_of_memory'] += 1
        except Exception as x:  # noqa: B902 -- the application's
            self._defer(x)

    def _defer(self, error):
        if self._deferred is None:
            self._deferred = error

    # --- output ------------------------------------------------------------------------------

    def _emit_event(self, session, level, code):
        if self._event is not None:
            self._event(self, session, level, code)

    def _drain(self, session):
        # Take a snapshot first: a callback may call back into the Context (write, close,
        # connect, handle_message), whose own output is drained by that call. Output is
        # delivered in the order it was made: a call re-entering for the session being
        # drained first delivers what is left of the outer snapshot (so that an engine's
        # EVENT_CLOSED never comes after its successor's EVENT_CONNECT, nor its EVENT_CONNECTED
        # after its own EVENT_CLOSED).
        out = self._cfg.out
        items = None
        owner = self._peers.get(session)    # the engine that made them, before any callback
        if out:
            try:
                items = out[:]
            finally:
                out.clear()     # (no heap for the copy: lost, never another session's)
        error = None
        if self._dr_items and self._dr_session == session:
            error = self._deliver(session, self._dr_items, self._dr_owner)
        if items:
            s0 = self._dr_session
            i0 = self._dr_items
            o0 = self._dr_owner
            self._dr_owner = owner
            self._dr_session = session
            self._dr_items = items
            try:
                e = self._deliver(session, items, owner)
            finally:
                self._dr_session = s0
                self._dr_items = i0
                self._dr_owner = o0
            if error is None:
                error = e
        if error is not None:
            raise error

    def _deliver(self, session, items, owner):
        """Deliver `items` (consumed from the front), made by engine `owner`; returns the
        first error a callback raised (the rest is delivered anyway)."""
        error = None
        while items:
            kind, a, b = items.pop(0)
            try:
                if kind == _OUT_APP and self._peers.get(session) is not owner:
                    continue    # a callback closed or replaced the session: its data is void
                if kind == _OUT_DATAGRAM:
                    self._write(self, session, a)
                elif kind == _OUT_APP:
                    if self._read is not None:
                        self._read(self, session, a)
                else:
                    self._emit_event(session, a, b)
            except Exception as e:  # noqa: B902 -- the application's: raised after the rest
                # (a board's sendto failing with ENOBUFS must not lose the events after it)
                if error is None:
                    error = e
        return error

    def _reap(self, session):
        e = self._peers.get(session)
        if e is not None and e.state == _CLOSED:
            del self._peers[session]
