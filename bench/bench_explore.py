"""`explore` on ../shared/bench/w6 (ten Lambda Tasks): single and double faults.

Prints, medians of `--repeat` in-process explorations (wall time, runs executed, runs/s):

- `pruned`: what `sfn-replay explore` does (pruning by failing subsets and unreached
  attempts);
- `exhaustive`: every fault set of up to two faults run (`prune=False`, the ~1,800-run
  space);
- on 1 worker, on 2 worker processes (`2 procs`: every batch but the fault-free run sent to
  them) and on 2 workers as `explore` uses them (`2 auto`: a batch this process would run in
  under POOL_WORTH seconds stays here);
- each from the start, and branched from the fault-free baseline (`share_prefix`), the
  prefix sharing the issue asks to measure.

The machine is shared: run it when it is quiet (`uptime`), and read the load it prints.

    python bench/bench_explore.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import replay.explore
from replay import api

W6 = Path(__file__).resolve().parent.parent.parent / "shared" / "bench" / "w6"


def explore(**options) -> tuple[float, dict]:
    definition = (W6 / "definition.json").read_text()
    input_value = json.loads((W6 / "input.json").read_text())
    mocks = json.loads((W6 / "mocks.json").read_text())
    db = tempfile.mkdtemp(prefix="bench-explore-")
    try:
        start = time.perf_counter()
        result = api.explore(
            db,
            definition,
            input_value,
            state_machine_name="w6",
            mocks=mocks,
            test_case="ok",
            max_faults=2,
            **options,
        )
        return time.perf_counter() - start, result
    finally:
        shutil.rmtree(db, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(
        f"{'search':<11} {'prefix':<9} {'workers':>7} {'wall s':>7} {'runs':>6} "
        f"{'exhaustive':>10} {'runs/s':>7} {'failures':>8}"
    )
    for prune in (True, False):
        for share in (False, True):
            for workers, label, pool_worth in (
                (1, "1", 1.0),
                (2, "2 procs", 0.0),
                (2, "2 auto", 1.0),
            ):
                replay.explore.POOL_WORTH = pool_worth
                times, result = [], {}
                for _ in range(repeat):
                    seconds, result = explore(prune=prune, share_prefix=share, workers=workers)
                    times.append(seconds)
                wall = statistics.median(times)
                print(
                    f"{'pruned' if prune else 'exhaustive':<11} "
                    f"{'branched' if share else 'start':<9} {label:>7} {wall:>7.2f} "
                    f"{result['runs']:>6} {result['exhaustive']:>10} "
                    f"{result['runs'] / wall:>7.0f} {len(result['failures']):>8}"
                )


if __name__ == "__main__":
    main()
