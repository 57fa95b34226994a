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

Reading the file itself (incrementally, a partial last line never
committed) is ``runs.scanner``'s job; this module is the rules for one line.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass, field

OK = "ok"
QUALITY_FAILURE = "quality_failure"
EXECUTION_ERROR = "execution_error"
STATUSES = (OK, QUALITY_FAILURE, EXECUTION_ERROR)
UNKNOWN = "unknown"  # agentv's test_id / target for a row without one
# One string object per status (and per target name, interned): a run of
# 500,000 records holds three status strings, not 500,000.
_CANONICAL = {status: status for status in STATUSES}

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
    duration_ms: float | None = None  # the last line's duration_ms (pages sort and show it)

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
    """What the lines read so far say.

    Of the rejected rows only the first is kept, and a count: agentv stops
    at the first, and a file of millions of junk lines must not become
    millions of objects.
    """

    records: dict[tuple[str, str], Record] = field(default_factory=dict)
    skipped_lines: int = 0
    first_rejected: RejectedRow | None = None
    rejected_count: int = 0
    lines: int = 0  # physical lines seen, blank ones included (line numbers)

    def copy(self) -> "IndexState":
        # Records are replaced, never mutated, so a shallow copy is enough.
        return IndexState(dict(self.records), self.skipped_lines, self.first_rejected, self.rejected_count,
                          self.lines)


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
    if state.first_rejected is None:
        state.first_rejected = RejectedRow(state.lines, f"{message} at line {state.lines}")
    state.rejected_count += 1


_BLANK = object()


def parse_line(raw: bytes):
    """One physical line → its JSON value, or ``_BLANK``; ValueError when not JSON.

    The reference reading, with the standard library only.
    """
    text = raw.decode("utf-8", errors="replace").strip(_JS_WHITESPACE)
    if not text:
        return _BLANK
    try:
        return _decoder.decode(text)
    except RecursionError:
        return _parse_deep(raw)
    except ValueError as exc:
        if "integer string conversion" not in str(exc):
            raise
        return _long_int_decoder.decode(text)


def _parse_deep(raw: bytes):
    # Nesting deeper than Python's recursion limit allows: JSON.parse reads
    # it, and so does orjson (to depth 1023), so the row counts.  Without
    # orjson, or deeper still, the line is skipped.
    if _orjson_loads is None:
        raise ValueError("too deeply nested")
    try:
        return _orjson_loads(raw.decode("utf-8", errors="replace").strip(_JS_WHITESPACE))
    except RecursionError:
        raise ValueError("too deeply nested") from None


try:  # a C parser, 2-3x faster than json's on agentv's rows
    from orjson import loads as _orjson_loads
except ImportError:  # pragma: no cover - orjson is a dependency; plain reading still works
    _orjson_loads = None

# orjson reads an integer beyond 64 bits as a float, json as an int.
_INT64 = 2.0**63
# What apply_line reads of a row: its keys, the values of VALUE_FIELDS, and
# whether each of STRING_FIELDS is a string (and which).  parse_line_fast
# gives the same; a number beyond 64 bits elsewhere in a row may come back
# as a float, which nothing reads.
VALUE_FIELDS = ("score", "error", "duration_ms", "durationMs")
STRING_FIELDS = ("test_id", "testId", "target", "execution_status", "executionStatus")


def parse_line_fast(raw: bytes):
    """``parse_line(raw)`` as ``apply_line`` sees it, mostly by orjson.

    orjson refuses what the plain reading must decide itself (bytes that are
    not UTF-8, a BOM or other whitespace only JavaScript trims, NaN, lone
    surrogates, 1e400, blank lines, deep nesting): those lines take
    ``parse_line``, and so do the rare rows whose read fields orjson may
    read differently (a score beyond 64 bits, an error that is not a string)
    and JSON that is not an object (a rejected row).
    tests/unit/test_perf_equivalence.py holds both to the same answers.
    """
    try:
        value = _orjson_loads(raw)
    except (ValueError, RecursionError):
        return parse_line(raw)
    if type(value) is not dict:
        return parse_line(raw)
    score = value.get("score")
    if type(score) is float and not -_INT64 < score < _INT64:
        return parse_line(raw)
    for key in ("duration_ms", "durationMs"):  # either spelling may be the one apply_line reads
        duration = value.get(key)
        if type(duration) is float and not -_INT64 < duration < _INT64:
            return parse_line(raw)
    error = value.get("error")
    if error is not None and type(error) is not str:
        return parse_line(raw)
    return value


_parse = parse_line if _orjson_loads is None else parse_line_fast


