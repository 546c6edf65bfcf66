"""`resume`: an execution interrupted (kill -9, Ctrl-C, SIGTERM, a Task nothing answers) goes on
from its last committed event to the same events as a run never interrupted."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from replay import api
from replay.runner import RunError
from store import EventLog
from tests.helpers import START, mock_config
from tui import commands

REPO = Path(__file__).resolve().parent.parent
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"

LOOP = {
    "StartAt": "Init",
    "States": {
        "Init": {"Type": "Pass", "Parameters": {"n": 0, "id.$": "States.UUID()"}, "Next": "Work"},
        "Work": {"Type": "Task", "Resource": LAMBDA + "work", "Next": "Check"},
        "Check": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.n", "NumericLessThan": 6, "Next": "Work"}],
            "Default": "Done",
        },
        "Done": {"Type": "Succeed"},
    },
}

HANDLERS_FILE = textwrap.dedent("""
    import os, signal
    CALLS = [0]

    def work(value, context):
        CALLS[0] += 1
        if os.environ.get("STOP_AT") == str(CALLS[0]):
            if os.environ["STOP_SIGNAL"] == "RAISE":
                raise KeyboardInterrupt
            os.kill(os.getpid(), getattr(signal, os.environ["STOP_SIGNAL"]))
        return dict(value, n=value["n"] + 1, at=context["State"]["EnteredTime"])

    HANDLERS = {"Work": work}
""")


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *args],
        cwd=REPO,
        text=True,
        check=False,
        capture_output=True,
        timeout=60,
        env=dict(os.environ, **(env or {})),
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict:
    """The loop definition, its handlers file, and an uninterrupted run of it (reference)."""
    tmp = tmp_path_factory.mktemp("resume")
    (tmp / "loop.json").write_text(json.dumps(LOOP))
    (tmp / "handlers.py").write_text(HANDLERS_FILE)
    ref = run_cli(tmp, tmp / "ref")
    assert ref.returncode == 0, ref.stderr
    return {
        "tmp": tmp,
        "ref_db": tmp / "ref",
        "ref": json.loads(ref.stdout),
        "ref_history": cli("history", "e", "--db", str(tmp / "ref"), "--format", "aws").stdout,
    }


def run_cli(tmp: Path, db: Path, **env: str) -> subprocess.CompletedProcess:
    return cli(
        "run",
        str(tmp / "loop.json"),
        "--handlers",
        str(tmp / "handlers.py"),
        "--name",
        "e",
        "--seed",
        "5",
        "--start-time",
        "2026-01-01T00:00:00+00:00",
        "--db",
        str(db),
        "--json",
        env=env,
    )


def test_kill_9_then_resume_gives_the_uninterrupted_history(files):
    db = files["tmp"] / "killed"
    killed = run_cli(files["tmp"], db, STOP_AT="4", STOP_SIGNAL="SIGKILL")
    assert killed.returncode == -signal.SIGKILL
    before = len(api.history(db, "e"))
    assert 0 < before < len(api.history(files["ref_db"], "e"))
    [listed] = commands.list_executions(db)  # what `list` prints
    assert listed.startswith("INTERRUPTED") and listed.endswith("(killed)")
    resumed = cli("resume", "e", "--db", str(db), "--json")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout) == files["ref"]
    history = cli("history", "e", "--db", str(db), "--format", "aws").stdout
    assert history == files["ref_history"]


@pytest.mark.parametrize("signame, code", [("SIGTERM", 143), ("SIGINT", 130)])
def test_a_signal_says_how_to_resume(files, signame, code):
    db = files["tmp"] / signame
    stopped = run_cli(files["tmp"], db, STOP_AT="3", STOP_SIGNAL=signame)
    assert stopped.returncode == code, stopped.stderr
    committed = len(api.history(db, "e"))
    assert stopped.stderr.splitlines() == [
        (
            f"sfn-replay: interrupted at event {committed}; continue with: "
            f"sfn-replay resume e --db {db}"
        )
    ]
    assert api.list_executions(db)[0]["stopReason"] == f"{signame} received"
    assert api.resume(db, "e") == files["ref"]
    assert api.history(db, "e") == api.history(files["ref_db"], "e")


def test_resume_of_a_finished_execution_exits_2(files):
    done = cli("resume", "e", "--db", str(files["ref_db"]))
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["sfn-replay: execution e already finished (SUCCEEDED)"]


SLOW_LOOP = {
    "StartAt": "Init",
    "States": {
        "Init": {"Type": "Pass", "Parameters": {"n": 0, "id.$": "States.UUID()"}, "Next": "Work"},
        "Work": {"Type": "Task", "Resource": LAMBDA + "work", "Next": "Check"},
        "Check": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.n", "NumericLessThan": 150, "Next": "Work"}],
            "Default": "Done",
        },
        "Done": {"Type": "Succeed"},
    },
}

SLOW_HANDLERS = textwrap.dedent("""
    import sys, time

    def work(value, context):
        if value["n"] == 0:
            print("started", file=sys.stderr, flush=True)
        time.sleep(0.002)
        return dict(value, n=value["n"] + 1)

    HANDLERS = {"Work": work}
