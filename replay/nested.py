"""The child state machines a run knows, for `states:startExecution` Tasks that no mock or
handler answers: by ARN, each with its compiled definition and the blob digest under which the
run records it (`replay.child_machines` builds them at the edge: `--state-machine`, the db's
`stateMachines` registry, what a record used)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from replay.asl.model import Machine

# AWS's rule for the names of state machines and executions
NAME = re.compile(r"^[^\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]{1,80}$")


@dataclass(frozen=True)
class ChildMachine:
    arn: str
    name: str
    machine: Machine
    digest: str  # the blob digest of its definition text, recorded with its child executions
    role_arn: str | None = None  # the registry's role; None: the parent's
    type: str = "STANDARD"  # EXPRESS: its executions are Express ones (`replay.express`)


class Machines(Protocol):
    def get(self, arn: str, execution: str | None = None) -> ChildMachine | None:
        """The state machine an ARN names, or None (StateMachineDoesNotExist); `execution`:
        the child execution a record says the Task started (re-run with what it ran)."""

    def taken(self, arn: str) -> bool:
        """Whether an execution ARN is already used by an execution outside this run."""


class NoMachines:
    """A run that knows no child state machines (every startExecution is refused)."""

    def get(self, arn: str, execution: str | None = None) -> ChildMachine | None:
        return None

    def taken(self, arn: str) -> bool:
        return False


NO_MACHINES = NoMachines()
