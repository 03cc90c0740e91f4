"""Session 11 review of RFC 7250 negotiation: each test failed before its fix (or could not fail
before). Portable: plain test_* functions with assert (pytest and tools/mp_test.py)."""
from dtls_sim import records
from test_dtls_ecdsa import _pair, CLIENT_X509


def _server_messages(pair):
    """Record the msg_type of every epoch-0 handshake record the server sends."""
    sent = []
    tamper = pair.tamper

    def watch(src, dst, data):
        if src == 'server':
            sent.extend(frag[0] for ctype, epoch, frag in records(data)
                        if ctype == 22 and epoch == 0)
        return data if tamper is None else tamper(src, dst, data)
    pair.tamper = watch
    return sent


def test_a_client_with_a_chain_also_offers_its_raw_key():
    # RFC 7250 §4.1 / auth.Credentials: a key with certificates can go in either form. The
    # client offered no client_certificate_type with a chain, so a server judging raw keys
    # only could not authenticate it (alert 43 under require_client_cert).
    pair = _pair(500, rpk=True, mutual=True, client_creds=CLIENT_X509,
                 server_verify=lambda ctx, session, key: key == CLIENT_X509.public_key)
    assert pair.handshake(), pair.events
    assert pair.server.peer(pair.client_addr).certificate.der == CLIENT_X509.spki
    # a server that judges X.509 still gets the chain (X.509 offered first)
    pair = _pair(501, mutual=True, client_creds=CLIENT_X509)
    assert pair.handshake(), pair.events
    assert pair.server.peer(pair.client_addr).certificate.der == CLIENT_X509.chain[0]


def test_a_server_asks_for_a_raw_key_only_when_the_client_offers_one():
    # RFC 7250 §4.2: with no client type in common the server "MUST" omit
    # client_certificate_type, and asks for no certificate; a merely requesting server goes on
    # with an anonymous client. (test_dtls_ecdsa's check of this could not fail: it looked
    # only at the result, the same whether or not a CertificateRequest went out.)
    pair = _pair(271, rpk=True, server_verify=lambda ctx, session, key: True)
    sent = _server_messages(pair)
    assert pair.handshake()
    assert pair.server.peer(pair.client_addr).certificate is None
    assert 13 not in sent and 2 in sent, sent
    pair = _pair(272, rpk=True, mutual=True)
    sent = _server_messages(pair)
    assert pair.handshake()
    assert 13 in sent, sent


def test_a_p384_key_loads_the_pure_sha384_when_its_credentials_are_made():
    # R11: our own P-384 key signs with SHA-384, and on MicroPython the pure SHA-384 was then
    # imported in the middle of the handshake (at our first signature), which preload and the
    # README's "create the credentials at start-up" exist to avoid. Where hashlib has SHA-384
    # (CPython) the pure module is not loaded at all.
    from dtls_lite import auth
    from test_review10_hs import pure_sha384_loaded_by
    import test_x509_fixtures as fx
    assert pure_sha384_loaded_by(lambda: auth.Credentials(fx.LEAF384_KEY_SEC1, fx.LEAF384_CRT))
