"""`explore`: candidate faults, the pruned search (the same minimal failing sets as an
exhaustive one), properties, workers, the failing runs kept in the db, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from replay import api
from replay.definition import load_definition
from replay.explore import candidates as cands
from replay.explore import search as search_module
from replay.explore.candidates import ExploreError
from replay.faults import describe
from tui.cli import app

W6 = Path(__file__).resolve().parents[2] / "shared" / "bench" / "w6"
if not W6.is_dir():
    W6 = Path("/work/shared/bench/w6")
LAMBDA = "arn:aws:states:::lambda:invoke"
runner = CliRunner()


def w6() -> tuple[str, dict, dict]:
    definition = (W6 / "definition.json").read_text()
    return (
        definition,
        json.loads((W6 / "input.json").read_text()),
        json.loads((W6 / "mocks.json").read_text()),
    )


def explore_w6(db: Path, **options) -> dict:
    definition, input_value, mocks = w6()
    return api.explore(
        db,
        definition,
        input_value,
        state_machine_name="w6",
        mocks=mocks,
        test_case="ok",
        **options,
    )


def texts(result: dict) -> list[str]:
    return [" + ".join(describe(rule) for rule in f["faults"]) for f in result["failures"]]


def task(next_state: str | None, **fields) -> dict:
    state = {"Type": "Task", "Resource": LAMBDA, "Parameters": {"Payload.$": "$"}, **fields}
    state.update({"Next": next_state} if next_state else {"End": True})
    return state


def echo(value, context):
    return value


def explore(tmp_path: Path, definition: dict, handlers: dict, **options) -> dict:
    db = tmp_path / f"db-{len(list(tmp_path.iterdir()))}"
    return api.explore(
        db, json.dumps(definition), {}, state_machine_name="sm", handlers=handlers, **options
    )


# -- candidates --------------------------------------------------------------------------------


def test_candidates_of_w6_come_from_retry_catch_and_the_service():
    machine = load_definition(w6()[0]).machine
    found = [describe(rule) for rule in cands.candidates(machine)]
    assert len(found) == len(set(found)) == 62
    step3 = [f for f in found if f.startswith("Step3:")]
    assert step3 == [
        "Step3:States.TaskFailed@0",
        *[f"Step3:Lambda.ServiceException@{a}" for a in range(4)],  # retried 3 times
        *[f"Step3:Lambda.TooManyRequestsException@{a}" for a in range(4)],
        "Step3:Lambda.AWSLambdaException@0",
        "Step3:Lambda.SdkClientException@0",
    ]
    assert "Step8:States.TaskFailed@0" in found and "Step1:Lambda.ServiceException@1" not in found


def test_candidates_take_timeouts_named_errors_and_other_services():
    definition = {
        "StartAt": "Put",
        "States": {
            "Put": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:putItem",
                "TimeoutSeconds": 10,
                "HeartbeatSeconds": 5,
                "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1}],
                "Catch": [{"ErrorEquals": ["Custom.Error", "States.TaskFailed"], "Next": "Done"}],
                "Next": "Done",
            },
            "Done": {"Type": "Succeed"},
        },
    }
    found = [describe(r) for r in cands.candidates(load_definition(json.dumps(definition)).machine)]
    assert "Put:Custom.Error:@1" not in found  # sanity of the format below
    assert "Put timeout@1" in found and "Put heartbeat-timeout@0" in found
    assert "Put:Custom.Error@1" in found  # States.ALL retries it once
    assert "Put:DynamoDB.ProvisionedThroughputExceededException@0" in found
    assert not [f for f in found if "States.ALL" in f]


def test_states_restrict_the_candidates_and_unknown_ones_are_named():
    machine = load_definition(w6()[0]).machine
    assert {r["state"] for r in cands.candidates(machine, ["Step5", "Step8"])} == {"Step5", "Step8"}
    with pytest.raises(ExploreError, match="did you mean 'Step5'"):
        cands.candidates(machine, ["Stp5"])


# -- w6 ----------------------------------------------------------------------------------------


def test_w6_facts_of_the_issue(tmp_path):
    definition, input_value, mocks = w6()

    def run(name, fault):
        return api.run(
            tmp_path / "db",
            definition,
            input_value,
            state_machine_name="w6",
            name=name,
            mocks=mocks,
            test_case="ok",
            seed=1,
            start_micros=0,
            faults=[fault],
        )

    assert run("a", "Step5:States.TaskFailed")["error"] == "States.TaskFailed"
    caught = run("b", "Step8:States.TaskFailed")
    assert caught["status"] == "SUCCEEDED" and "Compensate" in {
        e.get("stateEnteredEventDetails", {}).get("name") for e in api.history(tmp_path / "db", "b")
    }
    retried = run("c", "Step3:Lambda.ServiceException@0-1")
    assert retried["status"] == "SUCCEEDED"
    assert [e["type"] for e in api.history(tmp_path / "db", "c")].count("TaskFailed") == 2


def test_explore_w6_reports_minimal_single_faults_and_no_pair_containing_one(tmp_path):
    result = explore_w6(tmp_path / "db")
    found = texts(result)
    assert "Step5:States.TaskFailed@0" in found
    assert "Step8:States.TaskFailed@0" not in found  # caught into Compensate
    assert "Step3:Lambda.ServiceException@0" not in found  # retried
    singles = {f for f in found if " + " not in f}
    for pair in (f for f in found if " + " in f):
        assert not set(pair.split(" + ")) & singles
    assert result["exhaustive"] == 1848 and result["runs"] < result["exhaustive"] / 10
    keys = [(len(f["faults"]), f["faults"]) for f in result["failures"]]
    assert [len(f["faults"]) for f in result["failures"]] == sorted(k for k, _ in keys)
    step5 = result["failures"][found.index("Step5:States.TaskFailed@0")]
    assert (step5["status"], step5["error"], step5["state"]) == (
        "FAILED",
        "States.TaskFailed",
        "Step5",
    )


def test_the_result_is_the_same_on_one_or_two_workers(tmp_path, monkeypatch):
    import replay.explore

    monkeypatch.setattr(replay.explore, "POOL_WORTH", 0.0)  # worker processes, however short
    one = explore_w6(tmp_path / "one", states=["Step3", "Step5", "Step8"])
    two = explore_w6(tmp_path / "two", states=["Step3", "Step5", "Step8"], workers=2)
    assert one == two and one["failures"]


def test_branching_from_the_baseline_gives_the_same_result(tmp_path):
    options = {"states": ["Step3", "Step6", "Step8"], "start_micros": 0}
    plain = explore_w6(tmp_path / "a", share_prefix=False, **options)
    shared = explore_w6(tmp_path / "b", share_prefix=True, **options)
    assert plain == shared
    assert api.history(tmp_path / "a", "explore-w6-1") == api.history(
        tmp_path / "b", "explore-w6-1"
    )


# -- pruning finds what exhaustive search finds -------------------------------------------------


def _same_minimal_sets(tmp_path, definition, handlers, max_faults=2):
    pruned = explore(tmp_path, definition, handlers, max_faults=max_faults)
    exhaustive = explore(tmp_path, definition, handlers, max_faults=max_faults, prune=False)
    assert exhaustive["runs"] == exhaustive["exhaustive"]
    assert [f["faults"] for f in pruned["failures"]] == [
        f["faults"] for f in exhaustive["failures"]
    ]
    return pruned, exhaustive


NON_MONOTONE = {  # A's failure is caught on a path that skips B: {A, B} passes, {B} fails
    "StartAt": "A",
    "States": {
        "A": task("B", Catch=[{"ErrorEquals": ["States.TaskFailed"], "Next": "Done"}]),
        "B": task("C", Retry=[{"ErrorEquals": ["Lambda.ServiceException"], "MaxAttempts": 2}]),
        "C": task("Done", Catch=[{"ErrorEquals": ["Custom.Bad"], "Next": "Failed"}]),
        "Failed": {"Type": "Fail", "Error": "Custom.Failed"},
        "Done": {"Type": "Succeed"},
    },
}
PARALLEL = {
    "StartAt": "P",
    "States": {
        "P": {
            "Type": "Parallel",
            "Branches": [
                {
                    "StartAt": "L",
                    "States": {
                        "L": task(None, Retry=[{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1}])
                    },
                },
                {"StartAt": "R", "States": {"R": task(None)}},
            ],
            "Catch": [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "Next": "Done"}],
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
    },
}
MAP = {
    "StartAt": "M",
    "States": {
        "M": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemProcessor": {
                "StartAt": "I",
                "States": {
                    "I": task(
                        None, Retry=[{"ErrorEquals": ["Lambda.ServiceException"], "MaxAttempts": 1}]
                    )
                },
            },
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
    },
}


@pytest.mark.parametrize("definition", [NON_MONOTONE, PARALLEL], ids=["non-monotone", "parallel"])
def test_pruning_finds_the_minimal_sets_exhaustive_search_finds(tmp_path, definition):
    pruned, exhaustive = _same_minimal_sets(
        tmp_path, definition, {"A": echo, "B": echo, "C": echo, "L": echo, "R": echo}
    )
    assert pruned["runs"] < exhaustive["runs"]


def test_pruning_on_a_map_and_three_faults(tmp_path):
    definition = dict(MAP)
    pruned = api.explore(
        tmp_path / "a",
        json.dumps(definition),
        {"items": [1, 2]},
        state_machine_name="m",
        handlers={"I": echo},
        max_faults=3,
    )
    full = api.explore(
        tmp_path / "b",
        json.dumps(definition),
        {"items": [1, 2]},
        state_machine_name="m",
        handlers={"I": echo},
        max_faults=3,
        prune=False,
    )
    assert [f["faults"] for f in pruned["failures"]] == [f["faults"] for f in full["failures"]]
    assert pruned["runs"] < full["runs"]


def test_the_non_monotone_workflow_reports_b_alone_and_not_with_a(tmp_path):
    result = explore(tmp_path, NON_MONOTONE, {"A": echo, "B": echo, "C": echo})
    found = texts(result)
    assert "B:States.TaskFailed@0" in found
    assert not [f for f in found if f.startswith("A:")]  # caught
    assert "C:Custom.Bad@0" in found  # the Fail state: not SUCCEEDED
    # B is retried twice on a ServiceException: three of them in a row are needed
    assert "B:Lambda.ServiceException@0 + B:Lambda.ServiceException@1" not in found


def _workflow(specs: list[tuple[int, bool, str]]) -> dict:
    """A sequence of Lambda Tasks T0..Tn: each with a Retry of some error (MaxAttempts), and a
    Catch of States.TaskFailed that skips to the next Task, ends, or fails."""
    states: dict = {}
    names = [f"T{i}" for i in range(len(specs))]
    for i, (retries, retry_all, catch) in enumerate(specs):
        following = names[i + 1] if i + 1 < len(names) else "Done"
        fields: dict = {}
        if retries:
            error = "States.ALL" if retry_all else "Lambda.TooManyRequestsException"
            fields["Retry"] = [
                {"ErrorEquals": [error], "MaxAttempts": retries, "IntervalSeconds": 1}
            ]
        if catch != "none":
            goes = {"skip": names[i + 2] if i + 2 < len(names) else "Done", "fail": "Failed"}[catch]
            fields["Catch"] = [{"ErrorEquals": ["States.TaskFailed"], "Next": goes}]
        states[names[i]] = task(following, **fields)
    if any(catch == "fail" for _, _, catch in specs):
        states["Failed"] = {"Type": "Fail", "Error": "Custom.Failed"}
    states["Done"] = {"Type": "Succeed"}
    return {"StartAt": "T0", "States": states}


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(st.integers(0, 2), st.booleans(), st.sampled_from(["none", "skip", "fail"])),
        min_size=2,
        max_size=3,
    ),
    st.sampled_from(["succeeds", "handled", "no-fail-state"]),
)
def test_pruned_and_exhaustive_search_agree_on_generated_workflows(tmp_path, specs, prop):
    definition = _workflow(specs)
    handlers = {f"T{i}": echo for i in range(len(specs))}
    pruned = explore(tmp_path, definition, handlers, property=prop)
    full = explore(tmp_path, definition, handlers, property=prop, prune=False)
    assert [f["faults"] for f in pruned["failures"]] == [f["faults"] for f in full["failures"]]


def test_a_sampled_search_reports_minimal_sets_only(tmp_path, monkeypatch):
    monkeypatch.setattr(search_module, "ENUMERATE_LIMIT", 0)  # too large to go level by level
    handlers = {"A": echo, "B": echo, "C": echo}
    sampled = explore(tmp_path, NON_MONOTONE, handlers, budget=400)
    assert sampled["search"] == "sampled" and not sampled["complete"]
    monkeypatch.undo()
    full = explore(tmp_path, NON_MONOTONE, handlers, prune=False)
    found = [f["faults"] for f in sampled["failures"]]
    assert found and all(f in [g["faults"] for g in full["failures"]] for f in found)
    assert found == [f["faults"] for f in full["failures"]]  # the space is small: all of them


def test_the_budget_bounds_the_runs(tmp_path):
    result = explore_w6(tmp_path / "db", budget=30)
    assert result["runs"] <= 30 and not result["complete"]


def test_a_run_failing_without_faults_is_the_one_minimal_set(tmp_path):
    definition = {"StartAt": "A", "States": {"A": task(None)}}
    result = explore(tmp_path, definition, {"A": lambda value, context: 1 / 0})
    assert result["runs"] == 1 and [f["faults"] for f in result["failures"]] == [[]]
    assert result["failures"][0]["error"] == "ZeroDivisionError"


def test_a_task_nothing_answers_is_bad_input(tmp_path):
    definition = {"StartAt": "A", "States": {"A": task(None)}}
    with pytest.raises(ExploreError, match="nothing answers Task 'A'.*faults none"):
        explore(tmp_path, definition, {})
    result = cli_on(tmp_path, definition)
    assert result.exit_code == 2 and "resume" not in result.output


def cli_on(tmp_path: Path, definition: dict):
    path = tmp_path / "lonely.json"
    path.write_text(json.dumps(definition))
    return runner.invoke(app, ["explore", str(path), "--db", str(tmp_path / "cli-db")])


# -- properties --------------------------------------------------------------------------------


def test_handled_accepts_a_fail_state_reached_through_a_catch(tmp_path):
    succeeds = explore(tmp_path, NON_MONOTONE, {"A": echo, "B": echo, "C": echo}, max_faults=1)
    handled = explore(
        tmp_path, NON_MONOTONE, {"A": echo, "B": echo, "C": echo}, max_faults=1, property="handled"
    )
    assert "C:Custom.Bad@0" in texts(succeeds) and "C:Custom.Bad@0" not in texts(handled)
    assert "B:States.TaskFailed@0" in texts(handled)
    row = handled["failures"][0]
    assert row["violation"].startswith("an injected") and row["status"] == "FAILED"


def test_no_fail_state_only_minds_fail_states(tmp_path):
    result = explore(
        tmp_path,
        NON_MONOTONE,
        {"A": echo, "B": echo, "C": echo},
        max_faults=1,
        property="no-fail-state",
    )
    assert texts(result) == ["C:Custom.Bad@0"]
    assert result["failures"][0]["state"] == "Failed"


def test_output_matches_evaluates_jsonata_over_the_output(tmp_path):
    result = explore_w6(
        tmp_path / "db",
        states=["Step8"],
        property="output-matches",
        expression="$not($exists(error))",
    )
    assert len(texts(result)) == 5  # every error is caught: the output has the error
    assert all(f.startswith("Step8:") and "+" not in f for f in texts(result))
    assert "does not match" in result["failures"][0]["violation"]
    with pytest.raises(ExploreError, match="does not parse"):
        explore_w6(tmp_path / "db", property="output-matches", expression="1 +")


# -- what is kept ------------------------------------------------------------------------------


def test_failing_runs_are_kept_under_readable_names_and_numbered_on(tmp_path):
    db = tmp_path / "db"
    first = explore_w6(db, states=["Step5"])
    assert [f["execution"] for f in first["failures"]] == [f"explore-w6-{n}" for n in range(1, 6)]
    assert api.replay(db, "explore-w6-1") is None
    assert api.state(db, "explore-w6-1", "failure")["failure"]["error"] == "States.TaskFailed"
    fixed = api.branch(db, "explore-w6-1", 4, name="fixed", faults=[])
    assert fixed["status"] == "SUCCEEDED"  # the mocks came along
    again = explore_w6(db, states=["Step5"])
    assert again["failures"][0]["execution"] == "explore-w6-6"
    names = {e["name"] for e in api.list_executions(db)}
    assert not [n for n in names if not n.startswith("explore-") and n != "fixed"]


def test_keep_passing_keeps_the_passing_runs_too(tmp_path):
    db = tmp_path / "db"
    result = explore_w6(db, states=["Step8"], keep_passing=True)
    assert not result["failures"] and len(result["passed"]) == result["runs"]
    assert {e["name"] for e in api.list_executions(db)} == {
        p["execution"] for p in result["passed"]
    }


def test_schedules_run_each_set_on_seeded_interleavings(tmp_path):
    result = explore(tmp_path, PARALLEL, {"L": echo, "R": echo}, max_faults=1, schedules=2)
    plain = explore(tmp_path, PARALLEL, {"L": echo, "R": echo}, max_faults=1)
    assert result["exhaustive"] == 3 * plain["exhaustive"]
    assert result["runs"] > plain["runs"]
    assert texts(result) == texts(plain)


# -- the command line --------------------------------------------------------------------------


def cli(*args: str):
    return runner.invoke(
        app,
        [
            "explore",
            str(W6 / "definition.json"),
            "--input",
            str(W6 / "input.json"),
            "--mock-config",
            str(W6 / "mocks.json"),
            "--test-case",
            "ok",
            "--state-machine-name",
            "w6",
            *args,
        ],
    )


def test_cli_table_and_exit_codes(tmp_path):
    failing = cli("--state", "Step5", "--db", str(tmp_path / "db"))
    assert failing.exit_code == 1, failing.output
    lines = failing.output.splitlines()
    assert lines[0].split() == ["FAULTS", "OUTCOME", "STATE", "ERROR", "EXECUTION"]
    assert lines[1].split() == [
        "Step5:States.TaskFailed@0",
        "FAILED",
        "Step5",
        "States.TaskFailed",
        "explore-w6-1",
    ]
    assert lines[-1].startswith("6 runs of 6 exhaustive")
    holding = cli("--state", "Step8", "--db", str(tmp_path / "db"))
    assert holding.exit_code == 0 and "0 minimal fault sets" in holding.output


def test_cli_json_and_the_expression_as_an_argument(tmp_path):
    result = cli(
        "--state",
        "Step8",
        "--property",
        "output-matches",
        "$not($exists(error))",
        "--json",
        "--db",
        str(tmp_path / "db"),
    )
    assert result.exit_code == 1, result.output
    shown = json.loads(result.output)
    assert shown["property"] == "output-matches" and shown["runs"] == 6
    assert shown["failures"][0]["faults"] == [
        {"state": "Step8", "effect": "throw", "error": "States.TaskFailed", "attempts": "0"}
    ]
    assert set(shown["failures"][0]) >= {"faults", "status", "error", "state", "execution"}


@pytest.mark.parametrize(
    "args, message",
    [
        (["--property", "nope"], "--property must be one of"),
        (["--state", "Nope"], "no Task state of that name"),
        (["--max-faults", "0"], "--max-faults must be at least 1"),
        (["--workers", "2", "--ray"], "do not go together"),
        (["x = 1"], "EXPR goes with output-matches"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(tmp_path, args, message):
    result = cli(*args, "--db", str(tmp_path / "db"))
    assert result.exit_code == 2 and message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_cli_ray_without_ray_says_how_to_install_it(tmp_path, monkeypatch):
    import builtins

    from replay.sweep import RAY_MISSING

    real_import = builtins.__import__

    def no_ray(name, *args, **kwargs):
        if name == "ray":
            raise ImportError("no ray")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    result = cli("--state", "Step8", "--ray", "--db", str(tmp_path / "db"))
    assert result.exit_code == 2 and RAY_MISSING in result.output


def test_ray_optional_address():
    from tui.ray_option import ADDRESS as _ADDRESS
    from tui.ray_option import optional_value

    assert optional_value(["--ray", "d.json"], "--ray", _ADDRESS) == ["--ray=", "d.json"]
    assert optional_value(["--ray", "10.0.0.1:6379"], "--ray", _ADDRESS) == [
        "--ray",
        "10.0.0.1:6379",
    ]
    assert optional_value(["d.json", "--ray"], "--ray", _ADDRESS) == ["d.json", "--ray="]


def test_explore_on_a_local_ray_cluster(tmp_path, local_ray):
    on_ray = explore_w6(tmp_path / "ray", states=["Step5", "Step8"], ray="")
    assert on_ray == explore_w6(tmp_path / "local", states=["Step5", "Step8"])


def test_a_failure_only_some_interleavings_show_is_found_with_schedules(tmp_path):
    """B fails when it runs before A: never on the round-robin schedule (A's branch first)."""
    seen: dict[str, set] = {}

    def a(value, context):
        seen.setdefault(context["Execution"]["Id"], set()).add("A")
        return value

    def b(value, context):
        if "A" not in seen.get(context["Execution"]["Id"], set()):
            raise RuntimeError("B before A")
        return value

    definition = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "A", "States": {"A": task(None)}},
                    {"StartAt": "B", "States": {"B": task(None)}},
                ],
                "End": True,
            }
        },
    }
    handlers = {"A": a, "B": b}
    plain = explore(tmp_path, definition, handlers, max_faults=1)
    assert [] not in [f["faults"] for f in plain["failures"]]
    mixed = explore(tmp_path, definition, handlers, max_faults=1, schedules=8)
    assert [f["faults"] for f in mixed["failures"]] == [[]]
    assert mixed["failures"][0]["error"] == "RuntimeError"
    assert mixed["failures"][0]["schedule"] is not None


