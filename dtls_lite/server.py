"""The server half of DTLS 1.2: the stateless cookie exchange, and the server engine.

Only a Context that serves imports this module (context.py, at the first datagram from an
unknown peer, or at start-up with `preload` unless `role='client'`): a device that only
connects does not hold this code, nor cookie.py's.

    Acceptor(cfg).accept(session, data, now_ms, peers, hello=None)
        a datagram from a peer without a session: answered statelessly with a
        HelloVerifyRequest, or, when its ClientHello returns with a valid cookie, a new
        ServerEngine in `peers` that has sent its first flight (due timers run first, so
        handshakes past their time give their slots back). A new ClientHello for a live
        session (a client that restarted, RFC 6347 §4.2.8) gets a cookie bound to that
        session; when it returns, the old engine is closed and the parsed hello returned: the
        Context delivers EVENT_CLOSED, forgets the old session and calls again with `hello`

Datagrams from unknown peers go through the stateless cookie exchange (RFC 6347 §4.2.1): no
state exists for a peer until it returns a ClientHello with a valid cookie, and then only if
`max_handshakes` and `max_peers` allow; otherwise the hello is refused and counted in the
Context's stats ('refused'). Output goes to cfg.out like the engines' (the Context drains it).

Flights (RFC 5246 §7.3; [..] only with client authentication):
  CH  ->  HVR  |  CH with the cookie  ->  SH [Cert] [SKE] [CertReq] SHD  |  [Cert] CKE
  [CertVerify] CCS Fin  ->  CCS Fin
"""
from dtls_lite.compat import const
from dtls_lite.errors import Fault
from dtls_lite.engine import Engine, Handshake, hello_tag, point_formats
from dtls_lite import cookie, record
from dtls_lite import fragment as fr
from dtls_lite import msg_hello as mh
from dtls_lite import msg_kx as mk
from dtls_lite import suites as st

# The ECDHE_ECDSA code (auth.py, msg_cert.py), imported by the first server engine that can
# serve those suites (_s_ecdsa_setup): a PSK-only device never loads it.
auth = mc = None

# Limits on the hellos a stranger can make us gather, with their reasons.
_MAX_HELLO_LEN = const(2048)          # a fragmented ClientHello we gather (OpenSSL 'ALL': ~400)
_MAX_HELLO_MESSAGE_SEQ = const(255)   # clients send hellos with message_seq 0 or 1 (a few retries)
# the highest hello record sequence number: real clients start at 0, and our flights continue
# from it; 2^32 leaves the server's epoch 0 more room to the uint48 end than any handshake can
# use (2^16, as before, let a client's repeated hellos wrap it with fast timers)
_MAX_HELLO_RECORD_SEQ = const(1 << 32)

# Private mirrors of other modules' values (MicroPython folds only a module's own
# `_NAME = const(n)`); host_tests/test_host_dtls_consts.py checks they agree with engine.py's.
_PSK_HINT = const(0)
_OUT_DATAGRAM = const(0)
_OUT_EVENT = const(2)
_EVENT_CONNECT = const(0x01DC)
_CT_HANDSHAKE = const(22)
_HEADER_LEN = const(13)
_DTLS12 = const(0xFEFD)
_DTLS10 = const(0xFEFF)
_HS_HEADER_LEN = const(12)
_CLIENT_HELLO = const(1)
_SERVER_HELLO = const(2)
_HELLO_VERIFY_REQUEST = const(3)
_CERTIFICATE = const(11)
_SERVER_KEY_EXCHANGE = const(12)
_CERTIFICATE_REQUEST = const(13)
_SERVER_HELLO_DONE = const(14)
_EXT_SUPPORTED_GROUPS = const(10)
_EXT_EC_POINT_FORMATS = const(11)
_EXT_SIGNATURE_ALGORITHMS = const(13)
_EXT_CLIENT_CERTIFICATE_TYPE = const(19)
_EXT_SERVER_CERTIFICATE_TYPE = const(20)
_EXT_EXTENDED_MASTER_SECRET = const(23)
_EXT_RECORD_SIZE_LIMIT = const(28)
_MIN_ANSWERED_LIMIT = const(512)    # the smallest record_size_limit a server answers with
_EXT_RENEGOTIATION_INFO = const(0xFF01)
_RANDOM_LEN = const(32)
_KX_PSK = const(1)
_KX_ECDHE_PSK = const(2)
_KX_ECDHE_ECDSA = const(3)
_GROUP_SECP256R1 = const(23)
_EMPTY_RENEGOTIATION_INFO_SCSV = const(0x00FF)
_HANDSHAKE_FAILURE = const(40)
_ILLEGAL_PARAMETER = const(47)
_PROTOCOL_VERSION = const(70)
_UNKNOWN_PSK_IDENTITY = const(115)
_S_AWAIT_CLIENT_HELLO = const(8)
_S_AWAIT_CLIENT_CERTIFICATE = const(9)
_S_AWAIT_CLIENT_KEY_EXCHANGE = const(10)
_S_AWAIT_CERTIFICATE_VERIFY = const(11)
_S_AWAIT_CLIENT_CCS = const(12)
_CONNECTED = const(14)
_CLOSED = const(15)


