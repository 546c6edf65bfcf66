"""What a user hands the CLI: files, inline JSON, names. Every problem becomes one UsageError
line (exit 2) that names the option and the file; the JSON rules are `replay.strict_json`'s."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

ACCOUNT = re.compile(r"^\d{12}$")
REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$")
# AWS's rules for state machine and execution names: 1-80 characters, none of these.
_FORBIDDEN = re.compile(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]")
_GENERIC_STEMS = {"definition", "statemachine", "state_machine", "state-machine"}


class UsageError(Exception):
    """Bad input: printed as one line, exit code 2."""


def _kind(path: Path) -> str | None:
    """'file', 'dir' or None (missing, or a name the OS cannot even look up)."""
    try:
        return "dir" if path.is_dir() else "file" if path.exists() else None
    except (OSError, ValueError):
        return None


def _decode(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{what} is not UTF-8 text (invalid byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None


_STREAM_LIMIT = 64 * 1024 * 1024


def _read_bytes(path: Path, what: str) -> bytes:
    """A regular file whole; a pipe or device (`/dev/stdin`, `/dev/zero`) up to 64 MiB."""
    if path.is_file():
        return path.read_bytes()
    with path.open("rb") as stream:
        data = stream.read(_STREAM_LIMIT + 1)
    if len(data) > _STREAM_LIMIT:
        raise UsageError(f"{what} {path} is not a regular file and gives more than 64 MiB")
    return data


def read_file(path: Path, what: str) -> str:
    """The text of a UTF-8 file; `what` names it in errors ('--input x.json', 'definition')."""
    if _kind(path) == "dir":
        raise UsageError(f"{what} {path} is a directory, not a file")
    try:
        data = _read_bytes(path, what)
    except FileNotFoundError:
        raise UsageError(f"{what} {path} does not exist") from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise UsageError(f"cannot read {what} {str(path)[:200]}: {reason}") from None
    return _decode(data, f"{what} {path}")


def read_text(path: Path, what: str) -> str:
    """A definition (or other text) file; kept for the commands that call it by this name."""
    return read_file(path, what)


def parse_json(text: str, where: str) -> Any:
    """JSON text by the rules of `replay.strict_json`; `where` names it in the error."""
    from replay.strict_json import JsonValueError, loads

    try:
        return loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{where} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except JsonValueError as exc:
        raise UsageError(f"{where} is not valid JSON: {exc}") from None


def read_json_arg(value: str, what: str) -> Any:
    """A path to a JSON file, or inline JSON text (what: '--input', 'mock config'...)."""
    path = Path(value)
    if _kind(path) is not None:
        return parse_json(read_file(path, what), f"{what} {value}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(f"{what} is neither a file nor UTF-8 JSON text") from None
    looks_like_path = value.endswith(".json") or os.sep in value
    try:
        return parse_json(value, f"{what} (inline text)")
    except UsageError:
        if looks_like_path and not value.lstrip().startswith(("{", "[", '"')):
            raise UsageError(f"{what} file {value} does not exist") from None
        raise


def read_json_file(path: Path, what: str) -> Any:
    return parse_json(read_file(path, what), f"{what} {path}")


def check_file(path: Path | None, what: str) -> None:
    """A file option that must exist (e.g. --handlers): exists and is not a directory."""
    if path is None:
        return
    kind = _kind(path)
    if kind == "dir":
        raise UsageError(f"{what} {path} is a directory, not a file")
    if kind is None:
        raise UsageError(f"{what} {path} does not exist")


def check_directory(path: Path | None, what: str) -> None:
    """A directory option (e.g. --s3-root): exists and is a directory."""
    if path is None:
        return
    kind = _kind(path)
    if kind != "dir":
        raise UsageError(
            f"{what} {path} " + ("is a file, not a directory" if kind else "does not exist")
        )


def check_handlers(path: Path | None) -> None:
    """--handlers: an existing Python source file."""
    check_file(path, "--handlers")
    if path is not None and path.suffix != ".py":
        raise UsageError(f"--handlers {path} must be a Python file (.py)")


def check_input_size(value: Any) -> None:
    """StartExecution refuses an input over 256 KiB (262,144 bytes of JSON text)."""
    from replay.events import payload_size, to_json_text

    size = payload_size(to_json_text(value))
    if size > 262_144:
        raise UsageError(
            f"--input is {size:,} bytes of JSON: an execution's input is at most "
            "256 KiB (262,144 bytes)"
        )


def check_account(account: str) -> None:
    if not ACCOUNT.match(account):
        raise UsageError(f"--account {account!r} is not an AWS account id (12 digits)")


def check_region(region: str) -> None:
    if not REGION.match(region):
        raise UsageError(f"--region {region!r} is not an AWS region name (like us-east-1)")


def check_name(option: str, name: str | None) -> None:
    """An explicit --name / --state-machine-name: AWS's rules; empty is an error."""
    if name is None:
        return
    kind = "state machine" if "machine" in option else "execution"
    if not name:
        raise UsageError(
            f"{option} is empty: give a name of 1-80 characters, or leave the "
            "option out for the default"
        )
    if len(name) > 80 or _FORBIDDEN.search(name):
        raise UsageError(
            f"{option} {name[:100]!r}: invalid {kind} name (1-80 characters, no "
            'whitespace and none of < > { } [ ] ? * " # % \\ ^ | ~ ` $ & , ; : /)'
        )


def default_state_machine_name(definition: Path) -> str:
    """The definition file's stem without a trailing `.asl` (`order.asl.json` -> `order`);
    for a generic stem (`definition`, `statemachine`, `state_machine`) the parent folder's
    name. Characters AWS forbids become `-`, and the name is cut to 80 characters."""
    stem = Path(definition.name).stem
    if stem.lower().endswith(".asl"):
        stem = stem[:-4]
    if stem.lower() in _GENERIC_STEMS:
        parent = definition.resolve().parent.name
        stem = parent or stem
    name = _FORBIDDEN.sub("-", stem)[:80]
    return name or "state-machine"
