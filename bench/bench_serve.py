"""The endpoint (`serve`) through boto3: a server on a thread of this process, a 10-state Pass
workflow. Prints, over `--repeat` executions:

- `server time`: median time the server's worker spends on one execution, from the
  StartExecution request to SUCCEEDED (the StartExecution operation plus the queued run);
- `client round trip`: median wall time of StartExecution, then DescribeExecution until
  SUCCEEDED, as a boto3 user sees it (HTTP and botocore included);
- `200 concurrent starts`: StartExecution from 32 client threads; all must succeed and every
  execution end SUCCEEDED.

    python bench/bench_serve.py [--repeat 50]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

from replay.endpoint import app as app_module  # noqa: E402
from replay.endpoint import executions  # noqa: E402
from replay.endpoint.local import running  # noqa: E402

ROLE = "arn:aws:iam::123456789012:role/bench"
worker_seconds: dict[str, float] = {}  # execution ARN -> worker time spent on it


def timed_handlers() -> None:
    """Count the worker's time per execution: StartExecution's operation and the run."""
    handle, run_pending = app_module.handle, executions.run_pending

    def timed_handle(server, caller, target, body):
        t = time.perf_counter()
        status, out = handle(server, caller, target, body)
        if target.endswith(".StartExecution") and status == 200:
            arn = out["executionArn"]
            worker_seconds[arn] = worker_seconds.get(arn, 0) + time.perf_counter() - t
        return status, out

    def timed_run(server, arn):
        t = time.perf_counter()
        run_pending(server, arn)
        worker_seconds[arn] = worker_seconds.get(arn, 0) + time.perf_counter() - t

    app_module.handle, executions.run_pending = timed_handle, timed_run


def pass_chain(n: int) -> str:
    states = {f"S{i}": {"Type": "Pass", "Next": f"S{i + 1}"} for i in range(n - 1)}
    states[f"S{n - 1}"] = {"Type": "Pass", "End": True}
    return json.dumps({"StartAt": "S0", "States": states})


def until_done(sfn, arn: str) -> str:
    while True:
        status = sfn.describe_execution(executionArn=arn)["status"]
        if status != "RUNNING":
            return status


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    timed_handlers()
    with tempfile.TemporaryDirectory() as tmp, running(Path(tmp) / "db") as url:
        sfn = boto3.client(
            "stepfunctions",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
            config=Config(retries={"max_attempts": 1}, max_pool_connections=32),
        )
        machine = sfn.create_state_machine(name="ten", definition=pass_chain(10), roleArn=ROLE)
        arn = machine["stateMachineArn"]
        until_done(sfn, sfn.start_execution(stateMachineArn=arn, name="warm")["executionArn"])
        trips, servers = [], []
        for i in range(args.repeat):
            t = time.perf_counter()
            execution = sfn.start_execution(stateMachineArn=arn, name=f"e{i}")["executionArn"]
            assert until_done(sfn, execution) == "SUCCEEDED"
            trips.append(time.perf_counter() - t)
            servers.append(worker_seconds[execution])
        print(f"10-state Pass workflow, {args.repeat} executions through boto3")
        print(f"  server time (StartExecution to SUCCEEDED): median {ms(servers)} ms")
        print(f"  client round trip (start, describe until SUCCEEDED): median {ms(trips)} ms")
        t = time.perf_counter()
        with ThreadPoolExecutor(32) as pool:
            started = list(
                pool.map(
                    lambda i: sfn.start_execution(stateMachineArn=arn, name=f"c{i}"), range(200)
                )
            )
        elapsed = time.perf_counter() - t
        ok = sum(until_done(sfn, s["executionArn"]) == "SUCCEEDED" for s in started)
        print(
            f"200 concurrent StartExecution (32 client threads): {len(started)} accepted in "
            f"{elapsed:.2f} s, {ok}/200 SUCCEEDED"
        )


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.2f}"


if __name__ == "__main__":
    main()
