#!/bin/sh
# Build a 32-bit unix MicroPython (x86, -m32) for heap measurements: its objects, pointers and
# GC blocks (16 bytes) are the size a board's (ESP32, RP2040) are, where .venv's PyPI build is
# 64-bit (32-byte GC blocks, 8-byte pointers). Same features as the boards' builds that matter
# here: viper (x86 native emitter), cryptolib (axTLS AES), hashlib.sha256, os.urandom.
#
#   tools/build_mp32.sh MICROPYTHON_SOURCE_DIR [OUT]      (OUT: build/mp32/micropython)
#
# Two variants, by environment:
#   FROZEN=1  freeze the library into the firmware (ports/manifest.py, the manifest the ESP32
#             and RP2040 manifests include): its bytecode and names are then in the binary,
#             not in the heap, as on a board flashed with a frozen firmware.
#             OUT: build/mp32-frozen/micropython
#   BITS=64   a 64-bit build of the same source (the word size of .venv's PyPI build), e.g.
#             BITS=64 FROZEN=1 -> build/mp64-frozen/micropython
#
# MICROPYTHON_SOURCE_DIR: a MicroPython source tree (git checkout, 1.25 or later) with
# lib/axtls filled in (its git submodule). Needs gcc with 32-bit support (Debian:
# apt-get install gcc-multilib). Not part of `make test`: no registry this project installs
# from carries MicroPython's source. Use the result with
#   python3 tools/min_heap_device.py --micropython build/mp32/micropython x509
#   python3 tools/min_heap_device.py --micropython build/mp32-frozen/micropython --frozen x509
#   python3 tools/heap_cost.py x509 --micropython build/mp32/micropython
set -e
SRC=${1:?usage: [FROZEN=1] [BITS=64] tools/build_mp32.sh MICROPYTHON_SOURCE_DIR [OUT]}
BITS=${BITS:-32}
case "$BITS" in
    32) CC="gcc -m32"; MAXSIZE='2**31 - 1' ;;
    64) CC="gcc"; MAXSIZE='2**63 - 1' ;;
    *) echo "build_mp32: BITS is 32 or 64, not $BITS" >&2; exit 1 ;;
esac
NAME=mp$BITS
[ "$FROZEN" = 1 ] && NAME=$NAME-frozen
OUT=${2:-build/$NAME/micropython}
if [ ! -f "$SRC/lib/axtls/ssl/ssl.h" ]; then
    echo "build_mp32: $SRC/lib/axtls is empty (git submodule update --init lib/axtls)" >&2
    exit 1
fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(mktemp -d)
FREEZE="FROZEN_MANIFEST="
if [ "$FROZEN" = 1 ]; then
    # the library alone; the unix variants' own manifest needs micropython-lib, which this
    # one does not, so MPY_LIB_DIR names a stand-in for the build's "is it there" check
    echo "include(\"$ROOT/ports/manifest.py\")" >"$BUILD/manifest.py"
    mkdir "$BUILD/no-micropython-lib"
    touch "$BUILD/no-micropython-lib/README.md"
    FREEZE="FROZEN_MANIFEST=$BUILD/manifest.py"
    # mpy-cross first, on its own: given BUILD, its make would use the port's build directory
    make -C "$SRC/mpy-cross" -j2 >"$BUILD.log" 2>&1 || { tail -20 "$BUILD.log" >&2; exit 1; }
fi
make -C "$SRC/ports/unix" -j2 CC="$CC" BUILD="$BUILD" "$FREEZE" MPY_LIB_DIR="$BUILD/no-micropython-lib" \
    MICROPY_PY_FFI=0 MICROPY_PY_BTREE=0 MICROPY_USE_READLINE=0 \
    MICROPY_PY_SSL=1 MICROPY_SSL_AXTLS=1 MICROPY_SSL_MBEDTLS=0 >>"$BUILD.log" 2>&1 || {
    tail -20 "$BUILD.log" >&2
    exit 1
}
mkdir -p "$(dirname "$OUT")"
cp "$BUILD/micropython" "$OUT"
rm -rf "$BUILD" "$BUILD.log"
"$OUT" -c "import sys, cryptolib, hashlib; assert sys.maxsize == $MAXSIZE; print('build_mp32:', sys.implementation.version, '$BITS-bit, cryptolib ok')"
if [ "$FROZEN" = 1 ]; then
    # from a directory without the sources: every module must come from the firmware
    EXE=$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")
    (cd / && "$EXE" -c "import sys; sys.path[:] = ['.frozen']; import dtls_lite.context, dtls_lite.x509.chain; print('build_mp32: dtls_lite frozen in', dtls_lite.__file__)")
fi
echo "build_mp32: $OUT"
