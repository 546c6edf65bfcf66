"""Nested executions: a `states:startExecution` Task that no mock or handler answers starts a
real child execution of a state machine the run knows, in the same db and the same run."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from replay import api
from replay.clock import MICROS, iso_aws
from replay.history import STATE_MACHINES
from replay.test_state import TestStateError
from store import EventLog
from tests.helpers import START, mock_config
from tui import commands

ACCOUNT_REGION = "arn:aws:states:us-east-1:123456789012"
CHILD_ARN = f"{ACCOUNT_REGION}:stateMachine:child"
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"

CHILD = {
    "StartAt": "Settle",
    "States": {
        "Settle": {"Type": "Wait", "Seconds": 10, "Next": "Double"},
        "Double": {
            "Type": "Pass",
            "Parameters": {"doubled.$": "States.MathAdd($.x, $.x)"},
            "End": True,
        },
    },
}
FAILING = {
    "StartAt": "Settle",
    "States": {
        "Settle": {"Type": "Wait", "Seconds": 5, "Next": "Decline"},
        "Decline": {"Type": "Fail", "Error": "Card.Declined", "Cause": "no funds"},
    },
}


def parent(resource: str = "startExecution.sync:2", **task) -> dict:
    call = {
        "Type": "Task",
        "Resource": f"arn:aws:states:::states:{resource}",
        "Parameters": {
            "StateMachineArn.$": "$.machine",
            "Input": {
                "x.$": "$.x",
                "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id",
            },
        },
        "End": True,
        **task,
    }
    return {"StartAt": "Call", "States": {"Call": call}}


def run(tmp: Path, definition: dict, machine: str = "child", *, name: str = "p", **kwargs):
    children = kwargs.pop("children", {"child": CHILD, "failing": FAILING})
    return api.run(
        tmp / "db",
        json.dumps(definition),
        {"x": 3, "machine": f"{ACCOUNT_REGION}:stateMachine:{machine}"},
        state_machine_name="parent",
        name=name,
        seed=1,
        start_micros=START,
        state_machines={n: json.dumps(d) for n, d in children.items()},
        **kwargs,
    )


def types(tmp: Path, execution: str) -> list[str]:
    return [e["type"] for e in api.history(tmp / "db", execution)]


def details(tmp: Path, execution: str, event_type: str) -> dict:
    event = next(e for e in api.history(tmp / "db", execution) if e["type"] == event_type)
    return next(v for k, v in event.items() if k.endswith("EventDetails"))


def children(tmp: Path) -> list[dict]:
    return [d for d in api.list_executions(tmp / "db") if d.get("parentExecution")]


def test_sync_2_runs_the_child_and_returns_its_description_with_parsed_json(tmp_path):
    result = run(tmp_path, parent())
    assert result["status"] == "SUCCEEDED"
    out = json.loads(result["output"])
    [child] = children(tmp_path)
    assert list(out) == sorted(out)  # AWS's order
    assert out == {
        "ExecutionArn": child["executionArn"],
        "Input": {"x": 3, "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID": result["executionArn"]},
        "InputDetails": {"Included": True},
        "Name": child["name"],
        "Output": {"doubled": 6},
        "OutputDetails": {"Included": True},
        "StartDate": START // 1000,
        "StateMachineArn": CHILD_ARN,
        "Status": "SUCCEEDED",
        "StopDate": START // 1000 + 10_000,
    }
    assert child["executionArn"].startswith(f"{ACCOUNT_REGION}:execution:child:")
    assert child["parentExecution"] == result["executionArn"] and child["status"] == "SUCCEEDED"
    assert types(tmp_path, "p") == [
        "ExecutionStarted",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
        "TaskSubmitted",
        "TaskSucceeded",
        "TaskStateExited",
        "ExecutionSucceeded",
    ]
    submitted = json.loads(details(tmp_path, "p", "TaskSubmitted")["output"])
    assert submitted == {"ExecutionArn": child["executionArn"], "StartDate": START // 1000}
    assert types(tmp_path, child["name"]) == [
        "ExecutionStarted",
        "WaitStateEntered",
        "WaitStateExited",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ]
    assert result["stopDate"] == "2026-01-01T00:00:10.000000+00:00"  # it waited for the child


def test_sync_returns_input_and_output_as_json_text(tmp_path):
    out = json.loads(run(tmp_path, parent("startExecution.sync"))["output"])
    assert out["Output"] == '{"doubled":6}' and json.loads(out["Input"])["x"] == 3


def test_the_child_sees_its_own_context_and_input(tmp_path):
    child = {
        "StartAt": "C",
        "States": {"C": {"Type": "Pass", "Parameters": {"c.$": "$$"}, "End": True}},
    }
    out = json.loads(run(tmp_path, parent(), children={"child": child})["output"])["Output"]
    context = out["c"]
    assert context["Execution"]["Id"] == out_arn(tmp_path)
    assert context["Execution"]["Input"]["x"] == 3
    assert context["StateMachine"] == {"Id": CHILD_ARN, "Name": "child"}


def out_arn(tmp: Path) -> str:
    return children(tmp)[0]["executionArn"]


def test_a_failed_child_fails_the_task_with_its_description_as_cause(tmp_path):
    caught = parent(Catch=[{"ErrorEquals": ["States.TaskFailed"], "Next": "Caught"}])
    caught["States"]["Caught"] = {"Type": "Pass", "End": True}
    result = run(tmp_path, caught, "failing")
    assert result["status"] == "SUCCEEDED"
    error = json.loads(result["output"])
    assert error["Error"] == "States.TaskFailed"
    cause = json.loads(error["Cause"])
    [child] = children(tmp_path)
    assert cause == {
        "Cause": "no funds",
        "Error": "Card.Declined",
        "ExecutionArn": child["executionArn"],
        "Input": {"x": 3, "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID": result["executionArn"]},
        "InputDetails": {"Included": True},
        "Name": child["name"],
        "StartDate": START // 1000,
        "StateMachineArn": f"{ACCOUNT_REGION}:stateMachine:failing",
        "Status": "FAILED",
        "StopDate": START // 1000 + 5_000,
    }
    assert "TaskFailed" in types(tmp_path, "p") and child["status"] == "FAILED"
    assert types(tmp_path, child["name"])[-1] == "ExecutionFailed"


def test_an_unknown_state_machine_fails_the_task_before_any_submission(tmp_path):
    result = run(tmp_path, parent(), "nowhere")
    assert result["status"] == "FAILED"
    assert result["error"] == "StepFunctions.StateMachineDoesNotExistException"
    assert result["cause"].startswith(
        f"State Machine Does Not Exist: '{ACCOUNT_REGION}:stateMachine:nowhere' "
        "(Service: AWSStepFunctions; Status Code: 400; Error Code: StateMachineDoesNotExist"
    )
    assert "TaskSubmitted" not in types(tmp_path, "p") and children(tmp_path) == []
    assert api.replay(tmp_path / "db", "p") is None


def test_a_mock_still_answers_the_task(tmp_path):
    mocks = mock_config({"Call": {"0": {"Return": {"Status": "SUCCEEDED"}}}}, machine="parent")
    result = run(tmp_path, parent(), mocks=mocks, test_case="t")
    assert json.loads(result["output"]) == {"Status": "SUCCEEDED"} and children(tmp_path) == []


def test_the_childs_tasks_use_its_own_test_case_of_the_mock_file(tmp_path):
    child = {
        "StartAt": "Charge",
        "States": {"Charge": {"Type": "Task", "Resource": LAMBDA + "charge", "End": True}},
    }
    mocks = {
        "StateMachines": {
            "parent": {"TestCases": {"t": {}}},
            "child": {"TestCases": {"t": {"Charge": "Charged"}}},
        },
        "MockedResponses": {"Charged": {"0": {"Return": {"receipt": "r-1"}}}},
    }
    result = run(tmp_path, parent(), children={"child": child}, mocks=mocks, test_case="t")
    assert json.loads(result["output"])["Output"] == {"receipt": "r-1"}


def test_tree_list_and_state_show_the_child_under_its_parent(tmp_path):
    run(tmp_path, parent())
    [child] = children(tmp_path)
    tree = api.tree(tmp_path / "db", child["name"])  # from the child: the whole tree
    assert tree["execution"]["name"] == "p"
    assert [node["execution"]["name"] for node in tree["children"]] == [child["name"]]
    lines = commands.format_tree(tree)
    assert lines[1].endswith("SUCCEEDED  (child execution of state machine child)")
    [row] = [r for r in commands.list_executions(tmp_path / "db") if child["name"] in r]
    assert row.endswith("(started by p)")
    assert api.state(tmp_path / "db", child["name"], -1)["status"] == "SUCCEEDED"


def test_replay_is_identical_even_after_the_named_definition_changes(tmp_path):
    run(tmp_path, parent())
    db = tmp_path / "db"
    assert api.replay(db, "p") is None
    assert api.replay_all(db, json.dumps(parent()), ["p"])[0]["identical"]


def test_a_branch_before_the_child_started_runs_a_child_of_its_own(tmp_path):
    run(tmp_path, parent())
    db = tmp_path / "db"
    branch = api.branch(db, "p", 2, name="p-b", input_override={"x": 5, "machine": CHILD_ARN})
    assert json.loads(branch["output"])["Output"] == {"doubled": 10}
    mine = [c for c in children(tmp_path) if c["parentExecution"] == branch["executionArn"]]
    assert len(mine) == 1 and len(children(tmp_path)) == 2
    assert api.replay(db, "p-b") is None and api.replay(db, "p") is None
    tree = api.tree(db, "p")
    assert [n["execution"]["name"] for n in tree["children"]][-1] == "p-b"


def test_the_tasks_timeout_stops_the_child(tmp_path):
    result = run(tmp_path, parent(TimeoutSeconds=4))
    assert result["error"] == "States.Timeout"
    assert types(tmp_path, "p")[-2:] == ["TaskTimedOut", "ExecutionFailed"]
    [child] = children(tmp_path)
    assert child["status"] == "ABORTED"
    assert types(tmp_path, child["name"])[-2:] == ["WaitStateAborted", "ExecutionAborted"]
    assert api.replay(tmp_path / "db", "p") is None


def test_the_childs_own_timeout_times_it_out(tmp_path):
    slow = dict(CHILD, TimeoutSeconds=3)
    result = run(tmp_path, parent(), children={"child": slow})
    assert result["error"] == "States.TaskFailed"
    assert json.loads(result["cause"])["Status"] == "TIMED_OUT"
    [child] = children(tmp_path)
    assert child["status"] == "TIMED_OUT" and child["stopMicros"] == START + 3_000_000
    assert types(tmp_path, child["name"]) == [
        "ExecutionStarted",
        "WaitStateEntered",
        "ExecutionTimedOut",
    ]


def test_plain_start_execution_answers_at_once_and_the_child_runs_to_its_end(tmp_path):
    result = run(tmp_path, parent("startExecution"))
    [child] = children(tmp_path)
    assert json.loads(result["output"]) == {
        "ExecutionArn": child["executionArn"],
        "StartDate": START // 1000,
    }
    assert "TaskSubmitted" not in types(tmp_path, "p")
    assert result["stopDate"] == "2026-01-01T00:00:00.000000+00:00"
    assert child["status"] == "SUCCEEDED" and child["stopMicros"] == START + 10_000_000
    assert api.replay(tmp_path / "db", "p") is None


def test_a_name_already_used_is_refused(tmp_path):
    named = parent()
    named["States"]["Call"]["Parameters"]["Name"] = "once"
    first = run(tmp_path, named)
    assert first["status"] == "SUCCEEDED"
    again = run(tmp_path, named, name="p2")
    assert again["error"] == "StepFunctions.ExecutionAlreadyExistsException"
    assert "execution:child:once'" in again["cause"]


def test_children_come_from_the_dbs_registry_and_replay_keeps_what_ran(tmp_path):
    db = tmp_path / "db"
    role = "arn:aws:iam::123456789012:role/child-role"
    record = {"name": "child", "definition": json.dumps(CHILD), "roleArn": role}
    with EventLog(db) as log:
        log.put_doc(STATE_MACHINES, CHILD_ARN, dict(record, stateMachineArn=CHILD_ARN))
    result = run(tmp_path, parent(), children={})
    assert json.loads(result["output"])["Output"] == {"doubled": 6}
    [child] = children(tmp_path)
    assert details(tmp_path, child["name"], "ExecutionStarted")["roleArn"] == role
    changed = dict(record, definition=json.dumps(FAILING), stateMachineArn=CHILD_ARN)
    with EventLog(db) as log:
        log.put_doc(STATE_MACHINES, CHILD_ARN, changed)
    assert api.replay(db, "p") is None
    branch = api.branch(db, "p", 2, name="p-b")  # the recorded definition, not the new one
    assert json.loads(branch["output"])["Output"] == {"doubled": 6}


def test_a_run_stopped_inside_the_child_resumes_to_the_same_history(tmp_path):
    child = {
        "StartAt": "Charge",
        "States": {
            "Charge": {"Type": "Task", "Resource": LAMBDA + "charge", "Next": "Settle"},
            "Settle": {"Type": "Wait", "Seconds": 1, "End": True},
        },
    }
    handlers = {"Charge": lambda value, context: {"paid": value["x"]}}
    reference = run(tmp_path / "ref", parent(), children={"child": child}, handlers=handlers)
    with pytest.raises(api.RunError, match="Charge"):
        run(tmp_path, parent(), children={"child": child})  # nothing answers Charge
    [row] = [r for r in commands.list_executions(tmp_path / "db") if r.endswith("(started by p)")]
    assert row.startswith("INTERRUPTED")
    resumed = api.resume(tmp_path / "db", "p", handlers=handlers)
    assert resumed == reference
    assert api.history(tmp_path / "db", "p") == api.history(tmp_path / "ref" / "db", "p")
    [child_doc] = children(tmp_path)
    [ref_child] = children(tmp_path / "ref")
    assert api.history(tmp_path / "db", child_doc["executionArn"]) == api.history(
        tmp_path / "ref" / "db", ref_child["executionArn"]
    )
    with pytest.raises(api.RunError, match="resume .*:execution:parent:p"):
        api.resume(tmp_path / "db", child_doc["name"])


def test_wait_for_task_token_starts_the_child_and_waits(tmp_path):
    definition = parent("startExecution.waitForTaskToken")
    params = definition["States"]["Call"]["Parameters"]
    params["Input"]["token.$"] = "$$.Task.Token"
    result = run(tmp_path, definition)
    [waiting] = result["waiting"]
    [child] = children(tmp_path)
    assert child["status"] == "RUNNING"  # waiting with its parent: its Wait ends later
    token = json.loads(details(tmp_path, child["name"], "ExecutionStarted")["input"])["token"]
    assert token == waiting["token"]
    submitted = json.loads(details(tmp_path, "p", "TaskSubmitted")["output"])
    assert submitted["ExecutionArn"] == child["executionArn"]
    done = api.send_task_success(tmp_path / "db", token, {"ok": 1}, at="2026-01-01T00:00:20Z")
    assert done["status"] == "SUCCEEDED" and json.loads(done["output"]) == {"ok": 1}
    [child] = children(tmp_path)
    assert child["status"] == "SUCCEEDED" and child["stopMicros"] == START + 10_000_000
    assert done["stopDate"] == "2026-01-01T00:00:20.000000+00:00"
    assert api.replay(tmp_path / "db", "p") is None


def test_serve_runs_a_child_of_a_state_machine_it_keeps(tmp_path):
    from replay.endpoint.local import running
    from tests.serve_helpers import ROLE, client

    with running(tmp_path / "db") as url:
        sfn = client(url)
        sfn.create_state_machine(name="child", definition=json.dumps(CHILD), roleArn=ROLE)
        arn = sfn.create_state_machine(name="parent", definition=json.dumps(parent()), roleArn=ROLE)
        started = sfn.start_execution(
            stateMachineArn=arn["stateMachineArn"],
            input=json.dumps({"x": 4, "machine": CHILD_ARN}),
        )
        for _ in range(400):
            out = sfn.describe_execution(executionArn=started["executionArn"])
            if out["status"] != "RUNNING":
                break
            time.sleep(0.005)
        assert out["status"] == "SUCCEEDED", out
        assert json.loads(out["output"])["Output"] == {"doubled": 8}
        [child] = sfn.list_executions(stateMachineArn=CHILD_ARN)["executions"]
        assert child["status"] == "SUCCEEDED"
        events = sfn.get_execution_history(executionArn=child["executionArn"])["events"]
        assert events[0]["executionStartedEventDetails"]["roleArn"] == ROLE


def test_a_childs_distributed_map_runs_its_children_under_it(tmp_path):
    child = {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "Echo",
                    "States": {"Echo": {"Type": "Pass", "End": True}},
                },
                "End": True,
            }
        },
    }
    definition = parent()
    definition["States"]["Call"]["Parameters"]["Input"] = {"items": [1, 2]}
    result = run(tmp_path, definition, children={"child": child})
    assert json.loads(result["output"])["Output"] == [1, 2]
    docs = children(tmp_path)
    [nested] = [d for d in docs if not d.get("mapRunArn")]
    items = [d for d in docs if d.get("mapRunArn")]
    assert len(items) == 2
    assert all(d["parentExecution"] == nested["executionArn"] for d in items)
    assert all(d["rootExecution"] == result["executionArn"] for d in items)
    assert all(":execution:child/Each:" in d["executionArn"] for d in items)
    assert all(d["status"] == "SUCCEEDED" for d in api.list_executions(tmp_path / "db"))
    assert api.replay(tmp_path / "db", "p") is None


KILLING_HANDLERS = """
import os, signal

