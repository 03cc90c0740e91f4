"""Review R9 by hand mutation testing (session 9): 84 deliberate bugs put into the library one
at a time; these tests kill the 22 that the suite let through (the server skipping the
CertificateVerify signature check, pinning by name, ...). Each test's docstring names the
mutant it kills. Portable: plain test_* functions, run by pytest and by tools/mp_test.py."""
import dtls_lite
from dtls_lite import auth, record
from dtls_lite import fragment as fr
from dtls_lite import msg_hello as mh
from dtls_lite.crypto.util import SeededRng
from dtls_lite.x509 import write
from dtls_lite.x509.chain import Verifier, match_hostname
from dtls_lite.x509.cert import parse_certificate
from dtls_lite.x509.errors import CertificateError
from dtls_lite.x509.keys import EcPrivateKey
from dtls_sim import Pair
import test_x509_fixtures as fx
from test_dtls_ecdsa import _pair, _rewrite, CLIENT_X509, CLIENT_RPK

FATAL = dtls_lite.LEVEL_FATAL
PSK_CCM8 = 'TLS_PSK_WITH_AES_128_CCM_8'
ECDHE_PSK = 'TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256'


def _cert_alert(fn, *args, **kw):
    try:
        fn(*args, **kw)
    except CertificateError as e:
        return e.alert
    return None


def _inject_to_client(pair, msg_type, body):
    buf = bytearray(400)
    n = record.write_plain(buf, 0, 22, 0, 50, fr.message(msg_type, 0, body))
    pair.client.handle_message(pair.server_addr, bytes(buf[:n]))


def _server_hello(suite=0xC0A8, compression=0, ri=b'\x00'):
    return mh.write_server_hello(mh.ServerHello(random=bytes(32), cipher_suite=suite,
                                                compression_method=compression,
                                                extensions=[(23, b''), (0xFF01, ri)]))


def _client_hello_edit(fn):
    """A tamper hook that rewrites every ClientHello the client sends with fn(ClientHello)."""
    def edit(body):
        ch = mh.parse_client_hello(body)
        fn(ch)
        return mh.write_client_hello(ch)
    return _rewrite('client', fr.CLIENT_HELLO, edit)


def _set_ext(ch, ext_type, data):
    """Replace (data given) or drop (None) one extension of a ClientHello."""
    exts = [(t, d) for t, d in ch.extensions if t != ext_type]
    if data is not None:
        exts.append((ext_type, data))
    ch.extensions = exts


# --- record layer -------------------------------------------------------------------------------

def test_replay_window_slide_over_a_gap_forgets_every_old_bit():
    """R4 (record.mark clears from top+2): after 0..63 are seen, a jump to 66 must forget the
    bits of 0, 1 and 2, so that the (reordered) records 64 and 65 are still accepted."""
    rec = record.new_rec(b'', b'')
    top = -1
    for s in range(64):
        top = record.mark(rec, top, s)
    top = record.mark(rec, top, 66)
    assert record.replay_ok(rec, top, 64)
    assert record.replay_ok(rec, top, 65)
    assert not record.replay_ok(rec, top, 66)
    assert not record.replay_ok(rec, top, 2)      # outside the window now


# --- handshake: what the client must refuse in a ServerHello ------------------------------------

def test_client_refuses_a_cipher_suite_it_did_not_offer():
    """C1 (client.py: `sh.cipher_suite not in hs.client_hello.cipher_suites` dropped): a suite
    we implement but did not offer is illegal_parameter (RFC 5246 §7.4.1.3)."""
    pair = Pair(seed=901, client_config={'ciphers': [PSK_CCM8]})
    pair.client.connect(pair.server_addr)
    _inject_to_client(pair, fr.SERVER_HELLO, _server_hello(suite=0xC0A4))   # PSK AES_128_CCM
    assert pair.saw('client', FATAL, dtls_lite.ILLEGAL_PARAMETER), pair.events
    assert pair.client.peer(pair.server_addr) is None


def test_client_refuses_a_compression_method_it_did_not_offer():
    """C6 (client.py: `sh.compression_method != 0` dropped): RFC 5246 §7.4.1.3."""
    pair = Pair(seed=902)
    pair.client.connect(pair.server_addr)
    _inject_to_client(pair, fr.SERVER_HELLO, _server_hello(compression=1))
    assert pair.saw('client', FATAL, dtls_lite.ILLEGAL_PARAMETER), pair.events
    assert pair.client.peer(pair.server_addr) is None


