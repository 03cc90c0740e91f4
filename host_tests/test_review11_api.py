"""Session 11 review with a stateful random API tester: what the event callback hears when a
session is replaced or closed from inside a callback, and forged alert levels. Each test failed
before its fix. Portable: plain test_* functions with assert (pytest and tools/mp_test.py)."""
import dtls_lite
from dtls_sim import Pair

CONNECT = dtls_lite.EVENT_CONNECT
CONNECTED = dtls_lite.EVENT_CONNECTED
CLOSED = dtls_lite.EVENT_CLOSED


def test_connect_on_an_established_session_closes_it_first():
    # connect() overwrote the session silently: CONNECT, CONNECTED, CONNECT, CONNECTED with
    # no EVENT_CLOSED, and no close_notify to the server
    pair = Pair(seed=1)
    assert pair.handshake()
    pair.run()
    pair.events['client'] = []
    pair.client.connect(pair.server_addr)
    pair.run(pair.both_connected)
    pair.run()
    assert pair.events['client'] == [(0, CLOSED), (0, CONNECT), (0, CONNECTED)], pair.events
    assert (1, dtls_lite.CLOSE_NOTIFY) in pair.events['server']


def test_connect_that_fails_to_start_reports_the_session_it_ended():
    # get_ecdsa_key raising in connect() used to remove the established session without
    # EVENT_CLOSED (the application still thought it connected)
    from test_dtls_ecdsa import _pair
    pair = _pair(300, mutual=True)
    assert pair.handshake()
    pair.run()

    def broken(ctx, session):
        raise OSError('key store')
    pair.client.set_handler(pair._write, pair._read, pair._event, None, get_ecdsa_key=broken)
    events = pair.events['client']
    events[:] = []
    try:
        pair.client.connect(pair.server_addr)
    except OSError:
        pass
    else:
        raise AssertionError('connect() did not raise')
    assert pair.client.sessions() == []
    assert events == [(0, CLOSED)], events


def test_a_callback_closing_the_session_hears_its_events_in_order():
    # A server whose write callback closes the session while its Finished flight goes out heard
    # CONNECT, CLOSED, CONNECTED: the engine's remaining output came after its end
    pair = Pair(seed=1)
    done = []

    def write(ctx, session, data):
        pair._write(ctx, session, data)
        e = ctx._peers.get(session)
        if not done and e is not None and e.state == 14:    # our Finished is leaving
            done.append(1)
            ctx.close(session)
        return len(data)
    pair.server.set_handler(write, pair._read, pair._event, pair._psk)
    pair.client.connect(pair.server_addr)
    pair.run()
    assert done
    codes = [c for level, c in pair.events['server'] if level == 0]
    assert codes == [CONNECT, CONNECTED, CLOSED], codes


def test_reconnecting_from_the_event_callback_ends_the_old_session_first():
    # a client reconnecting when a fatal alert comes heard the old EVENT_CLOSED after the new
    # EVENT_CONNECT, while peer() already showed the new handshake
    pair = Pair(seed=2, server_keys={b'someone else': bytes(16)})    # alert 115
    log = []

    def event(ctx, session, level, code):
        p = ctx.peer(session)
        log.append((level, code, p.state if p is not None else None))
        if level == 2 and len(log) < 4:
            ctx.connect(session)
    pair.client.set_handler(pair._write, pair._read, event, pair._psk)
    pair.client.connect(pair.server_addr)
    pair.run(max_steps=40)
    kinds = [(level, code) for level, code, state in log]
    assert kinds[:4] == [(0, CONNECT), (2, 115), (0, CLOSED), (0, CONNECT)], log
    assert log[2][2] == 'CLOSED', log


def test_connect_from_the_connect_event_returns_the_live_engine():
    # connect() from its own EVENT_CONNECT callback: the first engine's ClientHello still went
    # out after the second's, and connect() returned the replaced engine
    pair = Pair(seed=4)
    hellos = []

    def write(ctx, session, data):
        if ctx is pair.client:
            hellos.append(bytes(data[27:59]))
        return pair._write(ctx, session, data)
    once = []

    def event(ctx, session, level, code):
        pair._event(ctx, session, level, code)
        if ctx is pair.client and code == CONNECT and not once:
            once.append(1)
            ctx.connect(session)
    pair.client.set_handler(write, pair._read, event, pair._psk)
    e = pair.client.connect(pair.server_addr)
    assert e is pair.client._peers.get(pair.server_addr)
    assert hellos == [bytes(e.hs.client_random)], hellos
    assert pair.run(pair.both_connected)


