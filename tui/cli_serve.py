"""`serve`: the Step Functions API (JSON 1.0 protocol) on a local port, for boto3
(`endpoint_url=`) and the AWS CLI (`--endpoint-url`)."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Annotated, Optional

import typer

from tui.cli import DbOption, db_path, guarded
from tui.inputs import UsageError, check_handlers, read_json_file


def _stopped(signum: int, frame: object) -> None:
    """After uvicorn's graceful shutdown: nothing more to do."""


def register(app: typer.Typer) -> None:
    @app.command()
    @guarded
    def serve(
        host: Annotated[
            str, typer.Option("--host", help="Address to listen on (default: loopback only).")
        ] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8083,
        db: DbOption = None,
        mock_config: Annotated[
            Optional[Path],
            typer.Option(
                "--mock-config",
                help="Step Functions Local MockConfigFile; start an execution with "
                "stateMachineArn#TestCase to use one of its test cases.",
            ),
        ] = None,
        handlers: Annotated[
            Optional[Path],
            typer.Option(
                "--handlers", help="Python file defining HANDLERS = {state name or ARN: fn}."
            ),
        ] = None,
        connections: Annotated[
            Optional[Path],
            typer.Option(
                "--connections",
                help="EventBridge connections by ARN (JSON: {ARN: {AuthorizationType, "
                "AuthParameters}}): what TestState shows of an HTTP Task's request.",
            ),
        ] = None,
    ):
        """Serve the Step Functions API over the db (boto3, the AWS CLI); Ctrl-C stops it."""
        from replay.endpoint.local import LOOPBACK, ListenError
        from replay.endpoint.local import serve as run_server
        from replay.http_task import BadConnection, parse_connections
        from replay.worlds import load_handlers

        if not 0 <= port <= 65535:
            raise UsageError(f"--port {port} is not a port number (0-65535)")
        mocks = read_json_file(mock_config, "--mock-config") if mock_config else None
        check_handlers(handlers)
        known = read_json_file(connections, "--connections") if connections else None
        if known is not None:
            try:
                parse_connections(known)  # a connection that cannot be read: exit 2 now
            except BadConnection as exc:
                raise UsageError(f"--connections: {exc}") from None
        if handlers is not None:
            load_handlers(handlers)  # a broken file: exit 2 now, not at the first execution
        if host not in LOOPBACK:
            typer.echo(
                f"sfn-replay: warning: serving on {host}: anyone who can reach this address "
                "can start, stop and answer executions (no credentials are checked)",
                err=True,
            )
        path = db_path(db)
        for signum in (signal.SIGINT, signal.SIGTERM):  # uvicorn stops on them, then raises
            signal.signal(signum, _stopped)  # them again: the stop we were asked for, exit 0
        try:
            run_server(
                path,
                host=host,
                port=port,
                mocks=mocks,
                handlers_file=handlers.resolve() if handlers else None,
                connections=known,
                ready=lambda url: typer.echo(f"sfn-replay: serving {url} (db {path})"),
            )
        except ListenError as exc:
            raise UsageError(str(exc)) from None
