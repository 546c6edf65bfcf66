"""`redrive`: AWS's RedriveExecution. A FAILED, TIMED_OUT or ABORTED execution goes on in its own
history from its unsuccessful states (`replay.redrive`); `branch` is the one that forks."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from tui.cli import (
    DbOption,
    HandlersOption,
    MockConfigOption,
    TestCaseOption,
    api,
    db_path,
    guarded,
    print_description,
    status_code,
)
from tui.inputs import UsageError, read_json_arg


def register(app: typer.Typer) -> None:
    @app.command()
    @guarded
    def redrive(
        execution: Annotated[str, typer.Argument(help="Execution name or ARN.")],
        mock_config: MockConfigOption = None,
        test_case: TestCaseOption = None,
        handlers: HandlersOption = None,
        at: Annotated[
            Optional[str],
            typer.Option(
                "--at",
                help="Virtual time of the redrive (ISO 8601 with an offset); default: when "
                "the execution ended. At most 14 days after that, as on AWS.",
            ),
        ] = None,
        db: DbOption = None,
        as_json: Annotated[
            bool, typer.Option("--json", help="Print DescribeExecution JSON.")
        ] = False,
    ):
        """Redrive an unsuccessful execution (AWS's RedriveExecution): the same execution goes
        on from its unsuccessful states, an ExecutionRedriven event first. Tasks are answered
        by the mocks or handlers given (recorded from now on), else by those it ran with."""
        if mock_config is not None and test_case is None:
            raise UsageError("--mock-config needs --test-case NAME")
        mocks = read_json_arg(str(mock_config), "mock config") if mock_config else None
        result = api.redrive(
            db_path(db),
            execution,
            mocks=mocks,
            test_case=test_case,
            handlers_file=handlers,
            at=at,
        )
        print_description(result, as_json)
        if not as_json:
            typer.echo(f"  redrive {result['redriveCount']} at {result['redriveDate']}")
        raise typer.Exit(status_code(result))
