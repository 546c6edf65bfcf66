"""`--ray [ADDRESS]`: an option whose value may be left out (a local Ray cluster), which click
cannot express. A command using it is declared with `cls=OptionalRayAddress`."""

from __future__ import annotations

import re
from typing import Any

from typer.core import TyperCommand

# the argument after `--ray` is its ADDRESS only when it looks like one
ADDRESS = re.compile(r"^(auto|ray://\S+|[\w.\-]+:\d+)$")


def optional_value(args: list[str], option: str, looks_like: re.Pattern) -> list[str]:
    """`args` with a bare `option` (not followed by a value that `looks_like` one) given the
    empty value: `--ray` -> `--ray=`."""
    out = []
    for i, arg in enumerate(args):
        if arg == "--":
            return out + args[i:]
        if arg == option and not (i + 1 < len(args) and looks_like.match(args[i + 1])):
            arg = f"{option}="
        out.append(arg)
    return out


class OptionalRayAddress(TyperCommand):
    """A command whose `--ray` alone means a local cluster (`--ray=`)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, optional_value(args, "--ray", ADDRESS))
