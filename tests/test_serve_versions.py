"""`serve`: versions and aliases of state machines through boto3 (publish, list, describe,
delete; aliases created, described, listed, updated, deleted; executions started through a
version or an alias, an alias routing by its weights drawn from the execution's seed)."""

from __future__ import annotations

import collections
import json

import pytest

from replay.endpoint.local import running
from replay.endpoint.versions import route
from tests.serve_helpers import ROLE, check_shapes, client


def _pass(result: str) -> str:
    return json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": result,
                                                        "End": True}}})  # fmt: skip


@pytest.fixture
def raw():
    return []


@pytest.fixture
def sfn(tmp_path, raw):
    with running(tmp_path / "db") as url:
        yield client(url, raw=raw)


def _machine_with_two_versions(sfn) -> tuple[str, str, str]:
    created = sfn.create_state_machine(
        name="m", definition=_pass("one"), roleArn=ROLE, publish=True, versionDescription="v1"
    )
    arn, v1 = created["stateMachineArn"], created["stateMachineVersionArn"]
    sfn.update_state_machine(stateMachineArn=arn, definition=_pass("two"))
    v2 = sfn.publish_state_machine_version(stateMachineArn=arn, description="v2")
    return arn, v1, v2["stateMachineVersionArn"]


def test_versions_are_numbered_described_listed_and_deleted(sfn, raw):
    arn, v1, v2 = _machine_with_two_versions(sfn)
    assert (v1, v2) == (arn + ":1", arn + ":2")
    again = sfn.publish_state_machine_version(stateMachineArn=arn)  # the same revision
    assert again["stateMachineVersionArn"] == v2
    listed = sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"]
    assert [v["stateMachineVersionArn"] for v in listed] == [v2, v1]  # newest first
    described = sfn.describe_state_machine(stateMachineArn=v1)
    assert json.loads(described["definition"])["States"]["P"]["Result"] == "one"
    assert (described["stateMachineArn"], described["description"]) == (v1, "v1")
    current = sfn.describe_state_machine(stateMachineArn=arn)["revisionId"]
    with pytest.raises(sfn.exceptions.ConflictException):
        sfn.publish_state_machine_version(stateMachineArn=arn, revisionId="not-" + current)
    sfn.delete_state_machine_version(stateMachineVersionArn=v1)
    listed = sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"]
    assert [v["stateMachineVersionArn"] for v in listed] == [v2]
    sfn.update_state_machine(stateMachineArn=arn, definition=_pass("three"))
    v3 = sfn.publish_state_machine_version(stateMachineArn=arn)["stateMachineVersionArn"]
    assert v3 == arn + ":3"  # numbers are never reused
    check_shapes(raw)


def test_an_execution_started_through_a_version_runs_that_version(sfn, raw):
    arn, v1, _ = _machine_with_two_versions(sfn)
    started = sfn.start_execution(stateMachineArn=v1, name="old")["executionArn"]
    assert started == arn.replace(":stateMachine:", ":execution:") + ":old"
    out = _done(sfn, started)
    assert json.loads(out["output"]) == "one"
    assert out["stateMachineVersionArn"] == v1 and "stateMachineAliasArn" not in out
    assert out["stateMachineArn"] == arn
    first = sfn.get_execution_history(executionArn=started)["events"][0]
    assert first["executionStartedEventDetails"]["stateMachineVersionArn"] == v1
    latest = _done(sfn, sfn.start_execution(stateMachineArn=arn)["executionArn"])
    assert json.loads(latest["output"]) == "two" and "stateMachineVersionArn" not in latest
    check_shapes(raw)


def test_aliases_route_by_their_weights(sfn, raw):
    arn, v1, v2 = _machine_with_two_versions(sfn)
    routing = [
        {"stateMachineVersionArn": v1, "weight": 30},
        {"stateMachineVersionArn": v2, "weight": 70},
    ]
    alias = sfn.create_state_machine_alias(name="live", routingConfiguration=routing)
    alias_arn = alias["stateMachineAliasArn"]
    assert alias_arn == arn + ":live"
    described = sfn.describe_state_machine_alias(stateMachineAliasArn=alias_arn)
    assert described["routingConfiguration"] == routing and described["name"] == "live"
    outputs = collections.Counter()
    for i in range(40):
        started = sfn.start_execution(stateMachineArn=alias_arn, name=f"e{i}")["executionArn"]
        out = _done(sfn, started)
        assert out["stateMachineAliasArn"] == alias_arn
        assert out["stateMachineVersionArn"] == {"one": v1, "two": v2}[json.loads(out["output"])]
        outputs[json.loads(out["output"])] += 1
    assert outputs["one"] > 0 and outputs["two"] > outputs["one"]
    through_alias = sfn.list_executions(stateMachineArn=alias_arn, maxResults=1000)["executions"]
    assert len(through_alias) == 40 and all(
        e["stateMachineAliasArn"] == alias_arn for e in through_alias
    )
    through_v1 = sfn.list_executions(stateMachineArn=v1)["executions"]
    assert len(through_v1) == outputs["one"]
    assert len(sfn.list_executions(stateMachineArn=arn)["executions"]) == 40
    sfn.update_state_machine_alias(
        stateMachineAliasArn=alias_arn,
        routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 100}],
    )
    out = _done(sfn, sfn.start_execution(stateMachineArn=alias_arn)["executionArn"])
    assert json.loads(out["output"]) == "one"
    listed = sfn.list_state_machine_aliases(stateMachineArn=arn)["stateMachineAliases"]
    assert [a["stateMachineAliasArn"] for a in listed] == [alias_arn]
    with pytest.raises(sfn.exceptions.ConflictException):  # an alias routes to it
        sfn.delete_state_machine_version(stateMachineVersionArn=v1)
    sfn.delete_state_machine_alias(stateMachineAliasArn=alias_arn)
    assert sfn.list_state_machine_aliases(stateMachineArn=arn)["stateMachineAliases"] == []
    with pytest.raises(sfn.exceptions.ResourceNotFound):
        sfn.describe_state_machine_alias(stateMachineAliasArn=alias_arn)
    check_shapes(raw)


def test_bad_aliases_are_refused_as_aws_refuses_them(sfn):
    arn, v1, v2 = _machine_with_two_versions(sfn)
    for routing in (
        [
            {"stateMachineVersionArn": v1, "weight": 60},
            {"stateMachineVersionArn": v2, "weight": 60},
        ],
        [{"stateMachineVersionArn": arn + ":9", "weight": 100}],
    ):
        with pytest.raises((sfn.exceptions.ValidationException, sfn.exceptions.ResourceNotFound)):
            sfn.create_state_machine_alias(name="bad", routingConfiguration=routing)
    with pytest.raises(sfn.exceptions.InvalidName):
        sfn.create_state_machine_alias(
            name="123", routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 100}]
        )


def test_the_route_is_drawn_from_the_seed_by_weight():
    routes = [{"stateMachineVersionArn": "a", "weight": 25}, {"stateMachineVersionArn": "b",
                                                            "weight": 75}]  # fmt: skip
    drawn = collections.Counter(route(routes, seed) for seed in range(2000))
    assert 400 < drawn["a"] < 600 and drawn["a"] + drawn["b"] == 2000
    assert all(route(routes, seed) == route(routes, seed) for seed in range(50))
    assert {route([{"stateMachineVersionArn": "only", "weight": 100}], s) for s in range(9)} == {
        "only"
    }


def _done(sfn, arn: str) -> dict:
    for _ in range(400):
        out = sfn.describe_execution(executionArn=arn)
        if out["status"] != "RUNNING":
            return out
    return out
