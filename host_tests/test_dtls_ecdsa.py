"""ECDHE_ECDSA handshakes between our client and our server over the simulated link (dtls_sim):
every suite x X.509 / raw public key (RFC 7250) x server-only / mutual authentication, groups,
a P-384 chain, a certificate flight fragmented at a small MTU over a lossy link, RFC 7250
negotiation, and the failures: each sends the right alert, both sides see it, and neither
keeps any state for the peer.

Fixtures: test_x509_fixtures.py (OpenSSL-made, test-only keys; the clock is fx.NOW)."""
import dtls_lite
from dtls_lite import auth, suites
from dtls_lite import fragment as fr
from dtls_lite import msg_cert as mc
from dtls_lite import record
from dtls_lite.x509.pem import pem_decode
from dtls_lite.crypto.util import SeededRng
from dtls_sim import Pair
import test_x509_fixtures as fx

ECDSA = [s[1] for s in suites.SUITES if s[2] == suites.KX_ECDHE_ECDSA]
FATAL = dtls_lite.LEVEL_FATAL


def _now():
    return fx.NOW


def _der(pem):
    return pem_decode(pem, 'CERTIFICATE')


SERVER_X509 = auth.Credentials(fx.SERVER_KEY_SEC1, fx.SERVER_CRT)
CLIENT_X509 = auth.Credentials(fx.CLIENT_KEY_PKCS8, fx.CLIENT_CRT)
SERVER_RPK = auth.Credentials(fx.SERVER_KEY_SEC1)       # no certificate: raw public key only
CLIENT_RPK = auth.Credentials(fx.CLIENT_KEY_PKCS8)


def _expect(key, calls):
    """A verify_ecdsa_key that accepts exactly `key` and records what it was shown."""
    def verify(ctx, session, public_key):
        calls.append(public_key)
        return public_key == key
    return verify


def _pair(seed, cipher=None, rpk=False, mutual=False, server_creds=None, client_creds=None,
          client_cfg=None, server_cfg=None, client_verify=None, server_verify=None, **net):
    ciphers = [cipher or ECDSA[0]]
    cc = {'ciphers': ciphers}
    sc = {'ciphers': ciphers}
    if not rpk:
        cc.update(ca=fx.CA_CRT, cert_clock=_now, server_name='localhost')
        if mutual:
            sc.update(ca=fx.CA_CRT, cert_clock=_now)
    if mutual:
        sc['require_client_cert'] = True
    cc.update(client_cfg or {})
    sc.update(server_cfg or {})
    pair = Pair(seed=seed, client_config=cc, server_config=sc, **net)
    pair.seen = {'client': [], 'server': []}
    if rpk and client_verify is None:
        client_verify = _expect(SERVER_RPK.public_key, pair.seen['client'])
    if rpk and mutual and server_verify is None:
        server_verify = _expect(CLIENT_RPK.public_key, pair.seen['server'])
    sk = server_creds or (SERVER_RPK if rpk else SERVER_X509)
    ck = client_creds or ((CLIENT_RPK if rpk else CLIENT_X509) if mutual else None)
    pair.server.set_handler(pair._write, pair._read, pair._event, None,
                            get_ecdsa_key=lambda ctx, session: sk, verify_ecdsa_key=server_verify)
    pair.client.set_handler(pair._write, pair._read, pair._event, None,
                            get_ecdsa_key=(lambda ctx, session: ck) if ck is not None else None,
                            verify_ecdsa_key=client_verify)
    return pair


def _exchange(pair):
    assert pair.client.write(pair.server_addr, b'ping') == 4
    assert pair.server.write(pair.client_addr, b'pong') == 4
    pair.run()
    assert pair.received['server'] == [b'ping'] and pair.received['client'] == [b'pong']


def _failed(pair, sender, alert):
    """The handshake failed with `alert` from `sender`, both sides saw it, nothing is kept."""
    assert not pair.handshake()
    other = 'server' if sender == 'client' else 'client'
    assert pair.saw(sender, FATAL, alert), (sender, alert, pair.events)
    assert pair.saw(other, FATAL, alert), (other, alert, pair.events)
    assert pair.client.sessions() == [] and pair.server.sessions() == []
    assert pair.internal_errors() == 0


