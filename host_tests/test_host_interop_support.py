"""Harness shared by the interop tests (test_host_interop_*.py); it holds no tests itself.

Our side is always tools/dtls_echo.py run as a subprocess, under MicroPython or CPython (the
`runtime` parameter), against a real peer run as another subprocess. Every process writes its
stdout/stderr to files in pytest's tmp_path, which we poll with deadlines (no pipe can fill up
and block a peer, and a failure message can show everything each side printed). `Processes`
kills whatever is still running when the test ends, pass or fail.

A missing peer is a test failure with the reason (run `make peers`), never a skip: a skipped
interop test would look like a pass.
"""
import os
import shutil
import socket
import subprocess
import sys
import threading
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ECHO = os.path.join(ROOT, 'tools', 'dtls_echo.py')
MICROPYTHON_BIN = os.path.join(ROOT, '.venv', 'bin', 'micropython')

PSK_IDENTITY = 'Client_identity'
PSK_KEY = '000102030405060708090a0b0c0d0e0f'
RUNTIMES = ('micropython', 'cpython')
# Bound on any single wait: a MicroPython handshake takes milliseconds, a lost-datagram retransmit
# about a second; this only ever matters when something hangs.
WAIT_S = 15

# Our IANA suite names and the OpenSSL / GnuTLS names of the same suites.
SUITES = {
    'TLS_PSK_WITH_AES_128_CCM_8': ('PSK-AES128-CCM8', 'AES-128-CCM-8'),
    'TLS_PSK_WITH_AES_128_CCM': ('PSK-AES128-CCM', 'AES-128-CCM'),
    'TLS_PSK_WITH_AES_128_GCM_SHA256': ('PSK-AES128-GCM-SHA256', 'AES-128-GCM'),
    'TLS_PSK_WITH_CHACHA20_POLY1305_SHA256': ('PSK-CHACHA20-POLY1305', 'CHACHA20-POLY1305'),
    'TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256': ('ECDHE-PSK-CHACHA20-POLY1305', 'CHACHA20-POLY1305'),
}


def require_binary(name):
    path = shutil.which(name)
    if path is None:
        pytest.fail('interop peer %r is not installed: run `make peers` (tools/peers.sh)' % name)
    return path


def runtime_argv(runtime):
    if runtime == 'micropython':
        if not os.access(MICROPYTHON_BIN, os.X_OK):
            pytest.fail('%s missing: run `make venv`' % MICROPYTHON_BIN)
        return [MICROPYTHON_BIN]
    return [sys.executable]


def free_port(family=socket.AF_INET):
    """A UDP port free on loopback right now (for both IPv4 and IPv6 when possible)."""
    for _ in range(50):
        s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s4.bind(('127.0.0.1', 0))
        port = s4.getsockname()[1]
        try:
            s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            try:
                s6.bind(('::1', port))
            finally:
                s6.close()
        except OSError:
            continue
        finally:
            s4.close()
        return port
    raise AssertionError('no free UDP port found')


class Proc:
    """One subprocess with stdin as a pipe and stdout/stderr captured to files."""

    def __init__(self, name, argv, tmpdir, env=None):
        self.name = name
        self.argv = argv
        self.out_path = os.path.join(str(tmpdir), name + '.out')
        self.err_path = os.path.join(str(tmpdir), name + '.err')
        with open(self.out_path, 'wb') as out, open(self.err_path, 'wb') as err:
            self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=out, stderr=err,
                                      cwd=ROOT, env=env)

    def stdout(self):
        with open(self.out_path, 'rb') as f:
            return f.read().decode('utf-8', 'replace')

    def stderr(self):
        with open(self.err_path, 'rb') as f:
            return f.read().decode('utf-8', 'replace')

    def send(self, text):
        self.p.stdin.write(text.encode())
        self.p.stdin.flush()

    def close_stdin(self):
        if not self.p.stdin.closed:
            self.p.stdin.close()

    def wait(self, timeout=WAIT_S):
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(3)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(3)
        if self.p.stdin and not self.p.stdin.closed:
            try:
                self.p.stdin.close()
            except BrokenPipeError:
                pass

    def report(self):
        return '--- %s: %s (exit %s)\n[stdout]\n%s\n[stderr]\n%s' % (
            self.name, ' '.join(self.argv), self.p.poll(), self.stdout()[-3000:], self.stderr()[-3000:])


