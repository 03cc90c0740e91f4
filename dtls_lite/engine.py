"""The per-peer DTLS 1.2 engine, sans-IO: bytes and times in, datagrams and events out.

    handle_datagram(data, now_ms)   one received datagram (several records, several fragments)
    handle_timeout(now_ms)          retransmission timer, handshake expiry
    deadline()                      when handle_timeout wants to be called next (or None)
    seal_app(data)                  one application_data record, in the shared send buffer

Output goes to the shared list `cfg.out` as (kind, a, b) tuples (OUT_DATAGRAM, OUT_APP,
OUT_EVENT); the Context drains it into the write/read/event callbacks after each call, adding
the session it called the engine for (the engine itself need not remember it).

Data flow of a datagram: records (record.py) -> epoch 0 in clear, epoch 1 opened by the read
Protection after the replay check -> by content type: handshake fragments go to the
Reassembler (fragment.py), which hands out whole messages in order -> `_on_message` appends
them to the transcript and calls the handler of the current state -> the handler returns the
next state, and `_goto` is the one place the state changes.

Flights by key exchange (RFC 5246 §7.3; [..] only with client authentication):
  PSK / ECDHE_PSK  SH [SKE] SHD  |  CKE CCS Fin  |  CCS Fin
  ECDHE_ECDSA      SH Cert SKE(signed) [CertReq] SHD  |  [Cert] CKE [CertVerify] CCS Fin  |  CCS Fin
The certificate messages are built and judged by msg_cert.py / auth.py (X.509 chains through
dtls_lite.x509, RFC 7250 raw public keys through verify_ecdsa_key or pinned keys); the engine
only sequences them and keeps the authenticated peer (auth.PeerCert) in `identity`.

A peer's protocol error raises `Fault(alert)` anywhere below `handle_datagram`; it is caught
there, the fatal alert is sent and reported, and the engine is CLOSED. Records that fail to
parse or authenticate are dropped and counted, never fatal (RFC 6347 §4.1.2.7).

After the handshake only what a record needs stays (see record.py): two AEAD objects, two
sequence numbers, one small bytearray (replay bitmap and IVs), the state, the suite row and the
peer's identity (PSK identity, or the auth.PeerCert of its certificate or raw public key). The handshake object (`hs`) is freed as soon as it cannot be needed:
at once on the side that receives the last flight; on the side that sent it (the server) at
the first application record from the peer or after `linger_ms`, since until then a lost last
flight must be re-sent when the peer retransmits (RFC 6347 §4.2.4).
"""
from dtls_lite.compat import const
from dtls_lite import errors
from dtls_lite.errors import Fault
from dtls_lite import record
from dtls_lite.record import (parse_header, write_plain, HEADER_LEN, CT_ALERT,
                              CT_APPLICATION_DATA, CT_CHANGE_CIPHER_SPEC, CT_HANDSHAKE)
from dtls_lite import fragment as fr
from dtls_lite.fragment import Reassembler, parse_fragment, HS_HEADER_LEN
from dtls_lite.flight import FlightTimer
from dtls_lite import keys
from dtls_lite import msg_hello as mh
from dtls_lite import msg_kx as mk
from dtls_lite import msg_finished as mf
from dtls_lite import suites as st
from dtls_lite.crypto.util import ct_equal

_DEBUG = const(False)

OUT_DATAGRAM = const(0)
OUT_APP = const(1)
OUT_EVENT = const(2)

EVENT_CONNECT = const(0x01DC)     # tinydtls DTLS_EVENT_CONNECT
EVENT_CONNECTED = const(0x01DE)   # tinydtls DTLS_EVENT_CONNECTED
EVENT_CLOSED = const(0x01E0)      # ours: the peer is gone (closed, failed, expired)

PSK_HINT = const(0)               # tinydtls dtls_credentials_type_t
PSK_IDENTITY = const(1)
PSK_KEY = const(2)

MAX_PSK_LEN = const(64)
# Smallest handshake fragment worth sending at the end of a datagram; below this, start a new
# datagram. (MicroPython: a `_CONST` must be defined above its first use.)
_MIN_FRAGMENT = const(32)

# States, in protocol order (RFC 5246 §7.3 figure 1, RFC 6347 §4.2.1). The certificate states
# are visited by the ECDHE_ECDSA suites only (and the CertificateRequest / CertificateVerify
# ones only with client authentication).
_START = const(0)
_C_AWAIT_SERVER_HELLO = const(1)         # also takes HelloVerifyRequest
_C_AWAIT_CERTIFICATE = const(2)          # ECDHE_ECDSA: the server's chain or raw public key
_C_AWAIT_SERVER_KEY_EXCHANGE = const(3)  # optional for PSK: ServerHelloDone may come instead
_C_AWAIT_CERTIFICATE_REQUEST = const(4)  # ECDHE_ECDSA: optional, else ServerHelloDone
_C_AWAIT_SERVER_HELLO_DONE = const(5)
_C_AWAIT_SERVER_CCS = const(6)
_C_AWAIT_SERVER_FINISHED = const(7)
_S_AWAIT_CLIENT_HELLO = const(8)         # the verified ClientHello starts the server engine
_S_AWAIT_CLIENT_CERTIFICATE = const(9)   # after our CertificateRequest
_S_AWAIT_CLIENT_KEY_EXCHANGE = const(10)
_S_AWAIT_CERTIFICATE_VERIFY = const(11)  # after a non-empty client Certificate
_S_AWAIT_CLIENT_CCS = const(12)
_S_AWAIT_CLIENT_FINISHED = const(13)
CONNECTED = const(14)
CLOSED = const(15)

STATE_NAMES = ('START', 'AWAIT_SERVER_HELLO', 'AWAIT_CERTIFICATE', 'AWAIT_SERVER_KEY_EXCHANGE',
               'AWAIT_CERTIFICATE_REQUEST', 'AWAIT_SERVER_HELLO_DONE', 'AWAIT_SERVER_CCS',
               'AWAIT_SERVER_FINISHED', 'AWAIT_CLIENT_HELLO', 'AWAIT_CLIENT_CERTIFICATE',
               'AWAIT_CLIENT_KEY_EXCHANGE', 'AWAIT_CERTIFICATE_VERIFY', 'AWAIT_CLIENT_CCS',
               'AWAIT_CLIENT_FINISHED', 'CONNECTED', 'CLOSED')


