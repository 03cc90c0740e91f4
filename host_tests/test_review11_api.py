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
