"""ports/unix/unixport.py on both runtimes: the receive bound of recvfrom over a loopback socket.

tools/dtls_echo.py --max-datagram relies on recvfrom(sock, size) returning a datagram of up to
size bytes whole, and a longer one as size + 1 bytes (cut by the socket), so that it can drop it
and say why instead of handing the engine a cut record.
"""
import sys

from support import ROOT

sys.path.insert(0, ROOT + '/ports/unix')
import unixport  # noqa: E402


def _bound(first_port):
    """(family, address, socket) of a UDP socket bound on loopback at a port from first_port
    on (MicroPython has no getsockname: try ports until one binds)."""
    for port in range(first_port, first_port + 100):
        family, addr = unixport.resolve('127.0.0.1', port)
        receiver = unixport.udp_socket(family)
        try:
            receiver.bind(addr)
        except OSError:
            receiver.close()
            continue
        return family, addr, receiver
    raise OSError('no free UDP port in %d..%d' % (first_port, first_port + 99))


def _sendto_self(size, bound):
    """Send one datagram of `size` bytes to a fresh socket on a port we pick; read it back with
    unixport.recvfrom(sock, bound)."""
    family, addr, receiver = _bound(47600)
    sender = unixport.udp_socket(family)
    try:
        payload = bytes(i & 0xff for i in range(size))
        sender.sendto(payload, addr)
        poller = unixport.Poller()
        poller.register(receiver)
        assert poller.poll(2000), 'datagram not received'
        data, _ = unixport.recvfrom(receiver, bound)
        return payload, data
    finally:
        sender.close()
        receiver.close()


def test_recvfrom_returns_a_datagram_of_exactly_the_bound_whole():
    payload, data = _sendto_self(1500, 1500)
    assert data == payload


def test_recvfrom_returns_a_shorter_datagram_whole():
    payload, data = _sendto_self(40, 1500)
    assert data == payload


def test_recvfrom_flags_a_longer_datagram_with_one_byte_more_than_the_bound():
    payload, data = _sendto_self(1501, 1500)
    assert len(data) == 1501 and data == payload
    payload, data = _sendto_self(4000, 1500)
    assert len(data) == 1501 and data == payload[:1501]


def test_recvfrom_default_bound_is_one_maximal_record():
    # 13-byte header + 2^14 + 2048 (RFC 6347 §4.1, RFC 5246 §6.2.3)
    assert unixport.MAX_DATAGRAM == 18445
    payload, data = _sendto_self(18445, unixport.MAX_DATAGRAM)
    assert data == payload


def test_split_host_port_takes_ascii_digits_only():
    assert unixport.split_host_port('example.com:5684') == ('example.com', 5684)
    assert unixport.split_host_port('[::1]:0') == ('::1', 0)
    # CPython's int() also takes other scripts' digits, '+', '_' and spaces: refused on both
    for bad in ('h:\u0661\u0662', 'h:+12', 'h:1_2', 'h: 12', 'h:', 'h:65536', '::1:5', '[::1]5'):
        try:
            unixport.split_host_port(bad)
        except ValueError:
            pass
        else:
            raise AssertionError('accepted %r' % bad)


def test_recvfrom_with_no_heap_loses_a_datagram_not_the_process():
    # R10: a MemoryError on the retry escaped recvfrom and killed the echo server (MicroPython
    # on a small heap). MicroPython may raise it after reading the datagram (the result is
    # allocated after the read): the retry reads only a datagram still waiting, never blocks.
    family, addr, receiver = _bound(47700)

    import io
    import select

    class Failing(io.IOBase):
        """The real socket, its recvfrom failing `fails` times after reading (after_read) or
        before. (An io.IOBase with ioctl: what MicroPython's poll takes besides its streams.)"""

        def __init__(self, sock, fails, after_read):
            self.sock = sock
            self.fails = fails
            self.after_read = after_read
            self.sizes = []

        def fileno(self):
            return self.sock.fileno()

        def ioctl(self, request, arg):          # MicroPython: MP_STREAM_POLL
            if request == 3:
                ready = select.poll()
                ready.register(self.sock, select.POLLIN)
                return arg & select.POLLIN if ready.poll(0) else 0
            return -1

        def recvfrom(self, size):
            self.sizes.append(size)
            if self.fails and size > 1:
                self.fails -= 1
                if self.after_read:
                    self.sock.recvfrom(size)
                raise MemoryError
            return self.sock.recvfrom(size)
    receiver.settimeout(2)      # a read that blocks fails the test instead of hanging it
    sender = unixport.udp_socket(family)
    try:
        sender.sendto(b'one', addr)
        poller = unixport.Poller()
        poller.register(receiver)
        assert poller.poll(2000)
        # read, then no heap for the result: nothing else waits, so no second read (it used to
        # block until the next datagram came)
        s = Failing(receiver, 1, True)
        assert unixport.recvfrom(s, 100) == (b'', None) and s.sizes == [101]
        # no heap for the buffer, twice: the datagram still waiting is read into one byte
        sender.sendto(b'two', addr)
        assert poller.poll(2000)
        s = Failing(receiver, 2, False)
        assert unixport.recvfrom(s, 100) == (b'', None) and s.sizes == [101, 101, 1]
        assert not poller.poll(0)
        # no heap once, before the read: the retry gets it
        sender.sendto(b'three', addr)
        assert poller.poll(2000)
        s = Failing(receiver, 1, False)
        assert unixport.recvfrom(s, 100)[0] == b'three'
    finally:
        sender.close()
        receiver.close()
