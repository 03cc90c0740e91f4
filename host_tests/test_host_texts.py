"""The error-text catalogue (dtls_lite/texts.py) against every raise site of the library.

Each error dtls_lite raises names a key of the catalogue (texts.py says why). Read from the
sources: every key a site names must be in the catalogue, at most 10 characters long (mpy-cross
interns such a string as a name; a longer one would be a string object in the heap again), and
get as many arguments as its text has conversions; every catalogue entry must be used; and no
raise site may carry a message of its own instead of a key. CPython only (ast)."""
import ast
import os
import re

from dtls_lite.texts import TEXTS

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIBRARY = os.path.join(ROOT, 'dtls_lite')
# exception classes whose first argument is a key (DTLSError and its subclasses)
KEYED = {'DTLSError', 'ConfigError', 'HandlerError', 'NotConnected', 'TooManyPeers'}
CONVERSION = re.compile(r'%[-#0 +]*\d*(?:\.\d+)?[sdrx]')


def _sources():
    for dirpath, _, files in os.walk(LIBRARY):
        for f in sorted(files):
            if f.endswith('.py') and f != 'texts.py':
                path = os.path.join(dirpath, f)
                with open(path) as fh:
                    yield os.path.relpath(path, ROOT), ast.parse(fh.read())


def _name(func):
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


# the functions that pass a key through to text(): the only places a key may be a variable
FORWARDERS = ('dtls_lite/errors.py', 'dtls_lite/x509/errors.py', 'dtls_lite/x509/der.py')


def _sites(sources):
    """(where, key node, number of arguments or None when unknown) of every keyed call."""
    for path, tree in sources:
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = _name(node.func)
            args = node.args
            if name == 'text':                       # text(key[, (args...)])
                n = 0 if len(args) == 1 else len(args[1].elts) if isinstance(args[1], ast.Tuple) else None
                key = args[0]
            elif name in KEYED or name == 'fail':    # X(key, *args), der.fail(key, *args)
                key, n = args[0], len(args) - 1
            elif name == 'CertificateError' and len(args) > 1:   # CertificateError(alert, key, *args)
                key, n = args[1], len(args) - 2
            else:
                continue
            if any(isinstance(a, ast.Starred) for a in args):
                n = None
            yield path, node.lineno, key, n


def _problems(sources):
    """What is wrong with the keyed calls in `sources`, and how many there are."""
    problems, count = [], 0
    for path, line, key, n in _sites(sources):
        where = '%s:%d' % (path, line)
        if not isinstance(key, ast.Constant):
            if path not in FORWARDERS:
                problems.append('%s: the key is not a literal' % where)
            continue
        count += 1
        if key.value not in TEXTS:
            problems.append('%s: key %r is not in dtls_lite/texts.py' % (where, key.value))
            continue
        if len(key.value) > 10:
            problems.append('%s: key %r is longer than 10 characters' % (where, key.value))
        want = len(CONVERSION.findall(TEXTS[key.value]))
        if n is not None and n != want:
            problems.append('%s: %r gets %d arguments, its text has %d' % (where, key.value, n, want))
    return problems, count


def test_every_key_a_raise_site_names_is_in_the_catalogue_with_its_arguments():
    problems, count = _problems(_sources())
    assert problems == []
    assert count > 130, count      # the scan found the raise sites (about 150)


def test_every_catalogue_entry_is_used():
    used = {key.value for _, _, key, _ in _sites(_sources()) if isinstance(key, ast.Constant)}
    assert sorted(set(TEXTS) - used) == []


def test_no_raise_site_carries_its_own_message():
    # a raise of a built-in exception with a string literal, or with a %-formatted or
    # concatenated one, would put the text back into the module's constants
    own = []
    for path, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args:
                first = node.exc.args[0]
                if isinstance(first, (ast.BinOp, ast.JoinedStr)) or (
                        isinstance(first, ast.Constant) and isinstance(first.value, str)
                        and first.value not in TEXTS):
                    own.append('%s:%d' % (path, node.lineno))
    assert own == []


def test_the_checks_see_what_is_wrong():
    # the checks above are only as good as the scan: feed it each mistake once
    bad = ast.parse(
        "raise ConfigError('nope')\n"                          # unknown key
        "fail('tag', 1)\n"                                     # 2 conversions, 1 argument
        "raise ValueError(text('aead', (1, 2)))\n"             # 1 conversion, 2 arguments
        "raise CertificateError(45, 'expired')\n"              # 1 conversion, no argument
        "raise NotConnected(key)\n")                           # not a literal
    problems, count = _problems([('dtls_lite/x.py', bad)])
    assert count == 4 and len(problems) == 5, problems
    good = ast.parse("raise CertificateError(45, 'expired', name)\nfail('tag', 1, 2)\n")
    assert _problems([('dtls_lite/x.py', good)]) == ([], 2)
