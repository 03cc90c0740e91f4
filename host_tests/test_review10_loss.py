"""Session 10 review of retransmission and loss (RFC 6347 §4.2.4): each test failed before its
fix. Runs on both runtimes."""
from dtls_sim import Pair, records


def _frag(mt, length, seq, off, body):
    n = len(body)
    return bytes((mt, length >> 16, (length >> 8) & 255, length & 255, seq >> 8, seq & 255,
                  off >> 16, (off >> 8) & 255, off & 255, n >> 16, (n >> 8) & 255, n & 255)) + body


def _plain(fragment, record_seq):
    n = len(fragment)
    return bytes((22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, record_seq >> 8, record_seq & 255,
                  n >> 8, n & 255)) + fragment


def _ccs_flight(data):
    return [1 for ct, epoch, body in records(data) if ct == 20] != []


def _step_datagrams_first(pair):
    """Like Pair.step, but when time jumps, what is due on the link is delivered before the
    timers run (an application whose socket wakes it before its timer does)."""
    item = pair.net.pop_due(pair.clock.now)
    if item is not None:
        if item[2] == 'server':
            pair.server.handle_message(pair.client_addr, item[4])
        else:
            pair.client.handle_message(pair.server_addr, item[4])
        return True
    cands = [t for t in (pair.client.check_retransmit(pair.clock.now),
                         pair.server.check_retransmit(pair.clock.now), pair.net.next_time())
             if t is not None]
    if not cands:
        return False
    pair.clock.now = max(pair.clock.now, min(cands))
    return True


def test_answering_a_repeat_resets_the_timer():
    # RFC 6347 §4.2.4: reading the peer's retransmitted flight, an endpoint "retransmits the
    # flight, resets the retransmit timer". The timer was left as it was, due at the same
    # moment as the peer's repeat: the flight left twice each round (sends at 20, 1020, 1020,
    # 3020, 3020 ms).
    pair = Pair(seed=1)
    sends = []

    def tamper(src, dst, data):
        if src == 'client' and _ccs_flight(data):
            sends.append(pair.clock.now)
            if len(sends) <= 3:
                return None
        return data
    pair.tamper = tamper
    pair.client.connect(pair.server_addr)
    while not pair.both_connected() and pair.clock.now < 60000:
        assert _step_datagrams_first(pair)
    assert pair.both_connected() and len(sends) >= 4, sends
    gaps = [b - a for a, b in zip(sends, sends[1:])]
    assert min(gaps) >= 500, sends
    assert pair.internal_errors() == 0


def _wedge(victim):
    # One forged epoch-0 fragment (a piece of a message that never comes: its message_seq is
    # past the Finished) sent to `victim` before the peer's CCS.
    pair = Pair(seed=3)
    sent = []
    ctx, addr, src = ((pair.server, pair.client_addr, 'client') if victim == 'server'
                      else (pair.client, pair.server_addr, 'server'))

    def tamper(s, d, data):
        e = ctx._peers.get(addr)
        if not sent and s == src and e is not None and e.hs is not None and \
                e.hs.transcript:
            sent.append(1)
            forged = _frag(15, 100, e.hs.reasm.next_seq + 5, 0, b'x' * 10)
            pair.net.send(pair.clock.now, src, victim, _plain(forged, 7777))
        return data
    pair.tamper = tamper
    ok = pair.handshake(max_ms=20000)
    return ok, sent, pair


def test_a_forged_fragment_ahead_cannot_hold_off_the_ccs():
    # The CCS was dropped while any fragment waited in the Reassembler; nothing legitimate
    # ever replaced this one (the message after the CCS is the Finished, in epoch 1), so the
    # handshake hung until handshake_timeout_ms, holding its slot.
    for victim in ('server', 'client'):
        ok, sent, pair = _wedge(victim)
        assert sent == [1], victim
        assert ok and pair.clock.now < 1000, (victim, pair.clock.now)
        assert pair.internal_errors() == 0


