"""CPython only: mutated ECDHE_ECDSA handshakes (X.509 and raw keys, server-only and mutual).

One datagram of one side's flight is damaged (bit flips, random bytes, truncation) on its way;
whatever happens, the invariant is "only our protocol alerts, ever": nothing escapes as an
internal_error (the engine's safety net counts any non-Fault exception), and a handshake either
completes on both sides or leaves no state for the peer on either side. Seeded, so a failure replays exactly.
"""
import random

import test_dtls_ecdsa as T


def _mutator(rnd, target, k):
    seen = [0]

    def tamper(src, dst, data):
        if src != target:
            return data
        seen[0] += 1
        if seen[0] != k:
            return data
        d = bytearray(data)
        for _ in range(rnd.randrange(1, 4)):
            j = rnd.randrange(len(d))
            if rnd.random() < 0.5:
                d[j] ^= 1 << rnd.randrange(8)
            else:
                d[j] = rnd.randrange(256)
        if rnd.random() < 0.2:
            d = d[:rnd.randrange(len(d))]
        return bytes(d)
    return tamper


def test_mutated_flights_only_ever_give_protocol_alerts():
    rnd = random.Random(4)
    alerts = set()
    for i in range(240):
        rpk, mutual = i % 2 == 1, i % 4 >= 2
        pair = T._pair(5000 + i, rpk=rpk, mutual=mutual)
        pair.tamper = _mutator(rnd, rnd.choice(('client', 'server')), rnd.randrange(1, 5))
        pair.handshake()
        pair.run()
        assert pair.internal_errors() == 0, (i, pair.events)
        for who in ('client', 'server'):
            alerts.update(code for level, code in pair.events[who] if level == 2)
        # once the link is quiet (timers run out), both sides are connected or neither keeps
        # anything: a failure sends its alert, and the peer drops its state too
        if not pair.both_connected():
            assert pair.client.sessions() == [] and pair.server.sessions() == [], (i, pair.events)
    # the damage reached the certificate checks, not just the record layer
    assert {42, 51} <= alerts, alerts
