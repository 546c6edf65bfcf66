"""`sfn-replay explore`: search the fault space of a workflow for the smallest sets of faults
that break a property (replay.explore). Imports here stay cheap: the library is imported when
the command runs."""

import json
import time
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from tui.ray_option import OptionalRayAddress


def register(app: typer.Typer) -> None:
    from tui.cli import (
        DbOption,
        HandlersOption,
        InputOption,
        MockConfigOption,
        StateMachineNameOption,
        TestCaseOption,
        api,
        db_path,
        guarded,
    )
    from tui.inputs import (
        UsageError,
        check_directory,
        check_handlers,
        check_input_size,
        check_name,
        default_state_machine_name,
        read_json_arg,
        read_text,
    )

    @app.command(cls=OptionalRayAddress)
    @guarded
    def explore(
        definition: Annotated[Path, typer.Argument(help="State machine definition (JSON).")],
        expr: Annotated[
            Optional[str],
            typer.Argument(
                metavar="[EXPR]",
                help="With --property output-matches: the JSONata expression (or --expression).",
            ),
        ] = None,
        input: InputOption = None,
        mock_config: MockConfigOption = None,
        test_case: TestCaseOption = None,
        handlers: HandlersOption = None,
        state_machine_name: StateMachineNameOption = None,
        s3_root: Annotated[
            Optional[Path],
            typer.Option("--s3-root", help="Directory standing in for S3 (as for run)."),
        ] = None,
        property: Annotated[
            str,
            typer.Option(
                "--property",
                help="What every run must do: succeeds, handled (every injected fault retried "
                "or caught), no-fail-state, output-matches EXPR (JSONata over the output).",
            ),
        ] = "succeeds",
        expression: Annotated[
            Optional[str],
            typer.Option("--expression", help="The JSONata expression of output-matches."),
        ] = None,
        max_faults: Annotated[
            int, typer.Option("--max-faults", help="Most faults injected into one run.")
        ] = 2,
        schedules: Annotated[
            int,
            typer.Option(
                "--schedules",
                help="Also try S seeded interleavings of Parallel branches and Map "
                "iterations per fault set.",
            ),
        ] = 0,
        budget: Annotated[
            Optional[int],
            typer.Option(
                "--budget",
                help="Most runs (default: every set of each level; 10000 when a level is too "
                "large to list and is sampled).",
            ),
        ] = None,
        workers: Annotated[
            Optional[int],
            typer.Option(
                "--workers",
                help="Local worker processes (default: the cores this process may use; "
                "batches shorter than a second run in this process).",
            ),
        ] = None,
        ray: Annotated[
            Optional[str],
            typer.Option(
                "--ray",
                metavar="[ADDRESS]",
                help="Run on a Ray cluster: a local one, or the one at HOST:PORT / ray://...",
            ),
        ] = None,
        keep_passing: Annotated[
            bool,
            typer.Option("--keep-passing", help="Keep passing runs in the db too."),
        ] = False,
        state: Annotated[
            Optional[list[str]],
            typer.Option("--state", metavar="NAME", help="Only faults on this Task (repeatable)."),
        ] = None,
        seed: Annotated[
            int, typer.Option("--seed", help="Seed of the runs and of a sampled search.")
        ] = 1,
        db: DbOption = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    ):
        """Search the fault space: which sets of injected faults break the workflow (exit 1
        when some set does)."""
        from replay.sweep import cpu_count

        check_name("--state-machine-name", state_machine_name)
        check_handlers(handlers)
        check_directory(s3_root, "--s3-root")
        if expr is not None:
            if property != "output-matches":
                raise UsageError(f"unexpected argument {expr!r} (EXPR goes with output-matches)")
            if expression is not None:
                raise UsageError("give the expression once: EXPR or --expression")
            expression = expr
        if ray is not None and workers is not None:
            raise UsageError("--workers and --ray do not go together")
        if (mock_config is None) != (test_case is None):
            raise UsageError("--mock-config and --test-case go together")
        text = read_text(definition, "definition")
        input_value = read_json_arg(input, "--input") if input is not None else {}
        check_input_size(input_value)
        started = time.perf_counter()
        result = _explore(
            api,
            db_path(db),
            text,
            input_value,
            state_machine_name=state_machine_name or default_state_machine_name(definition),
            mocks=read_json_arg(str(mock_config), "--mock-config") if mock_config else None,
            test_case=test_case,
            handlers_file=handlers,
            s3_root=s3_root,
            property=property,
            expression=expression,
            max_faults=max_faults,
            schedules=schedules,
            budget=budget,
            workers=1 if ray is not None else workers or cpu_count(),
            ray=ray,
            keep_passing=keep_passing,
            states=state,
            seed=seed,
        )
        if as_json:
            typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
        else:
            for line in format_result(result, time.perf_counter() - started):
                typer.echo(line)
        raise typer.Exit(1 if result["failures"] else 0)


def _explore(api: Any, *args: Any, **kwargs: Any) -> dict:
    """api.explore, with a backend that cannot be used (Ray missing) as bad input."""
    from replay.sweep import SweepError

    try:
        return api.explore(*args, **kwargs)
    except SweepError as exc:
        from tui.inputs import UsageError

        raise UsageError(str(exc)) from None


def format_result(result: dict, seconds: float) -> list[str]:
    """The table: fault set -> outcome, failing state, error, execution; then a summary."""
    from replay.faults import describe

    rows = [
        (
            " + ".join(describe(rule) for rule in failure["faults"]) or "(no fault)",
            failure["status"],
            failure["state"] or "-",
            failure["error"] or failure["violation"] or "-",
            failure["execution"],
        )
        for failure in result["failures"]
    ]
    lines = []
    if rows:
        header = ("FAULTS", "OUTCOME", "STATE", "ERROR", "EXECUTION")
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
        for row in [header, *rows]:
            lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths)) + "  " + row[4])
    what = result["property"] + (f" {result['expression']}" if result.get("expression") else "")
    pruned = result["pruned"]
    search = "" if result["complete"] else ", sampled within the budget"
    lines.append(
        f"{result['runs']} runs of {result['exhaustive']} exhaustive{search} "
        f"(pruned: {pruned['unreached']} unreached, {pruned['containsFailure']} containing a "
        f"failure); {len(rows)} minimal fault sets break {what}; {seconds:.1f} s"
    )
    return lines
