"""ValidateStateMachineDefinition's diagnostics in AWS's form: the validator's findings (see
`replay.asl.validate`) with AWS's codes, and AWS's wording where it groups or words them
differently (a definition that is no JSON object; the required fields an object lacks, listed
in one diagnostic)."""

from __future__ import annotations

import re
from typing import Any

from replay.asl.validate_report import Diagnostic

_MISSING = re.compile(r'^missing required field "([^"]+)"$')
_NOT_AN_OBJECT = "Definition must be a valid JSON object"


def aws_diagnostics(text: str, found: list[Diagnostic]) -> list[dict[str, Any]]:
    """One ERROR diagnostic per problem: INVALID_JSON_DESCRIPTION for JSON syntax,
    SCHEMA_VALIDATION_FAILED for the rest."""
    if not text.strip() or any(
        d.pointer == "" and d.message.startswith("the definition must be a JSON object")
        for d in found
    ):
        return [_diagnostic("SCHEMA_VALIDATION_FAILED", _NOT_AN_OBJECT)]
    if found and found[0].message.startswith("not JSON:"):
        return [_diagnostic("INVALID_JSON_DESCRIPTION", found[0].message, found[0].pointer)]
    merged: list[dict[str, Any]] = []
    missing: dict[str, list[str]] = {}  # pointer -> the required fields its object lacks
    for d in found:
        match = _MISSING.match(d.message)
        if match is None:
            merged.append(_diagnostic("SCHEMA_VALIDATION_FAILED", d.message, d.pointer))
            continue
        if d.pointer not in missing:  # one diagnostic for them all, where the first was
            missing[d.pointer] = []
            merged.append({"fields_of": d.pointer})
        missing[d.pointer].append(match.group(1))
    return [_required(missing, item) if "fields_of" in item else item for item in merged]


def _required(missing: dict[str, list[str]], item: dict[str, str]) -> dict[str, Any]:
    names = ", ".join(java_set_order(missing[item["fields_of"]]))
    message = f"These fields are required: [{names}]"
    return _diagnostic("SCHEMA_VALIDATION_FAILED", message, item["fields_of"])


def _diagnostic(code: str, message: str, pointer: str | None = None) -> dict[str, Any]:
    found = {"severity": "ERROR", "code": code, "message": message}
    if pointer is not None:
        found["location"] = pointer or "/"
    return found


def java_set_order(names: list[str]) -> list[str]:
    """`names` in the order a Java HashSet of them iterates (AWS's validator is Java): by
    bucket of the spread String.hashCode in a 16-bucket table, ties in insertion order."""

    def bucket(name: str) -> int:
        code = 0
        for char in name:
            code = (31 * code + ord(char)) & 0xFFFFFFFF
        return (code ^ (code >> 16)) & 15

    return sorted(names, key=bucket)
