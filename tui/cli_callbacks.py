"""`send-task-success`, `send-task-failure`, `send-task-heartbeat`: answers to the task token an
execution waits for (a `.waitForTaskToken` Task nothing answered), from any process, later."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from tui.cli import (
    DbOption,
    api,
    db_path,
    guarded,
    print_description,
    status_code,
)
from tui.inputs import read_json_arg

TokenArgument = Annotated[str, typer.Argument(help="The task token ($$.Task.Token).")]
AtOption = Annotated[
    Optional[str],
    typer.Option(
        "--at",
        help="Virtual time the answer arrives (ISO 8601 with an offset); default: the time the "
        "execution waits at. After the task's TimeoutSeconds or HeartbeatSeconds, the task "
        "has timed out instead.",
    ),
]
ExecutionOption = Annotated[
    Optional[str],
    typer.Option("--execution", help="The execution, when several wait for the same token."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print DescribeExecution as JSON.")]


def _report(result: dict, as_json: bool) -> None:
    """The execution as it is now, and a line on stderr when the answer came too late."""
    print_description(result, as_json)
    late = result.get("taskTimedOut")
    if late:
        typer.echo(
            f"sfn-replay: TaskTimedOut: the task had timed out ({late['error']} at "
            f"{late['at']}) before this answer; the execution went on from there",
            err=True,
        )
    raise typer.Exit(status_code(result))


def register(app: typer.Typer) -> None:
    @app.command(name="send-task-success")
    @guarded
    def send_task_success(
        token: TokenArgument,
        output: Annotated[
            str, typer.Option("--output", help="The task's result: JSON text or a JSON file.")
        ],
        at: AtOption = None,
        execution: ExecutionOption = None,
        as_json: JsonOption = False,
        db: DbOption = None,
    ):
        """Answer a waiting task token with a result; the execution goes on."""
        value = read_json_arg(output, "--output")
        result = api.send_task_success(db_path(db), token, value, at=at, execution=execution)
        _report(result, as_json)

    @app.command(name="send-task-failure")
    @guarded
    def send_task_failure(
        token: TokenArgument,
        error: Annotated[Optional[str], typer.Option("--error", help="Error name.")] = None,
        cause: Annotated[Optional[str], typer.Option("--cause", help="Cause text.")] = None,
        at: AtOption = None,
        execution: ExecutionOption = None,
        as_json: JsonOption = False,
        db: DbOption = None,
    ):
        """Fail a waiting task token; Retry and Catch see the error as on AWS."""
        result = api.send_task_failure(
            db_path(db), token, error=error, cause=cause, at=at, execution=execution
        )
        _report(result, as_json)

    @app.command(name="send-task-heartbeat")
    @guarded
    def send_task_heartbeat(
        token: TokenArgument,
        at: AtOption = None,
        execution: ExecutionOption = None,
        as_json: JsonOption = False,
        db: DbOption = None,
    ):
        """Tell a waiting task it is alive (restarts its HeartbeatSeconds)."""
        result = api.send_task_heartbeat(db_path(db), token, at=at, execution=execution)
        _report(result, as_json)
