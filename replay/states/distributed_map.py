"""Distributed Map: every item (or batch of items) runs as a child execution with a history of
its own in the log, under a Map Run; items may come from an ItemReader and results go to a
ResultWriter, both over the local stand-in for S3 the runner provides."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any, NoReturn

from replay.asl import errors
from replay.asl.env import Env
from replay.asl.errors import StatesError
from replay.children import ChildExecution, record_end
from replay.clock import iso_context
from replay.distributed.recorded import RecordedS3
from replay.events import to_json_text
from replay.rand import SeededRandom
from replay.redrive import plan, restored_frames
from replay.scheduler import Failed, Succeeded, WaitChildren
from replay.states.map_state import Tolerance, map_items, number_field
from replay.states.parallel_state import ChildFailed, child_label

_TRUNCATED = {"truncated": False}


def _live(engine, what: str):
    """The local stand-in for S3 that answers what the record does not."""
    s3 = engine.s3.live if isinstance(engine.s3, RecordedS3) else engine.s3
    if s3 is None:
        raise StatesError(
            errors.RUNTIME if what == "ResultWriter" else errors.ITEM_READER_FAILED,
            f"the {what} needs a local stand-in for S3: run with --s3-root DIR",
        )
    return s3


def _s3_call(step, op: str, what: str, request: dict, call: Callable[[Any], Any]) -> Any:
    """Ask S3 once (or the record, on replay) and record the answer, or the failure, as a
    fact of the next event; keyed by the state's StateEntered and attempt, so a replay or a
    branch finds it again (unless the request changed: a replay with a new definition)."""
    engine = step.engine
    at = [op, step.frame.label or "", step.entered_id, step.retry_count]
    fact = engine.s3.recorded(at) if isinstance(engine.s3, RecordedS3) else None
    if fact is None or fact.get("request") != request:
        try:
            fact = {"at": at, "request": request, "value": call(_live(engine, what))}
        except StatesError as exc:
            fact = {"at": at, "request": request, "error": exc.error, "cause": exc.cause}
    engine.facts.append(fact)
    if "error" in fact:
        raise StatesError(fact["error"], fact.get("cause"))
    return fact["value"]


def _items(step, env) -> list:
    state = step.state
    if not state.item_reader:
        return map_items(state, step, env)
    arguments = state.reader_arguments(env) if state.reader_arguments else {}
    reader = dict(state.item_reader)
    config = dict(reader.get("ReaderConfig") or {})
    if "MaxItemsPath" in config:
        from replay.asl.jsonpath import compile_path

        config["MaxItems"] = compile_path(config.pop("MaxItemsPath"))(env)
    reader["ReaderConfig"] = config
    return _s3_call(
        step,
        "read",
        "ItemReader",
        {"reader": reader, "arguments": arguments},
        lambda s3: s3.read_items(reader, arguments),
    )


def _write(step, env, map_run: str, records: list) -> Any:
    """The ResultWriter's output; a failed write fails the Map Run."""
    state = step.state
    arguments = state.writer_arguments(env) if state.writer_arguments else {}
    done = [record for record in records if record]
    try:
        return _s3_call(
            step,
            "write",
            "ResultWriter",
            {"writer": state.result_writer, "arguments": arguments, "mapRunArn": map_run},
            lambda s3: s3.write_results(state.result_writer, arguments, map_run, done),
        )
    except StatesError as failure:
        _map_run_failed(step, failure.error, failure.cause)


def _map_run_failed(step, error: str, cause: str | None) -> NoReturn:
    """MapRunFailed with the error and cause (mapRunFailedEventDetails), then the state
    fails with them."""
    details = {"error": error} if cause is None else {"error": error, "cause": cause}
    step.emit("MapRunFailed", details)
    raise ChildFailed(error, cause)


def _inputs(step, env, items: list, selected: Any) -> list:
    """What each child execution gets: batches, or items through the ItemSelector."""
    state = step.state
    if state.item_batcher:
        from replay.distributed import batch_items

        batcher = dict(state.item_batcher)
        for key in ("MaxItemsPerBatch", "MaxInputBytesPerBatch"):
            if key + "Path" in batcher:
                batcher[key] = number_field_value(batcher.pop(key + "Path"), env)
        batch_input = state.batch_input(env) if state.batch_input else None
        return batch_items(items, batcher, batch_input)
    if state.item_selector is None:
        return items
    out = []
    for index, item in enumerate(items):
        context = dict(step.context(), Map={"Item": {"Index": index, "Value": item}})
        out.append(
            state.item_selector(Env(selected, context, step.frame.variables, step.engine.rng))
        )
    return out