@pytest.mark.parametrize(
    "resource, error",
    [
        ("arn:aws:lambda:us-east-1:123456789012:function:f", "Lambda.TooManyRequestsException"),
        ("arn:aws:states:::sqs:sendMessage", "SQS.AmazonSQSException"),
        ("arn:aws:states:::batch:submitJob.sync", "Batch.ServerException"),
        (
            "arn:aws:states:::aws-sdk:redshiftdata:executeStatement",
            "RedshiftData.ThrottlingException",
        ),
    ],
)
def test_each_service_has_its_transient_errors(resource, error):
    definition = {
        "StartAt": "T",
        "States": {"T": {"Type": "Task", "Resource": resource, "End": True}},
    }
    machine = load_definition(json.dumps(definition)).machine
    assert f"T:{error}@0" in [describe(r) for r in cands.candidates(machine)]


POISONED = {  # an item whose Task fails is skipped; two skipped items fail the run
    "StartAt": "M",
    "States": {
        "M": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemProcessor": {
                "StartAt": "I",
                "States": {
                    "I": task(None, Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Skip"}]),
                    "Skip": {"Type": "Pass", "Result": {"skipped": True}, "End": True},
                },
            },
            "Next": "Check",
        },
        "Check": {
            "Type": "Choice",
            "Choices": [
                {
                    "And": [
                        {"Variable": "$[0].skipped", "IsPresent": True},
                        {"Variable": "$[1].skipped", "IsPresent": True},
                    ],
                    "Next": "TooMany",
                }
            ],
            "Default": "Done",
        },
        "TooMany": {"Type": "Fail", "Error": "Items.Skipped"},
        "Done": {"Type": "Succeed"},
    },
}


