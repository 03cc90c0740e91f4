# dtls_lite developer entry points. Everything installs itself: a fresh Debian machine with
# python3 and gcc needs nothing done by hand first.
#   make test    CPython (pytest) and MicroPython (tools/mp_test.py) suites; fails if either fails
#   make demo    the echo server and client under MicroPython over loopback
#   make bench   benchmarks under both runtimes, one table
#   make mpy     .mpy builds for host, ESP32 (xtensawin) and RP2040 (armv6m), with sizes
#   make fuzz    long fuzzing and lossy-handshake soak (not part of make test)

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MICROPYTHON := $(VENV)/bin/micropython
MP_HEAP ?= 16M
STAMP := $(VENV)/.installed

.PHONY: test test-cpython test-mp demo bench mpy romfs fuzz peers clean

$(STAMP): requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

test: test-cpython test-mp

test-cpython: $(STAMP) peers
	$(PY) -m pytest -q -p no:cacheprovider host_tests

test-mp: $(STAMP)
	$(MICROPYTHON) -X heapsize=$(MP_HEAP) tools/mp_test.py

# Real DTLS peers used by the interop tests (see tools/peers.sh).
peers: $(STAMP)
	bash tools/peers.sh

demo: $(STAMP)
	$(PY) tools/demo.py

bench: $(STAMP)
	$(PY) tools/bench_table.py

mpy: $(STAMP)
	$(PY) tools/mpy_build.py

# build/dtls_lite.romfs: the .mpy as a ROMFS image for a board's ROMFS partition
# (`mpremote romfs deploy build/dtls_lite.romfs`; see ports/README.md)
romfs: $(STAMP)
	$(PY) tools/romfs.py

fuzz: $(STAMP)
	$(PY) tools/fuzz.py

clean:
	rm -rf build .pytest_cache .hypothesis
