#!/usr/bin/env bash
# Install the real DTLS peers the interop tests run against (placeholder until the DTLS engine
# lands; the interop work fills this in).
set -euo pipefail
command -v openssl >/dev/null || { echo "peers.sh: openssl missing" >&2; exit 1; }
