"""The one launch path shared by `studio-resume launch` and `POST /api/eval/run`.

prepare(): rules 2–8 (request.py, resolve.py) and the argv (argv.py).
start():   rule 9 (the run lock → 409), rule 10 (agentv → 503), then the job.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from agentv_resume.jobs import outcome, process
from agentv_resume.jobs.lock import LOCK_NAME, RunBusy, acquire_lock, lock_holder, name_holder
from agentv_resume.jobs.record import PID_NAME, now_iso
from agentv_resume.jobs.runner import ensure_trailing_newline
from agentv_resume.jobs.states import JobStatus, change
from agentv_resume.jobs.store import Job, JobStore, new_job_id
from agentv_resume.launching.argv import build_args, command_string
from agentv_resume.errors import BadRequest, Busy, Unavailable
from agentv_resume.launching.request import parse_request
from agentv_resume.launching.resolve import ResolvedLaunch, resolve_request
from agentv_resume.runs.plan import escape_test_id, read_plan, write_plan
from agentv_resume.runs.project import Project, url_safe
from agentv_resume.runs.reader import RunReader
from agentv_resume.runs.run import INDEX_NAME
from agentv_resume.runs.suite import plan_suite
from agentv_resume.runs.writers import busy_message, writers_of


@dataclass
class Prepared:
    resolved: ResolvedLaunch
    args: list[str]
    command: str

    @property
    def run_dir(self) -> Path:
        return self.resolved.run_dir


def prepare(body, project: Project, reader: RunReader) -> Prepared:
    request = parse_request(body)
    resolved = resolve_request(request, project, reader)
    # The resolved request: its paths are the ones checked, as agentv reads them.
    args = build_args(resolved.request, resolved.output_arg)
    return Prepared(resolved, args, command_string(args))


def _progress_base(prepared: Prepared, reader: RunReader, predicted: int | None) -> dict:
    """What the job's progress bar counts from: done/planned for *this run*.

    ``predicted``: how many (case, target) pairs agentv will run for this
    launch (agentv's own formula); the bar ends at what the run then holds."""
    mode = prepared.resolved.request.mode
    index = prepared.run_dir / INDEX_NAME
    if mode not in ("resume", "rerun_failed") or not index.is_file():
        # A fresh run: agentv's own stub benchmark.json gives its planned count.
        return {"mode": mode, "progress_offset": 0, "progress_base_done": 0, "progress_planned": None,
                "predicted": predicted}
    view = reader.read(prepared.run_dir)
    request = prepared.resolved.request
    forecast = view.forecast(suite_filter=request.suite_filter, targets=request.targets or None,
                             test_ids=request.test_ids or None)
    to_run = predicted if predicted is not None else view.will_run[mode]
    if forecast.planned_pairs is not None:
        planned = forecast.planned_pairs
    else:
        planned = view.planned if view.planned is not None else view.unique
    return {
        "mode": mode,
        "progress_offset": index.stat().st_size,
        "progress_base_done": max(0, planned - to_run),
        "progress_planned": max(planned, to_run),
        "will_run": to_run,
        "predicted": to_run,
    }


def plan_of(prepared: Prepared, project: Project, reader: RunReader) -> tuple[dict, int | None]:
    """(the plan this launch asks agentv for, as recorded beside the run; the
    number of (case, target) pairs agentv will run, None when it cannot be told).

    For `--retry-errors` the plan names the ids agentv retries (agentv writes
    them nowhere), so a resume of the new run keeps to them."""
    request = prepared.resolved.request
    plan = {"suite_filter": request.suite_filter, "test_ids": list(request.test_ids) or None,
            "targets": list(request.targets) or None, "experiment": request.experiment,
            "threshold": request.threshold, "mode": request.mode or "run"}
    files = reader.suites.load(request.suite_filter) if request.suite_filter else None
    readable = bool(files) and all(f.readable for f in files)
    if request.mode in ("resume", "rerun_failed"):
        view = reader.read(prepared.run_dir)
        forecast = view.forecast(suite_filter=request.suite_filter, targets=request.targets or None,
                                 test_ids=request.test_ids or None)
        return plan, (None if forecast.approximate else forecast.will_run[request.mode])
    if not readable:
        return plan, None
    pairs = plan_suite(files, request.targets, request.test_ids)
    if request.mode != "retry_errors":
        return plan, len(pairs.identities)
    source = _retry_source(prepared, project)
    done = _fully_completed_ids(reader.read(source)) if source is not None else set()
    retried = [i for i in dict.fromkeys(test_id for test_id, _ in pairs.identities) if i not in done]
    plan["test_ids"] = [escape_test_id(i) for i in retried]
    return plan, sum(1 for test_id, _ in pairs.identities if test_id not in done)


def _retry_source(prepared: Prepared, project: Project) -> Path | None:
    value = prepared.resolved.request.retry_errors
    path = Path(value) if Path(value).is_absolute() else project.root / value
    path = path.parent if path.name == INDEX_NAME else path
    return path if (path / INDEX_NAME).is_file() else None


def _fully_completed_ids(view) -> set[str]:
    """agentv's `--retry-errors` skips an id when none of its lines, on any target, is an error."""
    errored = {r.test_id for r in view.records if r.ever_error}
    return {r.test_id for r in view.records} - errored


def _refuse_if_written_by_another_agentv(run_dir: Path) -> None:
    """Rule 9 for an agentv started outside this tool (another terminal) that writes the run now."""
    writers = writers_of(run_dir)
    if writers:
        raise Busy(busy_message(writers[0], str(run_dir)))


def _record_plan(run_dir: Path, plan: dict, mode: str | None, job_id: str) -> None:
    """Beside the run: a fresh run (retry included) records its plan; a resume
    keeps the plan the run was made with, and records one only if there was none.
    A rerun of picked cases (`--rerun-failed` with `--test-id`s, the page's
    "Rerun selected") is a one-off: it never becomes the run's plan, or a later
    Resume would keep to the picks and leave the rest of the run undone."""
    if mode in ("resume", "rerun_failed") and read_plan(run_dir) is not None:
        return
    if mode == "rerun_failed" and plan.get("test_ids"):
        return
    try:
        write_plan(run_dir, {**plan, "job_id": job_id, "written_at": now_iso()})
    except OSError:
        pass  # a resume can still be given its filters by hand; the job itself is unaffected


def start(prepared: Prepared, project: Project, reader: RunReader, store: JobStore,
          *, agentv: str | None = None, source: str = "server"):
    """Take the lock, find agentv, record the job.  Returns (job, lock_fd).

    The caller either hands the lock to a supervisor (``detach``) or runs the
    job in the foreground (``jobs.runner.run_job``).  Nothing is created on disk
    before both checks passed: a 503 leaves no run directory behind.
    """
    run_dir = prepared.run_dir
    try:
        agentv_argv = process.find_agentv(agentv, project.root)
    except process.AgentvNotFound as exc:
        missing = exc
    else:
        missing = None
    if missing is not None:
        holder = lock_holder(run_dir)  # rule 9 answers before rule 10
        if holder:
            raise _busy(holder)
        _refuse_if_written_by_another_agentv(run_dir)
        raise Unavailable(str(missing))
    holder = lock_holder(run_dir)  # a job of this tool is named before its own agentv process
    if holder:
        raise _busy(holder)
    _refuse_if_written_by_another_agentv(run_dir)
    plan, predicted = plan_of(prepared, project, reader)
    created = not run_dir.exists()
    job_id = new_job_id()
    try:
        lock_fd = acquire_lock(run_dir, job_id)
    except RunBusy as busy:
        raise _busy(busy.job_id) from None
    except OSError as exc:
        raise BadRequest(f"cannot lock the run directory {run_dir}: {exc.strerror or exc}") from None
    try:
        ensure_trailing_newline(run_dir / INDEX_NAME)
        progress_base = {**_progress_base(prepared, reader, predicted), "plan": plan}
        for attempt in range(5):
            try:
                job = store.create(
                    job_id=job_id,
                    argv=[*agentv_argv, *prepared.args],
                    args=prepared.args,
                    command=prepared.command,
                    run_dir=run_dir,
                    source=source,
                    progress_base=progress_base,
                    # The job knows its run: a status poll never lists the runs to find it.
                    run_id=url_safe(run_dir.name),
                    run_path=project.relative(run_dir),
                )
                break
            except FileExistsError:
                if attempt == 4:
                    raise
                job_id = new_job_id()
                name_holder(run_dir, lock_fd, job_id)
    except OSError as exc:
        _release(lock_fd, run_dir, created)
        raise Unavailable(f"cannot record the job under {store.jobs_dir}: {exc.strerror or exc}") from None
    _record_before(job, run_dir, reader)
    _record_plan(run_dir, plan, prepared.resolved.request.mode, job.id)
    return job, lock_fd


def _record_before(job: Job, run_dir: Path, reader: RunReader) -> None:
    """The run's last line per case, before agentv touches it: what the job
    changed is told against it (jobs/outcome.py).  A run that cannot be read
    just leaves the job's changes unknown."""
    try:
        view = reader.read(run_dir) if (run_dir / INDEX_NAME).is_file() else None
        outcome.record_before(job.dir, view)
    except Exception:  # noqa: BLE001 - see the docstring
        pass


def _busy(holder: str | None) -> Busy:
    return Busy(f"a job is already active on this run: {holder}", job_id=holder)


def detach(job: Job, lock_fd: int) -> None:
    """Hand the job (and the lock) to a supervisor process that outlives this one."""
    try:
        try:
            pid = process.start_supervisor(job.dir, lock_fd)
        except OSError as exc:
            # No supervisor exists: this is the only writer of the record.
            change(job.record, JobStatus.FAILED, finished_at=now_iso(), exit_code=None,
                   log_error=f"could not start the job supervisor: {exc.strerror or exc}")
            job.save()
            return
        try:
            # For status checks until the supervisor records itself; never job.json,
            # which the supervisor owns from now on.
            (job.dir / PID_NAME).write_text(f"{pid} {process.start_time(pid) or ''}\n")
        except OSError:
            pass  # the lock still tells that the job lives
    finally:
        os.close(lock_fd)


def _release(lock_fd: int, run_dir: Path, created: bool) -> None:
    """Give the lock back; remove the run directory if this launch made it (still locked)."""
    try:
        if created:
            try:
                (run_dir / LOCK_NAME).unlink()
                run_dir.rmdir()
            except OSError:
                pass
    finally:
        os.close(lock_fd)
