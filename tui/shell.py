"""How the CLI meets the shell: usage errors as one line with a hint, a closed pipe as a quiet
exit, `--version`, and a lazily imported library (start-up time is what `--help` costs)."""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import typer
from typer.core import TyperGroup

try:  # typer >= 0.24 coerces parameters through pydantic; see _plain_coercion below
    from typer._coercion import RuntimeParam
except ImportError:  # pragma: no cover - older typer: click's own types, nothing to do
    RuntimeParam = None  # type: ignore[assignment,misc]

try:  # typer >= 0.24 carries its own copy of click
    from typer._click import Context, exceptions
except ImportError:  # pragma: no cover - older typer on the real click
    from click import Context, exceptions

ClickException, UsageError = exceptions.ClickException, exceptions.UsageError


class _Never(Exception):
    pass


NoArgsIsHelpError = getattr(exceptions, "NoArgsIsHelpError", _Never)  # click >= 8.2

PROG = "sfn-replay"
EXIT_PIPE = 141  # what a shell reports for a process ended by SIGPIPE (`| head`)


class PipeClosed(Exception):
    """stdout's reader went away; raised instead of BrokenPipeError so click leaves it to us."""


class LazyModule:
    """A module imported on first attribute access."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)


_CONTROL = {code: f"\\x{code:02x}" for code in [*range(32), 127, 0x85]}
_CONTROL.update({0x2028: "\\u2028", 0x2029: "\\u2029"})


def one_line(text: str) -> str:
    """`text` on one line: line breaks and tabs become spaces, other control characters
    (which a user's JSON keys may hold) are escaped."""
    for blank in ("\r\n", "\n", "\t"):
        text = text.replace(blank, " ")
    return text.translate(_CONTROL).strip()


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (tests): nothing to flush
        pass


def _flush_stdout() -> int | None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_PIPE
    return None


def _usage_line(exc: UsageError) -> str:
    path = exc.ctx.command_path if exc.ctx is not None else PROG
    message = one_line(exc.format_message()).rstrip(".")
    return f"{PROG}: {message} (see {path} --help)"


_PLAIN = {str: str, Path: Path, int: int, bool: bool}
_TYPE_NAMES = {str: "text", Path: "path", int: "integer", bool: "flag"}

if RuntimeParam is not None:

    @dataclass(frozen=True)
    class _PlainParam(RuntimeParam):  # type: ignore[misc,valid-type]
        """A str, Path, int or bool parameter converted directly."""

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            if self.annotation is Path and value == "":  # Path("") would be the cwd
                raise typer.BadParameter("an empty path", ctx=ctx, param=param)
            try:
                return _PLAIN[self.annotation](value)
            except (TypeError, ValueError):
                raise typer.BadParameter(
                    f"{value!r} is not a valid {_TYPE_NAMES[self.annotation]}", ctx=ctx, param=param
                ) from None

    @dataclass(frozen=True)
    class _TextListParam(RuntimeParam):  # type: ignore[misc,valid-type]
        """A repeatable text option (`--fault A --fault B`): the texts as given, or None."""

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            return [str(item) for item in value] if value else None


def _plain_coercion(group: TyperGroup) -> None:
    """Convert our str, Path, int and bool parameters (and repeatable text options) without
    pydantic: typer builds a pydantic TypeAdapter per parameter, and importing pydantic for it
    costs ~50 ms of every start."""
    if RuntimeParam is None:
        return
    for command in [group, *group.commands.values()]:
        for param in command.get_params(Context(command)):  # --help included
            descriptor = getattr(param, "type_descriptor", None)
            if (
                descriptor is None
                or getattr(param, "_runtime_param", 1) is not None
                or param.nargs != 1
            ):
                continue
            if descriptor.annotation in _PLAIN and not param.multiple:
                param._runtime_param = _PlainParam(descriptor.parameter_info, descriptor.annotation)
            elif descriptor.annotation == list[str] and param.multiple:
                param._runtime_param = _TextListParam(
                    descriptor.parameter_info, descriptor.annotation
                )


class OneLineErrors(TyperGroup):
    """The root command: click's usage errors as one stderr line and exit 2, Ctrl-C as exit
    130, a closed stdout as a quiet exit 141; otherwise the command's own exit code."""

    def main(
        self,
        args: Any = None,
        prog_name: str | None = None,  # type: ignore[override]
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        _plain_coercion(self)
        try:
            code = super().main(args, PROG, complete_var, standalone_mode=False, **extra)
            code = code if isinstance(code, int) else 0
        except NoArgsIsHelpError as exc:  # a bare `sfn-replay`: the help it asks for
            typer.echo(exc.format_message())
            code = 0
        except UsageError as exc:
            typer.echo(_usage_line(exc), err=True)
            code = 2
        except ClickException as exc:  # a bad file argument and the like
            typer.echo(f"{PROG}: {one_line(exc.format_message())}", err=True)
            code = 2
        except typer.Abort:
            typer.echo(f"{PROG}: interrupted", err=True)
            code = 130
        except (PipeClosed, BrokenPipeError):
            _silence_stdout()
            code = EXIT_PIPE
        code = _flush_stdout() or code
        if standalone_mode:
            sys.exit(code)
        return code


def version() -> str:
    """The installed distribution's version, else the one pyproject.toml declares."""
    from importlib import metadata

    try:
        return metadata.version(PROG)
    except metadata.PackageNotFoundError:
        import tomllib
        from pathlib import Path

        pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
        return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"{PROG} {version()}")
        raise typer.Exit(0)


def version_option() -> Any:
    return typer.Option(
        "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
    )
