"""A job on disk: its directory, its files, and job.json (read and replaced atomically).

Stdlib only and lean: the supervisor imports this before agentv starts, so
``json`` is imported only in the functions that need it (start-up speed).
"""

from __future__ import annotations

import os
import time

STATE_DIR = "studio-resume"   # under .agentv/
JOBS_DIR = "jobs"
RECORD_NAME = "job.json"
SPAWN_NAME = "spawn.args"
LOG_NAME = "output.log"
STOP_NAME = "stop"
CONSOLE_NAME = "console.log"
PID_NAME = "supervisor.pid"


def now_iso() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"


def write_json_atomic(path, data: dict, *, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` in one step (readers see the old or the new record)."""
    import json

    path = os.fspath(path)
    directory, name = os.path.split(path)
    tmp = os.path.join(directory, f".{name}.{os.getpid()}.{time.monotonic_ns()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1)
            handle.write("\n")
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def load_record(path) -> dict | None:
    import json

    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("id"), str) else None


def write_spawn_args(job_dir, project_root, run_dir, argv: list[str]) -> None:
    """What the supervisor needs before agentv starts, readable without ``json``."""
    fields = [os.fspath(project_root), os.fspath(run_dir), *argv]
    if any("\0" in field for field in fields):
        raise ValueError("a NUL byte in a path or argument")
    with open(os.path.join(os.fspath(job_dir), SPAWN_NAME), "w", encoding="utf-8", errors="surrogateescape") as handle:
        handle.write("\0".join(fields))


def read_spawn_args(job_dir) -> tuple[str, str, list[str]] | None:
    try:
        with open(os.path.join(os.fspath(job_dir), SPAWN_NAME), encoding="utf-8", errors="surrogateescape") as handle:
            fields = handle.read().split("\0")
    except OSError:
        return None
    if len(fields) < 3 or not all(fields[:3]):
        return None
    return fields[0], fields[1], fields[2:]
