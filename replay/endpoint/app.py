"""The ASGI application (Starlette): POST / with `X-Amz-Target` and a JSON body, as botocore
sends it; the answer as `application/x-amz-json-1.0`."""

from __future__ import annotations

import asyncio
import json
import sys
import time
import traceback
import uuid
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from replay.endpoint.context import Caller, Server
from replay.endpoint.dispatch import LONG_POLL, handle
from replay.endpoint.service import Worker, recover

CONTENT_TYPE = "application/x-amz-json-1.0"


def wall_clock() -> int:
    return time.time_ns() // 1000


def create_app(
    db: Path,
    *,
    mocks: Any = None,
    handlers_file: Path | None = None,
    clock=wall_clock,
    poll_seconds: float = 60.0,
    connections: Any = None,
) -> Starlette:
    """The endpoint over the db `db`; executions answered by the parsed MockConfigFile `mocks`
    (for `stateMachineArn#TestCase`) and the `handlers_file`. GetActivityTask waits up to
    `poll_seconds` for a task. `connections`: EventBridge connections by ARN, for TestState's
    HTTP Task requests."""
    from replay.asl.jsonata import load_engine

    load_engine()  # here, on the main thread: the worker thread uses it (see load_engine)
    worker = Worker()
    server = Server(
        db=Path(db),
        mocks=mocks,
        handlers_file=handlers_file,
        clock=clock,
        submit=worker.submit,
        poll_seconds=poll_seconds,
        connections=connections,
    )

    async def endpoint(request: Request) -> Response:
        target = request.headers.get("x-amz-target")
        caller = Caller.from_authorization(request.headers.get("authorization"))
        raw = await request.body()
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            body = None
        try:
            status, out = await worker.call(lambda: handle(server, caller, target, body))
            if target == LONG_POLL:
                status, out = await poll(
                    server, worker, lambda: handle(server, caller, target, body), status, out
                )
        except Exception as exc:  # a bug of ours: the client gets a 500, the log the traceback
            traceback.print_exc(file=sys.stderr)
            status, out = 500, {"__type": "InternalFailure", "message": f"{type(exc).__name__}"}
        headers = {"x-amzn-RequestId": str(uuid.uuid4())}
        return Response(orjson.dumps(out), status, headers=headers, media_type=CONTENT_TYPE)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        await worker.call(lambda: recover(server))
        yield
        worker.close()

    app = Starlette(routes=[Route("/", endpoint, methods=["POST"])], lifespan=lifespan)
    app.state.server = server
    return app


POLL_INTERVAL = 0.05  # seconds between two tries of a long poll


async def poll(server: Server, worker: Worker, job, status: int, out: dict) -> tuple[int, dict]:
    """GetActivityTask's long poll: try again, off the worker, until a task comes (or an
    error), `server.poll_seconds` pass, or the server stops."""
    deadline = time.monotonic() + server.poll_seconds
    while status == 200 and not out and not server.stopping():
        left = deadline - time.monotonic()
        if left <= 0:
            break
        await asyncio.sleep(min(POLL_INTERVAL, left))
        status, out = await worker.call(job)
    return status, out