class Processes:
    """Context manager owning every process of one test; kills them all on exit."""

    def __init__(self, tmpdir):
        self.tmpdir = tmpdir
        self.procs = []
        self.relays = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for relay in self.relays:
            relay.stop()
        for proc in self.procs:
            proc.stop()
        return False

    def start(self, name, argv, env=None):
        proc = Proc(name, argv, self.tmpdir, env)
        self.procs.append(proc)
        return proc

    def fail(self, message):
        pytest.fail(message + '\n' + '\n'.join(p.report() for p in self.procs), pytrace=False)

    def wait_for(self, proc, text, stream='stdout', timeout=WAIT_S, what=None):
        """Wait until `text` appears in proc's stdout/stderr; fail (with all output) if it does not."""
        deadline = time.monotonic() + timeout
        while True:
            seen = proc.stdout() if stream == 'stdout' else proc.stderr()
            if text in seen:
                return seen
            if time.monotonic() > deadline:
                self.fail('timed out after %ss waiting for %r in %s %s' % (
                    timeout, text, proc.name, stream) + (' (%s)' % what if what else ''))
            if proc.p.poll() is not None:
                # One last read: the text may have been written just before the exit.
                seen = proc.stdout() if stream == 'stdout' else proc.stderr()
                if text in seen:
                    return seen
                self.fail('%s exited (%s) before printing %r' % (proc.name, proc.p.poll(), text))
            time.sleep(0.02)

    def wait_exit(self, proc, timeout=WAIT_S):
        rc = proc.wait(timeout)
        if rc is None:
            self.fail('%s did not exit within %ss' % (proc.name, timeout))
        return rc

    # --- our side -------------------------------------------------------------------------

    def echo_server(self, runtime, address, *options):
        argv = runtime_argv(runtime) + [ECHO, 'server', address, '--verbose'] + list(options)
        proc = self.start('ours-server-' + runtime, argv)
        self.wait_for(proc, 'listening on', 'stderr', what='echo server start')
        return proc

    def echo_client(self, runtime, address, *options):
        argv = runtime_argv(runtime) + [ECHO, 'client', address, '--verbose',
                                        '--timeout', str(WAIT_S)] + list(options)
        return self.start('ours-client-' + runtime, argv)

    def relay(self, listen_port, server_port, family=socket.AF_INET, drop=None):
        relay = Relay(listen_port, server_port, family, drop)
        self.relays.append(relay)
        return relay


class Relay:
    """UDP forwarder between one client and a server on loopback that records datagram sizes.

    Lets a test prove fragmentation by construction: when every datagram respects a limit that a
    handshake message cannot fit in, and the handshake completes, that message was fragmented.
    """

    def __init__(self, listen_port, server_port, family=socket.AF_INET, drop=None):
        host = '127.0.0.1' if family == socket.AF_INET else '::1'
        self.server = (host, server_port)
        # direction -> indices (0-based, per direction) of datagrams to lose; to test
        # retransmission (RFC 6347 §4.2.4) against a real peer.
        self.drop = drop or {}
        self.dropped = {'to_server': [], 'to_client': []}
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.bind((host, listen_port))
        self.sock.settimeout(0.05)
        self.client = None
        self.sizes = {'to_server': [], 'to_client': []}
        # Epoch-0 handshake fragments that are not a whole message, per direction.
        self.partial = {'to_server': 0, 'to_client': 0}
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                data, addr = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                continue
            if addr[:2] == self.server[:2]:
                if self.client is not None and self._forward('to_client', data):
                    self.sock.sendto(data, self.client)
            else:
                self.client = addr
                if self._forward('to_server', data):
                    self.sock.sendto(data, self.server)

    def _forward(self, direction, data):
        index = len(self.sizes[direction])
        self._count(direction, data)
        if index in self.drop.get(direction, ()):
            self.dropped[direction].append(index)
            return False
        return True

    def _count(self, direction, data):
        self.sizes[direction].append(len(data))
        pos = 0
        while pos + 13 <= len(data):  # RFC 6347 §4.1 record header, §4.2.2 handshake header
            length = int.from_bytes(data[pos + 11:pos + 13], 'big')
            body = data[pos + 13:pos + 13 + length]
            if data[pos] == 22 and data[pos + 3:pos + 5] == b'\0\0' and len(body) >= 12:
                msg_len = int.from_bytes(body[1:4], 'big')
                frag_off = int.from_bytes(body[6:9], 'big')
                frag_len = int.from_bytes(body[9:12], 'big')
                if frag_off != 0 or frag_len != msg_len:
                    self.partial[direction] += 1
            pos += 13 + length

    def stop(self):
        self._stop.set()
        self.thread.join(2)
        self.sock.close()


def check_client_exchange(procs, client, peer_saw, lines, replies, peer_stream='stdout'):
    """Common ending of 'our client against a peer': every line reached the peer (as the peer
    logs it on peer_stream), every reply reached us, our client closed cleanly (exit 0)."""
    out = procs.wait_for(client, replies[-1], what='last reply')
    for line in lines:
        procs.wait_for(peer_saw, line, peer_stream, what='peer received our data')
    for reply in replies:
        if reply not in out:
            procs.fail('reply %r missing from our client output' % reply)
    client.close_stdin()
    rc = procs.wait_exit(client)
    if rc != 0:
        procs.fail('our client exited %s' % rc)
    return client.stderr()
