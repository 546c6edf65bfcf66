"""Where the time of a loop of handler-answered Tasks (../shared/bench's w1c) goes.

The CONTRACT asks that whatever precedes a call out of the interpreter (a handler) is committed
before the call, so w1c's 1,000 handler calls cost at least 1,000 LMDB write transactions. This
prints, medians of `--repeat` in-process runs:

- `lmdb floor`: 1,000 bare py-lmdb write transactions of 7 records each (the events between
  two handler calls), with the store's options (no fsync, no writemap);
- `store`: the same through `EventLog.append` (packing, checksums, keys);
- `engine`: the pure engine on w1c, no store;
- `api.run`: the whole run as ../shared/bench times it (definition, engine, store).

    python bench/bench_task_loop.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import lmdb

from replay import api
from replay.definition import load_definition
from replay.engine import Engine
from replay.interpreter import run_machine
from replay.runner import Names, execution_info
from replay.world import ChainWorld, HandlerWorld
from store import EventLog
from store.codec import pack

WORKLOADS = Path(__file__).resolve().parent.parent.parent / "shared" / "bench" / "workloads"
CALLS = 1000
EVENTS_PER_CALL = 7


def increment(event: dict, *_: object) -> dict:
    return {**event, "counter": event["counter"] + 1}


def median_ms(repeat: int, job: Callable[[], None]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        job()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def sample_events() -> list[dict]:
    """One handler call's worth of real w1c events."""
    text = (WORKLOADS / "w1c_loop_task.json").read_text()
    with tempfile.TemporaryDirectory() as tmp:
        api.run(f"{tmp}/db", text, {"counter": 0}, **_run_options())
        return api.history(f"{tmp}/db", "bench")[5 : 5 + EVENTS_PER_CALL]


def _run_options() -> dict:
    handlers = {"Increment": increment}
    return dict(state_machine_name="bench", name="bench", seed=1, handlers=handlers)


def lmdb_floor(payloads: list[bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = lmdb.open(tmp, map_size=1 << 30, sync=False, max_dbs=8)
        records = env.open_db(b"records")
        position = 0
        for _ in range(CALLS):
            with env.begin(write=True) as txn:
                for payload in payloads:
                    position += 1
                    txn.put(position.to_bytes(16, "big"), payload, db=records, append=True)
        env.close()


def store_appends(events: list[dict]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        with EventLog(f"{tmp}/db") as log:
            for _ in range(CALLS):
                log.append("stream", events)


def engine_only(text: str, value: dict) -> Callable[[], None]:
    definition = load_definition(text)

    def job() -> None:
        info = execution_info(Names("bench", "bench"), value, 1, 0)
        world = ChainWorld.of([HandlerWorld({"Increment": increment})])
        engine = Engine(definition.machine, info, world, 1)
        for _ in engine.steps(lambda eng, root: run_machine(eng, root, definition.machine, value)):
            pass

    return job


def whole_run(text: str, value: dict) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        api.run(f"{tmp}/db", text, value, **_run_options())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    text = (WORKLOADS / "w1c_loop_task.json").read_text()
    value = json.loads((WORKLOADS / "w1c_input.json").read_text())
    events = sample_events()
    payloads = [pack(event) for event in events]
    rows = [
        ("lmdb floor", median_ms(args.repeat, lambda: lmdb_floor(payloads))),
        ("store", median_ms(args.repeat, lambda: store_appends(events))),
        ("engine", median_ms(args.repeat, engine_only(text, value))),
        ("api.run", median_ms(args.repeat, lambda: whole_run(text, value))),
    ]
    print(f"w1c: {CALLS} handler calls, {EVENTS_PER_CALL} events committed before each")
    for label, ms in rows:
        print(f"  {label:<11} {ms:7.2f} ms   {ms / CALLS * 1000:6.2f} us per call")


if __name__ == "__main__":
    main()
