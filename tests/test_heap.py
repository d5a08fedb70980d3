"""The served app freezes its startup objects, so a full garbage collection inside a request does not walk them."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_wsgi_entry_point_freezes_what_startup_built(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'heap.sqlite3'}"}
    env.pop("REDIS_URL", None)
    script = "import gc, wsgi\ngc.collect()\nprint(gc.get_freeze_count(), len(gc.get_objects()))"
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    frozen, still_tracked = map(int, run.stdout.split()[-2:])
    assert frozen > 50_000  # the app, its schemas and mappers
    assert still_tracked < frozen / 10  # what a full collection still walks
