"""The Context object (`$$`, `$states.context`) a state sees: its execution, state machine and
state (name, entered time, retry count)."""

from __future__ import annotations

from typing import Any

from replay.clock import iso_context
from replay.express import is_express


class ContextObjects:
    """The parts of the Context object shared by every state of one execution."""

    __slots__ = ("execution", "state_machine")

    def __init__(self, info: Any) -> None:
        self.execution = {
            "Id": info.execution_arn,
            "Input": info.input,
            "StartTime": iso_context(info.start_micros),
            "Name": info.name,
            "RoleArn": info.role_arn,
            "RedriveCount": 0,
        }
        if is_express(info.execution_arn):  # Express executions cannot be redriven
            del self.execution["RedriveCount"]
        self.state_machine = {"Id": info.state_machine_arn, "Name": info.state_machine_name}

    def rename(self, info: Any) -> None:
        """A branch goes on under its own execution ARN and name."""
        self.execution = dict(self.execution, Id=info.execution_arn, Name=info.name)

    def for_state(
        self, state_name: str, entered: int, retry_count: int | None = None, frame: Any = None
    ) -> dict:
        """The Context object of a state entered at `entered` (virtual micros); a frame of a
        Distributed Map child execution sees its child execution instead."""
        state: dict = {"Name": state_name, "EnteredTime": iso_context(entered)}
        if retry_count is not None:
            state["RetryCount"] = retry_count
        if frame is not None and frame.sink is not None:
            return dict(frame.sink.context, State=state)
        return {"Execution": self.execution, "StateMachine": self.state_machine, "State": state}