class _Handshake:
    """Everything only the handshake needs; dropped when it is over."""

    def __init__(self, cfg, session, now_ms, next_receive_seq):
        self.session = session
        self.reasm = Reassembler(next_receive_seq, cfg.max_handshake_message)
        self.transcript = []          # whole messages (RFC 6347 §4.2.6 form), hashed at checkpoints
        self.send_seq = 0             # next message_seq we send
        self.seq0 = 0                 # next record sequence number in epoch 0
        self.flight = []              # (content_type, epoch, payload): our last flight
        self.timer = FlightTimer(cfg.retransmit_initial_ms, cfg.retransmit_max_ms,
                                 cfg.max_retransmits)
        self.expires = now_ms + cfg.handshake_timeout_ms
        self.peer_retransmitted = False
        self.sent_ms = None           # when our flight last went out (first send, timer, answer)
        # message_seq range of the peer flight that our current flight answers: only its
        # retransmission triggers ours (RFC 6347 §4.2.4), never a later flight's, which would
        # make two endpoints answer each other's retransmissions forever.
        self.rx_lo = self.rx_hi = next_receive_seq
        self.client_random = self.server_random = None
        self.client_hello = None      # client: the ClientHello, re-sent with a cookie
        self.ems = False
        self.hint = b''
        self.group = None             # ECDHE: named group, our private key, peer's point
        self.private = None
        self.peer_point = None
        # ECDHE_ECDSA (auth.py): our Credentials, the negotiated Certificate types (RFC 7250)
        # of ours and the peer's, our signature algorithm, and the client authentication
        # request (client: the CertificateRequest; server: True once sent).
        self.creds = None
        self.own_type = self.peer_type = 0
        self.sig_alg = None
        self.cert_request = None
        self.master = None
        self.pending_read = None      # the epoch-1 read AEAD, installed at the peer's CCS
        self.pending_write = None     # the epoch-1 write AEAD, installed when we send CCS


