"""Error texts come from the catalogue dtls_lite/texts.py, rendered when an error is raised and
not kept loaded after (errors.text). The catalogue's completeness against every raise site is
checked on CPython by test_host_texts.py.

Portable: plain test_* functions with assert (pytest and tools/mp_test.py)."""
import sys

import dtls_lite
from dtls_lite import errors
from dtls_lite.x509 import der
from dtls_lite.x509.errors import CertificateError


def _loaded():
    return 'dtls_lite.texts' in sys.modules or 'texts' in dtls_lite.__dict__


def test_config_error_carries_the_catalogue_text_and_leaves_nothing_loaded():
    try:
        dtls_lite.Context(role='both')
    except dtls_lite.ConfigError as e:
        assert str(e) == "role must be 'client', 'server' or None (both)"
        assert e.args == (str(e),)          # a traceback shows args[0]: the text, not the key
    else:
        raise AssertionError('role=both accepted')
    assert not _loaded()


def test_arguments_are_formatted_into_the_text():
    try:
        dtls_lite.Context(max_peers=0)
    except dtls_lite.ConfigError as e:
        assert str(e) == 'max_peers must be an int in [1, %d], not 0' % (1 << 30), str(e)
    else:
        raise AssertionError('max_peers=0 accepted')
    ctx = dtls_lite.Context()
    try:
        ctx.write(('h', 1), b'x')
    except dtls_lite.NotConnected as e:
        assert str(e) == "no established DTLS session with ('h', 1)"
    else:
        raise AssertionError('write without a session')
    assert not _loaded()


def test_certificate_error_renders_its_reason_and_keeps_the_alert():
    try:
        der.DerReader(b'\x30\x05\x01').sub()
    except CertificateError as e:
        assert e.alert == 42
        assert e.msg == 'truncated element'
        assert str(e) == 'truncated element (alert 42)'
    else:
        raise AssertionError('truncated DER accepted')
    e = CertificateError(45, 'expired', 'CN=leaf')
    assert e.msg == 'expired: CN=leaf' and e.alert == 45
    assert not _loaded()


def test_an_applications_own_text_is_kept_as_it_is():
    # an application (or a verify_cert callback) may raise our exceptions with its own words
    assert str(dtls_lite.ConfigError('my own words')) == 'my own words'
    assert CertificateError(43, 'not a key we take').msg == 'not a key we take'
    assert errors.text('no such key', (1, 'a')) == "no such key (1, 'a')"
    assert not _loaded()


class _NoHeap:
    """Stands in for the catalogue module when there is no heap to load it."""

    def __getattr__(self, name):
        raise MemoryError


def test_without_heap_for_the_catalogue_the_key_stands_in():
    sys.modules['dtls_lite.texts'] = _NoHeap()
    try:
        e = CertificateError(42, 'tag', 0x30, 0x02)
    finally:
        sys.modules.pop('dtls_lite.texts', None)
    assert e.alert == 42                     # the alert does not depend on the text
    assert e.msg == "tag (48, 2)", e.msg
    assert not _loaded()
    assert errors.text('tag', (0x30, 0x02)) == 'expected tag 0x30, got 0x02'
