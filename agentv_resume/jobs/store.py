"""Jobs: one agentv process working on one run directory.

A job lives on disk under ``.agentv/studio-resume/jobs/<id>/``:
``job.json`` (the record, replaced atomically), ``output.log`` (everything
agentv printed: agentv's stdout and stderr are appended to it directly),
``stop`` (present once Stop was asked for) and, for server jobs,
``supervisor.pid``.  The server hands each job to a detached supervisor
process (``agentv_resume.jobs.supervisor``) that runs agentv, copies its output
to the run's ``console.log``, carries out Stop and writes the exit code, so a
job survives the server being killed.  The CLI runs the same loop in the
foreground (``runner.run_job``).

Who writes job.json: the launcher creates it (``starting``); from then on
only the runner (supervisor or CLI) writes it — the server only ever asks,
through the ``stop`` file.  The server writes a record again only on one
explicit write path: the end of a Stop it had to carry out itself because
the runner was gone.  Reading a status never writes: an end nobody recorded
(``lost``) is derived by ``reconcile.derive`` each time it is asked.

One job per run directory, across the CLI and the server: an ``flock`` on
``<run dir>/.studio-resume.lock``.  The launcher takes it, the runner
inherits it and passes it on to agentv, and releases its copy just before
it writes the final record; so the lock is held from the launch until
agentv (and whatever inherited it from agentv) is gone, and a free lock, a
dead runner and an unfinished record mean the job was lost.  The lock file
names the holder's job id so a 409 can name it; a short ``flock`` on the
run directory itself guards taking the lock and writing that id, so a
competitor never reads a stale id and a status probe never makes a launch
fail.
"""

from __future__ import annotations

import os
import re
import stat
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from agentv_resume.files import open_regular, read_text
from agentv_resume.jobs import process, reconcile, record as job_record
from agentv_resume.jobs.progress import INDEX_NAME, Counter, progress as progress_of
from agentv_resume.jobs.lock import lock_holder
from agentv_resume.jobs.record import (
    DEFAULT_STOP_GRACE_SECONDS, JOBS_DIR, LOG_NAME, PID_NAME, RECORD_NAME, STATE_DIR, STOP_NAME, now_iso,
    write_json_atomic, write_spawn_args,
)
from agentv_resume.jobs.states import TERMINAL, JobStatus, change, is_terminal
from agentv_resume.runs.audit import audit

AUDIT_LOG_BYTES = 16 * 1024 * 1024  # agentv's progress lines of a big run; more is cut, not read
from agentv_resume.jobs.stopping import StopPlan

# Stop: SIGTERM, then SIGKILL this much later (recorded per job; the runner's default too)
STOP_GRACE_SECONDS = DEFAULT_STOP_GRACE_SECONDS
DEFAULT_PAGE = 100    # jobs per page of the jobs list (API and page)
LOG_TAIL_BYTES = 16 * 1024
LOG_SINCE_BYTES = 256 * 1024
# A folder changed this recently may change again within its mtime's tick unseen.
_RACY_SECONDS = 2.0
JOB_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def new_job_id() -> str:
    """``20261201-103012-345-a1b2c3``: ids sort as the jobs started (to the millisecond),
    so a page of the jobs list is read without opening every record."""
    now = datetime.now(timezone.utc)
    return now.strftime("%Y%m%d-%H%M%S-") + f"{now.microsecond // 1000:03d}-" + os.urandom(3).hex()


def valid_job_id(job_id) -> bool:
    return isinstance(job_id, str) and JOB_ID_RE.fullmatch(job_id) is not None


# --- records ------------------------------------------------------------------

