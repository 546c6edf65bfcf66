"""`sfn-replay map-runs EXECUTION`: the Map Runs of an execution's Distributed Map states as
DescribeMapRun tells them (settings, status, item and execution counts), without `serve`."""

import json
from typing import Annotated, Any

import typer

HEADER = ("MAP RUN", "STATUS", "MAX CONCURRENCY", "TOLERATED", "ITEMS OK/FAILED/TOTAL")


def register(app: typer.Typer) -> None:
    from tui.cli import DbOption, db_path, guarded

    @app.command(name="map-runs")
    @guarded
    def map_runs(
        execution: Annotated[str, typer.Argument(help="Execution name or ARN.")],
        db: DbOption = None,
        as_json: Annotated[
            bool, typer.Option("--json", help="Print DescribeMapRun objects as JSON.")
        ] = False,
    ):
        """The Map Runs an execution started, in the order they started, as DescribeMapRun
        tells them (settings given by a path or JSONata: the values the execution used)."""
        from replay import api

        found = [
            aws_shape(api.describe_map_run(db_path(db), run["arn"]))
            for run in api.list_map_runs(db_path(db), execution)
        ]
        if as_json:
            typer.echo(json.dumps(found, indent=2, ensure_ascii=False))
            return
        for line in format_rows(found):
            typer.echo(line)


def aws_shape(described: dict) -> dict:
    """api.describe_map_run's record with AWS's date members (ISO 8601) for its times."""
    from replay.clock import iso_aws

    out = {k: v for k, v in described.items() if k not in ("start", "stop", "redriveMicros")}
    dates = {"startDate": "start", "stopDate": "stop", "redriveDate": "redriveMicros"}
    for member, key in dates.items():
        if described.get(key) is not None:
            out[member] = iso_aws(described[key])
    return out


def format_rows(found: list[dict]) -> list[str]:
    """One row per Map Run under a header; a line saying there is none."""
    if not found:
        return ["(no Map Runs)"]
    rows = [HEADER] + [_row(run) for run in found]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER) - 1)]
    return ["  ".join([*(c.ljust(w) for c, w in zip(row, widths)), row[-1]]) for row in rows]


def _row(run: dict[str, Any]) -> tuple[str, ...]:
    items = run["itemCounts"]
    tolerated = f"{run['toleratedFailureCount']} / {run['toleratedFailurePercentage']:g}%"
    counts = f"{items['succeeded']}/{items['failed'] + items['timedOut'] + items['aborted']}"
    return (
        run["mapRunArn"],
        run["status"],
        str(run["maxConcurrency"]),
        tolerated,
        f"{counts}/{items['total']}",
    )
