"""The run lock: one job per run directory, across the CLI and the server.

An ``flock`` on ``<run dir>/.studio-resume.lock``.  The launcher takes it, the
runner inherits it and passes it on to agentv.  The lock file names the
holder's job id so a 409 can name it; a short ``flock`` on the run directory
itself guards taking the lock and writing that id, so a competitor never
reads a stale id and a status probe never makes a launch fail.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import time
from pathlib import Path

from agentv_resume.files import open_lock, open_read_fd, parse_json

LOCK_NAME = ".studio-resume.lock"
GUARD_WAIT_SECONDS = 2.0
_HOLDER_BYTES = 4096


class RunBusy(Exception):
    def __init__(self, job_id: str | None, run_dir: Path):
        self.job_id = job_id
        self.run_dir = run_dir
        who = f"job {job_id}" if job_id else "another process"
        super().__init__(f"{who} is already running on {run_dir}")


@contextlib.contextmanager
def _guard(run_dir: Path, shared: bool):
    """Serialise "take the lock and name the holder" against readers of the name."""
    try:
        fd = os.open(run_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        yield
        return
    try:
        mode = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB
        deadline = time.monotonic() + GUARD_WAIT_SECONDS
        while True:
            try:
                fcntl.flock(fd, mode)
                break
            except OSError:
                # Held for microseconds by a live process; after the wait
                # (a stopped process?) go on unguarded rather than hang.
                if time.monotonic() > deadline:
                    break
                time.sleep(0.0005)
        yield
    finally:
        os.close(fd)


def lock_holder(run_dir: Path) -> str | None:
    """The job id recorded in a *held* lock ("unknown" if it names none), else None."""
    run_dir = Path(run_dir)
    try:
        # Non-blocking and regular only: a FIFO named like the lock used to
        # hang every runs list (and then every server thread).
        fd = open_read_fd(run_dir / LOCK_NAME)
    except OSError:
        return None
    try:
        with _guard(run_dir, shared=True):
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
        data = parse_json(os.pread(fd, _HOLDER_BYTES, 0) or b"{}")
    except (OSError, ValueError):  # parse_json: any bad content is a ValueError
        return None
    job_id = data.get("job_id") if isinstance(data, dict) else None
    return job_id if isinstance(job_id, str) else None


def acquire_lock(run_dir: Path, job_id: str) -> int:
    """Take the run's lock for ``job_id``.  Raises RunBusy (naming the holder).

    The fd is close-on-exec: it reaches the supervisor and agentv only
    through ``pass_fds``, never another child by accident.
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    with _guard(run_dir, shared=False):
        # Never through a link, never a FIFO or a file with a second name:
        # the holder's id is written into it (UnsafeFile, an OSError, says why).
        fd = open_lock(run_dir / LOCK_NAME)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = _read_holder(fd)
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise RunBusy(holder or "unknown", run_dir) from None
            raise
        _write_holder(fd, job_id)
    return fd


def name_holder(run_dir: Path, lock_fd: int, job_id: str) -> None:
    """Re-name the job holding ``lock_fd`` (the launcher had to pick another id)."""
    with _guard(Path(run_dir), shared=False):
        _write_holder(lock_fd, job_id)


def _write_holder(fd: int, job_id: str) -> None:
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"job_id": job_id, "pid": os.getpid()}).encode() + b"\n", 0)
    except OSError:
        pass  # the lock holds all the same; a 409 would just not name the job
