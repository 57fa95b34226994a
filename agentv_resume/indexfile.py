"""Read a run's ``index.jsonl`` the way agentv 4.x reads it.

agentv appends one JSON line per result and appends again on resume, so one
identity ``(test_id, target)`` can have several lines.  What is *shown* comes
from the last line; what agentv *re-runs* is decided by any line (see
``Record.ever_ok`` / ``Record.ever_quality_failure``).

The scanner is incremental: a status poll on a growing file reads only the
bytes appended since the previous poll.  A partial last line (agentv killed
mid-write, or still writing) is evaluated on every scan but never committed,
so it is re-read once it is complete.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

OK = "ok"
QUALITY_FAILURE = "quality_failure"
EXECUTION_ERROR = "execution_error"
STATUSES = (OK, QUALITY_FAILURE, EXECUTION_ERROR)

# Bytes kept from just before the committed offset, to notice a file that was
# rewritten (not appended to) with a size at least as large as before.
_GUARD_BYTES = 64


@dataclass(slots=True)
class Record:
    """One identity; the visible fields come from its last line."""

    test_id: str
    target: str
    execution_status: str
    score: float
    error: str | None
    line: int
    ever_ok: bool = False
    ever_quality_failure: bool = False

    def slim(self) -> dict:
        return {
            "test_id": self.test_id,
            "target": self.target,
            "execution_status": self.execution_status,
            "score": self.score,
            "error": self.error,
        }


@dataclass(slots=True)
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
        records = {
            key: Record(
                r.test_id, r.target, r.execution_status, r.score, r.error, r.line,
                r.ever_ok, r.ever_quality_failure,
            )
            for key, r in self.records.items()
        }
        return IndexState(records, self.skipped_lines, list(self.rejected), self.lines)


def _reject_constant(name: str):
    # JSON.parse has no NaN/Infinity; agentv drops such lines, so must we.
    raise ValueError(name)


_decoder = json.JSONDecoder(parse_constant=_reject_constant)


def normalise_status(value) -> str:
    """A missing, null or unknown execution_status counts as ok, as agentv reads it."""
    return value if value in STATUSES else OK


def _valid_score(value) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def apply_line(state: IndexState, raw: bytes) -> None:
    """Fold one physical line (without its newline) into ``state``."""
    state.lines += 1
    text = raw.decode("utf-8", errors="replace").strip()
    if not text:
        return
    try:
        row = _decoder.decode(text)
    except ValueError:
        state.skipped_lines += 1
        return
    if not isinstance(row, dict):
        state.rejected.append(RejectedRow(state.lines, f"Unsupported result row at line {state.lines}"))
        return
    score = row.get("score")
    if not _valid_score(score):
        state.rejected.append(RejectedRow(state.lines, f"Missing or invalid score at line {state.lines}"))
        return
    test_id = row.get("test_id")
    target = row.get("target")
    test_id = "" if test_id is None else str(test_id)
    target = "" if target is None else str(target)
    status = normalise_status(row.get("execution_status"))
    error = row.get("error")
    if error is not None and not isinstance(error, str):
        error = json.dumps(error)
    key = (test_id, target)
    record = state.records.get(key)
    if record is None:
        record = Record(test_id, target, status, score, error, state.lines)
        state.records[key] = record
    else:
        record.execution_status = status
        record.score = score
        record.error = error
        record.line = state.lines
    if status == OK:
        record.ever_ok = True
    elif status == QUALITY_FAILURE:
        record.ever_quality_failure = True


@dataclass
class IndexSnapshot:
    state: IndexState
    size: int
    ends_with_newline: bool
    warning: str | None = None


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
            with open(self.path, "rb") as handle:
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
            return IndexSnapshot(IndexState(), 0, True, "index.jsonl is a directory, not a file")
        except FileNotFoundError:
            return IndexSnapshot(IndexState(), 0, True, "index.jsonl is missing")
        except OSError as exc:
            return IndexSnapshot(IndexState(), 0, True, f"index.jsonl cannot be read: {exc.strerror or exc}")
        snapshot = self._fold(new)
        self._last, self._last_key = snapshot, key
        return snapshot

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
            start = max(0, len(complete) - _GUARD_BYTES)
            self._guard = (self._guard + complete)[-_GUARD_BYTES:] if start == 0 else complete[start:]
        size = self._offset + len(tail)
        if not tail.strip():
            return IndexSnapshot(self._committed, size, not tail)
        # The unfinished last line: agentv reads it as a line too (and drops it
        # when it is not JSON).  Count it without committing it.
        view = self._committed.copy()
        apply_line(view, tail)
        return IndexSnapshot(view, size, False)


def read_index(path: Path) -> IndexSnapshot:
    """One-shot read (no cache)."""
    return IndexScanner(path).scan()
