"""DTLS echo server and line client over UDP, the same file under CPython and MicroPython (unix).

Usage: see _USAGE below (printed by --help).

How data flows: one UDP socket; `recvfrom` gives (datagram, address) and the address, unchanged,
is the session key for `Context.handle_message`. The context's `write` callback sends with
`sendto` to the session. Retransmission is driven by the clock: every wait on the socket is bounded
by the deadline `check_retransmit` returns. Records the context decrypts arrive in the `read`
callback; replies are queued there and written after `handle_message` returns, so the engine is
never re-entered from its own callback.

The client waits for the handshake, then sends each line of standard input (newline stripped,
empty lines skipped) as one record and prints each record it receives as one line. At end of
input it waits (up to --timeout) until it has as many replies as lines sent, sends close_notify
and exits 0. A failed or timed-out handshake, a fatal alert, missing replies or a peer that
closes the session before the end of input exit 1 with one line on stderr. Exit 2 is a usage
error.
"""
import sys


def _add_paths():
    here = __file__
    i = here.rfind('/')
    tools = here[:i] if i >= 0 else '.'
    root = tools + '/..'
    for p in (root + '/ports/unix', root):
        if p not in sys.path:
            sys.path.insert(0, p)


_add_paths()

import dtls_lite  # noqa: E402
import unixport  # noqa: E402

_USAGE = """\
    dtls_echo.py server HOST:PORT [options]     answer each record with b'Echo: ' + record
    dtls_echo.py client HOST:PORT [options]     send stdin lines, print each reply

options: --psk-identity ID (default Client_identity)  --psk-key HEX (default 000102...0f)
         --psk-hint TEXT (server: identity hint sent in ServerKeyExchange; default none)
         --ciphers A,B (IANA names, e.g. TLS_PSK_WITH_AES_128_CCM_8)
         --groups A,B (ECDHE groups: x25519, secp256r1, secp384r1; default all)
         --mtu N (largest datagram we send; default 1200)
         --max-datagram N (largest datagram we read, default 18445: one maximal DTLS record,
         as peers on loopback such as OpenSSL send; a device on a path MTU can use 1500. A
         longer datagram is dropped and counted; a client that fails says how many)
         --max-handshake N (largest handshake message accepted, default 4096; a server
         whose CertificateRequest names a whole CA bundle needs ~32768)
         --max-record N (longest record accepted, 256..18432, default 18432; told to peers
         that speak RFC 8449 record_size_limit, such as GnuTLS, so that they send no longer one;
         a server tells clients only from 536 on (CCM_8: 528), as GnuTLS refuses less)
         --timeout S (client: handshake, and replies after end of input; default 10)
         --idle S (server: close a session silent for S seconds, so that clients gone
         without close_notify do not fill its 16 places; default 120)
         --verbose (negotiated suite and handshake time on stderr; server: sessions closed
         for idleness, hellos refused because every place was taken)
ECDHE-ECDSA: --key FILE (our private key, PEM SEC1 or PKCS#8)  --cert FILE (our chain, PEM,
         leaf first; without it, or with --rpk, the key goes as an RFC 7250 raw public key)
         --ca FILE (PEM trust anchors; a client also checks HOST against the certificate)
         --server-name NAME (client: check NAME instead of HOST, e.g. a DNS name when
         connecting by IP address)
         --peer-key FILE (the peer's raw public key, PEM SubjectPublicKeyInfo, pinned)
         --require-client-cert (server; implied by --ca or --peer-key on a server)  --no-time-check (devices without a clock)
         With any of these and no --psk-identity/--psk-key, no PSK handler is set, so without
         --ciphers the suites offered are the ECDHE_ECDSA ones.
HOST may be a name, an IPv4 address or [IPv6]. Run from anywhere; needs the checkout's
dtls_lite (found relative to this file).
Under MicroPython's unix port (1.28 PyPI build) a command-line argument of 256 bytes or more
crashes the interpreter before this script runs ("FATAL: uncaught NLR"): a --psk-key over 127
bytes, or a hint or identity over 255, can be used from CPython only.
"""

