"""What a job did to its run, and what is left: pure functions, no I/O.

A job's *status* says how its process ended (finished, failed, stopped,
lost); its *conclusion* says where that left the run, read from the run
after the job: ``complete`` (every planned case has a result, none errored),
``incomplete`` (cases missing), ``errors_left`` (execution errors),
``failures_left`` (quality failures, or agentv's threshold not met).  A job
can finish (exit 0) and still leave an error: agentv exits 0 after a
rerun that fixed four cases of five (measured, agentv 4.42.4).

*Changes* compare the last line of each identity ``(test_id, target)``
before the job with the one after it.  The "before" side has to be recorded
before agentv starts: on --resume / --rerun-failed agentv rewrites the
older lines of the cases it re-ran, so the file no longer says what they were.

The facts about agentv's exit codes are in /work/plan/notes-outcomes.md
(measured with the real CLI); ``explain_exit`` puts them in words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from agentv_resume.runs.index import EXECUTION_ERROR, OK, QUALITY_FAILURE

# Conclusions, most urgent first: the first that applies names the job's end.
INCOMPLETE = "incomplete"
ERRORS_LEFT = "errors_left"
FAILURES_LEFT = "failures_left"
COMPLETE = "complete"
CONCLUSIONS = (INCOMPLETE, ERRORS_LEFT, FAILURES_LEFT, COMPLETE)

# Changes, in the order a reader wants them.
FIXED = "fixed"
NEWLY_FAILING = "newly_failing"
STILL_FAILING = "still_failing"
NEWLY_RUN = "newly_run"
CHANGES = (FIXED, NEWLY_FAILING, STILL_FAILING, NEWLY_RUN)

MISSING = "missing"  # the "status" of an identity with no line
Identity = tuple[str, str]
Snapshot = Mapping[Identity, str]   # identity → status of its last line

SNAPSHOT_VERSION = 1


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# --- snapshots: what the job dir keeps of a run ----------------------------------

@dataclass(frozen=True)
class RunSnapshot:
    """The last status of each identity, when its last line was written, and
    the run's planned count, at one moment."""

    lines: dict[Identity, str]
    planned: int | None = None
    written_at: dict[Identity, str] = field(default_factory=dict)  # the last line's ISO timestamp

    @property
    def missing(self) -> int:
        return max(0, self.planned - len(self.lines)) if self.planned is not None else 0

    def written_since(self, started_at: str) -> set[Identity]:
        """The identities whose last line was written at or after ``started_at``:
        the cases a job that started then ran.  Timestamps, not line numbers:
        agentv rewrites index.jsonl at the end of a resume and drops blank and
        broken lines as it does, so line numbers move (agentv 4.42.4)."""
        # A line without a time (never agentv's) may be the job's: counted as run.
        return {identity for identity in self.lines if self.written_at.get(identity, started_at) >= started_at}

    def to_json(self) -> dict:
        # Lists, not "id\ttarget" keys: a test id may hold any character.
        rows = [[test_id, target, status, self.written_at.get((test_id, target), "")]
                for (test_id, target), status in sorted(self.lines.items())]
        return {"version": SNAPSHOT_VERSION, "planned": self.planned, "rows": rows}

    @classmethod
    def from_json(cls, data) -> "RunSnapshot | None":
        """The snapshot a job dir holds, or None when it is damaged (never an exception)."""
        if not isinstance(data, dict) or data.get("version") != SNAPSHOT_VERSION:
            return None
        rows, planned = data.get("rows"), data.get("planned")
        if not isinstance(rows, list):
            return None
        if planned is not None and not (isinstance(planned, int) and not isinstance(planned, bool) and planned > 0):
            return None
        lines: dict[Identity, str] = {}
        written_at: dict[Identity, str] = {}
        for row in rows:
            if (not isinstance(row, list) or len(row) != 4 or not all(isinstance(part, str) for part in row)
                    or row[2] not in (OK, QUALITY_FAILURE, EXECUTION_ERROR)):
                return None
            lines[(row[0], row[1])] = row[2]
            if row[3]:
                written_at[(row[0], row[1])] = row[3]
        return cls(lines, planned, written_at)


def snapshot_of(records: Iterable, planned: int | None) -> RunSnapshot:
    """A run's records (test_id, target, execution_status and, when known,
    timestamp) → a snapshot."""
    lines: dict[Identity, str] = {}
    written_at: dict[Identity, str] = {}
    for record in records:
        identity = (record.test_id, record.target)
        lines[identity] = record.execution_status
        stamp = getattr(record, "timestamp", None)
        if isinstance(stamp, str) and stamp:
            written_at[identity] = stamp
    return RunSnapshot(lines, planned, written_at)


# --- conclusion -------------------------------------------------------------------

