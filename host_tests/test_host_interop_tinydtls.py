"""Interop with tinydtls 0.8.6 (through PyPI DTLSSocket 0.2.3), DTLS 1.2 PSK AES-128-CCM-8.

tinydtls is the C library whose API dtls_lite mirrors and the one most IoT devices run. Run as a
script, this file is the tinydtls peer (`python test_host_interop_tinydtls.py server|client ...`,
below); pytest runs it against tools/dtls_echo.py under MicroPython and CPython.

tinydtls sockets are AF_INET6 only: its server binds `::` (dual stack) and is reached by our client
over IPv4 and IPv6; its client reaches our server at `::1`, or at `::ffff:127.0.0.1` for an IPv4
socket. Our client offers its default suite list here (no --ciphers): tinydtls must accept our
default ClientHello.
"""
import sys
import time

import pytest

from test_host_interop_support import (RUNTIMES, Processes, check_client_exchange, free_port)

_SUITE = 'TLS_PSK_WITH_AES_128_CCM_8'
_CCM = 'TLS_PSK_WITH_AES_128_CCM'  # the other suite tinydtls has
_IDENTITY = b'Client_identity'
_KEY = bytes(range(16))
_EVENT_CONNECTED = 0x1DE
_PEER_TIMEOUT_S = 20


def _peer_argv(mode, host, port, *lines):
    return [sys.executable, __file__, mode, host, str(port)] + list(lines)


def _require_dtlssocket():
    try:
        from DTLSSocket import dtls  # noqa: F401
    except ImportError as e:
        pytest.fail('tinydtls peer missing (%s): run `make peers` (tools/peers.sh)' % e)


@pytest.mark.parametrize('runtime,host,suite', [
    ('micropython', '127.0.0.1', None), ('micropython', '[::1]', None), ('cpython', '127.0.0.1', None),
    ('micropython', '127.0.0.1', _CCM)])
def test_our_client_tinydtls_server(tmp_path, runtime, host, suite):
    """suite None: our default offer, on which tinydtls must pick CCM_8."""
    _require_dtlssocket()
    port = free_port()
    lines = ['hello-tinydtls-%s' % runtime, 'second']
    with Processes(tmp_path) as procs:
        server = procs.start('tinydtls-server', _peer_argv('server', '::', port))
        procs.wait_for(server, 'ready', 'stderr', what='tinydtls server start')
        options = ('--ciphers', suite) if suite else ()
        client = procs.echo_client(runtime, '%s:%d' % (host, port), *options)
        client.send(''.join(line + '\n' for line in lines))
        err = check_client_exchange(procs, client, server, lines, ['Echo: ' + x for x in lines])
        if ', %s, handshake' % (suite or _SUITE) not in err:
            procs.fail('our client did not report %s' % (suite or _SUITE))


@pytest.mark.parametrize('runtime,listen,connect,suite', [
    ('micropython', '[::1]', '::1', _SUITE), ('micropython', '127.0.0.1', '::ffff:127.0.0.1', _SUITE),
    ('cpython', '[::1]', '::1', _SUITE), ('micropython', '[::1]', '::1', _CCM)])
def test_tinydtls_client_our_server(tmp_path, runtime, listen, connect, suite):
    _require_dtlssocket()
    port = free_port()
    lines = ['ping-from-tinydtls-%s' % runtime, 'second']
    with Processes(tmp_path) as procs:
        server = procs.echo_server(runtime, '%s:%d' % (listen, port), '--ciphers', suite)
        client = procs.start('tinydtls-client', _peer_argv('client', connect, port, *lines))
        rc = procs.wait_exit(client, _PEER_TIMEOUT_S + 5)
        out = client.stdout()
        for line in lines:
            if 'recv Echo: %s' % line not in out:
                procs.fail('tinydtls client did not get the echo of %r' % line)
        if rc != 0:
            procs.fail('tinydtls client exited %s' % rc)
        procs.wait_for(server, 'connected', 'stderr')
        procs.wait_for(server, 'connected, %s in' % suite, 'stderr', what='negotiated suite')


# --- the tinydtls peer (run as a script) ---------------------------------------------------

class _Peer:
    """tinydtls over one AF_INET6 UDP socket; records arriving are kept in `received`."""

    def __init__(self):
        import socket
        from DTLSSocket import dtls
        self.dtls_mod = dtls
        self.sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        self.sock.settimeout(0.05)
        self.connected = False
        self.received = []  # (address, data)
        # tinydtls keeps a char* into the identity bytes: keep them alive on self.
        self.identity = _IDENTITY
        self.d = dtls.DTLS(read=self._read, write=self._write, event=self._event,
                           pskId=self.identity, pskStore={_IDENTITY: _KEY})

    def _write(self, addr, data):
        return self.sock.sendto(data, addr)

    def _read(self, addr, data):
        self.received.append((addr, data))
        return len(data)

    def _event(self, level, code):
        print('event level %d code 0x%x' % (level, code), file=sys.stderr, flush=True)
        if level == 0 and code == _EVENT_CONNECTED:
            self.connected = True

    def step(self):
        import socket
        try:
            data, addr = self.sock.recvfrom(4096)
            self.d.handleMessageAddr(addr[0], addr[1], data)
        except socket.timeout:
            pass
        self.d.checkRetransmit()


def _serve(host, port):
    """Echo server: every record comes back as b'Echo: ' + record; runs until killed/timeout."""
    peer = _Peer()
    peer.sock.bind((host, port))
    print('ready', file=sys.stderr, flush=True)
    deadline = time.monotonic() + _PEER_TIMEOUT_S
    while time.monotonic() < deadline:
        peer.step()
        while peer.received:
            addr, data = peer.received.pop(0)
            print('recv %s' % data.decode(), flush=True)
            peer.d.write(peer.dtls_mod.Session(addr[0], addr[1]), b'Echo: ' + data)
    return 0


def _client(host, port, lines):
    """Send each line as a record once connected, wait for each reply, close; 0 if all came."""
    peer = _Peer()
    session = peer.d.connect(host, port)
    deadline = time.monotonic() + _PEER_TIMEOUT_S
    pending = list(lines)
    replies = 0
    while replies < len(lines) and time.monotonic() < deadline:
        peer.step()
        if peer.connected and pending:
            peer.d.write(session, pending.pop(0).encode())
        while peer.received:
            print('recv %s' % peer.received.pop(0)[1].decode(), flush=True)
            replies += 1
    if replies < len(lines):
        print('tinydtls client: %d of %d replies' % (replies, len(lines)), file=sys.stderr)
        return 1
    peer.d.close(session)
    for _ in range(5):
        peer.step()
    return 0


if __name__ == '__main__':
    mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == 'server':
        sys.exit(_serve(host, port))
    sys.exit(_client(host, port, sys.argv[4:]))
