"""Small text helpers shared by the widgets: virtual times, deltas, event summaries."""

from __future__ import annotations

from replay.clock import iso_aws


def clock(micros: int | None) -> str:
    """Time of day with milliseconds: 10:06:17.092."""
    return iso_aws(micros)[11:23] if micros is not None else "-"


def duration(micros: int | None) -> str:
    if micros is None:
        return "-"
    seconds, rest = divmod(micros, 1_000_000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    text = f"{minutes}:{seconds:02d}.{rest // 1000:03d}"
    return f"{hours}:{text:0>9}" if hours else text


def delta(micros: int) -> str:
    return f"+{micros / 1_000_000:.3f}s" if micros else ""


def themed(app, style: str) -> str:
    """A Rich style with `$error`, `$warning`, `$success`, `$accent`, `$primary` taken from the
    app's current theme, so that light and dark themes both read well."""
    if "$" not in style:
        return style
    theme = app.current_theme
    for name in ("error", "warning", "success", "accent", "primary"):
        style = style.replace(f"${name}", str(getattr(theme, name) or name))
    return style
