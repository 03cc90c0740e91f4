"""tools/diff_behaviour.py: the differential check used to prove refactors change no behaviour.

Against HEAD itself (the working tree at CI is a clean checkout) every case must agree, and
there must be cases of both kinds; a harness that stopped producing outcomes would pass a real
comparison vacuously, so the counts are checked too.
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOL = os.path.join(ROOT, 'tools', 'diff_behaviour.py')


def test_child_outcomes_cover_handshakes_and_der():
    run = subprocess.run([sys.executable, TOOL, '--child', ROOT, '1'], capture_output=True,
                         text=True, timeout=300, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    handshakes = [x for x in lines if x.startswith("('TLS_")]
    der = [x for x in lines if x.split()[0].endswith(('_CRT', '_SEC1', '_PKCS8'))]
    assert len(handshakes) >= 30 and len(der) >= 25 and len(handshakes) + len(der) == len(lines)
    # clean handshakes complete in most cases; some mutants end them with an alert
    assert any(", True, [], " in x for x in handshakes)
    assert any(" 2, " in x and ", False, " in x for x in handshakes)


def test_head_agrees_with_itself():
    run = subprocess.run([sys.executable, TOOL, 'HEAD', '--mutants', '1'], capture_output=True,
                         text=True, timeout=300, cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert ' 0 differ between HEAD and the working tree' in run.stdout, run.stdout
