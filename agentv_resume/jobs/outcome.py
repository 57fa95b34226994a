"""A job's outcome on disk: the run before it, and what it left (issue 13).

Two small files beside job.json in the job dir (job.json stays the runner's):

- ``before.json`` — the last status of each case of the run, written by the
  launcher once the run is locked, before agentv starts.  It cannot be made
  later: agentv rewrites the older lines of the cases it re-runs.
- ``outcome.json`` — written once agentv is gone, while the run is still
  locked, before the final record: the conclusion, what changed, agentv's
  exit code in words.  Written then, so a later job on the same run cannot
  change this one's conclusion.  The CLI writes it in-process (``finish``);
  the server's supervisor, which may import nothing but the standard
  library, runs ``python -m agentv_resume.jobs.outcome`` (``main``) through
  ``process.record_outcome``.

Reading never writes (a GET must not): a job that left no outcome.json (its
runner was killed, or it is older than this) gets one computed from the run
as it is now, marked ``read_now``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from agentv_resume.files import open_regular, read_json_or, write_replace
from agentv_resume.jobs.record import LOG_NAME, RECORD_NAME, load_record
from agentv_resume.jobs.states import TERMINAL
from agentv_resume.runs.cases import read_details
from agentv_resume.runs.index import OK
from agentv_resume.runs.outcome import RunSnapshot, conclude, explain_exit, job_changes, threshold_failed
from agentv_resume.runs.reader import RunReader

BEFORE_NAME = "before.json"
OUTCOME_NAME = "outcome.json"
OUTCOME_VERSION = 1
MAX_BYTES = 64 * 1024 * 1024
# A status answer lists at most this many changed cases (the counts are whole).
CASES_SHOWN = 500
LOG_TAIL_BYTES = 64 * 1024


def run_snapshot(view, *, with_times: bool = False) -> RunSnapshot:
    """The run view's cases (dry-run rows left out) → a snapshot; ``with_times``
    reads when the last line of each failing case was written."""
    lines = {(r.test_id, r.target): r.execution_status for r in view.planned_records}
    written = {}
    if with_times:
        # Only a case failing after the job can be "still failing" (the one
        # change that needs to know whether the job ran it): read those lines.
        wanted = {r.line for r in view.planned_records if r.execution_status != OK}
        for identity, detail in read_details(view.run_dir, wanted).items():
            if identity in lines and detail.timestamp:
                written[identity] = detail.timestamp
    return RunSnapshot(lines, view.planned, written)


def _write(path: Path, data: dict) -> None:
    write_replace(path, json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def record_before(job_dir: Path, view) -> None:
    """Keep the run's last line per case (the launcher, with the run locked);
    ``view`` None: the run has no results yet."""
    snapshot = run_snapshot(view) if view is not None else RunSnapshot({})
    _write(Path(job_dir) / BEFORE_NAME, snapshot.to_json())


def load_before(job_dir: Path) -> RunSnapshot | None:
    return RunSnapshot.from_json(read_json_or(Path(job_dir) / BEFORE_NAME, MAX_BYTES))


def log_tail(job_dir: Path, limit: int = LOG_TAIL_BYTES) -> str:
    try:
        with open_regular(Path(job_dir) / LOG_NAME) as handle:  # a FIFO log must not hang a status
            size = os.fstat(handle.fileno()).st_size
            handle.seek(max(0, size - limit))
            return handle.read(limit).decode("utf-8", errors="replace")
    except OSError:
        return ""


def compute(view, before: RunSnapshot | None, record: dict, tail: str, *, with_times: bool) -> dict:
    """The outcome of a job that ended, from the run ``view`` after it."""
    exit_code = record.get("exit_code")
    failed = threshold_failed(exit_code, tail)
    conclusion = conclude(view.counts, threshold_failed=failed)
    changes = None
    if before is not None:
        after = run_snapshot(view, with_times=with_times)
        changes = job_changes(before, after, record.get("started_at") if with_times else None).to_json()
    out = conclusion.to_json()
    out.update(
        version=OUTCOME_VERSION,
        tone=conclusion.tone,
        exit_reason=explain_exit(exit_code, status=record.get("status"), signal=record.get("signal"),
                                 log_tail=tail),
        changes=changes,
    )
    return out


def finish(job_dir: Path, record: dict, status: str, exit_code: int | None, signal: str | None) -> None:
    """Write outcome.json for a job that just ended (agentv gone, run still locked).

    Never raises: an outcome is a courtesy; the final record must be written
    whatever happens here.
    """
    try:
        ended = {**record, "status": status, "exit_code": exit_code, "signal": signal}
        view = RunReader(Path(record["project_root"])).read(Path(record["run_dir"]))
        data = compute(view, load_before(job_dir), ended, log_tail(job_dir), with_times=True)
        _write(Path(job_dir) / OUTCOME_NAME, data)
    except Exception:  # noqa: BLE001 - see the docstring
        pass


# An ended job's outcome is written once: kept after the first read, while a
# stat says it is the same file, so a status poll of a finished job does not
# parse it again (benchmarks: a poll < 2 ms).
_LOADED: dict[str, tuple[tuple, dict]] = {}
_LOADED_MAX = 4096


def load(job_dir: Path) -> dict | None:
    path = os.path.join(os.fspath(job_dir), OUTCOME_NAME)
    try:
        st = os.stat(path)
    except OSError:
        return None
    stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
    cached = _LOADED.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    data = read_json_or(path, MAX_BYTES)
    if not isinstance(data, dict) or data.get("version") != OUTCOME_VERSION:
        return None
    if not isinstance(data.get("conclusion"), str) or not isinstance(data.get("label"), str):
        return None
    if len(_LOADED) >= _LOADED_MAX:
        _LOADED.clear()
    _LOADED[path] = (stamp, data)
    return data


def for_status(job_dir: Path, record: dict, status: str, reader: RunReader | None = None) -> dict | None:
    """The outcome of an ended job: outcome.json, else (given a ``reader``) read
    from the run as it is now; None while the job runs, or when it cannot be told."""
    if status not in TERMINAL:
        return None
    outcome = load(job_dir)
    if outcome is not None:
        return outcome
    if reader is None:
        return None
    try:
        view = reader.read(Path(record["run_dir"]))
        ended = {**record, "status": status}
        # Once per job while the run is unchanged (a view stands until a file changes).
        outcome = view.memo(("job_outcome", os.fspath(job_dir), status), lambda: {
            **compute(view, load_before(job_dir), ended, log_tail(job_dir), with_times=False), "read_now": True})
    except Exception:  # noqa: BLE001 - a run that cannot be read has no outcome to show
        return None
    return outcome


def shown(outcome: dict, limit: int = CASES_SHOWN) -> dict:
    """``outcome`` with at most ``limit`` changed cases listed (and how many more)."""
    changes = outcome.get("changes")
    if not isinstance(changes, dict) or not isinstance(changes.get("cases"), list):
        return outcome
    cases = changes["cases"]
    if len(cases) <= limit:
        return outcome
    return {**outcome, "changes": {**changes, "cases": cases[:limit], "truncated": len(cases) - limit}}


def status_fields(job, status: str, reader: RunReader | None = None) -> dict:
    """What a job's status says of its outcome once it ended: ``conclusion``,
    ``outcome`` (label, tone, left, threshold_failed, exit_reason[, read_now])
    and ``changes``; nothing while it runs.  ``reader``: see ``for_status``."""
    outcome = for_status(job.dir, job.record, status, reader)
    if outcome is None:
        return {}
    outcome = shown(outcome)
    fields = {
        "conclusion": outcome["conclusion"],
        "outcome": {key: outcome.get(key) for key in ("label", "tone", "left", "threshold_failed", "exit_reason")},
        "changes": outcome.get("changes"),
    }
    if outcome.get("read_now"):
        fields["outcome"]["read_now"] = True
    return fields


def history(store, project, run_id: str) -> list[dict]:
    """The jobs that ran on run ``run_id``, newest first: when, what, how each
    ended, what it left and changed (from outcome.json; no run is read).
    The same fields for `inspect --json` and the run's API."""
    refs = None
    out = []
    for job in store.all():
        recorded = job.record.get("run_id")  # jobs record their run's id; older ones only its dir
        if recorded is None:
            refs = refs if refs is not None else project.runs()
            ref = project.run_by_dir(Path(job.record["run_dir"]), refs)
            recorded = ref.id if ref is not None else None
        if recorded != run_id:
            continue
        status = store.status(job, with_log=False)
        fields = status_fields(job, status["status"])
        changes = fields.get("changes")
        out.append({
            "id": job.id,
            "status": status["status"],
            "mode": status.get("mode"),
            "started_at": status.get("started_at"),
            "finished_at": status.get("finished_at"),
            "exit_code": status.get("exit_code"),
            "conclusion": fields.get("conclusion"),
            "outcome": fields.get("outcome"),
            "changes": {"counts": changes["counts"], "summary": changes["summary"]} if changes else None,
        })
    return out


def main(argv: list[str]) -> int:
    """``python -m agentv_resume.jobs.outcome JOB_DIR STATUS EXIT_CODE SIGNAL`` (the supervisor)."""
    if len(argv) != 4:
        sys.stderr.write("usage: python -m agentv_resume.jobs.outcome JOB_DIR STATUS EXIT_CODE SIGNAL\n")
        return 2
    job_dir, status, code, signal = argv
    record = load_record(os.path.join(job_dir, RECORD_NAME))
    if record is None:
        return 1
    exit_code = int(code) if code.lstrip("-").isdigit() else None
    finish(Path(job_dir), record, status, exit_code, signal or None)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
