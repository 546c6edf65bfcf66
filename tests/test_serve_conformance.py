"""The conformance cases run through boto3 and the endpoint end as they end through the Python
API (the path of the command line): same status, same error, and an output that matches the
recording exactly when the API's does. A sample of the cases, every SAMPLE-th, keeps it quick;
their mocks are merged into one MockConfigFile (one state machine per case)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from replay import api
from replay.endpoint.local import running
from tests.conformance import CASES, load_checker
from tests.serve_helpers import ROLE, client

SAMPLE = 9


def sample() -> list[Path]:
    return sorted(CASES.iterdir())[::SAMPLE] if CASES.is_dir() else []


def merged_mocks(cases: list[Path]) -> dict:
    """One MockConfigFile: case i's test case `recorded` under state machine `c{i}`, its
    responses renamed `c{i}.NAME`."""
    machines, responses = {}, {}
    for i, case in enumerate(cases):
        if not (case / "mocks.json").exists():
            continue
        mocks = json.loads((case / "mocks.json").read_text())
        (machine,) = mocks["StateMachines"].values()
        recorded = machine["TestCases"]["recorded"]
        machines[f"c{i}"] = {
            "TestCases": {"recorded": {s: f"c{i}.{r}" for s, r in recorded.items()}}
        }
        responses.update({f"c{i}.{n}": r for n, r in mocks.get("MockedResponses", {}).items()})
    return {"StateMachines": machines, "MockedResponses": responses}


def outcome(checker, expected: dict, status: str, output, error) -> tuple:
    """(status, error, whether the output matches the recording)."""
    matches = status == "SUCCEEDED" and checker.match(expected.get("output"), json.loads(output))
    return status, error, matches


def through_api(db: Path, case: Path, i: int, mocks: dict) -> tuple:
    try:
        out = api.run(
            db,
            (case / "definition.json").read_text(),
            json.loads((case / "input.json").read_text()),
            state_machine_name=f"c{i}",
            name="e",
            mocks=mocks if (case / "mocks.json").exists() else None,
            test_case="recorded" if (case / "mocks.json").exists() else None,
            unanswered="fail",
        )
    except api.InvalidDefinition:
        return "InvalidDefinition", None, None
    return out["status"], out["output"], out["error"]


def through_endpoint(sfn, case: Path, i: int) -> tuple:
    try:
        arn = sfn.create_state_machine(
            name=f"c{i}", definition=(case / "definition.json").read_text(), roleArn=ROLE
        )["stateMachineArn"]
    except sfn.exceptions.InvalidDefinition:
        return "InvalidDefinition", None, None
    suffix = "#recorded" if (case / "mocks.json").exists() else ""
    text = (case / "input.json").read_text()
    execution = sfn.start_execution(stateMachineArn=arn + suffix, name="e", input=text)
    out = sfn.describe_execution(executionArn=execution["executionArn"])
    return out["status"], out.get("output"), out.get("error")


@pytest.mark.skipif(not sample(), reason="no conformance cases in ../shared")
def test_conformance_cases_end_alike_through_boto3_and_the_api(tmp_path):
    checker, cases = load_checker(), sample()
    mocks = merged_mocks(cases)
    different = []
    with running(tmp_path / "served", mocks=mocks) as url:
        sfn = client(url)
        for i, case in enumerate(cases):
            expected = json.loads((case / "expected.json").read_text())
            served = through_endpoint(sfn, case, i)
            direct = through_api(tmp_path / "direct", case, i, mocks)
            if served[0] == "InvalidDefinition" or direct[0] == "InvalidDefinition":
                same = served[0] == direct[0]
            else:
                same = outcome(checker, expected, *served) == outcome(checker, expected, *direct)
            if not same:
                different.append((case.name, served, direct))
    assert len(cases) > 50 and not different, different
