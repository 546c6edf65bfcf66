"""Side by side with aws-local-stepfunctions 3.0.0 (in memory) on ../shared/bench's workloads.

Runs `../shared/bench/run_peers.py` for both peers and prints, per workload, the fastest and the
median wall time of each and the ratio of the fastest runs (>1: we are faster). Needs node, and
aws-local-stepfunctions installed in $NPM_PEERS (default /tmp/npmpeers):

    mkdir -p /tmp/npmpeers && cd /tmp/npmpeers && npm init -y
    npm install aws-local-stepfunctions@3.0.0
    python bench/bench_peers.py [--reps 7] [--cases w1,w1c,w2,w3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

SHARED_BENCH = Path(__file__).resolve().parent.parent.parent / "shared" / "bench"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--cases", default="w1,w1c,w2,w3")
    args = parser.parse_args()
    env = dict(
        os.environ,
        SFN_REPLAY_PY=sys.executable,
        NPM_PEERS=os.environ.get("NPM_PEERS", "/tmp/npmpeers"),
    )
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(
            [
                sys.executable,
                "run_peers.py",
                "--peers",
                "sfn-replay-api,aws-local",
                "--cases",
                args.cases,
                "--reps",
                str(args.reps),
                "--out",
                out,
            ],
            cwd=SHARED_BENCH,
            env=env,
            check=True,
            capture_output=True,
        )
        rows = json.loads((Path(out) / "peers.json").read_text())
    walls: dict[tuple[str, str], list[float]] = {}
    for row in rows:
        walls[(row["case"], row["peer"])] = [r["wall_s"] for r in row["runs"] if r.get("wall_s")]
    print(
        f"{'case':<5} {'ours min':>9} {'ours med':>9} {'aws-local min':>14} "
        f"{'aws-local med':>14} {'ratio (min)':>12}"
    )
    for case in args.cases.split(","):
        ours, theirs = walls.get((case, "sfn-replay-api")), walls.get((case, "aws-local"))
        if not ours or not theirs:
            print(f"{case:<5} (no result)")
            continue
        print(
            f"{case:<5} {min(ours) * 1000:>7.2f}ms {statistics.median(ours) * 1000:>7.2f}ms "
            f"{min(theirs) * 1000:>12.2f}ms {statistics.median(theirs) * 1000:>12.2f}ms "
            f"{min(theirs) / min(ours):>11.2f}x"
        )


if __name__ == "__main__":
    main()
