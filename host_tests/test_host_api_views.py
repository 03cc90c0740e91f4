"""CPython only: memoryviews whose items are not unsigned bytes (MicroPython views have no
format to tell them by; README and the data_view text say views must be over unsigned bytes)."""
import dtls_lite
from test_review9_api import _Net


def test_views_of_signed_or_2d_items_are_refused():
    # 'b' and 'c' views and 2-D ones passed the itemsize check (a TypeError escaped
    # handle_message; a session ended with internal_error). MicroPython views have no format:
    # documented (over unsigned bytes only).
    m = memoryview(b'abcd')
    net = _Net()
    net.cli.connect('s')
    net.pump()
    for bad in (m.cast('b'), m.cast('c'), m.cast('B', (2, 2))):
        for call in (lambda: net.cli.write('s', bad), lambda: net.srv.handle_message('c', bad)):
            try:
                call()
                assert False, bad
            except dtls_lite.DTLSError:
                pass
    assert net.cli.peer('s').connected
