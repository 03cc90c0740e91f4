"""The closing messages: ChangeCipherSpec, Finished, and the Alert record."""
from dtls_lite.compat import const
from dtls_lite.errors import decode_error
from dtls_lite.keys import VERIFY_DATA_LEN
from dtls_lite.wire import Reader

CCS_PAYLOAD = b'\x01'


#   struct {                                     RFC 5246 §7.1
#       enum { change_cipher_spec(1), (255) } type;
#   } ChangeCipherSpec;
def parse_change_cipher_spec(data, pos, n):
    if n != 1 or data[pos] != 1:
        raise decode_error('ChangeCipherSpec')


#   struct {                                     RFC 5246 §7.4.9
#       opaque verify_data[verify_data_length];  12 bytes for our suites
#   } Finished;
def parse_finished(body):
    r = Reader(body)
    v = r.take(VERIFY_DATA_LEN)
    r.done()
    return v


def write_finished(verify_data):
    return bytes(verify_data)


#   struct {                                     RFC 5246 §7.2
#       AlertLevel level;                        warning(1), fatal(2)
#       AlertDescription description;
#   } Alert;
ALERT_LEN = const(2)


def parse_alert(data, pos, n):
    """(level, description); an alert record must be exactly 2 bytes."""
    if n != ALERT_LEN:
        raise decode_error('Alert')
    return data[pos], data[pos + 1]


def write_alert(level, description):
    return bytes((level, description))