_DEFAULT_IDENTITY = 'Client_identity'
_DEFAULT_KEY = '000102030405060708090a0b0c0d0e0f'
_DEFAULT_TIMEOUT_S = 10
_DEFAULT_IDLE_S = 120
_ECHO_PREFIX = b'Echo: '
# Longest wait on the socket when no retransmission is due: keeps timeouts responsive.
_MAX_WAIT_MS = 200

_OPTIONS = {  # name -> takes a value
    '--psk-identity': True, '--psk-key': True, '--psk-hint': True, '--ciphers': True, '--mtu': True,
    '--max-datagram': True, '--groups': True, '--max-handshake': True, '--max-record': True,
    '--timeout': True, '--idle': True, '--verbose': False, '--help': False,
    '--key': True, '--cert': True, '--ca': True, '--rpk': False, '--peer-key': True,
    '--server-name': True,
    '--require-client-cert': False, '--no-time-check': False,
}
_ECDSA_OPTIONS = ('--key', '--cert', '--ca', '--rpk', '--peer-key', '--require-client-cert',
                  '--no-time-check')


class UsageError(Exception):
    pass


def _scan(argv):
    """(options dict, positional list); a flag's value is True."""
    opts, positional = {}, []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if not arg.startswith('--'):
            positional.append(arg)
            i += 1
            continue
        name, value = arg, None
        if '=' in arg:
            name, value = arg.split('=', 1)
        if name not in _OPTIONS:
            raise UsageError('unknown option ' + name)
        if _OPTIONS[name] and value is None:
            i += 1
            if i == len(argv):
                raise UsageError(name + ' needs a value')
            value = argv[i]
        opts[name] = value if _OPTIONS[name] else True
        i += 1
    return opts, positional


def parse_args(argv):
    """Tiny argument parser (argparse is absent on most MicroPython builds) -> dict of options:
    the raw '--name' entries plus mode, host, port, psk_key, psk_identity, timeout_ms, mtu,
    verbose, ecdsa (any certificate option given) and psk (set the PSK handler)."""
    opts, positional = _scan(argv)
    if '--help' in opts:
        return opts
    if len(positional) != 2 or positional[0] not in ('server', 'client'):
        raise UsageError('expected: server|client HOST:PORT')
    opts['mode'], opts['address'] = positional
    opts['ecdsa'] = False
    for name in _ECDSA_OPTIONS:
        opts['ecdsa'] = opts['ecdsa'] or name in opts
    # PSK stays on unless only certificate options were given.
    opts['psk'] = '--psk-key' in opts or '--psk-identity' in opts or not opts['ecdsa']
    try:
        opts['psk_key'] = bytes.fromhex(opts.get('--psk-key', _DEFAULT_KEY))
        opts['timeout_ms'] = int(float(opts.get('--timeout', _DEFAULT_TIMEOUT_S)) * 1000)
        opts['idle_ms'] = int(float(opts.get('--idle', _DEFAULT_IDLE_S)) * 1000)
        opts['mtu'] = int(opts['--mtu']) if '--mtu' in opts else None
        opts['max_datagram'] = int(opts.get('--max-datagram', unixport.MAX_DATAGRAM))
        if '--max-handshake' in opts:
            opts['max_handshake'] = int(opts['--max-handshake'])
        if '--max-record' in opts:
            opts['max_record'] = int(opts['--max-record'])
        opts['host'], opts['port'] = unixport.split_host_port(opts['address'])
    except (ValueError, OverflowError) as e:   # (OverflowError: --timeout inf)
        raise UsageError(str(e))
    if not opts['psk_key']:
        raise UsageError('--psk-key must not be empty')
    if opts['timeout_ms'] <= 0:
        raise UsageError('--timeout must be positive')
    if opts['idle_ms'] <= 0:
        raise UsageError('--idle must be positive')
    if ('--cert' in opts or '--rpk' in opts) and '--key' not in opts:
        raise UsageError('--cert and --rpk need --key (our private key)')
    if opts['mode'] == 'server' and opts['ecdsa'] and not opts['psk'] and '--key' not in opts:
        # no PSK handler and no key: every client would get handshake_failure
        raise UsageError('a server with certificate options needs --key (or a PSK option)')
    if not 0 < opts['max_datagram'] <= 65507:
        raise UsageError('--max-datagram must be 1..65507 (the UDP maximum)')
    if opts['mode'] == 'server' and '--ciphers' in opts:
        # a server that can serve none of its suites would refuse every client (alert 40)
        names = opts['--ciphers'].split(',')
        if not [n for n in names if ('_ECDSA_' in n and '--key' in opts)
                or ('_PSK_' in n and opts['psk'])]:
            raise UsageError('this server can serve none of --ciphers: ECDHE_ECDSA suites '
                             'need --key, PSK suites a PSK (not only certificate options)')
    opts['psk_identity'] = opts.get('--psk-identity', _DEFAULT_IDENTITY).encode()
    opts['verbose'] = '--verbose' in opts
    return opts


