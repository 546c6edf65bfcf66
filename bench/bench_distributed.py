"""A Distributed Map of 10,000 items, each a child execution of a two-state workflow, written
durably to the log. Prints wall time and events/s (parent and child histories together).

    python bench/bench_distributed.py [--items 10000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from replay import api

DEFINITION = {
    "StartAt": "Fan",
    "States": {
        "Fan": {
            "Type": "Map",
            "Label": "Fan",
            "MaxConcurrency": 1000,
            "End": True,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "Double",
                "States": {
                    "Double": {
                        "Type": "Pass",
                        "Parameters": {"v.$": "States.MathAdd($.n, $.n)"},
                        "Next": "Done",
                    },
                    "Done": {"Type": "Succeed"},
                },
            },
        }
    },
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10_000)
    a = parser.parse_args()
    items = [{"n": n} for n in range(a.items)]
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "db"
        start = time.perf_counter()
        result = api.run(
            db,
            json.dumps(DEFINITION),
            items,
            state_machine_name="fan",
            name="big",
            seed=1,
            start_micros=0,
        )
        elapsed = time.perf_counter() - start
        executions = api.list_executions(db)
        events = sum(doc["events"] for doc in executions)
    print(
        f"{a.items} items: {result['status']}, {len(executions) - 1} child executions, "
        f"{events} events in {elapsed:.2f} s ({events / elapsed:,.0f} events/s)"
    )


if __name__ == "__main__":
    main()
