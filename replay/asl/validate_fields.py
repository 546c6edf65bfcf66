"""Which fields each state type allows, by query language (AWS's state field tables)."""

from __future__ import annotations

JSONPATH = "JSONPath"
JSONATA = "JSONata"
QUERY_LANGUAGES = (JSONPATH, JSONATA)

STATE_TYPES = ("Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map")

MACHINE_FIELDS = frozenset(
    {"Comment", "StartAt", "States", "TimeoutSeconds", "Version", "QueryLanguage"}
)
BRANCH_FIELDS = frozenset({"Comment", "StartAt", "States", "QueryLanguage"})
PROCESSOR_FIELDS = BRANCH_FIELDS | {"ProcessorConfig"}

_COMMON = frozenset({"Type", "Comment", "QueryLanguage"})
_IO_PATHS = frozenset({"InputPath", "OutputPath"})
_RESULT = frozenset({"Parameters", "ResultSelector", "ResultPath"})
_ERRORS = frozenset({"Retry", "Catch"})
_FLOW = frozenset({"Next", "End"})

# Fields by state type, before the query-language filter below.
_BY_TYPE: dict[str, frozenset[str]] = {
    "Pass": _FLOW | _IO_PATHS | {"Parameters", "ResultPath", "Result", "Output", "Assign"},
    "Task": _FLOW
    | _IO_PATHS
    | _RESULT
    | _ERRORS
    | {
        "Resource",
        "Arguments",
        "Output",
        "Assign",
        "Credentials",
        "TimeoutSeconds",
        "TimeoutSecondsPath",
        "HeartbeatSeconds",
        "HeartbeatSecondsPath",
    },
    "Choice": _IO_PATHS | {"Choices", "Default", "Output", "Assign"},
    "Wait": _FLOW
    | _IO_PATHS
    | {
        "Seconds",
        "SecondsPath",
        "Timestamp",
        "TimestampPath",
        "Output",
        "Assign",
    },
    "Succeed": _IO_PATHS | {"Output"},
    "Fail": frozenset({"Error", "ErrorPath", "Cause", "CausePath"}),
    "Parallel": _FLOW
    | _IO_PATHS
    | _RESULT
    | _ERRORS
    | {"Branches", "Arguments", "Output", "Assign"},
    "Map": _FLOW
    | _IO_PATHS
    | _RESULT
    | _ERRORS
    | {
        "ItemProcessor",
        "Iterator",
        "ItemsPath",
        "Items",
        "ItemReader",
        "ItemSelector",
        "ItemBatcher",
        "ResultWriter",
        "MaxConcurrency",
        "MaxConcurrencyPath",
        "ToleratedFailureCount",
        "ToleratedFailureCountPath",
        "ToleratedFailurePercentage",
        "ToleratedFailurePercentagePath",
        "Label",
        "Output",
        "Assign",
    },
}

# Fields that exist in one query language only.
JSONPATH_ONLY = frozenset(
    {
        "InputPath",
        "OutputPath",
        "Parameters",
        "ResultSelector",
        "ResultPath",
        "Result",
        "ItemsPath",
        "SecondsPath",
        "TimestampPath",
        "TimeoutSecondsPath",
        "HeartbeatSecondsPath",
        "ErrorPath",
        "CausePath",
        "MaxConcurrencyPath",
        "ToleratedFailureCountPath",
        "ToleratedFailurePercentagePath",
    }
)
JSONATA_ONLY = frozenset({"Arguments", "Output", "Items"})

# What to write instead, in the other language.
_JSONATA_HINT = {
    "InputPath": "Arguments",
    "Parameters": "Arguments",
    "ResultSelector": "Output",
    "ResultPath": "Output or Assign",
    "OutputPath": "Output",
    "Result": "Output",
    "ItemsPath": "Items",
}
_JSONPATH_HINT = {"Arguments": "Parameters", "Output": "OutputPath", "Items": "ItemsPath"}

RETRIER_FIELDS = frozenset(
    {
        "ErrorEquals",
        "IntervalSeconds",
        "MaxAttempts",
        "BackoffRate",
        "MaxDelaySeconds",
        "JitterStrategy",
        "Comment",
    }
)
CATCHER_FIELDS = {
    JSONPATH: frozenset({"ErrorEquals", "Next", "ResultPath", "Assign", "Comment"}),
    JSONATA: frozenset({"ErrorEquals", "Next", "Output", "Assign", "Comment"}),
}
CHOICE_RULE_FIELDS_JSONATA = frozenset({"Condition", "Next", "Output", "Assign", "Comment"})
PROCESSOR_CONFIG_FIELDS = frozenset({"Mode", "ExecutionType"})
ITEM_READER_FIELDS = {
    JSONPATH: frozenset({"Resource", "ReaderConfig", "Parameters"}),
    JSONATA: frozenset({"Resource", "ReaderConfig", "Arguments"}),
}
RESULT_WRITER_FIELDS = {
    JSONPATH: frozenset({"Resource", "Parameters", "WriterConfig"}),
    JSONATA: frozenset({"Resource", "Arguments", "WriterConfig"}),
}
ITEM_BATCHER_FIELDS = {
    JSONPATH: frozenset(
        {
            "MaxItemsPerBatch",
            "MaxItemsPerBatchPath",
            "MaxInputBytesPerBatch",
            "MaxInputBytesPerBatchPath",
            "BatchInput",
        }
    ),
    JSONATA: frozenset({"MaxItemsPerBatch", "MaxInputBytesPerBatch", "BatchInput"}),
}


def allowed_fields(state_type: str, language: str) -> frozenset[str]:
    """The fields a state of `state_type` may have in `language`."""
    fields = _COMMON | _BY_TYPE[state_type]
    excluded = JSONATA_ONLY if language == JSONPATH else JSONPATH_ONLY
    return fields - excluded


def unknown_field_message(state_type: str, language: str, name: str) -> str:
    """The message for a field a state of this type and language does not allow."""
    if name in _BY_TYPE[state_type]:
        if language == JSONATA and name in JSONPATH_ONLY:
            hint = _JSONATA_HINT.get(name) or (name[:-4] if name.endswith("Path") else "")
            use = f" (use {hint})" if hint else ""
            return f'field "{name}" is not supported in JSONata states{use}'
        if language == JSONPATH and name in JSONATA_ONLY:
            hint = _JSONPATH_HINT.get(name)
            use = f" (use {hint})" if hint else ""
            return f'field "{name}" is only supported in JSONata states{use}'
    return f'field "{name}" is not supported in {state_type} states'
