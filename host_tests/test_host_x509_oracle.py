"""CPython-only: our X.509 parser, verifier and writer cross-checked against `cryptography`.

Hypothesis draws names (escaping-prone characters, non-ASCII), subjectAltNames, serials,
validity dates on both sides of 2050 (UTCTime / GeneralizedTime), curves, hashes and
extensions. One way, cryptography (OpenSSL) builds and signs CA + leaf and we parse and validate
them; the other way, our writer builds them and cryptography parses them and checks the
signatures. Fields must agree exactly.
"""
import datetime
import ipaddress

from hypothesis import given, settings, strategies as st
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID, ExtendedKeyUsageOID

from dtls_lite.crypto.util import SeededRng
from dtls_lite.x509 import write
from dtls_lite.x509.cert import parse_certificate
from dtls_lite.x509.chain import Verifier
from dtls_lite.x509.keys import EcPrivateKey

_FEW = settings(max_examples=40, deadline=None)
_CURVES = {'p256': (ec.SECP256R1, hashes.SHA256), 'p384': (ec.SECP384R1, hashes.SHA384)}
_OIDS = {'CN': NameOID.COMMON_NAME, 'O': NameOID.ORGANIZATION_NAME,
         'OU': NameOID.ORGANIZATIONAL_UNIT_NAME, 'L': NameOID.LOCALITY_NAME,
         'ST': NameOID.STATE_OR_PROVINCE_NAME, 'C': NameOID.COUNTRY_NAME,
         'DC': NameOID.DOMAIN_COMPONENT, 'emailAddress': NameOID.EMAIL_ADDRESS,
         'serialNumber': NameOID.SERIAL_NUMBER}
_OVERRIDES = {NameOID.EMAIL_ADDRESS: 'emailAddress', NameOID.SERIAL_NUMBER: 'serialNumber'}
_KU_NAMES = ('digital_signature', 'content_commitment', 'key_encipherment', 'data_encipherment',
             'key_agreement', 'key_cert_sign', 'crl_sign')
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)

_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x2fff,
                              blacklist_categories=('Cs', 'Cc')), min_size=1, max_size=16) \
    .filter(lambda s: s.strip() != '')
_ascii = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7e), min_size=1, max_size=12)
_label = st.from_regex(r'\A[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?\Z')
_attr = st.one_of(
    st.tuples(st.sampled_from(['CN', 'O', 'OU', 'L', 'ST']), _text),
    st.tuples(st.just('C'), st.from_regex(r'\A[A-Z]{2}\Z')),
    st.tuples(st.just('serialNumber'), st.from_regex(r'\A[A-Za-z0-9 .:=-]{1,10}\Z')),
    st.tuples(st.sampled_from(['DC', 'emailAddress']), _ascii))
_names = st.lists(_attr, min_size=1, max_size=5)
_sans = st.lists(st.one_of(
    st.tuples(st.just('DNS'), st.lists(_label, min_size=1, max_size=3).map('.'.join)),
    st.tuples(st.just('IP'), st.ip_addresses().map(str)),
    st.tuples(st.just('URI'), _label.map(lambda s: 'coap://' + s + '/x')),
    st.tuples(st.just('email'), _label.map(lambda s: s + '@example.com'))), max_size=5)
# Seconds since the epoch, 1950 .. 9999, on whole seconds.
_times = st.integers(-631152000, 253402300799 - 86400)


def _dt(t):
    return _EPOCH + datetime.timedelta(seconds=t)


def _ref_name(attrs):
    return x509.Name([x509.NameAttribute(_OIDS[k], v) for k, v in attrs])


def _ref_san(sans):
    out = []
    for kind, v in sans:
        if kind == 'DNS':
            out.append(x509.DNSName(v))
        elif kind == 'IP':
            out.append(x509.IPAddress(ipaddress.ip_address(v)))
        elif kind == 'URI':
            out.append(x509.UniformResourceIdentifier(v))
        else:
            out.append(x509.RFC822Name(v))
    return out


def _ku(mask):
    kw = {n: bool(mask >> i & 1) for i, n in enumerate(_KU_NAMES)}
    return x509.KeyUsage(encipher_only=False, decipher_only=False, **kw)


