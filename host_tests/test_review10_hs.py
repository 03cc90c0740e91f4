"""Session 10 review of the handshake messages against the RFCs: each test failed before its
fix. Runs on both runtimes."""
from dtls_lite import auth
from dtls_lite import msg_hello as mh
from dtls_sim import Pair
from test_dtls_ecdsa import _rewrite     # a tamper hook replacing one whole message's body
import test_x509_fixtures as fx


def _fatal(pair, who):
    return [code for level, code in pair.events[who] if level == 2]


def test_client_refuses_signature_algorithms_in_a_server_hello():
    # RFC 5246 §7.4.1.4.1: "Servers MUST NOT send this extension"; the client only checked
    # that it had offered it (it does, for ECDSA) and went on. OpenSSL and GnuTLS refuse it.
    c = ['TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8']
    pair = Pair(seed=2, client_config={'ciphers': c, 'ca': fx.CA_CRT, 'server_name': 'localhost',
                                       'cert_clock': lambda: fx.NOW},
                server_config={'ciphers': c})
    key = auth.Credentials(fx.SERVER_KEY_SEC1, fx.SERVER_CRT)
    pair.server.set_handler(pair._write, pair._read, pair._event, None,
                            get_ecdsa_key=lambda ctx, session: key)

    def add_sigalgs(body):
        sh = mh.parse_server_hello(body)
        sh.extensions = list(sh.extensions) + [(13, b'\x00\x02\x04\x03')]
        return mh.write_server_hello(sh)
    pair.tamper = _rewrite('server', 2, add_sigalgs)
    assert not pair.handshake(max_ms=3000)
    assert _fatal(pair, 'client') == [47], pair.events


def test_hello_verify_request_version_is_not_negotiation():
    # RFC 6347 §4.2.1: clients "MUST use the version solely to indicate packet formatting ...
    # and not as part of version negotiation": anything but FEFF/FEFD was protocol_version.
    for version in (b'\xfe\xfc', b'\x01\x00'):
        pair = Pair(seed=20)
        pair.tamper = _rewrite('server', 3, lambda body: version + body[2:])
        assert pair.handshake(max_ms=5000), (version, pair.events)
        assert _fatal(pair, 'client') == []


def pure_sha384_loaded_by(action):
    """Whether action() imports the pure SHA-384 module where it is the runtime's SHA-384
    (MicroPython), and leaves it unloaded where hashlib has one (CPython): True if so."""
    import sys
    from dtls_lite import crypto
    from dtls_lite.crypto import sha2
    name = 'dtls_lite.crypto._sha512_py'
    saved = sys.modules.pop(name, None)
    bound = crypto.__dict__.pop('_sha512_py', None)
    try:
        action()
        return (name in sys.modules) == isinstance(sha2.SHA384, sha2._PureSha384)
    finally:
        if saved is not None:
            sys.modules[name] = saved
        if bound is not None:
            crypto._sha512_py = bound


def test_preload_loads_the_pure_sha384_of_a_sha384_suite():
    # R10: a _SHA384 suite's PRF on MicroPython is the pure SHA-384, imported on first use: in
    # the middle of the handshake, which preload exists to avoid. Where hashlib has SHA-384
    # (CPython) the pure module is not loaded at all.
    import dtls_lite
    assert pure_sha384_loaded_by(lambda: dtls_lite.Context(
        ciphers=['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'], ca=fx.CA_CRT))