def test_non_empty_renegotiation_info_is_refused_both_ways():
    """E12 (engine._check_hello: the renegotiated_connection length check dropped): RFC 5746
    §3.4 / §3.6, on an initial handshake a non-empty renegotiation_info is handshake_failure."""
    pair = Pair(seed=903)
    pair.client.connect(pair.server_addr)
    _inject_to_client(pair, fr.SERVER_HELLO, _server_hello(ri=b'\x0c' + bytes(12)))
    assert pair.saw('client', FATAL, dtls_lite.HANDSHAKE_FAILURE), pair.events
    pair = Pair(seed=904)
    pair.tamper = _client_hello_edit(lambda ch: _set_ext(ch, 0xFF01, b'\x0c' + bytes(12)))
    assert not pair.handshake()
    assert pair.saw('server', FATAL, dtls_lite.HANDSHAKE_FAILURE), pair.events
    assert pair.internal_errors() == 0


def test_client_refuses_an_ecdhe_group_it_did_not_offer():
    """C4, C8, E15: the ServerKeyExchange names a group outside our supported_groups (the
    server saw a ClientHello tampered on the way): illegal_parameter (RFC 8422 §5.4), for
    ECDHE_ECDSA (C4: the advertised_groups check dropped) and ECDHE_PSK (C8: the same; E15:
    engine._peer_point taking group None as P-256 when the point has P-256's length)."""
    # ECDHE_ECDSA: the client lists secp256r1 and secp384r1; the server is made to see x25519
    pair = _pair(905, client_cfg={'groups': ['secp256r1']})
    pair.tamper = _client_hello_edit(lambda ch: _set_ext(ch, 10, mh.write_supported_groups([23, 29])))
    assert not pair.handshake()
    assert pair.saw('client', FATAL, dtls_lite.ILLEGAL_PARAMETER), pair.events
    # ECDHE_PSK: the client lists x25519 only; the server is made to see secp256r1
    cfg = {'ciphers': [ECDHE_PSK]}
    pair = Pair(seed=906, client_config=dict(cfg, groups=['x25519']), server_config=cfg)
    pair.tamper = _client_hello_edit(lambda ch: _set_ext(ch, 10, mh.write_supported_groups([23])))
    assert not pair.handshake()
    assert pair.saw('client', FATAL, dtls_lite.ILLEGAL_PARAMETER), pair.events
    assert pair.internal_errors() == 0


def test_client_refuses_an_empty_server_certificate():
    """E20 (engine._certificate: `or client` dropped): a server's empty Certificate is refused
    with handshake_failure, not let through to fail later as internal_error."""
    pair = _pair(907)
    pair.tamper = _rewrite('server', fr.CERTIFICATE, lambda body: b'\x00\x00\x00')
    assert not pair.handshake()
    assert pair.saw('client', FATAL, dtls_lite.HANDSHAKE_FAILURE), pair.events
    assert pair.internal_errors() == 0


# --- handshake: what the server must refuse or answer ---------------------------------------------

def test_certificate_verify_signed_by_another_key_is_refused():
    """S1 (server._s_certificate_verify does not verify): a client that presents a certificate
    (or raw key) but signs CertificateVerify with another key must fail with decrypt_error
    (RFC 5246 §7.4.8). The existing test flips a byte of the message, which the Finished check
    also catches with the same alert, so it passes without the signature check."""
    other = EcPrivateKey.generate('p256', SeededRng(b'not the certified key'))
    for rpk, genuine in ((False, CLIENT_X509), (True, CLIENT_RPK)):
        liar = auth.Credentials(fx.CLIENT_KEY_PKCS8, genuine.chain or None)
        liar.key = other            # sends the genuine certificate / SPKI, signs with `other`
        pair = _pair(908 + rpk, rpk=rpk, mutual=True, client_creds=liar)
        assert not pair.handshake()
        assert pair.saw('server', FATAL, dtls_lite.DECRYPT_ERROR), (rpk, pair.events)
        assert pair.server.sessions() == []


def test_server_answers_the_renegotiation_scsv():
    """S8 (server: the TLS_EMPTY_RENEGOTIATION_INFO_SCSV test dropped): RFC 5746 §3.6, a server
    that receives the SCSV MUST include an empty renegotiation_info in its ServerHello."""
    def scsv_instead_of_extension(ch):
        _set_ext(ch, 0xFF01, None)
        ch.cipher_suites = ch.cipher_suites + [0x00FF]
    pair = Pair(seed=910)
    hellos = []
    edit = _client_hello_edit(scsv_instead_of_extension)

    def tamper(src, dst, data):
        if src == 'server':
            pos = 0
            while pos < len(data):
                h = record.parse_header(data, pos)
                body = data[pos + 13:pos + 13 + h[4]]
                if h[0] == 22 and h[2] == 0 and body[0] == fr.SERVER_HELLO:
                    hellos.append(mh.parse_server_hello(body[12:]))
                pos += 13 + h[4]
            return data
        return edit(src, dst, data)
    pair.tamper = tamper
    pair.handshake(max_ms=3000)
    assert hellos, 'no ServerHello'
    assert mh.find_ext(hellos[0].extensions, 0xFF01) == b'\x00'


