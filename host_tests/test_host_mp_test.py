"""tools/mp_test.py, the MicroPython runner, must fail when a test fails in any way (host-only:
it runs the runner in a MicroPython subprocess on a throwaway test tree)."""
import os
import shutil
import subprocess

from support import ROOT

MICROPYTHON = os.path.join(ROOT, '.venv', 'bin', 'micropython')


def test_a_test_calling_sys_exit_fails_the_run_and_the_rest_still_runs(tmp_path):
    # R11: mp_test caught Exception only; a test (or a tool main() it calls) that raised
    # SystemExit ended the runner with that status (0), no summary, and the failures counted
    # before it were lost
    tests = tmp_path / 'host_tests'
    tests.mkdir()
    (tests / 'test_a_fails.py').write_text('def test_fails():\n    assert False\n')
    (tests / 'test_b_exits.py').write_text('import sys\n\ndef test_exits():\n    sys.exit(0)\n')
    (tests / 'test_c_passes.py').write_text('def test_passes():\n    pass\n')
    (tests / 'test_d_import_exits.py').write_text('import sys\nsys.exit(0)\n')
    shutil.copytree(os.path.join(ROOT, 'tools'), str(tmp_path / 'tools'))
    run = subprocess.run([MICROPYTHON, 'tools/mp_test.py'], cwd=str(tmp_path),
                         capture_output=True, timeout=120)
    out = run.stdout.decode()
    assert run.returncode == 1, out
    assert '1 passed, 3 failed' in out, out
