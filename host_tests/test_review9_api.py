"""Review R9 by a stateful API tester (session 9): callbacks that re-enter the Context, and
odd arguments. Each test failed before its fix. Portable: plain test_* functions with assert
(pytest and tools/mp_test.py)."""
import dtls_lite
from dtls_lite.crypto.util import SeededRng

KEY = bytes(16)


def _psk(ctx, session, kind, identity):
    if kind == dtls_lite.PSK_IDENTITY:
        return b'id'
    return KEY if kind == dtls_lite.PSK_KEY else None


class _Net:
    """A client and a server Context on a queue; `hook` runs once inside a callback."""

    def __init__(self, **client_cfg):
        self.t = 0
        self.queue = []
        self.got = []
        self.events = []
        self.hook = None            # run by the client's write callback
        self.psk_hook = None        # run by the server's get_psk_info
        clock = lambda: self.t      # noqa: E731
        self.cli = dtls_lite.Context(app_data='cli', role='client', clock=clock,
                                     rng=SeededRng(b'c'), **client_cfg)
        self.srv = dtls_lite.Context(app_data='srv', role='server', clock=clock,
                                     rng=SeededRng(b's'))
        for ctx in (self.cli, self.srv):
            ctx.set_handler(self.write, self.read, self.event, self.psk)

    def run_hook(self):
        if self.hook is not None:
            f, self.hook = self.hook, None
            f()

    def run_psk_hook(self):
        if self.psk_hook is not None:
            f, self.psk_hook = self.psk_hook, None
            f()

    def write(self, ctx, session, data):
        if ctx is self.cli:
            self.run_hook()         # e.g. an application that notifies another peer first
        self.queue.append((ctx, session, bytes(data)))
        return len(data)

    def read(self, ctx, session, data):
        self.got.append((ctx.app_data, session, bytes(data)))

    def event(self, ctx, session, level, code):
        self.events.append((ctx.app_data, session, level, code))

    def psk(self, ctx, session, kind, identity):
        if ctx is self.srv:
            self.run_psk_hook()
        return _psk(ctx, session, kind, identity)

    def pump(self):
        while self.queue:
            src, session, data = self.queue.pop(0)
            (self.srv if src is self.cli else self.cli).handle_message(session, data)


def test_data_handed_to_write_stays_valid_while_the_callback_reenters():
    # write's data is "valid during the call", but a callback that re-entered the Context
    # (write to another peer, close, connect) sealed into the same buffer: the outer record
    # was overwritten, and the peer dropped it as a bad MAC.
    net = _Net()
    for s in ('s1', 's2'):
        net.cli.connect(s)
        net.pump()
    net.hook = lambda: net.cli.write('s2', b'to s2')
    assert net.cli.write('s1', b'to s1') == 5
    net.pump()
    assert sorted(net.got) == [('srv', 's1', b'to s1'), ('srv', 's2', b'to s2')], net.got
    net.got[:] = []
    net.hook = lambda: net.cli.close('s2')
    net.cli.write('s1', b'again')
    net.pump()
    assert net.got == [('srv', 's1', b'again')] and net.srv.stats['bad_mac'] == 0


def test_a_handler_reentering_the_context_does_not_get_another_sessions_output():
    # get_psk_info that closed another peer drained the output queued for the session being
    # handled (its EVENT_CONNECT) as if it were the other peer's.
    net = _Net()
    net.cli.connect('c1')
    net.pump()
    net.events[:] = []
    net.psk_hook = lambda: net.srv.close('c1')
    net.cli.connect('c2')
    net.pump()
    srv = [(s, code) for who, s, level, code in net.events if who == 'srv']
    assert ('c2', dtls_lite.EVENT_CONNECT) in srv and ('c1', dtls_lite.EVENT_CONNECT) not in srv, srv
    assert net.srv.peer('c2').connected and net.srv.peer('c1') is None


def test_the_client_checks_the_server_group_against_the_hello_it_sent():
    # set_handler called again mid-handshake (verify_ecdsa_key dropped) changed the groups the
    # client checked the server's ECDHE key against: a group it had offered was refused.
    suites = ['TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256']
    net = _Net(ciphers=suites, groups=['x25519'])
    net.srv = dtls_lite.Context(app_data='srv', role='server', ciphers=suites,
                                groups=['secp256r1', 'x25519'], clock=lambda: net.t,
                                rng=SeededRng(b's'))
    net.srv.set_handler(net.write, net.read, net.event, net.psk)
    net.cli.set_handler(net.write, net.read, net.event, net.psk,
                        verify_ecdsa_key=lambda c, s, k: True)   # offers secp256r1 too
    net.cli.connect('s')
    for _ in range(3):                 # ClientHello, HelloVerifyRequest, ClientHello
        src, session, data = net.queue.pop(0)
        (net.srv if src is net.cli else net.cli).handle_message(session, data)
    net.cli.set_handler(net.write, net.read, net.event, net.psk)
    net.pump()
    assert net.cli.peer('s').connected, net.events


