"""Retransmission edge cases of RFC 6347 §4.2.4 found by the fuzzer (H5 #5, #6), both runtimes."""
from dtls_sim import Pair, records


def _quiet_traffic(duplicate):
    pair = Pair(seed=7, duplicate=duplicate)
    assert pair.handshake(max_ms=10000)
    pair.run()                                   # until no datagram or timer is left
    assert pair.internal_errors() == 0
    return pair.net.sent


def test_duplicating_link_does_not_amplify_flights():
    # Every datagram delivered twice. Each copy of the peer's flight used to re-send our whole
    # flight, which the peer answered again: 63 datagrams for a 6-datagram PSK handshake.
    # A burst of repeats is now answered once.
    clean = _quiet_traffic(0.0)
    doubled = _quiet_traffic(1.0)
    assert doubled <= 2 * clean, (clean, doubled)


def test_server_answers_client_retransmissions_until_its_handshake_timeout():
    # The server's last flight (CCS, Finished) is lost until t = 62 s; the client retransmits
    # its flight at 1, 3, 7, 15, 31 and 63 s (RFC 6347 back-off). The server must still hold
    # its last flight at 63 s (it used to forget it after 60 s: a half-open session).
    pair = Pair(seed=3)

    def tamper(src, dst, data):
        if src == 'server' and pair.connected('server') and pair.clock.now < 62000:
            return None
        return data

    pair.tamper = tamper
    assert pair.handshake(max_ms=130000)
    assert pair.clock.now >= 62000
    assert pair.internal_errors() == 0


# --- what counts as the peer re-sending its flight ---------------------------------------------

def _plain(fragment, record_seq):
    """An epoch-0 handshake record holding `fragment`."""
    n = len(fragment)
    return (bytes((22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, record_seq >> 8, record_seq & 0xff,
                   n >> 8, n & 0xff)) + fragment)


def _variants(msg):
    """(name, fragment, is_a_copy) for a whole handshake message `msg` we received once."""
    n = (msg[1] << 16) | (msg[2] << 8) | msg[3]
    longer = n + 1
    return (
        ('length', msg[:1] + bytes((longer >> 16, (longer >> 8) & 0xff, longer & 0xff))
         + msg[4:12] + msg[12:], False),                                 # wrong length, with bytes
        ('empty', msg[:9] + bytes(3), False),                             # right header, no bytes
        ('type', bytes((msg[0] ^ 0x40,)) + msg[1:], False),               # another msg_type
        ('copy', msg, True),                                              # a real copy
    )


def _server_answers(pair, sent, fragment, record_seq):
    """How many datagrams the server sends for one forged epoch-0 record, its re-send gap
    having passed."""
    pair.clock.now += 1000
    before = len(sent)
    pair.server.handle_message(pair.client_addr, _plain(fragment, record_seq))
    return len(sent) - before


def test_only_a_real_copy_of_the_clients_last_flight_makes_the_server_resend():
    # RFC 6347 §4.2.4: the server keeps its last flight (CCS, Finished) to answer a client that
    # re-sends its own. A fragment with the right message_seq but another type or length, or
    # with no bytes, is not such a copy: it used to make the server re-send too.
    pair = Pair(seed=11)
    sent = []
    cke = []

    def tamper(src, dst, data):
        if src == 'server':
            sent.append(data)
        else:
            for ctype, epoch, frag in records(data):
                if ctype == 22 and epoch == 0 and frag[0] == 16:     # ClientKeyExchange
                    cke.append(frag)
        return data

    pair.tamper = tamper
    assert pair.handshake(max_ms=10000)
    assert cke and pair.connected('server')
    for i, (name, frag, copy) in enumerate(_variants(cke[-1])):
        got = _server_answers(pair, sent, frag, 1000 + i)
        assert (got > 0) == copy, (name, got)
    assert pair.internal_errors() == 0


def test_only_a_real_copy_of_the_clienthello_makes_the_server_resend_its_first_flight():
    # The same mid-handshake: the server waits for the client's second flight, which is lost.
    pair = Pair(seed=12)
    sent = []
    hellos = []

    def tamper(src, dst, data):
        if src == 'server':
            sent.append(data)
            return data
        recs = records(data)
        if recs and recs[0][0] == 22 and recs[0][2][0] == 1:            # ClientHello
            hellos.append(recs[0][2])
            return data
        return None                                                     # the rest is lost

    pair.tamper = tamper
    pair.client.connect(pair.server_addr)
    pair.run(lambda: len(hellos) >= 2 and len(sent) >= 2, max_ms=10000)
    assert len(hellos) >= 2 and not pair.connected('server')
    for i, (name, frag, copy) in enumerate(_variants(hellos[-1])):
        got = _server_answers(pair, sent, frag, 1000 + i)
        assert (got > 0) == copy, (name, got)
    assert pair.internal_errors() == 0
