"""`make fuzz`: mutated datagrams at every handshake step, and a lossy-link handshake soak.

    python3 tools/fuzz.py [--per-state N] [--handshakes N] [--seed S] [--suite NAME] [--auth A] [--mtu N]
    python3 tools/fuzz.py --replay BATCH_SEED STATE N [I,J,...] [--suite NAME --auth A --mtu N]
A (authentication): psk (default), x509 or rpk (ECDHE_ECDSA suites, mutual).

Everything runs in memory: two `dtls_lite.Context`s (client, server) joined by `Link`, a fake
network with a fake clock, seeded random bytes, so every finding replays from its seed.

Each run of DEFAULT_RUNS (plain PSK, ECDHE-PSK, ECDHE-ECDSA with X.509 and with raw public
keys, mutual, and X.509 again over 200-byte datagrams) gets both parts unless --suite/--auth/--mtu
choose one.

1. Mutation fuzzing (default 100,000 mutants per state). A clean handshake is run datagram by
   datagram; "state k" is the moment before datagram k of that run is delivered (ClientHello,
   HelloVerifyRequest, ..., the Finished flights, then application data and close_notify). At
   state k the receiver gets a batch of mutants of datagram k (bit flips, header-field rewrites
   of the record and handshake headers, truncation, splicing, garbage, replays of earlier
   datagrams), then the original, and the run goes on. Batches repeat from a fresh pair until the
   state has had its share. Invariants (the only ones, as for h11's fuzzing):
   - nothing raises out of `handle_message` / `check_retransmit`;
   - the contexts are not corrupted: after the batch, a clean handshake on a new address between
     the same two contexts completes and carries a record each way.
   Whether the interrupted handshake itself still completes is counted but is no invariant
   (mutants may legitimately end it with a fatal alert).
2. Lossy soak (default 1,000 handshakes): 20 % of datagrams dropped, 10 % duplicated, each
   delayed 1-80 ms so that flights reorder; retransmission timers on the fake clock. Counted:
   handshakes completed and the simulated time they took; handshakes that gave up because every
   retransmission of a flight was lost (at 20 % loss about 1 in 500 with the default 7
   retransmissions / 120 s) are counted apart. Failures: a handshake stuck without a timer, and
   a connected server that leaves the client's retransmitted last flight unanswered.

Exit status 1 if any invariant broke. Each distinct failure (exception type + the dtls_lite line
it came from) is printed once, minimized to the few mutants that trigger it, with its --replay
command; later batches with the same cause are only counted.
"""
import heapq
import os
import random
import sys
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import dtls_lite  # noqa: E402
from dtls_lite.crypto.util import SeededRng  # noqa: E402

IDENTITY = b'Client_identity'
KEY = bytes(range(16))
_RECORD_HEADER = 13     # RFC 6347 §4.1: type(1) version(2) epoch(2) sequence_number(6) length(2)
_HANDSHAKE_HEADER = 12  # RFC 6347 §4.2.2: msg_type(1) length(3) message_seq(2) frag_offset(3) frag_length(3)
_CT_HANDSHAKE = 22
_BATCH = 250            # mutants per state per fresh pair
_MAX_STEPS = 5000       # datagrams + timer firings per handshake run: a hang is a finding
_MAX_SIM_MS = 600000    # simulated time bound for one handshake
_STRANGER = 99          # address number no handshake uses


# --- the in-memory network --------------------------------------------------------------

class Endpoint:
    """One Context plus what its callbacks reported."""

    def __init__(self, name, link, seed, auth='psk', **config):
        self.name = name
        self.link = link
        self.connected = set()
        self.closed = set()
        self.alerts = []
        self.received = []
        handlers = {'get_psk_info': self._psk}
        if auth != 'psk':
            extra, handlers = ecdsa_setup(auth, name)
            config = dict(config, **extra)
        self.ctx = dtls_lite.Context(clock=link.clock, rng=SeededRng('%s-%s' % (name, seed)), **config)
        self.ctx.set_handler(self._write, read=self._read, event=self._event, **handlers)

    def _write(self, ctx, session, data):
        self.link.send(self, session, bytes(data))
        return len(data)

    def _read(self, ctx, session, data):
        self.received.append((session, bytes(data)))

    def _event(self, ctx, session, level, code):
        if level == 0 and code == dtls_lite.EVENT_CONNECTED:
            self.connected.add(session)
        elif level:
            self.alerts.append((session, level, code))
            if level == 2:
                self.closed.add(session)

    def _psk(self, ctx, session, kind, identity):
        if kind == dtls_lite.PSK_IDENTITY:
            return IDENTITY
        if kind == dtls_lite.PSK_KEY:
            return KEY if identity in (None, IDENTITY) else None
        return None


