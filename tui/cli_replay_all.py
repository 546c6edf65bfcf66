"""`sfn-replay replay-all`: replay many executions against a changed definition, one row each;
exit 1 when any diverges (the regression check before deploying a change)."""

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from tui.ray_option import OptionalRayAddress

HEADER = ("EXECUTION", "STATUS", "RESULT")


def register(app: typer.Typer) -> None:
    from tui.cli import DbOption, guarded

    @app.command(name="replay-all", cls=OptionalRayAddress)
    @guarded
    def replay_all(
        definition: Annotated[
            Path, typer.Option("--definition", help="The changed definition to replay them with.")
        ],
        executions: Annotated[
            Optional[list[str]],
            typer.Argument(
                metavar="EXECUTION",
                help="Executions (names or ARNs) to replay; an existing FILE.json is read as "
                "--history FILE.json.",
            ),
        ] = None,
        all_: Annotated[
            bool,
            typer.Option(
                "--all",
                help="Every execution of the state machine (--state-machine-name; default as "
                "for run, from the definition's file name, else the db's only state machine).",
            ),
        ] = False,
        history: Annotated[
            Optional[list[Path]],
            typer.Option(
                "--history",
                metavar="HISTORY.json",
                help="A history as export or history --format aws write it (repeatable).",
            ),
        ] = None,
        state_machine_name: Annotated[
            Optional[str],
            typer.Option("--state-machine-name", help="The state machine --all replays."),
        ] = None,
        workers: Annotated[
            Optional[int],
            typer.Option(
                "--workers",
                help="Local worker processes (default: the cores this process may use).",
            ),
        ] = None,
        ray: Annotated[
            Optional[str],
            typer.Option(
                "--ray",
                metavar="[ADDRESS]",
                help="Run on Ray: a local cluster (--ray alone), or the one at ADDRESS.",
            ),
        ] = None,
        db: DbOption = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the rows as JSON.")] = False,
    ):
        """Replay recorded or imported executions against a changed definition: one row each,
        `identical` or the first divergent event; exit 1 when any diverges."""
        rows = _rows(executions, definition, all_, history, state_machine_name, workers, ray, db)
        if as_json:
            diverged = sum(not row["identical"] for row in rows)
            shown = {"diverged": diverged, "results": rows}
            typer.echo(json.dumps(shown, indent=2, ensure_ascii=False))
        else:
            for line in format_rows(rows):
                typer.echo(line)
        raise typer.Exit(1 if any(not row["identical"] for row in rows) else 0)


def _rows(executions, definition, all_, history, state_machine_name, workers, ray, db):
    from tui.cli import api, db_path
    from tui.inputs import UsageError, default_state_machine_name, read_json_file, read_text

    files = [Path(name) for name in executions or () if name.endswith(".json")]
    files = [path for path in files if path.is_file()]  # the issue's `replay-all ... H.json`
    history = [*files, *(history or ())]
    executions = [name for name in executions or () if Path(name) not in files]
    if all_ and executions:
        raise UsageError("give EXECUTION names or --all, not both")
    if not (all_ or executions or history):
        raise UsageError("give EXECUTION names, --all or --history FILE")
    if workers is not None and workers < 1:
        raise UsageError(f"--workers must be at least 1, not {workers}")
    text = read_text(definition, "--definition")
    pages = [(str(path), [read_json_file(path, "--history")]) for path in history or ()]
    from replay.sweep import SweepError

    try:
        return api.replay_all(
            db_path(db),
            text,
            None if all_ else list(executions or ()),
            pages,
            state_machine_name=state_machine_name or default_state_machine_name(definition),
            workers=workers,
            ray=ray,
        )
    except SweepError as exc:
        raise UsageError(str(exc)) from None


def format_rows(rows: list[dict]) -> list[str]:
    """The table: one row per execution, then a count."""
    table = [HEADER] + [(_name(row), row["status"], _result(row)) for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(2)]
    lines = [f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c}".rstrip() for a, b, c in table]
    diverged = sum(not row["identical"] for row in rows)
    noun = "execution" if len(rows) == 1 else "executions"
    lines.append(f"{len(rows)} {noun}: {len(rows) - diverged} identical, {diverged} diverged")
    return lines


def _name(row: dict) -> str:
    return row["history"] or row["execution"]


def _result(row: dict) -> str:
    notes = []
    if row["parent"]:
        notes.append(f"branch of {row['parent']} at event {row['forkAt']}")
    if not row["complete"]:
        notes.append("as far as it is recorded")
    if row["definitionChanged"] is False:
        notes.append("same definition")
    if row["identical"]:
        result = "identical"
    else:
        result = f"event {row['event']}: {_what(row['divergence'])}"
        if row["inSharedPrefix"]:
            notes.append(f"in the prefix shared with {row['parent']}")
    return result + (f"  ({'; '.join(notes)})" if notes else "")


def _what(divergence: dict) -> str:
    """What differs at the divergent event, in a few words."""
    from tui.commands import _change

    if divergence["reason"]:
        return divergence["reason"]
    changes = divergence["changes"]
    more = f" (+{len(changes) - 1} more)" if len(changes) > 1 else ""
    return _change(changes[0]) + more
