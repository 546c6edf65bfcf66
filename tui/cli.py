"""The `sfn-replay` command line: the composition root that wires replay/ to store/.

Every command hands off to one library call. Bad input of any kind exits 2 with one clear line
on stderr; a FAILED, TIMED_OUT or ABORTED execution exits 1. The library is imported when a
command needs it (`api` below is lazy), so `--help` and `validate` start fast.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from replay.interrupted import Interrupted
from tui.inputs import (
    UsageError,
    check_account,
    check_directory,
    check_handlers,
    check_input_size,
    check_name,
    check_region,
    default_state_machine_name,
    read_json_arg,
    read_json_file,
    read_text,
)
from tui.shell import LazyModule, OneLineErrors, PipeClosed, one_line, version_option

api = LazyModule("replay.api")  # `api.run(...)` imports replay.api on first use
commands = LazyModule("tui.commands")  # the formatting, likewise

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    cls=OneLineErrors,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    help="Simulate AWS Step Functions locally, with replay and time travel.",
)


@app.callback()
def _root(version: Annotated[bool, version_option()] = False) -> None:
    """Simulate AWS Step Functions locally, with replay and time travel."""


DbOption = Annotated[
    Optional[Path],
    typer.Option(
        "--db", help="Database directory (default: $SFN_REPLAY_DB or a per-user data directory)."
    ),
]
TestCaseOption = Annotated[
    Optional[str], typer.Option("--test-case", help="Test case of the mock config to use.")
]
InputOption = Annotated[
    Optional[str],
    typer.Option("--input", help="Input: a JSON file or inline JSON text (default {})."),
]
MockConfigOption = Annotated[
    Optional[Path], typer.Option("--mock-config", help="Step Functions Local MockConfigFile.")
]
HandlersOption = Annotated[
    Optional[Path],
    typer.Option("--handlers", help="Python file defining HANDLERS = {state name or ARN: fn}."),
]
NameOption = Annotated[
    Optional[str], typer.Option("--name", help="Execution name (default: a UUID from the seed).")
]
AccountOption = Annotated[
    str, typer.Option("--account", help="AWS account id in the ARNs (12 digits).")
]
RegionOption = Annotated[str, typer.Option("--region", help="AWS region in the ARNs.")]
SeedOption = Annotated[
    Optional[int],
    typer.Option("--seed", help="Random seed (default: drawn from the OS and recorded)."),
]
StartTimeOption = Annotated[
    Optional[str],
    typer.Option("--start-time", help="Virtual start time, ISO 8601 (default: now)."),
]
StateMachineNameOption = Annotated[
    Optional[str],
    typer.Option(
        "--state-machine-name",
        help="State machine name (default: the definition file's "
        "stem; for definition.json, its folder's name).",
    ),
]
FaultOption = Annotated[
    Optional[list[str]],
    typer.Option(
        "--fault",
        metavar="RULE",
        help="Inject a fault: STATE:ERROR[:CAUSE][@ATTEMPTS] "
        "(repeatable; see README, Fault injection).",
    ),
]
FaultPlanOption = Annotated[
    Optional[Path],
    typer.Option(
        "--fault-plan",
        metavar="FILE.json",
        help="JSON list of fault rules as objects (state, "
        "error, cause, attempts, iteration, branch, effect, seconds, result).",
    ),
]

StateMachineOption = Annotated[
    Optional[list[str]],
    typer.Option(
        "--state-machine",
        metavar="NAME[:EXPRESS]=FILE",
        help="A child state machine for states:startExecution Tasks that no mock or handler "
        "answers (repeatable; its ARN in the execution's account and region; NAME:EXPRESS "
        "for an Express one).",
    ),
]


def fail(message: str, code: int = 2) -> None:
    typer.echo(f"sfn-replay: {one_line(message)}", err=True)
    raise typer.Exit(code)


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
        except BrokenPipeError:
            raise PipeClosed() from None  # the reader went away (`| head`): exit quietly
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except UsageError as exc:
            fail(str(exc))
        except SystemExit as exc:  # sys.exit in a handlers file, outside any state
            fail(f"a handlers file called sys.exit({exc.code!r}); raise an exception instead")
        except Exception as exc:
            if isinstance(exc, api.EXPECTED_ERRORS):
                fail(str(exc))
            if os.environ.get("SFN_REPLAY_DEBUG"):  # a bug of ours: one line, traceback on demand
                raise
            fail(
                f"internal error ({type(exc).__name__}: {str(exc)[:300]}); rerun with "
                "SFN_REPLAY_DEBUG=1 for the traceback, and please report it"
            )

    return wrapper


@app.command()
@guarded
def validate(
    definition: Annotated[Path, typer.Argument(help="State machine definition (JSON).")],
    type: Annotated[
        str,
        typer.Option(
            "--type",
            metavar="STANDARD|EXPRESS",
            help="EXPRESS also refuses what Express workflows cannot run.",
        ),
    ] = "STANDARD",
):
    """Check a definition; print AWS-style diagnostics and exit 2 when it is invalid."""
    from replay.asl.validate import validate_text

    if type.upper() not in ("STANDARD", "EXPRESS"):
        raise UsageError(f"--type must be STANDARD or EXPRESS, not {type!r}")
    text = read_text(definition, "definition")
    diagnostics = validate_text(text)
    if not diagnostics and type.upper() == "EXPRESS":
        from replay.express import refused

        diagnostics = refused(json.loads(text))
    if diagnostics:
        for diagnostic in diagnostics:  # the pointer "" is the whole document
            where = f"{diagnostic.pointer}: " if diagnostic.pointer else ""
            typer.echo(one_line(f"{definition}: {where}{diagnostic.message}"), err=True)
        raise typer.Exit(2)
    typer.echo(f"{definition}: valid")


@app.command()
@guarded
def run(
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
    schedule: Annotated[
        str,
        typer.Option(
            "--schedule",
            help="Order of the steps of Parallel "
            "branches and Map iterations: round-robin, or random (seeded).",
        ),
    ] = "round-robin",
    s3_root: Annotated[
        Optional[Path],
        typer.Option(
            "--s3-root",
            help="Directory standing in "
            "for S3 (s3://BUCKET/KEY is DIR/BUCKET/KEY) for Distributed Map "
            "ItemReader and ResultWriter.",
        ),
    ] = None,
    fault: FaultOption = None,
    fault_plan: FaultPlanOption = None,
    state_machine: StateMachineOption = None,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print DescribeExecution JSON.")] = False,
    type: Annotated[
        str,
        typer.Option(
            "--type",
            metavar="STANDARD|EXPRESS",
            help="State machine type: EXPRESS gives Express execution ARNs, a five-minute "
            "limit, and refuses .sync, .waitForTaskToken and activities.",
        ),
    ] = "STANDARD",
    sync: Annotated[
        bool,
        typer.Option(
            "--sync",
            help="Print the StartSyncExecution response (with --type EXPRESS), "
            "as `start-sync-execution` does.",
        ),
    ] = False,
):
    """Run a state machine locally and record every event."""
    if sync and type.upper() != "EXPRESS":
        raise UsageError(
            "--sync is StartSyncExecution, which runs Express workflows only: add --type EXPRESS"
        )
    check_name("--state-machine-name", state_machine_name)
    check_name("--name", name)
    check_account(account)
    check_region(region)
    check_handlers(handlers)
    check_directory(s3_root, "--s3-root")
    text = read_text(definition, "definition")
    input_value = read_json_arg(input, "--input") if input is not None else {}
    check_input_size(input_value)
    if mock_config is not None and test_case is None:
        raise UsageError("--mock-config needs --test-case NAME")
    if test_case is not None and mock_config is None:
        raise UsageError("--test-case needs --mock-config FILE")
    mocks = read_json_arg(str(mock_config), "--mock-config") if mock_config else None
    sm_name = (
        state_machine_name
        if state_machine_name is not None
        else default_state_machine_name(definition)
    )
    result = api.run(
        db_path(db),
        text,
        input_value,
        state_machine_name=sm_name,
        name=name,
        account=account,
        region=region,
        seed=seed,  # None: the API draws one from the OS
        start_micros=api.parse_start_time(start_time) if start_time else None,  # None: now
        mocks=mocks,
        test_case=test_case,
        handlers_file=handlers,
        s3_root=s3_root,
        schedule=schedule,
        faults=fault_rules(fault, fault_plan),
        state_machines=child_definitions(state_machine or []),
        type=type,
    )
    if sync:
        result = api.sync_response(db_path(db), result)
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print_description(result, as_json)
    raise typer.Exit(status_code(result))


def child_definitions(options: list[str]) -> dict[str, str]:
    """`--state-machine NAME[:TYPE]=FILE` options: NAME[:TYPE] -> definition text (TYPE:
    STANDARD, the default, or EXPRESS)."""
    from replay.child_machines import name_and_type

    out: dict[str, str] = {}
    names: set[str] = set()
    for option in options:
        key, equals, path = option.partition("=")
        if not equals or not key or not path:
            raise UsageError(f"--state-machine {option!r}: give NAME=FILE or NAME:EXPRESS=FILE")
        try:
            name, _ = name_and_type(key)
        except ValueError as exc:
            raise UsageError(f"--state-machine {option!r}: {exc}") from None
        check_name("--state-machine", name)
        if name in names:
            raise UsageError(f"--state-machine {name} is given twice")
        names.add(name)
        out[key] = read_text(Path(path), f"--state-machine {name}")
    return out


def status_code(description: dict) -> int:
    """0 for an execution that succeeded or waits for a task token, 1 for one that ended
    otherwise (FAILED, TIMED_OUT, ABORTED)."""
    waits = description["status"] == "RUNNING" and description.get("waiting")
    return 0 if description["status"] == "SUCCEEDED" or waits else 1


def print_description(description: dict, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(description, indent=2, ensure_ascii=False))
        return
    typer.echo(f"{description['status']}  {description['executionArn']}")
    typer.echo(f"  started {description['startDate']}  stopped {description.get('stopDate')}")
    for waiting in description.get("waiting") or ():
        typer.echo(f"  {commands.waiting_line(waiting)}")
    if description.get("output") is not None:
        typer.echo(f"  output: {description['output']}")
    if description.get("error") is not None or description.get("cause") is not None:
        typer.echo(f"  error: {description.get('error')}  cause: {description.get('cause')}")


@app.command()
@guarded
def resume(
    execution: Annotated[str, typer.Argument(help="Execution name or ARN.")],
    mock_config: Annotated[
        Optional[Path],
        typer.Option(
            "--mock-config", help="Answer Tasks from now on with this MockConfigFile (recorded)."
        ),
    ] = None,
    test_case: TestCaseOption = None,
    handlers: Annotated[
        Optional[Path],
        typer.Option(
            "--handlers", help="Answer Tasks from now on with this handlers file (recorded)."
        ),
    ] = None,
    fault: FaultOption = None,
    fault_plan: FaultPlanOption = None,
    no_faults: Annotated[
        bool,
        typer.Option("--no-faults", help="Drop the run's fault rules from the resume point on."),
    ] = False,
    state_machine: StateMachineOption = None,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print DescribeExecution JSON.")] = False,
):
    """Continue an interrupted execution (killed, or stopped at a Task nothing answered) from
    its last committed event, to the same events as a run never interrupted."""
    if mock_config is not None and test_case is None:
        raise UsageError("--mock-config needs --test-case NAME")
    faults = fault_rules(fault, fault_plan)
    if no_faults and faults is not None:
        raise UsageError(
            "--no-faults drops the fault rules: give it without --fault and --fault-plan"
        )
    mocks = read_json_arg(str(mock_config), "mock config") if mock_config else None
    result = api.resume(
        db_path(db),
        execution,
        mocks=mocks,
        test_case=test_case,
        handlers_file=handlers,
        faults=[] if no_faults else faults,
        state_machines=child_definitions(state_machine or []),
    )
    print_description(result, as_json)
    raise typer.Exit(status_code(result))


@app.command()
@guarded
def history(
    execution: Annotated[str, typer.Argument(help="Execution name or ARN.")],
    db: DbOption = None,
    format: Annotated[
        str,
        typer.Option(
            "--format",
            help="table (readable, with each event's frame) or aws (GetExecutionHistory JSON).",
        ),
    ] = "table",
):
    """Print an execution's history."""
    if format not in ("aws", "table"):
        raise UsageError(f"--format must be aws or table, not {format!r}")
    if format == "aws":
        events = api.history(db_path(db), execution)
        typer.echo(json.dumps({"events": events}, indent=1, ensure_ascii=False))
        return
    for line in commands.history_table(api.events(db_path(db), execution)):
        typer.echo(line)


