"""Session 10, second review of hostile traffic (off-path forgeries against today's changes):
each test failed before its fix (the HelloVerifyRequest flood: in test_review10_time). Runs on
both runtimes."""
from dtls_sim import Pair


class _Clock:
    """Whole milliseconds of a real time `t`; `cost` ms pass during each handle_message."""

    def __init__(self):
        self.t = 0.0
        self.inside = False
        self.cost = 1.0

    def __call__(self):
        if self.inside:
            if self.entered:
                self.entered = False
                return int(self.t)
            return int(self.t + self.cost)
        return int(self.t)


def test_junk_datagrams_do_not_postpone_the_retransmission():
    # The timer is re-armed after a call that sent the flight built slowly; it was also re-armed
    # after junk that sent nothing, when it came in the millisecond the flight left: a flood
    # of junk, back to back, pushed the retransmission back for the whole flood
    pair = Pair(seed=1)
    clock = _Clock()
    pair.client._cfg.clock = clock
    pair.tamper = lambda s, d, data: None            # the server never answers
    hellos = []
    real = pair.client._write
    pair.client._write = lambda c, s, d: (hellos.append(clock()), real(c, s, d))[1]
    pair.client.connect(pair.server_addr)
    junk = b'\x17\xfe\xfd\x00\x01' + bytes(6) + b'\x00\x10' + bytes(16)    # epoch 1: dropped
    while clock.t < 8000:
        clock.inside = clock.entered = True
        pair.client.handle_message(pair.server_addr, junk)
        clock.inside = False
        clock.t += clock.cost
        pair.client.check_retransmit()
    assert hellos[:4] == [0, 1000, 3000, 7000], hellos


def _rec(ct, epoch, rseq, payload):
    return bytes((ct, 0xfe, 0xfd, epoch >> 8, epoch & 255)) + rseq.to_bytes(6, 'big') + \
        bytes((len(payload) >> 8, len(payload) & 255)) + payload


def _frag(mt, length, seq, off, body):
    n = len(body)
    return bytes((mt, length >> 16, (length >> 8) & 255, length & 255, seq >> 8, seq & 255,
                  off >> 16, (off >> 8) & 255, off & 255, n >> 16, (n >> 8) & 255, n & 255)) + body


def test_a_forged_oversized_header_ahead_does_not_end_the_handshake():
    # An empty fragment claiming a length over max_handshake_message, with any message_seq of
    # the window but the next, ended any handshake with handshake_failure: one 25-byte forged
    # datagram. Only an oversized NEXT message is fatal now (as a forged complete one is).
    from test_dtls_ecdsa import _pair
    for to in ('client', 'server'):
        p = _pair(7, rpk=False, mutual=True, client_cfg={'max_datagram': 300},
                  server_cfg={'max_datagram': 300})
        p.client.connect(p.server_addr)
        p.run(lambda: p.server.peer(p.client_addr) is not None, max_ms=1000)
        forged = _rec(22, 0, 5, _frag(11, 4097, 4 if to == 'server' else 8, 0, b''))
        p.net.send(p.clock.now, 'server' if to == 'client' else 'client', to, forged)
        assert p.run(p.both_connected, max_ms=20000), (to, p.events[to])
        assert getattr(p, to).stats['too_long'] == 1


def test_a_forged_partial_far_ahead_gives_way_to_real_messages():
    # One forged fragment of a message 5 ahead (length 4096, never completed) held the whole
    # ahead budget until the CCS: on a link that reverses each burst, real messages in front of
    # it were dropped round after round (240 ms clean, 3220 ms with the forgery)
    from test_dtls_ecdsa import _pair

    def run(forge):
        p = _pair(1, rpk=False, mutual=False, client_cfg={'max_datagram': 300},
                  server_cfg={'max_datagram': 300})
        send = p.net.send
        burst = {}

        def reversing(now, src, dst, data):
            if src == 'server':
                k = burst[now] = burst.get(now, 0) + 1
                p.net.latency = 5 + max(0, 80 - 10 * k)
            send(now, src, dst, data)
            p.net.latency = 5
        p.net.send = reversing
        p.client.connect(p.server_addr)
        if forge:
            send(p.clock.now, 'server', 'client', _rec(22, 0, 99, _frag(11, 4096, 5, 0, b'')))
        assert p.run(p.both_connected, max_ms=120000)
        return p.clock.now
    clean = run(False)
    assert run(True) == clean, clean