def test_every_suite_x509_and_raw_keys_server_only_and_mutual():
    n = 0
    for name in ECDSA:
        for rpk in (False, True):
            for mutual in (False, True):
                n += 1
                pair = _pair(200 + n, name, rpk, mutual)
                assert pair.handshake(), (name, rpk, mutual)
                cp = pair.client.peer(pair.server_addr)
                sp = pair.server.peer(pair.client_addr)
                assert cp.cipher == sp.cipher == name
                assert cp.psk_identity is None and sp.psk_identity is None
                cert = cp.certificate
                assert cert.public_key == SERVER_X509.public_key
                if rpk:
                    assert cert.cert_type == 'raw_public_key' and cert.der == SERVER_RPK.spki
                    assert cert.subject is None
                    assert pair.seen['client'] == [SERVER_RPK.public_key]
                else:
                    assert cert.cert_type == 'x509' and cert.der == _der(fx.SERVER_CRT)
                    assert cert.subject == 'CN=server,O=dtls_lite test'
                    assert cert.issuer == 'CN=Test CA,O=dtls_lite test,C=DE'
                    assert (cert.not_before, cert.not_after) == (fx.NOT_BEFORE, fx.NOT_AFTER)
                    assert cert.serial > 0
                if mutual:
                    assert sp.certificate.public_key == CLIENT_X509.public_key
                    assert sp.certificate.cert_type == ('raw_public_key' if rpk else 'x509')
                    if not rpk:
                        assert sp.certificate.subject == 'CN=client'
                else:
                    assert sp.certificate is None
                _exchange(pair)
                assert pair.internal_errors() == 0
    assert n == 20


def test_groups():
    for i, group in enumerate(('x25519', 'secp256r1', 'secp384r1')):
        cfg = {'groups': [group]}
        pair = _pair(230 + i, client_cfg=cfg, server_cfg=cfg)
        assert pair.handshake(), group
        _exchange(pair)
    # a client whose ECDHE choice is x25519 still lists the curves of the signatures it checks
    # (RFC 8422 §5.1.1), and a server may pick one of them for ECDHE
    pair = _pair(233, client_cfg={'groups': ['x25519']}, server_cfg={'groups': ['secp256r1']})
    assert pair.handshake()
    # no group in common: no ECDHE suite can be chosen
    pair = _pair(234, client_cfg={'groups': ['secp256r1']}, server_cfg={'groups': ['x25519']})
    _failed(pair, 'server', dtls_lite.HANDSHAKE_FAILURE)
    # the same list serves ECDHE_PSK (RFC 5489): a client offering both kinds accepts P-256
    # for ECDHE_PSK too, though its `groups` say x25519 (it used to answer illegal_parameter)
    psk = 'TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256'
    pair = Pair(seed=235, client_config={'ciphers': [psk, ECDSA[0]], 'groups': ['x25519'],
                                         'ca': fx.CA_CRT, 'cert_clock': _now},
                server_config={'ciphers': [psk], 'groups': ['secp256r1']})
    assert pair.handshake()
    assert pair.client.peer(pair.server_addr).cipher == psk
    assert pair.internal_errors() == 0
    # a group the client did not list is still refused
    pair = Pair(seed=236, client_config={'ciphers': [psk], 'groups': ['x25519']},
                server_config={'ciphers': [psk], 'groups': ['secp256r1', 'x25519']})
    from dtls_lite import msg_kx
    from dtls_lite.crypto import p256
    p256_point = p256.generate_key(SeededRng(b'p256 ske'))[1]

    def as_p256(body):          # the server's ECDHE key swapped for a valid P-256 one
        hint = msg_kx.parse_server_key_exchange(body, True)[0]
        return msg_kx.write_server_key_exchange(hint, 23, p256_point)
    pair.tamper = _rewrite('server', fr.SERVER_KEY_EXCHANGE, as_p256)
    assert not pair.handshake()
    assert pair.saw('client', FATAL, dtls_lite.ILLEGAL_PARAMETER), pair.events


