"""Session 11 review of X.509 path validation against RFC 5280 §6.1, OpenSSL and cryptography:
each test failed before its fix. Portable: plain test_* functions with assert (pytest and
tools/mp_test.py). The certificates below were made once with `cryptography` (P-256, valid
2025-2045; the tests run without a clock): none of them can be made by keygen, which always
writes basicConstraints."""
from dtls_lite.x509.chain import Verifier
from dtls_lite.x509.errors import CertificateError

UNSUPPORTED_CERTIFICATE = 43
UNKNOWN_CA = 48


def _verify(anchors, chain, purpose='server', callback=None):
    """None if the chain verifies, else the alert of its CertificateError."""
    try:
        Verifier(anchors, False, None, purpose, callback).verify(chain)
    except CertificateError as e:
        return e.alert
    return None


def test_a_pinned_certificate_without_basic_constraints_issues_nothing():
    # RFC 5280 §4.2.1.9: without basicConstraints the key MUST NOT verify certificate
    # signatures. An anchor without basicConstraints or keyUsage could sign: with two pinned
    # device certificates, sensor A's key minted 'CN=sensorB' for a key of its own. OpenSSL
    # (X509_check_ca) lets such an anchor issue only with keyCertSign or as a v1 root.
    anchors = [SENSOR_A, SENSOR_B]
    assert _verify(anchors, [FORGED_B], 'client') == UNKNOWN_CA
    assert _verify(anchors, [SENSOR_B], 'client') is None         # pinned: still accepted


def test_a_stale_intermediate_in_the_ca_file_does_not_hide_the_current_one():
    # An anchor shadowed every certificate of its name the peer sent: a CA file holding an
    # old copy of an intermediate (another key) refused chains through the current one, which
    # the root alone accepts (cryptography accepts; OpenSSL when key identifiers tell the two
    # apart, which these certificates lack)
    assert _verify([ROOT], [LEAF_NEW, INT_NEW]) is None
    assert _verify([ROOT, INT_OLD], [LEAF_NEW, INT_NEW]) is None
    assert _verify([INT_OLD], [LEAF_NEW, INT_NEW]) == UNKNOWN_CA      # no way to ROOT


def test_extended_key_usage_of_a_ca_limits_its_leaves():
    # A client-only sub-CA (extKeyUsage clientAuth): its leaves, without an EKU of their own,
    # were accepted as servers; OpenSSL and cryptography refuse them
    chain = [LEAF_UNDER_CLIENT_CA, INT_CLIENT_ONLY]
    assert _verify([ROOT], chain, 'client') is None
    assert _verify([ROOT], chain, 'server') == UNSUPPORTED_CERTIFICATE
    assert _verify([ROOT, INT_CLIENT_ONLY], [LEAF_UNDER_CLIENT_CA], 'server') == \
        UNSUPPORTED_CERTIFICATE                                          # as an anchor too


def test_verify_cert_accepts_only_true():
    # context.py: "-> True to accept"; a callback returning -1, a string or the error object
    # accepted a chain that failed
    for value in (-1, 'reject', 1, [1]):
        assert _verify([SENSOR_A], [LEAF_NEW, INT_NEW],
                       callback=lambda leaf, error, v=value: v) is not None, value
    assert _verify([SENSOR_A], [LEAF_NEW, INT_NEW], callback=lambda leaf, error: True) is None
    bad = []
    assert _verify([SENSOR_A], [LEAF_NEW, INT_NEW],
                   callback=lambda leaf, error: bad.append(error) or error) == UNKNOWN_CA
    assert bad and bad[0] is not None


SENSOR_A = """\
-----BEGIN CERTIFICATE-----
MIIBIzCByqADAgECAhQIadoosTC5syRzdBLqT7aVNnP+4DAKBggqhkjOPQQDAjAS
MRAwDgYDVQQDDAdzZW5zb3JBMB4XDTI1MDEwMTAwMDAwMFoXDTQ1MDEwMTAwMDAw
MFowEjEQMA4GA1UEAwwHc2Vuc29yQTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IA
BOXFE4+wQnmxKrwzkUdck1BVZ3Qh8w5+nwMFX/3aXkjQnN4cNgFE477rNcLbscm3
fHcZxnMS63ieJ+kfTEgb5wwwCgYIKoZIzj0EAwIDSAAwRQIgajsRpYXNUoNyTPJH
UoyTSmtSiTQlnweNDFTostvks3ACIQCwx6F3zbFs93XeEjKPvAxQyRWFg1o7eQ5F
b7uvaUazdw==
-----END CERTIFICATE-----
"""

