"""The workflow of a definition as an outline, a Mermaid flowchart, a Graphviz digraph or text,
with the path an execution took and each state's outcome. Pure: a definition dict and a
{state name: {visits, outcome}} summary in, text out."""

from __future__ import annotations

from dataclasses import dataclass

FORMATS = ("mermaid", "dot", "text")
MARKS = {
    "succeeded": "✓",
    "failed": "✗",
    "running": "…",
    "aborted": "⊘",
    "timed out": "⧗",
    None: " ",
}


@dataclass(frozen=True)
class Row:
    """One line of the outline: a state, or the header of a Parallel branch or Map processor."""

    depth: int
    name: str
    type: str  # the state's Type, or "branch" / "processor" for a header
    key: str  # unique: the state name, or "<container>/<header>"

    @property
    def is_state(self) -> bool:
        return self.type not in ("branch", "processor")


def transitions(state: dict) -> list[tuple[str, str]]:
    """(target, label) for every transition a state may take."""
    out = [(rule["Next"], "choice") for rule in state.get("Choices", []) if "Next" in rule]
    if "Default" in state:
        out.append((state["Default"], "default"))
    if "Next" in state:
        out.append((state["Next"], ""))
    out += [(c["Next"], "catch") for c in state.get("Catch", []) if "Next" in c]
    return out


def flow_order(machine: dict) -> list[str]:
    """State names depth first from StartAt, the main path first (Next, Default, then Choice
    rules and Catchers); unreachable states last."""
    states = machine.get("States", {})
    order, stack = [], [machine.get("StartAt")]
    while stack:
        name = stack.pop()
        if name in states and name not in order:
            order.append(name)
            state = states[name]
            ahead = [state.get("Next"), state.get("Default")]
            ahead += [rule.get("Next") for rule in state.get("Choices", [])]
            ahead += [c.get("Next") for c in state.get("Catch", [])]
            stack.extend(reversed([t for t in ahead if t]))
    return order + [name for name in states if name not in order]


def processor(state: dict) -> dict | None:
    return state.get("ItemProcessor") or state.get("Iterator")


def outline(machine: dict, depth: int = 0) -> list[Row]:
    """The states in flow order, with Parallel branches and Map processors nested."""
    rows = []
    states = machine.get("States", {})
    for name in flow_order(machine):
        state = states[name]
        rows.append(Row(depth, name, state.get("Type", "?"), name))
        for i, branch in enumerate(state.get("Branches", [])):
            rows.append(Row(depth + 1, f"branch {i + 1}", "branch", f"{name}/branch {i + 1}"))
            rows.extend(outline(branch, depth + 2))
        if processor(state):
            rows.append(Row(depth + 1, "item processor", "processor", f"{name}/processor"))
            rows.extend(outline(processor(state), depth + 2))
    return rows


def _describe(name: str, summary: dict) -> str:
    seen = summary.get(name)
    if not seen:
        return name
    return f"{name} {MARKS.get(seen['outcome'], '?')} ×{seen['visits']}"


def render_text(machine: dict, summary: dict) -> str:
    lines = []
    for row in outline(machine):
        if not row.is_state:
            lines.append(f"{'  ' * row.depth}[{row.name}]")
            continue
        seen = summary.get(row.name)
        mark = MARKS.get(seen["outcome"], "?") if seen else "·"
        visits = f"  ×{seen['visits']} {seen['outcome'] or ''}".rstrip() if seen else ""
        lines.append(f"{'  ' * row.depth}{mark} {row.name} ({row.type}){visits}")
    return "\n".join(lines)


def _ids(machine: dict, ids: dict[str, str]) -> dict[str, str]:
    """Stable identifiers for every state name (nested ones included)."""
    for name, state in machine.get("States", {}).items():
        ids.setdefault(name, f"n{len(ids)}")
        for branch in state.get("Branches", []):
            _ids(branch, ids)
        if processor(state):
            _ids(processor(state), ids)
    return ids


