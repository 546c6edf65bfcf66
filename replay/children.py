"""Child executions (of a Distributed Map, or started by a `states:startExecution` Task): each
records its own history, handed to the runner step by step and written to a stream of its own."""

from __future__ import annotations

from typing import Any

from replay.record import execution_record
from replay.recorder import Recorder


class ChildExecution(Recorder):
    """An execution started by a Distributed Map or a Task: its events form a history of
    their own. `setup`: more fields of its index record (a nested child's definition)."""

    __slots__ = (
        "arn",
        "name",
        "state_machine_arn",
        "map_run_arn",
        "parent_arn",
        "context",
        "start",
        "status",
        "stop",
        "dirty",
        "born",
        "kept",
        "root",
        "redrives",
        "redrive_micros",
        "setup",
        "closing",
    )

    def __init__(
        self,
        arn: str,
        name: str,
        state_machine_arn: str,
        map_run_arn: str | None,
        parent_arn: str,
        context: dict,
        start: int,
        dirty: list,
        born: int,
        setup: dict | None = None,
    ) -> None:
        super().__init__()
        self.setup = setup or {}
        self.closing = False  # it ends (timed out): its states record no aborts
        self.born = born  # the parent's last event id when this child was started
        self.arn, self.name, self.state_machine_arn = arn, name, state_machine_arn
        self.map_run_arn, self.parent_arn, self.context = map_run_arn, parent_arn, context
        self.start, self.status, self.stop = start, "RUNNING", None
        self.dirty = dirty  # the engine's list of children with pending events
        # what it handed out, kept when the execution is to be redriven (a redrive of its Map
        # Run reads it): see `keep`
        self.kept: list[dict] | None = None
        self.redrives, self.redrive_micros = 0, None
        self.root: str | None = None  # the label of its root frame in the parent's engine

    def take(self) -> list[dict]:
        events = super().take()
        if self.kept is not None:
            self.kept.extend(events)
        return events

    def history(self) -> list[dict]:
        """Every event it recorded (kept only while its execution has a redrive to come)."""
        return (self.kept or []) + self.pending

    def record(
        self,
        frame: Any,
        event_type: str,
        details: dict | None,
        now: int,
        previous: int | None,
        extra: dict | None,
    ) -> int:
        if not self.pending:
            self.dirty.append(self)
        if self.root is not None and frame.label != self.root:  # a branch or iteration in it
            extra = {"frame": frame.label[len(self.root) + 1 :], **(extra or {})}
        return super().record(frame, event_type, details, now, previous, extra)

    def doc(self) -> dict:
        """The executions-index record of the child."""
        return execution_record(
            arn=self.arn,
            name=self.name,
            state_machine_arn=self.state_machine_arn,
            state_machine_name=self.state_machine_arn.rsplit(":", 1)[1],
            status=self.status,
            start=self.start,
            stop=self.stop,
            events=self.last_id,
            seed=0,
            redrive_count=self.redrives,
            redrive_micros=self.redrive_micros,
            mapRunArn=self.map_run_arn,
            parentExecution=self.parent_arn,
            **self.setup,
        )


def record_end(engine: Any, frame: Any, outcome: Any, output_text: str | None) -> None:
    """A child execution's last event and its record's end: ExecutionSucceeded with
    `output_text`, or (None) ExecutionFailed with the outcome's error and cause."""
    sink = frame.sink
    if output_text is not None:
        sink.status = "SUCCEEDED"
        details = {"output": output_text, "outputDetails": {"truncated": False}}
        engine.emit(frame, "ExecutionSucceeded", details)
    else:
        sink.status = "FAILED"
        reasons = (("error", outcome.error), ("cause", outcome.cause))
        engine.emit(frame, "ExecutionFailed", {k: v for k, v in reasons if v is not None})
    sink.stop = engine.now


class ChildOutbox:
    """Child executions with events not yet handed to the runner."""

    __slots__ = ("dirty", "born")

    def __init__(self) -> None:
        self.dirty: list[ChildExecution] = []  # each child appends itself when it records
        self.born: dict[str, int] = {}  # each child's `born`, once it has handed out events

    def take(self) -> dict[str, tuple[list[dict], dict]]:
        """Events of child executions recorded since the last call, with their index docs."""
        out = {child.arn: (child.take(), child.doc()) for child in self.dirty}
        self.born.update((child.arn, child.born) for child in self.dirty)
        self.dirty.clear()  # the children hold this very list
        return out
