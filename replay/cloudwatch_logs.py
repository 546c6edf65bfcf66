"""An execution's history as the log events Step Functions sends to CloudWatch Logs (pure).

Express workflows keep no history on AWS: these log events are all there is of them. Each is a
JSON object with `id`, `type`, `details` (the event's `...EventDetails` member),
`previous_event_id`, `event_timestamp` (milliseconds since the epoch), `execution_arn` and
`redrive_count`, every number as text. The log level picks the events (AWS's
`loggingConfiguration.level`); without `includeExecutionData` the details lose the execution's
data (input, output, parameters and their `...Details`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

LEVELS = ("ALL", "ERROR", "FATAL", "OFF")

# AWS's table of the history event types each level logs (ALL: every one, OFF: none).
FATAL_TYPES = frozenset({"ExecutionAborted", "ExecutionFailed", "ExecutionTimedOut"})
ERROR_TYPES = FATAL_TYPES | {
    "FailStateEntered",
    "LambdaFunctionFailed",
    "LambdaFunctionScheduleFailed",
    "LambdaFunctionStartFailed",
    "LambdaFunctionTimedOut",
    "MapStateAborted",
    "MapStateFailed",
    "MapIterationAborted",
    "MapIterationFailed",
    "MapRunAborted",
    "MapRunFailed",
    "ParallelStateAborted",
    "ParallelStateFailed",
    "TaskFailed",
    "TaskStartFailed",
    "TaskStateAborted",
    "TaskSubmitFailed",
    "TaskTimedOut",
    "WaitStateAborted",
}
EXECUTION_DATA = frozenset({"input", "inputDetails", "output", "outputDetails", "parameters"})


def check_level(level: str) -> str:
    """`level` upper-cased when it is a log level, else ValueError."""
    upper = level.upper() if isinstance(level, str) else ""
    if upper not in LEVELS:
        raise ValueError(f"the log level must be one of {', '.join(LEVELS)}, not {level!r}")
    return upper


def logged(level: str, event_type: str) -> bool:
    """Whether a log level sends events of this type."""
    if level == "ALL":
        return True
    if level == "ERROR":
        return event_type in ERROR_TYPES
    if level == "FATAL":
        return event_type in FATAL_TYPES
    return False


def log_events(
    events: Iterable[dict],
    execution_arn: str,
    level: str = "ALL",
    include_execution_data: bool = False,
) -> Iterator[dict]:
    """The log events of an execution's history (stored or AWS-shaped events, `timestamp` in
    microseconds since the epoch), in order. `redrive_count` counts the ExecutionRedriven
    events up to each one."""
    level = check_level(level)
    redrives = 0
    for event in events:
        if event["type"] == "ExecutionRedriven":
            redrives += 1
        if not logged(level, event["type"]):
            continue
        yield log_event(event, execution_arn, include_execution_data, redrives)


def log_event(event: dict, execution_arn: str, include_data: bool, redrive_count: int) -> dict:
    """One history event as its CloudWatch Logs entry."""
    out: dict = {"id": str(event["id"]), "type": event["type"]}
    for key, value in event.items():
        if key.endswith("EventDetails"):
            out["details"] = (
                dict(value)
                if include_data
                else {k: v for k, v in value.items() if k not in EXECUTION_DATA}
            )
            break
    out["previous_event_id"] = str(event.get("previousEventId") or 0)
    out["event_timestamp"] = str(event["timestamp"] // 1000)
    out["execution_arn"] = execution_arn
    out["redrive_count"] = str(redrive_count)
    return out