@_FEW
@given(subject=_names, issuer=_names, sans=_sans, serial=st.integers(1, 2 ** 159 - 1),
       start=_times, length=st.integers(0, 10 ** 9), ca_curve=st.sampled_from(sorted(_CURVES)),
       leaf_curve=st.sampled_from(sorted(_CURVES)), ku=st.integers(1, 127),
       eku=st.lists(st.sampled_from([ExtendedKeyUsageOID.SERVER_AUTH,
                                     ExtendedKeyUsageOID.CLIENT_AUTH]), unique=True),
       path_len=st.one_of(st.none(), st.integers(0, 3)))
def test_cryptography_built_certificates_parse_and_validate(subject, issuer, sans, serial, start,
                                                            length, ca_curve, leaf_curve, ku, eku,
                                                            path_len):
    end = min(start + length, 253402300799)
    ca_key = ec.generate_private_key(_CURVES[ca_curve][0]())
    leaf_key = ec.generate_private_key(_CURVES[leaf_curve][0]())
    md = _CURVES[ca_curve][1]()
    ca = (x509.CertificateBuilder().subject_name(_ref_name(issuer)).issuer_name(_ref_name(issuer))
          .public_key(ca_key.public_key()).serial_number(1)
          .not_valid_before(_dt(start)).not_valid_after(_dt(end))
          .add_extension(x509.BasicConstraints(ca=True, path_length=path_len), critical=True)
          .add_extension(_ku(0x60), critical=True)
          .sign(ca_key, md))
    b = (x509.CertificateBuilder().subject_name(_ref_name(subject)).issuer_name(_ref_name(issuer))
         .public_key(leaf_key.public_key()).serial_number(serial)
         .not_valid_before(_dt(start)).not_valid_after(_dt(end))
         .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=False)
         .add_extension(_ku(ku), critical=True))
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName(_ref_san(sans)), critical=False)
    if eku:
        b = b.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    leaf = b.sign(ca_key, md)
    der = leaf.public_bytes(serialization.Encoding.DER)

    c = parse_certificate(der)
    assert c.serial == serial
    assert c.subject == leaf.subject.rfc4514_string(_OVERRIDES)
    assert c.issuer == leaf.issuer.rfc4514_string(_OVERRIDES)
    assert c.not_before == start and c.not_after == end
    assert c.key_usage == ku and not c.is_ca
    assert c.ext_key_usage == ([o.dotted_string for o in eku] if eku else None)
    assert c.subject_alt_names == [(k, str(ipaddress.ip_address(v)) if k == 'IP' else v)
                                   for k, v in sans]
    assert c.public_key.point == leaf_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    ca_der = ca.public_bytes(serialization.Encoding.DER)
    assert parse_certificate(ca_der).path_len == path_len
    # Validate at notBefore when that is a plausible wall-clock time, else with the check off.
    v = Verifier([ca_der], clock=lambda: start, check_time=start >= 1735689600)
    if c.subject_der == parse_certificate(ca_der).subject_der:
        return   # leaf named like its CA: a different path question, not this test's
    if ku & 1:
        assert v.verify([der]).der == der
    else:
        try:
            v.verify([der])
        except ValueError as e:
            assert e.alert == 43
        else:
            raise AssertionError('leaf without digitalSignature accepted')


@_FEW
@given(subject=_names, issuer=_names, sans=_sans, start=_times, length=st.integers(0, 10 ** 9),
       ca_curve=st.sampled_from(sorted(_CURVES)), leaf_curve=st.sampled_from(sorted(_CURVES)),
       seed=st.integers(0, 2 ** 32))
