"""The `sfn-replay` command line: the composition root that wires replay/ to store/.

Every command hands off to one library call. Bad input of any kind exits 2 with one clear line
on stderr; a FAILED, TIMED_OUT or ABORTED execution exits 1.
"""
from __future__ import annotations

import json
import os
import secrets
import sys
import time
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from replay import api
from tui import commands

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Simulate AWS Step Functions locally, with replay and time travel.")

DbOption = Annotated[Optional[Path], typer.Option("--db", help="Database directory "
                     "(default: $SFN_REPLAY_DB or a per-user data directory).")]


class UsageError(Exception):
    """Bad input: printed as one line, exit code 2."""


def fail(message: str, code: int = 2) -> None:
    typer.echo(f"sfn-replay: {message}", err=True)
    raise typer.Exit(code)


def read_json_arg(value: str, what: str) -> Any:
    """A path to a JSON file, or inline JSON text."""
    path = Path(value)
    try:
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            source = str(path)
        else:
            text, source = value, "inline text"
        return json.loads(text)
    except json.JSONDecodeError as exc:
        if source == "inline text" and (value.endswith(".json") or os.sep in value):
            raise UsageError(f"{what} file {value} does not exist") from None
        raise UsageError(f"{what} ({source}) is not valid JSON: {exc.msg} at line {exc.lineno} "
                         f"column {exc.colno}") from None
    except OSError as exc:
        raise UsageError(f"cannot read {what} {value}: {exc.strerror}") from None


def read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {what} {path}: {getattr(exc, 'strerror', exc)}") from None


def db_path(db: Path | None) -> Path:
    if db is not None:
        return db
    if os.environ.get("SFN_REPLAY_DB"):
        return Path(os.environ["SFN_REPLAY_DB"])
    from platformdirs import user_data_dir

    return Path(user_data_dir("sfn-replay")) / "db"


def guarded(fn):
    """Run a command body, turning every known bad-input error into exit 2."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except typer.Exit:
            raise
        except api.EXPECTED_ERRORS as exc:
            fail(str(exc))
        except UsageError as exc:
            fail(str(exc))
        except Exception as exc:  # a bug of ours: one line, the traceback on demand
            if os.environ.get("SFN_REPLAY_DEBUG"):
                raise
            fail(f"internal error ({type(exc).__name__}: {exc}); rerun with SFN_REPLAY_DEBUG=1 "
                 "for the traceback, and please report it")

    return wrapper


@app.command()
@guarded
def validate(definition: Annotated[Path, typer.Argument(help="State machine definition (JSON).")]):
    """Check a definition; print AWS-style diagnostics and exit 2 when it is invalid."""
    diagnostics = api.validate(read_text(definition, "definition"))
    if diagnostics:
        for diagnostic in diagnostics:
            typer.echo(f"{definition}: {diagnostic}", err=True)
        raise typer.Exit(2)
    typer.echo(f"{definition}: valid")


@app.command()
@guarded
def run(
    definition: Annotated[Path, typer.Argument(help="State machine definition (JSON).")],
    input: Annotated[Optional[str], typer.Option("--input", help="Input: a JSON file or inline "
                     "JSON text (default {}).")] = None,
    mock_config: Annotated[Optional[Path], typer.Option("--mock-config",
                           help="Step Functions Local MockConfigFile.")] = None,
    test_case: Annotated[Optional[str], typer.Option("--test-case",
                         help="Test case of the mock config to use.")] = None,
    handlers: Annotated[Optional[Path], typer.Option("--handlers",
                        help="Python file defining HANDLERS = {state name or ARN: fn}.")] = None,
    state_machine_name: Annotated[Optional[str], typer.Option("--state-machine-name",
                                  help="Default: the definition file's stem.")] = None,
    name: Annotated[Optional[str], typer.Option("--name", help="Execution name "
                    "(default: a UUID from the seed).")] = None,
    account: Annotated[str, typer.Option("--account")] = "123456789012",
    region: Annotated[str, typer.Option("--region")] = "us-east-1",
    seed: Annotated[Optional[int], typer.Option("--seed", help="Random seed (default: drawn "
                    "from the OS and recorded).")] = None,
    start_time: Annotated[Optional[str], typer.Option("--start-time", help="Virtual start "
                          "time, ISO 8601 (default: now).")] = None,
    schedule: Annotated[str, typer.Option("--schedule", help="Order of the steps of Parallel "
                        "branches and Map iterations: round-robin, or random (seeded).")
                        ] = "round-robin",
    s3_root: Annotated[Optional[Path], typer.Option("--s3-root", help="Directory standing in "
                       "for S3 (s3://BUCKET/KEY is DIR/BUCKET/KEY) for Distributed Map "
                       "ItemReader and ResultWriter.")] = None,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print DescribeExecution JSON.")] = False,
):
    """Run a state machine locally and record every event."""
    text = read_text(definition, "definition")
    input_value = read_json_arg(input, "input") if input is not None else {}
    if mock_config is not None and test_case is None:
        raise UsageError("--mock-config needs --test-case NAME")
    mocks = read_json_arg(str(mock_config), "mock config") if mock_config else None
    sm_name = state_machine_name or definition.stem
    result = api.run(
        db_path(db),
        text,
        input_value,
        state_machine_name=sm_name,
        name=name,
        account=account,
        region=region,
        seed=seed if seed is not None else secrets.randbits(63),
        start_micros=(api.parse_start_time(start_time) if start_time
                      else time.time_ns() // 1000),
        mocks=mocks,
        test_case=test_case,
        handlers_file=handlers,
        s3_root=s3_root,
        schedule=schedule,
    )
    print_description(result, as_json)
    raise typer.Exit(0 if result["status"] == "SUCCEEDED" else 1)


def print_description(description: dict, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(description, indent=2, ensure_ascii=False))
        return
    typer.echo(f"{description['status']}  {description['executionArn']}")
    typer.echo(f"  started {description['startDate']}  stopped {description.get('stopDate')}")
    if description.get("output") is not None:
        typer.echo(f"  output: {description['output']}")
    if description.get("error") is not None or description.get("cause") is not None:
        typer.echo(f"  error: {description.get('error')}  cause: {description.get('cause')}")


@app.command()
@guarded
def history(
    execution: Annotated[str, typer.Argument(help="Execution name or ARN.")],
    db: DbOption = None,
    format: Annotated[str, typer.Option("--format", help="aws or table.")] = "table",
):
    """Print an execution's history."""
    if format not in ("aws", "table"):
        raise UsageError(f"--format must be aws or table, not {format!r}")
    events = api.history(db_path(db), execution)
    if format == "aws":
        typer.echo(json.dumps({"events": events}, indent=1, ensure_ascii=False))
        return
    for event in events:
        typer.echo(commands.table_row(event))


