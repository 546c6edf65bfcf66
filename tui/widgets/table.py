"""A read-only table that renders only the rows on screen (Textual's line API), with a row
cursor: for histories of any length. Subclasses give the columns, widths, cells and styles."""

from __future__ import annotations

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.widgets.format import themed


class VirtualTable(ScrollView, can_focus=True, inherit_bindings=False):
    """The screen owns most keys; this widget keeps only up/down and the page keys."""

    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
    ]
    COMPONENT_CLASSES = {"table--cursor", "table--header"}
    DEFAULT_CSS = """
    VirtualTable > .table--cursor { background: $accent 40%; text-style: bold; }
    VirtualTable:focus > .table--cursor { background: $accent; }
    VirtualTable > .table--header { text-style: bold; color: $text-muted; }
    """

    class Moved(Message):
        """The cursor is on another row; `event_id` is the row number from 1."""

        def __init__(self, table: VirtualTable, event_id: int) -> None:
            super().__init__()
            self.table, self.event_id = table, event_id

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, VirtualTable.Moved) and message.table is self.table

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.columns: tuple[str, ...] = ()
        self.widths: list[int] = []
        self.row_count = 0
        self.cursor = 0  # row index from 0

    def set_shape(self, columns: tuple[str, ...], widths: list[int], rows: int) -> None:
        self.columns, self.widths, self.row_count = columns, widths, rows
        self.virtual_size = Size(sum(widths) + 2 * len(widths), rows + 1)
        self.refresh()

    def row_cells(self, row: int) -> list[str]:
        raise NotImplementedError

    def row_styles(self, row: int) -> list[str]:
        """A Rich style per cell ("" for none)."""
        return [""] * len(self.columns)

    def _segments(self, cells: list[str], styles: list[Style]) -> list[Segment]:
        """Each cell cut or padded to its column's width in terminal cells (⚡ takes two)."""
        return [
            Segment(set_cell_size(text, width) + "  ", style)
            for text, width, style in zip(cells, self.widths, styles)
        ]

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width, base = self.size.width, self.rich_style
        if y == 0:
            header = self.get_component_rich_style("table--header")
            strip = Strip(self._segments(list(self.columns), [header] * len(self.columns)))
            return strip.crop_extend(scroll_x, scroll_x + width, header)
        row = scroll_y + y - 1
        if row >= self.row_count:
            return Strip.blank(width, base)
        styles = [
            base + Style.parse(themed(self.app, s)) if s else base for s in self.row_styles(row)
        ]
        fill = base
        if row == self.cursor:
            cursor = self.get_component_rich_style("table--cursor")
            styles = [style + cursor for style in styles]
            fill = base + cursor
        strip = Strip(self._segments(self.row_cells(row), styles))
        return strip.crop_extend(scroll_x, scroll_x + width, fill)

    @property
    def event_id(self) -> int:
        return self.cursor + 1

    def move_to(self, row: int) -> None:
        """Put the cursor on a row (0-based, clamped), scroll it into view, tell the screen."""
        row = max(0, min(row, self.row_count - 1))
        old, self.cursor = self.cursor, row
        self.scroll_to_cursor()
        for changed in (old, row):
            self.refresh_row(changed)
        self.post_message(self.Moved(self, row + 1))

    def scroll_to_cursor(self) -> None:
        top, visible, row = round(self.scroll_offset.y), self.rows_visible, self.cursor
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + visible:
            self.scroll_to(y=row - visible + 1, animate=False, immediate=True)

    def on_resize(self) -> None:
        """Laid out (or resized): the cursor stays in view."""
        self.scroll_to_cursor()

    @property
    def rows_visible(self) -> int:
        """Rows on screen under the header, a horizontal scrollbar left out."""
        return max(1, self.scrollable_content_region.height - 1)

    def refresh_row(self, row: int) -> None:
        y = row - round(self.scroll_offset.y) + 1
        if 0 < y < self.size.height:
            self.refresh_lines(y)

    def action_move(self, by: int) -> None:
        self.move_to(self.cursor + by)

    def action_page(self, direction: int) -> None:
        self.move_to(self.cursor + direction * max(1, self.rows_visible - 1))

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            self.move_to(round(self.scroll_offset.y) + event.y - 1)