@app.command(name="list")
@guarded
def list_(db: DbOption = None):
    """List the executions in the db."""
    rows = commands.list_executions(db_path(db))
    if not rows:
        typer.echo("no executions")
        return
    typer.echo(commands.LIST_HEADER)
    for row in rows:
        typer.echo(row)


@app.command()
@guarded
def state(
    execution: Annotated[str, typer.Argument(help="Execution name or ARN.")],
    at: Annotated[
        str,
        typer.Option(
            "--at",
            help="Event id N, -N from the end (-1: the last "
            "event), 'failure' (the failure that ended the execution) or 'failure:K' "
            "(its K-th failure, retried or caught ones included).",
        ),
    ] = "-1",
    failures: Annotated[
        bool,
        typer.Option(
            "--failures",
            help="List every failure of the "
            "execution (event, state, error, retried/caught/ended) instead.",
        ),
    ] = False,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the state as JSON.")] = False,
):
    """The state of an execution as of an event, rebuilt from the log."""
    shown: Any = (
        api.failures(db_path(db), execution) if failures else api.state(db_path(db), execution, at)
    )
    if as_json:
        typer.echo(json.dumps(shown, indent=2, ensure_ascii=False))
    elif failures:
        typer.echo("\n".join(commands.format_failures(shown)))
    else:
        typer.echo(commands.format_state(shown))


