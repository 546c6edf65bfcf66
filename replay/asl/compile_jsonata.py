"""Compiling states written in the JSONata query language into the same models as JSONPath
states: only the expressions differ (`{% %}` strings with `$states` bound)."""

from __future__ import annotations

from typing import Any, Callable

from replay.asl import jsonata_io as jio
from replay.asl import model

Evaluator = Callable[..., Any]


def _constant(value: Any) -> Evaluator:
    return lambda env, **states: value


def _field(raw: dict, key: str) -> Evaluator | None:
    return jio.compile_field(raw, key)


def _catchers(raw: dict) -> tuple[model.Catcher, ...]:
    return tuple(
        model.Catcher(
            error_equals=tuple(c["ErrorEquals"]),
            next=c["Next"],
            output=_field(c, "Output"),
            assign=jio.catch_assigner(c),
        )
        for c in raw.get("Catch", ())
    )


def compile_jsonata_state(raw: dict, common: dict, compile_machine) -> model.State:
    """`common` holds the language-neutral fields (name, type, next, end, retry, raw)."""
    common = dict(common, catch=_catchers(raw), assign=jio.assigner(raw))
    kind = raw["Type"]
    if kind == "Pass":
        return model.PassState(io=jio.JsonataIO.from_raw(raw, arguments=False), **common)
    if kind == "Task":
        return model.TaskState(
            io=jio.JsonataIO.from_raw(raw),
            resource=raw["Resource"],
            timeout_seconds=_field(raw, "TimeoutSeconds"),
            heartbeat_seconds=_field(raw, "HeartbeatSeconds"),
            credentials=raw.get("Credentials"),
            **common,
        )
    if kind == "Choice":
        rules = tuple(
            model.ChoiceRule(
                condition=jio.condition(rule),
                next=rule["Next"],
                assign=jio.assigner(rule),
                output=_field(rule, "Output"),
            )
            for rule in raw["Choices"]
        )
        return model.ChoiceState(
            io=jio.JsonataIO.from_raw(raw, arguments=False),
            choices=rules,
            default=raw.get("Default"),
            **common,
        )
    if kind == "Wait":
        return model.WaitState(
            io=jio.JsonataIO.from_raw(raw, arguments=False),
            seconds=_field(raw, "Seconds"),
            timestamp=_field(raw, "Timestamp"),
            **common,
        )
    if kind == "Succeed":
        return model.SucceedState(io=jio.JsonataIO.from_raw(raw, arguments=False), **common)
    if kind == "Fail":
        return model.FailState(
            io=jio.JsonataIO(), error=_field(raw, "Error"), cause=_field(raw, "Cause"), **common
        )
    if kind == "Parallel":
        return model.ParallelState(
            io=jio.JsonataIO.from_raw(raw),
            branches=tuple(compile_machine(b, parent_language="JSONata") for b in raw["Branches"]),
            **common,
        )
    from replay.asl.compile import map_settings

    return model.MapState(
        io=jio.JsonataIO.from_raw(raw, arguments=False),
        items=jio.items(raw) if "Items" in raw else None,
        item_selector=_field(raw, "ItemSelector"),
        max_concurrency=_field(raw, "MaxConcurrency"),
        tolerated_failure_count=_field(raw, "ToleratedFailureCount"),
        tolerated_failure_percentage=_field(raw, "ToleratedFailurePercentage"),
        reader_arguments=_field(raw.get("ItemReader") or {}, "Arguments"),
        batch_input=_field(raw.get("ItemBatcher") or {}, "BatchInput"),
        writer_arguments=_field(raw.get("ResultWriter") or {}, "Arguments"),
        **map_settings(raw, "JSONata"),
        **common,
    )
