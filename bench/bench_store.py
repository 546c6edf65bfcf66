"""Throughput of store.EventLog: single-record appends/s and reads/s (median of runs).

python bench/bench_store.py [--appends 12000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from store import EventLog

STREAM = "arn:aws:states:us-east-1:123456789012:execution:bench:run-1"


def event(i: int) -> dict:
    """A record shaped like a Step Functions history event."""
    return {
        "id": i,
        "previousEventId": i - 1,
        "timestamp": 1_700_000_000_000 + i,
        "type": "PassStateExited",
        "stateExitedEventDetails": {"name": "Loop", "output": f'{{"n": {i}}}'},
    }


def one_run(n: int) -> tuple[float, float, float]:
    """Seconds for: n appends, one full read of n records, n single-record reads."""
    records = [event(i) for i in range(1, n + 1)]
    positions = random.Random(1).choices(range(1, n + 1), k=n)
    with tempfile.TemporaryDirectory() as tmp, EventLog(tmp) as log:
        start = time.perf_counter()
        for record in records:
            log.append(STREAM, [record])
        appends = time.perf_counter() - start

        start = time.perf_counter()
        count = sum(1 for _ in log.read(STREAM))
        scan = time.perf_counter() - start
        assert count == n

        start = time.perf_counter()
        for p in positions:
            next(log.read(STREAM, p, p))
        point = time.perf_counter() - start
    return appends, scan, point


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appends", type=int, default=12_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    runs = [one_run(args.appends) for _ in range(args.repeat)]
    n = args.appends
    appends, scan, point = (statistics.median(col) for col in zip(*runs))
    print(f"appends: {n / appends:>12,.0f} /s  ({n} single-record appends in {appends:.3f} s)")
    print(f"scan:    {n / scan:>12,.0f} records/s  (read() of the whole stream)")
    print(f"point:   {n / point:>12,.0f} reads/s  (read(stream, p, p) at random p)")


if __name__ == "__main__":
    main()
