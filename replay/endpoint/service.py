"""The worker: one thread that does everything touching the db, one request or one run at a
time. LMDB allows one open environment per process and an EventLog is not thread-safe, so the
server serializes: each request's operation and each queued run is a job of this thread
(`api` calls open and close the db in a fraction of a millisecond). A run queued by
StartExecution follows the jobs queued before it; a request that comes later sees it done."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from replay.endpoint.context import Server

T = TypeVar("T")


class Worker:
    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sfn-replay-db")

    def submit(self, job: Callable[[], Any]) -> Future:
        return self._pool.submit(job)

    async def call(self, job: Callable[[], T]) -> T:
        """Run `job` on the worker and wait for it without blocking the event loop."""
        return await asyncio.wrap_future(self._pool.submit(job))

    def close(self) -> None:
        """Finish the queued jobs (runs included), then stop."""
        self._pool.shutdown(wait=True)


def recover(server: Server) -> list[str]:
    """Queue a resume of each execution the server was running when it stopped (RUNNING, or
    ended with a child execution that outlives it still running; not waiting for a task
    token, written by no live process); returns their ARNs."""
    from replay import api
    from replay.history import EXECUTIONS
    from replay.liveness import is_running
    from store import EventLog

    with EventLog(server.db) as log:
        docs = [doc for _, doc in log.docs(EXECUTIONS)]
        # runs that ended their execution but not a child outliving it (plain startExecution)
        outlived = {
            doc.get("rootExecution") or doc["parentExecution"]
            for doc in docs
            if doc.get("parentExecution") and doc["status"] == "RUNNING"
        }
        arns = [
            doc["executionArn"]
            for doc in docs
            if (doc["status"] == "RUNNING" or doc["executionArn"] in outlived)
            and doc.get("unanswered") == "fail"  # started by serve
            and not doc.get("waiting")
            and not doc.get("parentExecution")
            and not is_running(log.path, doc)
        ]

    def resume(arn: str) -> None:
        try:
            api.resume(server.db, arn)
        except Exception as exc:
            print(f"sfn-replay serve: cannot resume {arn}: {exc}", file=sys.stderr, flush=True)

    for arn in arns:
        server.submit(lambda arn=arn: resume(arn))
    return arns