@dataclass(frozen=True)
class Conclusion:
    kind: str
    execution_errors: int
    quality_failures: int
    missing: int
    threshold_failed: bool = False

    @property
    def label(self) -> str:
        """What is left, most urgent first: "2 missing · 1 error left"; "complete"."""
        parts = []
        if self.missing:
            parts.append(f"{self.missing} missing")
        if self.execution_errors:
            parts.append(plural(self.execution_errors, "error"))
        if self.quality_failures:
            parts.append(plural(self.quality_failures, "quality failure"))
        words = [" · ".join(parts) + " left"] if parts else []
        if self.threshold_failed and not self.quality_failures:
            words.append("threshold not met")  # every row says ok, yet a score is below it
        return " · ".join(words) or "complete"

    @property
    def tone(self) -> str:
        """The colour class: only a complete run is good news."""
        return {COMPLETE: "good", INCOMPLETE: "warn", FAILURES_LEFT: "warn"}.get(self.kind, "bad")

    def to_json(self) -> dict:
        return {
            "conclusion": self.kind,
            "label": self.label,
            "left": {EXECUTION_ERROR: self.execution_errors, QUALITY_FAILURE: self.quality_failures,
                     MISSING: self.missing},
            "threshold_failed": self.threshold_failed,
        }


def conclude(counts: Mapping[str, int], *, threshold_failed: bool = False) -> Conclusion:
    """The conclusion of a run whose counts (by last line) are ``counts``.

    ``counts``: ``ok``, ``quality_failure``, ``execution_error``, ``missing``
    (the run view's counts).  ``threshold_failed``: agentv said the threshold
    was not met (exit 1 after its RESULT line), which counts as failures left
    even when no row says ``quality_failure`` (agentv compares the scores with
    the threshold given, not with the rows' own status).
    """
    errors = int(counts.get(EXECUTION_ERROR, 0) or 0)
    failures = int(counts.get(QUALITY_FAILURE, 0) or 0)
    missing = int(counts.get(MISSING, 0) or 0)
    if missing:
        kind = INCOMPLETE
    elif errors:
        kind = ERRORS_LEFT
    elif failures or threshold_failed:
        kind = FAILURES_LEFT
    else:
        kind = COMPLETE
    return Conclusion(kind, errors, failures, missing, threshold_failed)


def conclude_snapshot(snapshot: RunSnapshot, *, threshold_failed: bool = False) -> Conclusion:
    counts = {OK: 0, QUALITY_FAILURE: 0, EXECUTION_ERROR: 0}
    for status in snapshot.lines.values():
        counts[status] = counts.get(status, 0) + 1
    counts[MISSING] = snapshot.missing
    return conclude(counts, threshold_failed=threshold_failed)


# --- changes ------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    test_id: str
    target: str
    change: str
    before: str   # a status, or "missing"
    after: str

    def to_json(self) -> dict:
        return {"test_id": self.test_id, "target": self.target, "change": self.change,
                "before": self.before, "after": self.after}


@dataclass(frozen=True)
class Changes:
    cases: list[Change] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(CHANGES, 0)
        for case in self.cases:
            counts[case.change] += 1
        return counts

    @property
    def summary(self) -> str:
        """ "3 fixed · 1 still errored · 2 newly run"; "no case changed". """
        parts = []
        fixed = [c for c in self.cases if c.change == FIXED]
        if fixed:
            parts.append(f"{len(fixed)} fixed")
        newly = [c for c in self.cases if c.change == NEWLY_FAILING]
        if newly:
            parts.append(f"{len(newly)} newly failing")
        still = [c for c in self.cases if c.change == STILL_FAILING]
        still_errored = sum(c.after == EXECUTION_ERROR for c in still)
        if still_errored:
            parts.append(f"{still_errored} still errored")
        if len(still) - still_errored:
            parts.append(f"{len(still) - still_errored} still failing")
        run = [c for c in self.cases if c.change == NEWLY_RUN]
        if run:
            bad = sum(c.after != OK for c in run)
            parts.append(f"{len(run)} newly run" + (f" ({bad} not ok)" if bad else ""))
        return " · ".join(parts) if parts else "no case changed"

    def to_json(self) -> dict:
        return {"counts": self.counts, "summary": self.summary, "cases": [c.to_json() for c in self.cases]}


def _classify(before: str, after: str) -> str | None:
    if before == MISSING:
        return NEWLY_RUN
    if after == OK:
        return FIXED if before != OK else None
    if before == OK:
        return NEWLY_FAILING
    return STILL_FAILING


