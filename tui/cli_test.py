"""`sfn-replay test`: run scenario files as tests (the logic is `replay.scenarios`)."""

from pathlib import Path
from typing import Annotated, Optional

import typer


def register(app: typer.Typer) -> None:
    from tui.cli import guarded

    @app.command(name="test")
    @guarded
    def test(
        paths: Annotated[
            Optional[list[Path]],
            typer.Argument(
                metavar="PATH",
                help="scenario.json files, folders searched for them, or FILE::CASE for one case "
                "(default: scenarios).",
                show_default=False,
            ),
        ] = None,
        junit: Annotated[
            Optional[Path], typer.Option("--junit", metavar="FILE", help="Write JUnit XML here.")
        ] = None,
        db: Annotated[
            Optional[Path],
            typer.Option(
                "--db", help="Run in this db and keep the executions (default: a temporary one)."
            ),
        ] = None,
    ):
        """Run scenario cases and check what each execution did; exit 1 when one fails."""
        run_scenarios(paths or [Path("scenarios")], junit, db)


def run_scenarios(paths: list[Path], junit: Path | None, db: Path | None) -> None:
    import time

    from replay.scenarios import ScenarioError, load_all, run_cases
    from replay.scenarios.report import case_lines, junit_xml, summary
    from tui.inputs import UsageError

    started = time.perf_counter()
    if db is not None and db.exists() and not db.is_dir():
        raise UsageError(f"--db {db}: it is a file, not a directory")
    if junit is not None and not junit.parent.is_dir():
        raise UsageError(f"--junit {junit}: no folder {str(junit.parent)!r} to write it in")
    try:
        cases = load_all(paths)
    except ScenarioError as exc:
        raise UsageError(str(exc)) from None

    def show(result) -> None:
        for line in case_lines(result, str(db) if db is not None else None):
            typer.echo(line)

    results = run_cases(cases, db, on_result=show)
    seconds = time.perf_counter() - started
    typer.echo(summary(results, seconds))
    if junit is not None:
        try:
            junit.write_text(junit_xml(results, seconds), encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--junit {junit}: cannot write: {exc.strerror or exc}") from None
    errors = sum(result.error is not None for result in results)
    if errors:
        raise UsageError(f"{errors} case(s) could not run (see above)")
    if not all(result.passed for result in results):
        if db is None:
            typer.echo("(give --db DIR to keep the executions for history, state and tui)")
        raise typer.Exit(1)
