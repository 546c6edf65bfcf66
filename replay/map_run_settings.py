"""The maxConcurrency and tolerated failures a Map Run used, when its Distributed Map gives them
by a path (`MaxConcurrencyPath`, `ToleratedFailureCountPath`, `ToleratedFailurePercentagePath`)
or by JSONata: AWS's events do not carry them, so they are evaluated again, as the Map state
evaluated them, on its input, variables and Context object at its MapStateEntered, rebuilt by
time travel. The same expressions on the same values give what the execution used."""

from __future__ import annotations

from replay.asl.compile import compile_state
from replay.asl.env import Env
from replay.asl.errors import StatesError
from replay.asl.jsonata import is_jsonata
from replay.events import from_json_text
from replay.map_runs import SETTINGS, entered_event
from replay.rand import SeededRandom
from replay.timetravel import context_object, state_at
from store import EventLog

_KINDS = {"MaxConcurrency": "integer", "ToleratedFailureCount": "integer"}


def evaluated_fields(raw: dict) -> list[str]:
    """The settings fields of a Map state that are not literal numbers."""
    return [
        field for field in SETTINGS.values() if field + "Path" in raw or is_jsonata(raw.get(field))
    ]


def used(log: EventLog, doc: dict, events: list[dict], run: dict, raw: dict | None) -> dict:
    """{member: value} for the settings the Map state `raw` of Map Run `run` gives by a path
    or JSONata (members as in map_runs.SETTINGS); those that cannot be rebuilt are left out."""
    fields = evaluated_fields(raw or {})
    entered = entered_event(events, run) if fields else None
    if entered is None:
        return {}
    folded = state_at(log, doc, entered["id"])
    frame = next(
        (f for f in folded["frames"].values() if f.get("enteredEvent") == entered["id"]), None
    )
    if frame is None:
        return {}
    language = "JSONata" if any(is_jsonata(raw.get(f)) for f in fields) else "JSONPath"
    return _evaluate(raw, frame, context_object(doc, folded, frame), language, fields)


def _evaluate(raw: dict, frame: dict, context: dict, language: str, fields: list[str]) -> dict:
    from replay.states.map_state import number_field

    state = compile_state(frame["state"], raw, language)
    variables = {name: from_json_text(text) for name, text in frame["variables"].items()}
    env = Env(None, context, variables, SeededRandom(0))
    raw_input = from_json_text(frame["input"])
    env.input = state.io.selected_input(raw_input, env)
    members = {field: member for member, field in SETTINGS.items()}
    out = {}
    for field in fields:
        try:
            value = number_field(state, env, field, _KINDS.get(field, "float"))
        except (StatesError, ValueError, TypeError):
            continue  # the Map would have failed on it: no Map Run started with it
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out[members[field]] = value
    return out
