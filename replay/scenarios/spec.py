"""Scenario files (`scenario.json`), read and checked strictly into runnable cases.

    {"description": "...", "definition": "definition.json", "stateMachineName": "orders",
     "input": {...} or "inputFile": "input.json", "mockConfig": "mocks.json",
     "testCase": "happy", "handlers": "handlers.py", "s3Root": "s3", "faults": [...],
     "stateMachines": {"child": "child.json"},
     "seed": 1, "startTime": "2026-01-01T00:00:00Z",
     "cases": [{"name": "happy", "expect": {...}},
               {"name": "throttled", "faults": ["Charge:Lambda.TooManyRequestsException"],
                "expect": {...}}]}

Paths are relative to the scenario file. A case's `input`/`inputFile`, `mockConfig`,
`testCase`, `handlers`, `faults` and `stateMachines` (child state machines for
`states:startExecution` Tasks, as `run --state-machine NAME=FILE`) replace the file's own;
without `cases` the file is one case, named "default", with its own `expect`. Any problem is
a ScenarioError naming the file and the JSON pointer of the bad field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from replay import strict_json
from replay.clock import parse_iso
from replay.definition import InvalidDefinition, load_definition
from replay.faults import Fault, FaultError, from_dict, parse_rule, targets
from replay.scenarios.expect import ExpectError, show
from replay.scenarios.expect import validate as validate_expect
from replay.world import MockConfigError, MockWorld

DEFAULT_SEED = 1
DEFAULT_START = "2026-01-01T00:00:00Z"
CASE_FIELDS = ("name", "description", "input", "inputFile", "mockConfig", "testCase")
CASE_FIELDS += ("handlers", "faults", "stateMachines", "expect")
FILE_FIELDS = ("description", "definition", "stateMachineName", "s3Root", "seed", "startTime")
FILE_FIELDS += ("input", "inputFile", "mockConfig", "testCase", "handlers", "faults")
FILE_FIELDS += ("stateMachines",)
FILE_FIELDS += ("cases", "expect")
_SHARED = ("input", "inputFile", "mockConfig", "testCase", "handlers", "faults", "stateMachines")
# AWS's rules for names (as `sfn-replay run` applies them to default names: tui/inputs.py)
_FORBIDDEN = re.compile(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]")
_GENERIC_STEMS = {"definition", "statemachine", "state_machine", "state-machine"}


class ScenarioError(ValueError):
    """A scenario file that cannot be used (one line: the file, the JSON pointer, why)."""


@dataclass(frozen=True)
class Case:
    """One runnable case of a scenario file, every default applied."""

    file: Path
    name: str
    definition_text: str
    state_machine_name: str
    input: Any
    mocks: Any
    test_case: str | None
    handlers_file: Path | None
    s3_root: Path | None
    faults: tuple[Fault, ...]
    seed: int
    start_micros: int
    expect: dict
    state_machines: dict = field(default_factory=dict)  # child state machines: NAME -> text

    @property
    def id(self) -> str:
        return f"{self.file}::{self.name}"


def safe_name(text: str) -> str:
    """A name AWS accepts: forbidden characters become `-`, cut to 80 characters."""
    return _FORBIDDEN.sub("-", text)[:80] or "scenario"


def default_machine_name(definition: Path) -> str:
    """As `run` names it: the file's stem without `.asl`, its folder for a generic stem."""
    stem = definition.name.removesuffix(".json").removesuffix(".asl")
    if stem.lower() in _GENERIC_STEMS:
        stem = definition.resolve().parent.name or stem
    return safe_name(stem)


def _part(key: str) -> str:
    return "/" + key.replace("~", "~0").replace("/", "~1")


