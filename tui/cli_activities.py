"""`create-activity`, `list-activities`, `delete-activity`, `get-activity-task`: the db's
activities and the worker's side of them (the worker answers with `send-task-*`)."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer

from tui.cli import DbOption, api, db_path, guarded
from tui.inputs import check_account, check_region

ArnArgument = Annotated[str, typer.Argument(help="The activity's ARN.")]


def register(app: typer.Typer) -> None:
    @app.command(name="create-activity")
    @guarded
    def create_activity(
        name: Annotated[str, typer.Argument(help="The activity's name (1-80 characters).")],
        account: Annotated[
            str, typer.Option("--account", help="AWS account id in the ARN (12 digits).")
        ] = "123456789012",
        region: Annotated[
            str, typer.Option("--region", help="AWS region in the ARN.")
        ] = "us-east-1",
        db: DbOption = None,
    ):
        """Create an activity (one of that name that exists is kept, as AWS does); prints its
        ARN."""
        check_account(account)
        check_region(region)
        record = api.create_activity(db_path(db), name, account=account, region=region)
        typer.echo(record["activityArn"])

    @app.command(name="list-activities")
    @guarded
    def list_activities(
        as_json: Annotated[bool, typer.Option("--json", help="Print the records as JSON.")] = False,
        db: DbOption = None,
    ):
        """List the db's activities: ARN and creation date."""
        records = api.list_activities(db_path(db))
        if as_json:
            typer.echo(json.dumps(records, indent=2, ensure_ascii=False))
        elif not records:
            typer.echo("no activities")
        for record in [] if as_json else records:
            typer.echo(f"{record['activityArn']}  {record['creationDate']}")

    @app.command(name="delete-activity")
    @guarded
    def delete_activity(arn: ArnArgument, db: DbOption = None):
        """Delete an activity (executions started before go on waiting for a worker)."""
        if not api.delete_activity(db_path(db), arn):
            typer.echo(f"sfn-replay: no activity {arn} in the db (nothing to delete)", err=True)

    @app.command(name="get-activity-task")
    @guarded
    def get_activity_task(
        arn: ArnArgument,
        worker_name: Annotated[
            Optional[str],
            typer.Option("--worker-name", help="The worker's name, recorded in ActivityStarted."),
        ] = None,
        at: Annotated[
            Optional[str],
            typer.Option(
                "--at",
                help="Virtual time the worker takes the task (ISO 8601 with an offset); "
                "default: the time its execution waits at.",
            ),
        ] = None,
        db: DbOption = None,
    ):
        """Take the oldest task of the activity that waits for a worker: prints
        {"taskToken", "input"} (AWS's GetActivityTask output), or {} at once when none
        waits (AWS would long-poll). Answer it with send-task-success/failure/heartbeat."""
        task = api.get_activity_task(db_path(db), arn, worker_name=worker_name, at=at)
        typer.echo(json.dumps(task, ensure_ascii=False))