def test_server_certificate_curve_must_be_listed_by_the_client():
    # RFC 8422 §5.3: a client listing only x25519 cannot be sent a P-256 certificate
    from dtls_lite import msg_hello as mh

    def x25519_only(body):
        ch = mh.parse_client_hello(body)
        ch.extensions = [(t, mh.write_supported_groups([29]) if t == mh.EXT_SUPPORTED_GROUPS
                          else d) for t, d in ch.extensions]
        return mh.write_client_hello(ch)
    pair = _pair(235)
    pair.tamper = _rewrite('client', fr.CLIENT_HELLO, x25519_only)
    assert not pair.handshake()
    assert pair.saw('server', FATAL, dtls_lite.HANDSHAKE_FAILURE)
    assert pair.server.sessions() == []


def test_p384_chain_and_sha384_suite():
    creds = auth.Credentials(fx.LEAF384_KEY_SEC1, fx.LEAF384_CRT)
    pair = _pair(240, 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', server_creds=creds,
                 client_cfg={'ca': fx.CA384_CRT, 'groups': ['secp384r1']},
                 server_cfg={'groups': ['secp384r1']})
    assert pair.handshake()
    cert = pair.client.peer(pair.server_addr).certificate
    assert cert.public_key.curve == 'p384' and cert.subject == 'CN=leaf P-384'
    _exchange(pair)


def test_certificate_flight_fragmented_at_small_mtu_over_lossy_link():
    # server chain leaf + CA (~1 KB) in 160-byte datagrams, with loss, reordering, duplicates
    sizes = []
    chain = auth.Credentials(fx.SERVER_KEY_SEC1, fx.SERVER_CRT + fx.CA_CRT)
    mtu = {'max_datagram': 160}
    pair = _pair(250, mutual=True, server_creds=chain, client_cfg=mtu, server_cfg=mtu,
                 drop=0.1, reorder=0.2, duplicate=0.1)
    pair.tamper = lambda src, dst, data: sizes.append(len(data)) or data
    assert pair.handshake()
    assert max(sizes) <= 160 and len(sizes) > 12
    assert pair.client.peer(pair.server_addr).certificate.subject == 'CN=server,O=dtls_lite test'
    _exchange(pair)
    assert pair.internal_errors() == 0


def test_client_certificate_requested_not_required():
    for creds in (None, CLIENT_X509):
        pair = _pair(260, server_cfg={'request_client_cert': True, 'ca': fx.CA_CRT,
                                      'cert_clock': _now}, client_creds=creds)
        if creds is not None:
            pair.client.set_handler(pair._write, pair._read, pair._event, None,
                                    get_ecdsa_key=lambda ctx, session: creds)
        assert pair.handshake()
        got = pair.server.peer(pair.client_addr).certificate
        assert (got is None) == (creds is None)


def test_verify_ecdsa_key_makes_a_server_ask_for_the_client_key():
    # tinydtls: a server with verify_ecdsa_key requests client authentication
    pair = _pair(270, rpk=True, client_creds=CLIENT_RPK,
                 server_verify=lambda ctx, session, key: key == CLIENT_RPK.public_key)
    pair.client.set_handler(pair._write, pair._read, pair._event, None,
                            get_ecdsa_key=lambda ctx, session: CLIENT_RPK,
                            verify_ecdsa_key=lambda ctx, session, key: True)
    assert pair.handshake()
    assert pair.server.peer(pair.client_addr).certificate.der == CLIENT_RPK.spki
    # (a client without a key: test_review11_rpk, which checks that none is asked for)


def test_certificate_type_negotiation():
    # a client that only judges raw keys gets the raw key of a server that has a chain
    pair = _pair(280, rpk=True, server_creds=SERVER_X509)
    assert pair.handshake()
    assert pair.client.peer(pair.server_addr).certificate.cert_type == 'raw_public_key'
    # a client that takes X.509 and raw keys, from a server with a chain: X.509 (its preference)
    pair = _pair(281, client_verify=lambda ctx, session, key: True)
    assert pair.handshake()
    assert pair.client.peer(pair.server_addr).certificate.cert_type == 'x509'
    # pinned raw keys instead of a callback
    pair = _pair(282, rpk=True, client_cfg={'peer_keys': [fx.SERVER_PUB]},
                 client_verify=False)
    pair.client.set_handler(pair._write, pair._read, pair._event, None)
    assert pair.handshake()
    # X.509 only client, raw-key-only server: unsupported_certificate (RFC 7250 §4.2)
    pair = _pair(283, server_creds=SERVER_RPK)
    _failed(pair, 'server', dtls_lite.UNSUPPORTED_CERTIFICATE)


