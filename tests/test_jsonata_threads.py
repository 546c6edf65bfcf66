"""JSONata runs in threads (serve's worker, the terminal UI's workers) once the engine was
loaded on the main thread: jsonatapy crashes the process when the thread that first loaded it
has exited, so those entry points load it first (`replay.asl.jsonata.load_engine`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

THREADS = """
import concurrent.futures, json, sys, tempfile
from replay import api
definition = json.dumps({"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {
    "Type": "Pass", "Output": "{% $states.input.n * 2 %}", "End": True}}})
db = tempfile.mkdtemp()
def one(i):
    out = api.run(db + f"/{i}", definition, {"n": i}, state_machine_name="m", seed=i,
                  start_micros=0)
    return json.loads(out["output"])
for i in range(30):  # a pool of one thread, started and ended each time
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        assert pool.submit(one, i).result() == 2 * i
print("ok")
"""

ENTRY_POINTS = {
    "serve": "from replay.endpoint.app import create_app; create_app(tempfile.mkdtemp())",
    "tui": "from tui.seam import Seam; Seam(tempfile.mkdtemp())",
}


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_threads_use_jsonata_after_an_entry_point_loaded_it(entry):
    code = "import tempfile\n" + ENTRY_POINTS[entry] + "\n" + THREADS
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert (done.returncode, done.stdout.strip()) == (0, "ok"), done.stderr[-2000:]
