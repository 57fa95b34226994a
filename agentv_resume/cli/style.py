"""How the commands write to a terminal.

On a TTY: states in colour, and one status line rewritten in place.
Piped (or `NO_COLOR` set, or `TERM=dumb`): no escape sequence at all, and a
status line becomes a plain line, printed only when its text changes — so a
log file or a CI transcript reads cleanly.
"""

from __future__ import annotations

import os
import sys
import time

import click

# A state word and its colour: green done well, red needs you, yellow stopped
# short, cyan still going.
_COLOURS = {
    "complete": "green", "finished": "green",
    "errored": "red", "failed": "red", "lost": "red", "blocked": "red",
    "incomplete": "yellow", "stopped": "yellow", "errors_left": "red",
    "failures_left": "yellow",
    "running": "cyan", "starting": "cyan",
}
_ERASE_LINE = "\r\x1b[K"


def is_tty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or closed
        return False


def colour_wanted(stream) -> bool:
    """Colour only for a terminal, and never when NO_COLOR is set (no-color.org) or TERM=dumb."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    return is_tty(stream)


class Painter:
    """Colours state words, or leaves them alone."""

    def __init__(self, enabled: bool):
        self.enabled = enabled

    @classmethod
    def for_stream(cls, stream=None) -> "Painter":
        return cls(colour_wanted(stream if stream is not None else sys.stdout))

    def state(self, word: str, text: str | None = None) -> str:
        text = word if text is None else text
        colour = _COLOURS.get(str(word))
        if not self.enabled or colour is None:
            return text
        return click.style(text, fg=colour, bold=colour == "red")

    def dim(self, text: str) -> str:
        return click.style(text, dim=True) if self.enabled else text

    def bold(self, text: str) -> str:
        return click.style(text, bold=True) if self.enabled else text


def pad(text: str, shown: str, width: int) -> str:
    """``shown`` (maybe with colour codes) padded as if it were ``text``."""
    return shown + " " * max(0, width - len(text))


class StatusLine:
    """A status (``3/12 cases done``) on ``stream`` (stderr).

    TTY: one line, rewritten in place; output printed meanwhile goes above it
    (call :meth:`hide` before writing, :meth:`show` after).  Piped: a line per
    change of text, never a carriage return.
    """

    def __init__(self, stream=None, tty: bool | None = None):
        self.stream = stream if stream is not None else sys.stderr
        self.tty = is_tty(self.stream) if tty is None else tty
        self.text: str | None = None
        self.printed: str | None = None
        self.visible = False

    def update(self, text: str) -> None:
        self.text = text
        if self.tty:
            self.show()
        elif text != self.printed:
            self._write(text + "\n")
            self.printed = text

    def hide(self) -> None:
        """Erase the line (TTY) so that other output starts at column 0."""
        if self.tty and self.visible:
            self._write(_ERASE_LINE)
            self.visible = False

    def show(self) -> None:
        if self.tty and self.text is not None:
            self._write(_ERASE_LINE + self.text)
            self.visible = True
            self.printed = self.text

    def finish(self) -> None:
        """Leave the last status as a finished line."""
        if self.tty and self.visible:
            self._write("\n")
            self.visible = False

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # a closed terminal must not stop the job
            pass


def bar(done, planned: int, width: int = 20) -> str:
    """``[#######-------------]``: done out of planned."""
    filled = round(width * min(max(done or 0, 0), planned) / planned) if planned else 0
    return "[" + "#" * filled + "-" * (width - filled) + "]"


def age(when, now: float | None = None) -> str:
    """``2 min ago``, from epoch seconds or an ISO 8601 time; ``-`` when unknown."""
    if isinstance(when, str):
        from datetime import datetime

        try:
            when = datetime.fromisoformat(when.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return "-"
    if not isinstance(when, (int, float)) or isinstance(when, bool) or when <= 0:
        return "-"
    seconds = max(0, int((time.time() if now is None else now) - when))
    if seconds < 60:
        return f"{seconds} s ago"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} d ago"


def table(columns: tuple[str, ...], rows: list[list], painter: Painter) -> str:
    """Left-aligned columns; a cell is text, or (state, text) to colour by state."""
    def text(cell) -> str:
        return cell[1] if isinstance(cell, tuple) else cell

    widths = [len(title) for title in columns]
    for row in rows:
        for n, cell in enumerate(row):
            widths[n] = max(widths[n], len(text(cell)))
    lines = ["  ".join(title.ljust(widths[n]) for n, title in enumerate(columns)).rstrip()]
    for row in rows:
        cells = [pad(cell[1], painter.state(*cell), widths[n]) if isinstance(cell, tuple) else cell.ljust(widths[n])
                 for n, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