class _Reader:
    """Reads one scenario file; `fail` raises its errors."""

    def __init__(self, path: Path) -> None:
        self.path, self.folder = path, path.parent

    def fail(self, pointer: str, message: str) -> ScenarioError:
        return ScenarioError(
            f"{self.path}: {pointer}: {message}" if pointer else f"{self.path}: {message}"
        )

    def document(self) -> dict:
        try:
            doc = strict_json.loads(self.path.read_bytes().decode("utf-8-sig"))
        except (OSError, UnicodeDecodeError) as exc:
            raise self.fail("", f"cannot read: {exc}") from None
        except ValueError as exc:
            raise self.fail("", f"not valid JSON: {exc}") from None
        if not isinstance(doc, dict):
            raise self.fail("", "a scenario is a JSON object with definition and cases")
        return doc

    def fields(self, doc: dict, allowed: tuple[str, ...], at: str, what: str) -> None:
        for key in doc:
            if key not in allowed:
                raise self.fail(
                    at + _part(key), f"unknown field (a {what} has: {', '.join(allowed)})"
                )

    def text(self, value: Any, at: str) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(at, f"must be a non-empty string, not {show(value)}")
        return value

    def file(self, value: Any, at: str, folder: bool = False) -> Path:
        path = self.folder / self.text(value, at)
        if not (path.is_dir() if folder else path.is_file()):
            raise self.fail(at, f"no {'folder' if folder else 'file'} {str(path)!r}")
        return path

    def json_file(self, value: Any, at: str) -> Any:
        path = self.file(value, at)
        try:
            return strict_json.loads(path.read_bytes().decode("utf-8-sig"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise self.fail(at, f"{path} is not valid JSON: {exc}") from None


def load(path: str | Path) -> list[Case]:
    """The cases of one scenario file; ScenarioError for any problem in it."""
    reader = _Reader(Path(path))
    doc = reader.document()
    reader.fields(doc, FILE_FIELDS, "", "scenario")
    if "description" in doc:
        reader.text(doc["description"], "/description")
    if "definition" not in doc:
        raise reader.fail("/definition", "required: the definition file")
    base = _Base.read(reader, doc)
    if "cases" in doc:
        if "expect" in doc:
            raise reader.fail("/expect", "give expect in each case of /cases")
        cases = doc["cases"]
        if not isinstance(cases, list) or not cases:
            raise reader.fail("/cases", "must be a non-empty array of cases")
    else:
        if "expect" not in doc:
            raise reader.fail("/cases", "required: the cases (or one expect for a single case)")
        cases = [{"name": "default", "expect": doc["expect"]}]
    out: list[Case] = []
    for index, case in enumerate(cases):
        at = f"/cases/{index}" if "cases" in doc else ""
        out.append(base.case(case, at, {c.name: i for i, c in enumerate(out)}))
    return out


@dataclass
class _Base:
    """What the file gives every case."""

    reader: _Reader
    doc: dict
    definition_text: str
    machine: Any
    state_machine_name: str
    s3_root: Path | None
    seed: int
    start_micros: int

    @classmethod
    def read(cls, reader: _Reader, doc: dict) -> _Base:
        definition = reader.file(doc["definition"], "/definition")
        try:
            text = definition.read_bytes().decode("utf-8-sig")
            machine = load_definition(text).machine
        except (OSError, UnicodeDecodeError, InvalidDefinition) as exc:
            raise reader.fail("/definition", f"{definition}: {exc}") from None
        name = doc.get("stateMachineName")
        if name is not None and safe_name(reader.text(name, "/stateMachineName")) != name:
            raise reader.fail("/stateMachineName", f"{name!r} is not a valid name (AWS's rules)")
        seed = doc.get("seed", DEFAULT_SEED)
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
            raise reader.fail("/seed", f"an integer from 0 to 2**63-1, not {show(seed)}")
        try:
            start = parse_iso(reader.text(doc.get("startTime", DEFAULT_START), "/startTime"))
        except ValueError:
            raise reader.fail(
                "/startTime", "an ISO 8601 time with an offset, e.g. " + DEFAULT_START
            ) from None
        s3 = reader.file(doc["s3Root"], "/s3Root", folder=True) if "s3Root" in doc else None
        machine_name = name or default_machine_name(definition)
        return cls(reader, doc, text, machine, machine_name, s3, seed, start)

    def case(self, case: Any, at: str, names: dict[str, int]) -> Case:
        reader = self.reader
        if not isinstance(case, dict):
            raise reader.fail(at, "a case is an object with name and expect")
        if at:
            reader.fields(case, CASE_FIELDS, at, "case")
            if "description" in case:
                reader.text(case["description"], f"{at}/description")
        name = reader.text(case.get("name"), f"{at}/name")
        if name in names:
            raise reader.fail(f"{at}/name", f"{name!r} is already the name of /cases/{names[name]}")
        if "expect" not in case:
            raise reader.fail(f"{at}/expect", "required: what the execution must do")
        try:
            expect = validate_expect(case["expect"])
        except ExpectError as exc:
            raise reader.fail(f"{at}/expect{exc.pointer}", exc.message) from None
        own = {key: (case[key], at) for key in _SHARED if key in case}
        if "input" in case or "inputFile" in case:  # a case's input replaces both of the file's
            shared = {k: (v, "") for k, v in self.doc.items() if k in _SHARED and "input" not in k}
        else:
            shared = {k: (v, "") for k, v in self.doc.items() if k in _SHARED}
        given = {**shared, **own}
        return self._case(name, given, expect)

    def _case(self, name: str, given: dict[str, tuple[Any, str]], expect: dict) -> Case:
        reader = self.reader
        if "input" in given and "inputFile" in given:  # both from the case, or both the file's
            raise reader.fail(
                given["inputFile"][1] + "/inputFile", "give input or inputFile, not both"
            )
        value: Any = {}
        if "input" in given:
            value = given["input"][0]
        elif "inputFile" in given:
            value = reader.json_file(given["inputFile"][0], given["inputFile"][1] + "/inputFile")
        mocks, test_case = self._mocks(given)
        handlers = given.get("handlers")
        handlers_file = reader.file(handlers[0], handlers[1] + "/handlers") if handlers else None
        if handlers_file is not None and handlers_file.suffix != ".py":
            raise reader.fail(handlers[1] + "/handlers", "a handlers file is a .py file")
        faults = self._faults(*given["faults"]) if "faults" in given else ()
        children = self._machines(*given["stateMachines"]) if "stateMachines" in given else {}
        return Case(
            reader.path,
            name,
            self.definition_text,
            self.state_machine_name,
            value,
            mocks,
            test_case,
            handlers_file,
            self.s3_root,
            faults,
            self.seed,
            self.start_micros,
            expect,
            children,
        )

    def _machines(self, files: Any, at: str) -> dict[str, str]:
        """`stateMachines`: NAME -> definition file, read and checked."""
        reader, where = self.reader, f"{at}/stateMachines"
        if not isinstance(files, dict) or not files:
            raise reader.fail(where, 'an object of names and definition files: {"NAME": "FILE"}')
        out = {}
        for name, file in files.items():
            if safe_name(name) != name:
                raise reader.fail(where + _part(name), f"{name!r} is not a valid name")
            path = reader.file(file, where + _part(name))
            try:
                out[name] = path.read_bytes().decode("utf-8-sig")
                load_definition(out[name])
            except (OSError, UnicodeDecodeError, InvalidDefinition) as exc:
                raise reader.fail(where + _part(name), f"{path}: {exc}") from None
        return out

    def _mocks(self, given: dict) -> tuple[Any, str | None]:
        reader = self.reader
        mock_file, test_case = given.get("mockConfig"), given.get("testCase")
        if mock_file is None:
            if test_case is not None:
                raise reader.fail(test_case[1] + "/testCase", "a test case needs a mockConfig")
            return None, None
        mocks = reader.json_file(mock_file[0], mock_file[1] + "/mockConfig")
        if test_case is None:
            raise reader.fail(mock_file[1] + "/testCase", "required with a mockConfig")
        name = reader.text(test_case[0], test_case[1] + "/testCase")
        try:
            MockWorld.from_config(mocks, self.state_machine_name, name)
        except MockConfigError as exc:
            raise reader.fail(test_case[1] + "/testCase", str(exc)) from None
        return mocks, name

    def _faults(self, rules: Any, at: str) -> tuple[Fault, ...]:
        if not isinstance(rules, list):
            raise self.reader.fail(f"{at}/faults", "an array of fault rules (texts or objects)")
        out = []
        for index, rule in enumerate(rules):
            where = f"{at}/faults/{index}"
            try:
                fault = (
                    parse_rule(rule)
                    if isinstance(rule, str)
                    else from_dict(rule, "fault plan " + where)
                )
                targets([fault], self.machine)
            except FaultError as exc:
                message = str(exc).removeprefix("fault plan ")
                raise ScenarioError(
                    f"{self.reader.path}: {message}"
                    if message.startswith(where)
                    else f"{self.reader.path}: {where}: {message}"
                ) from None
            out.append(fault)
        return tuple(out)
