"""A minimal DTLS client the way a board runs one: one UDP socket, select.poll, a Context.

It connects to a DTLS server, completes the handshake, sends one message, prints the reply and
closes the session. The same file runs on an ESP32 or RP2040 (call `run()` from main.py, the
network already up), on the unix MicroPython port and on CPython:

    micropython ports/board_client.py HOST PORT psk IDENTITY HEX_KEY
    micropython ports/board_client.py HOST PORT x509 KEY.pem CERT.pem CA.pem SERVER_NAME
    micropython ports/board_client.py HOST PORT rpk KEY.pem SERVER_KEY.pem

(`--gc-fraction=N` or `--gc-fraction=none` first: run()'s gc_fraction, default 32.)

(dtls_lite must be importable: frozen, in /lib, or on MICROPYPATH.) Against
`tools/dtls_echo.py server` it prints `Echo: ping`. It exits 0 once the reply came, 1 with one
line on stderr otherwise (2 for bad arguments).

What a device needs and nothing more, so tools/min_heap_device.py measures the library's
memory with it rather than a desktop tool's: the Context is created before the credentials are
parsed (Context loads its code first, see Config.load_code), a datagram is read into a
1500-byte buffer (a datagram longer than that would be cut by the socket and its records
dropped by their length or MAC check, counted in ctx.stats) whose block is reserved between
reads (see run()), the key material is read from its files only to be parsed (the PEM texts
are not kept through the handshake: ~2 KB of a 32-bit heap), the heap is collected each time
1/32 of it has been allocated (gc.threshold, see run()), and the application's clock is the
Context's default (time.ticks_ms).
"""
import gc
import select
import socket
import sys

import dtls_lite
from dtls_lite.compat import ticks_ms, ticks_diff

MAX_DATAGRAM = 1500
_ALERT_FATAL = 2
# 2025-01-01 in seconds since 1970: before it, the chain check (x509.chain, whose wall_clock
# reads time.time() on either epoch, 1970 or 2000) takes the board clock as never set; the rp2
# port starts at 2021-01-01, others at 2000-01-01
_YEAR_2025 = 1735689600


