"""The JSONPath input/output pipeline of a state: InputPath, Parameters, ResultSelector,
ResultPath, OutputPath, with AWS's rules for absent (`$`) and null (`{}` / keep input) paths."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from replay.asl import errors
from replay.asl.env import Env
from replay.asl.errors import PathNotFound, StatesError
from replay.asl.jsonpath import (
    ResultPathError,
    compile_path,
    compile_result_path,
    not_found_text,
)
from replay.asl.payload import compile_template
from replay.events import to_json_text

ABSENT = object()


def compile_selector_path(raw: dict, key: str) -> Any:
    """ABSENT when the field is missing, None when it is null, else a compiled getter."""
    if key not in raw:
        return ABSENT
    if raw[key] is None:
        return None
    return compile_path(raw[key])


def compile_result_field(raw: dict, key: str = "ResultPath") -> Any:
    if key not in raw:
        return ABSENT
    if raw[key] is None:
        return None
    return compile_result_path(raw[key])


def _select(path_text: str, getter: Callable, document: Any, env: Env) -> Any:
    try:
        return getter(Env(document, env.context, env.variables, env.rng))
    except PathNotFound as missing:
        raise StatesError(
            errors.RUNTIME, f"Invalid path '{path_text}' : {not_found_text(path_text, missing)}"
        ) from None


def apply_result_path(setter: Any, path_text: str | None, raw_input: Any, result: Any) -> Any:
    if setter is ABSENT:
        return result
    if setter is None:
        return raw_input
    try:
        return setter(raw_input, result)
    except ResultPathError:
        raise StatesError(
            errors.RESULT_PATH_MATCH_FAILURE,
            f"Unable to apply ResultPath '{path_text}' to input '{to_json_text(raw_input)}'",
        ) from None


@dataclass(frozen=True, slots=True)
class JsonPathIO:
    input_path: Any = ABSENT
    input_path_text: str | None = None
    parameters: Any = None
    result_selector: Any = None
    result_path: Any = ABSENT
    result_path_text: str | None = None
    output_path: Any = ABSENT
    output_path_text: str | None = None

    @classmethod
    def from_raw(cls, raw: dict, *, parameters_field: str | None = "Parameters") -> "JsonPathIO":
        return cls(
            input_path=compile_selector_path(raw, "InputPath"),
            input_path_text=raw.get("InputPath"),
            parameters=(
                compile_template(raw[parameters_field])
                if parameters_field and parameters_field in raw
                else None
            ),
            result_selector=(
                compile_template(raw["ResultSelector"]) if "ResultSelector" in raw else None
            ),
            result_path=compile_result_field(raw),
            result_path_text=raw.get("ResultPath"),
            output_path=compile_selector_path(raw, "OutputPath"),
            output_path_text=raw.get("OutputPath"),
        )

    def selected_input(self, raw_input: Any, env: Env) -> Any:
        """The input after InputPath (what Parameters and ItemsPath see)."""
        if self.input_path is ABSENT:
            return raw_input
        if self.input_path is None:
            return {}
        return _select(self.input_path_text, self.input_path, raw_input, env)

    def effective_input(self, raw_input: Any, env: Env) -> Any:
        value = self.selected_input(raw_input, env)
        if self.parameters is not None:
            env.input = value
            value = self.parameters(env)
        return value

    def output(self, raw_input: Any, result: Any, env: Env) -> Any:
        return self.output_stages(raw_input, result, env)[2]

    def output_stages(self, raw_input: Any, result: Any, env: Env) -> tuple[Any, Any, Any]:
        """The output, step by step: after ResultSelector, after ResultPath, after OutputPath."""
        if self.result_selector is not None:
            env.input = result
            result = self.result_selector(env)
        combined = apply_result_path(self.result_path, self.result_path_text, raw_input, result)
        if self.output_path is ABSENT:
            return result, combined, combined
        if self.output_path is None:
            return result, combined, {}
        return result, combined, _select(self.output_path_text, self.output_path, combined, env)

    def error_output(self, raw_input: Any, error_output: Any, catcher: Any, env: Env) -> Any:
        return apply_result_path(
            catcher.result_path, catcher.result_path_text, raw_input, error_output
        )