class EchoEndpoint:
    """What client and server share: the socket, the context and its callbacks."""

    def __init__(self, opts, family):
        self.opts = opts
        self.sock = unixport.udp_socket(family)
        self.poller = unixport.Poller()
        self.poller.register(self.sock)
        self.outbox = []  # (session, data) queued by the read callback
        self.too_long = 0  # datagrams dropped for exceeding --max-datagram
        self.ctx = dtls_lite.Context(**self._config())
        self.ctx.set_handler(self._write, read=self._read, event=self._event,
                             get_psk_info=self._get_psk_info if opts['psk'] else None,
                             get_ecdsa_key=self._ecdsa_key_handler())

    def _config(self):
        opts = self.opts
        # Each side loads only its half of the engine (client.py or server.py).
        config = {'role': opts['mode']}   # the Context's own clock: ticks_ms, unwrapped
        for name in ('ciphers', 'groups'):
            # Only the code of what is offered is loaded (Context.set_handler preloads it).
            if '--' + name in opts:
                config[name] = [c.strip() for c in opts['--' + name].split(',') if c.strip()]
        if opts['mtu'] is not None:
            config['max_datagram'] = opts['mtu']      # (0 too: the Context refuses it)
        if 'max_handshake' in opts:
            config['max_handshake_message'] = opts['max_handshake']   # Context checks range
        if 'max_record' in opts:
            config['max_record'] = opts['max_record']                 # Context checks range
        if opts['mode'] == 'client' and opts['timeout_ms'] > 120000:
            config['handshake_timeout_ms'] = opts['timeout_ms']   # (the library's default: 120 s)
        if '--ca' in opts:
            config['ca'] = _read_text(opts['--ca'])
            if opts['mode'] == 'client':
                # RFC 6125 check against the certificate
                config['server_name'] = opts.get('--server-name', opts['host'])
        if '--peer-key' in opts:
            config['peer_keys'] = [_read_text(opts['--peer-key'])]
        if '--require-client-cert' in opts or (
                opts['mode'] == 'server' and ('--ca' in opts or '--peer-key' in opts)):
            # a server told whom to trust requires the client to prove it: without a
            # CertificateRequest, --ca and --peer-key checked nothing and anyone got in
            config['require_client_cert'] = True
        if '--no-time-check' in opts:
            config['check_time'] = False
        return config

    def _ecdsa_key_handler(self):
        """get_ecdsa_key for --key (chain from --cert unless --rpk), else None."""
        opts = self.opts
        if '--key' not in opts:
            return None
        from dtls_lite import auth  # only certificate users pay for importing it
        chain = None if '--rpk' in opts or '--cert' not in opts else _read_text(opts['--cert'])
        credentials = auth.Credentials(_read_text(opts['--key']), chain)

        def get_ecdsa_key(ctx, session):
            return credentials
        return get_ecdsa_key

    def _write(self, ctx, session, data):
        try:
            return self.sock.sendto(data, session)
        except OSError as e:
            # A lost datagram is what DTLS is built for; the peer may not be listening yet.
            if self.opts['verbose']:
                unixport.log('sendto %s: %s' % (unixport.format_addr(session), e))
            return -1

    def _get_psk_info(self, ctx, session, kind, identity):
        if kind == dtls_lite.PSK_IDENTITY:
            return self.opts['psk_identity']
        if kind == dtls_lite.PSK_KEY:
            if identity is None or identity == self.opts['psk_identity']:
                return self.opts['psk_key']
            return None
        hint = self.opts.get('--psk-hint')  # PSK_HINT (server): RFC 4279 §2, optional
        return hint.encode() if hint else None

    def _read(self, ctx, session, data):
        raise NotImplementedError

    def _event(self, ctx, session, level, code):
        raise NotImplementedError

    def pump(self, wait_ms):
        """Wait up to wait_ms for one datagram or a retransmission deadline; handle either.

        Returns the objects poll reported ready other than the socket (e.g. stdin)."""
        deadline = self.ctx.check_retransmit()
        if deadline is not None:
            wait_ms = max(0, min(wait_ms, deadline - self.ctx.now()))
        others = []
        for obj in self.poller.poll(wait_ms):
            if obj is self.sock:
                self._receive()
            else:
                others.append(obj)
        self.flush_outbox()
        return others

    def _receive(self):
        bound = self.opts['max_datagram']
        try:
            data, addr = unixport.recvfrom(self.sock, bound)
        except OSError as e:  # e.g. ICMP port unreachable reported on the next read
            if self.opts['verbose']:
                unixport.log('recvfrom: %s' % e)
            return
        if addr is None:
            # (unixport.recvfrom: no heap for the receive buffer, the datagram was lost)
            if self.opts['verbose']:
                unixport.log('a datagram lost: no heap to receive it')
            return
        if not self.accepts(addr):
            return
        if len(data) > bound:
            # Cut by the socket: its records would only fail their length or MAC check. Count
            # it so that a handshake that never completes can say why.
            self.too_long += 1
            if self.opts['verbose']:
                unixport.log('%s: dropped a datagram longer than --max-datagram %d'
                             % (unixport.format_addr(addr), bound))
            return
        self.ctx.handle_message(addr, data)

    def accepts(self, addr):
        return True

    def flush_outbox(self):
        """Send the queued replies, one record each (a client counts one reply per line). One
        longer than a record carries (write() sends one record's worth and says how much) is
        cut, and said on stderr: our --mtu, or the record_size_limit the peer told us (RFC 8449),
        is smaller than what the peer sent."""
        while self.outbox:
            session, data = self.outbox.pop(0)
            try:
                n = self.ctx.write(session, data)
            except dtls_lite.NotConnected:
                continue  # the peer went away between its record and our reply
            if n < len(data):
                unixport.log('%s: reply of %d bytes cut to %d, what one record carries: '
                             'raise --mtu, unless the peer limits its records (RFC 8449)'
                             % (unixport.format_addr(session), len(data), n))

    def describe(self, session):
        info = self.ctx.peer(session)
        if info is None:
            return '?'
        cert = getattr(info, 'certificate', None)
        if cert is None:
            return info.cipher
        return '%s, peer %s' % (info.cipher, cert.subject or 'raw public key')