@app.command(name="list")
@guarded
def list_(db: DbOption = None):
    """List the executions in the db."""
    rows = commands.list_executions(db_path(db))
    if not rows:
        typer.echo("no executions")
    for row in rows:
        typer.echo(row)


@app.command()
@guarded
def state(
    execution: Annotated[str, typer.Argument(help="Execution name or ARN.")],
    at: Annotated[str, typer.Option("--at", help="Event number, -N from the end, or "
                  "'failure' (the first failure event).")] = "-1",
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
):
    """The state of an execution as of an event, rebuilt from the log."""
    shown = api.state(db_path(db), execution, at)
    if as_json:
        typer.echo(json.dumps(shown, indent=2, ensure_ascii=False))
    else:
        typer.echo(commands.format_state(shown))


@app.command()
@guarded
def replay(
    execution: Annotated[str, typer.Argument(help="Execution name or ARN.")],
    definition: Annotated[Optional[Path], typer.Option("--definition", help="Replay with this "
                          "definition instead of the recorded one.")] = None,
    db: DbOption = None,
):
    """Re-run the interpreter against the recorded history; exit 1 at the first divergence."""
    text = read_text(definition, "definition") if definition else None
    divergence = api.replay(db_path(db), execution, text)
    if divergence is None:
        typer.echo("identical")
        return
    typer.echo(commands.format_divergence(divergence))
    raise typer.Exit(1)


