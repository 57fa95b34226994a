"""How the commands write to a terminal.

On a TTY: states in colour, and one status line rewritten in place.
Piped (or `NO_COLOR` set, or `TERM=dumb`): no escape sequence at all, and a
status line becomes a plain line, printed only when its text changes — so a
log file or a CI transcript reads cleanly.
"""

from __future__ import annotations

import os
import sys

import click

from agentv_resume.safetext import for_terminal

# The pages' tones (vocabulary.py), as terminal colours: green only for
# "nothing left to do", a failed run amber, never green.
_TONE_COLOURS = {"good": "green", "warn": "yellow", "bad": "red", "live": "cyan", "idle": None}
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
    """Colours state words by their tone, or leaves them alone."""

    def __init__(self, enabled: bool):
        self.enabled = enabled

    @classmethod
    def for_stream(cls, stream=None) -> "Painter":
        return cls(colour_wanted(stream if stream is not None else sys.stdout))

    def word(self, table: dict, key: str, text: str | None = None) -> str:
        """``key``'s word from a vocabulary table (RUN, JOB, CASE), coloured by its tone."""
        word = table.get(key)
        label = (word.label if word else str(key)) if text is None else text
        colour = _TONE_COLOURS.get(word.tone) if word else None
        if not self.enabled or colour is None:
            return label
        return click.style(label, fg=colour, bold=colour == "red")

    def tone(self, tone: str | None, text: str) -> str:
        colour = _TONE_COLOURS.get(tone) if tone else None
        if not self.enabled or colour is None:
            return text
        return click.style(text, fg=colour, bold=colour == "red")

    def run(self, key: str, text: str | None = None) -> str:
        from agentv_resume.vocabulary import RUN

        return self.word(RUN, key, text)

    def job(self, key: str, text: str | None = None) -> str:
        from agentv_resume.vocabulary import JOB

        return self.word(JOB, key, text)


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
    """``5 min ago`` (the pages' words), from epoch seconds or an ISO 8601 time; ``-`` when unknown."""
    from datetime import datetime, timezone

    from agentv_resume.vocabulary import relative_time

    if isinstance(when, (int, float)) and not isinstance(when, bool):
        if when <= 0:
            return "-"
        when = datetime.fromtimestamp(when, timezone.utc).isoformat()
    moment = datetime.fromtimestamp(now, timezone.utc) if now is not None else None
    return relative_time(when, moment) or "-"


def table(columns: tuple[str, ...], rows: list[list], painter: Painter) -> str:
    """Left-aligned columns; a cell is text, or (paint, text) to colour it with ``paint(text)``."""
    def text(cell) -> str:
        return cell[1] if isinstance(cell, tuple) else cell

    def safe(cell):
        # A cell's text may come from a file (a suite path in benchmark.json, a
        # run's folder name): shown with its escapes visible, then coloured by us.
        return (cell[0], for_terminal(cell[1])) if isinstance(cell, tuple) else for_terminal(cell)

    rows = [[safe(cell) for cell in row] for row in rows]
    widths = [len(title) for title in columns]
    for row in rows:
        for n, cell in enumerate(row):
            widths[n] = max(widths[n], len(text(cell)))
    lines = ["  ".join(title.ljust(widths[n]) for n, title in enumerate(columns)).rstrip()]
    for row in rows:
        cells = [pad(cell[1], cell[0](cell[1]), widths[n]) if isinstance(cell, tuple) else cell.ljust(widths[n])
                 for n, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
