"""Branching: what changes once a re-run of the parent reaches the fork point."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from replay.asl.model import Machine

NO_OVERRIDE = object()


@dataclass
class Fork:
    """What changes once event `at` has been emitted (a branch continuing from event N)."""

    at: int
    world: Any = None  # the World that answers from then on
    machine: Machine | None = None
    seed: int | None = None
    input_override: Any = NO_OVERRIDE
    info: Any = None  # the branch's ExecutionInfo


def machine_paths(root: Machine) -> dict[tuple, Machine]:
    """Every (nested) machine of a definition by its place: state names and branch indexes."""
    out: dict[tuple, Machine] = {(): root}

    def walk(machine: Machine, path: tuple) -> None:
        for name, state in machine.states.items():
            for index, branch in enumerate(getattr(state, "branches", ())):
                out[path + (name, index)] = branch
                walk(branch, path + (name, index))
            processor = getattr(state, "processor", None)
            if processor is not None:
                out[path + (name, "ItemProcessor")] = processor
                walk(processor, path + (name, "ItemProcessor"))

    walk(root, ())
    return out


class ForkedDefinition:
    """The definition and input a run goes on with after the fork: a new definition's twin of
    each machine, and the override of the next state's input."""

    __slots__ = ("_replaced", "_pending_input")

    def __init__(self) -> None:
        self._replaced: dict[int, Machine] = {}
        self._pending_input: Any = NO_OVERRIDE

    def apply(self, fork: Fork, machine: Machine) -> None:
        self._pending_input = fork.input_override
        if fork.machine is not None:
            new = machine_paths(fork.machine)
            self._replaced = {
                id(old): new[path] for path, old in machine_paths(machine).items() if path in new
            }

    def current(self, machine: Machine) -> Machine:
        """The machine to read states from: after a fork with a new definition, its twin."""
        if self._replaced:
            return self._replaced.get(id(machine), machine)
        return machine

    def entering_input(self, raw_input: Any) -> Any:
        """The input of a state being entered: a branch's override replaces the first one."""
        if self._pending_input is NO_OVERRIDE:
            return raw_input
        override, self._pending_input = self._pending_input, NO_OVERRIDE
        return override