def test_odd_arguments_raise_dtls_errors():
    # A memoryview of 2-byte items raised BufferError/ValueError from deep inside, and
    # check_retransmit('x') a TypeError: the application's mistakes, said plainly.
    from array import array
    net = _Net()
    net.cli.connect('s')
    net.pump()
    for bad in (memoryview(array('H', [1, 2, 3])),):
        for call in (lambda: net.cli.write('s', bad), lambda: net.srv.handle_message('c', bad)):
            try:
                call()
                assert False, 'accepted'
            except dtls_lite.DTLSError:
                pass
    try:
        net.cli.check_retransmit('x')
        assert False, 'accepted'
    except dtls_lite.DTLSError:
        pass
    assert net.cli.write('s', memoryview(b'fine')) == 4


def _deferred_error_case(nested):
    # The event callback's error for a restarted client's old session is raised at the end of
    # handle_message; a write callback re-entering handle_message before then took it, and
    # lost it when the nested call raised its own.
    class Closed(Exception):
        pass

    class Send(Exception):
        pass

    t = [0]
    queue = []
    stranger = []
    armed = [False]
    srv = dtls_lite.Context(role='server', clock=lambda: t[0], rng=SeededRng(b's'))

    def swrite(ctx, session, data):
        if session == 'y':
            raise Send('sendto failed for y')
        if armed[0] and session == 'c':
            armed[0] = False
            try:
                srv.handle_message(nested, stranger[0])     # the app serves its socket queue
            except (Send, dtls_lite.DTLSError):
                pass
        queue.append(bytes(data))
        return len(data)

    def sevent(ctx, session, level, code):
        if code == dtls_lite.EVENT_CLOSED:
            raise Closed('cleanup failed')

    srv.set_handler(swrite, event=sevent, get_psk_info=_psk)

    def client(seed, sink):
        c = dtls_lite.Context(role='client', clock=lambda: t[0], rng=SeededRng(seed))
        c.set_handler(lambda ctx, s, d: sink.append(bytes(d)) or len(d), get_psk_info=_psk)
        c.connect('srv')
        return c

    client(b'3', stranger)
    to_srv = []
    c1 = client(b'1', to_srv)
    while to_srv or queue:
        while to_srv:
            srv.handle_message('c', to_srv.pop(0))
        while queue:
            c1.handle_message('srv', queue.pop(0))
    assert srv.peer('c').connected
    c2 = client(b'2', to_srv)                   # the client restarts from the same address
    srv.handle_message('c', to_srv.pop(0))
    c2.handle_message('srv', queue.pop(0))      # HelloVerifyRequest
    armed[0] = True
    try:
        srv.handle_message('c', to_srv.pop(0))  # the cookie hello: old session closed
        assert False, 'the event callback error was lost'
    except Closed:
        pass



def test_a_deferred_callback_error_survives_a_nested_handle_message():
    _deferred_error_case('y')                   # the nested call's write raises
    _deferred_error_case(bytearray(b'addr'))    # it raises before it starts (unhashable)


# --- the application's own credentials ----------------------------------------------------------

def _config_error(fn, *args, **kw):
    try:
        fn(*args, **kw)
    except dtls_lite.ConfigError:
        return True
    return False


def test_credential_forms_that_are_wrong_say_so():
    # Wrong forms raised TypeError or OverflowError (out of connect() too), a curve that did
    # not match the key was ignored (a P-256 scalar became another, P-384 key), DER keys with a
    # curve were taken for raw scalars, and our chain was not checked beyond its leaf.
    from dtls_lite import auth
    from dtls_lite.x509 import keys as xk
    import test_x509_fixtures as fx
    key = xk.load_private_key(fx.SERVER_KEY_SEC1)
    x, y = key.public_key.point[1:33], key.public_key.point[33:]
    for value in ({'private_key': fx.SERVER_KEY_SEC1, 'pub_key_x': x.hex(), 'pub_key_y': y.hex()},
                  {'private_key': fx.SERVER_KEY_SEC1, 'public_key': [x, y]},
                  {'private_key': 12345},
                  {'private_key': fx.SERVER_KEY_SEC1, 'pub_key_x': x + b'\x00', 'pub_key_y': y[1:]},
                  {'private_key': fx.SERVER_KEY_SEC1, 'curve': 'p384'},       # not its curve
                  {'private_key': fx.SERVER_KEY_SEC1, 'curve': 'bogus'},
                  {'priv_key': key.d, 'curve': 'p384'},                         # a P-256 scalar
                  {'private_key': fx.SERVER_KEY_SEC1,                           # not leaf first
                   'certificates': [fx.SERVER_CRT, fx.INTER_CRT]}):
        assert _config_error(auth.credentials, value), value
    # the right ones
    der = key.to_sec1()
    assert auth.credentials({'private_key': der, 'curve': 'secp256r1'}).public_key == key.public_key
    assert auth.credentials({'private_key': fx.SERVER_KEY_SEC1.encode(), 'curve': 'p256'})
    assert auth.credentials({'priv_key': b'\x00' + key.d}).public_key == key.public_key  # 33 bytes
    assert auth.credentials(memoryview(fx.SERVER_KEY_SEC1.encode())).public_key == key.public_key
    assert auth.credentials({'private_key': fx.SERVER_KEY_SEC1, 'pub_key_x': x, 'pub_key_y': y})
    # peer_keys and ca given as one object instead of a list
    assert dtls_lite.Context(peer_keys=key.public_key, role='client')
    from dtls_lite.x509.cert import parse_certificate
    assert dtls_lite.Context(ca=parse_certificate(fx.CA_CRT), role='client')
    assert _config_error(dtls_lite.Context, peer_keys=12, role='client')


