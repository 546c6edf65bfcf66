"""replay.map_runs: the Map Runs of a recorded history, each ended by its own event."""

from __future__ import annotations

import json

import pytest

from replay import api, map_runs
from tests.helpers import START
from tests.test_serve_map_runs import PROCESSOR


def processor(suffix: str) -> dict:
    """PROCESSOR with its states renamed (state names are unique in a state machine)."""
    text = json.dumps(PROCESSOR)
    for name in ("Odd?", "Boom", "Fine"):
        text = text.replace(f'"{name}"', f'"{name}{suffix}"')
    return json.loads(text)


def branch(name: str, tolerated: int) -> dict:
    state = {
        "Type": "Map",
        "ItemProcessor": processor(name),
        "ItemsPath": f"$.{name}",
        "ToleratedFailureCount": tolerated,
        "End": True,
    }
    return {"StartAt": name, "States": {name: state}}


def test_map_runs_in_parallel_branches_end_each_with_its_own_event(tmp_path):
    definition = {
        "StartAt": "Both",
        "States": {
            "Both": {
                "Type": "Parallel",
                "Branches": [branch("ok", 1), branch("bad", 0), branch("later", 0)],
                "End": True,
            }
        },
    }
    odd = [{"odd": True}]
    value = {"ok": odd, "bad": odd, "later": [{"odd": False}] * 3}
    result = api.run(
        tmp_path / "db",
        json.dumps(definition),
        value,
        state_machine_name="sm",
        name="p",
        start_micros=START,
        seed=3,
    )
    assert result["status"] == "FAILED"
    runs = {run["state"]: run for run in map_runs.map_runs(api.events(tmp_path / "db", "p"))}
    # MapRunSucceeded/MapRunFailed name no Map Run: each is the one up its chain of events
    assert runs["ok"]["status"] == "SUCCEEDED" and runs["bad"]["status"] == "FAILED"
    assert runs["later"]["status"] == "SUCCEEDED"  # it ended after "bad" (seed 3's schedule)
    assert all(run["stop"] is not None for run in runs.values())
    assert len({run["arn"] for run in runs.values()}) == 3


def test_a_map_run_still_running_when_its_execution_ends_is_aborted():
    events = [
        {"id": 1, "previousEventId": 0, "timestamp": 5, "type": "MapStateEntered",
         "stateEnteredEventDetails": {"name": "M"}},
        {"id": 2, "previousEventId": 1, "timestamp": 6, "type": "MapRunStarted",
         "mapRunStartedEventDetails": {"mapRunArn": "arn:r"}},
        {"id": 3, "previousEventId": 0, "timestamp": 9, "type": "ExecutionFailed"},
    ]  # fmt: skip
    (run,) = map_runs.map_runs(events)
    assert (run["arn"], run["state"], run["status"], run["start"], run["stop"]) == (
        "arn:r",
        "M",
        "ABORTED",
        6,
        9,
    )


