"""Time travel on a ~25,000-event execution (the W1-style loop with 6,200 iterations).

Prints: the one-off cost of building snapshots, state_at at 200 random events (median and max,
in-process), replay against the record (events/s) and import of its export (events/s).

    python bench/bench_timetravel.py [--iterations 6200]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from replay import api
from replay.history import EXECUTIONS, read_events
from replay.timetravel import ensure_snapshots, state_at
from store import EventLog

DEFINITION = (Path(__file__).resolve().parent / "loop_definition.json").read_text()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=6200)
    a = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "db"
        api.run(
            db,
            DEFINITION,
            {"limit": a.iterations},
            state_machine_name="loop",
            name="big",
            seed=1,
            start_micros=0,
        )
        events = api.events(db, "big")
        total = len(events)
        print(f"execution of {total} events")
        with EventLog(db) as log:
            doc = next(d for _, d in log.docs(EXECUTIONS) if d["name"] == "big")
            start = time.perf_counter()
            ensure_snapshots(log, doc)
            print(f"snapshots built once in {(time.perf_counter() - start) * 1000:.0f} ms")
            rng = random.Random(7)
            times = []
            for _ in range(200):
                n = rng.randint(1, total)
                start = time.perf_counter()
                state_at(log, doc, n)
                times.append(time.perf_counter() - start)
            print(
                f"state_at: median {statistics.median(times) * 1000:.2f} ms, "
                f"max {max(times) * 1000:.2f} ms (200 random events)"
            )
            assert list(read_events(log, doc, total, total))[0]["id"] == total
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            assert api.replay(db, "big") is None
            runs.append(time.perf_counter() - start)
        print(
            f"replay: {total / statistics.median(runs):,.0f} events/s "
            f"(median of 3, {statistics.median(runs) * 1000:.0f} ms)"
        )
        exported = api.export(db, "big")
        text = json.dumps(exported)
        imports = []
        for n in range(3):
            start = time.perf_counter()
            api.import_history(
                db, [json.loads(text)], DEFINITION, state_machine_name="loop", name=f"copy{n}"
            )
            imports.append(time.perf_counter() - start)
        print(
            f"import: {total / statistics.median(imports):,.0f} events/s "
            f"(median of 3, {statistics.median(imports) * 1000:.0f} ms, JSON parsing included)"
        )


if __name__ == "__main__":
    main()