# --- the crypto layer's own API -------------------------------------------------------------------

def test_aead_bounds_scratch_and_stuck_rng():
    # open_into trusted n beyond the buffer (the viper kernels wrote past its end: a
    # segmentation fault on the 32-bit build); the lean CCM left a rejected record's plaintext
    # in the shared scratch; key generation spun forever on a stuck rng (review R9, crypto).
    from dtls_lite.crypto import aead, _aead_ops
    from dtls_lite.crypto import p256, p384
    key, aad, pt = bytes(32), b'a' * 13, b'SECRET-PLAINTEXT-0123456789abcdef'
    for name in ('AES_128_CCM_8', 'AES_128_GCM', 'CHACHA20_POLY1305'):
        a = aead.new(name, key[:32 if name.startswith('CHACHA') else 16])
        nonce = bytes(12)
        buf = bytearray(a.seal(nonce, aad, pt))
        assert a.open_into(nonce, aad, buf, len(buf) + 64) == -1, name
        try:
            a.seal_into(nonce, aad, bytearray(64), -1)
            assert False, name
        except ValueError:
            pass
    for lean in (True, False):
        a = aead.new('AES_128_CCM_8', bytes(16), lean)
        ct = bytearray(a.seal(bytes(12), aad, pt))
        ct[-1] ^= 1
        assert a.open_into(bytes(12), aad, ct, len(ct)) == -1
        assert bytes(ct[:len(pt)]) == bytes(len(pt))
        assert pt not in bytes(_aead_ops._buf), lean
    for mod in (p256, p384):
        for stuck in (lambda n: bytes(n), lambda n: b'\xff' * n, lambda n: bytes(n + 1)):
            try:
                mod.generate_key(stuck)
                assert False, mod
            except ValueError:
                pass


def test_every_api_entry_from_a_write_callback_keeps_its_record_intact():
    # The lent send buffer must be swapped whatever the callback re-enters through
    # (check_retransmit re-sending another session's flight, handle_message answering a
    # HelloVerifyRequest, connect), and a queued HelloVerifyRequest is a copy (review of the
    # re-entrancy fixes: no test failed with any of these guards removed).
    def case(hook_maker):
        net = _Net()
        net.cli.connect('a')
        net.pump()
        net.hook = hook_maker(net)
        net.cli.write('a', b'hello a')
        net.pump()
        return ('srv', 'a', b'hello a') in net.got and net.srv.stats['bad_mac'] == 0

    def retransmit(net):
        net.cli.connect('b')
        net.queue[:] = [x for x in net.queue if x[1] != 'b']     # its hello lost
        net.t = 5000
        return lambda: net.cli.check_retransmit()

    def hello_verify(net):
        net.cli.connect('b')
        for x in [x for x in net.queue if x[1] == 'b']:
            net.queue.remove(x)
            net.srv.handle_message('b', x[2])
        hvr = [x for x in net.queue if x[0] is net.srv and x[1] == 'b']
        for x in hvr:
            net.queue.remove(x)
        return lambda: net.cli.handle_message('b', hvr[0][2])

    for name, maker in (('check_retransmit', retransmit), ('handle_message', hello_verify),
                        ('connect', lambda net: (lambda: net.cli.connect('c')))):
        assert case(maker), name
    # the server's own HelloVerifyRequest, held by its write callback across a nested call
    hellos = {}
    for name, seed in (('a', b'1'), ('b', b'2')):
        c = dtls_lite.Context(role='client', rng=SeededRng(seed), clock=lambda: 0)
        c.set_handler(lambda ctx, s, d, name=name: hellos.__setitem__(name, bytes(d)),
                      get_psk_info=_psk)
        c.connect('srv')
    intact = []
    srv = dtls_lite.Context(role='server', rng=SeededRng(b's'), clock=lambda: 0)

    def swrite(ctx, session, data):
        if not intact:
            before = bytes(data)
            intact.append(None)
            srv.handle_message('b', hellos['b'])
            intact[0] = bytes(data) == before
        return len(data)

    srv.set_handler(swrite, get_psk_info=_psk)
    srv.handle_message('a', hellos['a'])
    assert intact == [True]

