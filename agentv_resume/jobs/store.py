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
through the ``stop`` file.  The server writes a record again only when the
runner is provably gone: to mark the job ``lost``, or to record the end of a
Stop it had to carry out itself.

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
import signal
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from agentv_resume.files import open_regular, read_text
from agentv_resume.jobs import process, runner
from agentv_resume.jobs.lock import lock_holder
from agentv_resume.jobs.record import (
    JOBS_DIR, LOG_NAME, PID_NAME, RECORD_NAME, STATE_DIR, STOP_NAME, load_record, now_iso, write_json_atomic,
    write_spawn_args,
)
from agentv_resume.jobs.states import ACTIVE, TERMINAL
from agentv_resume.runs.run import read_benchmark
from agentv_resume.runs.scanner import IndexScanner

# Stop: SIGTERM, then SIGKILL this much later (recorded per job; the runner's default too)
STOP_GRACE_SECONDS = runner.DEFAULT_STOP_GRACE_SECONDS
LOG_TAIL_BYTES = 16 * 1024
LOG_SINCE_BYTES = 256 * 1024
JOB_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def new_job_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S-") + os.urandom(3).hex()


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
        fresh = load_record(self.record_path)
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

    def effective_status(self) -> str:
        """The recorded status, corrected for processes that died unrecorded."""
        status = self.record.get("status")
        if status in TERMINAL:
            return status
        if status in ACTIVE and self.runner_alive():
            return status  # the runner will record the end
        status = self.reload().get("status")
        if status in TERMINAL:
            return status  # written just now
        if self.agentv_alive():
            return "running"
        if status in ACTIVE and lock_holder(self.run_dir) == self.id:
            # Still handed from the launcher to the supervisor, or agentv's
            # children still hold the lock: not over yet.
            return status
        if status in ACTIVE and (self.runner_alive() or self.reload().get("status") in TERMINAL):
            return self.record["status"]  # the runner appeared, or finished, meanwhile
        # Nobody is left to write this record (runner and agentv gone, lock free).
        # A job asked to stop has stopped (the server may have done it itself).
        return self._record_unwitnessed_end("stopped" if self.stop_path.exists() else "lost")

    def _record_unwitnessed_end(self, status: str) -> str:
        self.record.update(status=status, ended_unwitnessed_at=now_iso())
        try:
            self.save()
        except OSError:
            pass
        return status

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
        if self.record.get("status") not in TERMINAL:
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
        end = len(data) if self.record.get("status") in TERMINAL else _complete_utf8_end(data)
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


_MAX_PID = 2**31
_OPTIONAL_STR = ("command", "started_at", "finished_at", "supervisor_start", "agentv_start")
_OPTIONAL_INT = ("exit_code", "supervisor_pid", "agentv_pid", "progress_offset", "progress_base_done",
                 "progress_planned")


def _well_formed(record: dict) -> bool:
    """A record the server can act on: a damaged or foreign one is no job (404,
    not listed) rather than a 500 that would hide every other job."""
    run_dir = record.get("run_dir")
    if not isinstance(record.get("status"), str) or not isinstance(run_dir, str) or "\0" in run_dir:
        return False
    if any(not isinstance(record.get(key), (str, type(None))) for key in _OPTIONAL_STR):
        return False
    for key in _OPTIONAL_INT:
        value = record.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                                  or not -_MAX_PID < value < _MAX_PID):
            return False
    return True