def test_our_certificates_read_by_cryptography(subject, issuer, sans, start, length, ca_curve,
                                               leaf_curve, seed):
    end = min(start + length, 253402300799)
    rng = SeededRng(seed)
    ca_key = EcPrivateKey.generate(ca_curve, rng)
    leaf_key = EcPrivateKey.generate(leaf_curve, rng)
    ca_der = write.build_certificate(write.name(issuer), ca_key.public_key, write.name(issuer),
                                     ca_key, start, end, is_ca=True, path_len=0, rng=rng)
    leaf_der = write.build_certificate(
        write.name(subject), leaf_key.public_key, write.name(issuer), ca_key, start, end,
        dns_names=[v for k, v in sans if k == 'DNS'], ip_addresses=[v for k, v in sans if k == 'IP'],
        ext_key_usage=(write.OID_SERVER_AUTH,), rng=rng)
    ca = x509.load_der_x509_certificate(ca_der)
    leaf = x509.load_der_x509_certificate(leaf_der)
    leaf.verify_directly_issued_by(ca)
    ca.verify_directly_issued_by(ca)
    ours = parse_certificate(leaf_der)
    assert leaf.subject.rfc4514_string(_OVERRIDES) == ours.subject
    assert leaf.not_valid_before_utc == _dt(start) and leaf.not_valid_after_utc == _dt(end)
    assert leaf.serial_number == ours.serial and 2 ** 126 <= leaf.serial_number < 2 ** 127
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length == 0
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).critical
    assert leaf.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    ski = leaf.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert ski.digest == x509.SubjectKeyIdentifier.from_public_key(leaf.public_key()).digest
    aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == ca.extensions.get_extension_for_class(
        x509.SubjectKeyIdentifier).value.digest
    want = [v for k, v in sans if k == 'DNS'] + [str(ipaddress.ip_address(v))
                                                 for k, v in sans if k == 'IP']
    if want:
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        got = san.get_values_for_type(x509.DNSName) + [str(a) for a in san.get_values_for_type(x509.IPAddress)]
        assert got == want


@_FEW
@given(curve=st.sampled_from(sorted(_CURVES)), seed=st.integers(1, 2 ** 255),
       fmt=st.sampled_from(['pkcs8', 'sec1']), encoding=st.sampled_from(['PEM', 'DER']))
def test_private_keys_both_ways(curve, seed, fmt, encoding):
    from dtls_lite.x509.keys import load_private_key
    key = ec.derive_private_key(seed, _CURVES[curve][0]())
    f = serialization.PrivateFormat.PKCS8 if fmt == 'pkcs8' else \
        serialization.PrivateFormat.TraditionalOpenSSL
    enc = getattr(serialization.Encoding, encoding)
    blob = key.private_bytes(enc, f, serialization.NoEncryption())
    ours = load_private_key(blob)
    size = 32 if curve == 'p256' else 48
    assert ours.curve == curve and ours.d == seed.to_bytes(size, 'big')
    assert ours.public_key.point == key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    # Ours written back is what cryptography (OpenSSL) writes, byte for byte.
    mine = {('pkcs8', 'DER'): ours.to_pkcs8(), ('sec1', 'DER'): ours.to_sec1(),
            ('pkcs8', 'PEM'): ours.to_pem().encode(),
            ('sec1', 'PEM'): ours.to_pem(pkcs8=False).encode()}[(fmt, encoding)]
    assert mine == blob
    back = serialization.load_der_private_key(ours.to_pkcs8(), None)
    assert back.private_numbers().private_value == seed


def _mutants():
    import test_x509_fixtures as fx
    from dtls_lite.x509.pem import pem_blocks
    seeds = [der for name in dir(fx) if name.endswith(('_CRT', '_PUB')) or '_KEY_' in name
             for label, der in pem_blocks(getattr(fx, name))]

    @st.composite
    def mutant(draw):
        data = bytearray(draw(st.sampled_from(seeds)))
        for _ in range(draw(st.integers(1, 4))):
            i = draw(st.integers(0, len(data)))
            op = draw(st.sampled_from(['replace', 'insert', 'delete', 'cut']))
            chunk = draw(st.binary(min_size=1, max_size=4))
            if op == 'replace':
                data[i:i + len(chunk)] = chunk
            elif op == 'insert':
                data[i:i] = chunk
            elif op == 'delete':
                del data[i:i + len(chunk)]
            else:
                del data[i:]
        return bytes(data)
    return mutant()


@settings(max_examples=400, deadline=None)
@given(blob=_mutants())
def test_mutated_input_only_raises_certificate_error(blob):
    # Peer bytes must never raise anything but CertificateError from any of our readers.
    from dtls_lite.x509.errors import CertificateError
    from dtls_lite.x509.keys import load_private_key, parse_spki
    from dtls_lite.x509.name import name_to_str
    for fn in (parse_certificate, parse_spki, load_private_key, name_to_str):
        try:
            fn(blob)
        except CertificateError:
            pass
