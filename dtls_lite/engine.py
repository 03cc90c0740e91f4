"""The per-peer DTLS 1.2 engine, sans-IO: bytes and times in, datagrams and events out.

The part both roles share; client.py (ClientEngine: start_client and the client's handlers)
and server.py (ServerEngine: start_server and the server's; the stateless cookie exchange)
add the rest, each imported only by a Context that takes that role.

    handle_datagram(data, now_ms)   one received datagram (several records, several fragments)
    handle_timeout(now_ms)          retransmission timer, handshake expiry
    deadline()                      when handle_timeout wants to be called next (or None)
    seal_app(data)                  one application_data record, in the shared send buffer

Output goes to the shared list `cfg.out` as (kind, a, b) tuples (_OUT_DATAGRAM, _OUT_APP,
_OUT_EVENT; context.py mirrors these values); the Context drains it into the write/read/event
callbacks after each call, adding the session it called the engine for (the engine itself need
not remember it).

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
peer's identity (PSK identity, or the auth.PeerCert of its certificate or raw public key). The
handshake object (`hs`) is freed as soon as it cannot be needed: at once on the side that
receives the last flight; on the side that sent it (the server) at the first application record
from the peer or after `linger_ms`, since until then a lost last flight must be re-sent when the
peer retransmits (RFC 6347 §4.2.4).
"""
from dtls_lite.compat import const
from dtls_lite.errors import Fault, HandlerError
from dtls_lite import record
from dtls_lite.record import parse_header
from dtls_lite import fragment as fr
from dtls_lite.flight import FlightTimer
from dtls_lite import keys
from dtls_lite import msg_hello as mh
from dtls_lite import msg_finished as mf
from dtls_lite import suites as st
from dtls_lite.crypto.util import ct_equal

_DEBUG = const(False)

# Output kinds (context.py mirrors them, and _CONNECTED / _CLOSED, as its own private consts;
# test_host_dtls_consts checks they agree).
_OUT_DATAGRAM = const(0)
_OUT_APP = const(1)
_OUT_EVENT = const(2)             # the Context takes any other kind as an event

EVENT_CONNECT = const(0x01DC)     # tinydtls DTLS_EVENT_CONNECT
EVENT_CONNECTED = const(0x01DE)   # tinydtls DTLS_EVENT_CONNECTED
EVENT_CLOSED = const(0x01E0)      # ours: the peer is gone (closed, failed, expired)

PSK_HINT = const(0)               # tinydtls dtls_credentials_type_t
PSK_IDENTITY = const(1)
PSK_KEY = const(2)

# Longest PSK taken from get_psk_info: OpenSSL 3's PSK_MAX_PSK_LEN (RFC 4279 §5.3 requires 64
# and recommends more). Longer is the application's mistake (HandlerError).
_MAX_PSK_LEN = const(512)
# Smallest handshake fragment worth sending at the end of a datagram; below this, start a new
# datagram. (MicroPython: a `_CONST` must be defined above its first use.)
_MIN_FRAGMENT = const(32)

# MicroPython folds only a module's own `_NAME = const(n)`: these mirror wire values of the
# modules named (host_tests/test_host_dtls_consts.py checks they agree), so they cost no
# global, name or lookup here.
# record.py: content types, versions, header length
_CT_CHANGE_CIPHER_SPEC = const(20)
_CT_ALERT = const(21)
_CT_HANDSHAKE = const(22)
_CT_APPLICATION_DATA = const(23)
_DTLS12 = const(0xFEFD)
_DTLS10 = const(0xFEFF)
_HEADER_LEN = const(13)
_MAX_PLAINTEXT = const(16384)      # a record's plaintext, at most (RFC 5246 §6.2.1)
# the last record number application data may take: 2^48 - 1, the very last, is left for
# close_notify (numbers never wrap, RFC 6347 §4.1)
_LAST_APP_SEQ = const((1 << 48) - 2)
# fragment.py: handshake header length and message types
_HS_HEADER_LEN = const(12)
_HELLO_REQUEST = const(0)
_CLIENT_HELLO = const(1)
_SERVER_HELLO = const(2)
_HELLO_VERIFY_REQUEST = const(3)
_CERTIFICATE = const(11)
_SERVER_KEY_EXCHANGE = const(12)
_CERTIFICATE_REQUEST = const(13)
_SERVER_HELLO_DONE = const(14)
_CERTIFICATE_VERIFY = const(15)
_CLIENT_KEY_EXCHANGE = const(16)
_FINISHED = const(20)
# msg_hello.py: hello extensions
_EXT_EC_POINT_FORMATS = const(11)
_EXT_EXTENDED_MASTER_SECRET = const(23)
_EXT_RECORD_SIZE_LIMIT = const(28)
_EXT_RENEGOTIATION_INFO = const(0xFF01)
# suites.py: key exchange kinds
_KX_PSK = const(1)
_KX_ECDHE_ECDSA = const(3)
# msg_cert.py: certificate types (RFC 7250 §3)
_CERT_TYPE_X509 = const(0)
# errors.py: alert levels and descriptions
_LEVEL_WARNING = const(1)
_LEVEL_FATAL = const(2)
_CLOSE_NOTIFY = const(0)
_UNEXPECTED_MESSAGE = const(10)
_HANDSHAKE_FAILURE = const(40)
_ILLEGAL_PARAMETER = const(47)
_DECODE_ERROR = const(50)
_DECRYPT_ERROR = const(51)
_INTERNAL_ERROR = const(80)
_NO_RENEGOTIATION = const(100)