def test_map_iterations_get_faults_of_their_own(tmp_path):
    def go(db, **options):
        return api.explore(
            tmp_path / db,
            json.dumps(POISONED),
            {"items": [1, 2, 3]},
            state_machine_name="m",
            handlers={"I": echo},
            **options,
        )

    result = go("a")
    found = texts(result)
    assert "I:States.TaskFailed@0" in found  # every item skipped
    assert "I#iteration=0:States.TaskFailed@0" not in found  # one item skipped is fine
    assert "I#iteration=0:States.TaskFailed@0 + I#iteration=1:States.TaskFailed@0" in found
    assert "I#iteration=0:States.TaskFailed@0 + I#iteration=2:States.TaskFailed@0" not in found
    assert result["failures"][0]["faults"][0].get("iteration") is None
    assert [f["faults"] for f in go("b", prune=False)["failures"]] == [
        f["faults"] for f in result["failures"]
    ]
    assert go("c", prune=False)["runs"] == result["exhaustive"]


def test_a_kept_run_records_its_own_name_and_replays(tmp_path):
    """Kept runs are run again under their names: what they record of it is that name."""
    definition = {
        "StartAt": "A",
        "States": {
            "A": {
                "Type": "Task",
                "Resource": LAMBDA,
                "Parameters": {"execution.$": "$$.Execution.Name"},
                "End": True,
            }
        },
    }
    db = tmp_path / "db"
    result = api.explore(
        db,
        json.dumps(definition),
        {},
        state_machine_name="sm",
        max_faults=1,
        handlers={"A": echo},
    )
    name = result["failures"][0]["execution"]
    scheduled = next(e for e in api.history(db, name) if e["type"] == "TaskScheduled")
    assert name in scheduled["taskScheduledEventDetails"]["parameters"]
    assert api.replay(db, name) is None


def test_handlers_that_answer_otherwise_when_run_again_are_refused(tmp_path):
    calls = []

    def flaky(value, context):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("once")
        return value

    definition = {"StartAt": "A", "States": {"A": task("B"), "B": task(None)}}
    with pytest.raises(ExploreError, match="do not answer the same way"):
        explore(tmp_path, definition, {"A": flaky, "B": echo}, max_faults=1)


def test_a_kept_distributed_map_run_keeps_its_children_and_its_s3_root(tmp_path):
    scenario = Path(__file__).resolve().parents[1] / "scenarios" / "report-fanout"
    db = tmp_path / "db"
    result = api.explore(
        db,
        (scenario / "definition.json").read_text(),
        json.loads((scenario / "input.json").read_text()),
        state_machine_name="report-fanout",
        mocks=json.loads((scenario / "mocks.json").read_text()),
        test_case="scores",
        s3_root=scenario / "s3",
        max_faults=1,
        states=["Score"],
    )
    name = result["failures"][0]["execution"]
    assert api.replay(db, name) is None  # the children's answers came along
    assert api.branch(db, name, 3, faults=[])["status"] == "SUCCEEDED"  # and the S3 stand-in