class JobStore:
    def __init__(self, project_root: Path):
        self.project_root = Path(project_root)
        self.jobs_dir = self.project_root / ".agentv" / STATE_DIR / JOBS_DIR
        self._progress: dict[str, IndexScanner] = {}
        self._seen: dict[str, int] = {}
        self._progress_lock = threading.Lock()
        self._orphan_stops: dict[str, threading.Thread] = {}
        self._orphan_lock = threading.Lock()

    def create(self, *, job_id: str, argv: list[str], args: list[str], command: str,
               run_dir: Path, source: str, progress_base: dict) -> Job:
        """Record a new job (``starting``).  Raises FileExistsError if the id is taken."""
        if not valid_job_id(job_id):
            raise ValueError(f"not a job id: {job_id!r}")
        self.jobs_dir.mkdir(parents=True, exist_ok=True)
        job_dir = self.jobs_dir / job_id
        job_dir.mkdir(exist_ok=False)
        job = Job(job_dir, {
            "id": job_id,
            "status": "starting",
            "command": command,
            "argv": argv,
            "args": args,
            "run_dir": str(run_dir),
            "project_root": str(self.project_root),
            "source": source,
            "started_at": now_iso(),
            "finished_at": None,
            "exit_code": None,
            "signal": None,
            "supervisor_pid": None,
            "supervisor_start": None,
            "agentv_pid": None,
            "agentv_start": None,
            "log_error": None,
            "stop_grace_seconds": STOP_GRACE_SECONDS,
            **progress_base,
        })
        write_spawn_args(job_dir, self.project_root, run_dir, argv)
        # Not fsync'ed: this is on the launch latency path, and the runner's
        # records (which are) replace it within milliseconds.
        write_json_atomic(job.record_path, job.record, durable=False)
        return job

    def get(self, job_id: str) -> Job | None:
        # Ids are checked and looked up among the directories that exist, never joined blindly.
        if not valid_job_id(job_id) or job_id not in self._ids():
            return None
        job_dir = self.jobs_dir / job_id
        record = load_record(job_dir / RECORD_NAME)
        if record is None or record.get("id") != job_id or not _well_formed(record):
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
        jobs = [job for job in (self.get(job_id) for job_id in self._ids()) if job is not None]
        jobs.sort(key=lambda job: (job.record.get("started_at") or "", job.id), reverse=True)
        return jobs

    def active_for(self, run_dir: Path) -> str | None:
        return lock_holder(run_dir)

    # --- progress -------------------------------------------------------------
    def progress(self, job: Job) -> dict:
        """done/planned for this job, from the run's index.jsonl as agentv appends."""
        record = job.record
        planned = record.get("progress_planned")
        base_done = record.get("progress_base_done") or 0
        with self._progress_lock:
            scanner = self._progress.get(job.id)
            if scanner is None:
                scanner = IndexScanner(Path(record["run_dir"]) / "index.jsonl",
                                       start=record.get("progress_offset") or 0)
                self._progress[job.id] = scanner
            # agentv rewrites index.jsonl as it ends (re-run cases' old lines are
            # replaced), which the scanner reads as a new file from the job's
            # offset: count no fewer rows than were already seen appended.
            new = max(len(scanner.scan().state.records), self._seen.get(job.id, 0))
            self._seen[job.id] = new
        if planned is None:
            planned = _planned_now(Path(record["run_dir"]))
        done = base_done + new
        if planned is not None:
            done = min(done, planned)
        return {"done": done, "planned": planned}

    def status(self, job: Job, *, with_log: bool = True) -> dict:
        status = job.effective_status()
        record = job.record
        out = {
            "id": job.id,
            "status": status,
            "command": record.get("command"),
            "run_dir": record.get("run_dir"),
            "started_at": record.get("started_at"),
            "finished_at": record.get("finished_at"),
            "exit_code": record.get("exit_code"),
            "progress": self.progress(job),
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
        return out

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
            return {"stopped": False, "reason": "already_terminal", "status": status}
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
                    "status": status}
        if status == "running" and not job.runner_alive():
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
    """SIGTERM → grace → SIGKILL to agentv's group, then record the end (no runner is left to)."""
    pgid = job.record.get("agentv_pid")
    grace = runner._seconds(job.record.get("stop_grace_seconds"), STOP_GRACE_SECONDS)
    plan = ((signal.SIGTERM, grace), (signal.SIGKILL, runner.KILL_WAIT_SECONDS))
    for signum, wait in plan:
        if not process.group_alive(pgid):
            break
        process.signal_group(pgid, signum)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and process.group_alive(pgid):
            time.sleep(runner.POLL_SECONDS)
    if job.reload().get("status") in TERMINAL or job.runner_alive():
        return
    job.record.update(finished_at=now_iso(), stopped_by="server (the runner was gone)")
    job._record_unwitnessed_end("stopped")


def _planned_now(run_dir: Path) -> int | None:
    return read_benchmark(run_dir).planned_test_count