def test_epoch_0_record_numbers_never_wrap():
    # A client's hello at record number 2^48 - 2^16 (accepted then) and its repeats made the
    # server re-send its flight until the numbers passed 2^48: struct.error out of
    # handle_message on CPython, wrapped numbers on MicroPython. Hellos above 2^32 are
    # dropped now, and a flight that would pass 2^48 is not sent.
    pair = Pair(seed=5)
    out = []

    def tamper(src, dst, data):
        if src == 'server':
            out.append(data)
        return data
    pair.tamper = tamper
    pair.client.connect(pair.server_addr)
    while not pair.server.sessions():
        assert pair.step()
    e = pair.server._peers[pair.client_addr]
    e.hs.seq0 = (1 << 48) - 2           # two numbers left
    del out[:]
    for k in range(3):                  # the timer re-sends the flight: at most two records
        pair.server.check_retransmit(pair.clock.now + 1500 * (k + 1))
    seqs = []
    for d in out:
        pos = 0
        while pos + 13 <= len(d):
            seqs.append(int.from_bytes(d[pos + 5:pos + 11], 'big'))
            pos += 13 + ((d[pos + 11] << 8) | d[pos + 12])
    assert seqs and max(seqs) == (1 << 48) - 1 and min(seqs) == (1 << 48) - 2, seqs
    assert e.hs is None or e.hs.seq0 == 1 << 48


def test_check_retransmit_now_ms_needs_the_contexts_clock():
    # without a clock, handshakes are timed on ticks_ms unwrapped from 0; a now_ms from any
    # other clock (ticks_ms() itself) expired every handshake on the spot, silently
    from dtls_lite import Context, DTLSError
    ctx = Context()
    ctx.set_handler(lambda c, s, d: len(d), None, None, lambda *a: b'k')
    ctx.connect(('127.0.0.1', 5684))
    try:
        ctx.check_retransmit(22952645)
    except DTLSError as e:
        assert 'clock=' in str(e), e
    else:
        raise AssertionError('now_ms without a clock accepted')
    assert ctx.peer(('127.0.0.1', 5684)) is not None       # nothing expired
    assert ctx.check_retransmit() is not None
    clocked = Context(clock=lambda: 5)
    assert clocked.check_retransmit(5) is None


def test_sequence_exhaustion_closes_the_session_with_close_notify():
    # After 2^48 - 1 records write() raised NotConnected but the session stayed, connected,
    # and close() could send no close_notify (no number left): the peer kept its session.
    import dtls_lite
    pair = Pair(seed=11)
    assert pair.handshake()
    e = pair.client._peers[pair.server_addr]
    e.wr_seq = (1 << 48) - 3
    assert pair.client.write(pair.server_addr, b'a') == 1     # numbers 2^48 - 3 and - 2
    assert pair.client.write(pair.server_addr, b'b') == 1
    try:
        pair.client.write(pair.server_addr, b'c')
    except dtls_lite.NotConnected as x:
        assert 'closed' in str(x), x
    else:
        raise AssertionError('write past the last number')
    assert pair.client.peer(pair.server_addr) is None
    pair.run()
    assert pair.received['server'] == [b'a', b'b']
    assert (1, 0) in pair.events['server'] and pair.server.peer(pair.client_addr) is None


def test_the_retransmit_timer_starts_when_the_flight_leaves():
    # RFC 6347 §4.2.4: the timer is set when the flight is sent. It started when
    # handle_message was entered, before the work that builds the flight (pure-Python ECC on a
    # board, a slow key store): work of 1 s or more made the flight leave twice, back to back,
    # with nothing lost. Here a PSK callback takes 1.5 s on the simulated clock.
    import dtls_lite
    for slow_side in ('client', 'server'):
        pair = Pair(seed=1, hint=b'hint')
        sends = []
        base_psk = pair._psk

        def slow_psk(ctx, session, kind, identity):
            # the client's flight 5 needs PSK_KEY; the server's flight 4 needs PSK_HINT
            if (ctx is pair.client and slow_side == 'client' and kind == dtls_lite.PSK_KEY) or (
                    ctx is pair.server and slow_side == 'server' and kind == dtls_lite.PSK_HINT):
                pair.clock.now += 1500
            return base_psk(ctx, session, kind, identity)
        for ctx in (pair.client, pair.server):
            ctx.set_handler(pair._write, pair._read, pair._event, slow_psk)

        def tamper(src, dst, data):
            r = records(data)
            if src == slow_side and r and r[0][0] == 22 and r[0][1] == 0 and r[0][2][0] in (2, 16):
                sends.append(pair.clock.now)
            return data
        pair.tamper = tamper
        assert pair.handshake(max_ms=20000)
        assert len(sends) == 1, (slow_side, sends)
