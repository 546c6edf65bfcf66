"""The error names of the States language and the one exception that carries them."""

from __future__ import annotations

ALL = "States.ALL"
TASK_FAILED = "States.TaskFailed"
TIMEOUT = "States.Timeout"
HEARTBEAT_TIMEOUT = "States.HeartbeatTimeout"
RUNTIME = "States.Runtime"
DATA_LIMIT_EXCEEDED = "States.DataLimitExceeded"
BRANCH_FAILED = "States.BranchFailed"
NO_CHOICE_MATCHED = "States.NoChoiceMatched"
INTRINSIC_FAILURE = "States.IntrinsicFailure"
PERMISSIONS = "States.Permissions"
RESULT_PATH_MATCH_FAILURE = "States.ResultPathMatchFailure"
PARAMETER_PATH_FAILURE = "States.ParameterPathFailure"
ITEM_READER_FAILED = "States.ItemReaderFailed"
RESULT_WRITER_FAILED = "States.ResultWriterFailed"
EXCEED_TOLERATED_FAILURE_THRESHOLD = "States.ExceedToleratedFailureThreshold"
QUERY_EVALUATION_ERROR = "States.QueryEvaluationError"

# Errors that `States.ALL` does not catch or retry (AWS: States.Runtime is terminal).
NOT_MATCHED_BY_ALL = frozenset({RUNTIME})


class StatesError(Exception):
    """A failure inside an execution: an error name and an optional cause text."""

    def __init__(self, error: str, cause: str | None = None) -> None:
        super().__init__(f"{error}: {cause}" if cause else error)
        self.error = error
        self.cause = cause


def evaluation_error(cause: str, location: str | None = None) -> StatesError:
    """A States.QueryEvaluationError; `location` names the field for EvaluationFailed."""
    error = StatesError(QUERY_EVALUATION_ERROR, cause)
    if location is not None:
        error.location = location  # type: ignore[attr-defined]
    return error


class PathNotFound(Exception):
    """A JSONPath selected nothing; the caller turns it into AWS's message for its field.
    `detail` is Jayway's own message when it is not "No results for path" (a name missing
    before the last step)."""

    def __init__(self, path: str, detail: str | None = None) -> None:
        super().__init__(path)
        self.path = path
        self.detail = detail
