"""The terminal UI on a ~25,000-event execution (the W1-style loop with 6,200 iterations),
driven headless by Textual's Pilot.

Prints wall and CPU times (CPU is what counts on a loaded machine): the time to open the
execution (load + timeline + first inspector, in-process; and a fresh process that imports the
app, opens it headless and exits), and the time for a scrub key to update the inspector at 200
random positions (median and max).

    PYTHONPATH=. python bench/bench_tui.py [--iterations 6200]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from replay import api

ROOT = Path(__file__).resolve().parent.parent
DEFINITION = (ROOT / "bench" / "loop_definition.json").read_text()
OPEN_SCRIPT = """
import asyncio, sys
from tui.app import ReplayApp
async def main():
    app = ReplayApp(sys.argv[1], "big")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert type(app.screen).__name__ == "ExecutionScreen"
asyncio.run(main())
"""


async def drive(db: Path, total: int) -> None:
    from tui.app import ReplayApp
    from tui.widgets.inspector import Inspector

    start = time.perf_counter()
    app = ReplayApp(db, "big")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        print(f"open in-process: {(time.perf_counter() - start) * 1000:.0f} ms")
        screen = app.screen
        rng = random.Random(7)
        times, cpu = [], []
        for _ in range(200):
            n = rng.randint(1, total)
            screen.move_to(n)
            await pilot.pause()
            start, start_cpu = time.perf_counter(), time.process_time()
            await pilot.press(rng.choice(["left", "right"]))
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            assert screen.query_one(Inspector).shown["event"] in (n - 1, n + 1, 1, total)
        print(
            f"scrub key to inspector: median {statistics.median(times) * 1000:.1f} ms, "
            f"max {max(times) * 1000:.1f} ms wall; median {statistics.median(cpu) * 1000:.1f}"
            f" ms CPU (200 random positions, render included)"
        )
        shows = []
        for _ in range(200):
            n = rng.randint(1, total)
            start = time.perf_counter()
            screen.show(n)  # fold, inspector, outline and scrub bar contents; no screen render
            shows.append(time.perf_counter() - start)
        print(
            f"fold + widget updates per move: median {statistics.median(shows) * 1000:.1f} ms, "
            f"max {max(shows) * 1000:.1f} ms (200 random positions)"
        )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


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
        total = len(api.events(db, "big"))
        print(f"execution of {total} events")
        runs, cpu = [], []
        for _ in range(3):
            start, before = time.perf_counter(), _children_cpu()
            subprocess.run([sys.executable, "-c", OPEN_SCRIPT, str(db)], cwd=ROOT, check=True)
            runs.append(time.perf_counter() - start)
            cpu.append(_children_cpu() - before)
        print(
            f"open in a fresh process (start, imports, open, exit): median "
            f"{statistics.median(runs) * 1000:.0f} ms wall, {statistics.median(cpu) * 1000:.0f}"
            " ms CPU, of 3"
        )
        asyncio.run(drive(db, total))


if __name__ == "__main__":
    main()
