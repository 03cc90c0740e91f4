"""The client half of the DTLS 1.2 engine: the ClientHello, and the server's flight.

Only a Context that connects imports this module (context.py, when it makes its first client
engine, or at start-up with `preload` unless `role='server'`): a device that only serves does
not hold this code, and one that only connects (`role='client'`) does not hold server.py's.
Everything both sides do (records, reassembly, transcript, key schedule, flights, the peer's
Certificate and Finished) is engine.Engine's.

    start_client(session, now_ms)   send the ClientHello, await ServerHello or HelloVerifyRequest

Flights (RFC 5246 §7.3, RFC 6347 §4.2.1; [..] only with client authentication):
  CH  |  [HVR: CH with the cookie]  |  SH [Cert] [SKE] [CertReq] SHD  ->  [Cert] CKE [CertVerify]
  CCS Fin  |  CCS Fin
"""
from dtls_lite.compat import const
from dtls_lite.errors import Fault
from dtls_lite.engine import Engine, Handshake, point_formats
from dtls_lite import msg_hello as mh
from dtls_lite import msg_kx as mk
from dtls_lite import suites as st

# The ECDHE_ECDSA code (auth.py, msg_cert.py), imported by the first client engine that offers
# those suites (start_client): a PSK-only device never loads it.
auth = mc = None

# Private mirrors of other modules' values (MicroPython folds only a module's own
# `_NAME = const(n)`); host_tests/test_host_dtls_consts.py checks they agree with engine.py's.
_PSK_IDENTITY = const(1)
_DTLS12 = const(0xFEFD)
_CLIENT_HELLO = const(1)
_HELLO_VERIFY_REQUEST = const(3)
_MAX_HELLO_SEQ = const(255)     # the last hello message_seq sent (server._MAX_HELLO_MESSAGE_SEQ)
_CERTIFICATE = const(11)
_CERTIFICATE_VERIFY = const(15)
_CLIENT_KEY_EXCHANGE = const(16)
_EXT_SUPPORTED_GROUPS = const(10)
_EXT_EC_POINT_FORMATS = const(11)
_EXT_SIGNATURE_ALGORITHMS = const(13)
_EXT_CLIENT_CERTIFICATE_TYPE = const(19)
_EXT_SERVER_CERTIFICATE_TYPE = const(20)
_EXT_EXTENDED_MASTER_SECRET = const(23)
_EXT_RECORD_SIZE_LIMIT = const(28)
_EXT_RENEGOTIATION_INFO = const(0xFF01)
_RANDOM_LEN = const(32)
_KX_ECDHE_PSK = const(2)
_KX_ECDHE_ECDSA = const(3)
_CERT_TYPE_X509 = const(0)
_CERT_TYPE_RAW_PUBLIC_KEY = const(2)
_HANDSHAKE_FAILURE = const(40)
_ILLEGAL_PARAMETER = const(47)
_PROTOCOL_VERSION = const(70)
_UNSUPPORTED_EXTENSION = const(110)
_C_AWAIT_SERVER_HELLO = const(1)
_C_AWAIT_CERTIFICATE = const(2)
_C_AWAIT_SERVER_KEY_EXCHANGE = const(3)
_C_AWAIT_CERTIFICATE_REQUEST = const(4)
_C_AWAIT_SERVER_HELLO_DONE = const(5)
_C_AWAIT_SERVER_CCS = const(6)