# States, in protocol order (RFC 5246 §7.3 figure 1, RFC 6347 §4.2.1). The certificate states
# are visited by the ECDHE_ECDSA suites only (and the CertificateRequest / CertificateVerify
# ones only with client authentication). _EXPECTED below says which message each one waits for.
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
_CONNECTED = const(14)
_CLOSED = const(15)

STATE_NAMES = ('START', 'AWAIT_SERVER_HELLO', 'AWAIT_CERTIFICATE', 'AWAIT_SERVER_KEY_EXCHANGE',
               'AWAIT_CERTIFICATE_REQUEST', 'AWAIT_SERVER_HELLO_DONE', 'AWAIT_SERVER_CCS',
               'AWAIT_SERVER_FINISHED', 'AWAIT_CLIENT_HELLO', 'AWAIT_CLIENT_CERTIFICATE',
               'AWAIT_CLIENT_KEY_EXCHANGE', 'AWAIT_CERTIFICATE_VERIFY', 'AWAIT_CLIENT_CCS',
               'AWAIT_CLIENT_FINISHED', 'CONNECTED', 'CLOSED')

# The handshake message each state waits for, by state (None: none; a ChangeCipherSpec is a
# record, not a message). The optional ones are skipped in _on_message.
_EXPECTED = (None, _SERVER_HELLO, _CERTIFICATE, _SERVER_KEY_EXCHANGE, _CERTIFICATE_REQUEST,
             _SERVER_HELLO_DONE, None, _FINISHED, None, _CERTIFICATE, _CLIENT_KEY_EXCHANGE,
             _CERTIFICATE_VERIFY, None, _FINISHED, None, None)


class Handshake:
    """Everything only the handshake needs; dropped when it is over. Fields that start empty
    are class attributes, so the instance holds only what this handshake has set."""
    transcript = None       # whole messages (RFC 6347 §4.2.6 form), hashed at checkpoints
    send_seq = 0            # next message_seq we send
    seq0 = 0                # next record sequence number in epoch 0
    flight = ()             # (content_type, epoch, payload): our last flight
    peer_retransmitted = False
    sent_ms = None          # when our flight last went out (first send, timer, answer)
    sends = 0               # how many times a flight went out (Context._sent_now)
    client_random = server_random = None
    client_hello = None     # client: the ClientHello, re-sent with a cookie
    ems = False
    hint = b''
    group = None            # ECDHE: named group, our private key, peer's point
    private = None
    peer_point = None
    # ECDHE_ECDSA (auth.py): our Credentials, the negotiated Certificate types (RFC 7250) of
    # ours and the peer's, our signature algorithm, and the client authentication request
    # (client: the CertificateRequest; server: True once sent).
    creds = None
    own_type = peer_type = _CERT_TYPE_X509
    sig_alg = None
    cert_request = None
    master = None
    pending_read = None     # the epoch-1 read AEAD, installed at the peer's CCS
    pending_write = None    # the epoch-1 write AEAD, installed when we send CCS

    def __init__(self, cfg, session, now_ms, next_seq):    # the peer's first message_seq
        self.session = session
        self.reasm = fr.Reassembler(next_seq, cfg.max_handshake_message)
        self.timer = FlightTimer(cfg.retransmit_initial_ms, cfg.retransmit_max_ms,
                                 cfg.max_retransmits)
        self.expires = now_ms + cfg.handshake_timeout_ms
        # message_seq range of the peer flight that our current flight answers: only its
        # retransmission triggers ours (RFC 6347 §4.2.4), never a later flight's, which would
        # make two endpoints answer each other's retransmissions forever.
        self.rx_lo = self.rx_hi = next_seq
        self.rx_heads = b''   # their msg_type and length, 4 bytes a message (Reassembler.heads)


