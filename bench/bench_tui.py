"""The terminal UI on long executions (the W1-style loop: ~4 events per iteration), driven
headless by Textual's Pilot.

For each size (10,000, 25,000 and 100,000 events by default) it prints, measured in a fresh
process that imports the app and opens the execution headless:
  - the time to open it (app start to the execution view shown, first inspector included),
  - the memory: resident set before opening, its peak while opening, and after End,
  - the time for End (jump to the last event) to update the inspector;
then, in-process, the time for a scrub key to update the inspector at 200 random positions
(median and max; wall and CPU, CPU being what counts on a loaded machine).

    PYTHONPATH=. python bench/bench_tui.py [--sizes 10000 100000]

AWS's 25,000-event limit is lifted in this process only (Engine's max_events), to record the
100,000-event execution.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from replay import api
from replay.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
DEFINITION = (ROOT / "bench" / "loop_definition.json").read_text()
OPEN_SCRIPT = """
import asyncio, json, sys, time

def status_mb(field):
    with open("/proc/self/status") as f:
        line = next(line for line in f if line.startswith(field + ":"))
    return int(line.split()[1]) / 1024

def rss_mb():
    return status_mb("VmRSS")

def peak_mb():  # VmHWM starts afresh at exec (ru_maxrss would keep the parent's peak)
    return status_mb("VmHWM")

from tui.app import ReplayApp
from tui.widgets.inspector import Inspector

async def until(pilot, shown):
    # polled: a pause until idle would also wait for the background scout
    while not shown():
        await pilot.pause(0.002)

def at(app, n):
    screen = app.screen
    return type(screen).__name__ == "ExecutionScreen" and (
        screen.query_one(Inspector).shown.get("event") == n)

async def main():
    db, total = sys.argv[1], int(sys.argv[2])
    base = rss_mb()
    start, cpu = time.perf_counter(), time.process_time()
    app = ReplayApp(db, "big")
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: at(app, 1))
        opened, open_cpu = time.perf_counter() - start, time.process_time() - cpu
        open_peak = peak_mb()
        start, cpu = time.perf_counter(), time.process_time()
        app.screen.action_jump("last")  # what End does, without a pilot's wait for idle
        await until(pilot, lambda: at(app, total))
        end, end_cpu = time.perf_counter() - start, time.process_time() - cpu
        out = dict(base=base, open=opened, open_cpu=open_cpu, open_peak=open_peak, end=end,
                   end_cpu=end_cpu, end_rss=rss_mb(), end_peak=peak_mb())
        await pilot.press("home")
        cursor = getattr(app.screen, "cursor", None)
        while not getattr(cursor, "scouted_all", True):  # the failures found, in the background
            await pilot.pause(0.05)
        start = time.perf_counter()
        app.screen.action_jump("last")
        await until(pilot, lambda: at(app, total))
        out.update(end_scouted=time.perf_counter() - start, scouted_peak=peak_mb())
    print(json.dumps(out))

asyncio.run(main())
"""
PLAIN_OPEN = """
import asyncio, sys
from tui.app import ReplayApp
async def main():
    app = ReplayApp(sys.argv[1], "big")
    async with app.run_test(size=(120, 40)) as pilot:
        while type(app.screen).__name__ != "ExecutionScreen":
            await pilot.pause(0.002)
        await pilot.pause(0.002)
asyncio.run(main())
"""


def make(db: Path, events: int) -> int:
    """Record a loop execution of about `events` events; its length."""
    Engine.__init__.__kwdefaults__["max_events"] = max(events * 2, 25_000)
    api.run(
        db,
        DEFINITION,
        {"limit": max(1, (events - 8) // 4)},
        state_machine_name="loop",
        name="big",
        seed=1,
        start_micros=0,
    )
    return api.list_executions(db)[0]["events"]


def whole_process(db: Path, runs: int = 3) -> float:
    """The median wall time of a process that starts, imports the app, opens the execution
    headless and exits."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", PLAIN_OPEN, str(db)], cwd=ROOT, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def fresh_process(db: Path, total: int, runs: int = 3) -> dict:
    """The medians of `runs` fresh processes opening the execution and pressing End."""
    results = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", OPEN_SCRIPT, str(db), str(total)],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
    return {key: statistics.median(r[key] for r in results) for key in results[0]}


async def scrub(db: Path, total: int) -> None:
    from tui.app import ReplayApp
    from tui.widgets.inspector import Inspector

    app = ReplayApp(db, "big")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
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
            f"  scrub key to inspector: median {statistics.median(times) * 1000:.1f} ms, "
            f"max {max(times) * 1000:.1f} ms wall; median {statistics.median(cpu) * 1000:.1f}"
            f" ms CPU (200 random positions, render included)"
        )


def report(total: int, m: dict) -> None:
    print(f"execution of {total} events (fresh process, median of 3)")
    print(
        f"  open: {m['open'] * 1000:.0f} ms wall, {m['open_cpu'] * 1000:.0f} ms CPU (app start "
        f"to the execution view shown); {m['process'] * 1000:.0f} ms wall for a whole process "
        "(start, imports, open, exit)"
    )
    print(
        f"  End to the last event's inspector: right after opening {m['end'] * 1000:.0f} ms "
        f"wall, {m['end_cpu'] * 1000:.0f} ms CPU; once the history is scouted "
        f"{m['end_scouted'] * 1000:.0f} ms wall"
    )
    print(
        f"  memory: {m['base']:.0f} MB before opening; peak +{m['open_peak'] - m['base']:.1f} MB"
        f" opening, +{m['end_peak'] - m['base']:.1f} MB after End, "
        f"+{m['scouted_peak'] - m['base']:.1f} MB at the end "
        f"(resident after End +{m['end_rss'] - m['base']:.1f} MB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 25_000, 100_000])
    a = parser.parse_args()
    for size in a.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "db"
            total = make(db, size)
            report(total, dict(fresh_process(db, total), process=whole_process(db)))
            asyncio.run(scrub(db, total))


if __name__ == "__main__":
    main()
