#!/bin/sh
# Build a 32-bit unix MicroPython (x86, -m32) for heap measurements: its objects, pointers and
# GC blocks (16 bytes) are the size a board's (ESP32, RP2040) are, where .venv's PyPI build is
# 64-bit (32-byte GC blocks, 8-byte pointers). Same features as the boards' builds that matter
# here: viper (x86 native emitter), cryptolib (axTLS AES), hashlib.sha256, os.urandom.
#
#   tools/build_mp32.sh MICROPYTHON_SOURCE_DIR [OUT]      (OUT: build/mp32/micropython)
#
# MICROPYTHON_SOURCE_DIR: a MicroPython source tree (git checkout, 1.25 or later) with
# lib/axtls filled in (its git submodule). Needs gcc with 32-bit support (Debian:
# apt-get install gcc-multilib). Not part of `make test`: no registry this project installs
# from carries MicroPython's source. Use the result with
#   python3 tools/min_heap_device.py --micropython build/mp32/micropython x509
#   python3 tools/heap_cost.py x509 --micropython build/mp32/micropython
set -e
SRC=${1:?usage: tools/build_mp32.sh MICROPYTHON_SOURCE_DIR [OUT]}
OUT=${2:-build/mp32/micropython}
if [ ! -f "$SRC/lib/axtls/ssl/ssl.h" ]; then
    echo "build_mp32: $SRC/lib/axtls is empty (git submodule update --init lib/axtls)" >&2
    exit 1
fi
BUILD=$(mktemp -d)
make -C "$SRC/ports/unix" -j2 CC="gcc -m32" BUILD="$BUILD" FROZEN_MANIFEST= \
    MICROPY_PY_FFI=0 MICROPY_PY_BTREE=0 MICROPY_USE_READLINE=0 \
    MICROPY_PY_SSL=1 MICROPY_SSL_AXTLS=1 MICROPY_SSL_MBEDTLS=0 >"$BUILD.log" 2>&1 || {
    tail -20 "$BUILD.log" >&2
    exit 1
}
mkdir -p "$(dirname "$OUT")"
cp "$BUILD/micropython" "$OUT"
rm -rf "$BUILD" "$BUILD.log"
"$OUT" -c "import sys, cryptolib, hashlib; assert sys.maxsize == 2**31 - 1; print('build_mp32:', sys.implementation.version, '32-bit, cryptolib ok')"
echo "build_mp32: $OUT"
