"""Retransmission edge cases of RFC 6347 §4.2.4 found by the fuzzer (H5 #5, #6), both runtimes."""
from dtls_sim import Pair


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