@app.command()
@guarded
def replay(
    execution: Annotated[str, typer.Argument(help="Execution name or ARN.")],
    definition: Annotated[
        Optional[Path],
        typer.Option(
            "--definition", help="Replay with this definition instead of the recorded one."
        ),
    ] = None,
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
    at: Annotated[
        str,
        typer.Option(
            "--at",
            help="Fork after this event: N, -N, 'failure' or 'failure:K' (as in `state --at`).",
        ),
    ],
    name: Annotated[
        Optional[str], typer.Option("--name", help="Name of the new execution (default: a UUID).")
    ] = None,
    input_override: Annotated[
        Optional[str],
        typer.Option(
            "--input-override",
            help="JSON file or text: the input of the next state entered after N.",
        ),
    ] = None,
    definition: Annotated[
        Optional[Path],
        typer.Option(
            "--definition",
            help="Continue with this definition (states are looked up in it after N).",
        ),
    ] = None,
    mock_config: Annotated[
        Optional[Path],
        typer.Option(
            "--mock-config",
            help="MockConfigFile answering the Tasks after N (default: the parent's).",
        ),
    ] = None,
    test_case: TestCaseOption = None,
    handlers: Annotated[
        Optional[Path],
        typer.Option(
            "--handlers", help="Python file defining HANDLERS, answering the Tasks after N."
        ),
    ] = None,
    seed: Annotated[
        Optional[int],
        typer.Option(
            "--seed", help="Reseed the generator at the fork (default: continue the parent's)."
        ),
    ] = None,
    fault: FaultOption = None,
    fault_plan: FaultPlanOption = None,
    no_faults: Annotated[
        bool, typer.Option("--no-faults", help="Drop the parent's fault rules after the fork.")
    ] = False,
    state_machine: StateMachineOption = None,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print DescribeExecution JSON.")] = False,
):
    """A new execution sharing events 1..N with its parent, continued with the changes."""
    check_name("--name", name)
    check_handlers(handlers)
    if mock_config is not None and test_case is None:
        raise UsageError("--mock-config needs --test-case NAME")
    if test_case is not None and mock_config is None:
        raise UsageError("--test-case needs --mock-config FILE")
    faults = fault_rules(fault, fault_plan)
    if no_faults and faults is not None:
        raise UsageError(
            "--no-faults drops the fault rules: give it without --fault and --fault-plan"
        )
    options: dict[str, Any] = dict(
        name=name,
        seed=seed,
        handlers_file=handlers,
        faults=[] if no_faults else faults,
        state_machines=child_definitions(state_machine or []),
    )
    if input_override is not None:
        options["input_override"] = read_json_arg(input_override, "--input-override")
    if definition is not None:
        options["definition_text"] = read_text(definition, "--definition")
    if mock_config is not None:
        options.update(mocks=read_json_arg(str(mock_config), "--mock-config"), test_case=test_case)
    result = api.branch(db_path(db), execution, at, **options)
    print_description(result, as_json)
    raise typer.Exit(status_code(result))


