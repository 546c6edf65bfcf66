"""replay-all: many executions replayed against a changed definition, one row each, the same
rows whatever the backend."""

from __future__ import annotations

import builtins
import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from replay import api, sweep
from replay.runner import RunError
from tests.helpers import START, mock_config
from tui.cli import app

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"

FLOW = {
    "StartAt": "Fetch",
    "States": {
        "Fetch": {"Type": "Task", "Resource": LAMBDA + "fetch", "Next": "Big?"},
        "Big?": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.n", "NumericGreaterThan": 5, "Next": "Split"}],
            "Default": "Store",
        },
        "Split": {"Type": "Pass", "Result": "split", "ResultPath": "$.how", "Next": "Store"},
        "Store": {"Type": "Task", "Resource": LAMBDA + "store", "End": True},
    },
}
MOCKS = {
    "StateMachines": {
        "flow": {
            "TestCases": {
                "small": {"Fetch": "Small", "Store": "Stored"},
                "big": {"Fetch": "Big", "Store": "Stored"},
            }
        }
    },
    "MockedResponses": {
        "Small": {"0": {"Return": {"n": 2}}},
        "Big": {"0": {"Return": {"n": 9}}},
        "Stored": {"0": {"Return": {"ok": True}}},
    },
}


STARTED: list[str] = []


def changed(**choice) -> str:
    """FLOW with the Choice's threshold changed (or another edit)."""
    flow = copy.deepcopy(FLOW)
    flow["States"]["Big?"]["Choices"][0].update(choice)
    return json.dumps(flow)


def start(db: Path, name: str, case: str, *, definition: str | None = None, sm="flow") -> dict:
    """A run of `sm` named `name`, started `len(STARTED)` seconds after START."""
    STARTED.append(name)
    return api.run(
        db,
        definition or json.dumps(FLOW),
        {"id": name},
        state_machine_name=sm,
        name=name,
        seed=3,
        start_micros=START + len(STARTED) * 1_000_000,
        mocks=MOCKS if sm == "flow" else mock_config({"Fetch": {"0": {"Return": {"n": 1}}}}, sm),
        test_case=case if sm == "flow" else "t",
    )


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    """Three executions of `flow` (one big, two small), a branch of a small one that overrides
    the next state's input, and an execution of another state machine."""
    db = tmp_path_factory.mktemp("replay-all") / "db"
    start(db, "s1", "small")
    start(db, "b2", "big")
    start(db, "s3", "small")
    api.branch(db, "s1", 3, name="s1-more", input_override={"n": 7, "id": "s1"})
    other = json.dumps({"StartAt": "Fetch", "States": {"Fetch": FLOW["States"]["Store"]}})
    start(db, "o1", "t", definition=other, sm="other")
    return db


def by_name(rows: list[dict]) -> dict[str, dict]:
    return {row["execution"]: row for row in rows}


def test_the_same_definition_replays_every_execution_identically(db):
    rows = api.replay_all(db, json.dumps(FLOW), state_machine_name="flow")
    assert [row["execution"] for row in rows] == ["s1", "s1-more", "b2", "s3"]  # by start
    assert all(row["identical"] and row["definitionChanged"] is False for row in rows)


def test_a_changed_threshold_diverges_where_the_choice_now_goes_elsewhere(db):
    rows = by_name(api.replay_all(db, changed(NumericGreaterThan=1), state_machine_name="flow"))
    assert rows["b2"]["identical"] and rows["b2"]["definitionChanged"] is True
    small = rows["s1"]
    assert not small["identical"] and small["event"] == 9  # s1: Big? is 7-8, then Split, not Store
    assert small["divergence"]["changes"][0]["field"] != "event"
    # the branch's own input (n=7) went to Split already: identical with the new threshold
    assert rows["s1-more"]["identical"]


def test_a_branch_replays_with_its_input_override(db):
    """The branch's record has n=7 entering Big? (its override): without the override at
    the fork point the re-run would enter Big? with the recorded n=2 and diverge."""
    assert api.replay(db, "s1-more") is None
    rows = api.replay_all(db, json.dumps(FLOW), ["s1-more"])
    assert rows[0]["identical"] and rows[0]["parent"] == "s1" and rows[0]["forkAt"] == 3


def test_a_branch_with_a_definition_of_its_own_replays_with_both(tmp_path):
    """Up to the fork point the parent's definition made the events, after it the branch's:
    the branch's alone (Fetch's resource changed) would diverge at event 3."""
    db = tmp_path / "db"
    start(db, "p", "small")
    edited = copy.deepcopy(FLOW)
    edited["States"]["Fetch"]["Resource"] = LAMBDA + "fetch-v2"
    edited["States"]["Store"]["ResultPath"] = "$.stored"
    branch = api.branch(db, "p", 8, name="p-v2", definition_text=json.dumps(edited))
    assert branch["status"] == "SUCCEEDED"
    assert api.replay(db, "p-v2") is None
    assert api.replay(db, "p-v2", json.dumps(edited)).event_id == 3


