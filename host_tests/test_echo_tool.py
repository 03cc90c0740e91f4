"""tools/dtls_echo.py's own logic, in process, on both runtimes (the subprocess runs against
itself and other peers are in test_host_echo.py and test_host_interop_*.py)."""
import sys

from support import ROOT

sys.path.insert(0, ROOT + '/tools')
sys.path.insert(0, ROOT + '/ports/unix')
import dtls_echo  # noqa: E402


class _OneRecordContext:
    """A Context stand-in whose write() takes at most `room` bytes, as one record does."""

    def __init__(self, room):
        self.room = room
        self.records = []

    def write(self, session, data):
        n = min(len(data), self.room)
        self.records.append((session, bytes(data[:n])))
        return n


def test_server_sends_a_long_reply_in_as_many_records_as_it_takes():
    # write() sends one record's worth and says how much: the rest used to be lost silently
    class Server(dtls_echo.EchoServer):
        def __init__(self, ctx):        # no socket: only the outbox logic is under test
            self.ctx = ctx
            self.outbox = []
    server = Server(_OneRecordContext(100))
    reply = bytes(range(256)) + b'\n'
    server.outbox = [('a', reply), ('b', b'short\n')]
    server.flush_outbox()
    assert server.outbox == []
    assert [len(d) for s, d in server.ctx.records] == [100, 100, 57, 6]
    assert b''.join(d for s, d in server.ctx.records if s == 'a') == reply