def test_a_map_run_in_a_child_execution_is_found_in_that_childs_history(tmp_path):
    from tests.test_distributed_map import CHILD

    def distributed(label: str, processor: dict, **more) -> dict:
        config = {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
        return {
            "Type": "Map",
            "Label": label,
            "ItemProcessor": {"ProcessorConfig": config, **processor},
            "End": True,
            **more,
        }

    inner = distributed("In", CHILD, ItemsPath="$.xs")
    outer = {
        "StartAt": "O",
        "States": {"O": distributed("Out", {"StartAt": "I", "States": {"I": inner}})},
    }
    db = tmp_path / "db"
    result = api.run(db, json.dumps(outer), [{"xs": [{"n": 1}, {"n": 2}]}], state_machine_name="sm")
    assert result["status"] == "SUCCEEDED"
    docs = api.list_executions(db)
    (child,) = [d for d in docs if d["stateMachineName"] == "sm/Out"]
    (run,) = api.list_map_runs(db, child["executionArn"])  # the inner Map Run, started there
    described = api.describe_map_run(db, run["arn"])
    assert described["executionArn"] == child["executionArn"]  # not the root its children name
    assert described["status"] == "SUCCEEDED" and described["itemCounts"]["succeeded"] == 2


# --- on histories written by hand: each rule of map_runs alone ---------------------------------

EXPRESS = "arn:aws:states:us-east-1:123456789012:express:sm:p:1"
STANDARD = "arn:aws:states:us-east-1:123456789012:execution:sm:p"


def event(id_: int, previous: int, kind: str, at: int = 0, **details) -> dict:
    return {"id": id_, "previousEventId": previous, "timestamp": at, "type": kind, **details}


def entered(id_: int, previous: int, name: str) -> dict:
    return event(id_, previous, "MapStateEntered", stateEnteredEventDetails={"name": name})


def run_started(id_: int, previous: int, arn: str, at: int = 0) -> dict:
    return event(id_, previous, "MapRunStarted", at, mapRunStartedEventDetails={"mapRunArn": arn})


def test_a_redriven_map_run_runs_again_from_its_redrive():
    events = [
        entered(1, 0, "M"),
        run_started(2, 1, "arn:r", at=5),
        event(3, 2, "MapRunFailed", 8),
        event(4, 0, "MapRunRedriven", 20, mapRunRedrivenEventDetails={"mapRunArn": "arn:r"}),
        event(5, 0, "MapRunRedriven", 30, mapRunRedrivenEventDetails={"mapRunArn": "arn:other"}),
    ]
    (run,) = map_runs.map_runs(events)
    assert (run["status"], run["stop"], run["redriveMicros"], run["redriveCount"]) == (
        "RUNNING",
        None,
        20,
        0,  # the event does not say: none counted
    )
    events[3]["mapRunRedrivenEventDetails"]["redriveCount"] = 2
    events.append(event(6, 4, "MapRunSucceeded", 40))
    (run,) = map_runs.map_runs(events)
    assert (run["status"], run["stop"], run["redriveCount"]) == ("SUCCEEDED", 40, 2)


def test_a_map_run_s_end_is_found_up_a_long_chain_and_not_past_its_start():
    events = [run_started(1, 0, "arn:r")]  # its MapStateEntered is not in the history
    events += [event(i, i - 1, "TaskStateEntered") for i in range(2, 8)]
    events.append(event(8, 7, "MapRunFailed", 9))
    (run,) = map_runs.map_runs(events)
    assert (run["state"], run["status"], run["stop"]) == (None, "FAILED", 9)
    orphan = [run_started(1, 0, "arn:r"), event(2, 0, "MapRunFailed", 9)]
    (run,) = map_runs.map_runs(orphan)
    assert run["status"] == "RUNNING"  # an end up no Map Run's chain ends none
    looped = [run_started(1, 0, "arn:r"), event(2, 3, "MapRunFailed"), event(3, 2, "Pass")]
    assert map_runs.map_runs(looped)[0]["status"] == "RUNNING"  # and a loop does not hang


def test_the_entered_event_and_the_length_of_each_map_run():
    events = [
        entered(1, 0, "A"),
        event(2, 1, "MapStateStarted", mapStateStartedEventDetails={"length": 7}),
        run_started(3, 2, "arn:a"),
        entered(4, 0, "B"),
        event(5, 4, "MapStateStarted", mapStateStartedEventDetails={"length": 2}),
        event(6, 5, "MapIterationStarted"),
        run_started(7, 6, "arn:b"),
    ]
    runs = {run["state"]: run for run in map_runs.map_runs(events)}
    assert map_runs.entered_event(events, runs["B"])["id"] == 4
    assert map_runs.entered_event(events, {"arn": "arn:none"}) is None
    assert map_runs.length_of(events, runs["A"]) == 7
    assert map_runs.length_of(events, runs["B"]) == 2
    assert map_runs.length_of(events, {"arn": "arn:none"}) == 0
    assert map_runs.length_of([run_started(1, 0, "arn:x")], {"arn": "arn:x"}) == 0


def test_a_state_is_found_in_branches_iterators_and_item_processors():
    leaf = {"Type": "Map", "MaxConcurrency": 3}
    definition = {
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [
                    {"States": {"Other": {"Type": "Pass"}}},
                    {"States": {"Old": {"Type": "Map", "Iterator": {"States": {"L": leaf}}}}},
                ],
            },
            "Q": {"Type": "Map", "ItemProcessor": {"States": {"Q1": {"Type": "Pass"}}}},
        }
    }
    assert map_runs.find_state(definition, "L") is leaf
    assert map_runs.find_state(definition, "Q1") == {"Type": "Pass"}
    assert map_runs.find_state(definition, "Other") == {"Type": "Pass"}
    assert map_runs.find_state(definition, "Nowhere") is None
    odd = {"States": {"P": {"Type": "Parallel", "Branches": ["not a machine", {"States": {}}]}}}
    assert map_runs.find_state(odd, "X") is None


@pytest.mark.parametrize(
    "run, parent, expected",
    [
        ({"status": "FAILED", "redriveCount": 0}, {"executionArn": STANDARD}, True),
        ({"status": "SUCCEEDED", "redriveCount": 0}, {"executionArn": STANDARD}, False),
        ({"status": "FAILED", "redriveCount": 999}, {}, True),
        ({"status": "FAILED", "redriveCount": 1000}, {}, False),
        ({"status": "FAILED", "redriveCount": 0}, {"status": "SUCCEEDED"}, False),
        ({"status": "FAILED", "redriveCount": 0}, {"status": "FAILED", "events": 24_998}, True),
        ({"status": "FAILED", "redriveCount": 0}, {"status": "FAILED", "events": 24_999}, False),
        ({"status": "FAILED", "redriveCount": 0}, {"events": None}, True),
        ({"status": "FAILED", "redriveCount": 0}, {"imported": True}, False),
        ({"status": "FAILED", "redriveCount": 0}, {"executionArn": EXPRESS}, False),
    ],
)
def test_which_map_runs_may_be_redriven(run, parent, expected):
    assert map_runs.redrivable(run, parent) is expected


