"""CLI start-up: medians of wall time (and of CPU time, user + system, which a loaded machine
disturbs less) for a bare interpreter, `--help` and `validate` of a small definition, and what
the CLI adds on top of the bare interpreter (the issue asks <= 120 ms).

    python bench/bench_startup.py [--runs 11]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SMALL = '{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}'


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def median_ms(command: list[str], runs: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of `runs` runs of a command."""
    walls, cpus = [], []
    for _ in range(runs):
        cpu, start = _cpu(), time.perf_counter()
        subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
        walls.append((time.perf_counter() - start) * 1000)
        cpus.append((_cpu() - cpu) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def _row(label: str, figures: tuple[float, float], bare: tuple[float, float]) -> str:
    (wall, cpu), (bare_wall, bare_cpu) = figures, bare
    if figures is bare:
        return f"{label:<26}{wall:7.1f} ms wall  {cpu:7.1f} ms cpu"
    return (
        f"{label:<26}{wall:7.1f} ms wall (+{wall - bare_wall:5.1f})  "
        f"{cpu:7.1f} ms cpu (+{cpu - bare_cpu:5.1f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="runs per command (>= 7)")
    runs = max(7, parser.parse_args().runs)
    with tempfile.TemporaryDirectory() as folder:
        definition = Path(folder) / "small.json"
        definition.write_text(SMALL)
        cli = [sys.executable, "-m", "tui.cli"]
        median_ms(cli + ["--help"], 2)  # warm the file cache and .pyc files
        bare = median_ms([sys.executable, "-c", "pass"], runs)
        helped = median_ms(cli + ["--help"], runs)
        validated = median_ms(cli + ["validate", str(definition)], runs)
    print(f"medians of {runs} runs (in parentheses: above python -c pass)")
    print(_row("python -c pass", bare, bare))
    print(_row("sfn-replay --help", helped, bare))
    print(_row("sfn-replay validate SMALL", validated, bare))


if __name__ == "__main__":
    main()
