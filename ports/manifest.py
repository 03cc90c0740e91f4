# The dtls_lite package for a frozen firmware, included by ports/esp32/manifest.py and
# ports/rp2/manifest.py. MicroPython's manifest tool runs each manifest as Python with the
# current directory set to the manifest's own directory (ports/ here), and resolves relative
# paths from there.
import os  # noqa: E402


def _device_files(root=".."):
    """Every dtls_lite/*.py but the CPython-only comb tables (crypto/_ec_*_comb_host.py, ~45 KB
    as .mpy): on MicroPython the selectors _ec_p256_comb/_ec_p384_comb import the small _board
    tables instead (tools/mpy_build.py leaves them out for the same reason)."""
    package_dir = os.path.join(root, "dtls_lite")
    files = []
    for dirpath, dirnames, filenames in os.walk(package_dir):
        for name in filenames:
            if name.endswith(".py") and not name.endswith("_comb_host.py"):
                files.append(os.path.relpath(os.path.join(dirpath, name), package_dir))
    return sorted(files)


# opt=3: no line numbers, no asserts (the library has none), as tools/mpy_build.py builds.
package("dtls_lite", files=_device_files(), base_path="..", opt=3)
