"""ValidateStateMachineDefinition's diagnostics in AWS's form (codes, grouping, wording)."""

from __future__ import annotations

import json

from replay.asl.validate import validate_text
from replay.endpoint.diagnostics import aws_diagnostics, java_set_order


def diagnostics(text: str) -> list[dict]:
    return aws_diagnostics(text, validate_text(text))


def test_what_is_no_json_object_is_said_as_aws_says_it():
    expected = [
        {
            "severity": "ERROR",
            "code": "SCHEMA_VALIDATION_FAILED",
            "message": "Definition must be a valid JSON object",
        }
    ]
    assert diagnostics("") == diagnostics("  ") == diagnostics("[1]") == expected
    (broken,) = diagnostics('{"StartAt": ')
    assert broken["code"] == "INVALID_JSON_DESCRIPTION" and broken["message"].startswith("not JSON")


def test_the_required_fields_an_object_lacks_are_one_diagnostic():
    assert diagnostics("{}") == [
        {
            "severity": "ERROR",
            "code": "SCHEMA_VALIDATION_FAILED",
            "message": "These fields are required: [States, StartAt]",
            "location": "/",
        }
    ]
    task = {"StartAt": "T", "States": {"T": {"Type": "Task", "End": True}}}
    (lacking,) = diagnostics(json.dumps(task))
    assert (lacking["location"], lacking["message"]) == (
        "/States/T",
        "These fields are required: [Resource]",
    )
    both = {"StartAt": "T", "States": {"T": {"Type": "Task"}}}
    messages = [d["message"] for d in diagnostics(json.dumps(both))]
    assert len(messages) == 2 and "These fields are required: [Resource]" in messages


def test_names_come_in_a_java_hash_sets_order():
    assert java_set_order(["StartAt", "States"]) == ["States", "StartAt"]
    assert java_set_order(["States", "StartAt"]) == ["States", "StartAt"]
    assert java_set_order(["b", "a"]) == ["a", "b"]  # one-letter names: by their code
