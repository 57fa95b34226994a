"""Operating-system processes: the only module that starts or signals one.

agentv is always started without a shell, in its own session, so that Stop
(or Ctrl-C in the CLI) can signal agentv *and* the agent processes it
spawned as one process group.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path


class AgentvNotFound(Exception):
    pass


INSTALL_HINT = (
    "the agentv CLI was not found: install it (`npm install -g agentv@4.42.4`) "
    "or set AGENTV_BIN to its path"
)


def find_agentv(explicit: str | None = None) -> list[str]:
    """The agentv command as argv: --agentv PATH, else $AGENTV_BIN, else `agentv` on PATH."""
    for source in (explicit, os.environ.get("AGENTV_BIN")):
        if source and source.strip():
            try:
                parts = shlex.split(source)
            except ValueError:
                parts = [source]
            found = shutil.which(parts[0]) if parts else None
            if found is None:
                raise AgentvNotFound(f"{INSTALL_HINT} ({parts[0] if parts else source!r} does not exist or is not executable)")
            return [found, *parts[1:]]
    found = shutil.which("agentv")
    if found is None:
        raise AgentvNotFound(INSTALL_HINT)
    return [found]


def start_agentv(argv: list[str], cwd: Path, keep_fd: int | None) -> subprocess.Popen:
    """Start agentv with its output on one pipe; ``keep_fd`` (the run lock) is inherited."""
    return subprocess.Popen(
        argv,
        cwd=str(cwd),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        pass_fds=(keep_fd,) if keep_fd is not None else (),
        env={**os.environ, "FORCE_COLOR": "0", "NO_COLOR": "1"},
    )


def start_supervisor(job_dir: Path, lock_fd: int) -> int:
    """A detached `python -m agentv_resume.supervisor`: it outlives the server."""
    with open(job_dir / "supervisor.err", "ab") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "agentv_resume.supervisor", str(job_dir), str(lock_fd)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            start_new_session=True,
            pass_fds=(lock_fd,),
            cwd=str(job_dir),
        )
    # Reap it in the background when it ends so no zombie remains.
    _children.append(process)
    _reap()
    return process.pid


_children: list[subprocess.Popen] = []


def _reap() -> None:
    _children[:] = [child for child in _children if child.poll() is None]


def signal_group(pgid: int, signum: int) -> bool:
    try:
        os.killpg(pgid, signum)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def group_alive(pgid: int) -> bool:
    _reap()
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def start_time(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (guards against a reused pid)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read().decode("ascii", "replace")
        return stat.rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def pid_alive(pid: int | None, started: str | None) -> bool:
    if not pid:
        return False
    _reap()
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    now = start_time(pid)
    if now is not None and started is not None and now != started:
        return False
    # A zombie is not alive for our purposes.
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            state = handle.read().rsplit(b")", 1)[1].split()[0]
        return state != b"Z"
    except (OSError, IndexError):
        return True


SIGTERM = signal.SIGTERM
SIGKILL = signal.SIGKILL
SIGINT = signal.SIGINT