class ClientEngine(Engine):
    is_client = True

    # --- starting ---------------------------------------------------------------------------

    def start_client(self, session, now_ms):
        cfg = self.cfg
        hs = self.hs = Handshake(cfg, session, now_ms, 0)
        hs.client_random = cfg.rng(_RANDOM_LEN)
        suites = cfg.client_suites()
        exts = []
        if cfg.offers_ecdhe(suites):
            exts.append((_EXT_SUPPORTED_GROUPS,
                         mh.write_supported_groups(cfg.advertised_groups(suites))))
            exts.append((_EXT_EC_POINT_FORMATS, b'\x01\x00'))
        if cfg.offers_ecdsa(suites):
            # signature_algorithms (RFC 5246 §7.4.1.4.1) and the RFC 7250 certificate types:
            # ours (X.509 when we have certificates, else our raw public key; none without
            # credentials) and those we can judge, each sent only when it is not plain X.509.
            global auth, mc
            from dtls_lite import auth
            from dtls_lite import msg_cert as mc
            exts.append((_EXT_SIGNATURE_ALGORITHMS,
                         mc.write_signature_algorithms(auth.SIGNATURE_ALGORITHMS)))
            hs.creds = cfg.credentials(session)
            if hs.creds is not None and hs.creds.cert_types() != (_CERT_TYPE_X509,):
                # every form we can send (RFC 7250 §4.1): X.509 first with a chain, else the key
                exts.append((_EXT_CLIENT_CERTIFICATE_TYPE,
                             mc.write_cert_type_list(hs.creds.cert_types())))
            types = cfg.peer_auth(True).cert_types(cfg.verify_key(session))
            if types != [_CERT_TYPE_X509]:
                exts.append((_EXT_SERVER_CERTIFICATE_TYPE, mc.write_cert_type_list(types)))
        exts.append((_EXT_EXTENDED_MASTER_SECRET, b''))
        exts.append((_EXT_RECORD_SIZE_LIMIT,
                     mh.write_record_size_limit(self._record_size_limit(suites))))
        exts.append((_EXT_RENEGOTIATION_INFO, mh.write_renegotiation_info()))
        hs.client_hello = mh.ClientHello(random=hs.client_random,
                                         cipher_suites=[s[0] for s in suites],
                                         extensions=exts)
        self._send_client_hello(now_ms)
        self._goto(_C_AWAIT_SERVER_HELLO)

    def _send_client_hello(self, now_ms):
        flight = []
        # RFC 6347 §4.2.6: a hello before HelloVerifyRequest is not hashed
        self.hs.transcript = []
        self._add(flight, _CLIENT_HELLO, mh.write_client_hello(self.hs.client_hello))
        self._new_flight(flight, now_ms)

    # --- handlers, in protocol order: (self, msg_type, body, now_ms) -> the next state ------

    def _c_server_hello(self, mt, body, now_ms):
        hs = self.hs
        if mt == _HELLO_VERIFY_REQUEST:
            # RFC 6347 §4.2.1: re-send the hello with the cookie. Its server_version says only
            # how the packet is formatted, "not as part of version negotiation": not checked
            # (OpenSSL and GnuTLS skip it too).
            cookie = mh.parse_hello_verify_request(body)[1]
            if hs.send_seq > _MAX_HELLO_SEQ:
                # a server (or a forger) that never takes a cookie: the hello's message_seq
                # (uint16) must not run out; servers take hellos up to 255 (ours does).
                # Nothing answers it, so it is no message of a flight ours answers (kept, the
                # heads of forged ones grew 4 bytes each, to 261 KB)
                hs.reasm.heads = b''
                hs.rx_hi = hs.reasm.next_seq
                return _C_AWAIT_SERVER_HELLO
            hs.client_hello.cookie = cookie
            # What came ahead of the HelloVerifyRequest answers no hello with its cookie: a
            # flight to an earlier run of this client (RFC 6347 §4.2.8), or forged. Kept, it
            # was taken as the answer to the new hello, and the handshake hung until it expired.
            hs.reasm.pending = []
            self._send_client_hello(now_ms)
            return _C_AWAIT_SERVER_HELLO
        sh = mh.parse_server_hello(body)
        if sh.server_version != _DTLS12:
            raise Fault(_PROTOCOL_VERSION)
        suite = st.by_code(sh.cipher_suite)
        if (suite is None or sh.cipher_suite not in hs.client_hello.cipher_suites
                or sh.compression_method != 0):
            raise Fault(_ILLEGAL_PARAMETER)     # cipher_suite or compression not offered
        exts = sh.extensions
        for t, data in exts:
            # RFC 5246 §7.4.1.4: only extensions the client offered may appear.
            if mh.find_ext(hs.client_hello.extensions, t) is None:
                raise Fault(_UNSUPPORTED_EXTENSION)
            if t == _EXT_SIGNATURE_ALGORITHMS:
                # RFC 5246 §7.4.1.4.1: "Servers MUST NOT send this extension" (OpenSSL and
                # GnuTLS refuse it too)
                raise Fault(_ILLEGAL_PARAMETER)
        self._check_hello(exts)
        point_formats(exts)
        hs.server_random = sh.random
        self.suite = suite
        if suite[2] != _KX_ECDHE_ECDSA:
            return _C_AWAIT_SERVER_KEY_EXCHANGE
        # RFC 7250 §4.2: the certificate types the server selected must be ones we offered; an
        # absent server_certificate_type means X.509, an absent client_certificate_type that
        # the server will not ask for our certificate (or takes X.509: without a chain we then
        # send none).
        ours = mh.find_ext(hs.client_hello.extensions, _EXT_SERVER_CERTIFICATE_TYPE)
        got = mh.find_ext(exts, _EXT_SERVER_CERTIFICATE_TYPE)
        hs.peer_type = auth.check_cert_type(None if got is None else mc.parse_cert_type(got),
                                            None if ours is None else mc.parse_cert_type_list(ours))
        got = mh.find_ext(exts, _EXT_CLIENT_CERTIFICATE_TYPE)
        if got is not None:    # only if we offered it (unsolicited extensions already refused)
            ours = mh.find_ext(hs.client_hello.extensions, _EXT_CLIENT_CERTIFICATE_TYPE)
            hs.own_type = auth.check_cert_type(mc.parse_cert_type(got),
                                               mc.parse_cert_type_list(ours))
        return _C_AWAIT_CERTIFICATE

    def _c_server_key_exchange(self, mt, body, now_ms):
        hs = self.hs
        kx = self.suite[2]
        if kx == _KX_ECDHE_ECDSA:
            # the server's ephemeral key, signed by the key of its Certificate
            group, point, params, alg, sig = mc.parse_server_key_exchange(body)
            self._peer_point(self._offered(group), point)
            # RFC 8422 §5.4: signed over client_random + server_random + params; decrypt_error
            auth.verify_server_params(self.identity.public_key, auth.SIGNATURE_ALGORITHMS, alg,
                                      sig, hs.client_random, hs.server_random, params)
            return _C_AWAIT_CERTIFICATE_REQUEST
        hs.hint, group, point = mk.parse_server_key_exchange(body, kx == _KX_ECDHE_PSK)
        if kx == _KX_ECDHE_PSK:
            # any group of our supported_groups (RFC 8422 §5.1.1, RFC 5489), which lists the
            # ECDSA curves too when we also offer ECDHE_ECDSA (Config.advertised_groups)
            self._peer_point(self._offered(group), point)
        return _C_AWAIT_SERVER_HELLO_DONE

    def _offered(self, group):
        """`group` if our ClientHello listed it (RFC 8422 §5.1.1), else None: the list as
        sent, not as the handlers would make it now (set_handler may have run since)."""
        data = mh.find_ext(self.hs.client_hello.extensions, _EXT_SUPPORTED_GROUPS)
        return group if data is not None and group in mh.parse_supported_groups(data) else None

    def _c_certificate_request(self, mt, body, now_ms):
        self.hs.cert_request = mc.parse_certificate_request(body)
        return _C_AWAIT_SERVER_HELLO_DONE

    def _c_server_hello_done(self, mt, body, now_ms):
        """Our second flight: [Certificate] ClientKeyExchange [CertificateVerify] CCS Finished.
        ECDHE_ECDSA sends the certificate messages only when the server asked (RFC 5246
        §7.4.6), CertificateVerify only with a key to prove."""
        mh.parse_empty(body)
        hs = self.hs
        cfg = self.cfg
        flight = []
        if self.suite[2] == _KX_ECDHE_ECDSA:
            alg = None
            if hs.cert_request is not None:
                entries, alg = auth.answer_request(hs.creds, hs.cert_request, hs.own_type)
                self._add(flight, _CERTIFICATE, mc.write_certificate(entries, hs.own_type))
            self._add(flight, _CLIENT_KEY_EXCHANGE, mc.write_client_key_exchange(self._ecdhe_key()))
            self._derive_keys(None)   # EMS session hash: through ClientKeyExchange (RFC 7627 §3)
            if alg is not None:
                # RFC 5246 §7.4.8: signs every handshake message so far, with the alg's hash
                self._add(flight, _CERTIFICATE_VERIFY,
                          auth.sign_transcript(hs.creds, alg, hs.transcript, None, cfg.rng))
            hs.creds = None
        else:
            identity = cfg.get_psk(hs.session, _PSK_IDENTITY, hs.hint)
            if identity is None:
                raise Fault(_HANDSHAKE_FAILURE)     # no PSK identity for this server
            psk = self._psk(identity, _HANDSHAKE_FAILURE)
            point = self._ecdhe_key() if self.suite[2] == _KX_ECDHE_PSK else None
            self._add(flight, _CLIENT_KEY_EXCHANGE, mk.write_client_key_exchange(identity, point))
            self._derive_keys(psk)
        self._send_finished(flight, now_ms)
        return _C_AWAIT_SERVER_CCS

    # The handler of each state, by state (engine._EXPECTED says which message; None: no
    # message awaited in that state, or a server state).
    HANDLERS = (None, _c_server_hello, Engine._certificate, _c_server_key_exchange,
                _c_certificate_request, _c_server_hello_done, None, Engine._peer_finished)