class ServerEngine(Engine):
    # --- starting ---------------------------------------------------------------------------

    def start_server(self, session, ch, body, msg_seq, record_seq, now_ms):
        """Begin with a ClientHello whose cookie the Context verified (statelessly)."""
        cfg = self.cfg
        hs = self.hs = Handshake(cfg, session, now_ms, msg_seq + 1)
        hs.send_seq = msg_seq      # ServerHello takes the ClientHello's message_seq
        hs.seq0 = record_seq       # and records continue from its record sequence number
        hs.rx_hi = msg_seq         # a re-sent ClientHello re-sends our first flight
        hs.transcript = [fr.message(_CLIENT_HELLO, msg_seq, body)]
        hs.reasm.heads = hs.transcript[0][:4]      # its msg_type and length
        self._goto(_S_AWAIT_CLIENT_HELLO)
        try:
            self._goto(self._s_client_hello(ch, now_ms))
        except Exception as e:  # noqa: B902 -- the same safety net as handle_datagram
            self._caught(e)

    # --- handlers, in protocol order: (self, msg_type, body, now_ms) -> the next state ------

    def _s_client_hello(self, ch, now_ms):
        hs = self.hs
        cfg = self.cfg
        # DTLS versions count down: {254,253} is 1.2, {254,255} is 1.0 (RFC 6347 §4.1).
        if ch.client_version > _DTLS12:
            raise Fault(_PROTOCOL_VERSION)      # the client offers only DTLS 1.0
        if 0 not in ch.compression_methods:
            raise Fault(_ILLEGAL_PARAMETER)     # null compression missing
        hs.client_random = ch.random
        self.hello_tag = hello_tag(ch.random, 28)
        secure_reneg = (self._check_hello(ch.extensions) is not None
                        or _EMPTY_RENEGOTIATION_INFO_SCSV in ch.cipher_suites)
        # RFC 8422 §5.1.2: a client that lists groups and sends ec_point_formats without
        # uncompressed is refused, whichever suite we would pick (not only an ECDHE one)
        pf = (mh.find_ext(ch.extensions, _EXT_SUPPORTED_GROUPS) is not None
              and point_formats(ch.extensions))
        suite = self.suite = self._s_choose_suite(ch)
        hs.server_random = cfg.rng(_RANDOM_LEN)
        exts = []
        if secure_reneg:
            exts.append((_EXT_RENEGOTIATION_INFO, mh.write_renegotiation_info()))
        if hs.ems:
            exts.append((_EXT_EXTENDED_MASTER_SECRET, b''))
        limit = self._record_size_limit((suite,))
        if limit >= _MIN_ANSWERED_LIMIT and mh.find_ext(ch.extensions,
                                                        _EXT_RECORD_SIZE_LIMIT) is not None:
            # RFC 8449 §4: "negotiated", so only to a client that sent one. Not under 512:
            # GnuTLS clients abort on a smaller value (illegal_parameter), where the handshake
            # without the extension works (larger records from such a peer are then dropped).
            exts.append((_EXT_RECORD_SIZE_LIMIT, mh.write_record_size_limit(limit)))
        if hs.group is not None and pf:
            exts.append((_EXT_EC_POINT_FORMATS, b'\x01\x00'))
        ecdsa = suite[2] == _KX_ECDHE_ECDSA
        if ecdsa:
            # RFC 7250 §4.2: echo the selected types, each only if the client sent that
            # extension (client_certificate_type only when we ask for a certificate).
            if mh.find_ext(ch.extensions, _EXT_SERVER_CERTIFICATE_TYPE) is not None:
                exts.append((_EXT_SERVER_CERTIFICATE_TYPE, mc.write_cert_type(hs.own_type)))
            if (hs.cert_request
                    and mh.find_ext(ch.extensions, _EXT_CLIENT_CERTIFICATE_TYPE) is not None):
                exts.append((_EXT_CLIENT_CERTIFICATE_TYPE, mc.write_cert_type(hs.peer_type)))
        flight = []
        sh = mh.ServerHello(random=hs.server_random, cipher_suite=suite[0], extensions=exts)
        self._add(flight, _SERVER_HELLO, mh.write_server_hello(sh))
        if ecdsa:
            self._add(flight, _CERTIFICATE,
                      mc.write_certificate(hs.creds.entries(hs.own_type), hs.own_type))
        ske = self._s_server_key_exchange()
        if ske is not None:
            self._add(flight, _SERVER_KEY_EXCHANGE, ske)
        if hs.cert_request:
            self._add(flight, _CERTIFICATE_REQUEST, auth.write_certificate_request())
        self._add(flight, _SERVER_HELLO_DONE, b'')
        hs.creds = None
        self._new_flight(flight, now_ms)
        return _S_AWAIT_CLIENT_CERTIFICATE if hs.cert_request else _S_AWAIT_CLIENT_KEY_EXCHANGE

    def _s_choose_suite(self, ch):
        """Our preference order (RFC 5246 §7.4.1.3: the server selects); ECDHE suites only
        with a group both sides have (RFC 8422 §5.1.1; no supported_groups: secp256r1)."""
        data = mh.find_ext(ch.extensions, _EXT_SUPPORTED_GROUPS)
        offered = mh.parse_supported_groups(data) if data is not None else [_GROUP_SECP256R1]
        group = None
        for g in self.cfg.groups:
            if g in offered:
                group = g
                break
        ecdsa = None        # 0 when the ECDHE_ECDSA suites can be served, else the alert why not
        psk = self.cfg.get_psk_info is not None
        for suite in self.cfg.suites:
            if suite[0] in ch.cipher_suites and (psk or suite[2] == _KX_ECDHE_ECDSA):
                # (a PSK suite needs get_psk_info: without it every client would be refused
                # with unknown_psk_identity, where another suite might do)
                if suite[2] != _KX_PSK:
                    if group is None:
                        continue
                    if suite[2] == _KX_ECDHE_ECDSA:
                        if ecdsa is None:
                            ecdsa = self._s_ecdsa_setup(ch, offered)
                        if ecdsa:
                            continue
                    self.hs.group = group
                return suite
        # no cipher suite in common; RFC 7250 §4.2: no certificate type in common is
        # unsupported_certificate
        raise Fault(ecdsa or _HANDSHAKE_FAILURE)

    def _s_ecdsa_setup(self, ch, groups):
        """Whether we can serve ECDHE_ECDSA to this client: 0, with our credentials, signature
        algorithm and the RFC 7250 certificate types chosen; else the alert that says why not."""
        global auth, mc
        from dtls_lite import auth
        from dtls_lite import msg_cert as mc
        hs = self.hs
        cfg = self.cfg
        creds = cfg.credentials(hs.session)
        # RFC 8422 §5.3: our certificate's key must be on a curve the client listed
        if creds is None or st.curve_group(creds.key.curve) not in groups:
            return _HANDSHAKE_FAILURE
        data = mh.find_ext(ch.extensions, _EXT_SIGNATURE_ALGORITHMS)
        hs.sig_alg = creds.choose_sig_alg(
            None if data is None else mc.parse_signature_algorithms(data))
        if hs.sig_alg is None:
            return _HANDSHAKE_FAILURE
        data = mh.find_ext(ch.extensions, _EXT_SERVER_CERTIFICATE_TYPE)
        offered = None if data is None else mc.parse_cert_type_list(data)   # decode_error
        try:
            hs.own_type = auth.select_cert_type(offered, creds.cert_types())
        except Fault as f:
            return f.alert
        hs.creds = creds
        if cfg.request_client_cert or cfg.verify_ecdsa_key is not None:
            # tinydtls: a server with verify_ecdsa_key asks for the client's key
            data = mh.find_ext(ch.extensions, _EXT_CLIENT_CERTIFICATE_TYPE)
            types = cfg.peer_auth(False).cert_types(cfg.verify_key(hs.session))
            offered = None if data is None else mc.parse_cert_type_list(data)   # decode_error
            try:
                hs.peer_type = auth.select_cert_type(offered, types)
                hs.cert_request = True
            except Fault as f:
                if cfg.require_client_cert:
                    return f.alert
        return 0

    def _s_server_key_exchange(self):
        """The ServerKeyExchange body, or None when plain PSK has no hint to send."""
        hs = self.hs
        cfg = self.cfg
        kx = self.suite[2]
        if kx != _KX_PSK:
            point = self._ecdhe_key()
        if kx == _KX_ECDHE_ECDSA:
            # RFC 8422 §5.4: params signed over both randoms with our certificate's key
            return auth.sign_server_params(hs.creds, hs.sig_alg, hs.client_random,
                                           hs.server_random, mc.write_ecdh_params(hs.group, point),
                                           cfg.rng)
        hint = cfg.get_psk(hs.session, _PSK_HINT, None) or b''
        if kx == _KX_PSK:
            return mk.write_server_key_exchange(hint) if hint else None
        return mk.write_server_key_exchange(hint, hs.group, point)

    def _s_client_key_exchange(self, mt, body, now_ms):
        hs = self.hs
        kx = self.suite[2]
        if kx == _KX_ECDHE_ECDSA:
            self._peer_point(hs.group, mc.parse_client_key_exchange(body))
            self._derive_keys(None)
            # RFC 5246 §7.4.8: a client that sent a certificate proves its key next
            return _S_AWAIT_CERTIFICATE_VERIFY if self.identity is not None else _S_AWAIT_CLIENT_CCS
        identity, point = mk.parse_client_key_exchange(body, kx == _KX_ECDHE_PSK)
        if kx == _KX_ECDHE_PSK:
            self._peer_point(hs.group, point)
        # RFC 4279 §2: an identity the server does not know is unknown_psk_identity.
        self._derive_keys(self._psk(identity, _UNKNOWN_PSK_IDENTITY))
        return _S_AWAIT_CLIENT_CCS

    def _s_certificate_verify(self, mt, body, now_ms):
        hs = self.hs
        # over every message before this one (the transcript already holds it); decrypt_error
        auth.verify_transcript(self.identity.public_key, auth.SIGNATURE_ALGORITHMS, body,
                               hs.transcript, len(hs.transcript) - 1)
        return _S_AWAIT_CLIENT_CCS

    # The handler of each state, by state (engine._EXPECTED says which message; None: no
    # message awaited in that state, or a client state).
    HANDLERS = (None, None, None, None, None, None, None, None, None, Engine._certificate,
                _s_client_key_exchange, _s_certificate_verify, None, Engine._peer_finished)


