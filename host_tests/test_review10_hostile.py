"""Session 10, second review of hostile traffic (off-path forgeries against today's changes):
each test failed before its fix. Runs on both runtimes."""
from dtls_lite import Context, PSK_IDENTITY
from dtls_lite.crypto.util import SeededRng
from dtls_sim import Pair


def test_ignored_hello_verify_requests_keep_nothing():
    # HelloVerifyRequests past the 255th are ignored; each still added 4 bytes (copying the
    # whole buffer) to what a retransmission must match: 261 KB after a forged flood to 65535
    ctx = Context(clock=lambda: 0, rng=SeededRng(b'c'), ciphers=['TLS_PSK_WITH_AES_128_CCM_8'],
                  role='client')
    ctx.set_handler(lambda c, s, d: len(d), None, None,
                    lambda c, s, k, i: b'id' if k == PSK_IDENTITY else b'k' * 16)
    ctx.connect('srv')

    def hvr(seq):
        body = b'\xfe\xfd\x08' + b'C' * 8
        hs = bytes((3, 0, 0, len(body), seq >> 8, seq & 255, 0, 0, 0, 0, 0, len(body))) + body
        return bytes((22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, seq >> 8, seq & 255, 0, len(hs))) + hs
    for i in range(400):
        ctx.handle_message('srv', hvr(i))
    hs = ctx._peers['srv'].hs
    assert len(hs.reasm.heads) <= 4 and hs.reasm.next_seq == 400, len(hs.reasm.heads)


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
