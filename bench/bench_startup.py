"""CLI start-up: medians of wall time for a bare interpreter, `--help` and `validate` of a small
definition, and what the CLI adds on top of the bare interpreter (the issue asks <= 120 ms).

    python bench/bench_startup.py [--runs 11]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SMALL = '{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}'


def median_ms(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


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
    print(f"medians of {runs} runs")
    print(f"python -c pass            {bare:7.1f} ms")
    print(f"sfn-replay --help         {helped:7.1f} ms   (+{helped - bare:.1f} ms)")
    print(f"sfn-replay validate SMALL {validated:7.1f} ms   (+{validated - bare:.1f} ms)")


if __name__ == "__main__":
    main()