def test_verify_cert_callback_pins_without_a_ca():
    from dtls_lite.x509.chain import sha256_fingerprint
    pin = sha256_fingerprint(_der(fx.SERVER_CRT))
    seen = []

    def verify_cert(leaf, error):
        seen.append(error.alert if error is not None else None)
        return sha256_fingerprint(leaf) == pin
    pair = _pair(295, client_cfg={'ca': None, 'verify_cert': verify_cert})
    assert pair.handshake()
    assert seen == [48]                      # unknown_ca without anchors, overridden by the pin
    pair = _pair(296, server_creds=auth.Credentials(fx.LEAF384_KEY_SEC1, fx.LEAF384_CRT),
                 client_cfg={'ca': None, 'verify_cert': verify_cert, 'server_name': None})
    _failed(pair, 'client', dtls_lite.UNKNOWN_CA)      # not pinned: the chain's own verdict


def test_time_checks_can_be_turned_off():
    # a board without a clock: check_time=False accepts a chain whatever the time says
    pair = _pair(297, client_cfg={'check_time': False, 'cert_clock': lambda: 0})
    assert pair.handshake()
    # with checks on, a clock before 2025 is no clock: certificate_unknown, fail closed
    pair = _pair(298, client_cfg={'cert_clock': lambda: 0})
    _failed(pair, 'client', dtls_lite.CERTIFICATE_UNKNOWN)


def test_configuration_errors():
    from dtls_lite import Context, ConfigError, HandlerError
    for bad in ({'ca': 'not a certificate'}, {'verify_cert': 3}, {'peer_keys': [b'junk']}):
        try:
            Context(**bad)
        except ConfigError:
            pass
        else:
            raise AssertionError(bad)
    # a client with only ECDSA suites and no way to judge the server cannot connect
    ctx = Context(ciphers=ECDSA)
    ctx.set_handler(lambda ctx, session, data: None)
    try:
        ctx.connect(('10.0.0.1', 5684))
    except HandlerError:
        pass
    else:
        raise AssertionError('connected with nothing to check the server against')
    # without `ciphers`, the suites follow the handlers
    ctx = Context(ca=fx.CA_CRT)
    ctx.set_handler(lambda ctx, session, data: None)
    assert [s[1] for s in ctx._cfg.suites] == list(suites.DEFAULT_ECDSA_CIPHERS)
    ctx.set_handler(lambda ctx, session, data: None, get_psk_info=lambda *a: None)
    assert [s[1] for s in ctx._cfg.suites] == list(suites.DEFAULT_CIPHERS + suites.DEFAULT_ECDSA_CIPHERS)
    ctx = Context()
    ctx.set_handler(lambda ctx, session, data: None, get_psk_info=lambda *a: None)
    assert [s[1] for s in ctx._cfg.suites] == list(suites.DEFAULT_CIPHERS)


def test_signature_algorithm_follows_the_key():
    # the P-384 server signs with SHA-384 even on a SHA-256 suite (TLS 1.2: hash from the list)
    creds = auth.Credentials(fx.LEAF384_KEY_SEC1, fx.LEAF384_CRT)
    algs = []

    def spy(src, dst, data):
        for mt, body in _messages(data):
            if mt == fr.SERVER_KEY_EXCHANGE:
                algs.append(mc.parse_server_key_exchange(body)[3])
        return data
    pair = _pair(290, server_creds=creds, client_cfg={'ca': fx.CA384_CRT})
    pair.tamper = spy
    assert pair.handshake()
    assert algs[0] == mc.SIG_ECDSA_SHA384


# --- failures ---------------------------------------------------------------------------------

def _messages(data):
    """(msg_type, body) of the whole epoch-0 handshake messages in a datagram."""
    pos = 0
    while pos < len(data):
        ctype, version, epoch, seq, length = record.parse_header(data, pos)
        p, end = pos + record.HEADER_LEN, pos + record.HEADER_LEN + length
        while ctype == record.CT_HANDSHAKE and epoch == 0 and p < end:
            mt, mlen, mseq, off, flen = fr.parse_fragment(data, p, end)
            if off == 0 and flen == mlen:
                yield mt, data[p + 12:p + 12 + flen]
            p += 12 + flen
        pos = end