def _read_text(path):
    try:
        f = open(path)
        try:
            return f.read()
        finally:
            f.close()
    except OSError as e:   # MicroPython's message has no file name: add it
        raise UsageError('cannot read %s: %s' % (path, e))


class EchoServer(EchoEndpoint):
    def __init__(self, opts):
        family, self.bind_addr = unixport.resolve(opts['host'], opts['port'])
        EchoEndpoint.__init__(self, opts, family)
        self.started = {}  # session -> ticks_ms of its first datagram, for --verbose timing
        self.seen = {}     # session -> ticks_ms of its last datagram (--idle)
        self.refused = 0   # ctx.stats['refused'] last said

    def _read(self, ctx, session, data):
        self.outbox.append((session, _ECHO_PREFIX + bytes(data)))

    def _event(self, ctx, session, level, code):
        if not self.opts['verbose']:
            return
        peer = unixport.format_addr(session)
        if level == 0 and code == dtls_lite.EVENT_CONNECT:
            self.started[session] = unixport.now_ms()
        elif level == 0 and code == dtls_lite.EVENT_CONNECTED:
            t0 = self.started.pop(session, None)
            took = '' if t0 is None else ' in %d ms' % unixport.elapsed_ms(t0)
            unixport.log('%s connected, %s%s' % (peer, self.describe(session), took))
        elif level == 0 and code == dtls_lite.EVENT_CLOSED:
            self.started.pop(session, None)     # a failed handshake keeps nothing here
        elif level:
            unixport.log('%s alert level %d code %d' % (peer, level, code))

    def accepts(self, addr):
        self.seen[addr] = unixport.now_ms()
        return True

    def sweep(self):
        """Close sessions silent for --idle (a client gone without close_notify keeps its
        place otherwise, and 16 of them lock every new client out); say when hellos were
        refused for want of a place."""
        live = self.ctx.sessions()
        for session in live:
            if unixport.elapsed_ms(self.seen.get(session, unixport.now_ms())) > self.opts['idle_ms']:
                if self.opts['verbose']:
                    unixport.log('%s idle: closed' % unixport.format_addr(session))
                self.ctx.close(session)
        for session in list(self.seen):
            if session not in live:
                del self.seen[session]
        refused = self.ctx.stats.get('refused', 0)
        if refused > self.refused and self.opts['verbose']:
            unixport.log('%d hellos refused: every place taken (max_peers / max_handshakes)'
                         % (refused - self.refused))
        self.refused = refused

    def run(self):
        self.sock.bind(self.bind_addr)
        try:
            where = self.sock.getsockname()     # the port the system chose for port 0
        except (AttributeError, OSError):
            where = self.bind_addr              # (MicroPython sockets have no getsockname)
        unixport.log('dtls_echo: listening on %s' % unixport.format_addr(where))
        while True:
            self.pump(_MAX_WAIT_MS)
            self.sweep()