SENSOR_B = """\
-----BEGIN CERTIFICATE-----
MIIBJDCByqADAgECAhQJojkDEwn3Wo27gRDzFgPy3uBV8DAKBggqhkjOPQQDAjAS
MRAwDgYDVQQDDAdzZW5zb3JCMB4XDTI1MDEwMTAwMDAwMFoXDTQ1MDEwMTAwMDAw
MFowEjEQMA4GA1UEAwwHc2Vuc29yQjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IA
BJROLNe71aQTYmTdS5NKWOr0kMC8WbrMCRUq0Brzywoqv97Hs2RrgF5AMrijR4OE
XfTBc3bd07bt8m5eDeXtBxIwCgYIKoZIzj0EAwIDSQAwRgIhAOTOl6dVsaXFFyoQ
OC21cA6NdTQ4VHShvwbgOQ/twDUSAiEAi1mDPS/zyOMhJ2NHOlv7Otr+i7rbp2Ti
voH+DXv3vLk=
-----END CERTIFICATE-----
"""

FORGED_B = """\
-----BEGIN CERTIFICATE-----
MIIBIjCByqADAgECAhQMmize62Flj6rVXo9CVue42ZjerDAKBggqhkjOPQQDAjAS
MRAwDgYDVQQDDAdzZW5zb3JBMB4XDTI1MDEwMTAwMDAwMFoXDTQ1MDEwMTAwMDAw
MFowEjEQMA4GA1UEAwwHc2Vuc29yQjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IA
BNSJ4RXHAH3GF3KHIQUNjn56/pylEuHiz3bpmqgYqmnKco3rR2xTDy2VqTjPqYGy
O+7HSfHdj/aAqEy4AnNQIsswCgYIKoZIzj0EAwIDRwAwRAIgZ5tg49aADHVKMJCm
VdJUZoh2kmlK2V7snow8sFxuU94CIHLnJGvpZo7llyyXpP0ysPg+J20m0YA3bzdI
E1oyNZsw
-----END CERTIFICATE-----
"""

ROOT = """\
-----BEGIN CERTIFICATE-----
MIIBQzCB6aADAgECAhR8tHOlL0cpbem1WGmU8ShxT5bC2jAKBggqhkjOPQQDAjAP
MQ0wCwYDVQQDDARSb290MB4XDTI1MDEwMTAwMDAwMFoXDTQ1MDEwMTAwMDAwMFow
DzENMAsGA1UEAwwEUm9vdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABFVp6p6r
CVKH8NbHy+dYRxg1vno/AWd8tHArsp6xGPPwCVNL1bpzwRh4UQ+dRz19AGxFF6YP
SH0gNc1sdKL67aejIzAhMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgEG
MAoGCCqGSM49BAMCA0kAMEYCIQDpJkqoHxq05rwaOB8bfSHdG1uAKVRh163svUgR
6dHUHQIhAPUtrJtpwyGdypLcHuqZUHWZ54bczeIqgO1P3fq6S3Ci
-----END CERTIFICATE-----
"""

INT_OLD = """\
-----BEGIN CERTIFICATE-----
MIIBQjCB6KADAgECAhQ8SLuuaO6LCL4fuH+cIPEl2f7UyzAKBggqhkjOPQQDAjAP
MQ0wCwYDVQQDDARSb290MB4XDTI1MDEwMTAwMDAwMFoXDTQ1MDEwMTAwMDAwMFow
DjEMMAoGA1UEAwwDSW50MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEfkHagRC9
tnHWTORBgzL5D/3e1CkKk9NhynT7ZDvAwQOofGVHW5VU6FyPkHIBaIMwHqI2EaSg
fBsoDE5LjH6U76MjMCEwDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAQYw
CgYIKoZIzj0EAwIDSQAwRgIhAOFqQ5aJ2U4y8QQt+XGrS4PR+88LLy8BfV+FAwhw
4U3AAiEAtfOc5+IIomO9cv9aBtwfptCDnL8AePP4ITvod49/xR4=
-----END CERTIFICATE-----
"""