class Engine:
    def __init__(self, cfg, is_client):
        # Twelve attributes at most: a MicroPython instance with more costs a bigger table.
        self.cfg = cfg
        self.is_client = is_client
        self.state = _START
        self.hs = None
        self.suite = None
        self.identity = None          # who the peer proved to be: PSK identity (bytes) or
        #                               auth.PeerCert (ECDHE_ECDSA; None: unauthenticated client)
        self.hello_tag = 0            # server: 30 bits of client_random, to spot stale hellos
        self.rd = None                # epoch-1 AEADs (None: epoch 0); record.py has the layout
        self.wr = None
        self.rd_seq = -1
        self.wr_seq = 0
        self.rec = None

    # --- the one transition point -------------------------------------------------------

    def _goto(self, state):
        if _DEBUG:
            print('dtls', STATE_NAMES[self.state], '->', STATE_NAMES[state])
        self.state = state
        if state == CONNECTED:
            self._emit(OUT_EVENT, 0, EVENT_CONNECTED)
        elif state == CLOSED:
            self.hs = None
            self._emit(OUT_EVENT, 0, EVENT_CLOSED)

    def _emit(self, kind, a, b=None):
        self.cfg.out.append((kind, a, b))

    def _fail(self, alert):
        """A fatal protocol error: send the alert, report it, close (RFC 5246 §7.2.2)."""
        if self.state == CLOSED:
            return
        self._send_alert(errors.LEVEL_FATAL, alert)
        self._emit(OUT_EVENT, errors.LEVEL_FATAL, alert)
        self._goto(CLOSED)

    def _internal_error(self, e):
        self.cfg.stats['out_of_memory' if isinstance(e, MemoryError) else 'internal_error'] += 1
        self._fail(errors.INTERNAL_ERROR)

    # --- starting ---------------------------------------------------------------------------

    def start_client(self, session, now_ms):
        cfg = self.cfg
        hs = self.hs = _Handshake(cfg, session, now_ms, 0)
        hs.client_random = cfg.rng(mh.RANDOM_LEN)
        suites = cfg.client_suites()
        exts = []
        if cfg.offers_ecdhe(suites):
            exts.append((mh.EXT_SUPPORTED_GROUPS,
                         mh.write_supported_groups(cfg.advertised_groups(suites))))
            exts.append((mh.EXT_EC_POINT_FORMATS, b'\x01\x00'))
        if cfg.offers_ecdsa(suites):
            self._c_ecdsa_extensions(exts)
        exts.append((mh.EXT_EXTENDED_MASTER_SECRET, b''))
        exts.append((mh.EXT_RENEGOTIATION_INFO, mh.write_renegotiation_info()))
        hs.client_hello = mh.ClientHello(random=hs.client_random,
                                         cipher_suites=[s[0] for s in suites],
                                         extensions=exts)
        self._send_client_hello(now_ms)
        self._goto(_C_AWAIT_SERVER_HELLO)

    def _c_ecdsa_extensions(self, exts):
        """signature_algorithms (RFC 5246 §7.4.1.4.1) and the RFC 7250 certificate types: ours
        (X.509 when we have certificates, else our raw public key; none without credentials)
        and those we can judge, each sent only when it is not plain X.509."""
        from dtls_lite import auth
        from dtls_lite import msg_cert as mc
        hs = self.hs
        cfg = self.cfg
        exts.append((mh.EXT_SIGNATURE_ALGORITHMS,
                     mc.write_signature_algorithms(auth.SIGNATURE_ALGORITHMS)))
        hs.creds = cfg.credentials(hs.session)
        if hs.creds is not None and not hs.creds.chain:
            exts.append((mh.EXT_CLIENT_CERTIFICATE_TYPE,
                         mc.write_cert_type_list((mc.CERT_TYPE_RAW_PUBLIC_KEY,))))
        types = cfg.peer_auth(True).cert_types(cfg.verify_key(hs.session))
        if types != [mc.CERT_TYPE_X509]:
            exts.append((mh.EXT_SERVER_CERTIFICATE_TYPE, mc.write_cert_type_list(types)))

    def _send_client_hello(self, now_ms):
        hs = self.hs
        msg = self._message(fr.CLIENT_HELLO, mh.write_client_hello(hs.client_hello))
        hs.transcript = [msg]   # RFC 6347 §4.2.6: the hello before a HelloVerifyRequest is not hashed
        self._new_flight([(CT_HANDSHAKE, 0, msg)], now_ms)

    def start_server(self, session, ch, body, msg_seq, record_seq, now_ms):
        """Begin with a ClientHello whose cookie the Context verified (statelessly)."""
        cfg = self.cfg
        hs = self.hs = _Handshake(cfg, session, now_ms, msg_seq + 1)
        hs.send_seq = msg_seq      # ServerHello takes the ClientHello's message_seq
        hs.seq0 = record_seq       # and records continue from its record sequence number
        hs.rx_hi = msg_seq         # a re-sent ClientHello re-sends our first flight
        hs.transcript.append(fr.message(fr.CLIENT_HELLO, msg_seq, body))
        self._goto(_S_AWAIT_CLIENT_HELLO)
        try:
            self._goto(self._s_client_hello(ch, now_ms))
        except Fault as f:
            self._fail(f.alert)
        except Exception as e:  # noqa: B902 -- same safety net as handle_datagram
            self._internal_error(e)

    # --- input ------------------------------------------------------------------------------

    def handle_datagram(self, data, now_ms):
        """Process every record of one datagram. Never raises for anything the peer sent."""
        pos = 0
        n = len(data)
        if self.hs is not None:
            self.hs.peer_retransmitted = False
        while pos < n and self.state != CLOSED:
            h = parse_header(data, pos)
            if h is None or pos + HEADER_LEN + h[4] > n:
                self.cfg.stats['dropped'] += 1    # truncated: the rest of the datagram is lost
                break
            try:
                self._record(h[0], h[1], h[2], h[3], data, pos, h[4], now_ms)
            except Fault as f:
                self._fail(f.alert)
            except Exception as e:  # noqa: B902 -- the safety net of "peer input never raises"
                # A bug of ours, an exception from the application's get_psk_info, or the heap
                # running out must not escape into the application's receive loop: fail this
                # peer, count it (MemoryError apart: a device's most likely failure).
                if _DEBUG:
                    print('dtls internal error', repr(e))
                self._internal_error(e)
            pos += HEADER_LEN + h[4]
        hs = self.hs
        if hs is not None and hs.peer_retransmitted and hs.flight:
            # RFC 6347 §4.2.4: the peer re-sent its previous flight, so ours was lost. A
            # repeated flight arrives as a burst of datagrams (one per record or fragment, maybe
            # duplicated): answer the burst once, not every datagram of it, or each side's
            # answers multiply the other's (a fragmented flight over a duplicating link: 50x).
            # The same holds for a repeat that crosses our own (re)sending of the flight.
            if hs.sent_ms is None or now_ms - hs.sent_ms >= self.cfg.resend_gap_ms:
                hs.sent_ms = now_ms
                self._send_flight()

    def _record(self, ctype, version, epoch, seq, data, pos, length, now_ms):
        if version != record.DTLS12 and version != record.DTLS10:
            self.cfg.stats['dropped'] += 1
            return
        if epoch == 0:
            p = pos + HEADER_LEN
            buf, end = data, p + length
            if self.state == CONNECTED:
                # Unauthenticated bytes can never end an established session: only copies of
                # the peer's last flight are looked at, and anything malformed is dropped.
                try:
                    if ctype == CT_HANDSHAKE:
                        self._after_handshake(buf, p, end, 0)
                    else:
                        self.cfg.stats['dropped'] += 1
                except Fault:
                    self.cfg.stats['dropped'] += 1
                return
        else:
            if self.rd is None or epoch != 1:
                self.cfg.stats['dropped'] += 1    # future or past epoch: retransmission fixes it
                return
            if not record.replay_ok(self.rec, self.rd_seq, seq):
                self.cfg.stats['replayed'] += 1
                return
            buf = self.cfg.rxbuf
            m = record.open_into(self.rd, self.suite, self.rec, data, pos, length, buf)
            if m < 0:
                self.cfg.stats['bad_mac'] += 1    # dropped and counted, never fatal
                return
            self.rd_seq = record.mark(self.rec, self.rd_seq, seq)
            p, end = 0, m
        if ctype == CT_HANDSHAKE:
            self._handshake_record(buf, p, end, epoch, now_ms)
        elif ctype == CT_APPLICATION_DATA:
            self._app_record(buf, p, end, epoch)
        elif ctype == CT_ALERT:
            self._alert_record(buf, p, end, epoch)
        elif ctype == CT_CHANGE_CIPHER_SPEC:
            self._ccs_record(buf, p, end, epoch)
        else:
            self.cfg.stats['dropped'] += 1        # RFC 5246 §6: unknown types are ignored

    def _app_record(self, buf, p, end, epoch):
        if self.state != CONNECTED or epoch == 0:
            self.cfg.stats['dropped'] += 1        # RFC 6347 §4.1: never accept data in epoch 0
            return
        if self.hs is not None:
            self.hs = None    # the peer has our last flight: the handshake is truly over
        self._emit(OUT_APP, bytes(memoryview(buf)[p:end]))    # one copy, not bytearray + bytes

    def _alert_record(self, buf, p, end, epoch):
        level, desc = mf.parse_alert(buf, p, end - p)
        self._emit(OUT_EVENT, level, desc)
        if desc == errors.CLOSE_NOTIFY:
            if self.state == CONNECTED:           # RFC 5246 §7.2.1: answer with close_notify
                self._send_alert(errors.LEVEL_WARNING, errors.CLOSE_NOTIFY)
            self._goto(CLOSED)
        elif level != errors.LEVEL_WARNING:
            self._goto(CLOSED)

    def _ccs_record(self, buf, p, end, epoch):
        mf.parse_change_cipher_spec(buf, p, end - p)
        hs = self.hs
        if epoch != 0 or hs is None or hs.pending_read is None or hs.reasm.busy():
            # Early (reordered before the messages it follows) or a stale copy: drop it, the
            # peer's retransmission brings it again in order.
            self.cfg.stats['dropped'] += 1
            return
        if self.state == _C_AWAIT_SERVER_CCS:
            nxt = _C_AWAIT_SERVER_FINISHED
        elif self.state == _S_AWAIT_CLIENT_CCS:
            nxt = _S_AWAIT_CLIENT_FINISHED
        else:
            self.cfg.stats['dropped'] += 1
            return
        self.rd = hs.pending_read
        self.rd_seq = -1
        hs.pending_read = None
        self._goto(nxt)

    def _handshake_record(self, buf, p, end, epoch, now_ms):
        hs = self.hs
        if hs is None or self.state == CONNECTED:
            self._after_handshake(buf, p, end, epoch)
            return
        while p < end:
            try:
                mt, length, seq, off, flen = parse_fragment(buf, p, end)
            except Fault:
                # Broken framing is an invalid record: discarded, not fatal (RFC 6347
                # §4.1.2.7), so one forged or damaged datagram cannot end a handshake.
                self.cfg.stats['dropped'] += 1
                break
            # Finished is the only message protected by the new epoch (RFC 5246 §7.4.9).
            if (mt == fr.FINISHED) == (epoch != 0):
                got = hs.reasm.add(mt, length, seq, off, flen, buf, p + HS_HEADER_LEN)
                if got == 0 and hs.rx_lo <= seq < hs.rx_hi:
                    # A message of the peer flight our current flight answers: it was lost.
                    hs.peer_retransmitted = True
            else:
                self.cfg.stats['dropped'] += 1
            p += HS_HEADER_LEN + flen
        while self.hs is not None and self.state != CONNECTED:
            msg = self.hs.reasm.pop()
            if msg is None:
                break
            self._on_message(msg[0], msg[1], msg[2], now_ms)

    def _after_handshake(self, buf, p, end, epoch):
        """Handshake fragments on an established session. A copy of the peer's last flight
        means our last flight was lost (re-sent while we keep it); a new handshake is
        renegotiation, refused with a no_renegotiation warning (RFC 5246 §7.2.2, RFC 5746
        §4.4/§4.5); anything else is ignored."""
        hs = self.hs
        while p < end:
            mt, length, seq, off, flen = parse_fragment(buf, p, end)
            p += HS_HEADER_LEN + flen
            if hs is not None and hs.rx_lo <= seq < hs.rx_hi:
                hs.peer_retransmitted = True
            elif epoch != 0 and ((self.is_client and mt == fr.HELLO_REQUEST)
                                 or (not self.is_client and mt == fr.CLIENT_HELLO)):
                self._send_alert(errors.LEVEL_WARNING, errors.NO_RENEGOTIATION)
                return
            else:
                self.cfg.stats['dropped'] += 1

    def _on_message(self, msg_type, seq, body, now_ms):
        hs = self.hs
        if msg_type == fr.HELLO_REQUEST and self.is_client:
            return      # RFC 5246 §7.4.1.1: ignored while a handshake is under way
        if msg_type != fr.HELLO_VERIFY_REQUEST and msg_type != fr.HELLO_REQUEST:
            hs.transcript.append(fr.message(msg_type, seq, body))
        handler = _HANDLERS.get(self.state)
        if handler is None:
            raise Fault(errors.UNEXPECTED_MESSAGE, 'no message expected')
        self._goto(handler(self, msg_type, body, now_ms))

    # --- client handlers (in protocol order) -----------------------------------------------

    def _c_server_hello(self, mt, body, now_ms):
        hs = self.hs
        if mt == fr.HELLO_VERIFY_REQUEST:
            # RFC 6347 §4.2.1: accept {254,255} or {254,253}; re-send the hello with the cookie.
            version, cookie = mh.parse_hello_verify_request(body)
            if version != record.DTLS10 and version != record.DTLS12:
                raise Fault(errors.PROTOCOL_VERSION, 'HelloVerifyRequest version')
            hs.client_hello.cookie = cookie
            self._send_client_hello(now_ms)
            return _C_AWAIT_SERVER_HELLO
        if mt != fr.SERVER_HELLO:
            raise Fault(errors.UNEXPECTED_MESSAGE, 'expected ServerHello')
        sh = mh.parse_server_hello(body)
        if sh.server_version != record.DTLS12:
            raise Fault(errors.PROTOCOL_VERSION, 'server_version')
        suite = st.by_code(sh.cipher_suite)
        if (suite is None or sh.cipher_suite not in hs.client_hello.cipher_suites
                or sh.compression_method != 0):
            raise Fault(errors.ILLEGAL_PARAMETER, 'cipher_suite/compression not offered')
        self._c_check_extensions(sh.extensions)
        hs.server_random = sh.random
        self.suite = suite
        if suite[2] == st.KX_ECDHE_ECDSA:
            self._c_cert_types(sh.extensions)
            return _C_AWAIT_CERTIFICATE
        return _C_AWAIT_SERVER_KEY_EXCHANGE

    def _c_cert_types(self, exts):
        """RFC 7250 §4.2: the types the server selected must be ones we offered; an absent
        server_certificate_type means X.509, an absent client_certificate_type that the server
        will not ask for our certificate (or takes X.509: without a chain we then send none)."""
        from dtls_lite import auth
        from dtls_lite import msg_cert as mc
        hs = self.hs
        ours = mh.find_ext(hs.client_hello.extensions, mh.EXT_SERVER_CERTIFICATE_TYPE)
        got = mh.find_ext(exts, mh.EXT_SERVER_CERTIFICATE_TYPE)
        hs.peer_type = auth.check_cert_type(None if got is None else mc.parse_cert_type(got),
                                            None if ours is None else mc.parse_cert_type_list(ours))
        got = mh.find_ext(exts, mh.EXT_CLIENT_CERTIFICATE_TYPE)
        if got is not None:    # only if we offered it (unsolicited extensions already refused)
            ours = mh.find_ext(hs.client_hello.extensions, mh.EXT_CLIENT_CERTIFICATE_TYPE)
            hs.own_type = auth.check_cert_type(mc.parse_cert_type(got), mc.parse_cert_type_list(ours))

    def _c_certificate(self, mt, body, now_ms):
        if mt != fr.CERTIFICATE:
            raise Fault(errors.UNEXPECTED_MESSAGE, 'expected Certificate')
        from dtls_lite import msg_cert as mc
        hs = self.hs
        cfg = self.cfg
        entries = mc.parse_certificate(body, hs.peer_type)
        # RFC 5246 §7.4.2 / RFC 7250: the server's chain or raw key; Fault(alert) if refused.
        self.identity = cfg.peer_auth(True).authenticate(
            hs.peer_type, entries, cfg.verify_key(hs.session), cfg.server_name)
        return _C_AWAIT_SERVER_KEY_EXCHANGE

    def _c_check_extensions(self, exts):
        hs = self.hs
        for t, data in exts:
            # RFC 5246 §7.4.1.4: only extensions the client offered may appear.
            if mh.find_ext(hs.client_hello.extensions, t) is None:
                raise Fault(errors.UNSUPPORTED_EXTENSION, 'unsolicited extension')
        ems = mh.find_ext(exts, mh.EXT_EXTENDED_MASTER_SECRET)
        if ems is not None and len(ems):
            raise Fault(errors.DECODE_ERROR, 'extended_master_secret not empty')
        hs.ems = ems is not None
        if self.cfg.require_ems and not hs.ems:
            raise Fault(errors.HANDSHAKE_FAILURE, 'extended master secret required (RFC 7627)')
        ri = mh.find_ext(exts, mh.EXT_RENEGOTIATION_INFO)
        if ri is not None and mh.parse_renegotiation_info(ri) != b'':
            raise Fault(errors.HANDSHAKE_FAILURE, 'renegotiation_info not empty (RFC 5746 §3.4)')
        pf = mh.find_ext(exts, mh.EXT_EC_POINT_FORMATS)
        if pf is not None and not mh.has_uncompressed_points(pf):
            raise Fault(errors.ILLEGAL_PARAMETER, 'no uncompressed points (RFC 8422 §5.1.2)')

    def _c_server_key_exchange(self, mt, body, now_ms):
        kx = self.suite[2]
        if mt == fr.SERVER_HELLO_DONE and kx == st.KX_PSK:
            # RFC 4279 §2: without an identity hint the server may omit ServerKeyExchange.
            return self._c_server_hello_done(mt, body, now_ms)
        if mt != fr.SERVER_KEY_EXCHANGE:
            raise Fault(errors.UNEXPECTED_MESSAGE, 'expected ServerKeyExchange')
        hs = self.hs
        if kx == st.KX_ECDHE_ECDSA:
            return self._c_signed_key_exchange(body)
        hs.hint, group, point = mk.parse_server_key_exchange(body, kx == st.KX_ECDHE_PSK)
        if kx == st.KX_ECDHE_PSK:
            if group not in self.cfg.groups or not st.group_point_ok(group, point):
                raise Fault(errors.ILLEGAL_PARAMETER, 'group not offered or bad point')
            hs.group, hs.peer_point = group, point
        return _C_AWAIT_SERVER_HELLO_DONE

    def _c_signed_key_exchange(self, body):
        """ECDHE_ECDSA: the server's ephemeral key, signed by the key of its Certificate."""
        from dtls_lite import auth
        from dtls_lite import msg_cert as mc
        hs = self.hs
        group, point, params, alg, sig = mc.parse_server_key_exchange(body)
        if group not in self.cfg.advertised_groups() or not st.group_point_ok(group, point):
            raise Fault(errors.ILLEGAL_PARAMETER, 'group not offered or bad point')
        # RFC 8422 §5.4: signed over client_random + server_random + params; decrypt_error if not
        auth.verify_server_params(self.identity.public_key, auth.SIGNATURE_ALGORITHMS, alg, sig,
                                  hs.client_random, hs.server_random, params)
        hs.group, hs.peer_point = group, point
        return _C_AWAIT_CERTIFICATE_REQUEST

    def _c_certificate_request(self, mt, body, now_ms):
        if mt == fr.SERVER_HELLO_DONE:
            return self._c_server_hello_done(mt, body, now_ms)
        if mt != fr.CERTIFICATE_REQUEST:
            raise Fault(errors.UNEXPECTED_MESSAGE, 'expected CertificateRequest')
        from dtls_lite import msg_cert as mc
        self.hs.cert_request = mc.parse_certificate_request(body)
        return _C_AWAIT_SERVER_HELLO_DONE

    def _c_server_hello_done(self, mt, body, now_ms):
        if mt != fr.SERVER_HELLO_DONE:
            raise Fault(errors.UNEXPECTED_MESSAGE, 'expected ServerHelloDone')
        mh.parse_empty(body)
        hs = self.hs
        if self.suite[2] == st.KX_ECDHE_ECDSA:
            flight = self._c_ecdsa_key_exchange()
        else:
            flight = self._c_psk_key_exchange()
        fin = self._message(fr.FINISHED, self._finished(b'client finished'))
        hs.transcript.append(fin)
        flight.append((CT_CHANGE_CIPHER_SPEC, 0, mf.CCS_PAYLOAD))
        flight.append((CT_HANDSHAKE, 1, fin))
        self._new_flight(flight, now_ms)
        return _C_AWAIT_SERVER_CCS

    def _c_psk_key_exchange(self):
        hs = self.hs
        identity = self.cfg.get_psk(self.hs.session, PSK_IDENTITY, hs.hint)
        if identity is None or len(identity) > mk.MAX_IDENTITY_LEN:
            raise Fault(errors.HANDSHAKE_FAILURE, 'no PSK identity for this server')
        psk = self._psk(identity, errors.HANDSHAKE_FAILURE)
        point = None
        if self.suite[2] == st.KX_ECDHE_PSK:
            mod = st.group_module(hs.group)
            hs.private, point = mod.generate_key(self.cfg.rng)
        cke = self._message(fr.CLIENT_KEY_EXCHANGE, mk.write_client_key_exchange(identity, point))
        hs.transcript.append(cke)
        self._derive_keys(psk)
        return [(CT_HANDSHAKE, 0, cke)]

    def _c_ecdsa_key_exchange(self):
        """[Certificate,] ClientKeyExchange[, CertificateVerify]: the certificate messages only
        when the server asked (RFC 5246 §7.4.6), CertificateVerify only with a key to prove."""
        from dtls_lite import auth
        from dtls_lite import msg_cert as mc
        hs = self.hs
        out = []
        alg = None
        if hs.cert_request is not None:
            entries, alg = auth.answer_request(hs.creds, hs.cert_request, hs.own_type)
            msg = self._message(fr.CERTIFICATE, mc.write_certificate(entries, hs.own_type))
            hs.transcript.append(msg)
            out.append((CT_HANDSHAKE, 0, msg))
        hs.private, point = st.group_module(hs.group).generate_key(self.cfg.rng)
        cke = self._message(fr.CLIENT_KEY_EXCHANGE, mc.write_client_key_exchange(point))
        hs.transcript.append(cke)
        out.append((CT_HANDSHAKE, 0, cke))
        self._derive_keys(None)   # EMS session hash: through ClientKeyExchange (RFC 7627 §3)
        if alg is not None:
            # RFC 5246 §7.4.8: signs every handshake message so far, with the alg's hash
            cv = self._message(fr.CERTIFICATE_VERIFY,
                               auth.sign_transcript(hs.creds, alg, hs.transcript, None,
                                                    self.cfg.rng))
            hs.transcript.append(cv)
            out.append((CT_HANDSHAKE, 0, cv))
        hs.creds = None
        return out

    def _c_server_finished(self, mt, body, now_ms):
        if mt != fr.FINISHED:
            raise Fault(errors.UNEXPECTED_MESSAGE, 'expected Finished')
        self._check_finished(body, b'server finished')
        self.hs = None          # the server sent the last flight: nothing left to re-send
        return CONNECTED

    # --- server handlers (in protocol order) -------------------------------------------------

    def _s_client_hello(self, ch, now_ms):
        hs = self.hs
        cfg = self.cfg
        # DTLS versions count down: {254,253} is 1.2, {254,255} is 1.0 (RFC 6347 §4.1).
        if ch.client_version > record.DTLS12:
            raise Fault(errors.PROTOCOL_VERSION, 'client offers only DTLS 1.0')
        if 0 not in ch.compression_methods:
            raise Fault(errors.ILLEGAL_PARAMETER, 'null compression missing')
        hs.client_random = ch.random
        self.hello_tag = hello_tag(ch.random, 0)
        ri = mh.find_ext(ch.extensions, mh.EXT_RENEGOTIATION_INFO)
        if ri is not None and mh.parse_renegotiation_info(ri) != b'':
            raise Fault(errors.HANDSHAKE_FAILURE, 'renegotiation_info not empty (RFC 5746 §3.6)')
        secure_reneg = ri is not None or st.EMPTY_RENEGOTIATION_INFO_SCSV in ch.cipher_suites
        hs.ems = mh.find_ext(ch.extensions, mh.EXT_EXTENDED_MASTER_SECRET) is not None
        if cfg.require_ems and not hs.ems:
            raise Fault(errors.HANDSHAKE_FAILURE, 'extended master secret required (RFC 7627)')
        self.suite = self._s_choose_suite(ch)
        hs.server_random = cfg.rng(mh.RANDOM_LEN)
        exts = []
        if secure_reneg:
            exts.append((mh.EXT_RENEGOTIATION_INFO, mh.write_renegotiation_info()))
        if hs.ems:
            exts.append((mh.EXT_EXTENDED_MASTER_SECRET, b''))
        pf = mh.find_ext(ch.extensions, mh.EXT_EC_POINT_FORMATS)
        if hs.group is not None and pf is not None:
            if not mh.has_uncompressed_points(pf):
                raise Fault(errors.ILLEGAL_PARAMETER, 'no uncompressed points (RFC 8422 §5.1.2)')
            exts.append((mh.EXT_EC_POINT_FORMATS, b'\x01\x00'))
        ecdsa = self.suite[2] == st.KX_ECDHE_ECDSA
        if ecdsa:
            self._s_cert_type_extensions(ch, exts)
        sh = mh.ServerHello(random=hs.server_random, cipher_suite=self.suite[0], extensions=exts)
        flight = [self._message(fr.SERVER_HELLO, mh.write_server_hello(sh))]
        if ecdsa:
            from dtls_lite import msg_cert as mc
            flight.append(self._message(fr.CERTIFICATE, mc.write_certificate(
                hs.creds.entries(hs.own_type), hs.own_type)))
        ske = self._s_server_key_exchange()
        if ske is not None:
            flight.append(self._message(fr.SERVER_KEY_EXCHANGE, ske))
        if hs.cert_request:
            from dtls_lite import auth
            flight.append(self._message(fr.CERTIFICATE_REQUEST, auth.write_certificate_request()))
        flight.append(self._message(fr.SERVER_HELLO_DONE, b''))
        hs.creds = None
        for m in flight:
            hs.transcript.append(m)
        self._new_flight([(CT_HANDSHAKE, 0, m) for m in flight], now_ms)
        return _S_AWAIT_CLIENT_CERTIFICATE if hs.cert_request else _S_AWAIT_CLIENT_KEY_EXCHANGE

    def _s_cert_type_extensions(self, ch, exts):
        # RFC 7250 §4.2: echo the selected types, each only if the client sent that extension
        # (client_certificate_type only when we ask for a certificate).
        from dtls_lite import msg_cert as mc
        hs = self.hs
        if mh.find_ext(ch.extensions, mh.EXT_SERVER_CERTIFICATE_TYPE) is not None:
            exts.append((mh.EXT_SERVER_CERTIFICATE_TYPE, mc.write_cert_type(hs.own_type)))
        if hs.cert_request and mh.find_ext(ch.extensions, mh.EXT_CLIENT_CERTIFICATE_TYPE) is not None:
            exts.append((mh.EXT_CLIENT_CERTIFICATE_TYPE, mc.write_cert_type(hs.peer_type)))

    def _s_choose_suite(self, ch):
        """Our preference order (RFC 5246 §7.4.1.3: the server selects); ECDHE suites only
        with a group both sides have (RFC 8422 §5.1.1; no supported_groups: secp256r1)."""
        data = mh.find_ext(ch.extensions, mh.EXT_SUPPORTED_GROUPS)
        offered = mh.parse_supported_groups(data) if data is not None else [st.GROUP_SECP256R1]
        group = None
        for g in self.cfg.groups:
            if g in offered:
                group = g
                break
        ecdsa = None        # 0 when the ECDHE_ECDSA suites can be served, else the alert why not
        for suite in self.cfg.suites:
            if suite[0] in ch.cipher_suites:
                if suite[2] != st.KX_PSK:
                    if group is None:
                        continue
                    if suite[2] == st.KX_ECDHE_ECDSA:
                        if ecdsa is None:
                            ecdsa = self._s_ecdsa_setup(ch, offered)
                        if ecdsa:
                            continue
                    self.hs.group = group
                return suite
        # RFC 7250 §4.2: no certificate type in common is unsupported_certificate.
        raise Fault(ecdsa or errors.HANDSHAKE_FAILURE, 'no cipher suite in common')

    def _s_ecdsa_setup(self, ch, groups):
        """Whether we can serve ECDHE_ECDSA to this client: 0, with our credentials, signature
        algorithm and the RFC 7250 certificate types chosen; else the alert that says why not."""
        from dtls_lite import auth
        from dtls_lite import msg_cert as mc
        hs = self.hs
        cfg = self.cfg
        creds = cfg.credentials(hs.session)
        # RFC 8422 §5.3: our certificate's key must be on a curve the client listed
        if creds is None or st.curve_group(creds.key.curve) not in groups:
            return errors.HANDSHAKE_FAILURE
        data = mh.find_ext(ch.extensions, mh.EXT_SIGNATURE_ALGORITHMS)
        hs.sig_alg = creds.choose_sig_alg(None if data is None else mc.parse_signature_algorithms(data))
        if hs.sig_alg is None:
            return errors.HANDSHAKE_FAILURE
        data = mh.find_ext(ch.extensions, mh.EXT_SERVER_CERTIFICATE_TYPE)
        try:
            hs.own_type = auth.select_cert_type(
                None if data is None else mc.parse_cert_type_list(data), creds.cert_types())
        except Fault as f:
            return f.alert
        hs.creds = creds
        if cfg.request_client_cert or cfg.verify_ecdsa_key is not None:
            # tinydtls: a server with verify_ecdsa_key asks for the client's key
            data = mh.find_ext(ch.extensions, mh.EXT_CLIENT_CERTIFICATE_TYPE)
            types = cfg.peer_auth(False).cert_types(cfg.verify_key(hs.session))
            try:
                hs.peer_type = auth.select_cert_type(
                    None if data is None else mc.parse_cert_type_list(data), types)
                hs.cert_request = True
            except Fault as f:
                if cfg.require_client_cert:
                    return f.alert
        return 0

    def _s_server_key_exchange(self):
        """The ServerKeyExchange body, or None when plain PSK has no hint to send."""
        hs = self.hs
        if self.suite[2] == st.KX_ECDHE_ECDSA:
            from dtls_lite import auth
            from dtls_lite import msg_cert as mc
            hs.private, point = st.group_module(hs.group).generate_key(self.cfg.rng)
            # RFC 8422 §5.4: params signed over both randoms with our certificate's key
            return auth.sign_server_params(hs.creds, hs.sig_alg, hs.client_random,
                                           hs.server_random, mc.write_ecdh_params(hs.group, point),
                                           self.cfg.rng)
        hint = self.cfg.get_psk(self.hs.session, PSK_HINT, None) or b''
        if len(hint) > mk.MAX_IDENTITY_LEN:
            hint = b''
        if self.suite[2] == st.KX_PSK:
            return mk.write_server_key_exchange(hint) if hint else None
        hs.private, point = st.group_module(hs.group).generate_key(self.cfg.rng)
        return mk.write_server_key_exchange(hint, hs.group, point)

    def _s_client_certificate(self, mt, body, now_ms):
        if mt != fr.CERTIFICATE:
            raise Fault(errors.UNEXPECTED_MESSAGE, 'expected Certificate')
        from dtls_lite import msg_cert as mc
        hs = self.hs
        cfg = self.cfg
        entries = mc.parse_certificate(body, hs.peer_type)
        if not entries and not cfg.require_client_cert:
            # RFC 5246 §7.4.6: the server MAY go on without client authentication
            return _S_AWAIT_CLIENT_KEY_EXCHANGE
        self.identity = cfg.peer_auth(False).authenticate(hs.peer_type, entries,
                                                          cfg.verify_key(hs.session))
        return _S_AWAIT_CLIENT_KEY_EXCHANGE

    def _s_client_key_exchange(self, mt, body, now_ms):
        if mt != fr.CLIENT_KEY_EXCHANGE:
            raise Fault(errors.UNEXPECTED_MESSAGE, 'expected ClientKeyExchange')
        hs = self.hs
        if self.suite[2] == st.KX_ECDHE_ECDSA:
            from dtls_lite import msg_cert as mc
            point = mc.parse_client_key_exchange(body)
            if not st.group_point_ok(hs.group, point):
                raise Fault(errors.ILLEGAL_PARAMETER, 'bad public point')
            hs.peer_point = point
            self._derive_keys(None)
            # RFC 5246 §7.4.8: a client that sent a certificate proves its key next
            return _S_AWAIT_CERTIFICATE_VERIFY if self.identity is not None else _S_AWAIT_CLIENT_CCS
        ecdhe = self.suite[2] == st.KX_ECDHE_PSK
        identity, point = mk.parse_client_key_exchange(body, ecdhe)
        if ecdhe:
            if not st.group_point_ok(hs.group, point):
                raise Fault(errors.ILLEGAL_PARAMETER, 'bad public point')
            hs.peer_point = point
        # RFC 4279 §2: an identity the server does not know is unknown_psk_identity.
        psk = self._psk(identity, errors.UNKNOWN_PSK_IDENTITY)
        self._derive_keys(psk)
        return _S_AWAIT_CLIENT_CCS

    def _s_certificate_verify(self, mt, body, now_ms):
        if mt != fr.CERTIFICATE_VERIFY:
            raise Fault(errors.UNEXPECTED_MESSAGE, 'expected CertificateVerify')
        from dtls_lite import auth
        hs = self.hs
        # over every message before this one (the transcript already holds it); decrypt_error
        auth.verify_transcript(self.identity.public_key, auth.SIGNATURE_ALGORITHMS, body,
                               hs.transcript, len(hs.transcript) - 1)
        return _S_AWAIT_CLIENT_CCS

    def _s_client_finished(self, mt, body, now_ms):
        if mt != fr.FINISHED:
            raise Fault(errors.UNEXPECTED_MESSAGE, 'expected Finished')
        self._check_finished(body, b'client finished')
        hs = self.hs
        fin = self._message(fr.FINISHED, self._finished(b'server finished'))
        self._new_flight([(CT_CHANGE_CIPHER_SPEC, 0, mf.CCS_PAYLOAD), (CT_HANDSHAKE, 1, fin)],
                         now_ms)
        # Last flight: no timer (RFC 6347 §4.2.4); kept only to answer a retransmitting client.
        hs.timer.finish()
        hs.transcript = None
        hs.master = None
        hs.expires = now_ms + self.cfg.linger_ms
        return CONNECTED

    # --- key schedule --------------------------------------------------------------------------

    def _psk(self, identity, alert):
        psk = self.cfg.get_psk(self.hs.session, PSK_KEY, identity)
        if psk is None or len(psk) > MAX_PSK_LEN:
            raise Fault(alert, 'no key for this PSK identity')
        self.identity = bytes(identity)
        return psk

    def _derive_keys(self, psk):
        """Premaster -> master (EMS: over the transcript through ClientKeyExchange) -> keys."""
        hs = self.hs
        s = self.suite
        if s[2] == st.KX_PSK:
            premaster = keys.psk_premaster(psk)
        else:
            try:
                z = st.group_module(hs.group).ecdh(hs.private, hs.peer_point)
            except ValueError:
                raise Fault(errors.ILLEGAL_PARAMETER, 'invalid ECDH public value')
            hs.private = None
            # RFC 8422 §5.10: ECDHE_ECDSA's premaster secret is the shared x-coordinate
            premaster = z if s[2] == st.KX_ECDHE_ECDSA else keys.ecdhe_psk_premaster(z, psk)
        h = st.prf_hash(s)
        session_hash = keys.transcript_hash(hs.transcript, None, h) if hs.ems else None
        hs.master = keys.master_secret(premaster, hs.client_random, hs.server_random,
                                       session_hash, h)
        ckey, skey, civ, siv = keys.key_block(hs.master, hs.client_random, hs.server_random,
                                              s[4], s[5], h)
        from dtls_lite.crypto import aead
        lean = self.cfg.lean
        if self.is_client:
            self.rec = record.new_rec(siv, civ)
            hs.pending_write = aead.new(s[3], ckey, lean)
            hs.pending_read = aead.new(s[3], skey, lean)
        else:
            self.rec = record.new_rec(civ, siv)
            hs.pending_write = aead.new(s[3], skey, lean)
            hs.pending_read = aead.new(s[3], ckey, lean)

    def _finished(self, label):
        """Our verify_data over every message so far (RFC 5246 §7.4.9)."""
        h = st.prf_hash(self.suite)
        return keys.verify_data(self.hs.master, label,
                                keys.transcript_hash(self.hs.transcript, None, h), h)

    def _check_finished(self, body, label):
        hs = self.hs
        got = mf.parse_finished(body)
        n = len(hs.transcript) - 1        # the transcript up to, not including, this Finished
        h = st.prf_hash(self.suite)
        want = keys.verify_data(hs.master, label, keys.transcript_hash(hs.transcript, n, h), h)
        if not ct_equal(got, want):
            raise Fault(errors.DECRYPT_ERROR, 'bad Finished (RFC 5246 §7.4.9)')

    # --- output ------------------------------------------------------------------------------

    def _message(self, msg_type, body):
        hs = self.hs
        msg = fr.message(msg_type, hs.send_seq, body)
        hs.send_seq += 1
        return msg

    def _new_flight(self, flight, now_ms):
        hs = self.hs
        hs.flight = flight
        hs.rx_lo, hs.rx_hi = hs.rx_hi, hs.reasm.next_seq
        if hs.pending_write is not None:
            # This flight carries our ChangeCipherSpec: from here on we write in epoch 1
            # (alerts included; before it, the peer could not read them).
            self.wr = hs.pending_write
            self.wr_seq = 0
            hs.pending_write = None
        hs.sent_ms = now_ms
        self._send_flight()
        hs.timer.start(now_ms)

    def _put_record(self, buf, off, ctype, epoch, payload):
        if epoch == 0:
            hs = self.hs
            seq = hs.seq0
            hs.seq0 = seq + 1
            return write_plain(buf, off, ctype, 0, seq, payload)
        end = record.seal(self.wr, self.suite, self.rec, self.wr_seq, buf, off, ctype, payload)
        if end > 0:
            self.wr_seq += 1
        return end

    def _send_flight(self):
        """Serialize the flight into datagrams of at most max_datagram bytes: several records
        per datagram, messages fragmented to fit, fresh record sequence numbers each time
        (RFC 6347 §4.2.4). With cfg.coalesce_handshake, consecutive epoch-0 handshake messages
        share one record (RFC 6347 §4.2.3 allows it; saves 13 bytes a message); off by
        default because tinydtls 0.8.6 answers such a record with handshake_failure."""
        buf = self.cfg.txbuf
        mtu = self.cfg.max_datagram
        coalesce = self.cfg.coalesce_handshake
        off = 0
        pend = None                     # epoch-0 handshake fragments gathered for one record
        for ctype, epoch, payload in self.hs.flight:
            gather = coalesce and ctype == CT_HANDSHAKE and epoch == 0
            if pend is not None and not gather:
                off = self._put_record(buf, off, CT_HANDSHAKE, 0, pend)
                pend = None
            ovh = record.overhead(self.suite) if epoch else HEADER_LEN
            if ctype != CT_HANDSHAKE:
                if off + ovh + len(payload) > mtu:
                    off = self._flush(buf, off)
                off = self._put_record(buf, off, ctype, epoch, payload)
                continue
            total = len(payload) - HS_HEADER_LEN
            done = 0
            while True:
                room = mtu - off - ovh - (len(pend) if pend is not None else 0) - HS_HEADER_LEN
                if payload[0] == fr.CLIENT_HELLO:
                    # Never fragmented: a server answers the hello statelessly and so needs
                    # it in one piece (RFC 6347 §4.2.1); ours stays well under 200 bytes.
                    room = max(room, total)
                left = total - done
                if (off or pend is not None) and (room <= 0 or (room < left and room < _MIN_FRAGMENT)):
                    if pend is not None:
                        off = self._put_record(buf, off, CT_HANDSHAKE, 0, pend)
                        pend = None
                    off = self._flush(buf, off)
                    continue
                size = min(left, room)
                frag = fr.fragment(payload, done, size)
                if gather:
                    pend = frag if pend is None else pend + frag
                else:
                    off = self._put_record(buf, off, CT_HANDSHAKE, epoch, frag)
                done += size
                if done >= total:
                    break
        if pend is not None:
            off = self._put_record(buf, off, CT_HANDSHAKE, 0, pend)
        self._flush(buf, off)

    def _flush(self, buf, off):
        if off:
            self._emit(OUT_DATAGRAM, bytes(memoryview(buf)[:off]))    # one copy, not two
        return 0

    def _send_alert(self, level, desc):
        wr = self.wr
        if wr is None and self.hs is None:
            return
        buf = self.cfg.txbuf
        payload = mf.write_alert(level, desc)
        off = self._put_record(buf, 0, CT_ALERT, 1 if wr is not None else 0, payload)
        if off > 0:
            self._emit(OUT_DATAGRAM, bytes(memoryview(buf)[:off]))    # one copy, not two

    def seal_app(self, data):
        """One application_data record of `data` in the shared send buffer: a memoryview valid
        until the next send (the Context hands it straight to the write callback)."""
        cfg = self.cfg
        off = record.seal(self.wr, self.suite, self.rec, self.wr_seq, cfg.txbuf, 0,
                          CT_APPLICATION_DATA, data, cfg.txtail[1 if self.suite[6] else 0])
        if off < 0:
            return None
        self.wr_seq += 1
        return cfg.txview[:off]

    def max_app_payload(self):
        return self.cfg.max_datagram - record.overhead(self.suite)

    def close(self):
        """Send close_notify (RFC 5246 §7.2.1) if established, and close."""
        if self.state == CONNECTED:
            self._send_alert(errors.LEVEL_WARNING, errors.CLOSE_NOTIFY)
        if self.state != CLOSED:
            self._goto(CLOSED)

    # --- time ----------------------------------------------------------------------------------

    def handle_timeout(self, now_ms):
        hs = self.hs
        if hs is None or self.state == CLOSED:
            return
        if now_ms >= hs.expires:
            if self.state == CONNECTED:
                self.hs = None                  # linger over: forget the last flight
            else:
                self.cfg.stats['expired'] += 1  # a stalled handshake
                self._goto(CLOSED)
            return
        if hs.timer.expired(now_ms):
            if hs.timer.back_off(now_ms):
                hs.sent_ms = now_ms
                self._send_flight()
            else:
                self.cfg.stats['expired'] += 1
                self._goto(CLOSED)

    def deadline(self):
        hs = self.hs
        if hs is None or self.state == CLOSED:
            return None
        d = hs.timer.deadline
        if d is None or hs.expires < d:
            return hs.expires
        return d


def hello_tag(data, pos):
    """30 bits of a ClientHello random at data[pos:] (a small int even on 32-bit boards)."""
    return ((data[pos] & 0x3f) << 24) | (data[pos + 1] << 16) | (data[pos + 2] << 8) | data[pos + 3]



_HANDLERS = {
    _C_AWAIT_SERVER_HELLO: Engine._c_server_hello,
    _C_AWAIT_CERTIFICATE: Engine._c_certificate,
    _C_AWAIT_SERVER_KEY_EXCHANGE: Engine._c_server_key_exchange,
    _C_AWAIT_CERTIFICATE_REQUEST: Engine._c_certificate_request,
    _C_AWAIT_SERVER_HELLO_DONE: Engine._c_server_hello_done,
    _C_AWAIT_SERVER_FINISHED: Engine._c_server_finished,
    _S_AWAIT_CLIENT_CERTIFICATE: Engine._s_client_certificate,
    _S_AWAIT_CLIENT_KEY_EXCHANGE: Engine._s_client_key_exchange,
    _S_AWAIT_CERTIFICATE_VERIFY: Engine._s_certificate_verify,
    _S_AWAIT_CLIENT_FINISHED: Engine._s_client_finished,
}