@app.command()
@guarded
def tree(
    execution: Annotated[str, typer.Argument(help="Execution name or ARN.")], db: DbOption = None
):
    """The branch tree an execution belongs to: parents, children, fork points, outcomes."""
    for line in commands.format_tree(api.tree(db_path(db), execution)):
        typer.echo(line)


@app.command()
@guarded
def diff(
    a: Annotated[str, typer.Argument(help="First execution (name or ARN).")],
    b: Annotated[str, typer.Argument(help="Second execution (name or ARN).")],
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the differences as JSON.")] = False,
):
    """Every event where two histories differ, aligned by event id; exit 1 when they differ."""
    result = api.diff(db_path(db), a, b)
    if as_json:
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        typer.echo(commands.format_diff(result))
    raise typer.Exit(0 if result["identical"] else 1)


@app.command(name="import")
@guarded
def import_(
    history_files: Annotated[
        list[Path], typer.Argument(help="GetExecutionHistory JSON (several files: pages in order).")
    ],
    definition: Annotated[
        Path,
        typer.Option(
            "--definition", help="The state machine definition the history was recorded with."
        ),
    ],
    name: Annotated[
        Optional[str],
        typer.Option(
            "--name", help="Execution name (default: the one in the history, else a UUID)."
        ),
    ] = None,
    state_machine_name: Annotated[
        Optional[str],
        typer.Option(
            "--state-machine-name",
            help="State machine name (default: as for run, from the definition's file name).",
        ),
    ] = None,
    db: DbOption = None,
):
    """Import a history printed by `aws stepfunctions get-execution-history`."""
    check_name("--name", name)
    check_name("--state-machine-name", state_machine_name)
    text = read_text(definition, "--definition")
    pages = [read_json_file(path, "history file") for path in history_files]
    result = api.import_history(
        db_path(db),
        pages,
        text,
        state_machine_name=(
            state_machine_name
            if state_machine_name is not None
            else default_state_machine_name(definition)
        ),
        name=name,
    )
    print_description(result, False)
    divergence = api.replay(db_path(db), result["executionArn"])
    if divergence is not None:
        typer.echo("warning: the definition does not reproduce this history:", err=True)
        typer.echo(commands.format_divergence(divergence), err=True)