class Job:
    def __init__(self, dir: Path, record: dict):
        self.dir = Path(dir)
        self.record = record

    def __repr__(self) -> str:
        return f"Job({self.id!r}, {self.record.get('status')!r})"

    @property
    def id(self) -> str:
        return self.record["id"]

    @property
    def log_path(self) -> Path:
        return self.dir / LOG_NAME

    @property
    def stop_path(self) -> Path:
        return self.dir / STOP_NAME

    @property
    def record_path(self) -> Path:
        return self.dir / RECORD_NAME

    @property
    def run_dir(self) -> Path:
        return Path(self.record.get("run_dir") or self.dir)

    def save(self) -> None:
        write_json_atomic(self.record_path, self.record)

    def reload(self) -> dict:
        """Read job.json again (in memory only: a reader never writes it)."""
        fresh = job_record.load(self.record_path)
        if fresh is not None and fresh.get("id") == self.id:
            self.record = fresh
        return self.record

    def runner(self) -> tuple[int | None, str | None]:
        """pid and start time of the process running the job (supervisor or CLI)."""
        if self.record.get("supervisor_pid"):
            return self.record["supervisor_pid"], self.record.get("supervisor_start")
        try:
            pid, _, started = read_text(self.dir / PID_NAME, 256).strip().partition(" ")
            return int(pid), started or None
        except (OSError, ValueError):
            return None, None

    def runner_alive(self) -> bool:
        return process.pid_alive(*self.runner())

    def agentv_alive(self) -> bool:
        return process.pid_alive(self.record.get("agentv_pid"), self.record.get("agentv_start"))

    def effective_status(self) -> JobStatus:
        """The recorded status, corrected for processes that died unrecorded.  Writes nothing."""
        return reconcile.derive(self.record, _Probe(self))

    def log_tail(self, limit: int = LOG_TAIL_BYTES) -> str:
        """The last ``limit`` bytes of the log, from a line start when one is near."""
        try:
            with open_regular(self.log_path) as handle:  # a FIFO log must not hang a status poll
                size = os.fstat(handle.fileno()).st_size
                start = max(0, size - limit)
                handle.seek(start)
                data = handle.read(size - start)
        except OSError:
            return ""
        if start > 0:
            cut = data.find(b"\n")
            data = data[cut + 1:] if 0 <= cut < 512 else data[_utf8_start(data):]
        if not is_terminal(self.record.get("status")):
            data = data[:_complete_utf8_end(data)]
        return data.decode("utf-8", errors="replace")

    def log_since(self, offset: int, limit: int = LOG_SINCE_BYTES) -> tuple[str, int]:
        """Log text from byte ``offset`` and the offset to ask from next time.

        Never splits a UTF-8 character: an incomplete one at the end is left
        for the next call.  When more than ``limit`` bytes are waiting, the
        text skips ahead to the last ``limit`` bytes (a live view wants the
        end) and starts at a character boundary.  An offset beyond the end
        (the log was replaced) starts over.
        """
        try:
            with open_regular(self.log_path) as handle:  # a FIFO log must not hang a status poll
                size = os.fstat(handle.fileno()).st_size
                if not isinstance(offset, int) or offset < 0 or offset > size:
                    offset = 0
                skipped = size - offset > limit
                if skipped:
                    offset = size - limit
                handle.seek(offset)
                data = handle.read(min(limit, size - offset))
        except OSError:
            return "", 0
        if skipped:
            lead = _utf8_start(data)
            data, offset = data[lead:], offset + lead
        end = len(data) if is_terminal(self.record.get("status")) else _complete_utf8_end(data)
        return data[:end].decode("utf-8", errors="replace"), offset + end


def _utf8_start(data: bytes) -> int:
    """Bytes to skip so ``data`` does not start inside a character (at most 3)."""
    skip = 0
    while skip < min(3, len(data)) and data[skip] & 0xC0 == 0x80:
        skip += 1
    return skip


