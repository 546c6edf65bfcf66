"""Express workflows: `start-sync-execution` (AWS's StartSyncExecution: run to the end, print
its response) and `logs` (an execution's log events as Step Functions sends them to CloudWatch
Logs, the only record AWS keeps of an Express execution)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from tui.cli import (
    AccountOption,
    DbOption,
    HandlersOption,
    InputOption,
    MockConfigOption,
    NameOption,
    RegionOption,
    SeedOption,
    StartTimeOption,
    StateMachineNameOption,
    TestCaseOption,
    api,
    db_path,
    guarded,
    run,
)
from tui.inputs import UsageError

LEVELS = ("ALL", "ERROR", "FATAL", "OFF")


def register(app: typer.Typer) -> None:
    @app.command(name="start-sync-execution")
    @guarded
    def start_sync_execution(
        definition: Annotated[Path, typer.Argument(help="State machine definition (JSON).")],
        input: InputOption = None,
        mock_config: MockConfigOption = None,
        test_case: TestCaseOption = None,
        handlers: HandlersOption = None,
        state_machine_name: StateMachineNameOption = None,
        name: NameOption = None,
        account: AccountOption = "123456789012",
        region: RegionOption = "us-east-1",
        seed: SeedOption = None,
        start_time: StartTimeOption = None,
        db: DbOption = None,
    ):
        """Run an Express workflow to its end and print AWS's StartSyncExecution response
        (billingDetails from its virtual duration); the history is recorded all the same."""
        run(
            definition,
            input=input,
            mock_config=mock_config,
            test_case=test_case,
            handlers=handlers,
            state_machine_name=state_machine_name,
            name=name,
            account=account,
            region=region,
            seed=seed,
            start_time=start_time,
            db=db,
            type="EXPRESS",
            sync=True,
        )

    @app.command(name="logs")
    @guarded
    def logs(
        execution: Annotated[str, typer.Argument(help="Execution name or ARN.")],
        level: Annotated[
            str,
            typer.Option(
                "--level",
                metavar="ALL|ERROR|FATAL|OFF",
                help="Log level: ALL every event, ERROR the failures, FATAL the execution's "
                "failure only, OFF nothing.",
            ),
        ] = "ALL",
        include_execution_data: Annotated[
            bool,
            typer.Option(
                "--include-execution-data",
                help="Keep input, output and parameters in the details (AWS's "
                "includeExecutionData).",
            ),
        ] = False,
        db: DbOption = None,
    ):
        """Print the log events Step Functions sends to CloudWatch Logs for an execution, one
        JSON object a line, derived from its recorded history."""
        if level.upper() not in LEVELS:
            raise UsageError(f"--level must be one of {', '.join(LEVELS)}, not {level!r}")
        for entry in api.execution_logs(db_path(db), execution, level, include_execution_data):
            typer.echo(json.dumps(entry, ensure_ascii=False, separators=(",", ":")))