def number_field_value(path: str, env) -> Any:
    from replay.asl.jsonpath import compile_path

    return compile_path(path)(env)


def run_child(step, frame, value: Any):
    """The body of a child execution: started, the ItemProcessor, succeeded or failed."""
    engine = step.engine
    engine.emit(
        frame,
        "ExecutionStarted",
        {"input": to_json_text(value), "inputDetails": _TRUNCATED, "roleArn": engine.info.role_arn},
    )
    frame.last_event = 0  # as in every history, the first state links to no event
    return (yield from _child_run(step, frame, value, None))


def redrive_child(step, frame, value: Any):
    """A child execution that did not succeed, redriven with its Map Run (STANDARD child
    workflows): ExecutionRedriven in its own history, then on from its unsuccessful states."""
    engine, sink = step.engine, frame.sink
    resume = plan(sink.history(), step.state.processor, engine.current)
    sink.redrives += 1
    sink.redrive_micros, sink.status, sink.stop = engine.now, "RUNNING", None
    execution = dict(
        sink.context["Execution"],
        RedriveCount=sink.redrives,
        RedriveTime=iso_context(engine.now),
    )
    sink.context = dict(sink.context, Execution=execution)
    engine.emit(
        frame,
        "ExecutionRedriven",
        {"redriveCount": sink.redrives},
        previous=sink.last_id,
        extra={"redrive": restored_frames(resume)},
    )
    return (yield from _child_run(step, frame, value, resume))


def _child_run(step, frame, value: Any, resume):
    engine, state, sink = step.engine, step.state, frame.sink
    try:
        outcome = yield from step.run_machine(frame, state.processor, value, resume)
    except GeneratorExit:  # the Map Run failed
        sink.status, sink.stop = "ABORTED", engine.now
        if not engine.closing:
            engine.emit(frame, "ExecutionAborted")
        raise
    text = to_json_text(outcome.output) if isinstance(outcome, Succeeded) else None
    record_end(engine, frame, outcome, text)
    return outcome


def _child_name(execution_arn: str, drawn: str) -> str:
    """A child execution's name: drawn from the seed, and its parent's own (a branch re-runs
    its parent's generator, and must not start children under the parent's children's names)."""
    return SeededRandom(zlib.crc32(f"{execution_arn}|{drawn}".encode())).uuid()


def _owner(engine, frame) -> tuple[str, str, str, dict]:
    """The execution a Distributed Map runs in: its ARN, its state machine's ARN and name, and
    the record fields its children get (a startExecution child's children: the root run's)."""
    sink, info = frame.sink, engine.info
    if sink is None or sink.map_run_arn is not None:
        return info.execution_arn, info.state_machine_arn, info.state_machine_name, {}
    root = sink.setup.get("rootExecution") or sink.parent_arn
    name = sink.state_machine_arn.rsplit(":", 1)[1]
    return sink.arn, sink.state_machine_arn, name, {"rootExecution": root}


def _respawn(step, old, index: int, value: Any):
    """The frame of a STANDARD child execution that did not succeed, redriven in place."""
    frame, state = step.frame, step.state
    label = child_label(frame, state.name, index)
    child = step.engine.spawn(frame, label, lambda f: redrive_child(step, f, value))
    child.sink = old.sink
    return child


def _spawn(step, map_run: str, index: int, value: Any, old=None):
    """A child execution for item `index`; `old`: the one that did not succeed, redriven
    (STANDARD child workflows; EXPRESS ones are started anew, as AWS does)."""
    engine, frame, state = step.engine, step.frame, step.state
    if old is not None and state.execution_type != "EXPRESS":
        return _respawn(step, old, index, value)
    info = engine.info
    label = state.label or state.name
    execution_arn, state_machine_arn, state_machine_name, setup = _owner(engine, frame)
    name = _child_name(execution_arn, engine.rng.uuid())
    machine_arn = f"{state_machine_arn}/{label}"
    arn = (
        f"arn:aws:states:{info.region}:{info.account}:execution:{state_machine_name}/{label}:{name}"
    )
    context = {
        "Execution": {
            "Id": arn,
            "Input": value,
            "StartTime": engine.contexts.execution["StartTime"],
            "Name": name,
            "RoleArn": info.role_arn,
            "RedriveCount": 0,
        },
        "StateMachine": {"Id": machine_arn, "Name": f"{state_machine_name}/{label}"},
    }
    sink = ChildExecution(
        arn,
        name,
        machine_arn,
        map_run,
        execution_arn,
        context,
        engine.now,
        engine.children.dirty,
        engine.last_id,
        setup=setup,
    )
    if engine.kept is not None:  # a redrive to come may go on in it
        sink.kept = []
    sink.root = child_label(frame, state.name, index)  # its frames are named from there
    child = engine.spawn(frame, sink.root, lambda f: run_child(step, f, value))
    child.sink = sink
    child.last_event = 0
    return child