def ecdsa_setup(auth, name):
    """(Context keywords, handlers) for one side of an ECDHE_ECDSA pair, mutual authentication:
    auth 'x509' (the test CA, server name 'localhost') or 'rpk' (RFC 7250 raw keys, pinned).
    Keys and certificates are the committed test-only fixtures (host_tests/test_x509_fixtures.py)."""
    fx = _fixtures()
    from dtls_lite import auth as dtls_auth
    server = name == 'server'
    key = fx.SERVER_KEY_SEC1 if server else fx.CLIENT_KEY_PKCS8
    if auth == 'x509':
        creds = dtls_auth.Credentials(key, fx.SERVER_CRT if server else fx.CLIENT_CRT)
        config = {'ca': fx.CA_CRT, 'cert_clock': lambda: fx.NOW}
        if not server:
            config['server_name'] = 'localhost'
        verify = None
    else:
        creds = dtls_auth.Credentials(key)
        config = {}
        peer = dtls_auth.Credentials(fx.CLIENT_KEY_PKCS8 if server else fx.SERVER_KEY_SEC1).public_key

        def verify(ctx, session, public_key):
            return public_key == peer
    if server:
        config['require_client_cert'] = True
    return config, {'get_psk_info': None, 'get_ecdsa_key': lambda ctx, session: creds,
                    'verify_ecdsa_key': verify}


def _fixtures():
    host_tests = os.path.join(ROOT, 'host_tests')
    if host_tests not in sys.path:
        sys.path.insert(0, host_tests)
    import test_x509_fixtures
    return test_x509_fixtures


class Link:
    """Datagrams between a client and a server Endpoint, on a fake clock.

    Addresses are ('srv', n) as the client sees the server and ('cli', n) as the server sees the
    client, n numbering independent client sessions. With loss parameters at zero it is a
    perfect in-order wire; `rnd` (random.Random) drives drop/duplicate/delay decisions.
    """

    def __init__(self, rnd=None, drop=0.0, duplicate=0.0, max_delay_ms=0):
        self.now = 0
        self.rnd = rnd or random.Random(0)
        self.drop, self.duplicate, self.max_delay_ms = drop, duplicate, max_delay_ms
        self.queue = []  # heap of (deliver_at, order, receiver, session_at_receiver, data)
        self.order = 0
        self.sent = 0
        self.client = self.server = None

    def clock(self):
        return self.now

    def send(self, sender, session, data):
        self.sent += 1  # every datagram a side sends, lost or not
        receiver = self.server if sender is self.client else self.client
        peer_key = ('cli' if sender is self.client else 'srv', session[1])
        copies = 0 if self.rnd.random() < self.drop else 1
        if copies and self.rnd.random() < self.duplicate:
            copies = 2
        for _ in range(copies):
            delay = self.rnd.randint(1, self.max_delay_ms) if self.max_delay_ms else 0
            self.order += 1
            heapq.heappush(self.queue, (self.now + delay, self.order, receiver, peer_key, data))

    def pop(self):
        """The next datagram due (earliest delivery time, then send order), or None."""
        if not self.queue:
            return None
        best = heapq.heappop(self.queue)  # (deliver_at, order) is unique: never compares further
        self.now = max(self.now, best[0])
        return best[2], best[3], best[4]


def make_pair(seed, link=None, **config):
    link = link or Link()
    link.client = Endpoint('client', link, seed, **config)
    link.server = Endpoint('server', link, seed, **config)
    return link, link.client, link.server


def next_deadline(link):
    """When something happens next: a retransmission deadline or a queued delivery.
    Timers fire first: a retransmission due now queues a datagram that may be the next event."""
    times = []
    for end in (link.client, link.server):
        d = end.ctx.check_retransmit(link.now)
        if d is not None:
            times.append(d)
    if link.queue:
        times.append(link.queue[0][0])
    return min(times) if times else None