def _read_text(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError as e:    # MicroPython's says only "[Errno 2] ENOENT": name the file
        raise OSError('cannot read %s: %s' % (path, e))


def _reserve():
    try:
        return bytearray(MAX_DATAGRAM)
    except MemoryError:
        return None     # no such block free now: the next read takes its chances


def run(host, port, mode, args, message=b'ping', timeout_ms=10000, gc_fraction=32):
    """Handshake with host:port, send `message`, return the reply (bytes).

    mode 'psk': args = (identity, key bytes); 'x509': (key file, chain file, CA file, server
    name), PEM files; 'rpk': (key file, the server's public key file). Raises OSError on a
    socket or file error and RuntimeError when the handshake fails or no reply comes within
    timeout_ms; ValueError for a gc_fraction below 1, or a message longer than one record.

    gc_fraction: on MicroPython, while run() runs, collect the heap each time 1/gc_fraction of
    its size has been allocated (gc.threshold; the application's setting is put back when run()
    returns; where the heap grows on demand, as on the ESP32, its size when run() is called);
    None leaves the collector alone. A handshake allocates and drops a lot (big-number
    arithmetic) and MicroPython collects only when an allocation fails, by which time the live
    objects are strewn over the whole heap and a few hundred bytes may find no hole. With 32 the
    X.509 device completes in 8-19 KiB less heap (32-bit build: 126-130 -> 116-118 KiB; 64-bit:
    178-180 -> 161). The cost is CPU: the device's whole run (import, set-up, handshake, reply),
    median of 5, without -> with (tools/min_heap_device.py device_cpu; the 64-bit figures are in
    `make bench`, and move by 20-30 % between runs on a busy host): 32-bit unix build 127 -> 112
    ms at 132 KiB (a full small heap is collected over and over anyway), 53 -> 84 ms at 256 KiB,
    38 -> 64 ms at 1 MiB; 64-bit +18-30 ms at 192 and 256 KiB (e.g. 55 -> 82, 75 -> 105),
    +5-11 ms at 1 MiB. Pass None where the heap is ample."""
    if gc_fraction is not None and gc_fraction < 1:
        raise ValueError('gc_fraction: a whole number from 1, or None')
    threshold = getattr(gc, 'threshold', None)   # MicroPython's (CPython's gc has none)
    if threshold is None or gc_fraction is None:
        return _run(host, port, mode, args, message, timeout_ms)
    previous = threshold()
    threshold((gc.mem_free() + gc.mem_alloc()) // gc_fraction)
    try:
        return _run(host, port, mode, args, message, timeout_ms)
    finally:
        threshold(previous)


def _run(host, port, mode, args, message, timeout_ms):
    info = socket.getaddrinfo(host, port, 0, socket.SOCK_DGRAM)[0]
    addr = info[-1]
    if isinstance(addr, bytearray):
        addr = bytes(addr)  # unix MicroPython's sockaddr: a session key must be hashable
    sock = socket.socket(info[0], socket.SOCK_DGRAM)
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    state = {'connected': False, 'failure': None, 'reply': None}

    def write(ctx, session, data):
        return sock.sendto(data, session)

    def read(ctx, session, data):
        state['reply'] = bytes(data)

    def event(ctx, session, level, code):
        if level == 0 and code == dtls_lite.EVENT_CONNECTED:
            state['connected'] = True
        elif level == _ALERT_FATAL:
            state['failure'] = 'fatal alert %d' % code
            if code == 46 and mode == 'x509':
                from dtls_lite.x509.chain import wall_clock     # (loaded in x509 mode)
                if wall_clock() < _YEAR_2025:
                    # certificate_unknown: our chain check's no_clock (an unset board clock)
                    state['failure'] += ' (is the board clock set? ntptime.settime())'
        elif level and code == 0:      # close_notify
            state['failure'] = state['failure'] or 'peer closed'
        elif level == 0 and code == dtls_lite.EVENT_CLOSED:
            # no alert: the library gave up (no answer, retransmissions spent)
            state['failure'] = state['failure'] or 'no answer (retransmissions spent)'

    handlers = {'read': read, 'event': event}
    # role='client': the server half of the engine and the cookie code are never loaded
    # max_record: no record can be longer than the datagrams read minus its 13-byte header
    # (the default, 18432, is for a peer that reads larger ones), so the receive buffer is no
    # larger either (at most 2048); told to peers as RFC 8449 record_size_limit
    config = {'max_datagram': MAX_DATAGRAM, 'max_record': MAX_DATAGRAM - 13, 'role': 'client'}
    if mode == 'psk':
        identity, key = args
        config['ciphers'] = ['TLS_PSK_WITH_AES_128_CCM_8']
        handlers['get_psk_info'] = lambda ctx, session, kind, hint: (
            identity if kind == dtls_lite.PSK_IDENTITY else key)
        ctx = dtls_lite.Context(**config)
    else:
        config['ciphers'] = ['TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8']
        config['groups'] = ['secp256r1']
        if mode == 'x509':
            key_file, chain_file, ca_file, config['server_name'] = args
            config['ca'] = _read_text(ca_file)
        else:
            key_file, peer_file = args
            chain_file = None
            config['peer_keys'] = [_read_text(peer_file)]
        ctx = dtls_lite.Context(**config)
        config = None       # the CA or peer key text: parsed by the Context, not kept
        # after the Context: its code is loaded and the heap collected before keys are parsed
        from dtls_lite.auth import Credentials
        credentials = Credentials(_read_text(key_file),
                                  _read_text(chain_file) if chain_file else None)
        handlers['get_ecdsa_key'] = lambda ctx, session: credentials
    ctx.set_handler(write, **handlers)
    # recvfrom allocates a MAX_DATAGRAM buffer for every datagram (MicroPython has no
    # recvfrom_into), and a handshake leaves the heap in small holes. So a block that size is
    # held at all times but the read: dropped just before it (the read's allocation finds it
    # after the collection a full heap triggers) and taken again at once (the unix port frees
    # its buffer once the datagram is copied; where the buffer becomes the datagram, as on
    # lwIP, once the datagram is handled)
    reserve = _reserve()
    try:
        ctx.connect(addr)
        start = ticks_ms()
        while state['reply'] is None:
            if state['failure']:
                raise RuntimeError(('' if state['connected'] else 'handshake failed: ')
                                   + state['failure'])
            if ticks_diff(ticks_ms(), start) > timeout_ms:
                raise RuntimeError('timed out' if state['connected'] else 'handshake timed out')
            wait = 200
            deadline = ctx.check_retransmit()
            if deadline is not None:
                # on the Context's clock (ticks_ms unwrapped), not on ticks_ms itself
                wait = max(0, min(wait, deadline - ctx.now()))
            if poller.poll(wait):
                reserve = None
                data, sender = sock.recvfrom(MAX_DATAGRAM)
                reserve = _reserve()
                if sender == addr:
                    ctx.handle_message(addr, data)
                data = None
                if reserve is None:
                    reserve = _reserve()
            if state['connected'] and message is not None:
                if len(message) > ctx.max_write(addr):
                    # one record carries the message: a longer one would go out cut (and the
                    # server act on the part), its reply taken for the whole
                    raise ValueError('message of %d bytes: one record carries %d'
                                     % (len(message), ctx.max_write(addr)))
                ctx.write(addr, message)
                message = None
        return state['reply']
    finally:
        # close_notify however it ended (the reply, a timeout, an error): a server keeps a
        # session until told, and has only so many places
        try:
            if ctx.peer(addr) is not None:
                ctx.close(addr)
        except (OSError, dtls_lite.DTLSError):
            pass
        sock.close()


def main(argv):
    gc_fraction = 32
    try:
        if argv and argv[0].startswith('--gc-fraction='):
            value = argv[0][len('--gc-fraction='):]
            gc_fraction = None if value == 'none' else int(value)
            if gc_fraction is not None and gc_fraction < 1:
                raise ValueError(value)
            argv = argv[1:]
        host, port, mode = argv[0], int(argv[1]), argv[2]
        if not 0 < port < 65536:
            raise ValueError(port)
        if mode == 'psk':
            args = (argv[3].encode(), bytes.fromhex(argv[4]))
        elif mode == 'x509':
            args = (argv[3], argv[4], argv[5], argv[6])
        elif mode == 'rpk':
            args = (argv[3], argv[4])
        else:
            raise ValueError(mode)
    except (IndexError, ValueError):
        sys.stderr.write('usage: board_client.py [--gc-fraction=N|none] HOST PORT psk ID HEX_KEY | '
                         'x509 KEY CERT CA SERVER_NAME | rpk KEY SERVER_KEY\n')
        return 2
    try:
        reply = run(host, port, mode, args, gc_fraction=gc_fraction)
    except (OSError, RuntimeError, dtls_lite.DTLSError) as e:
        # DTLSError: ConfigError for credential files that hold something else
        sys.stderr.write('board_client: %s\n' % e)
        return 1
    sys.stdout.write(reply.decode() + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
