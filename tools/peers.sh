#!/usr/bin/env bash
# Install the real DTLS peers the interop tests (host_tests/test_host_interop_*.py) run against:
#   OpenSSL      openssl s_server / s_client   (Debian package openssl, normally present)
#   GnuTLS       gnutls-serv / gnutls-cli      (Debian package gnutls-bin)
#   tinydtls     PyPI DTLSSocket, built from its sdist into .venv; the build needs
#                autoconf automake libtool pkg-config, which is why it is not in
#                requirements-dev.txt (pip cannot install it before these are present).
# Idempotent: does nothing (no network) when everything is already there. Runs as root on a
# fresh Debian (CI), non-interactively; exits non-zero with the reason when a peer cannot be
# installed, so that `make test` stops instead of the interop tests failing one by one.
set -euo pipefail

cd "$(dirname "$0")/.."
VENV_PY=.venv/bin/python
DTLSSOCKET_VERSION=0.2.3

die() { echo "peers.sh: $*" >&2; exit 1; }

[ -x "$VENV_PY" ] || die "$VENV_PY missing: run 'make venv' first"

# Debian packages, keyed by a command each provides.
declare -A PKG_OF=(
    [openssl]=openssl
    [gnutls-serv]=gnutls-bin
    [gnutls-cli]=gnutls-bin
    [autoreconf]=autoconf
    [automake]=automake
    [libtoolize]=libtool
    [pkg-config]=pkg-config
)
missing=()
for cmd in openssl gnutls-serv gnutls-cli autoreconf automake libtoolize pkg-config; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("${PKG_OF[$cmd]}")
done
# DTLSSocket compiles a C extension: it needs the venv interpreter's Python.h (Debian's python3
# has it in python3-dev; a pyenv/self-built Python ships its own).
python_h() { "$VENV_PY" -c 'import os, sysconfig; print(os.path.join(sysconfig.get_paths()["include"], "Python.h"))'; }
have_dtlssocket_or_headers() { [ -f "$(python_h)" ] || "$VENV_PY" -c 'import DTLSSocket.dtls' 2>/dev/null; }
have_dtlssocket_or_headers || missing+=(python3-dev)

if [ ${#missing[@]} -gt 0 ]; then
    # Sort and de-duplicate (gnutls-bin provides two commands).
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    echo "peers.sh: installing Debian packages: ${missing[*]}"
    SUDO=
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null 2>&1 || die "need root (or sudo) to apt-get install ${missing[*]}"
        SUDO="sudo -n"
    fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq || die "apt-get update failed"
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || die "apt-get install ${missing[*]} failed"
    for cmd in openssl gnutls-serv gnutls-cli autoreconf automake libtoolize pkg-config; do
        command -v "$cmd" >/dev/null 2>&1 || die "'$cmd' still missing after apt-get install"
    done
    have_dtlssocket_or_headers || die "$(python_h) missing: install the headers of $VENV_PY's Python"
fi

have_dtlssocket() {
    "$VENV_PY" - "$DTLSSOCKET_VERSION" <<'EOF' >/dev/null 2>&1
import sys
from importlib.metadata import version
from DTLSSocket import dtls  # the compiled tinydtls binding, not just the package
sys.exit(0 if version('DTLSSocket') == sys.argv[1] else 1)
EOF
}

if ! have_dtlssocket; then
    echo "peers.sh: building DTLSSocket==$DTLSSOCKET_VERSION (tinydtls) into .venv"
    log=$(mktemp)
    if ! .venv/bin/pip install --quiet --disable-pip-version-check \
            "DTLSSocket==$DTLSSOCKET_VERSION" >"$log" 2>&1; then
        tail -n 30 "$log" >&2
        rm -f "$log"
        die "pip install DTLSSocket==$DTLSSOCKET_VERSION failed (see above)"
    fi
    rm -f "$log"
    have_dtlssocket || die "DTLSSocket installed but 'from DTLSSocket import dtls' fails"
fi