def test_an_alert_of_no_level_is_dropped():
    # RFC 5246 §7.2: AlertLevel is warning(1) or fatal(2). A forged epoch-0 alert of level 217
    # reached event() as level 217 and ended the handshake; it is an invalid record (RFC 6347
    # §4.1.2.7), dropped and counted
    pair = Pair(seed=5)
    pair.client.connect(pair.server_addr)
    forged = bytes((21, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 77, 0, 2, 217, 80))
    dropped = pair.client.stats['dropped']
    pair.client.handle_message(pair.server_addr, forged)
    assert pair.events['client'] == [(0, CONNECT)], pair.events
    assert pair.client.stats['dropped'] == dropped + 1
    assert pair.run(pair.both_connected)
    from dtls_lite import msg_finished as mf
    for level in (0, 3, 255):
        try:
            mf.parse_alert(bytes((level, 80)), 0, 2)
        except dtls_lite.errors.Fault:
            pass
        else:
            raise AssertionError(level)


# --- second review of the same change (R11 own diff): each failed with its first version ---

def test_the_answer_to_close_notify_goes_out_when_the_event_callback_closes():
    # RFC 5246 §7.2.1: the other party MUST answer close_notify with its own. An event
    # callback tidying up with close() on close_notify voided that answer
    from dtls_sim import records
    pair = Pair(seed=1)
    assert pair.handshake()
    pair.run()
    sent = []

    def write(ctx, session, data):
        sent.append([(t, epoch) for t, epoch, f in records(bytes(data))])
        return pair._write(ctx, session, data)

    def event(ctx, session, level, code):
        pair._event(ctx, session, level, code)
        if code == dtls_lite.CLOSE_NOTIFY:
            ctx.close(session)
    pair.server.set_handler(write, pair._read, event, pair._psk)
    pair.client.close(pair.server_addr)
    pair.run()
    assert sent == [[(21, 1)]], sent
    assert pair.events['server'][-2:] == [(1, 0), (0, CLOSED)], pair.events


def test_check_retransmit_from_a_callback_loses_nothing_of_the_datagram():
    # check_retransmit from the read callback reaped the session being delivered: the rest of
    # its authenticated records and its close_notify answer were voided
    from dtls_sim import records
    pair = Pair(seed=1)
    assert pair.handshake()
    pair.run()
    got = []
    sent = []

    def read(ctx, session, data):
        got.append(bytes(data))
        ctx.check_retransmit()

    def write(ctx, session, data):
        sent.append([(t, epoch) for t, epoch, f in records(bytes(data))])
        return pair._write(ctx, session, data)
    pair.server.set_handler(write, read, pair._event, pair._psk)
    queue = pair.net.queue
    pair.client.write(pair.server_addr, b'r1')
    pair.client.write(pair.server_addr, b'r2')
    pair.client.close(pair.server_addr)
    datagram = b''.join(item[4] for item in queue)
    queue[:] = []
    pair.server.handle_message(pair.client_addr, datagram)
    assert got == [b'r1', b'r2'], got
    assert sent == [[(21, 1)]], sent


def test_reconnect_on_close_opens_one_session():
    # a client whose EVENT_CLOSED callback reconnects: connect() on the established session
    # closed it, the callback connected again, and connect() then overwrote that new session
    # with a third (two hellos, one session never closed)
    pair = Pair(seed=1)
    assert pair.handshake()
    pair.run()
    hellos = []

    def write(ctx, session, data):
        if data[0] == 22 and data[13] == 1:
            hellos.append(bytes(data))
        return pair._write(ctx, session, data)

    def event(ctx, session, level, code):
        pair._event(ctx, session, level, code)
        if code == CLOSED:
            ctx.connect(session)
    pair.client.set_handler(write, pair._read, event, pair._psk)
    pair.events['client'] = []
    e = pair.client.connect(pair.server_addr)
    assert pair.events['client'] == [(0, CLOSED), (0, CONNECT)], pair.events
    assert len(hellos) == 1 and e is pair.client._peers.get(pair.server_addr)