""")


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGINT])
def test_a_signal_at_any_moment_loses_nothing(tmp_path, signum):
    """Stopped at a random moment (in a handler, the interpreter or a commit), the run resumes
    to the events of a run never stopped."""
    (tmp_path / "loop.json").write_text(json.dumps(SLOW_LOOP))
    (tmp_path / "handlers.py").write_text(SLOW_HANDLERS)
    args = [
        "run",
        str(tmp_path / "loop.json"),
        "--handlers",
        str(tmp_path / "handlers.py"),
        "--name",
        "e",
        "--seed",
        "4",
        "--start-time",
        "2026-01-01T00:00:00+00:00",
    ]
    db = tmp_path / "db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", *args, "--db", str(db)],
        cwd=REPO,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stderr.readline() == "started\n"
        time.sleep(random.uniform(0.0, 0.2))  # the run takes 0.3 s at least
        proc.send_signal(signum)
        proc.wait(timeout=30)
        rest = proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    events = len(api.history(db, "e"))
    [doc] = api.list_executions(db)
    if doc["status"] == "INTERRUPTED":
        if signum == signal.SIGINT:
            assert proc.returncode == 130
            assert rest == (
                f"sfn-replay: interrupted at event {events}; continue with: "
                f"sfn-replay resume e --db {db}\n"
            )
        assert api.resume(db, "e")["status"] == "SUCCEEDED"
    else:  # the signal came after the end of the run (a very slow machine)
        assert doc["status"] == "SUCCEEDED"
    reference = api.run(
        tmp_path / "ref",
        json.dumps(SLOW_LOOP),
        {},
        name="e",
        seed=4,
        state_machine_name="loop",
        start_micros=START,
        handlers_file=tmp_path / "handlers.py",
    )
    assert reference["status"] == "SUCCEEDED"
    assert api.history(db, "e") == api.history(tmp_path / "ref", "e")


# -- in process: an interrupt at every Task invocation, inside Parallel, Map, Distributed Map --

PARALLEL_MAP = {
    "StartAt": "Init",
    "States": {
        "Init": {"Type": "Pass", "Result": {"items": [1, 2, 3]}, "Next": "P"},
        "P": {
            "Type": "Parallel",
            "Next": "Loop",
            "ResultPath": "$.p",
            "Branches": [
                {
                    "StartAt": "A",
                    "States": {"A": {"Type": "Task", "Resource": LAMBDA + "a", "End": True}},
                },
                {
                    "StartAt": "M",
                    "States": {
                        "M": {
                            "Type": "Map",
                            "ItemsPath": "$.items",
                            "End": True,
                            "ItemProcessor": {
                                "StartAt": "B",
                                "States": {
                                    "B": {"Type": "Task", "Resource": LAMBDA + "b", "End": True}
                                },
                            },
                        }
                    },
                },
            ],
        },
        "Loop": {
            "Type": "Task",
            "Resource": LAMBDA + "c",
            "Next": "C",
            "Retry": [
                {
                    "ErrorEquals": ["Flaky"],
                    "IntervalSeconds": 2,
                    "JitterStrategy": "FULL",
                    "MaxAttempts": 3,
                }
            ],
        },
        "C": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.n", "NumericLessThan": 3, "Next": "Loop"}],
            "Default": "Done",
        },
        "Done": {"Type": "Pass", "Parameters": {"r.$": "States.MathRandom(1, 1000)"}, "End": True},
    },
}

DISTRIBUTED = {
    "StartAt": "Fan",
    "States": {
        "Fan": {
            "Type": "Map",
            "Label": "Fan",
            "End": True,
            "MaxConcurrency": 2,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "B",
                "States": {
                    "B": {"Type": "Task", "Resource": LAMBDA + "b", "Next": "W"},
                    "W": {"Type": "Wait", "Seconds": 3, "End": True},
                },
            },
        }
    },
}


class Handlers:
    """Task answers that depend on the call; `stop_at`: raise KeyboardInterrupt at that call."""

    def __init__(self, stop_at: int | None = None) -> None:
        self.calls, self.stop_at = 0, stop_at

    def _answer(self, value, context):
        self.calls += 1
        if self.calls == self.stop_at:
            raise KeyboardInterrupt
        if context["State"]["Name"] in ("Loop", "Work"):
            flaky = context["State"]["Name"] == "Loop" and value.get("n", 0) == 1
            if flaky and context["State"].get("RetryCount") == 0:
                raise type("Flaky", (Exception,), {})("try again")
            return {"n": value.get("n", 0) + 1}
        return {"got": value, "state": context["State"]["Name"]}

    def table(self) -> dict:
        return {name: self._answer for name in ("A", "B", "Loop")}


def run_in_process(
    db: Path, definition: dict, stop_at: int | None, input_value=None, schedule: str = "round-robin"
) -> dict:
    handlers = Handlers(stop_at)
    try:
        return api.run(
            db,
            json.dumps(definition),
            input_value or {},
            state_machine_name="sm",
            name="e",
            seed=11,
            start_micros=START,
            handlers=handlers.table(),
            schedule=schedule,
        )
    except KeyboardInterrupt:
        listed = api.list_executions(db)
        assert [d["status"] for d in listed if not d.get("parentExecution")] == ["INTERRUPTED"]
        assert "RUNNING" not in [d["status"] for d in listed]  # children: their parent's lock
        return api.resume(db, "e", handlers=Handlers().table())


def all_histories(db: Path) -> dict:
    return {
        doc["name"]: (doc["status"], api.history(db, doc["executionArn"]))
        for doc in api.list_executions(db)
    }


@pytest.mark.parametrize(
    "definition, input_value, calls, schedule",
    [
        (PARALLEL_MAP, None, 8, "round-robin"),
        (PARALLEL_MAP, None, 8, "random"),
        (DISTRIBUTED, [{"k": 1}, {"k": 2}, {"k": 3}], 3, "round-robin"),
    ],
    ids=["parallel-map", "parallel-map-random", "distributed"],
)
def test_interrupted_at_any_task_resumes_to_the_same_histories(
    tmp_path, definition, input_value, calls, schedule
):
    reference = run_in_process(tmp_path / "ref", definition, None, input_value, schedule)
    assert reference["status"] == "SUCCEEDED"
    expected = all_histories(tmp_path / "ref")
    assert len(expected) == (4 if input_value else 1)
    for k in range(1, calls + 1):
        db = tmp_path / f"stop{k}"
        assert run_in_process(db, definition, k, input_value, schedule) == reference
        assert all_histories(db) == expected, f"interrupted at call {k}"


def test_resume_after_a_delayed_mock_keeps_its_times(tmp_path):
    """A mock's Delay (and the timeout it causes) is part of what the record answers."""
    definition = {
        "StartAt": "Slow",
        "States": {
            "Slow": {
                "Type": "Task",
                "Resource": LAMBDA + "slow",
                "TimeoutSeconds": 3,
                "Retry": [{"ErrorEquals": ["States.Timeout"]}],
                "Next": "Last",
            },
            "Last": {"Type": "Task", "Resource": LAMBDA + "last", "End": True},
        },
    }
    mocks = mock_config({"Slow": {"0": {"Return": 1, "Delay": 5}, "1": {"Return": 2, "Delay": 1}}})

    def start(db, with_last):
        responses = dict(
            mocks["MockedResponses"], **({"Last": {"0": {"Return": 3}}} if with_last else {})
        )
        config = {
            "StateMachines": {"sm": {"TestCases": {"t": {s: s for s in responses}}}},
            "MockedResponses": responses,
        }
        return api.run(
            db,
            json.dumps(definition),
            {},
            state_machine_name="sm",
            name="e",
            seed=1,
            start_micros=START,
            mocks=config,
            test_case="t",
        )

    reference = start(tmp_path / "ref", True)
    with pytest.raises(RunError, match="no mock or handler answers Task state 'Last'"):
        start(tmp_path / "db", False)
    config = mock_config({"Last": {"0": {"Return": 3}}})
    assert api.resume(tmp_path / "db", "e", mocks=config, test_case="t") == reference
    assert api.history(tmp_path / "db", "e") == api.history(tmp_path / "ref", "e")
    assert api.replay(tmp_path / "db", "e") is None