@app.command()
@guarded
def branch(
    execution: Annotated[str, typer.Argument(help="Parent execution name or ARN.")],
    at: Annotated[str, typer.Option("--at", help="Fork after this event (N, -N, 'failure').")],
    name: Annotated[Optional[str], typer.Option("--name")] = None,
    input_override: Annotated[Optional[str], typer.Option("--input-override", help="JSON file "
                              "or text: the input of the next state entered after N.")] = None,
    definition: Annotated[Optional[Path], typer.Option("--definition")] = None,
    mock_config: Annotated[Optional[Path], typer.Option("--mock-config")] = None,
    test_case: Annotated[Optional[str], typer.Option("--test-case")] = None,
    handlers: Annotated[Optional[Path], typer.Option("--handlers")] = None,
    seed: Annotated[Optional[int], typer.Option("--seed")] = None,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
):
    """A new execution sharing events 1..N with its parent, continued with the changes."""
    if mock_config is not None and test_case is None:
        raise UsageError("--mock-config needs --test-case NAME")
    options: dict[str, Any] = dict(name=name, seed=seed, handlers_file=handlers)
    if input_override is not None:
        options["input_override"] = read_json_arg(input_override, "input override")
    if definition is not None:
        options["definition_text"] = read_text(definition, "definition")
    if mock_config is not None:
        options.update(mocks=read_json_arg(str(mock_config), "mock config"), test_case=test_case)
    result = api.branch(db_path(db), execution, at, **options)
    print_description(result, as_json)
    raise typer.Exit(0 if result["status"] == "SUCCEEDED" else 1)


@app.command()
@guarded
def tree(execution: Annotated[str, typer.Argument(help="Execution name or ARN.")],
         db: DbOption = None):
    """The branch tree an execution belongs to: parents, children, fork points, outcomes."""
    for line in commands.format_tree(api.tree(db_path(db), execution)):
        typer.echo(line)


@app.command()
@guarded
def diff(a: Annotated[str, typer.Argument()], b: Annotated[str, typer.Argument()],
         db: DbOption = None):
    """The first event where two executions differ, and their outcomes."""
    typer.echo(commands.format_diff(api.diff(db_path(db), a, b)))


@app.command(name="import")
@guarded
def import_(
    history_files: Annotated[list[Path], typer.Argument(help="GetExecutionHistory JSON "
                             "(several files: pages in order).")],
    definition: Annotated[Path, typer.Option("--definition")],
    name: Annotated[Optional[str], typer.Option("--name")] = None,
    state_machine_name: Annotated[Optional[str], typer.Option("--state-machine-name")] = None,
    db: DbOption = None,
):
    """Import a history printed by `aws stepfunctions get-execution-history`."""
    pages = [read_json_arg(str(path), "history") for path in history_files]
    result = api.import_history(db_path(db), pages, read_text(definition, "definition"),
                                     state_machine_name=state_machine_name or definition.stem,
                                     name=name)
    print_description(result, False)
    divergence = api.replay(db_path(db), result["executionArn"])
    if divergence is not None:
        typer.echo("warning: the definition does not reproduce this history:", err=True)
        typer.echo(commands.format_divergence(divergence), err=True)


@app.command()
@guarded
def export(
    execution: Annotated[str, typer.Argument(help="Execution name or ARN.")],
    format: Annotated[str, typer.Option("--format", help="aws")] = "aws",
    db: DbOption = None,
):
    """Print an execution's history as GetExecutionHistory JSON (import reads it back)."""
    if format != "aws":
        raise UsageError(f"--format must be aws, not {format!r}")
    typer.echo(json.dumps(api.export(db_path(db), execution), indent=1, ensure_ascii=False))


@app.command()
def tui(
    execution: Annotated[Optional[str], typer.Argument(help="Execution name or ARN to open "
                         "directly (default: the executions list).")] = None,
    db: DbOption = None,
):
    """The terminal UI: browse executions, scrub through time, branch and compare."""
    from tui.app import ReplayApp  # Textual only for this command: others start faster

    ReplayApp(db_path(db), execution).run()


@app.command()
@guarded
def graph(
    target: Annotated[str, typer.Argument(help="Execution name or ARN, or a definition file.")],
    format: Annotated[str, typer.Option("--format", help="mermaid, dot or text.")] = "text",
    db: DbOption = None,
):
    """The workflow with the path an execution took and each state's outcome."""
    from replay import api_views
    from replay import graph as graphs

    if format not in graphs.FORMATS:
        raise UsageError(f"--format must be one of {', '.join(graphs.FORMATS)}, not {format!r}")
    if Path(target).is_file():
        machine, summary = read_json_arg(target, "definition"), {}
    else:
        loaded = api_views.load(db_path(db), target)
        machine = loaded.definition
        summary = loaded.index.summary(len(loaded.events))
    typer.echo(graphs.render(machine, summary, format))


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("sfn-replay: interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