def charge(value, context):
    if os.environ.get("KILL_IN_CHILD"):
        os.kill(os.getpid(), signal.SIGKILL)
    return {"paid": value["x"]}

HANDLERS = {"Charge": charge}
"""


def test_kill_9_inside_the_child_then_resume_gives_the_uninterrupted_histories(tmp_path):
    import os
    import subprocess
    import sys

    child = {
        "StartAt": "Charge",
        "States": {
            "Charge": {"Type": "Task", "Resource": LAMBDA + "charge", "Next": "Settle"},
            "Settle": {"Type": "Wait", "Seconds": 1, "End": True},
        },
    }
    (tmp_path / "parent.json").write_text(json.dumps(parent()))
    (tmp_path / "child.json").write_text(json.dumps(child))
    (tmp_path / "handlers.py").write_text(KILLING_HANDLERS)
    repo = Path(__file__).resolve().parent.parent

    def cli(db: str, *args: str, **env: str) -> subprocess.CompletedProcess:
        common = ["--db", str(tmp_path / db)]
        return subprocess.run(
            [sys.executable, "-m", "tui.cli", *args, *common],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=60,
            env=dict(os.environ, **env),
        )

    run_args = [
        "run",
        str(tmp_path / "parent.json"),
        "--input",
        json.dumps({"x": 2, "machine": CHILD_ARN}),
        "--state-machine",
        f"child={tmp_path / 'child.json'}",
        "--handlers",
        str(tmp_path / "handlers.py"),
        "--name",
        "p",
        "--seed",
        "3",
        "--start-time",
        "2026-01-01T00:00:00Z",
        "--json",
    ]
    reference = cli("ref/db", *run_args)
    assert reference.returncode == 0, reference.stderr
    killed = cli("db", *run_args, KILL_IN_CHILD="1")
    assert killed.returncode == -9
    resumed = cli("db", "resume", "p", "--json")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout) == json.loads(reference.stdout)
    for execution in ["p", *(c["name"] for c in children(tmp_path / "ref"))]:
        same = [cli(db, "history", execution, "--format", "aws").stdout for db in ("ref/db", "db")]
        assert same[0] == same[1] and same[0]


def test_a_branch_can_name_other_child_definitions_for_after_the_fork(tmp_path):
    run(tmp_path, parent())
    db = tmp_path / "db"
    swapped = api.branch(db, "p", 2, name="p-b", state_machines={"child": json.dumps(FAILING)})
    assert swapped["error"] == "States.TaskFailed"
    assert json.loads(swapped["cause"])["Error"] == "Card.Declined"
    assert api.replay(db, "p-b") is None and api.replay(db, "p") is None
    missing = run(tmp_path, parent(), "later", name="q")  # not known: refused
    assert missing["error"] == "StepFunctions.StateMachineDoesNotExistException"
    fixed = api.branch(db, "q", 2, name="q-b", state_machines={"later": json.dumps(CHILD)})
    assert json.loads(fixed["output"])["Output"] == {"doubled": 6}


def test_resume_can_name_child_definitions_for_after_the_resume_point(tmp_path):
    definition = {
        "StartAt": "Work",
        "States": {
            "Work": {"Type": "Task", "Resource": LAMBDA + "work", "Next": "Call"},
            "Call": parent()["States"]["Call"],
        },
    }
    with pytest.raises(api.RunError, match="Work"):
        run(tmp_path, definition, "later", children={})
    handlers = {"Work": lambda value, context: value}
    done = api.resume(
        tmp_path / "db", "p", handlers=handlers, state_machines={"later": json.dumps(CHILD)}
    )
    assert json.loads(done["output"])["Output"] == {"doubled": 6}
    [record] = [d for d in api.list_executions(tmp_path / "db") if d["name"] == "p"]
    assert f"{ACCOUNT_REGION}:stateMachine:later" in record["stateMachines"]
    assert api.replay(tmp_path / "db", "p") is None


def test_test_state_starts_no_child_and_asks_for_a_mock(tmp_path):
    state = parent()["States"]["Call"]
    with pytest.raises(TestStateError, match="needs --mock"):
        api.test_state(json.dumps(state), {"x": 1, "machine": CHILD_ARN})
    mocked = api.test_state(
        json.dumps(state), {"x": 1, "machine": CHILD_ARN}, mock={"result": '{"Status": "ok"}'}
    )
    assert mocked["status"] == "SUCCEEDED"


def test_a_branch_while_the_child_runs_shares_that_child(tmp_path):
    first = run(tmp_path, parent())
    branch = api.branch(tmp_path / "db", "p", 5, name="p-b")  # at TaskSubmitted: it runs
    assert branch["output"] == first["output"] and len(children(tmp_path)) == 1
    assert api.replay(tmp_path / "db", "p-b") is None


def test_a_task_token_the_child_waits_for_is_answered_through_its_parent(tmp_path):
    asking = {
        "StartAt": "Ask",
        "States": {
            "Ask": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}},
                "End": True,
            }
        },
    }
    result = run(tmp_path, parent(), children={"child": asking})
    [waiting] = result["waiting"]
    assert waiting["state"] == "Ask" and result["status"] == "RUNNING"
    [child] = children(tmp_path)
    assert child["status"] == "RUNNING"
    done = api.send_task_success(tmp_path / "db", waiting["token"], {"approved": True})
    assert json.loads(done["output"])["Output"] == {"approved": True}
    assert children(tmp_path)[0]["status"] == "SUCCEEDED"
    assert api.replay(tmp_path / "db", "p") is None


def test_replay_of_a_child_replays_the_run_that_wrote_it(tmp_path):
    drawing = {
        "StartAt": "U",
        "States": {"U": {"Type": "Pass", "Parameters": {"u.$": "States.UUID()"}, "End": True}},
    }
    run(tmp_path, parent(), children={"child": drawing})
    [child] = children(tmp_path)
    assert api.replay(tmp_path / "db", child["name"]) is None


# -- with activities, Express workflows and TestState (merged from main) ----------------------

ACTIVITY = f"{ACCOUNT_REGION}:activity:review"
REVIEWING = {  # a child that waits for a worker of the `review` activity
    "StartAt": "Settle",
    "States": {
        "Settle": {"Type": "Wait", "Seconds": 10, "Next": "Review"},
        "Review": {"Type": "Task", "Resource": ACTIVITY, "TimeoutSeconds": 3600, "End": True},
    },
}


def test_an_activity_in_a_child_waits_for_a_worker_and_its_answer(tmp_path):
    api.create_activity(tmp_path / "db", "review", now_micros=START)
    waiting = run(tmp_path, parent(), children={"child": REVIEWING})
    [entry] = waiting["waiting"]  # the parent's run waits for the child's worker
    assert entry["state"] == "Review" and entry.get("activity")
    early = iso_aws(START + 5 * MICROS)  # the child waits from its 10th second on
    with pytest.raises(api.RunError, match="before the execution's last recorded moment"):
        api.get_activity_task(tmp_path / "db", ACTIVITY, worker_name="w1", at=early)
    task = api.get_activity_task(tmp_path / "db", ACTIVITY, worker_name="w1")
    assert json.loads(task["input"])["x"] == 3
    [child] = children(tmp_path)
    assert "ActivityStarted" in types(tmp_path, child["name"])
    assert details(tmp_path, child["name"], "ActivityStarted")["workerName"] == "w1"
    done = api.send_task_success(tmp_path / "db", task["taskToken"], {"ok": True})
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"])["Output"] == {"ok": True}
    assert api.replay(tmp_path / "db", "p") is None


@pytest.mark.parametrize("where", ["named", "registry"])
def test_an_activity_only_a_child_names_is_known_to_the_run(tmp_path, where):
    api.create_activity(tmp_path / "db", "review", now_micros=START)
    named = {"child": REVIEWING}
    if where == "registry":
        record = {"name": "child", "definition": json.dumps(REVIEWING)}
        with EventLog(tmp_path / "db") as log:
            log.put_doc(STATE_MACHINES, CHILD_ARN, dict(record, stateMachineArn=CHILD_ARN))
        named = {}
    waiting = run(tmp_path, parent(), children=named)
    [record] = [d for d in api.list_executions(tmp_path / "db") if d["name"] == "p"]
    assert record["activities"] == [ACTIVITY]
    assert waiting["status"] == "RUNNING"  # not "The activity review does not exist."


def test_an_express_workflow_refuses_a_sync_start(tmp_path):
    for resource in ("startExecution.sync", "startExecution.sync:2"):
        with pytest.raises(api.InvalidDefinition, match=r"\.sync"):
            run(tmp_path, parent(resource), type="EXPRESS")


def test_an_express_workflow_starts_a_standard_child_that_runs_on(tmp_path):
    result = run(tmp_path, parent("startExecution"), type="EXPRESS")
    assert result["status"] == "SUCCEEDED" and ":express:parent:p:" in result["executionArn"]
    started = json.loads(result["output"])
    [child] = children(tmp_path)
    assert started["ExecutionArn"] == child["executionArn"]
    assert ":execution:child:" in child["executionArn"] and child["status"] == "SUCCEEDED"
    assert api.replay(tmp_path / "db", result["executionArn"]) is None


def test_test_state_of_a_wait_for_token_start_asks_for_a_mock(tmp_path):
    state = parent("startExecution.waitForTaskToken")["States"]["Call"]
    with pytest.raises(TestStateError, match="needs --mock"):
        api.test_state(json.dumps(state), {"x": 1, "machine": CHILD_ARN})


def test_an_answer_to_a_childs_token_comes_no_earlier_than_the_child_waits(tmp_path):
    asking = {
        "StartAt": "Settle",
        "States": {
            "Settle": {"Type": "Wait", "Seconds": 10, "Next": "Ask"},
            "Ask": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}},
                "End": True,
            },
        },
    }
    [waiting] = run(tmp_path, parent(), children={"child": asking})["waiting"]
    early = iso_aws(START + 5 * MICROS)
    with pytest.raises(api.RunError, match="before the execution's last recorded moment"):
        api.send_task_success(tmp_path / "db", waiting["token"], {"ok": 1}, at=early)
    done = api.send_task_success(tmp_path / "db", waiting["token"], {"ok": 1})
    assert json.loads(done["output"])["Output"] == {"ok": 1}
    assert api.replay(tmp_path / "db", "p") is None


def test_a_branch_while_the_child_runs_answers_its_tasks_from_the_childs_record(tmp_path):
    api.create_activity(tmp_path / "db", "review", now_micros=START)
    run(tmp_path, parent(), children={"child": REVIEWING})
    task = api.get_activity_task(tmp_path / "db", ACTIVITY, worker_name="w1")
    done = api.send_task_success(tmp_path / "db", task["taskToken"], {"ok": True})
    # at TaskSubmitted: the child goes on after the fork point, its worker's answer with it
    branch = api.branch(tmp_path / "db", "p", 5, name="p-b")
    assert branch["status"] == "SUCCEEDED" and branch["output"] == done["output"]
    assert len(children(tmp_path)) == 1
    assert api.replay(tmp_path / "db", "p-b") is None