def run_until(link, done, on_datagram=None):
    """Deliver datagrams and fire timers until done() or nothing is left; True if done()."""
    for _ in range(_MAX_STEPS):
        if done():
            return True
        item = link.pop()
        if item is None:
            deadline = next_deadline(link)
            if deadline is None or deadline > _MAX_SIM_MS:
                return done()
            link.now = max(link.now, deadline)
            continue
        receiver, session, data = item
        if on_datagram is not None:
            on_datagram(receiver, session, data)
        receiver.ctx.handle_message(session, data)
        for end in (link.client, link.server):
            end.ctx.check_retransmit(link.now)
    return done()


def handshake(link, n):
    """Connect client session n and run the link until both ends report it connected."""
    link.client.ctx.connect(('srv', n))
    return run_until(link, lambda: both_connected(link, n))


def both_connected(link, n):
    return ('srv', n) in link.client.connected and ('cli', n) in link.server.connected


def clean_exchange(link, n):
    """A fresh handshake on address n, then one record each way: True if all of it worked."""
    if not handshake(link, n):
        return False
    ping, pong = b'ping %d' % n, b'pong %d' % n
    link.client.ctx.write(('srv', n), ping)
    run_until(link, lambda: (('cli', n), ping) in link.server.received)
    link.server.ctx.write(('cli', n), pong)
    return run_until(link, lambda: (('srv', n), pong) in link.client.received)


# --- mutations --------------------------------------------------------------------------

_BOUNDARY = (0, 1, 0x7f, 0x80, 0xfe, 0xff)


def _fields(data):
    """(offset, width) of each header field of each record in the datagram, for targeted rewrites."""
    fields, pos = [], 0
    while pos + _RECORD_HEADER <= len(data):
        fields += [(pos, 1), (pos + 1, 2), (pos + 3, 2), (pos + 5, 6), (pos + 11, 2)]
        length = data[pos + 11] << 8 | data[pos + 12]
        body = pos + _RECORD_HEADER
        plaintext_handshake = data[pos] == _CT_HANDSHAKE and data[pos + 3:pos + 5] == b'\0\0'
        if plaintext_handshake and body + _HANDSHAKE_HEADER <= len(data):
            fields += [(body, 1), (body + 1, 3), (body + 4, 2), (body + 6, 3), (body + 9, 3)]
        pos = body + length
    return fields


def _field_value(width, choice, raw):
    if choice == 0:
        return bytes(width)
    if choice == 1:
        return b'\xff' * width
    if choice == 2:
        return (raw * width)[:width] if raw else bytes(width)
    return bytes(width - 1) + bytes([_BOUNDARY[choice % len(_BOUNDARY)]])


