# Freeze dtls_lite into an RP2040 / Pico W firmware:
#   make -C ports/rp2 BOARD=RPI_PICO_W FROZEN_MANIFEST=/path/to/dtls_lite/ports/rp2/manifest.py
# Relative paths in a manifest resolve from this file's directory.
# The board's own manifest when it has one (RPI_PICO_W: bundle-networking, aioble), as the
# firmware would use without FROZEN_MANIFEST; else the port's.
try:
    include("$(BOARD_DIR)/manifest.py")
except Exception:  # ManifestFileError: this board has none (RPI_PICO)
    include("$(PORT_DIR)/boards/manifest.py")
include("../manifest.py")