def _rewrite(src, msg_type, fn):
    """A tamper hook replacing the body of one (whole, one-per-record) handshake message."""
    def tamper(s, dst, data):
        if s != src:
            return data
        out = b''
        pos = 0
        while pos < len(data):
            ctype, version, epoch, seq, length = record.parse_header(data, pos)
            rec = data[pos:pos + record.HEADER_LEN + length]
            body = rec[record.HEADER_LEN:]
            if ctype == record.CT_HANDSHAKE and epoch == 0 and body[0] == msg_type:
                mt, mlen, mseq, off, flen = fr.parse_fragment(body, 0, len(body))
                assert off == 0 and flen == mlen == len(body) - 12
                msg = fr.message(msg_type, mseq, fn(body[12:]))
                rec = rec[:11] + bytes((len(msg) >> 8, len(msg) & 0xff)) + msg
            out += rec
            pos += record.HEADER_LEN + length
        return out
    return tamper


def _flip_last(body):
    return body[:-1] + bytes((body[-1] ^ 1,))


def _ca_key(rng=None):
    from dtls_lite.x509.keys import EcPrivateKey
    return EcPrivateKey.generate('p256', rng or SeededRng(b'test ca'))


def _ca_and_leaf(**leaf_kw):
    """A CA made here, and a certificate for the server's key it issued with leaf_kw."""
    from dtls_lite.x509 import write
    rng = SeededRng(b'test ca')
    ca_key = _ca_key(rng)
    ca_name = write.name([('CN', 'Made-here CA')])
    nb, na = fx.NOT_BEFORE, fx.NOT_AFTER
    ca = write.build_certificate(ca_name, ca_key.public_key, ca_name, ca_key, nb, na, is_ca=True,
                                 rng=rng)
    kw = {'dns_names': ['localhost']}
    kw.update(leaf_kw)
    not_after = kw.pop('not_after', na)
    leaf = write.build_certificate(write.name([('CN', 'made-here server')]),
                                   SERVER_X509.public_key, ca_name, ca_key, nb, not_after,
                                   rng=rng, **kw)
    return ca, auth.Credentials(fx.SERVER_KEY_SEC1, [leaf])


def test_point_formats_without_uncompressed_refused():
    # RFC 8422 §5.1.2: a ClientHello whose ec_point_formats lacks uncompressed(0)
    from dtls_lite import msg_hello as mh

    def only_compressed(body):
        ch = mh.parse_client_hello(body)
        ch.extensions = [(t, b'\x01\x01' if t == mh.EXT_EC_POINT_FORMATS else d)
                         for t, d in ch.extensions]
        return mh.write_client_hello(ch)
    pair = _pair(330)
    pair.tamper = _rewrite('client', fr.CLIENT_HELLO, only_compressed)
    assert not pair.handshake()
    assert pair.saw('server', FATAL, dtls_lite.ILLEGAL_PARAMETER)
    assert pair.server.sessions() == []
    assert mh.has_uncompressed_points(b'\x02\x01\x00')


def test_made_here_chain_works():
    ca, creds = _ca_and_leaf()
    pair = _pair(300, server_creds=creds, client_cfg={'ca': [ca]})
    assert pair.handshake()


def test_expired_certificate():
    pair = _pair(301, client_cfg={'cert_clock': lambda: fx.NOT_AFTER + 1})
    _failed(pair, 'client', 45)                                  # certificate_expired
    ca, creds = _ca_and_leaf(not_after=fx.NOW - 1)
    pair = _pair(302, server_creds=creds, client_cfg={'ca': [ca]})
    _failed(pair, 'client', 45)


def test_wrong_ca():
    pair = _pair(303, client_cfg={'ca': fx.OTHER_CRT})
    _failed(pair, 'client', 48)                                  # unknown_ca
    # mutual: a client certificate the server's CA did not issue
    _, creds = _ca_and_leaf()
    pair = _pair(304, mutual=True, client_creds=creds)
    _failed(pair, 'server', 48)


