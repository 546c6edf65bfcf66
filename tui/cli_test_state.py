"""`test-state`: AWS's TestState, one state run once on an input, with what it did."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from tui.cli import HandlersOption, MockConfigOption, TestCaseOption, api, guarded
from tui.inputs import (
    UsageError,
    check_handlers,
    default_state_machine_name,
    read_json_arg,
    read_text,
)

JsonArg = Optional[str]


def register(app: typer.Typer) -> None:
    @app.command(name="test-state")
    @guarded
    def test_state(
        definition: Annotated[
            Path,
            typer.Argument(help="A state's definition, or a whole state machine with --state."),
        ],
        state: Annotated[
            Optional[str], typer.Option("--state", help="The state to test (whole machines).")
        ] = None,
        input: Annotated[
            JsonArg, typer.Option("--input", help="Its input: a JSON file or text (default {}).")
        ] = None,
        inspection_level: Annotated[
            str,
            typer.Option(
                "--inspection-level",
                help="INFO: the verdict; DEBUG: each step of the data flow too; TRACE: and an "
                "HTTP Task's HTTP request and response.",
            ),
        ] = "INFO",
        mock: Annotated[
            JsonArg,
            typer.Option(
                "--mock",
                help="The Task's (or Map's, Parallel's) answer: {\"result\": JSON} or "
                '{"errorOutput": {"error": E, "cause": C}}.',
            ),
        ] = None,
        variables: Annotated[
            JsonArg, typer.Option("--variables", help="Variables in scope (a JSON object).")
        ] = None,
        context: Annotated[
            JsonArg, typer.Option("--context", help="Context object fields to use ($$).")
        ] = None,
        retrier_retry_count: Annotated[
            int,
            typer.Option("--retrier-retry-count", help="Retries already made of the error."),
        ] = 0,
        mock_config: MockConfigOption = None,
        test_case: TestCaseOption = None,
        state_machine_name: Annotated[
            Optional[str],
            typer.Option("--state-machine-name", help="Its name in the mock config."),
        ] = None,
        handlers: HandlersOption = None,
        reveal_secrets: Annotated[
            bool,
            typer.Option(
                "--reveal-secrets",
                help="TRACE: show what the HTTP Task's EventBridge connection adds (its "
                "authorization, headers, query and body parameters).",
            ),
        ] = False,
        connections: Annotated[
            JsonArg,
            typer.Option(
                "--connections",
                help="EventBridge connections by ARN (a JSON file or text): {ARN: "
                "{AuthorizationType, AuthParameters}}.",
            ),
        ] = None,
    ):
        """Run one state once, as AWS's TestState does, and print its response as JSON."""
        check_handlers(handlers)
        if (mock_config is None) != (test_case is None):
            raise UsageError("--mock-config and --test-case go together")
        result = api.test_state(
            read_text(definition, "definition"),
            read_json_arg(input, "--input") if input is not None else {},
            state_name=state,
            inspection_level=inspection_level.upper(),
            mock=read_json_arg(mock, "--mock") if mock is not None else None,
            variables=_object(variables, "--variables"),
            context=_object(context, "--context"),
            retrier_retry_count=retrier_retry_count,
            mocks=read_json_arg(str(mock_config), "--mock-config") if mock_config else None,
            test_case=test_case,
            state_machine_name=state_machine_name or default_state_machine_name(definition),
            handlers_file=handlers,
            reveal_secrets=reveal_secrets,
            connections=read_json_arg(connections, "--connections") if connections else None,
        )
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
        raise typer.Exit(1 if result["status"] == "FAILED" else 0)


def _object(text: str | None, option: str) -> dict | None:
    if text is None:
        return None
    value = read_json_arg(text, option)
    if not isinstance(value, dict):
        raise UsageError(f"{option} must be a JSON object")
    return value