def test_a_divergence_before_the_fork_point_is_in_the_shared_prefix(db):
    edited = copy.deepcopy(FLOW)
    edited["States"]["Fetch"]["Resource"] = LAMBDA + "fetch-v2"
    row = api.replay_all(db, json.dumps(edited), ["s1-more"])[0]
    assert row["event"] == 3 and row["inSharedPrefix"]  # TaskScheduled names the resource


def test_all_picks_the_state_machine(db):
    other = json.dumps({"StartAt": "Fetch", "States": {"Fetch": FLOW["States"]["Store"]}})
    assert [r["execution"] for r in api.replay_all(db, other, state_machine_name="other")] == ["o1"]
    with pytest.raises(RunError, match=r"--state-machine-name: flow \(4\), other \(1\)"):
        api.replay_all(db, other, state_machine_name="nope")


def test_all_leaves_map_children_to_their_parent_and_falls_back_to_the_only_machine():
    from replay.replay_all import select

    def doc(name, start, **extra):
        return {"executionArn": name, "name": name, "stateMachineName": "sm", "startMicros": start,
                **extra}  # fmt: skip

    docs = [
        doc("late", 9),
        doc("child", 0, parentExecution="early"),
        doc("early-b", 0, parent="early", forkAt=4),
        doc("early-a", 0, parent="early", forkAt=7),
        doc("early", 0),
        doc("early-b-1", 0, parent="early-b", forkAt=5),
    ]
    assert [d["name"] for d in select(docs, "definition-file-stem")] == [
        "early",
        "early-b",
        "early-b-1",
        "early-a",
        "late",
    ]


def test_workers_give_the_same_rows_in_the_same_order(db):
    text = changed(NumericGreaterThan=1)
    names = ["s3", "b2", "s1", "s1-more"]
    one = api.replay_all(db, text, names, workers=1)
    assert [row["execution"] for row in one] == names
    assert api.replay_all(db, text, names, workers=2) == one


def test_by_default_a_small_sweep_stays_in_this_process(db, monkeypatch):
    used = []
    real = sweep.map_jobs
    monkeypatch.setattr(
        "replay.replay_all.map_jobs", lambda *a, **k: used.append(k["workers"]) or real(*a, **k)
    )
    monkeypatch.setattr("replay.replay_all.AUTO_EVENTS", 30)  # s1 has 14 events, b2 16
    api.replay_all(db, json.dumps(FLOW), ["s1"], workers=None)
    api.replay_all(db, json.dumps(FLOW), ["s1", "b2"], workers=None)
    assert used == [1, sweep.cpu_count()]


def test_on_a_local_ray_cluster_the_rows_are_the_same(db, local_ray):
    text = changed(NumericGreaterThan=1)
    on_ray = api.replay_all(db, text, ["s3", "b2", "s1"], ray="")
    assert on_ray == api.replay_all(db, text, ["s3", "b2", "s1"])


