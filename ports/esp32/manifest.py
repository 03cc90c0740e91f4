# Freeze dtls_lite into an ESP32 firmware (the library then runs from flash, costing no heap
# for its bytecode or constant tables):
#   make -C ports/esp32 BOARD=ESP32_GENERIC FROZEN_MANIFEST=/path/to/dtls_lite/ports/esp32/manifest.py
# Relative paths in a manifest resolve from this file's directory.
# The board's own manifest when it has one, as the firmware would use without
# FROZEN_MANIFEST; else the port's (ESP32_GENERIC).
try:
    include("$(BOARD_DIR)/manifest.py")
except Exception:  # ManifestFileError: this board has none
    include("$(PORT_DIR)/boards/manifest.py")
include("../manifest.py")