@app.command()
@guarded
def export(
    execution: Annotated[str, typer.Argument(help="Execution name or ARN.")],
    format: Annotated[
        str,
        typer.Option(
            "--format",
            help="aws (the only format: GetExecutionHistory JSON plus our facts under sfnReplay).",
        ),
    ] = "aws",
    db: DbOption = None,
):
    """Print an execution's history as GetExecutionHistory JSON (import reads it back)."""
    if format != "aws":
        raise UsageError(f"--format must be aws, not {format!r}")
    typer.echo(json.dumps(api.export(db_path(db), execution), indent=1, ensure_ascii=False))


@app.command()
@guarded
def check(db: DbOption = None):
    """Verify every record and index of the db: exit 0 when sound, 1 listing what is damaged."""
    report = api.check(db_path(db))
    for problem in report:
        typer.echo(problem)
    if report:
        raise typer.Exit(1)
    typer.echo(
        "ok: "
        + ", ".join(f"{n} {what[:-1] if n == 1 else what}" for what, n in report.counts.items())
    )


def fault_rules(rules: list[str] | None, plan: Path | None) -> list | None:
    """The rules of --fault and --fault-plan, in that order; None when neither is given."""
    if not rules and plan is None:
        return None
    from replay.faults import parse_plan, parse_rule

    out = [parse_rule(rule) for rule in rules or ()]
    if plan is not None:
        out += parse_plan(read_json_arg(str(plan), "fault plan"), str(plan))
    return out