INT_NEW = """\
-----BEGIN CERTIFICATE-----
MIIBQTCB6KADAgECAhROZf+hn0MY++b6dMHW6MQ5wBx7IDAKBggqhkjOPQQDAjAP
MQ0wCwYDVQQDDARSb290MB4XDTI1MDEwMTAwMDAwMFoXDTQ1MDEwMTAwMDAwMFow
DjEMMAoGA1UEAwwDSW50MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEH9xr85Pn
4w6ngAgrgDF5KZrqFm3NvLVrZoNQ3UU/u1cSheQ3JN/V/FW1ywq7Ml+sJ2U/Sol5
mK9THdlHF/kG36MjMCEwDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAQYw
CgYIKoZIzj0EAwIDSAAwRQIhALsFm1/m5JalhKmkNzT6W/E3F6XZ9qYaot0qAN2h
GwnsAiAigquh+TADGP8Ad+uHJt39UyPVU1WOSbF/rhEntiFqtA==
-----END CERTIFICATE-----
"""

LEAF_NEW = """\
-----BEGIN CERTIFICATE-----
MIIBHTCBw6ADAgECAhQZzFSTG1w198uiFJI+3sUBD33nHzAKBggqhkjOPQQDAjAO
MQwwCgYDVQQDDANJbnQwHhcNMjUwMTAxMDAwMDAwWhcNNDUwMTAxMDAwMDAwWjAP
MQ0wCwYDVQQDDARsZWFmMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEE+mOWtq2
hlZcdFB/PVw4XBziVFgklFxgAjSFORPXcRDIq2fMPG0BspB9PeAr0Mn6zQ6lOala
1r30n4V59QgMWjAKBggqhkjOPQQDAgNJADBGAiEAmj+Vdof5LFtu99EwC4Yw/yy7
3se70/4h6eumcvJ7HHECIQD7EtfivpvJHEkEoANP9jIO4spd6EEIkKtYSUcg59t1
IA==
-----END CERTIFICATE-----
"""

INT_CLIENT_ONLY = """\
-----BEGIN CERTIFICATE-----
MIIBWzCCAQKgAwIBAgIUXCBp+PfKHYrlbRZ6Nj5kJYZe2jkwCgYIKoZIzj0EAwIw
DzENMAsGA1UEAwwEUm9vdDAeFw0yNTAxMDEwMDAwMDBaFw00NTAxMDEwMDAwMDBa
MBMxETAPBgNVBAMMCENsaWVudENBMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE
TqlGhVLpu5STmdm9YFCHBa5F/ixL9mMtt1OUXs3xgbecGixJSu72+iI5PXrwohco
YurYahnkZ3lSr1egdeba7qM4MDYwDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8E
BAMCAQYwEwYDVR0lBAwwCgYIKwYBBQUHAwIwCgYIKoZIzj0EAwIDRwAwRAIgPEKS
dhnsMBTZ1xWeUEcVrZNcv+khClQPRReQm2BihcsCIFDIXDpSvoFNrNxtK0V8p9KJ
AFtzgODJC/jKbl3dGWDY
-----END CERTIFICATE-----
"""

LEAF_UNDER_CLIENT_CA = """\
-----BEGIN CERTIFICATE-----
MIIBIjCByqADAgECAhRr35cVsI3C8wf340VK02iwMTNMODAKBggqhkjOPQQDAjAT
MREwDwYDVQQDDAhDbGllbnRDQTAeFw0yNTAxMDEwMDAwMDBaFw00NTAxMDEwMDAw
MDBaMBExDzANBgNVBAMMBnNlbnNvcjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IA
BBMLyUI1o0xUvvG70JXojhlkvdb3KtqBJJsaTEA4ohbPjNrO3mXxGl1NL9XFfcV3
c72GE7bUKnuMkG22xCYdVLwwCgYIKoZIzj0EAwIDRwAwRAIgB0uX64hHf4W6C5sc
goFEejT5S1MTRUTaL9MvPiW/5hkCIFW1pWZuGPQaMwgxpc6jxDL1ImEV6JjYg7Ut
c4fgIrKK
-----END CERTIFICATE-----
"""
