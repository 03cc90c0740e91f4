"""The closing messages: ChangeCipherSpec, Finished, and the Alert record.

All three have a fixed size, so a length check stands in for the bounded wire.Reader."""
from dtls_lite.compat import const
from dtls_lite.errors import decode_error

CCS_PAYLOAD = b'\x01'
# keys.VERIFY_DATA_LEN (RFC 5246 §7.4.9: 12 for all our suites); a const folds only in its module
_VERIFY_DATA_LEN = const(12)
_ALERT_LEN = const(2)


#   struct {                                     RFC 5246 §7.1
#       enum { change_cipher_spec(1), (255) } type;
#   } ChangeCipherSpec;
def parse_change_cipher_spec(data, pos, n):
    if n != 1 or data[pos] != 1:
        raise decode_error()


#   struct {                                     RFC 5246 §7.4.9
#       opaque verify_data[verify_data_length];  12 bytes for our suites
#   } Finished;
def parse_finished(body):
    if len(body) != _VERIFY_DATA_LEN:
        raise decode_error()
    return bytes(body)


write_finished = bytes      # the body is verify_data itself


#   struct {                                     RFC 5246 §7.2
#       AlertLevel level;                        warning(1), fatal(2)
#       AlertDescription description;
#   } Alert;
def parse_alert(data, pos, n):
    """(level, description); an alert record must be exactly 2 bytes, of level 1 or 2."""
    if n != _ALERT_LEN or not 1 <= data[pos] <= 2:
        raise decode_error()
    return data[pos], data[pos + 1]


def write_alert(level, description):
    return bytes((level, description))
