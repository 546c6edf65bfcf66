"""`serve`: the Step Functions API that boto3 and the AWS CLI talk to, on a server started by the
test (on a thread of the test process; the `serve` command itself in a subprocess)."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request

import pytest

from replay.endpoint.local import running
from tests.serve_helpers import (
    ROLE,
    WAIT_FOR_TOKEN,
    check_shapes,
    client,
    pass_chain,
    token_of,
)


@pytest.fixture
def server(tmp_path):
    with running(tmp_path / "db") as url:
        yield url


@pytest.fixture
def raw():
    return []


@pytest.fixture
def sfn(server, raw):
    return client(server, raw=raw)


EXPRESS_ARN = (
    r"arn:aws:states:us-east-1:123456789012:express:{machine}:{name}:"
    r"[0-9a-f]{{8}}-[0-9a-f]{{4}}-4[0-9a-f]{{3}}-[89ab][0-9a-f]{{3}}-[0-9a-f]{{12}}"
)


def create(sfn, name="m", definition=None, **kwargs) -> str:
    text = json.dumps(definition or pass_chain(3))
    return sfn.create_state_machine(name=name, definition=text, roleArn=ROLE, **kwargs)[
        "stateMachineArn"
    ]


def wait_done(sfn, arn: str) -> dict:
    for _ in range(200):
        out = sfn.describe_execution(executionArn=arn)
        if out["status"] != "RUNNING":
            return out
        time.sleep(0.005)
    return out


def test_state_machines_create_describe_list_update_delete(sfn, raw):
    arn = create(sfn, tags=[{"key": "team", "value": "a"}])
    assert arn == "arn:aws:states:us-east-1:123456789012:stateMachine:m"
    described = sfn.describe_state_machine(stateMachineArn=arn)
    assert (described["name"], described["type"], described["roleArn"]) == ("m", "STANDARD", ROLE)
    assert json.loads(described["definition"]) == pass_chain(3)
    create(sfn, "another")
    names = [m["name"] for m in sfn.list_state_machines()["stateMachines"]]
    assert names == ["another", "m"]
    page = sfn.list_state_machines(maxResults=1)
    assert [m["name"] for m in page["stateMachines"]] == ["another"]
    rest = sfn.list_state_machines(maxResults=1, nextToken=page["nextToken"])
    assert [m["name"] for m in rest["stateMachines"]] == ["m"] and "nextToken" not in rest
    sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(pass_chain(5)))
    assert json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"]) == pass_chain(
        5
    )
    sfn.tag_resource(resourceArn=arn, tags=[{"key": "env", "value": "dev"}])
    sfn.untag_resource(resourceArn=arn, tagKeys=["team"])
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "env", "value": "dev"}]
    sfn.delete_state_machine(stateMachineArn=arn)
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist):
        sfn.describe_state_machine(stateMachineArn=arn)
    ok = sfn.validate_state_machine_definition(definition=json.dumps(pass_chain(2)))
    bad = sfn.validate_state_machine_definition(definition='{"StartAt": "X", "States": {}}')
    assert (ok["result"], bad["result"]) == ("OK", "FAIL") and bad["diagnostics"]
    lacking = sfn.validate_state_machine_definition(definition="{}")["diagnostics"]
    assert [d["message"] for d in lacking] == ["These fields are required: [States, StartAt]"]
    with pytest.raises(sfn.exceptions.InvalidDefinition) as refused:
        text = json.dumps({"States": pass_chain(1)["States"]})
        sfn.create_state_machine(name="lacking", definition=text, roleArn=ROLE)
    assert refused.value.response["Error"]["Message"] == (
        "Invalid State Machine Definition: "
        "'SCHEMA_VALIDATION_FAILED: These fields are required: [StartAt] at /'"
    )
    check_shapes(raw)


def test_start_runs_to_its_end_at_the_wall_clock_with_the_history_aws_returns(sfn, raw):
    arn = create(sfn, definition=pass_chain(4))
    before = time.time()
    started = sfn.start_execution(stateMachineArn=arn, name="e1", input='{"a": 1}')
    assert started["executionArn"] == "arn:aws:states:us-east-1:123456789012:execution:m:e1"
    assert before - 1 <= started["startDate"].timestamp() <= time.time() + 1
    done = wait_done(sfn, started["executionArn"])
    assert done["status"] == "SUCCEEDED" and json.loads(done["output"]) == {"done": True}
    assert done["startDate"] == started["startDate"] and done["stopDate"] >= done["startDate"]
    events = sfn.get_execution_history(executionArn=started["executionArn"])["events"]
    assert [e["id"] for e in events] == list(range(1, 11))
    assert events[0]["type"] == "ExecutionStarted" and events[-1]["type"] == "ExecutionSucceeded"
    assert events[0]["executionStartedEventDetails"]["roleArn"] == ROLE
    assert events[0]["timestamp"] == started["startDate"]
    machine = sfn.describe_state_machine_for_execution(executionArn=started["executionArn"])
    assert json.loads(machine["definition"]) == pass_chain(4) and machine["roleArn"] == ROLE
    check_shapes(raw)


def test_history_pages_in_both_orders_and_without_data(sfn, raw):
    arn = create(sfn, definition=pass_chain(6))
    execution = sfn.start_execution(stateMachineArn=arn, name="e")["executionArn"]
    wait_done(sfn, execution)
    everything = sfn.get_execution_history(executionArn=execution)["events"]
    assert len(everything) == 14

    def pages(**kwargs) -> list[list[int]]:
        out, token = [], None
        while True:
            extra = {"nextToken": token} if token else {}
            page = sfn.get_execution_history(
                executionArn=execution, maxResults=4, **kwargs, **extra
            )
            out.append([e["id"] for e in page["events"]])
            token = page.get("nextToken")
            if not token:
                return out

    assert pages() == [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14]]
    assert pages(reverseOrder=True) == [[14, 13, 12, 11], [10, 9, 8, 7], [6, 5, 4, 3], [2, 1]]
    bare = sfn.get_execution_history(executionArn=execution, includeExecutionData=False)["events"]
    assert "input" not in bare[0]["executionStartedEventDetails"]
    assert "output" not in bare[-1]["executionSucceededEventDetails"]
    assert "input" in everything[0]["executionStartedEventDetails"]
    with pytest.raises(sfn.exceptions.InvalidToken):
        sfn.get_execution_history(executionArn=execution, nextToken="not-a-token")
    check_shapes(raw)


def test_send_task_success_and_failure_continue_a_waiting_execution(sfn, raw):
    arn = create(sfn, definition=WAIT_FOR_TOKEN)
    first = sfn.start_execution(stateMachineArn=arn, name="yes")["executionArn"]
    second = sfn.start_execution(stateMachineArn=arn, name="no")["executionArn"]
    assert sfn.describe_execution(executionArn=first)["status"] == "RUNNING"
    time.sleep(0.05)
    assert sfn.describe_execution(executionArn=first)["status"] == "RUNNING"  # it waits
    with pytest.raises(sfn.exceptions.InvalidOutput):
        sfn.send_task_success(taskToken=token_of(sfn, first), output="{not json")
    sfn.send_task_success(taskToken=token_of(sfn, first), output='{"approved": true}')
    done = sfn.describe_execution(executionArn=first)
    assert done["status"] == "SUCCEEDED" and json.loads(done["output"]) == {"approved": True}
    token = token_of(sfn, second)
    sfn.send_task_heartbeat(taskToken=token)
    sfn.send_task_failure(taskToken=token, error="Rejected", cause="by a human")
    failed = sfn.describe_execution(executionArn=second)
    assert (failed["status"], failed["error"]) == ("FAILED", "Rejected")
    with pytest.raises(sfn.exceptions.TaskDoesNotExist):
        sfn.send_task_success(taskToken=token, output="{}")
    with pytest.raises(sfn.exceptions.InvalidToken):
        sfn.send_task_heartbeat(taskToken="x" * 2000)
    check_shapes(raw)


def test_list_executions_filters_by_status_and_pages_newest_first(sfn, raw):
    arn = create(sfn, definition=WAIT_FOR_TOKEN)
    names = [f"e{i}" for i in range(5)]
    for name in names:
        sfn.start_execution(stateMachineArn=arn, name=name)
    sfn.send_task_success(
        taskToken=token_of(sfn, arn.replace("stateMachine", "execution") + ":e1"), output="{}"
    )
    listed = sfn.list_executions(stateMachineArn=arn)["executions"]
    assert [e["name"] for e in listed] == names[::-1]  # newest first
    done = sfn.list_executions(stateMachineArn=arn, statusFilter="SUCCEEDED")["executions"]
    assert [e["name"] for e in done] == ["e1"]
    running = sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING", maxResults=3)
    assert [e["name"] for e in running["executions"]] == ["e4", "e3", "e2"]
    more = sfn.list_executions(
        stateMachineArn=arn, statusFilter="RUNNING", maxResults=3, nextToken=running["nextToken"]
    )
    assert [e["name"] for e in more["executions"]] == ["e0"]
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist):
        sfn.list_executions(stateMachineArn=arn + "-gone")
    check_shapes(raw)


def test_stop_aborts_a_waiting_execution_as_aws_records_it(sfn, raw):
    arn = create(sfn, definition=WAIT_FOR_TOKEN)
    execution = sfn.start_execution(stateMachineArn=arn, name="s")["executionArn"]
    stopped = sfn.stop_execution(executionArn=execution, error="Manual", cause="probe")
    out = sfn.describe_execution(executionArn=execution)
    assert (out["status"], out["error"], out["cause"]) == ("ABORTED", "Manual", "probe")
    assert out["stopDate"] == stopped["stopDate"]
    last = sfn.get_execution_history(executionArn=execution, reverseOrder=True)["events"][0]
    assert last["type"] == "ExecutionAborted"
    assert last["executionAbortedEventDetails"] == {"error": "Manual", "cause": "probe"}
    assert last["previousEventId"] == last["id"] - 1
    with pytest.raises(sfn.exceptions.ValidationException):
        sfn.stop_execution(executionArn=execution)
    with pytest.raises(sfn.exceptions.TaskDoesNotExist):
        sfn.send_task_success(taskToken=token_of(sfn, execution), output="{}")
    check_shapes(raw)


def test_errors_are_the_exceptions_botocore_raises(sfn, server):
    arn = create(sfn, definition=WAIT_FOR_TOKEN)
    gone = arn.replace(":m", ":gone")
    cases = [
        (
            sfn.exceptions.StateMachineDoesNotExist,
            lambda: sfn.start_execution(stateMachineArn=gone),
        ),
        (sfn.exceptions.InvalidArn, lambda: sfn.describe_state_machine(stateMachineArn="nope")),
        (sfn.exceptions.InvalidArn, lambda: sfn.describe_execution(executionArn=arn)),
        (
            sfn.exceptions.ExecutionDoesNotExist,
            lambda: sfn.describe_execution(
                executionArn=arn.replace("stateMachine", "execution") + ":x"
            ),
        ),
        (
            sfn.exceptions.InvalidDefinition,
            lambda: create(sfn, "bad", {"StartAt": "X", "States": {}}),
        ),
        (sfn.exceptions.InvalidName, lambda: create(sfn, "bad name")),
        (sfn.exceptions.StateMachineAlreadyExists, lambda: create(sfn, "m", pass_chain(2))),
        (
            sfn.exceptions.InvalidExecutionInput,
            lambda: sfn.start_execution(stateMachineArn=arn, input="{"),
        ),
        (sfn.exceptions.InvalidName, lambda: sfn.start_execution(stateMachineArn=arn, name="a b")),
        (
            sfn.exceptions.TaskDoesNotExist,
            lambda: sfn.send_task_success(taskToken="t", output="{}"),
        ),
        (sfn.exceptions.InvalidOutput, lambda: sfn.send_task_success(taskToken="t", output="{")),
        (
            sfn.exceptions.StateMachineTypeNotSupported,
            lambda: sfn.start_sync_execution(stateMachineArn=arn),
        ),
    ]
    for error, call in cases:
        with pytest.raises(error):
            call()
    first = sfn.start_execution(stateMachineArn=arn, name="once", input='{"a": 1}')
    again = sfn.start_execution(stateMachineArn=arn, name="once", input='{"a": 1}')
    assert again == {**first, "ResponseMetadata": again["ResponseMetadata"]}  # running: idempotent
    with pytest.raises(sfn.exceptions.ExecutionAlreadyExists):
        sfn.start_execution(stateMachineArn=arn, name="once", input='{"a": 2}')
    headers = {
        "X-Amz-Target": "AWSStepFunctions.DescribeNothing",
        "Content-Type": "application/x-amz-json-1.0",
    }
    with pytest.raises(urllib.error.HTTPError) as unknown:
        urllib.request.urlopen(urllib.request.Request(server, b"{}", headers), timeout=5)
    assert unknown.value.code == 400
    assert json.loads(unknown.value.read())["__type"] == "UnknownOperationException"


def test_a_task_nothing_answers_fails_with_states_taskfailed(sfn):
    definition = {
        "StartAt": "Charge",
        "States": {
            "Charge": {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:charge",
                "End": True,
            }
        },
    }
    arn = create(sfn, definition=definition)
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    out = wait_done(sfn, execution)
    assert (out["status"], out["error"]) == ("FAILED", "States.TaskFailed")
    assert "'Charge'" in out["cause"] and "function:charge" in out["cause"]


def test_the_test_case_after_hash_selects_the_mocks(tmp_path):
    definition = {
        "StartAt": "Charge",
        "States": {
            "Charge": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}
        },
    }
    mocks = {
        "StateMachines": {"pay": {"TestCases": {"Happy": {"Charge": "Ok"}}}},
        "MockedResponses": {"Ok": {"0": {"Return": {"Payload": {"paid": 3}}}}},
    }
    with running(tmp_path / "db", mocks=mocks) as url:
        sfn = client(url)
        arn = create(sfn, "pay", definition)
        execution = sfn.start_execution(stateMachineArn=arn + "#Happy", name="h")["executionArn"]
        assert execution.endswith(":execution:pay:h")
        out = wait_done(sfn, execution)
        assert out["status"] == "SUCCEEDED"
        assert json.loads(out["output"])["Payload"] == {"paid": 3}
        with pytest.raises(sfn.exceptions.ValidationException):
            sfn.start_execution(stateMachineArn=arn + "#NoSuchCase")
        unmocked = sfn.start_execution(stateMachineArn=arn)["executionArn"]
        assert wait_done(sfn, unmocked)["error"] == "States.TaskFailed"


def test_start_sync_execution_of_an_express_machine(sfn, raw):
    arn = create(sfn, "fast", pass_chain(3), type="EXPRESS")
    out = sfn.start_sync_execution(stateMachineArn=arn, name="x", input='{"k": 1}')
    assert out["status"] == "SUCCEEDED" and json.loads(out["output"]) == {"done": True}
    assert json.loads(out["input"]) == {"k": 1}
    assert re.fullmatch(EXPRESS_ARN.format(machine="fast", name="x"), out["executionArn"])
    assert out["billingDetails"] == {
        "billedMemoryUsedInMB": 64,
        "billedDurationInMilliseconds": 100,
    }
    again = sfn.start_sync_execution(stateMachineArn=arn, name="x")  # names may repeat
    assert again["executionArn"] != out["executionArn"]
    with pytest.raises(sfn.exceptions.InvalidDefinition):
        create(sfn, "slow", WAIT_FOR_TOKEN, type="EXPRESS")
    text = json.dumps(WAIT_FOR_TOKEN)
    assert sfn.validate_state_machine_definition(definition=text)["result"] == "OK"
    checked = sfn.validate_state_machine_definition(definition=text, type="EXPRESS")
    assert (
        checked["result"] == "FAIL" and "waitForTaskToken" in checked["diagnostics"][0]["message"]
    )
    check_shapes(raw)


def test_billing_of_a_sync_execution_is_its_virtual_duration(sfn, raw):
    wait = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3, "End": True}}}
    arn = create(sfn, "waits", wait, type="EXPRESS")
    out = sfn.start_sync_execution(stateMachineArn=arn)
    assert out["billingDetails"]["billedDurationInMilliseconds"] == 3000
    assert (out["stopDate"] - out["startDate"]).total_seconds() == 3
    check_shapes(raw)


def test_start_execution_of_an_express_machine_has_an_express_arn(sfn, raw):
    arn = create(sfn, "quick", pass_chain(2), type="EXPRESS")
    started = sfn.start_execution(stateMachineArn=arn, name="e")["executionArn"]
    assert re.fullmatch(EXPRESS_ARN.format(machine="quick", name="e"), started)
    assert wait_done(sfn, started)["status"] == "SUCCEEDED"  # our extra: AWS keeps no record
    events = sfn.get_execution_history(executionArn=started)["events"]
    assert events[-1]["type"] == "ExecutionSucceeded"
    listed = sfn.list_executions(stateMachineArn=arn)["executions"]
    assert [e["executionArn"] for e in listed] == [started]
    activity = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Task", "Resource": arn.replace("stateMachine:quick", "activity:a"),
                  "End": True}
        },
    }  # fmt: skip
    with pytest.raises(sfn.exceptions.InvalidDefinition, match="activities"):
        create(sfn, "worker", activity, type="EXPRESS")
    check_shapes(raw)


def test_arns_follow_the_callers_region_and_a_12_digit_access_key(server):
    sfn = client(server, key="111122223333", region="eu-west-1")
    arn = create(sfn)
    assert arn == "arn:aws:states:eu-west-1:111122223333:stateMachine:m"
    execution = sfn.start_execution(stateMachineArn=arn, name="e")["executionArn"]
    assert execution == "arn:aws:states:eu-west-1:111122223333:execution:m:e"
    other = client(server)  # the default account and another region see none of it
    assert other.list_state_machines()["stateMachines"] == []


def test_200_concurrent_starts_all_succeed(sfn):
    from concurrent.futures import ThreadPoolExecutor

    arn = create(sfn, definition=pass_chain(2))
    with ThreadPoolExecutor(16) as pool:
        started = list(
            pool.map(lambda i: sfn.start_execution(stateMachineArn=arn, name=f"c{i}"), range(200))
        )
    assert len({s["executionArn"] for s in started}) == 200
    statuses = [wait_done(sfn, s["executionArn"])["status"] for s in started[-3:]]
    listed = sfn.list_executions(stateMachineArn=arn, statusFilter="SUCCEEDED", maxResults=1000)
    assert statuses == ["SUCCEEDED"] * 3 and len(listed["executions"]) == 200


def test_a_restarted_server_has_its_state_machines_and_waiting_executions(tmp_path):
    db = tmp_path / "db"
    with running(db) as url:
        sfn = client(url)
        arn = create(sfn, definition=WAIT_FOR_TOKEN)
        execution = sfn.start_execution(stateMachineArn=arn, name="w")["executionArn"]
        token = token_of(sfn, execution)
    with running(db) as url:
        sfn = client(url)
        assert sfn.describe_state_machine(stateMachineArn=arn)["name"] == "m"
        assert sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"
        sfn.send_task_success(taskToken=token, output='{"late": true}')
        assert sfn.describe_execution(executionArn=execution)["status"] == "SUCCEEDED"


def test_the_listening_socket_is_tcp_so_answers_are_not_held_back():
    """asyncio sets TCP_NODELAY on accepted connections only when the listening socket says
    IPPROTO_TCP; without it every answer waited ~40 ms for a delayed ACK."""
    import socket

    from replay.endpoint.local import bind

    with bind("127.0.0.1", 0) as sock:
        assert sock.proto == socket.IPPROTO_TCP


def test_handlers_answer_the_tasks_of_served_executions(tmp_path):
    handlers = tmp_path / "handlers.py"
    handlers.write_text("HANDLERS = {'Charge': lambda value, context: {'charged': value['n']}}\n")
    definition = {
        "StartAt": "Charge",
        "States": {
            "Charge": {"Type": "Task", "Resource": "arn:aws:lambda:::function:c", "End": True}
        },
    }
    with running(tmp_path / "db", handlers_file=handlers) as url:
        sfn = client(url)
        arn = create(sfn, definition=definition)
        execution = sfn.start_execution(stateMachineArn=arn, input='{"n": 4}')["executionArn"]
        out = wait_done(sfn, execution)
    assert out["status"] == "SUCCEEDED" and json.loads(out["output"]) == {"charged": 4}


def test_test_state_through_boto3(sfn, raw):
    state = {
        "Type": "Task",
        "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
        "ResultPath": "$.r",
        "Retry": [{"ErrorEquals": ["Slow"], "MaxAttempts": 2, "IntervalSeconds": 4}],
        "Next": "After",
    }
    ok = sfn.test_state(
        definition=json.dumps(state),
        input='{"a": 1}',
        inspectionLevel="DEBUG",
        mock={"result": '{"v": 2}'},
    )
    assert (ok["status"], ok["nextState"]) == ("SUCCEEDED", "After")
    assert json.loads(ok["inspectionData"]["afterResultPath"]) == {"a": 1, "r": {"v": 2}}
    retry = sfn.test_state(
        definition=json.dumps(state),
        inspectionLevel="DEBUG",
        mock={"errorOutput": {"error": "Slow", "cause": "busy"}},
        stateConfiguration={"retrierRetryCount": 1},
    )
    assert retry["status"] == "RETRIABLE"
    assert retry["inspectionData"]["errorDetails"] == {
        "retryIndex": 0,
        "retryBackoffIntervalSeconds": 8,
    }
    check_shapes(raw)
    machine = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}
    with pytest.raises(sfn.exceptions.ValidationException, match="State not found in definition$"):
        sfn.test_state(definition=json.dumps(machine), stateName="B")
    with pytest.raises(sfn.exceptions.ValidationException, match="RoleArn must be specified"):
        sfn.test_state(definition=json.dumps(state))  # a Task answered for real needs a role
    role = "arn:aws:iam::123456789012:role/tester"
    pass_state = {"Type": "Pass", "Parameters": {"role.$": "$$.Execution.RoleArn"}, "End": True}
    shown = sfn.test_state(definition=json.dumps(pass_state), roleArn=role)
    assert json.loads(shown["output"]) == {"role": role}
    parallel = {"Type": "Parallel", "Branches": [machine], "End": True}
    with pytest.raises(
        sfn.exceptions.InvalidDefinition, match=r"not support Map or Parallel.*Choice\]$"
    ):
        sfn.test_state(definition=json.dumps(parallel))  # AWS's words, without our hint
    with pytest.raises(sfn.exceptions.ValidationException, match="^.*'Pass' is not supported"):
        sfn.test_state(definition=json.dumps(machine["States"]["A"]), mock={"result": "1"})


def test_answers_in_aws_words_and_defaults(sfn):
    arn = create(sfn, "words", pass_chain(1))
    logging = sfn.describe_state_machine(stateMachineArn=arn)["loggingConfiguration"]
    assert logging == {"includeExecutionData": False, "level": "OFF"}
    for text, reason in (("", "Invalid execution input."), ("{'a': 1}", "Expecting property")):
        with pytest.raises(sfn.exceptions.InvalidExecutionInput) as bad:
            sfn.start_execution(stateMachineArn=arn, input=text)
        message = bad.value.response["Error"]["Message"]
        assert message.startswith("Invalid State Machine Execution Input: '" + reason)
    missing = arn.replace(":stateMachine:", ":execution:") + ":never"
    with pytest.raises(sfn.exceptions.ExecutionDoesNotExist) as gone:
        sfn.stop_execution(executionArn=missing)
    assert gone.value.response["Error"]["Message"] == f"Execution Does Not Exist: '{missing}'"


def test_arn_enum_and_type_errors_in_aws_words(sfn):
    arn = create(sfn, "words2", pass_chain(1))
    with pytest.raises(sfn.exceptions.InvalidArn, match="Invalid Arn: 'Invalid ARN prefix: x1'$"):
        sfn.describe_execution(executionArn="x1")
    with pytest.raises(sfn.exceptions.ValidationException) as bad:
        sfn.list_executions(stateMachineArn=arn, statusFilter="done")
    assert bad.value.response["Error"]["Message"] == (
        "1 validation error detected: Value 'done' at 'statusFilter' failed to satisfy "
        "constraint: Member must satisfy enum value set: "
        "[SUCCEEDED, TIMED_OUT, PENDING_REDRIVE, ABORTED, FAILED, RUNNING]"
    )
    with pytest.raises(sfn.exceptions.StateMachineTypeNotSupported, match="state machine$"):
        sfn.start_sync_execution(stateMachineArn=arn)
    sfn.start_execution(stateMachineArn=arn, name="once")
    (listed,) = sfn.list_executions(stateMachineArn=arn)["executions"]
    assert listed["redriveCount"] == 0  # a Standard execution's, redriven or not


def test_a_next_token_longer_than_aws_takes_is_refused(sfn):
    arn = create(sfn, "tokens", pass_chain(1))
    with pytest.raises(sfn.exceptions.ValidationException, match="less than or equal to 3096$"):
        sfn.list_executions(stateMachineArn=arn, nextToken="t" * 3097)
    with pytest.raises(sfn.exceptions.InvalidToken):
        sfn.list_executions(stateMachineArn=arn, nextToken="t" * 3096)