def _mermaid(machine: dict, summary: dict, ids: dict, lines: list[str], pad: str) -> None:
    states = machine.get("States", {})
    for name in flow_order(machine):
        state = states[name]
        nested = state.get("Branches", []) + ([processor(state)] if processor(state) else [])
        label = _describe(name, summary).replace('"', "'")
        if nested:
            lines.append(f'{pad}subgraph {ids[name]}["{label}"]')
            for i, inner in enumerate(nested):
                lines.append(f'{pad}  subgraph {ids[name]}_{i}["{_header(state, i)}"]')
                _mermaid(inner, summary, ids, lines, pad + "    ")
                lines.append(f"{pad}  end")
            lines.append(f"{pad}end")
        else:
            lines.append(f'{pad}{ids[name]}["{label}"]')
        outcome = (summary.get(name) or {}).get("outcome")
        if outcome:
            lines.append(f"{pad}class {ids[name]} {outcome.replace(' ', '_')}")
        for target, why in transitions(state):
            arrow = "==>" if name in summary and target in summary else "-->"
            text = f"|{why}|" if why else ""
            lines.append(f"{pad}{ids[name]} {arrow}{text} {ids[target]}")


def _header(state: dict, i: int) -> str:
    return f"branch {i + 1}" if state.get("Branches") else "item processor"


def render_mermaid(machine: dict, summary: dict) -> str:
    lines = ["flowchart TD"]
    _mermaid(machine, summary, _ids(machine, {}), lines, "  ")
    lines += [
        "  classDef succeeded fill:#d4edda,stroke:#2e7d32",
        "  classDef failed fill:#f8d7da,stroke:#c62828",
        "  classDef running fill:#fff3cd,stroke:#f9a825",
        "  classDef aborted fill:#e2e3e5,stroke:#616161",
        "  classDef timed_out fill:#f8d7da,stroke:#c62828",
    ]
    return "\n".join(lines)


_DOT_COLOURS = {
    "succeeded": "palegreen",
    "failed": "lightpink",
    "running": "lightyellow",
    "aborted": "lightgrey",
    "timed out": "lightpink",
}


def _dot(machine: dict, summary: dict, ids: dict, lines: list[str], pad: str) -> None:
    states = machine.get("States", {})
    for name in flow_order(machine):
        state = states[name]
        outcome = (summary.get(name) or {}).get("outcome")
        fill = f', style=filled, fillcolor="{_DOT_COLOURS[outcome]}"' if outcome else ""
        label = _describe(name, summary).replace('"', '\\"')
        lines.append(f'{pad}{ids[name]} [label="{label}"{fill}];')
        nested = state.get("Branches", []) + ([processor(state)] if processor(state) else [])
        for i, inner in enumerate(nested):
            lines.append(f"{pad}subgraph cluster_{ids[name]}_{i} {{")
            lines.append(f'{pad}  label="{name}: {_header(state, i)}";')
            _dot(inner, summary, ids, lines, pad + "  ")
            lines.append(f"{pad}}}")
        for target, why in transitions(state):
            bold = ", penwidth=2" if name in summary and target in summary else ""
            lines.append(f'{pad}{ids[name]} -> {ids[target]} [label="{why}"{bold}];')


def render_dot(machine: dict, summary: dict) -> str:
    lines = ["digraph workflow {", "  node [shape=box, style=rounded];"]
    _dot(machine, summary, _ids(machine, {}), lines, "  ")
    lines.append("}")
    return "\n".join(lines)


def render(machine: dict, summary: dict | None = None, fmt: str = "text") -> str:
    """The workflow in `fmt` (mermaid, dot or text); `summary` marks the path and outcomes."""
    renderer = {"mermaid": render_mermaid, "dot": render_dot, "text": render_text}[fmt]
    return renderer(machine, summary or {})
