"""Running the endpoint: in the foreground (`serve`, what the CLI calls) or on a thread of the
caller's process (`running`, for a user's own tests and the benchmarks)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

LOOPBACK = ("127.0.0.1", "localhost", "::1")


class ListenError(OSError):
    """The address cannot be listened on (in use, not ours)."""


def bind(host: str, port: int) -> socket.socket:
    """A socket bound to host:port (port 0: a free one), or ListenError saying why not."""
    try:
        family, kind, proto = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][:3]
        # proto IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted connections only then
        # (without it each answer waits ~40 ms for a delayed ACK: headers and body are 2 writes)
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise ListenError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ListenError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def _server(
    db: Path,
    mocks: Any,
    handlers_file: Path | None,
    poll_seconds: float = 60.0,
    connections: Any = None,
):
    import uvicorn

    from replay.endpoint.app import create_app

    app = create_app(
        db,
        mocks=mocks,
        handlers_file=handlers_file,
        poll_seconds=poll_seconds,
        connections=connections,
    )
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    app.state.server.stopping = lambda: server.should_exit  # a long poll ends at shutdown
    return server


def serve(
    db: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8083,
    mocks: Any = None,
    handlers_file: Path | None = None,
    ready: Callable[[str], None] | None = None,
    connections: Any = None,
) -> None:
    """Serve until SIGINT or SIGTERM (queued runs finish first); `ready(url)` once listening.
    ListenError when host:port cannot be had, StoreError when the db cannot be opened,
    MockConfigError for a test case of `mocks` that cannot be used."""
    check(db, mocks)
    sock = bind(host, port)
    server = _server(db, mocks, handlers_file, connections=connections)
    if ready is not None:
        threading.Thread(target=_announce, args=(server, sock, ready), daemon=True).start()
    server.run(sockets=[sock])


def check(db: Path, mocks: Any) -> None:
    """Open the db (made if missing) and build every test case of the MockConfigFile once,
    so that what is wrong with them is said now, not at the first request."""
    from replay.mock_config import case_responses
    from replay.world import MockConfigError
    from store import EventLog

    EventLog(db).close()
    if mocks is None:
        return
    machines = mocks.get("StateMachines") if isinstance(mocks, dict) else None
    if not isinstance(machines, dict) or not machines:
        raise MockConfigError("mock config: StateMachines: an object of state machines is needed")
    for machine, body in machines.items():
        for test_case in (body or {}).get("TestCases") or {}:
            case_responses(mocks, machine, test_case)


def _announce(server: Any, sock: socket.socket, ready: Callable[[str], None]) -> None:
    while not server.started:
        if server.should_exit:
            return
        time.sleep(0.01)
    ready(url_of(sock))


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{'[' + host + ']' if ':' in host else host}:{port}"


@contextmanager
def running(
    db: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    mocks: Any = None,
    handlers_file: Path | None = None,
    poll_seconds: float = 60.0,
    connections: Any = None,
) -> Iterator[str]:
    """The endpoint on a thread of this process (port 0: a free one); yields its URL. This
    process must not open the db itself meanwhile (one LMDB environment a process).
    `poll_seconds`: how long GetActivityTask waits for a task; `connections`: EventBridge
    connections by ARN (TestState's HTTP Task requests)."""
    sock = bind(host, port)
    server = _server(Path(db), mocks, handlers_file, poll_seconds, connections)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"the endpoint did not start on {host}:{port}")
        time.sleep(0.005)
    try:
        yield url_of(sock)
    finally:
        server.should_exit = True
        thread.join()