def children(*statuses, items=None) -> list[dict]:
    out = [{"status": status} if status else {} for status in statuses]
    for child, n in zip(out, items or []):
        if n is not None:
            child["items"] = n
    return out


def test_counts_by_status_what_was_written_and_what_cannot_be_redriven():
    kids = children("SUCCEEDED", "FAILED", "FAILED", "TIMED_OUT", "ABORTED", "ABORTED", "ABORTED")
    kids += children("RUNNING", "INTERRUPTED", "PENDING_REDRIVE", None, "SOMETHING_NEW")
    out = map_runs.counts(kids, 15, True, final=True)
    assert out == {
        "pending": 3,
        "running": 4,  # RUNNING, INTERRUPTED, no status yet, a status it does not know
        "succeeded": 1,
        "failed": 2,
        "timedOut": 1,
        "aborted": 3,
        "total": 15,
        "resultsWritten": 7,
        "failuresNotRedrivable": 6,
        "pendingRedrive": 1,
    }
    assert map_runs.counts(kids, 0, False, final=False)["total"] == 12
    batches = children("SUCCEEDED", "FAILED", items=[3, None])
    assert map_runs.counts(batches, 10, False, by_items=True, final=False)["succeeded"] == 3
    assert map_runs.counts(batches, 10, False, by_items=True, final=False)["failed"] == 1


def test_describe_counts_batches_as_executions_and_their_items_as_items():
    run = {"arn": "arn:r", "status": "RUNNING", "start": 1, "stop": None}
    run.update(redriveCount=0, redriveMicros=None)
    state = {"ItemBatcher": {"MaxItemsPerBatch": 2}}
    out = map_runs.describe(run, "arn:e", state, [], 5)
    assert (out["executionCounts"]["total"], out["executionCounts"]["pending"]) == (0, 0)
    assert (out["itemCounts"]["total"], out["itemCounts"]["pending"]) == (5, 5)
    batches = children("SUCCEEDED", "RUNNING", items=[2, 2])
    out = map_runs.describe(run, "arn:e", state, batches, 5)
    assert out["executionCounts"] == map_runs.counts(batches, 0, False, final=False)
    assert (out["itemCounts"]["succeeded"], out["itemCounts"]["pending"]) == (2, 1)


def test_describe_says_failures_are_final_when_the_parent_cannot_be_redriven():
    run = {"arn": "arn:r", "status": "FAILED", "start": 1, "stop": 2}
    run.update(redriveCount=0, redriveMicros=None)
    kids = children("FAILED")
    out = map_runs.describe(run, STANDARD, None, kids, 1, parent={"status": "FAILED"})
    assert out["itemCounts"]["failuresNotRedrivable"] == 0
    out = map_runs.describe(run, STANDARD, None, kids, 1, parent={"status": "SUCCEEDED"})
    assert out["itemCounts"]["failuresNotRedrivable"] == 1
    assert out["executionCounts"]["failuresNotRedrivable"] == 1


def test_describe_without_a_batcher_counts_items_not_started_as_pending_executions():
    run = {"arn": "arn:r", "status": "RUNNING", "start": 1, "stop": None}
    run.update(redriveCount=0, redriveMicros=None)
    out = map_runs.describe(run, STANDARD, {"MaxConcurrency": 1}, children("RUNNING"), 3)
    for counts in (out["executionCounts"], out["itemCounts"]):
        assert (counts["total"], counts["running"], counts["pending"]) == (3, 1, 2)


def test_settings_given_by_context_object_paths_are_read_from_the_execution(tmp_path):
    fan = {
        "Type": "Map",
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            **processor(""),
        },
        "ItemsPath": "$.items",
        "MaxConcurrencyPath": "$$.Execution.Input.slots",
        "ToleratedFailureCountPath": "$$.Execution.Input.count",
        "End": True,
    }
    definition = {"StartAt": "Fan", "States": {"Fan": fan}}
    value = {"slots": 2, "count": 1, "items": [{"odd": True}, {"odd": False}]}
    db = tmp_path / "db"
    result = api.run(db, json.dumps(definition), value, state_machine_name="sm", name="c")
    assert result["status"] == "SUCCEEDED"
    (run,) = api.list_map_runs(db, "c")
    described = api.describe_map_run(db, run["arn"])
    assert (described["maxConcurrency"], described["toleratedFailureCount"]) == (2, 1)