def run_distributed(step):
    state, engine = step.state, step.engine
    env = step.env(None)
    selected = state.io.selected_input(step.raw_input, env)
    env.input = selected
    items = _items(step, env)
    limit = number_field(state, env, "MaxConcurrency", "integer") or 0
    key = (step.frame.label or "", step.entered_id)
    run = engine.map_runs.get(key) if step.redrive is not None else None
    if run is None:
        step.emit("MapStateStarted", {"length": len(items)})
    tolerance = Tolerance(state, env, len(items))
    inputs = _inputs(step, env, items, selected)
    run = _map_run(step, key, run)
    map_run, previous = run["arn"], dict(run["children"])
    records: list[dict | None] = [None] * len(inputs)
    results: list[Any] = [None] * len(inputs)
    todo = _kept(previous, inputs, records, results, engine)
    active: dict = {}
    next_index = 0
    while next_index < len(todo) or active:
        while next_index < len(todo) and (limit <= 0 or len(active) < limit):
            index = todo[next_index]
            child = _spawn(step, map_run, index, inputs[index], previous.get(index))
            run["children"][index] = child
            active[child] = index
            next_index += 1
        for child in (yield WaitChildren(tuple(active))):
            index = active.pop(child)
            records[index] = _record(child, inputs[index], engine)
            if isinstance(child.outcome, Failed):
                if tolerance.exceeded():
                    engine.cancel(list(active))
                    _map_run_failed(
                        step,
                        errors.EXCEED_TOLERATED_FAILURE_THRESHOLD,
                        "The specified tolerated failure threshold was exceeded",
                    )
            else:
                results[index] = child.outcome.output
    output: Any = results
    if state.result_writer:
        output = _write(step, env, map_run, records)
    step.emit("MapRunSucceeded")
    step.emit("MapStateSucceeded")
    step.assign(state.assign, output)
    return state.next, state.io.output(step.raw_input, output, env)


def _kept(previous: dict, inputs: list, records: list, results: list, engine) -> list[int]:
    """What a redriven Map Run keeps: its children that succeeded (their records and outputs
    put in place); the indexes of the items to run."""
    todo = []
    for index, value in enumerate(inputs):
        old = previous.get(index)
        if old is not None and isinstance(old.outcome, Succeeded):  # not run again
            records[index] = _record(old, value, engine)
            results[index] = old.outcome.output
        else:
            todo.append(index)
    return todo


def _map_run(step, key: tuple[str, int], run: dict | None) -> dict:
    """The Map Run: started (MapRunStarted), or, when the execution is redriven, the one it
    had, redriven (MapRunRedriven); its child frames by item index."""
    engine = step.engine
    if run is None:
        info, state = engine.info, step.state
        arn = (
            f"arn:aws:states:{info.region}:{info.account}:mapRun:"
            f"{_owner(engine, step.frame)[2]}/{state.label or state.name}:{engine.rng.uuid()}"
        )
        step.emit("MapRunStarted", {"mapRunArn": arn})
        run = engine.map_runs[key] = {"arn": arn, "children": {}, "redrives": 0}
    else:
        run["redrives"] += 1
        step.emit("MapRunRedriven", {"mapRunArn": run["arn"], "redriveCount": run["redrives"]})
    return run


def _record(child, value: Any, engine) -> dict:
    from replay.clock import iso_context

    sink = child.sink
    record = {
        "ExecutionArn": sink.arn,
        "Name": sink.name,
        "Input": value,
        "Status": sink.status,
        "StartDate": iso_context(sink.start),
        "StopDate": iso_context(sink.stop if sink.stop is not None else engine.now),
    }
    if isinstance(child.outcome, Succeeded):
        record["Output"] = child.outcome.output
    elif isinstance(child.outcome, Failed):
        record["Error"], record["Cause"] = child.outcome.error, child.outcome.cause
    return record