@app.command()
@guarded
def tui(
    execution: Annotated[
        Optional[str],
        typer.Argument(
            help="Execution name or ARN to open directly (default: the executions list)."
        ),
    ] = None,
    db: DbOption = None,
):
    """The terminal UI: browse executions, scrub through time, branch and compare."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError("tui needs a terminal (stdin and stdout are not one)")
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
        from replay.definition import load_definition

        text = read_text(Path(target), "definition")
        load_definition(text)  # an invalid definition exits 2 naming the problem
        machine, summary = json.loads(text), {}
    else:
        loaded = api_views.load(db_path(db), target)
        machine = loaded.definition
        summary = api_views.summary_at_end(loaded)
    typer.echo(graphs.render(machine, summary, format))


# Commands that live in modules of their own, each with `register(app)`; imported here, after
# the shared options and helpers above exist (one module per line).
COMMAND_MODULES: tuple[str, ...] = (
    "tui.cli_callbacks",
    "tui.cli_replay_all",
    "tui.cli_test",
    "tui.cli_test_state",
    "tui.cli_serve",
    "tui.cli_explore",
    "tui.cli_redrive",
    "tui.cli_activities",
    "tui.cli_express",
    "tui.cli_map_runs",
)
# (`python -m tui.cli` runs this file as __main__: then the modules register with `tui.cli`,
# imported by the block at the end, as they import their helpers from it)
if __name__ != "__main__":
    for _module in COMMAND_MODULES:
        importlib.import_module(_module).register(app)


def _on_signal(signum: int, frame: Any) -> None:
    """SIGINT, SIGTERM: stop between two bytecodes, where no transaction is half-done (LMDB
    commits are atomic). A second signal kills the process at once."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    raise Interrupted(signum)


def _only_the_command_run(first: list[str]) -> None:
    """Keep just the command the arguments name, when they name one: Typer builds the options
    of every registered command at start (about a millisecond each), and `--help` or a
    mistyped name still sees them all."""
    by_name = {
        info.name or info.callback.__name__.lower().replace("_", "-"): info
        for info in app.registered_commands
        if info.callback is not None
    }
    if first and first[0] in by_name:
        app.registered_commands = [by_name[first[0]]]


def main() -> None:
    """The console script: usage errors, Ctrl-C and a closed pipe are handled by the root
    command (`tui.shell.OneLineErrors`); a signal during a run says how to resume it."""
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    _only_the_command_run(sys.argv[1:2])
    try:
        app()
    except (Interrupted, KeyboardInterrupt) as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        if getattr(exc, "event", None) is not None:
            typer.echo(
                f"sfn-replay: interrupted at event {exc.event}; continue with: "
                f"sfn-replay resume {exc.execution} --db {exc.db}",
                err=True,
            )
        else:
            typer.echo("sfn-replay: interrupted", err=True)
        sys.exit(128 + signum)


if __name__ == "__main__":
    from tui.cli import main as _main  # the module with every command registered

    _main()
