"""Read a run's ``index.jsonl`` the way agentv 4.x reads it.

agentv appends one JSON line per result and appends again on resume, so one
identity ``(test_id, target)`` can have several lines.  What is *shown* comes
from the last line; what agentv *re-runs* is decided by any line (see
``Record.ever_ok`` / ``Record.ever_quality_failure``).

Each line is read as agentv's ``parseJsonlResults`` reads it (4.42.4): split
on ``\\n``, trimmed, blank lines ignored but numbered, lines that are not JSON
skipped, JSON that is not a result row rejected (agentv stops there with
``Unsupported result row at line N`` / ``Missing or invalid score in result
row at line N``).

The scanner is incremental: a status poll on a growing file reads only the
bytes appended since the previous poll.  A partial last line (agentv killed
mid-write, or still writing) is evaluated on every scan but never committed,
so it is re-read once it is complete.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from agentv_resume.regularfile import open_regular

OK = "ok"
QUALITY_FAILURE = "quality_failure"
EXECUTION_ERROR = "execution_error"
STATUSES = (OK, QUALITY_FAILURE, EXECUTION_ERROR)
UNKNOWN = "unknown"  # agentv's test_id / target for a row without one

# Bytes kept from just before the committed offset, to notice a file that was
# rewritten (not appended to) with a size at least as large as before.
_GUARD_BYTES = 64

# What JavaScript's String.prototype.trim() removes (Python's strip() differs:
# it keeps U+FEFF and removes U+001C..U+001F and U+0085).
_JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)

# Keys that make agentv call a score-less object a result row
# ("Missing or invalid score") rather than something else ("Unsupported").
_RESULT_ROW_KEYS = ("score", "trace", "spans", "target", "grading_path", "timing_path")


@dataclass(slots=True)
class Record:
    """One identity; the visible fields come from its last line.

    Records are never changed once stored: a later line replaces the object,
    so a copy of the records dict is a consistent snapshot.
    """

    test_id: str
    target: str
    execution_status: str
    score: float
    error: str | None
    line: int
    ever_ok: bool = False
    ever_quality_failure: bool = False
    ever_error: bool = False
    target_recorded: bool = True  # False: no line named a target (agentv: "unknown")

    def slim(self) -> dict:
        return {
            "test_id": self.test_id,
            "target": self.target,
            "execution_status": self.execution_status,
            "score": self.score,
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class RejectedRow:
    line: int
    message: str


@dataclass
class IndexState:
    """What the lines read so far say."""

    records: dict[tuple[str, str], Record] = field(default_factory=dict)
    skipped_lines: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    lines: int = 0  # physical lines seen, blank ones included (line numbers)

    def copy(self) -> "IndexState":
        # Records are replaced, never mutated, so a shallow copy is enough.
        return IndexState(dict(self.records), self.skipped_lines, list(self.rejected), self.lines)


def _reject_constant(name: str):
    # JSON.parse has no NaN/Infinity; agentv drops such lines, so must we.
    raise ValueError(name)


_decoder = json.JSONDecoder(parse_constant=_reject_constant)


def _parse_int(text: str):
    # JSON.parse reads every number as a double: thousands of digits are
    # Infinity (not a finite score), not an error.
    return int(text) if len(text) < 300 else float(text)


# Only for lines with an integer too long for Python's int(): a hook on every
# integer would slow every line down.
_long_int_decoder = json.JSONDecoder(parse_constant=_reject_constant, parse_int=_parse_int)


def normalise_status(value) -> str:
    """A missing, null or unknown execution_status counts as ok, as agentv reads it."""
    return value if value in STATUSES else OK


def _valid_score(value) -> bool:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int beyond a double: JSON.parse makes it Infinity
        return False


def _field(row: dict, snake: str, camel: str):
    # agentv accepts camelCase aliases when the snake_case key is absent.
    value = row.get(snake)
    return row.get(camel) if value is None and snake not in row else value


def _reject(state: IndexState, message: str) -> None:
    state.rejected.append(RejectedRow(state.lines, f"{message} at line {state.lines}"))


_BLANK = object()


def parse_line(raw: bytes):
    """One physical line → its JSON value, or ``_BLANK``; ValueError when not JSON."""
    text = raw.decode("utf-8", errors="replace").strip(_JS_WHITESPACE)
    if not text:
        return _BLANK
    try:
        return _decoder.decode(text)
    except RecursionError:  # absurdly deep nesting: not a row agentv could use
        raise ValueError("too deeply nested") from None
    except ValueError as exc:
        if "integer string conversion" not in str(exc):
            raise
        return _long_int_decoder.decode(text)


def apply_line(state: IndexState, raw: bytes) -> None:
    """Fold one physical line (without its newline) into ``state``."""
    state.lines += 1
    try:
        row = parse_line(raw)
    except ValueError:
        state.skipped_lines += 1
        return
    if row is _BLANK:
        return
    if not isinstance(row, dict):
        _reject(state, "Unsupported result row")
        return
    score = row.get("score")
    if not _valid_score(score):
        looks_like_row = isinstance(_field(row, "test_id", "testId"), str) or any(
            key in row for key in _RESULT_ROW_KEYS
        ) or "gradingPath" in row or "timingPath" in row
        _reject(state, "Missing or invalid score in result row" if looks_like_row else "Unsupported result row")
        return
    test_id = _field(row, "test_id", "testId")
    target = row.get("target")
    target_recorded = isinstance(target, str)
    test_id = test_id if isinstance(test_id, str) else UNKNOWN
    target = target if target_recorded else UNKNOWN
    status = normalise_status(_field(row, "execution_status", "executionStatus"))
    error = row.get("error")
    if error is not None and not isinstance(error, str):
        error = json.dumps(error)
    key = (test_id, target)
    previous = state.records.get(key)
    if previous is None:
        record = Record(test_id, target, status, score, error, state.lines,
                        target_recorded=target_recorded)
    else:
        record = replace(previous, execution_status=status, score=score, error=error,
                         line=state.lines, target_recorded=previous.target_recorded or target_recorded)
    if status == OK:
        record.ever_ok = True
    elif status == QUALITY_FAILURE:
        record.ever_quality_failure = True
    else:
        record.ever_error = True
    state.records[key] = record


@dataclass
class IndexSnapshot:
    """What one scan saw.  ``state`` may be the scanner's live state: take
    ``frozen()`` to keep it past the next scan or hand it to another thread."""

    state: IndexState
    size: int
    ends_with_newline: bool
    warning: str | None = None

    def frozen(self) -> "IndexSnapshot":
        return IndexSnapshot(self.state.copy(), self.size, self.ends_with_newline, self.warning)


class IndexScanner:
    """Follows one index.jsonl; ``scan()`` reads only what was appended."""

    def __init__(self, path: Path, start: int = 0):
        """``start``: a byte offset at a line boundary; lines before it are ignored
        (a job's progress counts only what agentv appended after it started)."""
        self.path = Path(path)
        self._start = start
        self._reset()

    def _reset(self) -> None:
        self._committed = IndexState()
        self._offset = self._start
        self._guard = b""
        self._inode: int | None = None
        self._last: IndexSnapshot | None = None
        self._last_key: tuple | None = None

    def scan(self) -> IndexSnapshot:
        try:
            with open_regular(self.path) as handle:
                st = os.fstat(handle.fileno())
                key = (st.st_ino, st.st_size, st.st_mtime_ns)
                if self._last is not None and key == self._last_key:
                    return self._last
                if not self._still_appending(handle, st):
                    self._reset()
                self._inode = st.st_ino
                handle.seek(self._offset)
                new = handle.read(max(0, st.st_size - self._offset))
        except IsADirectoryError:
            return self._unreadable("index.jsonl is a directory, not a file")
        except FileNotFoundError:
            return self._unreadable("index.jsonl is missing")
        except OSError as exc:
            return self._unreadable(f"index.jsonl cannot be read: {exc.strerror or exc}")
        snapshot = self._fold(new)
        self._last, self._last_key = snapshot, key
        return snapshot

    def _unreadable(self, warning: str) -> IndexSnapshot:
        self._reset()
        return IndexSnapshot(IndexState(), 0, True, warning)

    def _still_appending(self, handle, st) -> bool:
        if self._inode is None:
            return st.st_size >= self._offset
        if st.st_ino != self._inode or st.st_size < self._offset:
            return False
        if not self._guard:
            return True
        handle.seek(self._offset - len(self._guard))
        return handle.read(len(self._guard)) == self._guard

    def _fold(self, new: bytes) -> IndexSnapshot:
        cut = new.rfind(b"\n")
        complete, tail = (new[: cut + 1], new[cut + 1 :]) if cut >= 0 else (b"", new)
        if complete:
            state = self._committed
            for raw in complete.split(b"\n")[:-1]:
                apply_line(state, raw)
            self._offset += len(complete)
            self._guard = (self._guard + complete[-_GUARD_BYTES:])[-_GUARD_BYTES:]
        size = self._offset + len(tail)
        if not tail:
            return IndexSnapshot(self._committed, size, True)
        # The unfinished last line: agentv reads it as a line too (and drops it
        # when it is not JSON).  Count it without committing it.
        view = self._committed.copy()
        apply_line(view, tail)
        return IndexSnapshot(view, size, False)


def read_index(path: Path) -> IndexSnapshot:
    """One-shot read (no cache)."""
    return IndexScanner(path).scan()