class EchoClient(EchoEndpoint):
    def __init__(self, opts):
        family, self.session = unixport.resolve(opts['host'], opts['port'])
        EchoEndpoint.__init__(self, opts, family)
        self.connected = False
        self.failure = None  # one-line reason once the session is dead
        self.peer_closed = False
        self.replies = 0
        self.oom_seen = 0  # ctx.stats["out_of_memory"] when the session connected

    def _read(self, ctx, session, data):
        if session != self.session:
            return
        self.replies += 1
        data = bytes(data)
        unixport.write_stdout(data if data.endswith(b'\n') else data + b'\n')

    def _event(self, ctx, session, level, code):
        if level == 0 and code == dtls_lite.EVENT_CONNECTED:
            self.connected = True
            self.oom_seen = ctx.stats.get('out_of_memory', 0)
        elif level == 0 and code == dtls_lite.EVENT_CLOSED:
            if not self.failure and not self.peer_closed:
                # neither an alert nor close_notify: the library gave up (no answer, its
                # retransmissions spent, or its handshake_timeout_ms over)
                self.failure = 'no answer from the server (retransmissions spent)'
        elif level == dtls_lite.LEVEL_FATAL:
            self.failure = 'fatal alert %d' % code
            if code == dtls_lite.INTERNAL_ERROR and ctx.stats.get('out_of_memory', 0) > self.oom_seen:
                # the engine turns a MemoryError into internal_error (80); say which it was. (A
                # large record the heap could not hold is dropped and counted too, not fatal:
                # only a count grown since the session connected, with internal_error, is read
                # as the cause.)
                self.failure += ' (out of memory)'
            elif code == dtls_lite.HANDSHAKE_FAILURE and ctx.stats.get('too_long', 0):
                self.failure += (' (the peer sent a handshake message over --max-handshake %d)'
                                 % self.opts.get('max_handshake', 4096))
        elif level and code == dtls_lite.CLOSE_NOTIFY:
            self.peer_closed = True

    def accepts(self, addr):
        # A datagram from anyone but the server is not ours: drop it before the engine sees it.
        return addr == self.session

    def handshake(self):
        t0 = unixport.now_ms()
        self.ctx.connect(self.session)
        while not self.connected:
            if self.failure or self.peer_closed:
                raise ClientError('handshake failed: %s' % (self.failure or 'peer closed'))
            if unixport.elapsed_ms(t0) > self.opts['timeout_ms']:
                raise ClientError('handshake timed out after %d ms%s'
                                  % (self.opts['timeout_ms'], self._dropped()))
            self.pump(_MAX_WAIT_MS)
        if self.opts['verbose']:
            unixport.log('connected to %s, %s, handshake %d ms' % (
                unixport.format_addr(self.session), self.describe(self.session), unixport.elapsed_ms(t0)))

    def exchange(self):
        """Send stdin lines until EOF, then wait for the outstanding replies."""
        stdin = unixport.StdinLines()
        self.poller.register(stdin.pollable)
        sent = 0
        eof_at = None
        while True:
            if self.failure:
                raise ClientError(self.failure)
            if eof_at is not None and self.replies >= sent:
                return
            if self.peer_closed:
                if self.replies < sent:
                    missing = sent - self.replies
                    raise ClientError('peer closed with %d of %d replies missing' % (missing, sent))
                if eof_at is None:
                    # what is still to come on stdin can never be sent
                    raise ClientError('peer closed the session before the end of input')
                return
            if eof_at is not None and unixport.elapsed_ms(eof_at) > self.opts['timeout_ms']:
                raise ClientError('timed out waiting for %d of %d replies%s'
                                  % (sent - self.replies, sent, self._dropped()))
            if self.pump(_MAX_WAIT_MS) and eof_at is None:
                for line in stdin.read():
                    if line and (self.failure or self.peer_closed):
                        break       # (said at the top of the loop) the session is gone
                    if line:
                        # One line is one record, and so is its echo, which our server makes
                        # len(_ECHO_PREFIX) bytes longer: a line must leave room for that.
                        room = self.ctx.max_write(self.session)
                        if 'max_record' in self.opts:
                            # the echo comes back within the record_size_limit we told the
                            # server (max_record minus at most 24 bytes of AEAD expansion)
                            room = min(room, self.opts['max_record'] - 24)
                        room -= len(_ECHO_PREFIX)
                        if len(line) > room:
                            raise ClientError('a line of %d bytes is longer than one record '
                                              'carries with its echo (%d here): raise --mtu, '
                                              'unless the peer limits its records (RFC 8449)'
                                              % (len(line), room))
                        self.ctx.write(self.session, line)
                        sent += 1
                if stdin.eof:
                    self.poller.unregister(stdin.pollable)
                    eof_at = unixport.now_ms()

    def _dropped(self):
        """' (N datagrams longer than --max-datagram B dropped)' when any were, else ''."""
        if not self.too_long:
            return ''
        return ' (%d datagrams longer than --max-datagram %d dropped)' % (
            self.too_long, self.opts['max_datagram'])

    def run(self):
        try:
            self.handshake()
            self.exchange()
        except ClientError as e:
            unixport.log('dtls_echo: ' + str(e))
            return 1
        finally:
            # close_notify whatever ended us (an error, Ctrl-C; SIGTERM too under CPython, the
            # MicroPython unix port has no signal module): a server keeps a session until
            # told, and has only so many places
            if self.ctx.peer(self.session) is not None:
                try:
                    self.ctx.close(self.session)
                    self.pump(0)
                except (OSError, dtls_lite.DTLSError):
                    pass
        return 0


