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
from agentv_resume.jobs.store import Job, JobStore, new_job_id
from agentv_resume.launching.argv import build_args, command_string
from agentv_resume.errors import BadRequest, Busy, Unavailable
from agentv_resume.launching.request import parse_request
from agentv_resume.launching.resolve import ResolvedLaunch, resolve_request
from agentv_resume.runs.project import Project
from agentv_resume.runs.reader import RunReader
from agentv_resume.runs.run import INDEX_NAME


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


def _progress_base(prepared: Prepared, reader: RunReader) -> dict:
    """What the job's progress bar counts from: done/planned for *this run*."""
    mode = prepared.resolved.request.mode
    index = prepared.run_dir / INDEX_NAME
    if mode not in ("resume", "rerun_failed") or not index.is_file():
        return {"mode": mode, "progress_offset": 0, "progress_base_done": 0, "progress_planned": None}
    view = reader.read(prepared.run_dir)
    planned = view.planned if view.planned is not None else view.unique
    to_run = view.will_run[mode]
    return {
        "mode": mode,
        "progress_offset": index.stat().st_size,
        "progress_base_done": max(0, planned - to_run),
        "progress_planned": planned,
        "will_run": to_run,
    }


def start(prepared: Prepared, project: Project, reader: RunReader, store: JobStore,
          *, agentv: str | None = None, source: str = "server"):
    """Take the lock, find agentv, record the job.  Returns (job, lock_fd).

    The caller either hands the lock to a supervisor (``detach``) or runs the
    job in the foreground (``jobs.runner.run_job``).  Nothing is created on disk
    before both checks passed: a 503 leaves no run directory behind.
    """
    run_dir = prepared.run_dir
    try:
        agentv_argv = process.find_agentv(agentv)
    except process.AgentvNotFound as exc:
        missing = exc
    else:
        missing = None
    if missing is not None:
        holder = lock_holder(run_dir)  # rule 9 answers before rule 10
        if holder:
            raise _busy(holder)
        raise Unavailable(str(missing))
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
        progress_base = _progress_base(prepared, reader)
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
            job.record.update(status="failed", finished_at=now_iso(), exit_code=None,
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
