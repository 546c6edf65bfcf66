"""Fault injection: rule syntax, plan files, checks against the definition, the outcomes the
Task records (and Retry and Catch see), the marker, replay, branch, and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from replay import api
from replay.definition import load_definition
from replay.events import EXTRA
from replay.faults import Fault, FaultError, FaultWorld, parse_plan, parse_rule, targets
from replay.world import TaskAnswer, TaskRequest
from tests.helpers import START, mock_config
from tui.cli import app

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:f"
W6 = Path(__file__).resolve().parents[2] / "shared" / "bench" / "w6"
runner = CliRunner()


def task(next_state: str | None = None, **fields) -> dict:
    state = {"Type": "Task", "Resource": LAMBDA, **fields}
    state.update({"Next": next_state} if next_state else {"End": True})
    return state


RETRY = [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 1}]
CHAIN = {
    "StartAt": "A",
    "States": {
        "A": task("B", Retry=RETRY),
        "B": task(
            None,
            TimeoutSeconds=30,
            HeartbeatSeconds=10,
            Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
        ),
        "Caught": {"Type": "Pass", "End": True},
    },
}
MOCKS = mock_config({"A": {"0": {"Return": {"a": 1}}}, "B": {"0": {"Return": {"b": 1}}}})


def run(tmp_path: Path, faults, definition: dict = CHAIN, name: str = "exec", **kw) -> dict:
    kw.setdefault("mocks", MOCKS)
    kw.setdefault("test_case", "t" if kw["mocks"] else None)
    return api.run(
        tmp_path / "db",
        json.dumps(definition),
        {},
        state_machine_name="sm",
        name=name,
        seed=1,
        start_micros=START,
        faults=faults,
        **kw,
    )


def events(tmp_path: Path, name: str = "exec") -> list[dict]:
    return api.events(tmp_path / "db", name)


def marked(evs: list[dict]) -> list[tuple[str, list]]:
    return [(e["type"], e[EXTRA]["injected"]) for e in evs if "injected" in e.get(EXTRA, {})]


# -- rules --------------------------------------------------------------------------------------


def test_command_line_rules():
    rule = parse_rule("Charge:Lambda.ServiceException:throttled: again@0-1")
    assert rule.to_dict() == {
        "state": "Charge",
        "effect": "throw",
        "error": "Lambda.ServiceException",
        "cause": "throttled: again",
        "attempts": "0-1",
    }
    assert parse_rule("Charge:States.TaskFailed").attempts == "*"
    assert parse_rule("Ship*:States.Timeout@*").effect == "timeout"
    assert parse_rule("Ship:States.HeartbeatTimeout@2").effect == "heartbeat-timeout"
    assert parse_rule("Ship:X@3-*").applies(7, None, None)
    assert not parse_rule("Ship:X@1-2").applies(3, None, None)


@pytest.mark.parametrize(
    "text, words",
    [
        ("Charge:X@1-x", "attempts '1-x' cannot parse"),
        ("Charge:X@2-1", "attempts '2-1' cannot parse"),
        ("Charge", "expected STATE:ERROR"),
        (":X", "expected STATE:ERROR"),
        ("Charge:States.Timeout:why", "records no cause"),
    ],
)
def test_bad_command_line_rules(text, words):
    with pytest.raises(FaultError, match=words):
        parse_rule(text)


@pytest.mark.parametrize(
    "plan, words",
    [
        ({"state": "A"}, "expected a JSON list"),
        (
            [{"state": "A", "error": "E"}, {"state": "A", "error": "E", "attempts": "x"}],
            "/1/attempts: 'x' cannot parse",
        ),
        ([{"state": "A", "effect": "explode"}], "/0/effect: 'explode' is not one of"),
        ([{"state": "A", "effect": "latency"}], "/0/seconds: a latency needs seconds"),
        ([{"state": "A", "effect": "return"}], "/0/result: a return needs a result"),
        ([{"state": "A"}], "/0/error: a throw needs an error"),
        ([{"state": "A", "error": "E", "colour": 1}], "/0/colour: unknown field"),
        ([{"state": "A", "error": "E", "iteration": -1}], "/0/iteration: must be an index"),
        (["A:E"], r"/0: a fault rule is an object"),
    ],
)
def test_bad_plan_files_name_the_field(plan, words):
    with pytest.raises(FaultError, match=words):
        parse_plan(plan, "p.json")


def test_plan_objects_round_trip():
    plan = [
        {"state": "A", "effect": "latency", "seconds": 2.5, "attempts": "0"},
        {"state": "B", "effect": "return", "result": None, "iteration": 3},
        {"state": "B", "effect": "timeout"},
    ]
    rules = parse_plan(plan, "p.json")
    assert [r.to_dict() for r in rules] == [
        {"state": "A", "effect": "latency", "attempts": "0", "seconds": 2.5},
        {"state": "B", "effect": "return", "attempts": "*", "iteration": 3, "result": None},
        {"state": "B", "effect": "timeout", "error": "States.Timeout", "attempts": "*"},
    ]
    assert parse_plan([r.to_dict() for r in rules], "again") == rules


NESTED = {
    "StartAt": "P",
    "States": {
        "P": {
            "Type": "Parallel",
            "End": True,
            "Branches": [
                {"StartAt": "Fetch", "States": {"Fetch": task()}},
                {
                    "StartAt": "M",
                    "States": {
                        "M": {
                            "Type": "Map",
                            "End": True,
                            "ItemProcessor": {"StartAt": "Item", "States": {"Item": task()}},
                        }
                    },
                },
            ],
        }
    },
}


@pytest.mark.parametrize(
    "rule, words",
    [
        ("Stp5:E", "no state matches 'Stp5' in the definition (did you mean 'Step5'?)"),
        ("Nothing:E", "(its Task states: Step5, B)"),
        ("Pass1:E", "'Pass1' is a Pass state; faults apply to Task states"),
        ("B:States.HeartbeatTimeout", "'B' has no HeartbeatSeconds"),
        ("Step5:States.Timeout", "'Step5' has no TimeoutSeconds"),
        ("Step*:States.Timeout", "'Step5' has no TimeoutSeconds"),
    ],
)
def test_rules_are_checked_against_the_definition(rule, words):
    machine = load_definition(
        json.dumps(
            {
                "StartAt": "Step5",
                "States": {
                    "Step5": task("Pass1"),
                    "Pass1": {"Type": "Pass", "Next": "B"},
                    "B": task(None, TimeoutSeconds=3),
                },
            }
        )
    ).machine
    with pytest.raises(FaultError) as raised:
        targets([parse_rule(rule)], machine)
    assert words in str(raised.value)


def test_globs_iterations_and_branches_are_checked():
    machine = load_definition(json.dumps(NESTED)).machine
    assert targets([parse_rule("*:E")], machine).keys() == {"Fetch", "Item"}
    in_map = Fault("*", error="E", iteration=0)
    assert targets([in_map], machine).keys() == {"Item"}
    assert targets([Fault("*", error="E", branch=1)], machine).keys() == {"Item"}
    with pytest.raises(FaultError, match="'Fetch' is not inside a Map"):
        targets([Fault("Fetch", error="E", iteration=0)], machine)
    with pytest.raises(FaultError, match="is in branch 0 of Parallel 'P', never in branch 1"):
        targets([Fault("Fetch", error="E", branch=1)], machine)


def test_fault_beats_mock_and_matches_the_frame():
    machine = load_definition(json.dumps(NESTED)).machine

    class Mock:
        def answer(self, request):
            return TaskAnswer(output="mocked")

    world = FaultWorld.build(
        [Fault("Item", error="Boom", iteration=2, attempts="0")], machine, Mock()
    )
    hit = world.answer(TaskRequest("Item", LAMBDA, {}, 9, {}, 0, "P#1/M#2"))
    assert (hit.failed, hit.error, hit.injected[0]["iteration"]) == (True, "Boom", 2)
    for attempt, frame in ((0, "P#1/M#1"), (1, "P#1/M#2")):
        miss = world.answer(TaskRequest("Item", LAMBDA, {}, 9, {}, attempt, frame))
        assert (miss.output, miss.injected) == ("mocked", ())


# -- what the execution records ------------------------------------------------------------------


def test_thrown_fault_is_retried_then_the_mock_answers(tmp_path):
    result = run(tmp_path, ["A:Lambda.ServiceException:throttled@0-1"])
    assert result["status"] == "SUCCEEDED"
    evs = events(tmp_path)
    failed = [e for e in evs if e["type"] == "LambdaFunctionFailed"]
    assert [e["lambdaFunctionFailedEventDetails"] for e in failed] == [
        {"error": "Lambda.ServiceException", "cause": "throttled"}
    ] * 2
    rule = {
        "state": "A",
        "effect": "throw",
        "error": "Lambda.ServiceException",
        "cause": "throttled",
        "attempts": "0-1",
    }
    assert marked(evs) == [("LambdaFunctionFailed", [rule])] * 2
    assert all("injected" not in json.dumps(e) for e in api.history(tmp_path / "db", "exec"))
    assert api.replay(tmp_path / "db", "exec") is None


def test_caught_fault_is_what_catch_sees(tmp_path):
    result = run(tmp_path, ["B:Order.Failed:no stock"])
    assert result["status"] == "SUCCEEDED"
    assert json.loads(result["output"]) == {"Error": "Order.Failed", "Cause": "no stock"}


def test_attempts_count_retries_of_one_entry_of_a_state_in_a_loop(tmp_path):
    loop = {
        "StartAt": "Init",
        "States": {
            "Init": {"Type": "Pass", "Result": {"n": 0}, "Next": "Work"},
            "Work": task("Count", Retry=RETRY, ResultPath=None),
            "Count": {
                "Type": "Pass",
                "Parameters": {"n.$": "States.MathAdd($.n, 1)"},
                "Next": "Again",
            },
            "Again": {
                "Type": "Choice",
                "Default": "Done",
                "Choices": [{"Variable": "$.n", "NumericLessThan": 3, "Next": "Work"}],
            },
            "Done": {"Type": "Succeed"},
        },
    }
    mocks = mock_config({"Work": {"0": {"Return": 1}}})
    assert run(tmp_path, ["Work:Flaky@0"], loop, mocks=mocks)["status"] == "SUCCEEDED"
    evs = events(tmp_path)
    outcomes = [
        e["type"]
        for e in evs
        if e["type"].startswith("LambdaFunction") and e["type"].endswith(("Failed", "Succeeded"))
    ]
    # each of the three entries fails its first attempt and succeeds on the retry
    assert outcomes == ["LambdaFunctionFailed", "LambdaFunctionSucceeded"] * 3
    assert len(marked(evs)) == 3


def test_timeouts_happen_after_the_states_limits(tmp_path):
    for name, rule, kind, seconds in (
        ("t", "B:States.Timeout", "States.Timeout", 30),
        ("h", "B:States.HeartbeatTimeout", "States.HeartbeatTimeout", 10),
    ):
        result = run(tmp_path, [rule], name=name)
        assert json.loads(result["output"])["Error"] == kind
        evs = events(tmp_path, name)
        timed_out = next(e for e in evs if e["type"] == "LambdaFunctionTimedOut")
        started = next(
            e for e in reversed(evs[: timed_out["id"] - 1]) if e["type"] == "LambdaFunctionStarted"
        )
        assert timed_out["timestamp"] - started["timestamp"] == seconds * 1_000_000
        assert timed_out["lambdaFunctionTimedOutEventDetails"] == {"error": kind}
        assert marked([timed_out])
        assert api.replay(tmp_path / "db", name) is None


def test_latency_delays_the_mocks_answer_and_can_time_it_out(tmp_path):
    plan = [{"state": "A", "effect": "latency", "seconds": 7}]
    run(tmp_path, plan, name="slow")
    evs = events(tmp_path, "slow")
    done = next(e for e in evs if e["type"] == "LambdaFunctionSucceeded")
    assert done["timestamp"] - START == 7_000_000
    assert json.loads(done["lambdaFunctionSucceededEventDetails"]["output"]) == {"a": 1}
    assert marked([done]) == [
        (
            "LambdaFunctionSucceeded",
            [{"state": "A", "effect": "latency", "attempts": "*", "seconds": 7.0}],
        )
    ]
    assert api.replay(tmp_path / "db", "slow") is None
    run(tmp_path, [{"state": "B", "effect": "latency", "seconds": 12}], name="late")
    assert "LambdaFunctionTimedOut" in [e["type"] for e in events(tmp_path, "late")]


def test_return_replaces_the_answer_and_a_mock_beats_a_handler(tmp_path):
    def handler(value, context):
        return "handled"

    plan = [{"state": "A", "effect": "return", "result": {"forced": True}}]
    result = run(
        tmp_path,
        plan,
        mocks=mock_config({"B": {"0": {"Return": "mocked"}}}),
        handlers={"A": handler, "B": handler},
    )
    outputs = [
        json.loads(e["lambdaFunctionSucceededEventDetails"]["output"])
        for e in events(tmp_path)
        if e["type"] == "LambdaFunctionSucceeded"
    ]
    assert outputs == [{"forced": True}, "mocked"]
    assert result["status"] == "SUCCEEDED"


def test_bad_rules_record_nothing(tmp_path):
    with pytest.raises(FaultError, match="did you mean 'A'"):
        run(tmp_path, ["AA:E"])
    assert not (tmp_path / "db").exists()  # refused before anything was stored


# -- branch ---------------------------------------------------------------------------------------


def test_branch_injects_after_the_fork_only(tmp_path):
    run(tmp_path, None, name="parent")
    parent = events(tmp_path, "parent")
    entered_b = next(
        e["id"] for e in parent if e.get("stateEnteredEventDetails", {}).get("name") == "B"
    )
    child = api.branch(tmp_path / "db", "parent", entered_b, name="child", faults=["A:E", "B:Boom"])
    assert json.loads(child["output"]) == {"Error": "Boom", "Cause": None}
    assert [rule[0]["state"] for _, rule in marked(events(tmp_path, "child"))] == ["B"]
    # a branch of the branch keeps its faults, unless told to drop them
    again = api.branch(tmp_path / "db", "child", entered_b, name="again")
    assert again["output"] == child["output"]
    clean = api.branch(tmp_path / "db", "child", entered_b, name="clean", faults=[])
    assert json.loads(clean["output"]) == {"b": 1}


# -- the command line -----------------------------------------------------------------------------


def cli(*args):
    return runner.invoke(app, [str(a) for a in args])


def write(tmp_path: Path, name: str, value) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(value))
    return path


def cli_run(tmp_path: Path, *extra):
    return cli(
        "run",
        write(tmp_path, "sm.json", CHAIN),
        "--mock-config",
        write(tmp_path, "mocks.json", MOCKS),
        "--test-case",
        "t",
        "--db",
        tmp_path / "db",
        "--seed",
        "1",
        "--start-time",
        "2026-01-01T00:00:00Z",
        *extra,
    )


def test_cli_marks_injected_events(tmp_path):
    plan = write(tmp_path, "plan.json", [{"state": "B", "error": "Boom", "cause": "a@b"}])
    done = cli_run(tmp_path, "--name", "x", "--fault", "A:E@0", "--fault-plan", plan)
    assert done.exit_code == 0, done.output
    table = cli("history", "x", "--db", tmp_path / "db").output.splitlines()
    injected = [line for line in table if "injected" in line]
    assert len(injected) == 2 and "LambdaFunctionFailed" in injected[0]
    assert "[injected: B:Boom:a@b@*]" in injected[1]
    assert "injected" not in cli("history", "x", "--db", tmp_path / "db", "--format", "aws").output
    failures = cli("state", "x", "--failures", "--db", tmp_path / "db").output
    assert failures.count("injected") == 2
    assert "injected" in cli("state", "x", "--at", "failure:2", "--db", tmp_path / "db").output
    exported = json.loads(cli("export", "x", "--db", tmp_path / "db").output)
    extras = exported["sfnReplay"]["eventExtras"].values()
    assert sum("injected" in extra for extra in extras) == 2
    assert exported["sfnReplay"]["execution"]["faults"][0]["state"] == "A"
    api.import_history(tmp_path / "db2", [exported], json.dumps(CHAIN), state_machine_name="sm")
    again = api.export(tmp_path / "db2", "x")  # the rules and the markers come back
    assert again["sfnReplay"]["eventExtras"] == exported["sfnReplay"]["eventExtras"]
    assert again["sfnReplay"]["execution"]["faults"] == exported["sfnReplay"]["execution"]["faults"]
    assert cli("replay", "x", "--db", tmp_path / "db").output.strip() == "identical"
    fork = cli("branch", "x", "--at", "3", "--fault", "B:Late", "--db", tmp_path / "db", "--json")
    assert json.loads(json.loads(fork.output)["output"])["Error"] == "Late"
    tree = cli("tree", "x", "--db", tmp_path / "db").output.splitlines()
    assert tree[0].endswith("faults: A:E@0, B:Boom:a@b@*")
    assert tree[1].endswith("(forked at event 3)  faults: B:Late@*")


@pytest.mark.parametrize(
    "extra, words",
    [
        (("--fault", "Bee:E"), "did you mean 'B'?"),
        (("--fault", "B:E@one"), "attempts 'one' cannot parse"),
        (("--fault", "A:States.HeartbeatTimeout"), "'A' has no HeartbeatSeconds"),
        (("--fault-plan", "PLAN"), "/0/seconds: a latency needs seconds"),
    ],
)
def test_cli_bad_rules_exit_2_with_one_line(tmp_path, extra, words):
    plan = write(tmp_path, "plan.json", [{"state": "A", "effect": "latency"}])
    done = cli_run(tmp_path, *[str(plan) if arg == "PLAN" else arg for arg in extra])
    assert done.exit_code == 2
    lines = done.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sfn-replay: ") and words in lines[0]


# -- the ten-Task workload (../shared/bench/w6) -----------------------------------------------


@pytest.mark.skipif(not (W6 / "definition.json").is_file(), reason="no ../shared/bench/w6")
@pytest.mark.parametrize(
    "rule, status, check",
    [
        ("Step5:States.TaskFailed", 1, lambda d, evs: d["error"] == "States.TaskFailed"),
        (
            "Step8:States.TaskFailed",
            0,
            lambda d, evs: (
                "compensated" in d["output"]
                and any(
                    e.get("stateEnteredEventDetails", {}).get("name") == "Compensate" for e in evs
                )
            ),
        ),
        (
            "Step3:Lambda.ServiceException@0-1",
            0,
            lambda d, evs: (
                [e["type"] for e in evs if e["type"] in ("TaskFailed", "LambdaFunctionFailed")]
                == ["TaskFailed"] * 2
            ),
        ),
    ],
)
def test_w6(tmp_path, rule, status, check):
    done = cli(
        "run",
        W6 / "definition.json",
        "--input",
        W6 / "input.json",
        "--mock-config",
        W6 / "mocks.json",
        "--test-case",
        "ok",
        "--state-machine-name",
        "w6",
        "--fault",
        rule,
        "--name",
        "w",
        "--db",
        tmp_path / "db",
        "--json",
    )
    assert done.exit_code == status, done.output
    assert check(json.loads(done.output), api.history(tmp_path / "db", "w"))


def test_a_map_iteration_index_picks_that_iteration(tmp_path):
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "End": True,
                "ItemProcessor": {
                    "StartAt": "Item",
                    "States": {
                        "Item": task(None, Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Skip"}]),
                        "Skip": {"Type": "Pass", "Result": "skipped", "End": True},
                    },
                },
            }
        },
    }
    mocks = mock_config({"Item": {"0": {"Return": "done"}}})
    plan = [{"state": "Item", "error": "Poison", "iteration": 1}]
    result = api.run(
        tmp_path / "db",
        json.dumps(definition),
        [10, 20, 30],
        state_machine_name="sm",
        name="exec",
        seed=1,
        start_micros=START,
        mocks=mocks,
        test_case="t",
        faults=plan,
    )
    assert json.loads(result["output"]) == ["done", "skipped", "done"]
    assert [e[EXTRA]["frame"] for e in events(tmp_path) if "injected" in e.get(EXTRA, {})] == [
        "M#1"
    ]


def test_rule_objects_of_the_python_api_are_checked_too(tmp_path):
    with pytest.raises(FaultError, match="a throw needs an error name"):
        run(tmp_path, [Fault("A")])
    assert run(tmp_path, [Fault("A", error="E", attempts="0")])["status"] == "SUCCEEDED"


def test_replay_takes_delays_and_timeouts_from_the_record(tmp_path):
    """A mock's Delay (and the timeout it causes) is answered from the record on replay, as
    injected latencies and timeouts are: same times, same TimedOut events."""
    mocks = mock_config(
        {"A": {"0": {"Return": 1, "Delay": 3}}, "B": {"0": {"Return": 2, "Delay": 100}}}
    )
    result = run(tmp_path, None, mocks=mocks)
    assert json.loads(result["output"])["Error"] == "States.HeartbeatTimeout"
    assert api.replay(tmp_path / "db", "exec") is None


def test_a_branch_with_a_new_definition_checks_the_parents_rules(tmp_path):
    run(tmp_path, ["B:Boom"], name="parent")
    renamed = {"StartAt": "A", "States": {"A": task("C", Retry=RETRY), "C": task()}}
    with pytest.raises(
        FaultError,
        match="the parent's fault rules do not fit the new "
        r"definition \(--no-faults drops them\): faults\[0\]: no state",
    ):
        api.branch(tmp_path / "db", "parent", 3, definition_text=json.dumps(renamed))
    fixed = api.branch(
        tmp_path / "db",
        "parent",
        1,
        definition_text=json.dumps(renamed),
        faults=[],
        mocks=mock_config({"A": {"0": {"Return": 1}}, "C": {"0": {"Return": "c"}}}),
        test_case="t",
    )
    assert json.loads(fixed["output"]) == "c"