def test_an_interrupted_execution_is_checked_as_far_as_it_is_recorded(tmp_path):
    db = tmp_path / "db"
    no_store = copy.deepcopy(MOCKS)
    del no_store["StateMachines"]["flow"]["TestCases"]["small"]["Store"]
    with pytest.raises(RunError, match="Store"):
        api.run(
            db,
            json.dumps(FLOW),
            {},
            state_machine_name="flow",
            name="cut",
            seed=1,
            start_micros=START,
            mocks=no_store,
            test_case="small",
        )
    # Store asks for an answer the record does not have: not a divergence
    row = api.replay_all(db, json.dumps(FLOW), ["cut"])[0]
    assert row["identical"] and not row["complete"] and row["status"] == "INTERRUPTED"
    edited = copy.deepcopy(FLOW)  # a change after the recorded prefix cannot be seen
    edited["States"]["Store"]["ResultPath"] = "$.stored"
    assert api.replay_all(db, json.dumps(edited), ["cut"])[0]["identical"]
    assert not api.replay_all(db, changed(NumericGreaterThan=1), ["cut"])[0]["identical"]
    holder = subprocess.Popen(  # a writer in another process: the execution is running
        [
            sys.executable,
            "-c",
            "import sys; from replay.liveness import ExecutionLock; "
            f"ExecutionLock({str(db)!r}, {row['executionArn']!r}).__enter__(); "
            "print('held', flush=True); sys.stdin.read()",
        ],
        cwd=Path(__file__).resolve().parent.parent,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "held\n"
        [running] = api.replay_all(db, json.dumps(FLOW), ["cut"])
    finally:
        holder.communicate("")
    assert running == dict(row, status="RUNNING")


# -- the command line ------------------------------------------------------------------------


def cli(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.fixture(scope="module")
def files(db, tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("replay-all-files")
    (tmp / "new").mkdir()
    out = {"same": tmp / "flow.json", "new": tmp / "new" / "flow.json"}  # state machine: flow
    out["same"].write_text(json.dumps(FLOW))
    out["new"].write_text(changed(NumericGreaterThan=1))
    out["export"] = tmp / "s1.export.json"
    out["export"].write_text(json.dumps(api.export(db, "s1")))
    out["aws"] = tmp / "b2.aws.json"
    out["aws"].write_text(json.dumps({"events": api.history(db, "b2")}))
    return out


def test_cli_table_and_exit_code(db, files):
    result = cli("replay-all", "--definition", str(files["new"]), "--all", "--db", str(db))
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["EXECUTION", "STATUS", "RESULT"]
    assert [line.split()[0] for line in lines[1:-1]] == ["s1", "s1-more", "b2", "s3"]
    assert "event 9: " in lines[1] and lines[3].split()[2] == "identical"
    assert "(branch of s1 at event 3)" in lines[2]
    assert lines[-1] == "4 executions: 2 identical, 2 diverged"
    same = cli("replay-all", "--definition", str(files["same"]), "s1", "b2", "--db", str(db))
    assert same.exit_code == 0 and "identical  (same definition)" in same.stdout


def test_cli_json_is_the_table_as_data(db, files):
    args = ["replay-all", "--definition", str(files["new"]), "s3", "b2", "--db", str(db)]
    result = cli(*args, "--json")
    shown = json.loads(result.stdout)
    assert result.exit_code == 1 and shown["diverged"] == 1
    assert shown["results"] == json.loads(
        json.dumps(api.replay_all(db, changed(NumericGreaterThan=1), ["s3", "b2"]))
    )


def test_cli_history_files_replay_as_their_executions_do(db, files):
    result = cli(
        "replay-all",
        "--definition",
        str(files["new"]),
        str(files["export"]),  # a file given where an execution goes: as --history
        "--history",
        str(files["aws"]),
        "--json",
    )
    rows = json.loads(result.stdout)["results"]
    assert [row["history"] for row in rows] == [str(files["export"]), str(files["aws"])]
    in_db = by_name(api.replay_all(db, changed(NumericGreaterThan=1), ["s1", "b2"]))
    assert rows[0]["event"] == in_db["s1"]["event"] == 9
    assert rows[1]["identical"] and in_db["b2"]["identical"]
    assert result.exit_code == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["nope"], "no execution named 'nope'"),
        (["--all", "s1"], "EXECUTION names or --all, not both"),
        ([], "give EXECUTION names, --all or --history FILE"),
        (["--history", "{bad}"], "--history"),
        (["--history", "{empty}"], "history file {empty}: page 1: expected an object"),
        (["s1", "--workers", "0"], "--workers must be at least 1"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(db, files, tmp_path, args, message):
    bad, empty = tmp_path / "bad.json", tmp_path / "empty.json"
    bad.write_text("{")
    empty.write_text("[]")
    args = [a.format(bad=bad, empty=empty) for a in args]
    result = cli("replay-all", "--definition", str(files["new"]), *args, "--db", str(db))
    assert result.exit_code == 2
    assert message.format(empty=empty) in result.stderr and len(result.stderr.splitlines()) == 1


def test_cli_a_bad_definition_names_its_first_problem(db, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"StartAt": "Nowhere", "States": FLOW["States"]}))
    result = cli("replay-all", "--definition", str(broken), "--all", "--db", str(db))
    assert result.exit_code == 2 and "invalid definition: " in result.stderr
    assert "Nowhere" in result.stderr and len(result.stderr.splitlines()) == 1


def test_cli_ray_missing_says_how_to_install(db, files, monkeypatch):
    real_import = builtins.__import__

    def no_ray(name, *args, **kwargs):
        if name == "ray":
            raise ImportError("no ray")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    result = cli("replay-all", "--definition", str(files["new"]), "s1", "--ray", "--db", str(db))
    assert result.exit_code == 2 and sweep.RAY_MISSING in result.stderr


@pytest.mark.parametrize(
    "args, ray",
    [
        (["--ray"], ""),
        (["--ray", "--json"], ""),
        (["--ray", "10.0.0.5:6379"], "10.0.0.5:6379"),
        (["--ray=10.0.0.5:6379"], "10.0.0.5:6379"),
        ([], None),
    ],
)
def test_cli_ray_alone_is_a_local_cluster(db, files, monkeypatch, args, ray):
    seen = {}
    monkeypatch.setattr(api, "replay_all", lambda *a, **k: seen.update(k) or [])
    result = cli("replay-all", "--definition", str(files["new"]), "s1", "--db", str(db), *args)
    assert result.exit_code == 0, result.output
    assert seen["ray"] == ray