def test_server_refuses_a_dtls_1_0_only_client():
    """S6 (server: the client_version test dropped): we speak DTLS 1.2 only; a ClientHello
    offering at most {254,255} is protocol_version (RFC 5246 §E.1)."""
    def dtls10(ch):
        ch.client_version = 0xFEFF
    pair = Pair(seed=911)
    pair.tamper = _client_hello_edit(dtls10)
    assert not pair.handshake()
    assert pair.saw('server', FATAL, dtls_lite.PROTOCOL_VERSION), pair.events
    assert pair.server.sessions() == []


def test_server_requires_null_compression():
    """S7 (server: `0 not in ch.compression_methods` dropped): RFC 5246 §7.4.1.2, a ClientHello
    without null compression is illegal_parameter."""
    def deflate_only(ch):
        ch.compression_methods = b'\x01'
    pair = Pair(seed=912)
    pair.tamper = _client_hello_edit(deflate_only)
    assert not pair.handshake()
    assert pair.saw('server', FATAL, dtls_lite.ILLEGAL_PARAMETER), pair.events
    assert pair.server.sessions() == []


def test_server_without_a_common_signature_algorithm_fails_cleanly():
    """S18 (server._s_ecdsa_setup: `hs.sig_alg is None` not refused): a client whose
    signature_algorithms lists none of ours (here rsa_pss_rsae_sha256 only) gets
    handshake_failure, not an internal error."""
    pair = _pair(913)
    pair.tamper = _client_hello_edit(lambda ch: _set_ext(ch, 13, b'\x00\x02\x08\x04'))
    assert not pair.handshake()
    assert pair.saw('server', FATAL, dtls_lite.HANDSHAKE_FAILURE), pair.events
    assert pair.internal_errors() == 0


# --- reassembly ---------------------------------------------------------------------------------

def test_fragment_of_another_message_type_replaces_not_merges():
    """F7 (fragment.Reassembler: the msg_type consistency test dropped): its docstring says a
    fragment inconsistent in type or length replaces what is held; two halves of different
    types must never be delivered as one message."""
    ra = fr.Reassembler(0, 4096)
    a = fr.message(fr.SERVER_HELLO, 0, b'A' * 10)
    b = fr.message(fr.CERTIFICATE, 0, b'B' * 10)
    for frag in (fr.fragment(a, 0, 5), fr.fragment(b, 5, 5)):
        f = fr.parse_fragment(frag, 0, len(frag))
        ra.add(f[0], f[1], f[2], f[3], f[4], frag, fr.HS_HEADER_LEN)
    assert ra.pop() is None
    frag = fr.fragment(b, 0, 5)
    f = fr.parse_fragment(frag, 0, len(frag))
    ra.add(f[0], f[1], f[2], f[3], f[4], frag, fr.HS_HEADER_LEN)
    assert ra.pop() == (fr.CERTIFICATE, 0, b'B' * 10)


# --- X.509 --------------------------------------------------------------------------------------

def _key(label):
    return EcPrivateKey.generate('p256', SeededRng(label))


def _ca(label, name, nb=fx.NOT_BEFORE, na=fx.NOT_AFTER, path_len=None):
    key = _key(label)
    der = write.build_certificate(name, key.public_key, name, key, nb, na, is_ca=True,
                                  path_len=path_len, rng=SeededRng(label))
    return key, der


def _leaf(issuer_name, issuer_key, nb=fx.NOT_BEFORE, na=fx.NOT_AFTER, **kw):
    return write.build_certificate(write.name([('CN', 'leaf')]), _key(b'leaf').public_key,
                                   issuer_name, issuer_key, nb, na, rng=SeededRng(b'leaf'), **kw)


def test_trust_anchor_validity_is_checked():
    """X6 (chain: the anchor's _check_time dropped): the module docstring promises validity
    'for every certificate including the anchor'."""
    name = write.name([('CN', 'Old CA')])
    key, old = _ca(b'old ca', name, na=fx.NOW - 1)
    leaf = _leaf(name, key)
    v = Verifier([old], clock=lambda: fx.NOW)
    assert _cert_alert(v.verify, [leaf]) == 45                 # certificate_expired
    key, young = _ca(b'young ca', name, nb=fx.NOW + 1)
    leaf = _leaf(name, key)
    v = Verifier([young], clock=lambda: fx.NOW)
    assert _cert_alert(v.verify, [leaf]) == dtls_lite.BAD_CERTIFICATE   # not yet valid
    assert Verifier([young], check_time=False).verify([leaf]).common_name == 'leaf'


