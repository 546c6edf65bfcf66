"""Transitions per second of `sfn-replay run` on a Pass/Choice loop with States.MathAdd.

Measured as the CONTRACT asks: wall time of `run` minus wall time of `validate` on the same
definition (process start, imports, parsing), medians of several runs. Events are written
durably to LMDB (one transaction per step).

    python bench/bench_loop.py [--iterations 3000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFINITION = HERE / "loop_definition.json"
CLI = [sys.executable, "-c", "from tui.cli import main; main()"]


def timed(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(CLI + args, check=False, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=5)
    a = parser.parse_args()
    runs, validates, shorts, events = [], [], [], 0
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(a.repeat):
            db = str(Path(tmp) / f"db{n}")
            validates.append(timed(["validate", str(DEFINITION)]))
            shorts.append(
                timed(
                    [
                        "run",
                        str(DEFINITION),
                        "--input",
                        '{"limit": 1}',
                        "--db",
                        str(Path(tmp) / f"short{n}"),
                        "--seed",
                        "1",
                    ]
                )
            )
            runs.append(
                timed(
                    [
                        "run",
                        str(DEFINITION),
                        "--input",
                        json.dumps({"limit": a.iterations}),
                        "--db",
                        db,
                        "--seed",
                        "1",
                        "--name",
                        "loop",
                    ]
                )
            )
            out = subprocess.run(
                CLI + ["history", "--db", db, "--format", "aws", "loop"],
                capture_output=True,
                text=True,
            )
            events = len(json.loads(out.stdout)["events"])
    transitions = 2 * a.iterations + 2  # Check + Increment per iteration, Init, final Check/Done
    net = statistics.median(runs) - statistics.median(validates)
    print(f"loop of {a.iterations} iterations: {transitions} transitions, {events} events")
    print(
        f"run median {statistics.median(runs) * 1000:.0f} ms, validate median "
        f"{statistics.median(validates) * 1000:.0f} ms, net {net * 1000:.0f} ms"
    )
    print(f"transitions/s: {transitions / net:,.0f}   events/s: {events / net:,.0f}")
    # `validate` imports only the validator now, so run - validate also counts the import of
    # the interpreter and the store; a 1-iteration run of the same loop counts them too:
    short = statistics.median(shorts)
    loop_only = statistics.median(runs) - short
    print(
        f"1-iteration run median {short * 1000:.0f} ms; run minus it {loop_only * 1000:.0f} ms: "
        f"transitions/s: {(transitions - 4) / loop_only:,.0f}"
    )
    print_memory()


def print_memory() -> None:
    """Peak Python memory of an in-process run, for two history lengths: flat means the
    interpreter keeps no history in memory."""
    import tracemalloc

    from replay import api

    text = DEFINITION.read_text()
    with tempfile.TemporaryDirectory() as tmp:
        api.run(
            Path(tmp) / "db",
            text,
            {"limit": 10},
            state_machine_name="loop",
            name="warm",
            seed=1,
            start_micros=0,
        )
        for n, limit in enumerate((1000, 6000)):
            tracemalloc.start()
            api.run(
                Path(tmp) / "db",
                text,
                {"limit": limit},
                state_machine_name="loop",
                name=f"m{n}",
                seed=1,
                start_micros=0,
            )
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            print(f"peak memory, {limit} iterations ({4 * limit} events): {peak / 1024:,.0f} KiB")


if __name__ == "__main__":
    main()