class Acceptor:
    """The stateless front door (RFC 6347 §4.2.1): the cookie secrets, and a small pool of
    fragmented hellos being gathered (session -> (Reassembler, first seen ms))."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.jar = cookie.CookieJar(cfg.cookie_secret, cfg.cookie_lifetime_ms)
        self.hellos = {}
        self.expire = None

    def accept(self, session, data, now, peers, hello=None):
        """A datagram for which `peers` (session -> engine) has no live engine, or one that
        restarts a session with a new ClientHello (context.py decides). Never raises for
        anything in `data`: a heap too full for it (partial hellos strangers sent, on a small
        heap) drops it, counted as out_of_memory, with the pool of partial hellos, and
        leaves `peers` as it was.

        When the hello restarts a live session (RFC 6347 §4.2.8: a valid cookie from a client
        that lost its state), the old engine is closed (EVENT_CLOSED queued), nothing else is
        done, and the parsed hello is returned (else None): the caller delivers the event,
        forgets the old session and calls again with `hello` to start the new one."""
        old = peers.get(session)
        queued = len(self.cfg.out)
        try:
            return self._accept(session, data, now, peers, hello)
        except MemoryError:
            self.hellos.clear()
            if old is None:
                peers.pop(session, None)
            else:
                peers[session] = old
            del self.cfg.out[queued:]
            self.cfg.stats['out_of_memory'] += 1

    def _accept(self, session, data, now, peers, got):
        cfg = self.cfg
        stats = cfg.stats
        if got is None:
            got = self._checked_hello(session, data, now, peers.get(session))
            if got is None:
                return None
        ch, body, msg_seq, rec_seq = got
        old = peers.get(session)
        if (old is not None and old.state != _CLOSED
                and old.hello_tag == hello_tag(ch.random, 28)):
            stats['dropped'] += 1     # a late copy of the hello that made this session
            return None
        # Room for it: max_peers counts every session but the one this hello replaces,
        # max_handshakes those of them still handshaking.
        if self.expire is not None:
            # due timers first (not this session's): handshakes past their time give slots back
            self.expire(now, session)
            now_there = peers.get(session)
            if now_there is not old and now_there is not None:
                stats['dropped'] += 1     # a callback made a session here meanwhile
                return None
            old = peers.get(session)
        count = busy = 0
        for e in peers.values():
            if e is not old:
                count += 1
                if e.state != _CONNECTED and e.state != _CLOSED:
                    busy += 1
        if count >= cfg.max_peers or busy >= cfg.max_handshakes:
            stats['refused'] += 1
            return None
        if old is not None and old.state != _CLOSED:
            old._goto(_CLOSED)    # the peer restarted (RFC 6347 §4.2.8): see accept()
            return got
        e = peers[session] = ServerEngine(cfg)
        cfg.out.append((_OUT_EVENT, 0, _EVENT_CONNECT))
        e.start_server(session, ch, body, msg_seq, rec_seq, now)
        return None

    def _checked_hello(self, session, data, now, live):
        """(ClientHello, body, message_seq, record_seq) of a whole hello with a valid cookie;
        None after answering a hello without one (HelloVerifyRequest), or dropping it."""
        cfg = self.cfg
        stats = cfg.stats
        try:
            got = self._parse_first_hello(session, data, now)
        except Fault:
            got = None
        if not got:
            if got is None:
                stats['dropped'] += 1
            return None
        ch, body, msg_seq, rec_seq = got
        if msg_seq > _MAX_HELLO_MESSAGE_SEQ or rec_seq > _MAX_HELLO_RECORD_SEQ:
            # Our flight continues both numbers from the hello's (RFC 6347 §4.2.1/§4.2.2);
            # real clients start near 0, and neither may wrap (uint16 / uint48).
            stats['dropped'] += 1
            return None
        jar = self.jar
        bound = ch.cookie_input
        if live is not None and live.state != _CLOSED:
            # RFC 6347 §4.2.8: a cookie that may replace a live session is bound to it, so a
            # cookie hello captured before that session existed cannot end it when replayed
            t = live.hello_tag
            bound = bytes((t >> 24, (t >> 16) & 255, (t >> 8) & 255, t & 255)) + bound
        cookie = jar.answer(session, bound, ch.cookie, now)
        if cookie is not None:
            hvr = mh.write_hello_verify_request(cookie)
            msg = fr.message(_HELLO_VERIFY_REQUEST, msg_seq, hvr)
            # RFC 6347 §4.2.1: the HelloVerifyRequest reuses the ClientHello's record sequence
            # number.
            n = record.write_plain(cfg.txbuf, 0, _CT_HANDSHAKE, 0, rec_seq, msg)
            stats['hello_verify_sent'] += 1
            cfg.out.append((_OUT_DATAGRAM, bytes(cfg.txview[:n]), None))
            return None
        return got

    def _parse_first_hello(self, session, data, now):
        """(ClientHello, body, message_seq, record_seq) once `data` completes an epoch-0
        ClientHello; 0 while a fragmented hello is still incomplete; None for anything else.

        A server answers hellos statelessly (RFC 6347 §4.2.1), which needs the whole hello. A
        hello that arrives fragmented (OpenSSL offering every suite over a small MTU) is
        gathered in a small pool shared by all peers: at most max_handshakes partial hellos
        of at most _MAX_HELLO_LEN bytes, the oldest replaced first. No per-peer state exists
        until a hello returns with a valid cookie."""
        pool = self.hellos
        stats = self.cfg.stats
        pos = 0
        took = False        # whether any fragment went into the pool (else: dropped)
        refused = 0         # fragments the pool did not take
        made = False        # whether this datagram started a pool entry
        while pos < len(data):
            h = record.parse_header(data, pos)
            if h is None:
                return None
            ctype, version, epoch, seq, length = h
            p = pos + _HEADER_LEN
            end = p + length
            if (ctype != _CT_HANDSHAKE or epoch != 0 or end > len(data)
                    or (version != _DTLS12 and version != _DTLS10)):
                return None     # the engine drops other record versions too
            while p < end:
                mt, mlen, msg_seq, off, flen = fr.parse_fragment(data, p, end)
                if mt != _CLIENT_HELLO or mlen > _MAX_HELLO_LEN:
                    return None     # (the bound also caps the work a stranger can cause)
                p += _HS_HEADER_LEN
                if off == 0 and flen == mlen:
                    body = bytes(data[p:p + flen])
                    return mh.parse_client_hello(body), body, msg_seq, seq
                # A fragment: into this session's entry of the pool (a new entry when the hello
                # is not the one being gathered: it replaces this session's own, else evicts
                # the oldest if the pool is full; either partial hello counted as dropped).
                entry = pool.get(session)
                if entry is None or entry[0].next_seq != msg_seq:
                    if made:
                        # a second hello in one datagram: no client sends that, and each new
                        # entry costs a buffer of the hello's length (~2 KB of garbage each).
                        # The rest of the datagram is dropped, counted once.
                        refused += 1
                        break
                    made = True
                    if entry is not None:
                        stats['dropped'] += 1
                    while session not in pool and len(pool) >= self.cfg.max_handshakes:
                        oldest = None
                        for k in pool:
                            if oldest is None or pool[k][1] < pool[oldest][1]:
                                oldest = k
                        del pool[oldest]
                        stats['dropped'] += 1
                    entry = pool[session] = (fr.Reassembler(msg_seq, _MAX_HELLO_LEN), now)
                if entry[0].add(_CLIENT_HELLO, mlen, msg_seq, off, flen, data, p) == 1:
                    took = True
                else:
                    refused += 1    # a copy, or a piece beyond MAX_PIECES
                msg = entry[0].pop()
                if msg is not None:
                    del pool[session]
                    return mh.parse_client_hello(msg[2]), msg[2], msg_seq, seq
                p += flen
            if p < end:
                break       # (the rest dropped, above)
            pos = end
        if not took:
            return None     # the caller counts the datagram
        stats['dropped'] += refused     # the fragments of it that were not taken
        return 0
