"""The child state machines a run knows (`replay.nested`), built at the edge: definitions named
for the run (`run --state-machine NAME=FILE`), the run's own state machine, the db's
`stateMachines` registry (what `serve` creates), and, for replay, branch and resume, the ones
the record used (the parent's `stateMachines` setup and its child executions' definitions), so
that a changed registry changes nothing already recorded."""

from __future__ import annotations

from replay import express
from replay.definition import InvalidDefinition, load_definition
from replay.history import EXECUTIONS, STATE_MACHINES, descendants, read_events
from replay.nested import ChildMachine
from replay.runner import RunError, check_name
from store import EventLog


class KnownMachines:
    """`ran` first (by the child execution a record says a Task started: what it ran), then
    `known`, then (with `registry`) the db's registry; `used` records, by ARN, each definition
    a Task asked for ({"definition": digest, "roleArn": role}). `ours`: execution ARNs the run
    re-creates (a resumed run's children), which are not taken."""

    def __init__(
        self,
        log: EventLog | None,
        known: dict[str, ChildMachine],
        *,
        registry: bool = True,
        ours: set[str] | frozenset[str] = frozenset(),
        ran: dict[str, ChildMachine] | None = None,
    ) -> None:
        self.log, self.known, self.registry, self.ours = log, dict(known), registry, ours
        self.ran = ran or {}
        self.used: dict[str, dict] = {}

    def get(self, arn: str, execution: str | None = None) -> ChildMachine | None:
        child = self.ran.get(execution)  # type: ignore[arg-type]  # None: no execution ran
        if child is None or child.arn != arn:
            child = self.known.get(arn)
        if child is None and self.registry and self.log is not None:
            child = self._from_registry(arn)
        if child is not None:
            self.used[arn] = entry(child.digest, child.role_arn, child.type)
        return child

    def _from_registry(self, arn: str) -> ChildMachine | None:
        record = self.log.get_doc(STATE_MACHINES, arn)  # type: ignore[union-attr]
        if record is None:
            return None
        text = record["definition"]
        try:
            definition = load_definition(text)
        except InvalidDefinition:  # the registry validates what it keeps: never here
            return None
        digest = self.log.put_blob(text.encode("utf-8"))  # type: ignore[union-attr]
        kind = record.get("type") or express.STANDARD
        child = ChildMachine(
            arn, record["name"], definition.machine, digest, record.get("roleArn"), kind
        )
        self.known[arn] = child
        return child

    def taken(self, arn: str) -> bool:
        if self.log is None or arn in self.ours:
            return False
        return self.log.get_doc(EXECUTIONS, arn) is not None or self.log.length(arn) > 0


def state_machine_arn(name: str, account: str, region: str) -> str:
    return f"arn:aws:states:{region}:{account}:stateMachine:{name}"


def entry(digest: str, role_arn: str | None, kind: str = express.STANDARD) -> dict:
    """How a run's record keeps one child state machine (its type when EXPRESS)."""
    out = {"definition": digest}
    if role_arn is not None:
        out["roleArn"] = role_arn
    if kind == express.EXPRESS:
        out["type"] = kind
    return out


def name_and_type(key: str) -> tuple[str, str]:
    """`NAME` or `NAME:TYPE` (a state machine name has no `:`): the name and its type,
    STANDARD unless it says EXPRESS; ValueError for another type."""
    name, colon, kind = key.partition(":")
    return name, express.check_type(kind) if colon else express.STANDARD


def check_named(texts: dict[str, str]) -> None:
    """RunError unless every `NAME[:TYPE]` -> definition text is a valid child state machine
    (an EXPRESS one without what Express workflows refuse)."""
    for key, text in texts.items():
        try:
            name, kind = name_and_type(key)
        except ValueError as exc:
            raise RunError(f"--state-machine {key}: {exc}") from None
        check_name("state machine", name)
        try:
            definition = load_definition(text)
        except InvalidDefinition as exc:
            raise RunError(f"--state-machine {name}: {exc}") from None
        refused = express.refused(definition.raw) if kind == express.EXPRESS else []
        if refused:
            raise RunError(f"--state-machine {name}: {refused[0]}")