def test_pinning_needs_the_same_certificate_not_the_same_name():
    """X10 (chain: pinned by subject_der instead of der): a self-signed peer certificate that
    merely has the name of a pinned one, with another key, must not be trusted."""
    name = write.name([('CN', 'device-7')])
    k1, k2 = _key(b'device key'), _key(b'attacker key')
    pinned = write.build_certificate(name, k1.public_key, name, k1, fx.NOT_BEFORE, fx.NOT_AFTER,
                                     rng=SeededRng(b'p'))
    forged = write.build_certificate(name, k2.public_key, name, k2, fx.NOT_BEFORE, fx.NOT_AFTER,
                                     rng=SeededRng(b'f'))
    v = Verifier([pinned], clock=lambda: fx.NOW)
    assert v.verify([pinned]).public_key == k1.public_key
    assert _cert_alert(v.verify, [forged]) is not None


def test_self_issued_intermediate_is_not_counted_by_path_len():
    """X15 (chain: every intermediate counted against pathLenConstraint): RFC 5280 §4.2.1.9,
    pathLenConstraint is 'the maximum number of non-self-issued intermediate certificates
    that may follow'. A key rollover certificate (Sub -> Sub) under a pathLen 0 CA is valid."""
    root_name = write.name([('CN', 'Root')])
    sub_name = write.name([('CN', 'Sub')])
    root_key, root = _ca(b'root', root_name)
    old_key, new_key = _key(b'sub old'), _key(b'sub new')
    sub = write.build_certificate(sub_name, old_key.public_key, root_name, root_key,
                                  fx.NOT_BEFORE, fx.NOT_AFTER, is_ca=True, path_len=0,
                                  rng=SeededRng(b'sub'))
    rollover = write.build_certificate(sub_name, new_key.public_key, sub_name, old_key,
                                       fx.NOT_BEFORE, fx.NOT_AFTER, is_ca=True,
                                       rng=SeededRng(b'roll'))
    assert parse_certificate(rollover).is_self_issued()
    leaf = _leaf(sub_name, new_key)
    v = Verifier([root], clock=lambda: fx.NOW)
    assert v.verify([leaf, rollover, sub]).common_name == 'leaf'


def test_wildcard_must_leave_two_labels():
    """X17 (match_hostname: `'.' in rest` dropped): '*.com' must not match 'example.com'."""
    name = write.name([('CN', 'CA')])
    key = _key(b'wild ca')
    cert = parse_certificate(_leaf(name, key, dns_names=['*.com', '*.example.org']))
    assert not match_hostname(cert, 'example.com')
    assert match_hostname(cert, 'www.example.org')


# --- crypto -------------------------------------------------------------------------------------

def test_point_with_a_non_canonical_coordinate_is_refused():
    """K3 (ec.decode_point: coordinates reduced mod p instead of refused when >= p): SEC1
    §3.2.2.1 and decode_point's docstring: 'both coordinates < p'."""
    from dtls_lite.crypto import ec, p256
    curve = p256.CURVE if hasattr(p256, 'CURVE') else ec.P256
    p = curve.p
    x = 0
    while True:
        rhs = (x * x * x - 3 * x + curve.b) % p
        y = pow(rhs, (p + 1) // 4, p)
        if y * y % p == rhs:
            break
        x += 1
    good = b'\x04' + x.to_bytes(32, 'big') + y.to_bytes(32, 'big')
    assert ec.decode_point(curve, good) == (x, y)
    bad = b'\x04' + (x + p).to_bytes(32, 'big') + y.to_bytes(32, 'big')
    try:
        ec.decode_point(curve, bad)
        raise AssertionError('x + p accepted')
    except ValueError:
        pass


def test_epoch0_record_sequence_numbers_never_repeat():
    """E23 (engine._put_record: hs.seq0 not advanced) and S21 (server: epoch 0 restarted at 0
    instead of continuing from the ClientHello's record number): RFC 6347 §4.1, the sequence
    number is incremented for each record sent in an epoch, and §4.2.1, the HelloVerifyRequest
    takes the ClientHello's number, so the ServerHello after it must not take it again (peers
    with an epoch-0 replay window, OpenSSL's, would drop it). A PSK flight with a hint has
    three records: ServerHello, ServerKeyExchange, ServerHelloDone."""
    pair = Pair(seed=914, hint=b'hint')
    seen = {'client': [], 'server': []}

    def tamper(src, dst, data):
        pos = 0
        while pos < len(data):
            h = record.parse_header(data, pos)
            if h[2] == 0:
                seen[src].append(h[3])
            pos += 13 + h[4]
        return data
    pair.tamper = tamper
    assert pair.handshake()
    for side in ('client', 'server'):
        nums = seen[side]
        assert len(nums) >= 3, (side, nums)
        for i in range(len(nums)):
            assert nums[i] not in nums[:i], (side, nums)