def _repeats(hs, msg_type, length, seq, flen):
    """True if a fragment already received (Reassembler.add() -> 0) is a copy of a message of
    the peer flight our current flight answers: RFC 6347 §4.2.4, the peer re-sent that flight,
    so ours was lost. Its message_seq must be in that flight, its msg_type and length those of
    the message we got, and it must carry bytes (unless the message is empty): a fragment
    forged without knowing the flight, or an empty one, does not make us re-send."""
    i = (seq - hs.rx_lo) * 4
    h = hs.rx_heads
    return (0 <= i < len(h) and h[i] == msg_type and (flen > 0 or length == 0)
            and (h[i + 1] << 16) | (h[i + 2] << 8) | h[i + 3] == length)


class Engine:
    """What both sides do; client.ClientEngine and server.ServerEngine add how each starts
    and the handlers of its own states (their HANDLERS: by state, the method that takes the
    message _EXPECTED names and returns the next state)."""
    HANDLERS = ()
    is_client = False   # ClientEngine: True

    def __init__(self, cfg):
        # Twelve attributes at most: a MicroPython instance with more costs a bigger table.
        self.cfg = cfg
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
        self.peer_limit = _MAX_PLAINTEXT    # RFC 8449: the most plaintext a record to the peer

    # --- the one transition point -------------------------------------------------------

    def _goto(self, state):
        if _DEBUG:
            print('dtls', STATE_NAMES[self.state], '->', STATE_NAMES[state])
        self.state = state
        if state == _CONNECTED:
            self._emit(_OUT_EVENT, 0, EVENT_CONNECTED)
        elif state == _CLOSED:
            # the keys go with the handshake (an application may hold this engine: connect()
            # returns it)
            self.hs = self.rd = self.wr = None
            self._emit(_OUT_EVENT, 0, EVENT_CLOSED)

    def _emit(self, kind, a, b=None):
        self.cfg.out.append((kind, a, b))

    def _count(self, what):
        self.cfg.stats[what] += 1

    def _fail(self, alert):
        """A fatal protocol error: send the alert, report it, close (RFC 5246 §7.2.2)."""
        if self.state == _CLOSED:
            return
        self._send_alert(_LEVEL_FATAL, alert)
        self._emit(_OUT_EVENT, _LEVEL_FATAL, alert)
        self._goto(_CLOSED)

    def _caught(self, e):
        """The safety net of "peer input never raises", called in its except block: a Fault is
        the peer's protocol error; anything else is a bug of ours, an exception from the
        application's get_psk_info, or the heap running out: the peer fails with
        internal_error, counted (MemoryError apart: a device's most likely failure)."""
        try:
            if isinstance(e, Fault):
                self._fail(e.alert)
                return
            if _DEBUG:
                print('dtls internal error', repr(e))
            self._count('out_of_memory' if isinstance(e, MemoryError) else 'internal_error')
            self._fail(_INTERNAL_ERROR)
        except MemoryError:
            # no heap even for the alert: closed without it; dropping the handshake state
            # first leaves room for the EVENT_CLOSED that tells the application
            if not isinstance(e, MemoryError):
                self._count('out_of_memory')    # (else counted above: one failure, once)
            if self.state != _CLOSED:
                self.hs = None
                self._goto(_CLOSED)

    # --- input ------------------------------------------------------------------------------

    def handle_datagram(self, data, now_ms):
        """Process every record of one datagram. Never raises for anything the peer sent."""
        pos = 0
        n = len(data)
        if self.hs is not None:
            self.hs.peer_retransmitted = False
        while pos < n and self.state != _CLOSED:
            h = None
            try:
                h = parse_header(data, pos)    # (type, version, epoch, seq, length)
                if h is None or pos + _HEADER_LEN + h[4] > n:
                    self._count('dropped')    # truncated: the rest of the datagram is lost
                    break
                self._record(h, data, pos, now_ms)
            except Exception as e:  # noqa: B902 -- see _caught
                self._caught(e)
                if h is None:       # (no heap for the header's tuple)
                    break
            pos += _HEADER_LEN + h[4]
        hs = self.hs
        if hs is not None and hs.peer_retransmitted and hs.flight:
            # RFC 6347 §4.2.4: the peer re-sent its previous flight, so ours was lost. A
            # repeated flight arrives as a burst of datagrams (one per record or fragment, maybe
            # duplicated): answer the burst once, not every datagram of it, or each side's
            # answers multiply the other's (a fragmented flight over a duplicating link: 50x).
            # The same holds for a repeat that crosses our own (re)sending of the flight.
            if hs.sent_ms is None or now_ms - hs.sent_ms >= self.cfg.resend_gap_ms:
                hs.sent_ms = now_ms
                hs.timer.rearm(now_ms)      # "retransmits the flight, resets the retransmit timer"
                self._resend()

    def _record(self, h, data, pos, now_ms):
        ctype, version, epoch, seq, length = h
        if version != _DTLS12 and version != _DTLS10:
            self._count('dropped')
            return
        if epoch == 0:
            p = pos + _HEADER_LEN
            buf, end = data, p + length
            if self.state == _CONNECTED:
                # Unauthenticated bytes can never end an established session: only copies of
                # the peer's last flight are looked at, and anything malformed is dropped.
                try:
                    if ctype == _CT_HANDSHAKE:
                        self._after_handshake(buf, p, end, 0)
                        return
                except Fault:
                    pass
                self._count('dropped')
                return
        else:
            if self.rd is None or epoch != 1:
                self._count('dropped')    # future or past epoch: retransmission fixes it
                return
            if not record.replay_ok(self.rec, self.rd_seq, seq):
                self._count('replayed')
                return
            if length > self.cfg.max_record:
                self._count('dropped')        # over what we accept: not a bad MAC
                return
            buf = self.cfg.rxbuf
            if length - self.suite[6] > len(buf):
                # Rare: over the shared buffer (max_record above it). Not yet authenticated, so
                # a heap too full for it drops this record, counted, and nothing else.
                try:
                    buf = bytearray(length - self.suite[6])
                except MemoryError:
                    self._count('out_of_memory')
                    return
            m = record.open_into(self.rd, self.suite, self.rec, data, pos, length, buf)
            if m < 0:
                self._count('bad_mac')    # dropped and counted, never fatal
                return
            self.rd_seq = record.mark(self.rec, self.rd_seq, seq)
            p, end = 0, m
        if ctype == _CT_APPLICATION_DATA:
            if self.state != _CONNECTED or epoch == 0:
                self._count('dropped')    # RFC 6347 §4.1: never accept data in epoch 0
                return
            if self.hs is not None:
                self.hs = None    # the peer has our last flight: the handshake is truly over
            self._emit(_OUT_APP, bytes(memoryview(buf)[p:end]))   # one copy, not bytearray + bytes
        elif ctype == _CT_HANDSHAKE:
            self._handshake_record(buf, p, end, epoch, now_ms)
        elif ctype == _CT_ALERT:
            try:
                level, desc = mf.parse_alert(buf, p, end - p)
            except Fault:
                if epoch != 0:
                    raise       # authenticated: decode_error
                # An invalid unprotected record (a length or level RFC 5246 §7.2 does not
                # have) is discarded (RFC 6347 §4.1.2.7): one forged datagram must not end a
                # handshake.
                self._count('dropped')
                return
            self._emit(_OUT_EVENT, level, desc)
            if desc == _CLOSE_NOTIFY:
                if self.state == _CONNECTED:           # RFC 5246 §7.2.1: answer with close_notify
                    self._send_alert(_LEVEL_WARNING, _CLOSE_NOTIFY)
                self._goto(_CLOSED)
            elif level != _LEVEL_WARNING:
                self._goto(_CLOSED)
        elif ctype == _CT_CHANGE_CIPHER_SPEC:
            self._ccs_record(buf, p, end, epoch)
        else:
            # RFC 5246 §6 asks for unexpected_message; DTLS discards invalid records instead
            # (RFC 6347 §4.1.2.7), and so do we, even authenticated ones: a session survives a
            # type it does not know (heartbeat, connection-ID records), counted
            self._count('dropped')

    def _ccs_record(self, buf, p, end, epoch):
        if epoch == 0 and (end - p != 1 or buf[p] != 1):
            self._count('dropped')        # invalid and unprotected: discarded, as alerts are
            return
        mf.parse_change_cipher_spec(buf, p, end - p)
        hs = self.hs
        state = self.state
        if (epoch != 0 or hs is None or hs.pending_read is None
                or (state != _C_AWAIT_SERVER_CCS and state != _S_AWAIT_CLIENT_CCS)):
            # Early (reordered before the messages it follows) or a stale copy: drop it, the
            # peer's retransmission brings it again in order.
            self._count('dropped')
            return
        self.rd = hs.pending_read
        self.rd_seq = -1
        hs.pending_read = None
        # Every message before the CCS is in; the one after it is the Finished, in epoch 1:
        # epoch-0 fragments still held can only be forged or damaged ones.
        hs.reasm.pending = []
        self._goto(state + 1)       # the state after AWAIT_*_CCS awaits the peer's Finished

    def _handshake_record(self, buf, p, end, epoch, now_ms):
        hs = self.hs
        if hs is None or self.state == _CONNECTED:
            self._after_handshake(buf, p, end, epoch)
            return
        while p < end:
            try:
                mt, length, seq, off, flen = fr.parse_fragment(buf, p, end)
            except Fault:
                # Broken framing is an invalid record: discarded, not fatal (RFC 6347
                # §4.1.2.7), so one forged or damaged datagram cannot end a handshake.
                self._count('dropped')
                break
            if mt == _HELLO_REQUEST and self.is_client:
                # RFC 5246 §7.4.1.1: ignored while a handshake is under way; dropped before
                # reassembly, or it would take the message_seq of the server's next message.
                self._count('dropped')
            # Finished is the only message protected by the new epoch (RFC 5246 §7.4.9).
            elif (mt == _FINISHED) == (epoch != 0):
                try:
                    got = hs.reasm.add(mt, length, seq, off, flen, buf, p + _HS_HEADER_LEN)
                except Fault:
                    # (the next message over max_handshake_message, the only Fault add raises):
                    # counted apart, so that an application can tell this handshake_failure
                    # from others and raise the limit (a long PSK hint, a CertificateRequest
                    # naming a whole CA bundle)
                    self._count('too_long')
                    raise
                if got == -2:
                    self._count('too_long')     # one ahead (ignored, and dropped below)
                if got == 0 and _repeats(hs, mt, length, seq, flen):
                    # A message of the peer flight our current flight answers: it was lost.
                    hs.peer_retransmitted = True
                elif got <= 0:
                    self._count('dropped')  # a stale copy, or too far ahead / over budget
            else:
                self._count('dropped')
            p += _HS_HEADER_LEN + flen
        while self.hs is not None and self.state != _CONNECTED:
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
            mt, length, seq, off, flen = fr.parse_fragment(buf, p, end)
            p += _HS_HEADER_LEN + flen
            if hs is not None and _repeats(hs, mt, length, seq, flen):
                hs.peer_retransmitted = True
            elif epoch != 0 and mt == (_HELLO_REQUEST if self.is_client else _CLIENT_HELLO):
                self._send_alert(_LEVEL_WARNING, _NO_RENEGOTIATION)
                return
            else:
                self._count('dropped')

    def _on_message(self, msg_type, seq, body, now_ms):
        state = self.state
        if msg_type == _SERVER_HELLO_DONE and (
                state == _C_AWAIT_CERTIFICATE_REQUEST
                or (state == _C_AWAIT_SERVER_KEY_EXCHANGE and self.suite[2] == _KX_PSK)):
            # Optional messages not sent: CertificateRequest (RFC 5246 §7.4.4), and PSK's
            # ServerKeyExchange when the server has no identity hint (RFC 4279 §2).
            state = _C_AWAIT_SERVER_HELLO_DONE
        if msg_type != _EXPECTED[state] and (msg_type != _HELLO_VERIFY_REQUEST
                                             or state != _C_AWAIT_SERVER_HELLO):
            raise Fault(_UNEXPECTED_MESSAGE)
        if msg_type != _HELLO_VERIFY_REQUEST:
            self.hs.transcript.append(fr.message(msg_type, seq, body))
        self._goto(self.HANDLERS[state](self, msg_type, body, now_ms))

    # --- handlers, in protocol order: (self, msg_type, body, now_ms) -> the next state ----------

    def _check_hello(self, exts):
        """What both hellos must carry: an empty renegotiation_info if any (RFC 5746 §3.4,
        §3.6), and extended_master_secret when the application requires it (RFC 7627); the
        peer's record_size_limit, if it sent one (RFC 8449), is kept in peer_limit.
        Returns the renegotiation_info (None: absent)."""
        ri = mh.find_ext(exts, _EXT_RENEGOTIATION_INFO)
        if ri is not None and mh.parse_renegotiation_info(ri) != b'':
            raise Fault(_HANDSHAKE_FAILURE)
        hs = self.hs
        ems = mh.find_ext(exts, _EXT_EXTENDED_MASTER_SECRET)
        if ems is not None and len(ems):
            raise Fault(_DECODE_ERROR)          # RFC 7627 §5.1: its extension_data is empty
        hs.ems = ems is not None
        if self.cfg.require_ems and not hs.ems:
            raise Fault(_HANDSHAKE_FAILURE)
        limit = mh.find_ext(exts, _EXT_RECORD_SIZE_LIMIT)
        if limit is not None:
            self.peer_limit = mh.parse_record_size_limit(limit)
        return ri

    def _record_size_limit(self, suites):
        """Our record_size_limit (RFC 8449 §4): the most plaintext a record of any of `suites`
        may carry for its protected form to stay within max_record, the longest record we
        accept (the peer then never sends one that we would drop); at most 2^14."""
        return min(self.cfg.max_record - max(s[6] + s[7] for s in suites), _MAX_PLAINTEXT)

    def _certificate(self, mt, body, now_ms):
        """The peer's Certificate, both sides: the server's chain or raw public key (RFC 5246
        §7.4.2, RFC 7250), or the client's after our CertificateRequest (§7.4.6); refused:
        Fault(alert) from auth.PeerAuth."""
        hs = self.hs
        cfg = self.cfg
        client = self.is_client
        from dtls_lite.msg_cert import parse_certificate   # loaded by client.py / server.py
        entries = parse_certificate(body, hs.peer_type)
        # RFC 5246 §7.4.6: a server MAY go on without client authentication
        if entries or client or cfg.require_client_cert:
            self.identity = cfg.peer_auth(client).authenticate(
                hs.peer_type, entries, cfg.verify_key(hs.session),
                cfg.server_name if client else None)
        return self.state + 1       # the peer's key exchange comes next, on both sides

    def _peer_finished(self, mt, body, now_ms):
        """The peer's Finished (RFC 5246 §7.4.9), both sides; the server answers with its own."""
        hs = self.hs
        client = self.is_client
        # over the transcript up to, not including, this Finished
        want = self._finished(not client, len(hs.transcript) - 1)
        if not ct_equal(mf.parse_finished(body), want):
            raise Fault(_DECRYPT_ERROR)
        if client:
            self.hs = None      # the server sent the last flight: nothing left to re-send
            return _CONNECTED
        self._send_finished([], now_ms)
        # Last flight: no timer (RFC 6347 §4.2.4); kept only to answer a retransmitting client.
        hs.timer.deadline = None
        hs.transcript = None
        hs.master = None
        hs.expires = now_ms + self.cfg.linger_ms
        return _CONNECTED

    # --- key schedule --------------------------------------------------------------------------

    def _ecdhe_key(self):
        """Our ephemeral ECDHE key pair in the negotiated group: keeps the private key, returns
        the public point."""
        hs = self.hs
        hs.private, point = st.group_module(hs.group).generate_key(self.cfg.rng)
        return point

    def _peer_point(self, group, point):
        """Keep the peer's ECDHE public value; a group we did not offer (None) or a point not
        on its curve is illegal_parameter (RFC 8422 §5.4, §5.11)."""
        if group is None or not st.group_point_ok(group, point):
            raise Fault(_ILLEGAL_PARAMETER)
        hs = self.hs
        hs.group = group
        hs.peer_point = point

    def _psk(self, identity, alert):
        identity = bytes(identity)  # the client's own may be a bytearray: the same type both sides
        psk = self.cfg.get_psk(self.hs.session, PSK_KEY, identity)
        if psk is None or not len(psk):
            # No key for this identity. An empty one is none, as in OpenSSL: a server whose
            # table yields b'' for an unknown identity would let anyone in (premaster 0000).
            raise Fault(alert)
        if len(psk) > _MAX_PSK_LEN:
            raise HandlerError('psk_len', len(psk))
        self.identity = identity
        return psk

    def _derive_keys(self, psk):
        """Premaster -> master (EMS: over the transcript through ClientKeyExchange) -> keys."""
        hs = self.hs
        s = self.suite
        if s[2] == _KX_PSK:
            premaster = keys.psk_premaster(psk)
        else:
            try:
                z = st.group_module(hs.group).ecdh(hs.private, hs.peer_point)
            except ValueError:
                raise Fault(_ILLEGAL_PARAMETER)     # invalid ECDH public value
            hs.private = None
            # RFC 8422 §5.10: ECDHE_ECDSA's premaster secret is the shared x-coordinate
            premaster = z if s[2] == _KX_ECDHE_ECDSA else keys.ecdhe_psk_premaster(z, psk)
        h = st.prf_hash(s)
        session_hash = keys.transcript_hash(hs.transcript, None, h) if hs.ems else None
        hs.master = keys.master_secret(premaster, hs.client_random, hs.server_random,
                                       session_hash, h)
        # the server's view: it reads what the client writes
        read_key, write_key, read_iv, write_iv = keys.key_block(
            hs.master, hs.client_random, hs.server_random, s[4], s[5], h)
        if self.is_client:
            read_key, write_key, read_iv, write_iv = write_key, read_key, write_iv, read_iv
        from dtls_lite.crypto import aead
        lean = self.cfg.lean
        self.rec = record.new_rec(read_iv, write_iv)
        hs.pending_write = aead.new(s[3], write_key, lean)
        hs.pending_read = aead.new(s[3], read_key, lean)

    def _finished(self, by_client, count=None):
        """verify_data of the client's or the server's Finished over the first `count`
        messages of the transcript (None: all of them) (RFC 5246 §7.4.9)."""
        h = st.prf_hash(self.suite)
        label = b'client finished' if by_client else b'server finished'
        return keys.verify_data(self.hs.master, label,
                                keys.transcript_hash(self.hs.transcript, count, h), h)

    # --- output ------------------------------------------------------------------------------

    def _add(self, flight, msg_type, body, epoch=0):
        """Append a handshake message of ours to the flight and to the transcript."""
        hs = self.hs
        msg = fr.message(msg_type, hs.send_seq, body)
        hs.send_seq += 1
        hs.transcript.append(msg)
        flight.append((_CT_HANDSHAKE, epoch, msg))

    def _send_finished(self, flight, now_ms):
        """End our flight with ChangeCipherSpec and Finished (in the new epoch), and send it."""
        flight.append((_CT_CHANGE_CIPHER_SPEC, 0, mf.CCS_PAYLOAD))
        self._add(flight, _FINISHED, self._finished(self.is_client), 1)
        self._new_flight(flight, now_ms)

    def _new_flight(self, flight, now_ms):
        hs = self.hs
        hs.flight = flight
        hs.rx_lo, hs.rx_hi = hs.rx_hi, hs.reasm.next_seq
        hs.rx_heads = hs.reasm.heads
        hs.reasm.heads = b''
        if hs.pending_write is not None:
            # This flight carries our ChangeCipherSpec: from here on we write in epoch 1
            # (alerts included; before it, the peer could not read them).
            self.wr = hs.pending_write
            self.wr_seq = 0
            hs.pending_write = None
        hs.sent_ms = now_ms
        self._send_flight()
        hs.timer.start(now_ms)

    def _resend(self):
        """Send our flight again (peer retransmission or timer), outside handle_datagram's
        safety net: a heap too full for it now is counted, and the next timer tries again;
        anything else fails the handshake as there."""
        try:
            self._send_flight()
        except MemoryError:
            self._count('out_of_memory')
        except Exception as e:  # noqa: B902 -- see _caught
            self._caught(e)

    def _put_record(self, buf, off, ctype, epoch, payload):
        if epoch == 0:
            hs = self.hs
            seq = hs.seq0
            if seq >> 48:
                return off      # never wraps (RFC 6347 §4.1): not sent; the handshake expires
            hs.seq0 = seq + 1
            return record.write_plain(buf, off, ctype, 0, seq, payload)
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
        self.hs.sends += 1
        buf = self.cfg.txbuf
        mtu = self.cfg.max_datagram
        coalesce = self.cfg.coalesce_handshake
        off = 0
        pend = b''                      # epoch-0 handshake fragments gathered for one record
        for ctype, epoch, payload in self.hs.flight:
            gather = coalesce and ctype == _CT_HANDSHAKE and epoch == 0
            if pend and not gather:
                off = self._put_record(buf, off, _CT_HANDSHAKE, 0, pend)
                pend = b''
            ovh = record.overhead(self.suite) if epoch else _HEADER_LEN
            if ctype != _CT_HANDSHAKE:
                if off + ovh + len(payload) > mtu:
                    off = self._flush(buf, off)
                off = self._put_record(buf, off, ctype, epoch, payload)
                continue
            total = len(payload) - _HS_HEADER_LEN
            if payload[0] == _CLIENT_HELLO and off + ovh + len(payload) > len(buf):
                # Never fragmented (below), and longer than the send buffer: a max_datagram
                # under ~450 bytes with a long cookie (up to 255 bytes, RFC 6347 §4.2.1) or
                # server name. A buffer of its size, this once.
                if pend:
                    off = self._put_record(buf, off, _CT_HANDSHAKE, 0, pend)
                    pend = b''
                off = self._flush(buf, off)
                one = bytearray(ovh + len(payload))
                self._flush(one, self._put_record(one, 0, _CT_HANDSHAKE, epoch, payload))
                continue
            done = 0
            while True:
                room = min(mtu - off - ovh, _MAX_PLAINTEXT) - len(pend) - _HS_HEADER_LEN
                if payload[0] == _CLIENT_HELLO:
                    # Never fragmented: a server answers the hello statelessly and so needs
                    # it in one piece (RFC 6347 §4.2.1); ours stays well under 200 bytes.
                    room = max(room, total)
                left = total - done
                if (off or pend) and (room <= 0 or (room < left and room < _MIN_FRAGMENT)):
                    if pend:
                        off = self._put_record(buf, off, _CT_HANDSHAKE, 0, pend)
                        pend = b''
                        if mtu - off - ovh - _HS_HEADER_LEN >= min(left, _MIN_FRAGMENT):
                            continue    # only the record was full (2^14): the datagram goes on
                    off = self._flush(buf, off)
                    continue
                size = min(left, room)
                frag = fr.fragment(payload, done, size)
                if gather:
                    pend += frag
                else:
                    off = self._put_record(buf, off, _CT_HANDSHAKE, epoch, frag)
                done += size
                if done >= total:
                    break
        if pend:
            off = self._put_record(buf, off, _CT_HANDSHAKE, 0, pend)
        self._flush(buf, off)

    def _flush(self, buf, off):
        """Send buf[:off] as one datagram, if there is one (off <= 0: none); returns 0."""
        if off > 0:
            self._emit(_OUT_DATAGRAM, bytes(memoryview(buf)[:off]))    # one copy, not two
        return 0

    def _send_alert(self, level, desc):
        wr = self.wr
        if wr is None and self.hs is None:
            return
        buf = self.cfg.txbuf
        self._flush(buf, self._put_record(buf, 0, _CT_ALERT, 1 if wr is not None else 0,
                                          mf.write_alert(level, desc)))

    def seal_app(self, data):
        """One application_data record of `data` in the shared send buffer: a memoryview valid
        until the next send (the Context hands it straight to the write callback)."""
        cfg = self.cfg
        if self.wr_seq > _LAST_APP_SEQ:
            return None     # the last number is close_notify's
        off = record.seal(self.wr, self.suite, self.rec, self.wr_seq, cfg.txbuf, 0,
                          _CT_APPLICATION_DATA, data, cfg.txtail[1 if self.suite[6] else 0])
        if off < 0:
            return None
        self.wr_seq += 1
        return cfg.txview[:off]

    def max_app_payload(self):
        """The most application data one record takes: what fits the datagram, and never over
        the peer's record_size_limit (RFC 8449 §4), which is at most 2^14 bytes (RFC 5246
        §6.2.1, RFC 6347 §4.1), whatever max_datagram allows."""
        return min(self.cfg.max_datagram - record.overhead(self.suite), self.peer_limit)

    def close(self):
        """Send close_notify (RFC 5246 §7.2.1) if established, and close."""
        if self.state == _CONNECTED:
            self._send_alert(_LEVEL_WARNING, _CLOSE_NOTIFY)
        if self.state != _CLOSED:
            self._goto(_CLOSED)

    # --- time ----------------------------------------------------------------------------------

    def handle_timeout(self, now_ms):
        hs = self.hs
        if hs is None or self.state == _CLOSED:
            return
        if now_ms >= hs.expires:
            if self.state == _CONNECTED:
                self.hs = None                  # linger over: forget the last flight
                return
            # else a stalled handshake
        elif hs.timer.deadline is None or now_ms < hs.timer.deadline:
            return                              # FINISHED, or WAITING
        elif hs.timer.back_off(now_ms):
            hs.sent_ms = now_ms
            self._resend()
            return
        self._count('expired')                  # stalled, or out of retransmissions
        self._goto(_CLOSED)

    def deadline(self):
        hs = self.hs
        if hs is None or self.state == _CLOSED:
            return None
        d = hs.timer.deadline
        if d is None or hs.expires < d:
            return hs.expires
        return d


def hello_tag(data, pos):
    """30 bits of the 4 bytes at data[pos:] (a small int even on 32-bit boards): taken from
    the last 4 bytes of a ClientHello's random. Its first 4 are gmt_unix_time (RFC 5246
    §7.4.1.2): the same for a client restarting within a second, or a board without a clock
    rebooting to the same uptime, which was then taken for its old session and locked out."""
    return ((data[pos] & 0x3f) << 24) | (data[pos + 1] << 16) | (data[pos + 2] << 8) | data[pos + 3]


def point_formats(exts):
    """Whether the hello has ec_point_formats; if so it must list uncompressed
    (RFC 8422 §5.1.2: illegal_parameter)."""
    pf = mh.find_ext(exts, _EXT_EC_POINT_FORMATS)
    if pf is not None and not mh.has_uncompressed_points(pf):
        raise Fault(_ILLEGAL_PARAMETER)
    return pf is not None
