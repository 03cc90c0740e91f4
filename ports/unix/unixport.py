"""UDP and terminal glue for unix hosts, the same file under CPython and the MicroPython unix port.

dtls_lite itself never touches a socket: the application reads datagrams and hands them to
`Context.handle_message`, and sends what the `write` callback gives it. This module holds the few
host facilities an application such as tools/dtls_echo.py needs around that, and hides where the
two runtimes differ (see ../../shared/MICROPYTHON.md, "Sockets"):

- Addresses: CPython uses `(ip, port[, flow, scope])` tuples; the MicroPython unix port uses raw
  `sockaddr` bytes. Both are hashable and are used as the DTLS session key unchanged, exactly as
  `recvfrom` returns them. `resolve` gives the same representation for a host name.
- Waiting: `select.poll` on both; CPython's `poll()` returns file descriptors, MicroPython's the
  registered objects. `Poller.poll` returns objects on both.
- Standard input: MicroPython's `sys.stdin` is unbuffered (readline reads byte by byte), so a
  readline after poll never hides queued lines; CPython's is buffered, so we read the raw fd.
- UDP datagrams are read with `recvfrom` only: MicroPython's stream `read`/`readinto` on a UDP
  socket merge queued datagrams.
"""
import gc
import sys
import socket
import select

from dtls_lite.compat import MICROPYTHON, ticks_ms, ticks_diff

if not MICROPYTHON:
    import os

# Largest datagram we read by default: one DTLS 1.2 record of the largest allowed size (13-byte
# header + 2^14 + 2048 bytes of ciphertext, RFC 6347 §4.1 / RFC 5246 §6.2.3). Peers on loopback
# (OpenSSL takes the interface MTU, 65536) send a whole flight, or one maximal record, in one
# datagram, so a general-purpose tool must accept this much. The UDP maximum (65507) would cost a
# 64 KB block per datagram on MicroPython, whose recvfrom allocates the full size per call. A
# device whose peers keep to a path MTU reads with a much smaller bound (recvfrom's size).
MAX_DATAGRAM = 13 + 16384 + 2048

POLLIN = select.POLLIN
# Readiness bits that mean "read now": data, or hang-up/error that a read reports as EOF.
_READY = select.POLLIN | select.POLLHUP | select.POLLERR


def now_ms():
    return ticks_ms()


def elapsed_ms(since):
    return ticks_diff(ticks_ms(), since)


def split_host_port(text):
    """'HOST:PORT', '[v6]:PORT' -> (host, port). Raises ValueError on a malformed address."""
    if text.startswith('['):
        end = text.find(']')
        if end < 0 or text[end + 1:end + 2] != ':':
            raise ValueError('bad address %r: expected [IPv6]:PORT' % text)
        host, port = text[1:end], text[end + 2:]
    else:
        i = text.rfind(':')
        if i <= 0:
            raise ValueError('bad address %r: expected HOST:PORT' % text)
        host, port = text[:i], text[i + 1:]
        if ':' in host:
            raise ValueError('bad address %r: write IPv6 as [addr]:port' % text)
    if not port or not all('0' <= c <= '9' for c in port):    # ASCII digits on both runtimes
        raise ValueError('bad port in %r' % text)
    port = int(port)
    if not 0 <= port <= 65535:
        raise ValueError('bad port in %r' % text)
    return host, port


def resolve(host, port):
    """(family, address) for a UDP peer or local bind, address in this runtime's own form."""
    infos = socket.getaddrinfo(host, port, 0, socket.SOCK_DGRAM)
    if not infos:
        raise OSError('cannot resolve %r' % host)
    family, addr = infos[0][0], infos[0][-1]
    if MICROPYTHON:
        addr = bytes(addr)  # getaddrinfo gives a bytearray; recvfrom gives bytes (hashable)
    return family, addr


def udp_socket(family):
    return socket.socket(family, socket.SOCK_DGRAM)


def recvfrom(sock, size=MAX_DATAGRAM):
    """(datagram, address) from a socket poll said is readable, reading at most size + 1 bytes.

    The socket silently cuts a longer datagram; reading one byte more than the bound tells the
    caller it happened: a datagram of size + 1 bytes was longer than size (the caller drops it
    and can say why, rather than hand the engine a cut record that fails its MAC in silence).
    MicroPython allocates size + 1 bytes per call, so size is the receive buffer a device pays.
    On a small MicroPython heap that block may not fit until garbage is collected: collect and
    try once more. A MemoryError may come after the datagram was read (MicroPython allocates
    the result after the read), so the retry reads only if a datagram is waiting (never
    blocks), and if it fails too, a datagram still waiting is read into one byte (UDP cuts it).
    Then (b'', None) is returned: a full heap costs a datagram or two (lost, as on a congested
    link), not the process."""
    try:
        return sock.recvfrom(size + 1)
    except MemoryError:
        gc.collect()
    waiting = None
    try:
        waiting = select.poll()
        waiting.register(sock, POLLIN)
        if waiting.poll(0):
            return sock.recvfrom(size + 1)
    except MemoryError:     # (even the poll object may not fit)
        try:
            if waiting is not None and waiting.poll(0):
                sock.recvfrom(1)
        except MemoryError:
            pass
    return b'', None


def format_addr(addr):
    """Human-readable 'ip:port' / '[ip]:port' for logs."""
    if MICROPYTHON:
        fields = socket.sockaddr(addr)
        family, ip, port = fields[0], socket.inet_ntop(fields[0], fields[1]), fields[2]
    else:
        family, ip, port = (socket.AF_INET6 if len(addr) == 4 else socket.AF_INET), addr[0], addr[1]
    if family == socket.AF_INET6:
        return '[%s]:%d' % (ip, port)
    return '%s:%d' % (ip, port)


class Poller:
    """select.poll that reports the registered objects on both runtimes."""

    def __init__(self):
        self._poll = select.poll()
        self._by_fd = {}

    def register(self, obj):
        self._poll.register(obj, POLLIN)
        if not MICROPYTHON:
            self._by_fd[obj.fileno()] = obj

    def unregister(self, obj):
        self._poll.unregister(obj)
        if not MICROPYTHON:
            self._by_fd.pop(obj.fileno(), None)

    def poll(self, timeout_ms):
        """Objects ready to read within timeout_ms (-1: wait for ever)."""
        ready = []
        for entry in self._poll.poll(timeout_ms):
            if entry[1] & _READY:
                ready.append(entry[0] if MICROPYTHON else self._by_fd[entry[0]])
        return ready


class StdinLines:
    """Complete lines from standard input without blocking once poll said it is readable.

    `pollable` is what to register with a Poller. `read()` returns a list of lines (bytes, newline
    stripped); `eof` becomes True at end of input (a last line without newline is still returned).
    """

    def __init__(self):
        self.pollable = sys.stdin
        self.eof = False
        self._pending = b''

    def read(self):
        if MICROPYTHON:
            line = sys.stdin.buffer.readline()
            if not line:
                self.eof = True
                return []
            return [line[:-1] if line.endswith(b'\n') else line]
        chunk = os.read(sys.stdin.fileno(), 4096)
        if not chunk:
            self.eof = True
            rest, self._pending = self._pending, b''
            return [rest] if rest else []
        parts = (self._pending + chunk).split(b'\n')
        self._pending = parts.pop()
        return parts


def write_stdout(data):
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def log(text):
    """One line on standard error (diagnostics never mix with echoed data on stdout)."""
    sys.stderr.write(text + '\n')
