# Freeze dtls_lite into an RP2040 / Pico W firmware:
#   make -C ports/rp2 BOARD=RPI_PICO_W FROZEN_MANIFEST=/path/to/dtls_lite/ports/rp2/manifest.py
# Relative paths in a manifest resolve from this file's directory.
include("$(PORT_DIR)/boards/manifest.py")
include("../manifest.py")