# -- a Task nothing answers -------------------------------------------------------------------


def test_a_task_nothing_answers_is_resumed_with_a_mock(tmp_path):
    (tmp_path / "loop.json").write_text(json.dumps(LOOP))
    mocks = {
        "StateMachines": {"loop": {"TestCases": {"t": {"Work": "w"}}}},
        "MockedResponses": {"w": {str(i): {"Return": {"n": i + 1}} for i in range(6)}},
    }
    (tmp_path / "mocks.json").write_text(json.dumps(mocks))
    common = ["--name", "e", "--seed", "3", "--start-time", "2026-01-01T00:00:00+00:00"]
    db, ref = str(tmp_path / "db"), str(tmp_path / "ref")
    mocked = ["--mock-config", str(tmp_path / "mocks.json"), "--test-case", "t"]
    api.run(
        ref,
        json.dumps(LOOP),
        {},
        state_machine_name="loop",
        name="e",
        seed=3,
        start_micros=START,
        mocks=mocks,
        test_case="t",
    )
    stopped = cli("run", str(tmp_path / "loop.json"), *common, "--db", db)
    assert stopped.returncode == 2
    [line] = stopped.stderr.splitlines()
    assert "no mock or handler answers Task state 'Work'" in line
    assert f"continue with: sfn-replay resume e --db {db} --mock-config" in line
    [listed] = commands.list_executions(db)  # what `list` prints
    assert listed.startswith("INTERRUPTED") and "no answer for Task Work" in listed
    resumed = cli("resume", "e", *mocked, "--db", db)
    assert resumed.returncode == 0, resumed.stderr
    assert api.history(db, "e") == api.history(ref, "e")
    doc = next(d for d in api.list_executions(db))
    assert doc["testCase"] == "t" and "stopReason" not in doc  # the mocks are recorded