class ClientError(Exception):
    pass


def _usage_error(e):
    unixport.log('dtls_echo: %s\nusage: dtls_echo.py server|client HOST:PORT [options] (see --help)' % e)
    return 2


def main(argv):
    try:
        opts = parse_args(argv)
    except UsageError as e:
        return _usage_error(e)
    if '--help' in opts:
        unixport.log(_USAGE.rstrip())  # (MicroPython keeps no __doc__)
        return 0
    try:
        if opts['mode'] == 'server':
            return EchoServer(opts).run()
        return EchoClient(opts).run()
    except (dtls_lite.ConfigError, dtls_lite.HandlerError, UsageError) as e:
        return _usage_error(e)     # e.g. an unknown --ciphers name, a missing file, no --ca
    except OSError as e:           # e.g. a host that does not resolve, a port in use
        unixport.log('dtls_echo: %s' % e)
        return 1
    except KeyboardInterrupt:
        return 130


def _terminated(signum, frame):
    raise KeyboardInterrupt     # SIGTERM (kill, timeout) ends us as Ctrl-C does: close_notify


if __name__ == '__main__':
    try:
        import signal
        signal.signal(signal.SIGTERM, _terminated)
    except (ImportError, AttributeError, ValueError, OSError):
        pass    # (MicroPython's unix port has no signal module: Ctrl-C only)
    sys.exit(main(sys.argv[1:]))
