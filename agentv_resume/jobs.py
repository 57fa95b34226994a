"""Jobs: one agentv process working on one run directory.

A job lives on disk under ``.agentv/studio-resume/jobs/<id>/``:
``job.json`` (the record, replaced atomically), ``output.log`` (everything
agentv printed) and ``stop`` (present once Stop was asked for).  The server
hands each job to a detached supervisor process (``agentv_resume.supervisor``)
that runs agentv, copies its output to the logs and writes the exit code, so
a job survives the server being killed.  The CLI runs the same loop in the
foreground.

One job per run directory, across the CLI and the server: an ``flock`` on
``<run dir>/.studio-resume.lock``, inherited by agentv, so it is held exactly
as long as the agentv process lives.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from agentv_resume import process
from agentv_resume.indexfile import IndexScanner

STATE_DIR = "studio-resume"
JOBS_DIR = "jobs"
LOCK_NAME = ".studio-resume.lock"
TERMINAL = ("finished", "failed", "stopped", "lost")
STOP_GRACE_SECONDS = 5.0
LOG_TAIL_BYTES = 16 * 1024


class RunBusy(Exception):
    def __init__(self, job_id: str | None, run_dir: Path):
        self.job_id = job_id
        self.run_dir = run_dir
        who = f"job {job_id}" if job_id else "another process"
        super().__init__(f"{who} is already running on {run_dir}")


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_job_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3)


def write_json_atomic(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


# --- the run lock -----------------------------------------------------------

def lock_holder(run_dir: Path) -> str | None:
    """The job id recorded in a *held* lock, else None."""
    path = Path(run_dir) / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return _read_holder(fd) or "unknown"
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _read_holder(fd: int) -> str | None:
    try:
        data = json.loads(os.pread(fd, 4096, 0) or b"{}")
        return data.get("job_id") if isinstance(data, dict) else None
    except (OSError, ValueError):
        return None


def acquire_lock(run_dir: Path, job_id: str) -> int:
    """Take the run's lock for ``job_id``; the fd is inheritable. Raises RunBusy."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(run_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        holder = _read_holder(fd)
        os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            raise RunBusy(holder, run_dir) from None
        raise
    payload = json.dumps({"job_id": job_id, "pid": os.getpid()}).encode()
    os.ftruncate(fd, 0)
    os.pwrite(fd, payload, 0)
    os.set_inheritable(fd, True)
    return fd


# --- records ------------------------------------------------------------------