def diff(before: Snapshot, after: Snapshot, *, ran: Iterable[Identity] | None = None) -> Changes:
    """Per identity, what the job changed, from the last line before and after it.

    An identity whose last line is ok both times did not change.  A case that
    failed before and fails after is ``still_failing`` only when the job ran
    it again: ``ran`` names the identities the job wrote a line for (None: any
    identity whose status is the same before and after and not ok counts as
    still failing, which is what a rerun of it would show).  An identity gone
    from the run (agentv never removes one) is left out.
    """
    ran_set = set(ran) if ran is not None else None
    cases = []
    for identity, status_after in after.items():
        status_before = before.get(identity, MISSING)
        change = _classify(status_before, status_after)
        if change == STILL_FAILING and ran_set is not None and identity not in ran_set:
            continue
        if change is not None:
            cases.append(Change(identity[0], identity[1], change, status_before, status_after))
    order = {name: n for n, name in enumerate(CHANGES)}
    cases.sort(key=lambda c: (order[c.change], c.test_id, c.target))
    return Changes(cases)


def job_changes(before: RunSnapshot, after: RunSnapshot, started_at: str | None) -> Changes:
    """What a job that started at ``started_at`` changed (``diff`` of two snapshots)."""
    ran = after.written_since(started_at) if started_at and after.written_at else None
    return diff(before.lines, after.lines, ran=ran)


# --- what to do next -------------------------------------------------------------------

def next_modes(conclusion: str | None, will_run: Mapping[str, int]) -> list[str]:
    """The launches to offer after a job, most useful first: Resume when it
    would run a case (missing ones, errors), then Rerun failed when it would
    run more (it also re-runs the quality failures).  None for a complete run."""
    if conclusion in (None, COMPLETE):
        return []
    modes = []
    if will_run.get("resume", 0) > 0:
        modes.append("resume")
    if will_run.get("rerun_failed", 0) > will_run.get("resume", 0):
        modes.append("rerun_failed")
    return modes


# --- exit codes in words ----------------------------------------------------------------

_SIGNAL_WORDS = {
    1: "SIGHUP (the terminal closed)",
    2: "SIGINT (Ctrl-C)",
    9: "SIGKILL (killed)",
    15: "SIGTERM",
}
_ERROR_LINE = re.compile(r"^Error: (.+)$", re.MULTILINE)
_RESULT_FAIL = re.compile(r"^RESULT: FAIL\b.*$", re.MULTILINE)
_BUDGET = "Run budget exceeded"


def _agentv_error(log_tail: str | None) -> str | None:
    if not log_tail:
        return None
    found = _ERROR_LINE.findall(log_tail)
    return found[-1].strip() if found else None


def threshold_failed(exit_code: int | None, log_tail: str | None) -> bool:
    """agentv's exit 1 after its summary: a threshold was given and not met."""
    return (exit_code == 1 and bool(log_tail) and _RESULT_FAIL.search(log_tail) is not None
            and _BUDGET not in log_tail and _agentv_error(log_tail) is None)


def explain_exit(exit_code: int | None, *, status: str | None = None, signal: str | None = None,
                 log_tail: str | None = None) -> str:
    """agentv's exit code in words (what agentv 4.42.4 means by it; see notes-outcomes.md).

    ``log_tail``: the end of what agentv printed, to tell its exit-1 reasons apart.
    """
    if exit_code is None:
        if status == "lost":
            return "no exit code was recorded: the job's process disappeared"
        return "still running" if status in ("starting", "running") else "no exit code recorded"
    error = _agentv_error(log_tail)
    if exit_code == 0:
        return "agentv ran to its end (exit 0)"
    if exit_code == 1:
        if error:
            return f"agentv stopped with an error (exit 1): {error}"
        if log_tail and _BUDGET in log_tail:
            return "the run's budget was exceeded (exit 1)"
        if threshold_failed(exit_code, log_tail):
            return "threshold not met: a case scored below the threshold (exit 1)"
        return "exit 1: agentv's threshold not met, a budget exceeded, or an error (see the log)"
    if exit_code == 2:
        if error:
            return f"agentv refused its arguments (exit 2): {error}"
        return "every case ended in an execution error (exit 2)"
    if exit_code == 126:
        return "agentv could not be started: permission denied (126)"
    if exit_code == 127:
        return "agentv could not be started: not found (127)"
    if exit_code == 130:
        if status == "stopped" and signal is None and not log_tail:
            return "stopped before agentv started (130)"
        return "interrupted by SIGINT, as Ctrl-C does (130)"
    if exit_code == 143:
        return "stopped by SIGTERM (143)"
    if 128 < exit_code < 128 + 65:
        number = exit_code - 128
        words = _SIGNAL_WORDS.get(number) or signal or f"signal {number}"
        return f"ended by {words} ({exit_code})"
    return f"agentv exited with code {exit_code}"