def named(log: EventLog, texts: dict[str, str], account: str, region: str) -> dict[str, dict]:
    """Definitions named for a run (`NAME[:TYPE]` -> text), stored as blobs: {ARN: entry}."""
    out = {}
    for key, text in texts.items():
        name, kind = name_and_type(key)
        digest = log.put_blob(text.encode("utf-8"))
        out[state_machine_arn(name, account, region)] = entry(digest, None, kind)
    return out


def from_entries(log: EventLog, entries: dict[str, dict]) -> dict[str, ChildMachine]:
    """Child machines from stored definitions, {ARN: entry}."""
    out = {}
    for arn, kept in entries.items():
        child = _machine(log, arn, kept)
        if child is not None:
            out[arn] = child
    return out


def _machine(log: EventLog, arn: str, kept: dict, cache: dict | None = None) -> ChildMachine | None:
    key = (arn, kept["definition"], kept.get("roleArn"), kept.get("type"))
    if cache is not None and key in cache:
        return cache[key]
    blob = log.get_blob(kept["definition"])
    if blob is None:
        return None
    definition = load_definition(blob.decode("utf-8"))
    name = arn.rsplit(":", 1)[1]
    kind = kept.get("type") or express.STANDARD
    child = ChildMachine(
        arn, name, definition.machine, kept["definition"], kept.get("roleArn"), kind
    )
    if cache is not None:
        cache[key] = child
    return child


def _children(log: EventLog, doc: dict) -> dict[str, tuple[str, dict]]:
    """{child execution ARN: (state machine ARN, entry)} of the startExecution children an
    execution's run wrote."""
    out = {}
    for child in descendants(log, doc["executionArn"]):
        if not child.get("mapRunArn") and child.get("definition"):
            started = next(read_events(log, child, 1, 1), None) or {}
            role = (started.get("executionStartedEventDetails") or {}).get("roleArn")
            kind = express.EXPRESS if express.is_express(child["executionArn"]) else None
            out[child["executionArn"]] = (
                child["stateMachineArn"],
                entry(child["definition"], role, kind or express.STANDARD),
            )
    return out


def for_record(
    log: EventLog,
    docs: list[dict],
    *,
    live: bool = True,
    ours: set[str] | frozenset[str] = frozenset(),
    given: dict[str, dict] | None = None,
) -> KnownMachines:
    """The machines of a recorded run (`docs`: the execution, then its parent if a branch):
    each child execution it started re-runs with the definition it ran; a new start finds
    `given` ({ARN: entry}, as `named` makes them), then what the records name (the first
    doc's first: its own definition, its `stateMachines`, its children's), then the registry.
    Not `live` (a replay): no registry, and no execution ARN is taken."""
    ran: dict[str, tuple[str, dict]] = {}
    entries: dict[str, dict] = {}
    for doc in reversed(docs):
        children = _children(log, doc)
        ran.update(children)
        entries.update(dict(children.values()))
        if doc.get("definition"):
            kind = express.EXPRESS if express.is_express(doc["executionArn"]) else None
            entries[doc["stateMachineArn"]] = entry(
                doc["definition"], None, kind or express.STANDARD
            )
        entries.update(doc.get("stateMachines") or {})
    entries.update(given or {})
    cache: dict = {}
    known = {arn: _machine(log, arn, kept, cache) for arn, kept in entries.items()}
    started = {arn: _machine(log, sm, kept, cache) for arn, (sm, kept) in ran.items()}
    known = {arn: child for arn, child in known.items() if child is not None}
    started = {arn: child for arn, child in started.items() if child is not None}
    if not live:
        return KnownMachines(None, known, registry=False, ran=started)
    return KnownMachines(log, known, ours=ours, ran=started)
