"""The execution view: timeline, workflow outline, inspector and scrub bar, moved through with
the scrubbing keys; branch (b), compare (d) and replay check (r) start from here."""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterator
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from replay import api_views
from replay.api_views import Cursor, Execution, is_entered
from replay.events import details
from tui.screens.explore import ExploreScreen
from tui.screens.forms import BranchForm, Prompt
from tui.seam import SeamError
from tui.widgets.inspector import Inspector
from tui.widgets.outline import Outline
from tui.widgets.scrubbar import ScrubBar
from tui.widgets.timeline import Timeline

SCOUT_STEP = 2048  # events folded ahead per tick, to find the failures (~10 ms)


def _searchable(event: dict) -> str:
    return json.dumps(event, ensure_ascii=False).lower()


class ExecutionScreen(Screen):
    BINDINGS = [
        Binding("left", "step(-1)", "Back 1", show=False),
        Binding("right", "step(1)", "Forward 1", show=False),
        Binding("shift+left", "step(-10)", "Back 10", show=False),
        Binding("shift+right", "step(10)", "Forward 10", show=False),
        Binding("home", "jump('first')", "First event", show=False),
        Binding("end", "jump('last')", "Last event", show=False),
        Binding("n", "state_entered(1)", "Next state"),
        Binding("p", "state_entered(-1)", "Prev state"),
        Binding("e", "failure(1)", "Next failure"),
        Binding("E", "failure(-1)", "Prev failure", show=False),
        Binding("g", "goto", "Go to id"),
        Binding("slash", "search", "Search"),
        Binding("b", "branch", "Branch"),
        Binding("d", "compare", "Compare"),
        Binding("D", "compare_with", "Compare with a picked execution", show=False),
        Binding("r", "replay", "Replay check"),
        Binding("R", "replay_with", "Replay with a definition", show=False),
        Binding("x", "explore", "Explore the faults of the state", show=False),
        Binding("z", "zoom", "Zoom the focused pane (tab: next pane)", show=False),
        Binding("f", "fold", "Fold/unfold Context and raw event", show=False),
        Binding("y", "yank", "Save inspector", show=False),
        Binding("escape", "back", "Back"),
    ]
    HELP_KEYS = Timeline.BINDINGS
    SCOUT_EVERY = 0.025  # seconds between two scout steps (keys wait at most one step)
    FOLLOW_EVERY = 1.0  # seconds between two looks at a running execution's length

    def __init__(self, execution: Execution) -> None:
        super().__init__()
        self.query_text = ""
        self.note = ""
        self._use(execution)

    def _use(self, execution: Execution) -> None:
        self.execution = execution
        self.cursor = Cursor(execution.events)
        self.cursor.scout(SCOUT_STEP)  # a short history is scouted whole before it shows

    @property
    def failures(self):
        """Ids of the failures found so far (all of them once the scout is done)."""
        return self.cursor.failures

    def title_text(self) -> str:
        doc = self.execution.doc
        fork = (
            f"  forked from {doc['parent'].rsplit(':', 1)[-1]} at event {doc['forkAt']}"
            if doc.get("parent")
            else ""
        )
        return f"{doc['name']}  {doc['stateMachineName']}  {doc['status']}{fork}"

    @property
    def arn(self) -> str:
        return self.execution.doc["executionArn"]

    def compose(self) -> ComposeResult:
        doc, events = self.execution.doc, self.execution.events
        yield Header()
        yield Static(self.title_text(), id="title")
        with Horizontal(id="panes"):
            with Vertical(id="left"):
                yield Timeline(id="timeline")
                yield ScrubBar(
                    len(events),
                    self.failures,
                    doc.get("forkAt"),
                    events[0]["timestamp"] if events else 0,
                    complete=self.cursor.scouted_all,
                    id="scrub",
                )
            with Vertical(id="right"):
                yield Outline(self.execution.definition, id="outline")
                yield Inspector(id="inspector")
        yield Footer()

    def on_mount(self) -> None:
        timeline = self.query_one(Timeline)
        timeline.load(self.execution, self.cursor)
        timeline.focus()
        fork = self.execution.fork_at
        self.move_to(fork + 1 if fork and fork < len(self.execution.events) else 1)
        self.show(self.event_id)
        self.scouting = self.set_interval(
            self.SCOUT_EVERY, self.scout, pause=self.cursor.scouted_all
        )
        self.set_interval(self.FOLLOW_EVERY, self.follow)

    def scout(self) -> None:
        """Fold ahead a step (checkpoints for later jumps, failures for the scrub bar, e and
        E); the timer pauses at the end of the history."""
        try:
            self.cursor.scout(SCOUT_STEP)
        except SeamError:
            return  # busy: the next tick goes on
        self._scouted()

    def _scouted(self) -> None:
        """The scout has moved: the scrub bar shows the failures found; at the end, it rests."""
        bar = self.query_one(ScrubBar)
        bar.complete = self.cursor.scouted_all
        bar.refresh()
        if bar.complete:
            self.scouting.pause()

    def follow(self) -> None:
        """While the execution runs (another process writing), take in its new events: the
        history's length and status are polled, only the new events are read when shown. A
        cursor on the last event stays on the last one."""
        if self.execution.doc["status"] != "RUNNING" or self.app.seam.busy:
            return
        total = len(self.execution.events)
        at_end = self.event_id == total
        try:
            changed = self.app.seam.refresh(self.execution)
        except SeamError:
            return  # deleted or unreadable for a moment: try again at the next tick
        if not changed:
            return
        self.query_one(Timeline).grow()
        bar = self.query_one(ScrubBar)
        bar.total, bar.complete = len(self.execution.events), self.cursor.scouted_all
        self.scouting.resume()
        self.query_one("#title", Static).update(self.title_text())
        self.move_to(len(self.execution.events) if at_end else self.event_id)  # shows it

    @property
    def event_id(self) -> int:
        return self.query_one(Timeline).event_id

    def move_to(self, event_id: int) -> None:
        total = len(self.execution.events)
        self.query_one(Timeline).move_to(max(1, min(event_id, total)) - 1)

    @on(Timeline.Moved)
    def _moved(self, message: Timeline.Moved) -> None:
        self.show(message.event_id)

    def show(self, event_id: int) -> None:
        """Fold to the event (incrementally) and update the inspector, outline and scrub bar."""
        if not self.execution.events:
            return
        try:
            state = self.cursor.at(event_id)
            event = self.execution.events[event_id - 1]
            label = self.cursor.facts(event_id).label
        except SeamError as exc:
            self.notify(str(exc), severity="warning", timeout=3)
            return
        self.query_one(Inspector).show(api_views.inspect(self.execution.doc, state, event, label))
        self.query_one(Outline).show(self.cursor.summary(), api_views.active_states(state))
        self.query_one(ScrubBar).move(event_id, event["timestamp"], self.note)

    # -- scrubbing ----------------------------------------------------------------------

    def action_step(self, by: int) -> None:
        self.move_to(self.event_id + by)

    def action_jump(self, where: str) -> None:
        self.move_to(1 if where == "first" else len(self.execution.events))

    def _go(self, target: int | None, direction: int, what: str) -> None:
        if target is None:
            self.notify(f"no {'next' if direction > 0 else 'previous'} {what}", timeout=2)
        else:
            self.move_to(target)

    def _around(self, direction: int) -> Iterator[dict]:
        """The events after the cursor (direction 1) or before it, nearest first."""
        here, events = self.event_id, self.execution.events
        return (
            events.between(here + 1, len(events)) if direction > 0 else events.backwards(here - 1)
        )

    def next_entered(self, direction: int) -> dict | None:
        """The nearest StateEntered after (or before) the cursor: read from there on."""
        try:
            return next((e for e in self._around(direction) if is_entered(e["type"])), None)
        except SeamError as exc:
            self.notify(str(exc), severity="warning")
            return None

    def action_state_entered(self, direction: int) -> None:
        found = self.next_entered(direction)
        self._go(found and found["id"], direction, "state entered")

    def action_failure(self, direction: int) -> None:
        """The scout knows the failures up to where it has folded; past that, it goes on
        until it finds one or reaches the end."""
        here, ids = self.event_id, self.failures
        try:
            while direction > 0 and bisect.bisect_right(ids, here) == len(ids):
                if self.cursor.scout(SCOUT_STEP * 4):
                    break
            if direction < 0 and self.cursor.scouted < here:
                self.cursor.scout(here - self.cursor.scouted)
        except SeamError as exc:
            self.notify(str(exc), severity="warning")
            return
        self._scouted()
        if direction > 0:
            i = bisect.bisect_right(ids, here)
            target = ids[i] if i < len(ids) else None
        else:
            i = bisect.bisect_left(ids, here)
            target = ids[i - 1] if i > 0 else None
        self._go(target, direction, "failure")

    def action_goto(self) -> None:
        def done(value: str | None) -> None:
            if value is None:
                return
            try:
                self.move_to(int(value.strip()))
            except ValueError:
                self.notify(f"not an event id: {value!r}", severity="error")

        self.app.push_screen(Prompt("go to event id", ""), done)

    def action_search(self) -> None:
        self.app.push_screen(
            Prompt("search events (type, state, payload)", self.query_text), self.search
        )

    def search(self, text: str | None) -> None:
        """Move to the next event (wrapping) whose JSON contains `text`, case-insensitive."""
        if not text:
            return
        self.query_text = needle = text.lower()
        events, here = self.execution.events, self.event_id
        try:  # read a chunk at a time, from the cursor on, then from the start
            for part in (events.between(here + 1, len(events)), events.between(1, here)):
                for event in part:
                    if needle in _searchable(event):
                        self.move_to(event["id"])
                        return
        except SeamError as exc:
            self.notify(str(exc), severity="warning")
            return
        self.notify(f"no event matches {text!r}", severity="warning")

    def action_zoom(self) -> None:
        if self.maximized is not None:
            self.minimize()
        elif self.focused is not None:
            self.maximize(self.focused, container=False)

    def action_fold(self) -> None:
        self.query_one(Inspector).toggle_folds()

    def action_yank(self) -> None:
        path = Path(f"sfn-replay-{self.execution.doc['name']}-{self.event_id}.json")
        text = self.query_one(Inspector).as_json()
        self.app.copy_to_clipboard(text)
        try:
            path.write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            self.notify(f"copied; cannot write {path}: {exc.strerror}", severity="warning")
            return
        self.notify(f"inspector copied and written to {path}")

    def action_back(self) -> None:
        self.app.pop_screen()

    # -- branch, compare, replay --------------------------------------------------------

    def action_branch(self) -> None:
        """The form starts with the recorded input of the next state entered after the cursor:
        what an override replaces."""
        here = self.event_id
        following = self.next_entered(1)
        name = details(following).get("name") if following else None
        text = details(following).get("input") if following else None
        self.app.push_screen(
            BranchForm(here, text, name, self._fault_rules), self._branch_submitted
        )

    def _fault_rules(self, text: str) -> list[dict]:
        try:
            return self.app.seam.fault_rules(text)
        except SeamError as exc:
            raise ValueError(f"faults: {exc}") from None

    def _branch_submitted(self, options: dict | None) -> None:
        if options is not None:
            self.notify(f"branching at event {self.event_id} ...", timeout=2)
            self.run_branch(self.event_id, options)

    @work(thread=True, exclusive=True, group="branch")
    def run_branch(self, at: int, options: dict) -> None:
        try:
            result = self.app.seam.branch(self.arn, at, **options)
        except SeamError as exc:
            self.app.call_from_thread(
                self.notify, f"branch failed: {exc}", severity="error", timeout=8
            )
            return
        self.app.call_from_thread(self.app.open_execution, result["executionArn"])

    def action_compare(self) -> None:
        parent = self.execution.doc.get("parent")
        if parent:
            self.app.open_compare(parent, self.arn)
        else:
            self.action_compare_with()

    def action_compare_with(self) -> None:
        try:
            docs = self.app.seam.executions()
        except SeamError as exc:
            self.notify(str(exc), severity="error")
            return
        others = [doc for doc in docs if doc["executionArn"] != self.arn]
        if not others:
            self.notify("no other execution to compare with", severity="warning")
            return
        from tui.screens.forms import Picker

        self.app.push_screen(
            Picker("compare with", [(doc["name"], doc["executionArn"]) for doc in others]),
            lambda arn: arn and self.app.open_compare(arn, self.arn),
        )

    def action_explore(self) -> None:
        """Explore the faults of the state at the cursor; the failing sets open in a list."""
        state = self.query_one(Inspector).shown.get("state")
        if not state:
            self.notify("no state at the cursor to explore", severity="warning")
            return
        self.notify(f"exploring the faults of {state} ...", timeout=3)
        self.run_explore(state)

    @work(thread=True, exclusive=True, group="explore")
    def run_explore(self, state: str) -> None:
        try:
            report = self.app.seam.explore(self.arn, state)
        except SeamError as exc:
            self.app.call_from_thread(
                self.notify, f"explore failed: {exc}", severity="error", timeout=8
            )
            return
        self.app.call_from_thread(self.app.push_screen, ExploreScreen(state, report))

    def action_replay(self) -> None:
        self.notify("replaying against the recorded history ...", timeout=2)
        self.run_replay()

    def action_replay_with(self) -> None:
        """Replay against a changed definition, read from a file."""

        def done(path: str | None) -> None:
            if not path:
                return
            try:
                text = Path(path.strip()).read_text(encoding="utf-8")
            except OSError as exc:
                self.notify(f"cannot read {path}: {exc.strerror}", severity="error")
                return
            self.notify(f"replaying with {path} ...", timeout=2)
            self.run_replay(text)

        self.app.push_screen(Prompt("replay with the definition file", ""), done)

    @work(thread=True, exclusive=True, group="replay")
    def run_replay(self, definition_text: str | None = None) -> None:
        try:
            divergence = self.app.seam.replay(self.arn, definition_text)
        except SeamError as exc:
            self.app.call_from_thread(self.notify, f"replay failed: {exc}", severity="error")
            return
        self.app.call_from_thread(self.show_replay, divergence)

    def show_replay(self, divergence) -> None:
        if divergence is None:
            self.note = "replay: identical"
            self.notify("replay: identical to the record")
            self.show(self.event_id)
            return
        where = divergence.event_id
        self.note = f"replay diverges at {where}"
        if where <= len(self.execution.events):
            self.query_one(Timeline).mark(where, "≠ replay")
        self.notify(
            f"replay diverges at event {where}: {divergence.reason}", severity="warning", timeout=10
        )
        self.move_to(where)
        self.show(self.event_id)