def test_connect_goes_on_when_the_old_sessions_event_callback_raises():
    # the rule of a fresh connect(): an event callback that raises still lets the hello go
    # out, the error reaching the caller afterwards; on a replaced session it stopped connect()
    pair = Pair(seed=1)
    assert pair.handshake()
    pair.run()

    def event(ctx, session, level, code):
        pair._event(ctx, session, level, code)
        if code == CLOSED:
            raise ValueError('app')
    pair.client.set_handler(pair._write, pair._read, event, pair._psk)
    try:
        pair.client.connect(pair.server_addr)
    except ValueError:
        pass
    else:
        raise AssertionError('the callback error was lost')
    assert pair.client.peer(pair.server_addr) is not None
    assert pair.run(pair.both_connected)


def _star(names):
    """One server Context and a client Context per name over a manual link, all connected
    (PSK). The server's session for each client is its name, each client's session for the
    server is 'srv'. Returns (server, clients, inbox, write, psk): inbox['S:' + name] holds
    what that client sent, inbox[name] what the server sent it."""
    from dtls_lite import Context
    c = ['TLS_PSK_WITH_AES_128_CCM_8']

    def psk(ctx, session, kind, identity):
        return b'id' if kind == dtls_lite.PSK_IDENTITY else bytes(range(16))
    inbox = {}
    server = Context(clock=lambda: 0, role='server', ciphers=c, cookie_secret=bytes(32))
    clients = {}
    for n in names:
        inbox[n] = []
        inbox['S:' + n] = []
        clients[n] = Context(app_data=n, clock=lambda: 0, role='client', ciphers=c)

    def write(ctx, session, data):
        inbox[session if ctx is server else 'S:' + ctx.app_data].append(bytes(data))
        return len(data)
    server.set_handler(write, None, None, psk)
    for n in names:
        clients[n].set_handler(write, None, None, psk)
        clients[n].connect('srv')
    moved = True
    while moved:
        moved = False
        for n in names:
            while inbox['S:' + n]:
                moved = True
                server.handle_message(n, inbox['S:' + n].pop(0))
            while inbox[n]:
                moved = True
                clients[n].handle_message('srv', inbox[n].pop(0))
    for n in names:
        assert server.peer(n).connected and clients[n].peer('srv').connected
    return server, clients, inbox, write, psk


def test_a_callback_closing_another_session_takes_none_of_this_ones_output():
    # server sessions a and b; a's read callback handles a's next datagram on r1 and closes b
    # on r2: b's close took the output queued for a (r3 was read as b's data, and a's
    # EVENT_CLOSED and close_notify went to b)
    server, clients, inbox, write, psk = _star(('a', 'b'))
    for r in (b'r1', b'r2', b'r3'):
        clients['a'].write('srv', r)
    d1, d2, d3 = inbox['S:a']
    inbox['S:a'][:] = []
    log = []

    def read(ctx, session, data):
        log.append((session, bytes(data)))
        if data == b'r1':
            ctx.handle_message('a', d3)
        elif data == b'r2':
            ctx.close('b')
    server.set_handler(write, read, lambda c, s, level, code: log.append((s, level, code)), psk)
    server.handle_message('a', d1 + d2)
    assert [x for x in log if x[0] == 'a'] == [('a', b'r1'), ('a', b'r2'), ('a', b'r3')], log
    assert [x for x in log if x[0] == 'b'] == [('b', 0, CLOSED)], log


def test_no_data_after_the_callback_closed_or_reconnected_the_session():
    # R11 (third look at the change): the read callback handles the session's next datagram
    # (r3) on r1, then closes or reconnects the session on r2. r3 came after EVENT_CLOSED, and
    # after a reconnect it was read as the NEW session's data (the old server's plaintext)
    for reconnect in (False, True):
        server, clients, inbox, write, psk = _star(('cli',))
        client = clients['cli']
        if reconnect:
            ctx, session, peer, to, box = client, 'srv', server, 'cli', 'cli'
        else:
            ctx, session, peer, to, box = server, 'cli', client, 'srv', 'S:cli'
        for r in (b'r1', b'r2', b'r3'):
            peer.write(to, r)
        d1, d2, d3 = inbox[box]
        inbox[box][:] = []
        log = []

        def read(c, s, data, d3=d3, log=log, reconnect=reconnect):
            log.append(bytes(data))
            if data == b'r1':
                c.handle_message(s, d3)
            elif data == b'r2':
                if reconnect:
                    c.connect(s)
                else:
                    c.close(s)
        ctx.set_handler(write, read, lambda c, s, level, code: log.append(code), psk)
        ctx.handle_message(session, d1 + d2)
        assert b'r3' not in log, (reconnect, log)
        assert log[:3] == [b'r1', b'r2', CLOSED], (reconnect, log)