# Each operation: (data, pos, raw, history) -> mutated datagram. pos is an arbitrary int the
# operation reduces modulo what it indexes; raw is arbitrary bytes. Shared with the hypothesis test.
def _flip_bit(data, pos, raw, history):
    if not data:
        return raw
    b = bytearray(data)
    bit = pos % (8 * len(b))
    b[bit // 8] ^= 1 << (bit % 8)
    return bytes(b)


def _set_byte(data, pos, raw, history):
    if not data:
        return raw
    b = bytearray(data)
    b[pos % len(b)] = raw[0] if raw else _BOUNDARY[pos % len(_BOUNDARY)]
    return bytes(b)


def _rewrite_field(data, pos, raw, history):
    fields = _fields(data)
    if not fields:
        return _set_byte(data, pos, raw, history)
    offset, width = fields[pos % len(fields)]
    value = _field_value(width, (pos // len(fields)) % 6, raw)
    return data[:offset] + value + data[offset + width:]


def _truncate(data, pos, raw, history):
    return data[:pos % (len(data) + 1)]


def _append(data, pos, raw, history):
    return data + raw


def _insert(data, pos, raw, history):
    i = pos % (len(data) + 1)
    return data[:i] + raw + data[i:]


def _delete(data, pos, raw, history):
    if not data:
        return data
    i = pos % len(data)
    return data[:i] + data[i + 1 + (raw[0] if raw else 0) % 16:]


def _garbage(data, pos, raw, history):
    return raw


def _replay(data, pos, raw, history):
    return history[pos % len(history)] if history else data


def _splice(data, pos, raw, history):
    other = history[pos % len(history)] if history else data
    return data + other


def _shuffle_records(data, pos, raw, history):
    """Records of the datagram in another order (a valid-looking but reordered flight)."""
    records, i = [], 0
    while i + _RECORD_HEADER <= len(data):
        end = i + _RECORD_HEADER + (data[i + 11] << 8 | data[i + 12])
        records.append(data[i:end])
        i = end
    if len(records) < 2:
        return _flip_bit(data, pos, raw, history)
    rnd = random.Random(pos)
    rnd.shuffle(records)
    return b''.join(records)


OPERATIONS = (_flip_bit, _set_byte, _rewrite_field, _rewrite_field, _truncate, _append, _insert,
              _delete, _garbage, _replay, _splice, _shuffle_records)


def mutate(data, op, pos, raw, history):
    return OPERATIONS[op % len(OPERATIONS)](data, pos, raw, history)


def random_mutant(rnd, data, history):
    """1-3 stacked random operations on one datagram."""
    out = data
    for _ in range(rnd.choice((1, 1, 1, 2, 3))):
        raw = bytes(rnd.getrandbits(8) for _ in range(rnd.choice((0, 1, 2, 8, 13, 40, 200))))
        out = mutate(out, rnd.randrange(len(OPERATIONS)), rnd.getrandbits(24), raw, history)
    return out


# --- one fuzz batch: a handshake with mutants injected at state k -------------------------

class Failure(Exception):
    """An invariant broke. `signature` (exception type and the library line it came from)
    groups failures with one cause; the message has the details."""

    def __init__(self, message, signature):
        Exception.__init__(self, message)
        self.signature = signature


# The engine has a safety net: an unexpected exception while it processes peer input fails that
# peer with internal_error and is only counted (ctx.stats['internal_error']). For the fuzzer
# such an exception is still a bug of ours, so we watch Engine._fail being called from inside an
# except block that is not a protocol Fault, and keep the exception it swallowed.
# The watch is installed only while a fuzz batch runs (fuzz_batch), so importing this module
# (test_host_fuzz.py does, inside pytest) changes nothing for other tests.
_swallowed = []


def _watch_safety_net():
    """Wrap Engine._fail; returns the function that undoes it."""
    from dtls_lite import engine, errors
    original = engine.Engine._fail

    def watching_fail(self, alert):
        exc_info = sys.exc_info()
        if alert == errors.INTERNAL_ERROR and exc_info[0] is not None \
                and not issubclass(exc_info[0], errors.Fault):
            _swallowed.append(exc_info)
        return original(self, alert)
    engine.Engine._fail = watching_fail

    def restore():
        engine.Engine._fail = original
    return restore


def _check_swallowed(what, state, seed, extra=''):
    if _swallowed:
        exc_info = _swallowed[0]
        del _swallowed[:]
        raise _failure(what + ' (swallowed as internal_error)', state, seed, extra, exc_info)


def _failure(what, state, seed, extra='', exc_info=None):
    """Failure for the exception being handled, signed by its innermost dtls_lite frame."""
    exc_type, exc, tb = exc_info or sys.exc_info()
    where = '?'
    for frame in traceback.extract_tb(tb):
        if '/dtls_lite/' in frame.filename:
            where = '%s:%d' % (frame.filename.split('/dtls_lite/')[-1], frame.lineno)
    return Failure('%s: %s escaped %s at state %d (seed %s)%s\n%s' % (
        where, exc_type.__name__, what, state, seed, extra,
        ''.join(traceback.format_exception(exc_type, exc, tb))), (exc_type.__name__, where))


def fuzz_batch(seed, state, mutants, **config):
    del _swallowed[:]
    restore = _watch_safety_net()
    try:
        return _fuzz_batch(seed, state, mutants, **config)
    finally:
        restore()
        del _swallowed[:]


def _fuzz_batch(seed, state, mutants, **config):
    """Run a handshake on address 0, deliver mutants before datagram number `state`, finish it,
    then prove the contexts are intact with a clean handshake on address 1.

    `mutants(data, history)` returns a list of (datagram, from_stranger): each is delivered to the
    receiver of datagram `state` (`data`; `history` = the datagrams delivered before it), from
    the real sender's address or, if from_stranger, from an address it has never seen.
    Returns (number of mutants delivered, whether handshake 0 still completed); raises Failure."""
    link, client, server = make_pair(seed, **config)
    history = []
    delivered = [0]

    def inject(receiver, session, data):
        if len(history) == state:
            for bad, stranger in mutants(data, history):
                delivered[0] += 1
                source = (session[0], _STRANGER) if stranger else session
                where = '\n  datagram %s%s' % (bad.hex(), ' (from a stranger)' if stranger else '')
                try:
                    receiver.ctx.handle_message(source, bad)
                    receiver.ctx.check_retransmit(link.now)
                except Exception:  # the invariant under test: nothing escapes
                    raise _failure('handle_message', state, seed, where)
                _check_swallowed('handle_message', state, seed, where)
        history.append(data)

    def run(done):
        try:
            result = run_until(link, done, inject)
        except Failure:
            raise
        except Exception:
            raise _failure('while the run went on', state, seed)
        _check_swallowed('while the run went on', state, seed)
        return result

    client.ctx.connect(('srv', 0))
    completed = run(lambda: both_connected(link, 0))
    if completed:
        for sender, session in ((client, ('srv', 0)), (server, ('cli', 0))):
            try:
                sender.ctx.write(session, b'app data')
            except dtls_lite.NotConnected:
                pass  # a mutant may have closed it: allowed
            run(lambda: False)
        try:
            client.ctx.close(('srv', 0))
        except dtls_lite.DTLSError:
            pass
        run(lambda: False)
    try:
        intact = clean_exchange(link, 1)
    except Exception:
        raise _failure('during the clean handshake', state, seed)
    _check_swallowed('during the clean handshake', state, seed)
    if not intact:
        raise Failure('clean handshake on a new address failed after mutants at state %d (seed %s)'
                      % (state, seed), ('broken context', 'state %d' % state))
    return delivered[0], completed


def batch_mutants(batch_seed, n):
    """The n random mutants of one batch, a function of its seed alone (so a batch replays).
    Every 8th comes from a stranger's address."""
    def mutants(data, history):
        rnd = random.Random(batch_seed)
        return [(random_mutant(rnd, data, history), i % 8 == 7) for i in range(n)]
    return mutants


def minimize(batch_seed, state, n, signature, config):
    """Indices of a small subset of the batch's mutants that still fails with `signature`."""
    full = batch_mutants(batch_seed, n)

    def fails(keep):
        def subset(data, history):
            items = full(data, history)
            return [items[i] for i in keep]
        try:
            fuzz_batch(batch_seed, state, subset, **config)
        except Failure as f:
            return f.signature == signature
        return False

    keep = list(range(n))
    chunk = max(1, n // 2)
    while True:
        i = 0
        while i < len(keep):
            trial = keep[:i] + keep[i + chunk:]
            if trial and fails(trial):
                keep = trial
            else:
                i += chunk
        if chunk == 1:
            return keep
        chunk = max(1, chunk // 2)


def replay(batch_seed, state, n, keep=None, config=None):
    """Re-run one batch (optionally only the mutants numbered in keep) and print what happens."""
    config = config or {}
    full = batch_mutants(batch_seed, n)

    def subset(data, history):
        items = full(data, history)
        chosen = [items[i] for i in keep] if keep is not None else items
        for bad, stranger in chosen:
            print('mutant %s%s' % (bad.hex(), ' (from a stranger)' if stranger else ''))
        return chosen
    try:
        print('result (delivered, handshake completed):', fuzz_batch(batch_seed, state, subset, **config))
        return 0
    except Failure as f:
        print('FAIL', f)
        return 1


def clean_trace_length(seed, **config):
    """Number of datagrams delivered in a clean run: handshake, a record each way, close_notify."""
    link, client, server = make_pair(seed, **config)
    seen = []
    client.ctx.connect(('srv', 0))
    run_until(link, lambda: both_connected(link, 0), lambda r, s, d: seen.append(d))
    if ('srv', 0) not in client.connected:
        raise Failure('clean handshake does not complete (seed %s)' % seed)
    client.ctx.write(('srv', 0), b'app data')
    run_until(link, lambda: False, lambda r, s, d: seen.append(d))
    server.ctx.write(('cli', 0), b'app data')
    run_until(link, lambda: False, lambda r, s, d: seen.append(d))
    client.ctx.close(('srv', 0))
    run_until(link, lambda: False, lambda r, s, d: seen.append(d))
    return len(seen)


# --- the lossy soak -----------------------------------------------------------------------

def lossy_handshake(seed, **config):
    """(outcome, simulated ms) of one handshake over a 20 % drop / 10 % duplicate / jittered link.

    outcome: 'completed' (both ends connected); 'gave_up' (the link went quiet with the client's
    session gone: every retransmission of some flight was lost until max_retransmits /
    handshake_timeout_ms ran out, as RFC 6347 §4.2.4 timers dictate); 'unanswered' (a connected
    server got the client's retransmitted last flight and re-sent nothing, so the client could
    not finish: RFC 6347 §4.2.4 says it MUST re-send); 'stuck' (anything else: a session still
    handshaking with no timer left, or a run that never went quiet). The last two are bugs."""
    link = Link(random.Random(seed), drop=0.20, duplicate=0.10, max_delay_ms=80)
    make_pair(seed, link, **config)
    unanswered = _watch_unanswered(link)
    if handshake(link, 0):
        return 'completed', link.now
    if unanswered:
        return 'unanswered', link.now
    quiet = next_deadline(link) is None
    client_session = link.client.ctx.peer(('srv', 0))
    if quiet and (client_session is None or not client_session.connected):
        return 'gave_up', link.now
    return 'stuck', link.now


def _watch_unanswered(link):
    """A list that gets an entry whenever the server, connected while the client is not,
    receives a datagram and sends nothing back."""
    found = []
    server = link.server
    handle = server.ctx.handle_message

    def watched(session, data):
        waiting = session in server.connected and ('srv', session[1]) not in link.client.connected
        before = link.sent
        handle(session, data)
        if waiting and link.sent == before and _has_epoch1_handshake(data):
            found.append((link.now, session))
    server.ctx.handle_message = watched
    return found


def _has_epoch1_handshake(data):
    """True if the datagram holds an epoch-1 handshake record: the client's Finished, the end of
    its last flight (a late ClientHello copy, which a server may ignore, has none)."""
    pos = 0
    while pos + _RECORD_HEADER <= len(data):
        if data[pos] == _CT_HANDSHAKE and data[pos + 3:pos + 5] == b'\0\1':
            return True
        pos += _RECORD_HEADER + (data[pos + 11] << 8 | data[pos + 12])
    return False


# --- driver -------------------------------------------------------------------------------

def _arg(argv, name, default):
    return type(default)(argv[argv.index(name) + 1]) if name in argv else default


def fuzz_states(per_state, seed, config, out=print):
    """Every state of a clean run gets per_state mutants, in batches of _BATCH from fresh pairs.
    A failure is minimized and printed once per signature with the command that replays it."""
    states = clean_trace_length(seed, **config)
    failures = {}  # signature -> count
    totals = []
    for state in range(states):
        t0 = time.monotonic()
        delivered = batches = completed = 0
        while delivered < per_state:
            n = min(_BATCH, per_state - delivered)
            batch_seed = '%s-%d-%d' % (seed, state, batches)
            try:
                got, ok = fuzz_batch(batch_seed, state, batch_mutants(batch_seed, n), **config)
            except Failure as f:
                got, ok = n, False
                if f.signature not in failures:
                    keep = minimize(batch_seed, state, n, f.signature, config)
                    run = ''
                    if config.get('ciphers'):
                        run = ' --suite %s --auth %s' % (config['ciphers'][0], config.get('auth', 'psk'))
                    if config.get('max_datagram'):
                        run += ' --mtu %d' % config['max_datagram']
                    out('FAIL %s\n  replay: python3 tools/fuzz.py --replay %s %d %d %s%s\n  %s' % (
                        ' / '.join(f.signature), batch_seed, state, n, ','.join(map(str, keep)), run, f))
                failures[f.signature] = failures.get(f.signature, 0) + 1
            delivered += got
            completed += ok
            batches += 1
            if got == 0:
                break  # the state was never reached with this seed: nothing to mutate
        totals.append(delivered)
        out('state %2d: %7d mutants in %4d batches, %4d/%d interrupted handshakes still completed, %.1f s'
            % (state, delivered, batches, completed, batches, time.monotonic() - t0))
    for signature, count in failures.items():
        out('failure %s: %d batches' % (' / '.join(signature), count))
    return totals, failures


def soak(handshakes, seed, config, out=print):
    """Lossy handshakes; failures are exceptions and 'stuck' outcomes (see lossy_handshake)."""
    t0 = time.monotonic()
    outcomes = {'completed': 0, 'gave_up': 0, 'unanswered': 0, 'stuck': 0}
    sim_ms, failures = [], []
    for i in range(handshakes):
        s = '%s-lossy-%d' % (seed, i)
        try:
            outcome, ms = lossy_handshake(s, **config)
        except Exception:
            failures.append('exception in lossy handshake %s\n%s' % (s, traceback.format_exc()))
            out('FAIL ' + failures[-1])
            continue
        outcomes[outcome] += 1
        if outcome == 'completed':
            sim_ms.append(ms)
        elif outcome in ('stuck', 'unanswered'):
            failures.append('lossy handshake %s %s (%d simulated ms)' % (s, outcome, ms))
            out('FAIL ' + failures[-1])
        else:
            out('lossy handshake %s gave up after its retransmissions were lost (%d simulated ms)' % (s, ms))
    sim_ms.sort()
    out('lossy: %d/%d completed, %d gave up (retransmission budget spent), %d unanswered, %d stuck, '
        '%d exceptions; simulated time to complete median %d ms, p99 %d ms, max %d ms; %.1f s'
        % (outcomes['completed'], handshakes, outcomes['gave_up'], outcomes['unanswered'], outcomes['stuck'],
           handshakes - sum(outcomes.values()), sim_ms[len(sim_ms) // 2] if sim_ms else 0,
           sim_ms[len(sim_ms) * 99 // 100] if sim_ms else 0, sim_ms[-1] if sim_ms else 0,
           time.monotonic() - t0))
    return outcomes['completed'], failures


# (suite, authentication): plain PSK (no ServerKeyExchange without a hint), ECDHE-PSK
# (key exchanges carry curve points), and ECDHE-ECDSA with mutual X.509 certificates and with
# mutual raw public keys (Certificate, CertificateRequest, CertificateVerify, signed key
# exchange): between them every message parser is reached.
# The last run caps datagrams at 200 bytes, so certificate flights travel as fragments and the
# mutants hit reassembly (RFC 6347 §4.2.3) too.
DEFAULT_RUNS = (('TLS_PSK_WITH_AES_128_CCM_8', 'psk', None),
                ('TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256', 'psk', None),
                ('TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8', 'x509', None),
                ('TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8', 'rpk', None),
                ('TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8', 'x509', 200))


def _run_config(argv):
    """[(label, Context keywords)] from --suite/--auth/--mtu, or DEFAULT_RUNS."""
    if '--suite' in argv or '--auth' in argv or '--mtu' in argv:
        runs = [(_arg(argv, '--suite', 'TLS_PSK_WITH_AES_128_CCM_8'), _arg(argv, '--auth', 'psk'),
                 _arg(argv, '--mtu', 0) or None)]
    else:
        runs = DEFAULT_RUNS
    out = []
    for suite, auth, mtu in runs:
        config = {'ciphers': [suite], 'auth': auth}
        label = '%s/%s' % (suite, auth)
        if mtu:
            config['max_datagram'] = mtu
            label += '/mtu%d' % mtu
        out.append((label, config))
    return out


def main(argv):
    if '--replay' in argv:
        i = argv.index('--replay')
        keep = None
        if len(argv) > i + 4 and not argv[i + 4].startswith('--'):
            keep = [int(x) for x in argv[i + 4].split(',')]
        return replay(argv[i + 1], int(argv[i + 2]), int(argv[i + 3]), keep, _run_config(argv)[0][1])
    per_state = _arg(argv, '--per-state', 100000)
    handshakes = _arg(argv, '--handshakes', 1000)
    seed = _arg(argv, '--seed', 'fuzz')
    t0 = time.monotonic()
    bad = 0
    runs = _run_config(argv)
    for label, config in runs:
        print('== %s' % label)
        run_seed = '%s-%s' % (seed, label)
        totals, failures = fuzz_states(per_state, run_seed, config)
        completed, soak_failures = soak(handshakes, run_seed, config)
        bad += len(failures) + len(soak_failures)
        print('fuzz %s: %d mutated datagrams over %d states (min %d per state), %d failing batches '
              '(%d distinct causes); lossy %d/%d completed'
              % (label, sum(totals), len(totals), min(totals) if totals else 0,
                 sum(failures.values()), len(failures), completed, handshakes))
    print('fuzz: %d runs, %.0f s total, %s' % (len(runs), time.monotonic() - t0,
                                               'FAILURES' if bad else 'no failures'))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
