"""Operations by name (`X-Amz-Target: AWSStepFunctions.<Operation>`) and the one entry point
that answers a request: (HTTP status, JSON body)."""

from __future__ import annotations

from collections.abc import Callable

from replay.endpoint import (
    activities,
    executions,
    machines,
    map_runs,
    tasks,
    test_state,
    versions,
)
from replay.endpoint.context import Caller, Server
from replay.endpoint.errors import ApiError, from_exception

Operation = Callable[[Server, Caller, dict], dict]
TARGET_PREFIX = "AWSStepFunctions."

OPERATIONS: dict[str, Operation] = {
    "CreateStateMachine": machines.create,
    "DescribeStateMachine": machines.describe,
    "ListStateMachines": machines.list_,
    "UpdateStateMachine": machines.update,
    "DeleteStateMachine": machines.delete,
    "ValidateStateMachineDefinition": machines.validate,
    "TagResource": machines.tag,
    "UntagResource": machines.untag,
    "ListTagsForResource": machines.list_tags,
    "StartExecution": executions.start,
    "StartSyncExecution": executions.start_sync,
    "DescribeExecution": executions.describe,
    "DescribeStateMachineForExecution": executions.describe_machine_for,
    "GetExecutionHistory": executions.history,
    "ListExecutions": executions.list_,
    "StopExecution": executions.stop,
    "RedriveExecution": executions.redrive,
    "DescribeMapRun": map_runs.describe,
    "ListMapRuns": map_runs.list_,
    "UpdateMapRun": map_runs.update,
    "SendTaskSuccess": tasks.success,
    "SendTaskFailure": tasks.failure,
    "SendTaskHeartbeat": tasks.heartbeat,
    "TestState": test_state.test_state,
    "CreateActivity": activities.create,
    "DescribeActivity": activities.describe,
    "ListActivities": activities.list_,
    "DeleteActivity": activities.delete,
    "GetActivityTask": activities.get_task,
    "PublishStateMachineVersion": versions.publish,
    "ListStateMachineVersions": versions.list_versions,
    "DeleteStateMachineVersion": versions.delete_version,
    "CreateStateMachineAlias": versions.create_alias,
    "DescribeStateMachineAlias": versions.describe_alias,
    "ListStateMachineAliases": versions.list_aliases,
    "UpdateStateMachineAlias": versions.update_alias,
    "DeleteStateMachineAlias": versions.delete_alias,
}
LONG_POLL = TARGET_PREFIX + "GetActivityTask"  # answered `{}` at once: the app polls again


def operation(target: str | None) -> Operation:
    """The operation a target names, or UnknownOperationException (also for the operations of
    Step Functions not implemented here)."""
    name = (target or "").removeprefix(TARGET_PREFIX)
    if not target or not target.startswith(TARGET_PREFIX) or name not in OPERATIONS:
        raise ApiError(
            "UnknownOperationException",
            f"sfn-replay does not implement operation {name or target!r}",
        )
    return OPERATIONS[name]


def handle(server: Server, caller: Caller, target: str | None, body: object) -> tuple[int, dict]:
    """Answer one request: (200, output) or (400, the AWS error)."""
    from replay import api
    from store import StoreError

    try:
        op = operation(target)
        if not isinstance(body, dict):
            raise ApiError("SerializationException", "the request body must be a JSON object")
        return 200, op(server, caller, body)
    except ApiError as exc:
        return exc.status, exc.body()
    except StoreError as exc:
        return 500, {"__type": "InternalFailure", "message": str(exc)}
    except api.EXPECTED_ERRORS as exc:
        error = from_exception(exc)
        return error.status, error.body()
