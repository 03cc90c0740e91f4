# Freeze dtls_lite into an RP2040 / Pico W firmware:
#   make -C ports/rp2 BOARD=RPI_PICO_W FROZEN_MANIFEST=/path/to/dtls_lite/ports/rp2/manifest.py
# Relative paths in a manifest resolve from this file's directory.
# The board's own manifest when it has one (RPI_PICO_W: bundle-networking, aioble), as the
# firmware would use without FROZEN_MANIFEST; else the port's.
try:
    include("$(BOARD_DIR)/manifest.py")
except Exception as e:
    # Only a board without a manifest of its own falls back to the port's (RPI_PICO); an error
    # inside the board's manifest (a package it names not found) stops the build, as it would
    # without FROZEN_MANIFEST, instead of a firmware silently without the board's modules.
    # (the board manifest itself missing: "Error in manifest file: X: [Errno 2] No such file
    # or directory: 'X'"; a path missing inside it names another file)
    text = str(e)
    if ("No such file" not in text or text.count("Error in manifest file") > 1
            or not text.endswith("/manifest.py'")):
        raise
    include("$(PORT_DIR)/boards/manifest.py")
include("../manifest.py")
