"""Turn a validated definition (parsed JSON) into the immutable, compiled `Machine` model."""

from __future__ import annotations

from typing import Any, Callable

from replay.asl import model
from replay.asl.choice import compile_rule
from replay.asl.env import Env
from replay.asl.jsonpath import compile_path
from replay.asl.jsonpath_io import ABSENT, JsonPathIO, compile_result_field
from replay.asl.payload import compile_expression, compile_template

Evaluator = Callable[..., Any]


def compile_machine(raw: dict, *, parent_language: str = "JSONPath") -> model.Machine:
    language = raw.get("QueryLanguage", parent_language)
    states = {name: compile_state(name, body, language) for name, body in raw["States"].items()}
    return model.Machine(
        start_at=raw["StartAt"],
        states=states,
        query_language=language,
        timeout_seconds=raw.get("TimeoutSeconds"),
        comment=raw.get("Comment"),
    )


def _constant(value: Any) -> Evaluator:
    return lambda env: value


def _number_field(raw: dict, key: str) -> Evaluator | None:
    """`Key` (a literal) or `KeyPath` (a path, raising PathNotFound), as an evaluator."""
    if key in raw:
        return _constant(raw[key])
    if key + "Path" in raw:
        return compile_path(raw[key + "Path"])
    return None


def _retriers(raw: dict) -> tuple[model.Retrier, ...]:
    return tuple(
        model.Retrier(
            error_equals=tuple(r["ErrorEquals"]),
            interval_seconds=r.get("IntervalSeconds", 1),
            max_attempts=r.get("MaxAttempts", 3),
            backoff_rate=r.get("BackoffRate", 2.0),
            max_delay_seconds=r.get("MaxDelaySeconds"),
            jitter=r.get("JitterStrategy", "NONE"),
        )
        for r in raw.get("Retry", ())
    )


def _assign(raw: dict) -> Evaluator | None:
    """Assign as `assign(env, result) -> {name: value}`: in JSONPath, `$` is the result."""
    if "Assign" not in raw:
        return None
    template = compile_template(raw["Assign"])
    return lambda env, result: template(Env(result, env.context, env.variables, env.rng))


def _catchers(raw: dict) -> tuple[model.Catcher, ...]:
    return tuple(
        model.Catcher(
            error_equals=tuple(c["ErrorEquals"]),
            next=c["Next"],
            result_path=compile_result_field(c),
            result_path_text=c.get("ResultPath"),
            assign=_assign(c),
        )
        for c in raw.get("Catch", ())
    )


def compile_state(name: str, raw: dict, language: str) -> model.State:
    language = raw.get("QueryLanguage", language)
    kind = raw["Type"]
    common: dict[str, Any] = dict(
        name=name,
        type=kind,
        next=raw.get("Next"),
        end=bool(raw.get("End", False)),
        retry=_retriers(raw),
        language=language,
        raw=raw,
    )
    if language != "JSONata":
        common.update(catch=_catchers(raw), assign=_assign(raw))
    if language == "JSONata":
        from replay.asl.compile_jsonata import compile_jsonata_state

        return compile_jsonata_state(raw, common, compile_machine)
    build = _BUILDERS[kind]
    return build(raw, common, language)


def _pass(raw: dict, common: dict, language: str) -> model.State:
    return model.PassState(
        io=JsonPathIO.from_raw(raw),
        result=raw.get("Result"),
        has_result="Result" in raw,
        **common,
    )


def _task(raw: dict, common: dict, language: str) -> model.State:
    return model.TaskState(
        io=JsonPathIO.from_raw(raw),
        resource=raw["Resource"],
        timeout_seconds=_number_field(raw, "TimeoutSeconds"),
        heartbeat_seconds=_number_field(raw, "HeartbeatSeconds"),
        credentials=raw.get("Credentials"),
        **common,
    )