def _complete_utf8_end(data: bytes) -> int:
    """Length of ``data`` without a trailing, still incomplete UTF-8 sequence."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte & 0xC0 == 0x80:
            continue  # a continuation byte: keep looking for the lead byte
        if byte < 0xC0:
            return len(data)  # ASCII (or a stray continuation run): complete
        need = 4 if byte >= 0xF0 else 3 if byte >= 0xE0 else 2
        return len(data) - back if back < need else len(data)
    return len(data)


class _Probe:
    """``reconcile.Probe`` over a real job: /proc, job.json and the run lock."""

    def __init__(self, job: Job):
        self.job = job

    def runner_alive(self) -> bool:
        return self.job.runner_alive()

    def reread(self) -> str | None:
        return self.job.reload().get("status")

    def agentv_alive(self) -> bool:
        return self.job.agentv_alive()

    def holds_lock(self) -> bool:
        return lock_holder(self.job.run_dir) == self.job.id

    def stop_requested(self) -> bool:
        return self.job.stop_path.exists()


class _Counted:
    """A count already made, in the place of a ``Counter``."""

    def __init__(self, seen: int):
        self.seen = seen

    def count(self) -> int:
        return self.seen


class JobStore:
    def __init__(self, project_root: Path):
        self.project_root = Path(project_root)
        self.jobs_dir = self.project_root / ".agentv" / STATE_DIR / JOBS_DIR
        self._counters: dict[str, Counter] = {}   # active jobs only: a set of case keys each
        self._ended: dict[str, dict] = {}         # ended jobs whose record lacks progress_final
        self._audits: dict[str, dict] = {}        # ended jobs: agentv's account, read once
        self._progress_lock = threading.Lock()
        self._orphan_stops: dict[str, threading.Thread] = {}
        self._orphan_lock = threading.Lock()
        # active_runs(): jobs whose record has not ended, those that have, and
        # the jobs folder's stamp when it was last listed.
        self._active_lock = threading.Lock()
        self._open: dict[str, bool | None] = {}  # job id -> None until its record was first looked at
        self._closed: set[str] = set()
        self._jobs_seen: tuple | None = None

    def create(self, *, job_id: str, argv: list[str], args: list[str], command: str,
               run_dir: Path, source: str, progress_base: dict, **fields) -> Job:
        """Record a new job (``starting``).  Raises FileExistsError if the id is taken.

        ``fields``: further record fields (``record.FIELDS``) known at launch.
        """
        if not valid_job_id(job_id):
            raise ValueError(f"not a job id: {job_id!r}")
        record = job_record.build(
            id=job_id, command=command, argv=argv, args=args, run_dir=str(run_dir),
            project_root=str(self.project_root), source=source, started_at=now_iso(),
            stop_grace_seconds=STOP_GRACE_SECONDS, **progress_base, **fields,
        )
        self.jobs_dir.mkdir(parents=True, exist_ok=True)
        job_dir = self.jobs_dir / job_id
        job_dir.mkdir(exist_ok=False)
        job = Job(job_dir, record)
        write_spawn_args(job_dir, self.project_root, run_dir, argv)
        # Not fsync'ed: this is on the launch latency path, and the runner's
        # records (which are) replace it within milliseconds.
        write_json_atomic(job.record_path, job.record, durable=False)
        return job

    def get(self, job_id: str) -> Job | None:
        # Ids are checked (no "/", no "..": one name) and must name a real
        # directory, not a link: one lstat, not a listing of every job.
        if not valid_job_id(job_id) or not self._is_job_dir(job_id):
            return None
        return self._load(job_id)

    def _is_job_dir(self, job_id: str) -> bool:
        try:
            return stat.S_ISDIR(os.lstat(self.jobs_dir / job_id).st_mode)
        except OSError:
            return False

    def _load(self, job_id: str) -> Job | None:
        job_dir = self.jobs_dir / job_id
        record = job_record.load(job_dir / RECORD_NAME)
        if record is None or record.get("id") != job_id:
            return None
        return Job(job_dir, record)

    def _ids(self) -> set[str]:
        try:
            with os.scandir(self.jobs_dir) as entries:
                return {entry.name for entry in entries
                        if valid_job_id(entry.name) and entry.is_dir(follow_symlinks=False)}
        except OSError:
            return set()

    def all(self) -> list[Job]:
        """Every job, newest first (the folder is listed once, not once per job)."""
        return self.page(limit=None)[0]

    def page(self, limit: int | None = DEFAULT_PAGE, before: str | None = None) -> tuple[list[Job], str | None]:
        """Up to ``limit`` jobs older than job ``before``, newest first, and the
        ``before`` of the next page (None: no more).

        Job ids sort as the jobs started, so only the page's records are read.
        """
        ids = sorted(self._ids(), reverse=True)
        if before is not None:
            ids = [job_id for job_id in ids if job_id < before]
        jobs: list[Job] = []
        for job_id in ids:
            if limit is not None and len(jobs) >= limit:
                return jobs, jobs[-1].id if jobs else None
            job = self._load(job_id)
            if job is not None:
                jobs.append(job)
        return jobs, None

    def active_for(self, run_dir: Path) -> str | None:
        return lock_holder(run_dir)

    def active_runs(self) -> dict[str, str]:
        """{run directory (as its job recorded it): id of the job holding its lock}
        for every job of this project whose record has not ended.

        A runs list asks this once instead of probing the lock of each of
        50,000 runs: the jobs folder is listed again only when it changed (a
        job was created or removed), a record that ended is never read again,
        and only the jobs not yet ended (a handful) have their record re-read
        and their run's lock probed.  The lock is the truth: a record that
        says running whose lock is free (a lost job) is not active.
        """
        with self._active_lock:
            self._refresh_open_jobs()
            active: dict[str, str] = {}
            for job_id in list(self._open):
                path = self.jobs_dir / job_id / RECORD_NAME
                if self._open[job_id] is None and job_record.peek_ended(path, job_id):
                    # Seen for the first time and ended: the usual case of a past job.
                    del self._open[job_id]
                    self._closed.add(job_id)
                    continue
                self._open[job_id] = True  # read in full from now on
                record = job_record.load(path)
                if record is not None and record.get("id") == job_id and is_terminal(record.get("status")):
                    del self._open[job_id]
                    self._closed.add(job_id)
                    continue
                run_dir = record.get("run_dir") if record is not None else None
                if not isinstance(run_dir, str) or not run_dir or run_dir in active:
                    continue
                holder = lock_holder(Path(run_dir))
                if holder is not None:
                    active[run_dir] = holder
            return active

    def _refresh_open_jobs(self) -> None:
        """List the jobs folder again when it changed since the last listing
        (or changed so recently that a change within its mtime's tick could
        hide); a job seen for the first time is open until its record ends."""
        try:
            st = os.stat(self.jobs_dir)
        except OSError:
            self._open.clear()
            self._closed.clear()
            self._jobs_seen = None
            return
        stamp = (st.st_dev, st.st_ino, st.st_mtime_ns)
        if stamp == self._jobs_seen and time.time() - st.st_mtime > _RACY_SECONDS:
            return
        ids = self._ids()
        for job_id in ids - self._closed - self._open.keys():
            self._open[job_id] = None
        for gone in (self._open.keys() | self._closed) - ids:
            self._open.pop(gone, None)
            self._closed.discard(gone)
        self._jobs_seen = stamp

    # --- progress -------------------------------------------------------------
    def progress(self, job: Job, status=None) -> dict:
        """done/planned for this job: recorded once it ended, else counted as agentv appends.

        Memory is bounded per job: an ended job costs nothing (its record holds
        the final count; an older record's is counted once and kept as two
        numbers), a running one a set of case keys, dropped when it ends.
        """
        record = job.record
        final = record.get("progress_final")
        ended = is_terminal(status if status is not None else record.get("status"))
        if not ended:
            return self._running_progress(job.id, record)
        with self._progress_lock:
            cached = self._ended.get(job.id)
            if cached is not None:
                return dict(cached)
            counter = self._counters.pop(job.id, None)
            if isinstance(final, dict) and type(final.get("done")) is int:
                result = {"done": final["done"], "planned": final.get("planned")}
                if counter is not None:
                    # This server saw more rows appear than the runner did (agentv
                    # rewrote index.jsonl as it ended): never count fewer than seen.
                    with counter.lock:  # a last poll of the running job may still be counting
                        seen = progress_of(record, counter)["done"]
                    if seen > result["done"]:
                        result["done"] = seen
                        self._ended[job.id] = dict(result)
                return result
            if counter is None:
                result = progress_of(record, Counter(record["run_dir"], record.get("progress_offset") or 0))
            else:
                with counter.lock:
                    result = progress_of(record, counter)
            self._ended[job.id] = dict(result)
        return result

    def _running_progress(self, job_id: str, record: dict) -> dict:
        """A running job's progress.  Its rows are counted under the job's own
        lock, not the store's: 50 tabs polling one job never queue behind one
        another's count; a poll that finds the count under way takes what was
        counted so far (at most one poll's worth of rows behind)."""
        with self._progress_lock:
            counter = self._counters.get(job_id)
            if counter is None:
                counter = self._counters[job_id] = Counter(record["run_dir"], record.get("progress_offset") or 0)
                counter.lock = threading.Lock()
        if counter.lock.acquire(blocking=False):
            try:
                return progress_of(record, counter)
            finally:
                counter.lock.release()
        return progress_of(record, _Counted(counter.seen))

    def status(self, job: Job, *, with_log: bool = True) -> dict:
        status = job.effective_status()
        record = job.record
        out = {
            "id": job.id,
            "status": status.value,
            "command": record.get("command"),
            "run_dir": record.get("run_dir"),
            "started_at": record.get("started_at"),
            "finished_at": record.get("finished_at"),
            "exit_code": record.get("exit_code"),
            "progress": self.progress(job, status),
            "source": record.get("source"),
            "mode": record.get("mode"),
        }
        if record.get("signal"):
            out["signal"] = record["signal"]
        if record.get("log_error"):
            out["log_error"] = record["log_error"]
        if record.get("stop_requested_at") or job.stop_path.exists():
            out["stop_requested"] = True
        if with_log:
            out["log_tail"] = job.log_tail()
        if is_terminal(status):
            out["audit"] = self._audit(job)
        return out

    def _audit(self, job: Job) -> dict:
        """agentv's own account of the ended job beside the tool's prediction (issue 11);
        read once from its log (agentv prints "found N ... skipping K", its i/N total)."""
        cached = self._audits.get(job.id)
        if cached is None:
            try:
                with open_regular(job.log_path) as handle:
                    text = handle.read(AUDIT_LOG_BYTES).decode("utf-8", "replace")
            except OSError:
                text = ""
            cached = self._audits[job.id] = audit(job.record.get("predicted"), text)
        return dict(cached)

    # --- stop -----------------------------------------------------------------
    def stop(self, job: Job) -> dict:
        """Ask the job to stop.  Idempotent; the runner does the signalling.

        The runner (supervisor or CLI) watches the ``stop`` file, so a Stop
        that arrives while the job is still ``starting`` is honoured as soon
        as agentv exists (or before it is started at all).  Only when the
        runner is gone and agentv lives on does the server signal agentv's
        process group itself.
        """
        status = job.effective_status()
        if status in TERMINAL:
            return {"stopped": False, "reason": "already_terminal", "status": status.value}
        try:
            fd = os.open(job.stop_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
            try:
                os.write(fd, (now_iso() + " stop\n").encode())
            finally:
                os.close(fd)
        except FileExistsError:
            pass  # asked before: the first request's time stands
        except OSError as exc:
            return {"stopped": False, "reason": f"cannot write {job.stop_path}: {exc.strerror or exc}",
                    "status": status.value}
        if status is JobStatus.RUNNING and not job.runner_alive():
            self._stop_orphan(job)
        return {"stopped": True, "status": "stopping"}

    def _stop_orphan(self, job: Job) -> None:
        with self._orphan_lock:
            thread = self._orphan_stops.get(job.id)
            if thread is not None and thread.is_alive():
                return
            thread = threading.Thread(target=_stop_orphan, args=(job,), name=f"stop-{job.id}", daemon=True)
            self._orphan_stops[job.id] = thread
        thread.start()


def _stop_orphan(job: Job) -> None:
    """The stop plan for agentv's group, then record the end (no runner is left to).

    The one place the server writes a job record: an explicit Stop.
    """
    grace = job.record.get("stop_grace_seconds")
    grace = grace if isinstance(grace, (int, float)) and grace >= 0 else STOP_GRACE_SECONDS
    StopPlan(job.record.get("agentv_pid"), grace).run()
    if is_terminal(job.reload().get("status")) or job.runner_alive():
        return
    now = now_iso()
    change(job.record, JobStatus.STOPPED, finished_at=now, ended_unwitnessed_at=now,
           stopped_by="server (the runner was gone)")
    try:
        job.save()
    except OSError:
        pass  # the status is derived as "stopped" all the same (the stop file exists)


# --- a job's run -------------------------------------------------------------------

def run_of(record: dict, project, runs_by_dir: dict | None = None) -> tuple[str | None, str | None]:
    """(the run's id, its directory as typed from the project root) for a job record.

    The job knows its run (``run_id`` / ``run_path``, recorded at creation), so
    this costs one stat whatever the number of runs.  A record older than that
    is looked up in ``runs_by_dir`` (``runs_by_dir(project)``, made once for a
    whole list) or, for a single job, by ``project.run_by_dir``.  No id once the
    run's index.jsonl is gone (deleted since): there is nothing to link to.
    """
    run_dir = record.get("run_dir")
    if not run_dir:
        return None, None
    run_id, run_path = record.get("run_id"), record.get("run_path")
    if run_path is None:
        run_path = project.relative(Path(run_dir))
    if run_id is None:
        ref = runs_by_dir.get(run_dir) if runs_by_dir is not None else project.run_by_dir(Path(run_dir))
        run_id = ref.id if ref is not None else None
    if run_id is not None and not os.path.isfile(os.path.join(run_dir, INDEX_NAME)):
        run_id = None
    return run_id, run_path


def runs_by_dir(project, jobs: list[Job]) -> dict:
    """For a list of jobs: the project's runs by directory, listed once, and only
    when a job's record predates run ids (else empty)."""
    if all(job.record.get("run_id") is not None for job in jobs):
        return {}
    return {os.fspath(ref.run_dir): ref for ref in project.all_runs()}
