"""The wire values engine.py, client.py, server.py and context.py mirror as private
`_NAME = const(n)` (MicroPython folds only a module's own constants) agree with the modules that
define them. CPython only: there `const` is
the identity, so the private names exist as module globals; on MicroPython they are folded away.
"""
from dtls_lite import engine, errors, fragment, msg_cert, msg_hello, msg_kx, record, suites

def _owner_value(module, name):
    # the owner may itself keep the constant private when nothing else imports it
    for n in (name, '_' + name):
        if hasattr(module, n):
            return getattr(module, n)
    raise AssertionError('%s defines no %s' % (module.__name__, name))


def test_every_private_mirror_agrees_with_its_owner():
    # engine.py, client.py, server.py and context.py each mirror the wire values they use (and
    # client/server/context engine's states and output kinds): every private int constant of
    # theirs that an owner module (or engine.py) also defines must have the owner's value.
    from dtls_lite import client, context, server
    owners = (record, fragment, msg_hello, msg_kx, suites, msg_cert, errors)
    checked = set()
    for module in (engine, client, server, context):
        for attr in dir(module):
            value = getattr(module, attr)
            if not attr.startswith('_') or attr.startswith('__') or type(value) is not int:
                continue
            name = attr[1:]
            for owner in owners + ((engine,) if module is not engine else ()):
                if hasattr(owner, name) or hasattr(owner, '_' + name):
                    assert value == _owner_value(owner, name), (module.__name__, owner.__name__, name)
                    checked.add((module.__name__, name))
    # the search found the mirrors (a renamed owner constant would make it find nothing)
    for module, name in (('dtls_lite.client', 'C_AWAIT_SERVER_CCS'), ('dtls_lite.client', 'PSK_IDENTITY'),
                         ('dtls_lite.server', 'S_AWAIT_CLIENT_CCS'), ('dtls_lite.server', 'OUT_EVENT'),
                         ('dtls_lite.server', 'EXT_RENEGOTIATION_INFO'), ('dtls_lite.context', 'CLOSED'),
                         ('dtls_lite.engine', 'CERT_TYPE_X509')):
        assert (module, name) in checked, (module, name)
    assert len(checked) > 100, len(checked)


def test_each_role_has_a_handler_exactly_where_it_awaits_a_message():
    # _EXPECTED and each engine class's HANDLERS are indexed by state: within a role's states,
    # a handler exactly where a message is awaited; none for the other role's states
    from dtls_lite.client import ClientEngine
    from dtls_lite.server import ServerEngine
    client_states = range(engine._C_AWAIT_SERVER_HELLO, engine._S_AWAIT_CLIENT_HELLO)
    server_states = range(engine._S_AWAIT_CLIENT_HELLO, engine._CONNECTED)
    for cls, own in ((ClientEngine, client_states), (ServerEngine, server_states)):
        for state in range(len(engine.STATE_NAMES)):
            handler = cls.HANDLERS[state] if state < len(cls.HANDLERS) else None
            expected = engine._EXPECTED[state] if state in own else None
            assert (expected is None) == (handler is None), (cls.__name__, engine.STATE_NAMES[state])
