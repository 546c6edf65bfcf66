"""Errors as Step Functions returns them: HTTP 400 and `{"__type": CODE, "message": TEXT}`,
which botocore turns into `client.exceptions.CODE`."""

from __future__ import annotations


class ApiError(Exception):
    """An error answer: its AWS error code, message and HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status

    def body(self) -> dict:
        return {"__type": self.code, "message": self.message}


def validation(message: str) -> ApiError:
    return ApiError("ValidationException", message)


def enum_error(value: object, member: str, allowed: tuple[str, ...]) -> ApiError:
    """AWS's ValidationException for a value outside an enumeration (`allowed` in the order
    AWS lists it)."""
    return validation(
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
        f"constraint: Member must satisfy enum value set: [{', '.join(allowed)}]"
    )


def from_exception(exc: Exception) -> ApiError:
    """The AWS error of an exception of the Python API (one that means bad input)."""
    from replay import api
    from replay.callbacks import TaskDoesNotExist
    from replay.definition import InvalidDefinition
    from replay.test_state import TestStateError

    message = str(exc)
    if isinstance(exc, api.ExecutionNotFound):
        return ApiError("ExecutionDoesNotExist", message)
    if isinstance(exc, TaskDoesNotExist):
        return ApiError("TaskDoesNotExist", message.removeprefix("TaskDoesNotExist: "))
    if message.startswith("ActivityDoesNotExist: "):
        return ApiError("ActivityDoesNotExist", message.removeprefix("ActivityDoesNotExist: "))
    if message.startswith("invalid activity ARN "):
        return ApiError("InvalidArn", message)
    if isinstance(exc, InvalidDefinition):
        return ApiError("InvalidDefinition", message)
    if isinstance(exc, api.RedriveError):
        return ApiError("ExecutionNotRedrivable", message)
    if isinstance(exc, TestStateError):
        return ApiError(exc.code, exc.message)
    if message.startswith("ExecutionAlreadyExists: "):
        return ApiError("ExecutionAlreadyExists", message.removeprefix("ExecutionAlreadyExists: "))
    if message.startswith("invalid ") and " name " in message:
        return ApiError("InvalidName", message)
    return validation(message)
