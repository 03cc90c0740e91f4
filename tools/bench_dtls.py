"""Echo rate over loopback UDP: dtls_lite records vs plain datagrams, same process, same loop.

One client and one server socket on 127.0.0.1 in this process. An echo is one request of
_PAYLOAD bytes from the client and one reply of the same size from the server, each read with
`recvfrom` after `poll`, exactly as tools/dtls_echo.py does. The plain-UDP row is the floor set by
the runtime's socket calls; the DTLS rows add record protection (AEAD seal/open, replay window)
and the Context callbacks. The handshake is done before timing starts (its cost is in H4's
tools/bench_dtls_engine.py). Each row runs for about _RUN_MS and reports echoes per second.

On MicroPython the plain-UDP row is NOT a floor and reads below the DTLS rows (about 5-10k
vs 14k echo/s on `make bench`'s 16 MB heap): it measures the allocator, not the sockets (strace
shows the same calls). The unix port's `recvfrom(n)` allocates an n-byte buffer, copies the
datagram into a new bytes object and frees the buffer; the likely cause is that the small
objects allocated next take the start of that freed block, so the next n-byte buffer no longer
fits there, and with nothing else in between such holes pile up and every allocation scans past
them (first fit) until a collection. What is measured: a loop like this row's runs at 9.9k
echo/s on a 16 MB heap, 16.6k on 1 MB, 41k on 256 KB, and the same calls arranged differently
(other small allocations) at 60-80k. The DTLS loop, which allocates other objects in between,
does not show it. A board's heap is small, so its scans are short.

    python3 tools/bench.py bench_dtls        micropython tools/bench.py bench_dtls
"""
import sys

sys.path.insert(0, 'ports/unix')

import dtls_lite  # noqa: E402
import unixport  # noqa: E402

_PAYLOAD = 64  # bytes: a typical CoAP message
_RUN_MS = 1500
_WAIT_MS = 1000  # loopback never takes this long; bounds a lost datagram
_SUITES = ('TLS_PSK_WITH_AES_128_CCM_8', 'TLS_PSK_WITH_AES_128_GCM_SHA256',
           'TLS_PSK_WITH_CHACHA20_POLY1305_SHA256')
_IDENTITY = b'Client_identity'
_KEY = bytes(range(16))


class _Side:
    """A socket with its own poller; for DTLS also a Context and the records it delivered."""

    def __init__(self, bind_port, suite=None):
        family, self.addr = unixport.resolve('127.0.0.1', bind_port)
        self.sock = unixport.udp_socket(family)
        try:
            self.sock.bind(self.addr)
        except OSError:
            self.sock.close()
            raise
        self.poller = unixport.Poller()
        self.poller.register(self.sock)
        self.inbox = []
        self.connected = False
        self.ctx = None
        if suite:
            self.ctx = dtls_lite.Context(ciphers=[suite], clock=unixport.now_ms)
            self.ctx.set_handler(self._write, read=self._read, event=self._event,
                                 get_psk_info=self._psk)

    def _write(self, ctx, session, data):
        return self.sock.sendto(data, session)

    def _read(self, ctx, session, data):
        self.inbox.append((session, bytes(data)))

    def _event(self, ctx, session, level, code):
        if level == 0 and code == dtls_lite.EVENT_CONNECTED:
            self.connected = True

    def _psk(self, ctx, session, kind, identity):
        if kind == dtls_lite.PSK_IDENTITY:
            return _IDENTITY
        if kind == dtls_lite.PSK_KEY:
            return _KEY
        return None

    def receive(self, wait_ms=_WAIT_MS):
        """One datagram (data, addr), or None if nothing came within wait_ms."""
        if not self.poller.poll(wait_ms):
            return None
        return unixport.recvfrom(self.sock)

    def pump(self, wait_ms):
        got = self.receive(wait_ms)
        if got is not None:
            self.ctx.handle_message(got[1], got[0])
        self.ctx.check_retransmit()

    def close(self):
        self.sock.close()


def _pair(suite=None):
    """Client and server _Side on loopback. MicroPython has no getsockname, so instead of port 0
    we try fixed high ports until two bind."""
    sides = []
    for port in range(39471, 39571):
        try:
            sides.append(_Side(port, suite))
        except OSError:
            continue
        if len(sides) == 2:
            return sides
    raise OSError('bench_dtls: no free UDP port pair in 39471-39570')


def _plain_rate():
    client, server = _pair()
    payload = bytes(_PAYLOAD)
    try:
        n, t0 = 0, unixport.now_ms()
        while unixport.elapsed_ms(t0) < _RUN_MS:
            client.sock.sendto(payload, server.addr)
            data, addr = server.receive()
            server.sock.sendto(data, addr)
            client.receive()
            n += 1
        return n * 1000 / unixport.elapsed_ms(t0)
    finally:
        client.close()
        server.close()


def _dtls_rate(suite):
    client, server = _pair(suite)
    payload = bytes(_PAYLOAD)
    try:
        client.ctx.connect(server.addr)
        t0 = unixport.now_ms()
        while not (client.connected and server.connected):
            if unixport.elapsed_ms(t0) > 10000:
                raise RuntimeError('bench_dtls: handshake did not complete')
            server.pump(5)
            client.pump(5)
        n, t0 = 0, unixport.now_ms()
        while unixport.elapsed_ms(t0) < _RUN_MS:
            client.ctx.write(server.addr, payload)
            server.pump(_WAIT_MS)
            session, data = server.inbox.pop()
            server.ctx.write(session, data)
            client.pump(_WAIT_MS)
            client.inbox.pop()
            n += 1
        return n * 1000 / unixport.elapsed_ms(t0)
    finally:
        client.close()
        server.close()


def bench_echo_loopback():
    rows = [('echo %d B over loopback, plain UDP' % _PAYLOAD, _plain_rate(), 'echo/s')]
    for suite in _SUITES:
        name = suite.replace('TLS_PSK_WITH_', 'PSK ')
        rows.append(('echo %d B over loopback, DTLS %s' % (_PAYLOAD, name), _dtls_rate(suite), 'echo/s'))
    return rows