def apply_line(state: IndexState, raw: bytes, parse=None) -> None:
    """Fold one physical line (without its newline) into ``state``.

    ``parse``: ``parse_line`` or ``parse_line_fast`` (the default when orjson
    is there); both give the same values.
    """
    state.lines += 1
    try:
        row = (parse or _parse)(raw)
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
    test_id = row["test_id"] if "test_id" in row else row.get("testId")
    target = row.get("target")
    target_recorded = isinstance(target, str)
    if not isinstance(test_id, str):
        test_id = UNKNOWN
    target = sys.intern(target) if target_recorded and type(target) is str else target if target_recorded else UNKNOWN
    status = row["execution_status"] if "execution_status" in row else row.get("executionStatus")
    status = _CANONICAL.get(status, OK) if type(status) is str else OK
    error = row.get("error")
    if error is not None and not isinstance(error, str):
        error = json.dumps(error)
    duration = _field(row, "duration_ms", "durationMs")
    if not _valid_score(duration) or duration < 0:  # a finite, non-negative number, or nothing
        duration = None
    key = (test_id, target)
    records = state.records
    previous = records.get(key)
    ok, quality_failure = status == OK, status == QUALITY_FAILURE
    if previous is None:
        records[key] = Record(test_id, target, status, score, error, state.lines,
                              ok, quality_failure, not (ok or quality_failure), target_recorded, duration)
    else:
        # A new object, never a change: a copy of the dict stays a snapshot.
        records[key] = Record(test_id, target, status, score, error, state.lines,
                              previous.ever_ok or ok, previous.ever_quality_failure or quality_failure,
                              previous.ever_error or not (ok or quality_failure),
                              previous.target_recorded or target_recorded, duration)


def apply_lines(state: IndexState, lines) -> None:
    """``apply_line(state, raw)`` for each of ``lines`` (each without its newline)."""
    lines = list(lines)
    if any(b"\n" in raw for raw in lines):  # not lines of a file: each as it is
        for raw in lines:
            apply_line(state, raw)
    elif lines:
        data = b"\n".join(lines) + b"\n"
        apply_span(state, data, 0, len(data))


def apply_span(state: IndexState, data: bytes, start: int, end: int) -> None:
    """``apply_line(state, raw)`` for each line of ``data[start:end]``, which
    ends with a newline (the scanner's chunk, never split into a list).

    The very rules of ``apply_line``: a row that orjson reads and that has
    nothing unusual (an object, a score that is an int or a float within 64
    bits, an error that is a string or absent) is folded here without a
    call per line; every other line goes through ``apply_line`` itself.
    Lines are found with ``bytes.find`` (memchr): ``bytes.split`` looks at
    every byte in turn, ~0.3 s of 864 MB.  A run of 500,000 records spends
    its time in the parser, not here (tests/unit/test_perf_equivalence.py
    holds both paths to the same answers).
    """
    if start >= end:
        return
    loads = _orjson_loads
    if loads is None:
        for raw in data[start:end - 1].split(b"\n"):
            apply_line(state, raw)
        return
    find = data.find
    records = state.records
    previous_of = records.get
    canonical = _CANONICAL
    intern = sys.intern
    low, high = -_INT64, _INT64
    n = state.lines
    i = start
    while i < end:
        j = find(b"\n", i)  # data[end - 1] is a newline: always found, never beyond it
        raw = data[i:j]
        i = j + 1
        n += 1
        try:
            row = loads(raw)
        except (ValueError, RecursionError):
            row = None
        if type(row) is not dict:
            state.lines = n - 1
            apply_line(state, raw)
            continue
        score = row.get("score")
        kind = type(score)
        error = row.get("error")
        duration = row.get("duration_ms")
        if duration is None and "duration_ms" not in row:
            duration = row.get("durationMs")  # the spelling apply_line reads; the other one is not read
        if (not (kind is int or (kind is float and low < score < high)) or (error is not None and type(error) is not str)
                or (type(duration) is float and not low < duration < high)):
            state.lines = n - 1
            apply_line(state, raw)
            continue
        kind = type(duration)
        if not (kind is int or kind is float) or duration < 0:
            duration = None
        test_id = row["test_id"] if "test_id" in row else row.get("testId")
        if type(test_id) is not str:
            test_id = UNKNOWN if not isinstance(test_id, str) else test_id
        target = row.get("target")
        if type(target) is str:
            target, target_recorded = intern(target), True
        elif isinstance(target, str):
            target_recorded = True
        else:
            target, target_recorded = UNKNOWN, False
        status = row["execution_status"] if "execution_status" in row else row.get("executionStatus")
        status = canonical.get(status, OK) if type(status) is str else OK
        key = (test_id, target)
        previous = previous_of(key)
        ok, quality_failure = status is OK, status is QUALITY_FAILURE
        if previous is None:
            records[key] = Record(test_id, target, status, score, error, n,
                                  ok, quality_failure, not (ok or quality_failure), target_recorded, duration)
        else:
            records[key] = Record(test_id, target, status, score, error, n,
                                  previous.ever_ok or ok, previous.ever_quality_failure or quality_failure,
                                  previous.ever_error or not (ok or quality_failure),
                                  previous.target_recorded or target_recorded, duration)
    state.lines = n