def _choice(raw: dict, common: dict, language: str) -> model.State:
    rules = tuple(
        model.ChoiceRule(
            condition=compile_rule(rule, compile_path), next=rule["Next"], assign=_assign(rule)
        )
        for rule in raw["Choices"]
    )
    return model.ChoiceState(
        io=JsonPathIO.from_raw(raw, parameters_field=None),
        choices=rules,
        default=raw.get("Default"),
        **common,
    )


def _wait(raw: dict, common: dict, language: str) -> model.State:
    seconds = timestamp = None
    seconds_field, timestamp_field = "Seconds", "Timestamp"
    if "Seconds" in raw:
        seconds = _constant(raw["Seconds"])
    elif "SecondsPath" in raw:
        seconds, seconds_field = compile_path(raw["SecondsPath"]), "SecondsPath"
    if "Timestamp" in raw:
        timestamp = _constant(raw["Timestamp"])
    elif "TimestampPath" in raw:
        timestamp, timestamp_field = compile_path(raw["TimestampPath"]), "TimestampPath"
    return model.WaitState(
        io=JsonPathIO.from_raw(raw, parameters_field=None),
        seconds=seconds,
        timestamp=timestamp,
        seconds_field=seconds_field,
        timestamp_field=timestamp_field,
        **common,
    )


def _succeed(raw: dict, common: dict, language: str) -> model.State:
    return model.SucceedState(io=JsonPathIO.from_raw(raw, parameters_field=None), **common)


def _fail(raw: dict, common: dict, language: str) -> model.State:
    def field(key: str) -> Evaluator | None:
        if key in raw:
            return _constant(raw[key])
        if key + "Path" in raw:
            return compile_expression(raw[key + "Path"], key + "Path")
        return None

    return model.FailState(io=JsonPathIO(), error=field("Error"), cause=field("Cause"), **common)


def _parallel(raw: dict, common: dict, language: str) -> model.State:
    return model.ParallelState(
        io=JsonPathIO.from_raw(raw),
        branches=tuple(compile_machine(b, parent_language=language) for b in raw["Branches"]),
        **common,
    )


def _map(raw: dict, common: dict, language: str) -> model.State:
    selector = raw.get("ItemSelector", raw.get("Parameters", ABSENT))
    return model.MapState(
        io=JsonPathIO.from_raw(raw, parameters_field=None),
        items=compile_expression(raw["ItemsPath"], "ItemsPath") if "ItemsPath" in raw else None,
        item_selector=compile_template(selector) if selector is not ABSENT else None,
        max_concurrency=_number_field(raw, "MaxConcurrency"),
        tolerated_failure_count=_number_field(raw, "ToleratedFailureCount"),
        tolerated_failure_percentage=_number_field(raw, "ToleratedFailurePercentage"),
        reader_arguments=_template_of(raw.get("ItemReader"), "Parameters"),
        batch_input=_template_of(raw.get("ItemBatcher"), "BatchInput"),
        writer_arguments=_template_of(raw.get("ResultWriter"), "Parameters"),
        **map_settings(raw, language),
        **common,
    )


def map_settings(raw: dict, language: str) -> dict[str, Any]:
    """The Map fields both query languages read the same way."""
    processor_raw = raw.get("ItemProcessor") or raw.get("Iterator")
    config = processor_raw.get("ProcessorConfig", {})
    return dict(
        processor=compile_machine(processor_raw, parent_language=language),
        mode=config.get("Mode", "INLINE"),
        execution_type=config.get("ExecutionType", "STANDARD"),
        label=raw.get("Label"),
        item_reader=raw.get("ItemReader"),
        item_batcher=raw.get("ItemBatcher"),
        result_writer=raw.get("ResultWriter"),
    )


def _template_of(section: dict | None, key: str) -> Evaluator | None:
    if not section or key not in section:
        return None
    return compile_template(section[key])


_BUILDERS = {
    "Pass": _pass,
    "Task": _task,
    "Choice": _choice,
    "Wait": _wait,
    "Succeed": _succeed,
    "Fail": _fail,
    "Parallel": _parallel,
    "Map": _map,
}