def test_wrong_key_usage():
    from dtls_lite.x509 import write
    ca, creds = _ca_and_leaf(key_usage=write.KU_KEY_AGREEMENT)
    pair = _pair(305, server_creds=creds, client_cfg={'ca': [ca]})
    _failed(pair, 'client', 43)                                  # unsupported_certificate
    # a client certificate (clientAuth only) presented by a server: extKeyUsage forbids it
    pair = _pair(306, server_creds=CLIENT_X509, client_cfg={'server_name': None})
    _failed(pair, 'client', 43)


def test_hostname_mismatch():
    pair = _pair(307, client_cfg={'server_name': 'other.example'})
    _failed(pair, 'client', dtls_lite.BAD_CERTIFICATE)


def test_bad_server_key_exchange_signature():
    pair = _pair(310)
    pair.tamper = _rewrite('server', fr.SERVER_KEY_EXCHANGE, _flip_last)
    _failed(pair, 'client', dtls_lite.DECRYPT_ERROR)
    pair.tamper = None                                           # nothing stale blocks a retry
    assert pair.handshake()


def test_bad_certificate_verify():
    for rpk in (False, True):
        pair = _pair(311, rpk=rpk, mutual=True)
        pair.tamper = _rewrite('client', fr.CERTIFICATE_VERIFY, _flip_last)
        _failed(pair, 'server', dtls_lite.DECRYPT_ERROR)
        pair.tamper = None
        assert pair.handshake()


def test_mismatched_raw_public_key():
    pair = _pair(312, rpk=True, client_verify=_expect(CLIENT_RPK.public_key, []))
    _failed(pair, 'client', dtls_lite.BAD_CERTIFICATE)
    pair = _pair(313, rpk=True, client_cfg={'peer_keys': [CLIENT_RPK.spki]})
    _failed(pair, 'client', dtls_lite.BAD_CERTIFICATE)
    pair = _pair(314, rpk=True, mutual=True,
                 server_verify=lambda ctx, session, key: key == SERVER_RPK.public_key)
    _failed(pair, 'server', dtls_lite.BAD_CERTIFICATE)


def test_client_certificate_required_but_absent():
    pair = _pair(315, mutual=True)
    pair.client.set_handler(pair._write, pair._read, pair._event, None)   # no get_ecdsa_key
    _failed(pair, 'server', dtls_lite.HANDSHAKE_FAILURE)


def test_truncated_and_oversized_certificate_messages():
    pair = _pair(320)
    pair.tamper = _rewrite('server', fr.CERTIFICATE, lambda body: body[:-20])
    _failed(pair, 'client', dtls_lite.DECODE_ERROR)
    pair.tamper = _rewrite('server', fr.CERTIFICATE, lambda body: body + b'\x00')
    _failed(pair, 'client', dtls_lite.DECODE_ERROR)
    pair = _pair(321, mutual=True)
    pair.tamper = _rewrite('client', fr.CERTIFICATE, lambda body: body[:5])
    _failed(pair, 'server', dtls_lite.DECODE_ERROR)
    # one certificate over x509's 8 KB bound (in a message the client would accept)
    pair = _pair(322, client_cfg={'max_handshake_message': 20000})
    pair.tamper = _rewrite('server', fr.CERTIFICATE,
                           lambda body: mc.write_certificate([b'\x30\x82' + bytes(9000)]))
    _failed(pair, 'client', dtls_lite.BAD_CERTIFICATE)
    # a Certificate message over the client's max_handshake_message (the reassembler's limit)
    chain = auth.Credentials(fx.SERVER_KEY_SEC1, fx.SERVER_CRT + fx.CA_CRT)
    pair = _pair(323, server_creds=chain, client_cfg={'max_handshake_message': 600})
    _failed(pair, 'client', dtls_lite.HANDSHAKE_FAILURE)