def test_an_execution_running_elsewhere_is_not_resumed(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        api.run(
            tmp_path,
            json.dumps(LOOP),
            {},
            state_machine_name="sm",
            name="e",
            seed=1,
            start_micros=START,
            handlers={"Work": Handlers(stop_at=2)._answer},
        )
    [doc] = api.list_executions(tmp_path)
    assert doc["status"] == "INTERRUPTED"
    holder = subprocess.Popen(  # a writer in another process holds its lock
        [
            sys.executable,
            "-c",
            (
                "import sys; from replay.liveness import ExecutionLock; "
                f"lock = ExecutionLock({str(tmp_path)!r}, {doc['executionArn']!r}).__enter__(); "
                "print('held', flush=True); sys.stdin.read()"
            ),
        ],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "held\n"
        [doc] = api.list_executions(tmp_path)
        assert doc["status"] == "RUNNING"
        with pytest.raises(RunError, match="still running in another process"):
            api.resume(tmp_path, "e", handlers={"Work": Handlers()._answer})
    finally:
        holder.communicate("")
    assert api.resume(tmp_path, "e", handlers={"Work": Handlers()._answer})["status"] == (
        "SUCCEEDED"
    )


# -- durability while a handler runs ----------------------------------------------------------


def test_the_log_is_synced_while_a_slow_handler_runs(tmp_path, monkeypatch):
    syncs: list[float] = []
    real_sync = EventLog.sync

    def counting_sync(self):
        syncs.append(time.monotonic())
        real_sync(self)

    monkeypatch.setattr(EventLog, "sync", counting_sync)
    window: list[float] = []

    def slow(value, context):
        window.append(time.monotonic())
        time.sleep(1.6)
        window.append(time.monotonic())
        return {"n": 9}

    definition = {
        "StartAt": "Before",
        "States": {
            "Before": {"Type": "Pass", "Next": "Slow"},
            "Slow": {"Type": "Task", "Resource": LAMBDA + "slow", "End": True},
        },
    }
    api.run(
        tmp_path,
        json.dumps(definition),
        {},
        state_machine_name="sm",
        name="e",
        seed=1,
        start_micros=START,
        handlers={"Slow": slow},
    )
    during = [t for t in syncs if window[0] < t < window[1]]
    assert during and during[0] - window[0] <= 1.0


def test_an_interrupted_branch_is_resumed(tmp_path, monkeypatch):
    handlers = tmp_path / "handlers.py"
    handlers.write_text(HANDLERS_FILE)
    monkeypatch.setenv("STOP_SIGNAL", "RAISE")
    api.run(
        tmp_path / "db",
        json.dumps(LOOP),
        {},
        state_machine_name="sm",
        name="e",
        seed=1,
        start_micros=START,
        handlers_file=handlers,
    )
    reference = api.branch(tmp_path / "db", "e", 10, name="ref", seed=8, input_override={"n": 2})
    monkeypatch.setenv("STOP_AT", "2")
    with pytest.raises(KeyboardInterrupt):
        api.branch(tmp_path / "db", "e", 10, name="b", seed=8, input_override={"n": 2})
    monkeypatch.delenv("STOP_AT")
    assert 10 < len(api.history(tmp_path / "db", "b")) < len(api.history(tmp_path / "db", "ref"))
    resumed = api.resume(tmp_path / "db", "b")
    assert {k: v for k, v in resumed.items() if k not in ("executionArn", "name")} == {
        k: v for k, v in reference.items() if k not in ("executionArn", "name")
    }
    assert api.history(tmp_path / "db", "b") == api.history(tmp_path / "db", "ref")


def test_the_hint_names_the_execution_by_arn_when_its_name_is_not_unique(tmp_path):
    text = json.dumps(LOOP)
    api.run(
        tmp_path,
        text,
        {},
        state_machine_name="one",
        name="e",
        seed=1,
        start_micros=START,
        handlers={"Work": Handlers()._answer},
    )
    with pytest.raises(RunError) as stopped:
        api.run(tmp_path, text, {}, state_machine_name="two", name="e", seed=1, start_micros=START)
    arn = "arn:aws:states:us-east-1:123456789012:execution:two:e"
    assert f"continue with: sfn-replay resume {arn} --db {tmp_path}" in str(stopped.value)
    assert api.resume(tmp_path, arn, handlers={"Work": Handlers()._answer})["status"] == (
        "SUCCEEDED"
    )


def test_an_exported_then_imported_unfinished_execution_resumes_like_the_original(tmp_path):
    db = tmp_path / "db"
    with pytest.raises(RunError):
        api.run(
            db, json.dumps(LOOP), {}, state_machine_name="sm", name="e", seed=2, start_micros=START
        )
    api.import_history(
        db, [api.export(db, "e")], json.dumps(LOOP), state_machine_name="sm", name="copy"
    )
    mocks = mock_config({"Work": {str(i): {"Return": {"n": i + 1}} for i in range(6)}})
    original = api.resume(db, "e", mocks=mocks, test_case="t")
    copy = api.resume(db, "copy", mocks=mocks, test_case="t")
    assert original["status"] == copy["status"] == "SUCCEEDED"
    assert api.diff(db, "e", "copy")["firstDifference"] is None
