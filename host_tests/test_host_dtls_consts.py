"""The wire values engine.py mirrors as private `_NAME = const(n)` (MicroPython folds only a
module's own constants) agree with the modules that define them. CPython only: there `const` is
the identity, so the private names exist as module globals; on MicroPython they are folded away.
"""
from dtls_lite import engine, errors, fragment, msg_cert, msg_hello, msg_kx, record, suites

# engine's private name (without the underscore) -> the module that owns the value
_MIRRORED = {
    record: ('CT_CHANGE_CIPHER_SPEC', 'CT_ALERT', 'CT_HANDSHAKE', 'CT_APPLICATION_DATA', 'DTLS12',
             'DTLS10', 'HEADER_LEN'),
    fragment: ('HS_HEADER_LEN', 'HELLO_REQUEST', 'CLIENT_HELLO', 'SERVER_HELLO',
               'HELLO_VERIFY_REQUEST', 'CERTIFICATE', 'SERVER_KEY_EXCHANGE', 'CERTIFICATE_REQUEST',
               'SERVER_HELLO_DONE', 'CERTIFICATE_VERIFY', 'CLIENT_KEY_EXCHANGE', 'FINISHED'),
    msg_hello: ('EXT_SUPPORTED_GROUPS', 'EXT_EC_POINT_FORMATS', 'EXT_SIGNATURE_ALGORITHMS',
                'EXT_CLIENT_CERTIFICATE_TYPE', 'EXT_SERVER_CERTIFICATE_TYPE',
                'EXT_EXTENDED_MASTER_SECRET', 'EXT_RENEGOTIATION_INFO', 'RANDOM_LEN'),
    msg_kx: ('MAX_IDENTITY_LEN',),
    suites: ('KX_PSK', 'KX_ECDHE_PSK', 'KX_ECDHE_ECDSA', 'GROUP_SECP256R1',
             'EMPTY_RENEGOTIATION_INFO_SCSV'),
    msg_cert: ('CERT_TYPE_X509', 'CERT_TYPE_RAW_PUBLIC_KEY'),
    errors: ('LEVEL_WARNING', 'LEVEL_FATAL', 'CLOSE_NOTIFY', 'UNEXPECTED_MESSAGE',
             'HANDSHAKE_FAILURE', 'ILLEGAL_PARAMETER', 'DECODE_ERROR', 'DECRYPT_ERROR',
             'PROTOCOL_VERSION', 'INTERNAL_ERROR', 'NO_RENEGOTIATION', 'UNSUPPORTED_EXTENSION',
             'UNKNOWN_PSK_IDENTITY'),
}


def _owner_value(module, name):
    # the owner may itself keep the constant private when nothing else imports it
    for n in (name, '_' + name):
        if hasattr(module, n):
            return getattr(module, n)
    raise AssertionError('%s defines no %s' % (module.__name__, name))


def test_engine_mirrors_agree_with_their_modules():
    for module, names in _MIRRORED.items():
        for name in names:
            assert getattr(engine, '_' + name) == _owner_value(module, name), (module.__name__, name)


def test_engine_expectations_cover_every_state():
    # _EXPECTED and _HANDLERS are indexed by state: a handler exactly where a message is awaited
    for state in range(len(engine.STATE_NAMES)):
        expected = engine._EXPECTED[state]
        handler = engine._HANDLERS[state] if state < len(engine._HANDLERS) else None
        assert (expected is None) == (handler is None), engine.STATE_NAMES[state]


def test_context_mirrors_agree_with_their_modules():
    # context.py mirrors the same way (its _NAME -> the owner's NAME)
    from dtls_lite import context
    mirrored = {
        record: ('CT_HANDSHAKE', 'HEADER_LEN'),
        fragment: ('HS_HEADER_LEN', 'CLIENT_HELLO', 'HELLO_VERIFY_REQUEST'),
        suites: ('KX_PSK', 'KX_ECDHE_ECDSA'),
        engine: ('OUT_DATAGRAM', 'OUT_APP', 'EVENT_CONNECT', 'CONNECTED', 'CLOSED'),
    }
    for module, names in mirrored.items():
        for name in names:
            assert getattr(context, '_' + name) == _owner_value(module, name), (module.__name__, name)
