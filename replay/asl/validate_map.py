"""Map and Parallel states: their nested state machines and the Map-only fields."""

from __future__ import annotations

from typing import Any

from replay.asl.validate_context import StateView, is_number
from replay.asl.validate_expr import check_path_field, check_template, is_jsonata
from replay.asl.validate_fields import (
    ITEM_BATCHER_FIELDS,
    ITEM_READER_FIELDS,
    PROCESSOR_CONFIG_FIELDS,
    RESULT_WRITER_FIELDS,
)
from replay.asl.validate_report import join, quote
from replay.asl.validate_simple import is_arn

MODES = ("INLINE", "DISTRIBUTED")
EXECUTION_TYPES = ("STANDARD", "EXPRESS")


def check_parallel(view: StateView) -> None:
    if "Branches" not in view.raw:
        view.add(None, 'missing required field "Branches"')
        return
    branches = view.raw["Branches"]
    if not isinstance(branches, list) or not branches:
        view.add(
            "Branches",
            f"Branches must be a non-empty list of state machines, not {quote(branches)}",
        )
        return
    context = view.context
    for index, branch in enumerate(branches):
        context.check_machine(branch, view.at("Branches", index), context, view.language, "branch")


def _processor_config(view: StateView, key: str, processor: dict) -> None:
    if "ProcessorConfig" not in processor:
        return
    config = processor["ProcessorConfig"]
    pointer = view.at(key, "ProcessorConfig")
    report = view.report
    if not isinstance(config, dict):
        report.add(pointer, f"ProcessorConfig must be an object, not {quote(config)}")
        return
    for field in config:
        if field not in PROCESSOR_CONFIG_FIELDS:
            report.add(join(pointer, field), f'field "{field}" is not supported in ProcessorConfig')
    mode = config.get("Mode", "INLINE")
    if mode not in MODES:
        report.add(
            join(pointer, "Mode"), f'Mode must be "INLINE" or "DISTRIBUTED", not {quote(mode)}'
        )
    if "ExecutionType" in config:
        if config["ExecutionType"] not in EXECUTION_TYPES:
            report.add(
                join(pointer, "ExecutionType"),
                'ExecutionType must be "STANDARD" or "EXPRESS", '
                f"not {quote(config['ExecutionType'])}",
            )
    elif mode == "DISTRIBUTED":
        report.add(pointer, 'missing required field "ExecutionType" for DISTRIBUTED mode')


def _processor(view: StateView) -> None:
    found = view.present("ItemProcessor", "Iterator")
    if not found:
        view.add(None, 'missing required field "ItemProcessor"')
        return
    view.exclusive("ItemProcessor", "Iterator")
    key = found[0]
    processor = view.raw[key]
    if isinstance(processor, dict):
        _processor_config(view, key, processor)
    context = view.context
    context.check_machine(processor, view.at(key), context, view.language, "processor")


def _sub_object(view: StateView, key: str, allowed: dict[str, frozenset[str]]) -> dict | None:
    """The object in `key`, its unknown fields reported; None when absent or not an object."""
    if key not in view.raw:
        return None
    value = view.raw[key]
    if not isinstance(value, dict):
        view.add(key, f"{key} must be an object, not {quote(value)}")
        return None
    for field in value:
        if field not in allowed[view.language]:
            view.report.add(view.at(key, field), f'field "{field}" is not supported in {key}')
    return value


def _resource_block(
    view: StateView, key: str, allowed: dict[str, frozenset[str]], required: bool
) -> None:
    """ItemReader / ResultWriter: a Resource ARN, Parameters (JSONPath) and a config object."""
    value = _sub_object(view, key, allowed)
    if value is None:
        return
    if "Resource" not in value:
        if required:
            view.add(key, 'missing required field "Resource"')
    elif not is_arn(value["Resource"]):
        view.report.add(
            view.at(key, "Resource"),
            f"Resource must be an ARN string, not {quote(value['Resource'])}",
        )
    for config in ("ReaderConfig", "WriterConfig"):
        if config in value and not isinstance(value[config], dict):
            view.report.add(
                view.at(key, config), f"{config} must be an object, not {quote(value[config])}"
            )
    if not view.jsonata and "Parameters" in value:
        check_template(value["Parameters"], view.at(key, "Parameters"), view.report)


def _item_batcher(view: StateView) -> None:
    batcher = _sub_object(view, "ItemBatcher", ITEM_BATCHER_FIELDS)
    if batcher is None:
        return
    for key in ("MaxItemsPerBatch", "MaxInputBytesPerBatch"):
        if key + "Path" in batcher and key in batcher:
            view.report.add(
                view.at("ItemBatcher", key + "Path"),
                f'only one of "{key}" and "{key}Path" may be set',
            )
        if not view.jsonata and key + "Path" in batcher:
            check_path_field(
                batcher[key + "Path"], view.at("ItemBatcher", key + "Path"), view.report
            )
    if not view.jsonata and "BatchInput" in batcher:
        check_template(batcher["BatchInput"], view.at("ItemBatcher", "BatchInput"), view.report)


def _tolerance(view: StateView) -> None:
    view.exclusive("MaxConcurrency", "MaxConcurrencyPath")
    view.exclusive("ToleratedFailureCount", "ToleratedFailureCountPath")
    view.exclusive("ToleratedFailurePercentage", "ToleratedFailurePercentagePath")
    view.check_int("MaxConcurrency", 0)
    view.check_int("ToleratedFailureCount", 0)
    if "ToleratedFailurePercentage" in view.raw:
        value: Any = view.raw["ToleratedFailurePercentage"]
        if not (view.jsonata and is_jsonata(value)) and not (
            is_number(value) and 0 <= value <= 100
        ):
            view.add(
                "ToleratedFailurePercentage",
                f"ToleratedFailurePercentage must be a number from 0 to 100, not {quote(value)}",
            )
    if not view.jsonata:
        for key in (
            "MaxConcurrencyPath",
            "ToleratedFailureCountPath",
            "ToleratedFailurePercentagePath",
        ):
            if key in view.raw:
                check_path_field(view.raw[key], view.at(key), view.report)


def check_map(view: StateView) -> None:
    raw = view.raw
    _processor(view)
    _tolerance(view)
    view.check_string("Label")
    if view.jsonata:
        if "Items" in raw and not isinstance(raw["Items"], list) and not is_jsonata(raw["Items"]):
            view.add(
                "Items", f"Items must be a list or a JSONata expression, not {quote(raw['Items'])}"
            )
    else:
        view.exclusive("ItemSelector", "Parameters")
        if "ItemsPath" in raw:
            check_path_field(raw["ItemsPath"], view.at("ItemsPath"), view.report)
        if "ItemSelector" in raw:
            check_template(raw["ItemSelector"], view.at("ItemSelector"), view.report)
    _resource_block(view, "ItemReader", ITEM_READER_FIELDS, required=True)
    _resource_block(view, "ResultWriter", RESULT_WRITER_FIELDS, required=False)
    _item_batcher(view)