def test_peer_certificates_are_der_only():
    # RFC 5246 §7.4.2 (ASN.1Cert is DER), RFC 7250 (SubjectPublicKeyInfo DER): what the peer
    # sends is never read as PEM text, whatever text it holds; each case is bad_certificate, not
    # internal_error (which is what non-UTF-8 bytes after '-----BEGIN ' used to give).
    from dtls_lite.x509.pem import pem_encode
    leaf_pem = pem_encode('CERTIFICATE', SERVER_X509.chain[0]).encode()
    for seed, rpk, entry in ((324, False, leaf_pem), (325, False, b'-----BEGIN \xff'),
                             (326, True, pem_encode('PUBLIC KEY', SERVER_RPK.spki).encode()),
                             (327, True, b'-----BEGIN \xff')):
        pair = _pair(seed, rpk=rpk)
        pair.tamper = _rewrite('server', fr.CERTIFICATE, lambda body: mc.write_certificate([entry]))
        _failed(pair, 'client', dtls_lite.BAD_CERTIFICATE)
    # a valid DER certificate whose subject holds PEM armour is a certificate like any other
    from dtls_lite.x509 import write
    ca, creds = _ca_and_leaf()
    leaf = write.build_certificate(write.name([('CN', '-----BEGIN x')]), SERVER_X509.public_key,
                                   write.name([('CN', 'Made-here CA')]), _ca_key(),
                                   fx.NOT_BEFORE, fx.NOT_AFTER, dns_names=['localhost'],
                                   rng=SeededRng(b'pem leaf'))
    pair = _pair(328, server_creds=auth.Credentials(fx.SERVER_KEY_SEC1, [leaf]),
                 client_cfg={'ca': [ca]})
    assert pair.handshake()
    assert pair.client.peer(pair.server_addr).certificate.subject == 'CN=-----BEGIN x'


def test_certificate_with_an_oversized_oid_arc():
    # An extKeyUsage purpose whose one sub-identifier is 2,100 bytes (valid X.690, but its text
    # form raised ValueError on CPython 3.11+): refused as bad_certificate like any malformed field.
    # (Credentials would refuse it: the server sends a good chain, rewritten on the way.)
    from dtls_lite.x509 import write
    ca, creds = _ca_and_leaf()
    leaf = write.build_certificate(write.name([('CN', 'made-here server')]), SERVER_X509.public_key,
                                   write.name([('CN', 'Made-here CA')]), _ca_key(),
                                   fx.NOT_BEFORE, fx.NOT_AFTER, dns_names=['localhost'],
                                   ext_key_usage=[b'\x2a' + b'\xff' * 2100 + b'\x7f'],
                                   rng=SeededRng(b'oid leaf'))
    pair = _pair(329, server_creds=creds, client_cfg={'ca': [ca]})
    pair.tamper = _rewrite('server', fr.CERTIFICATE, lambda body: mc.write_certificate([leaf]))
    _failed(pair, 'client', dtls_lite.BAD_CERTIFICATE)


def test_large_certificate_flight_reordered_in_small_datagrams_keeps_every_piece():
    # A 6.6 KB Certificate message in 100-byte datagrams, half of them reordered: the
    # reassembler's bound on disjoint pieces (fragment.MAX_PIECES) is above what such a flight
    # needs, so no fragment is dropped for it (the bound is for forged fragment storms).
    from dtls_lite.x509 import write
    from dtls_lite.x509.keys import EcPrivateKey
    rng = SeededRng(b'big chain')
    ca_key, leaf_key = EcPrivateKey.generate('p256', rng), EcPrivateKey.generate('p256', rng)
    ca_name = write.name([('CN', 'CA')])
    ca = write.build_certificate(ca_name, ca_key.public_key, ca_name, ca_key, fx.NOT_BEFORE,
                                 fx.NOT_AFTER, is_ca=True, rng=rng)
    names = ['localhost'] + ['host%03d.devices.example.com' % i for i in range(200)]
    leaf = write.build_certificate(write.name([('CN', 'srv')]), leaf_key.public_key, ca_name,
                                   ca_key, fx.NOT_BEFORE, fx.NOT_AFTER, dns_names=names, rng=rng)
    creds = auth.Credentials(leaf_key, [leaf, ca])
    assert len(leaf) + len(ca) > 6500
    refused = []
    real = fr._Partial.add

    def add(self, off, data, pos, n):
        taken = real(self, off, data, pos, n)
        if not taken:
            refused.append(off)
        return taken
    fr._Partial.add = add
    try:
        for seed in (1, 2):
            pair = _pair(340 + seed, server_creds=creds, reorder=0.5,
                         client_cfg={'ca': [ca], 'max_datagram': 100, 'max_handshake_message': 16000},
                         server_cfg={'max_datagram': 100})
            assert pair.handshake()
    finally:
        fr._Partial.add = real
    assert refused == []
