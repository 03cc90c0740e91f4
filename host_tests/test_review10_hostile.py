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