@dataclass
class Job:
    dir: Path
    record: dict

    @property
    def id(self) -> str:
        return self.record["id"]

    @property
    def log_path(self) -> Path:
        return self.dir / "output.log"

    @property
    def stop_path(self) -> Path:
        return self.dir / "stop"

    @property
    def record_path(self) -> Path:
        return self.dir / "job.json"

    def save(self) -> None:
        write_json_atomic(self.record_path, self.record)

    def effective_status(self) -> str:
        """The recorded status, corrected for processes that died unrecorded."""
        status = self.record.get("status", "lost")
        if status in TERMINAL:
            return status
        supervisor_pid, supervisor_start = self._supervisor()
        if process.pid_alive(supervisor_pid, supervisor_start):
            return status
        if supervisor_pid is None and status == "starting" and _age_seconds(self.record) < 10:
            return status
        if process.pid_alive(self.record.get("agentv_pid"), self.record.get("agentv_start")):
            return "running"
        # The supervisor may have written its final record just now.
        fresh = _load_record(self.record_path)
        if fresh and fresh.get("status") in TERMINAL:
            self.record = fresh
            return fresh["status"]
        return "lost"

    def _supervisor(self) -> tuple[int | None, str | None]:
        if self.record.get("supervisor_pid"):
            return self.record["supervisor_pid"], self.record.get("supervisor_start")
        try:
            pid, _, started = (self.dir / "supervisor.pid").read_text().strip().partition(" ")
            return int(pid), started or None
        except (OSError, ValueError):
            return None, None

    def log_tail(self, limit: int = LOG_TAIL_BYTES) -> str:
        try:
            with open(self.log_path, "rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                handle.seek(max(0, size - limit))
                data = handle.read(limit)
        except OSError:
            return ""
        if size > limit:
            cut = data.find(b"\n")
            data = data[cut + 1 :] if 0 <= cut < 512 else data
        return data.decode("utf-8", errors="replace")

    def log_since(self, offset: int, limit: int = 256 * 1024) -> tuple[str, int]:
        """Log text from byte ``offset`` (at most ``limit`` bytes) and the next offset."""
        try:
            with open(self.log_path, "rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                if offset > size or offset < 0:
                    offset = 0
                if size - offset > limit:
                    offset = size - limit
                handle.seek(offset)
                data = handle.read(limit)
        except OSError:
            return "", 0
        end = _complete_utf8_end(data)
        return data[:end].decode("utf-8", errors="replace"), offset + end


def _complete_utf8_end(data: bytes) -> int:
    """Length of ``data`` without a trailing, still incomplete UTF-8 sequence."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte & 0xC0 == 0x80:
            continue  # a continuation byte: keep looking for the lead byte
        need = 2 if byte >= 0xC0 else 1
        need = 3 if byte >= 0xE0 else need
        need = 4 if byte >= 0xF0 else need
        return len(data) - back if back < need else len(data)
    return len(data)


def _age_seconds(record: dict) -> float:
    try:
        started = datetime.fromisoformat(record["started_at"].replace("Z", "+00:00"))
    except (KeyError, TypeError, ValueError):
        return 0.0
    return (datetime.now(timezone.utc) - started).total_seconds()


def _load_record(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("id"), str) else None


class JobStore:
    def __init__(self, project_root: Path):
        self.project_root = Path(project_root)
        self.jobs_dir = self.project_root / ".agentv" / STATE_DIR / JOBS_DIR
        self._progress: dict[str, IndexScanner] = {}
        self._progress_lock = threading.Lock()
        self._kill_timers: dict[str, threading.Timer] = {}

    def create(self, *, job_id: str, argv: list[str], args: list[str], command: str,
               run_dir: Path, source: str, progress_base: dict) -> Job:
        job_dir = self.jobs_dir / job_id
        job_dir.mkdir(parents=True, exist_ok=False)
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
            **progress_base,
        })
        job.save()
        return job

    def get(self, job_id: str) -> Job | None:
        # Ids are looked up among the directories that exist, never joined blindly.
        if not isinstance(job_id, str) or job_id not in self._ids():
            return None
        record = _load_record(self.jobs_dir / job_id / "job.json")
        if record is None or record.get("id") != job_id:
            return None
        return Job(self.jobs_dir / job_id, record)

    def _ids(self) -> set[str]:
        try:
            return {entry.name for entry in os.scandir(self.jobs_dir) if entry.is_dir()}
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
            new = len(scanner.scan().state.records)
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
        status = job.effective_status()
        if status in TERMINAL:
            return {"stopped": False, "reason": "already_terminal", "status": status}
        try:
            job.stop_path.write_text(now_iso() + "\n")
        except OSError:
            pass
        pgid = job.record.get("agentv_pid")
        if not pgid:
            # Still starting: the supervisor checks the stop file before it spawns.
            return {"stopped": True, "status": "stopping"}
        process.signal_group(pgid, process.SIGTERM)
        self._kill_later(job)
        return {"stopped": True, "status": "stopping"}

    def _kill_later(self, job: Job) -> None:
        pgid = job.record.get("agentv_pid")

        def kill() -> None:
            if process.group_alive(pgid):
                process.signal_group(pgid, process.SIGKILL)

        timer = threading.Timer(STOP_GRACE_SECONDS, kill)
        timer.daemon = True
        timer.start()
        self._kill_timers[job.id] = timer


def _planned_now(run_dir: Path) -> int | None:
    from agentv_resume.runs import read_benchmark

    return read_benchmark(run_dir).planned_test_count


# --- running a job (supervisor and CLI) ----------------------------------------

class LogSink:
    """Copies agentv's output to the job log and the run's console.log.

    A failing disk never stops the copy loop (agentv must not block on a full
    pipe); the first error is recorded on the job instead.
    """

    def __init__(self, job: Job, tail_lines: int = 200):
        self.job = job
        self.error: str | None = None
        self.tail: deque[bytes] = deque(maxlen=tail_lines)
        self._files = []
        for path in (job.log_path, Path(job.record["run_dir"]) / "console.log"):
            try:
                self._files.append(open(path, "ab", buffering=0))
            except OSError as exc:
                self._note(exc, path)
        header = f"==== studio-resume job {job.id} · {job.record['started_at']} · {job.record['command']} ====\n"
        if len(self._files) > 1:
            self._write_one(self._files[-1], header.encode())

    def _note(self, exc: OSError, path: Path) -> None:
        if self.error is None:
            self.error = f"cannot write {path}: {exc.strerror or exc}"

    def _write_one(self, handle, data: bytes) -> None:
        try:
            handle.write(data)
        except OSError as exc:
            self._note(exc, Path(handle.name))

    def write(self, data: bytes) -> None:
        for handle in self._files:
            self._write_one(handle, data)

    def close(self) -> None:
        for handle in self._files:
            try:
                handle.close()
            except OSError:
                pass


def ensure_trailing_newline(index_path: Path) -> None:
    """agentv appends; a truncated last line must not swallow its first new row."""
    try:
        with open(index_path, "rb+") as handle:
            size = handle.seek(0, os.SEEK_END)
            if size == 0:
                return
            handle.seek(size - 1)
            if handle.read(1) != b"\n":
                handle.write(b"\n")
    except OSError:
        pass


def run_job(job: Job, lock_fd: int, echo=None, on_tick=None) -> int:
    """Run agentv for ``job`` to its end; return its exit code (128+N for signal N).

    ``echo`` gets each chunk of output (the CLI prints it); ``on_tick`` is
    called about once a second while agentv runs (the CLI's progress line).
    """
    record = job.record
    sink = LogSink(job)
    if job.stop_path.exists():
        _finish(job, sink, "stopped", None)
        return 130
    try:
        child = process.start_agentv(record["argv"], Path(record["project_root"]), lock_fd)
    except OSError as exc:
        sink.write(f"studio-resume: could not start agentv: {exc}\n".encode())
        _finish(job, sink, "failed", 127)
        return 127
    os.close(lock_fd)  # agentv holds the lock now
    record.update(status="running", agentv_pid=child.pid, agentv_start=process.start_time(child.pid))
    job.save()
    reader = threading.Thread(target=_pump, args=(child.stdout, sink, echo), daemon=True)
    reader.start()
    try:
        while reader.is_alive():
            reader.join(timeout=1.0)
            if on_tick is not None:
                on_tick()
        code = child.wait()
    except KeyboardInterrupt:
        _interrupt(child)
        reader.join(timeout=5.0)
        job.stop_path.touch()
        code = child.wait()
    status, exit_code = _outcome(job, code)
    _finish(job, sink, status, exit_code, signum=-code if code < 0 else None)
    return exit_code


def _pump(stream, sink: LogSink, echo) -> None:
    fd = stream.fileno()
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        sink.write(chunk)
        if echo is not None:
            try:
                echo(chunk)
            except Exception:  # a closed terminal must not stop the copy
                echo = None
    stream.close()


def _interrupt(child) -> None:
    """Ctrl-C in the CLI: let agentv finish its current write, then insist."""
    for signum, wait in ((process.SIGINT, STOP_GRACE_SECONDS), (process.SIGTERM, 2.0), (process.SIGKILL, 2.0)):
        process.signal_group(child.pid, signum)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if child.poll() is not None and not process.group_alive(child.pid):
                return
            time.sleep(0.05)


def _outcome(job: Job, code: int) -> tuple[str, int]:
    exit_code = 128 - code if code < 0 else code
    if job.stop_path.exists():
        return "stopped", exit_code
    return ("finished" if code == 0 else "failed"), exit_code


def _finish(job: Job, sink: LogSink, status: str, exit_code: int | None, signum: int | None = None) -> None:
    sink.close()
    job.record.update(status=status, exit_code=exit_code, finished_at=now_iso())
    if signum:
        import signal as _signal

        try:
            job.record["signal"] = _signal.Signals(signum).name
        except ValueError:
            job.record["signal"] = str(signum)
    if sink.error:
        job.record["log_error"] = sink.error
    job.save()
