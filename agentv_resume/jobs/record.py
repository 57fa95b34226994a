"""A job on disk: its directory, its files, and job.json — the one owner of its schema.

``FIELDS`` lists every field of job.json: its kind (what ``validate`` accepts)
and its value when the job is created (what ``build`` writes and what an
older record lacking the field reads as).  Adding a field is one line there.

Stdlib only and lean: the supervisor imports this before agentv starts, so
``json`` (and ``files``, which imports it) is imported only in the functions
that need it (start-up speed).
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
RECORD_CAP = 4 * 1024 * 1024   # a job.json is a few KiB; anything near this is not ours
DEFAULT_STOP_GRACE_SECONDS = 5.0
_MAX_PID = 2**31


# --- kinds: what a field may hold ----------------------------------------------

def _str(value) -> bool:
    return isinstance(value, str) and "\0" not in value


def _opt_str(value) -> bool:
    return value is None or isinstance(value, str)


def _opt_int(value) -> bool:
    return value is None or (type(value) is int and -_MAX_PID < value < _MAX_PID)


def _opt_seconds(value) -> bool:
    return value is None or (type(value) in (int, float) and 0 <= value < 86400)


def _str_list(value) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _opt_dict(value) -> bool:
    return value is None or isinstance(value, dict)


REQUIRED = object()   # a default meaning: build() must be given it, a record must hold it

# name: (kind, value at creation).  Keep it one line per field.
FIELDS: dict[str, tuple] = {
    "id": (_str, REQUIRED),
    "status": (_str, "starting"),          # a JobStatus value; changed only by states.change
    "command": (_opt_str, None),           # the agentv command line as shown
    "argv": (_str_list, []),               # what the runner executes (it reads spawn.args)
    "args": (_str_list, []),               # agentv's arguments (argv without the agentv command)
    "run_dir": (_str, REQUIRED),           # absolute, resolved: the directory the job locks
    "run_path": (_opt_str, None),          # run_dir as the user types it from the project root
    "run_id": (_opt_str, None),            # the run's id when the job was created (the job knows its run)
    "project_root": (_opt_str, None),
    "source": (_opt_str, None),            # "server" or "cli"
    "mode": (_opt_str, None),              # resume / rerun_failed / retry_errors / fresh
    "started_at": (_opt_str, None),
    "finished_at": (_opt_str, None),
    "exit_code": (_opt_int, None),
    "signal": (_opt_str, None),            # the signal that ended agentv, if one did
    "supervisor_pid": (_opt_int, None),
    "supervisor_start": (_opt_str, None),
    "agentv_pid": (_opt_int, None),        # also agentv's process group
    "agentv_start": (_opt_str, None),
    "log_error": (_opt_str, None),
    "stop_grace_seconds": (_opt_seconds, DEFAULT_STOP_GRACE_SECONDS),
    "stop_requested_at": (_opt_str, None),
    "stopped_by": (_opt_str, None),        # who carried out a Stop when not the runner
    "ended_unwitnessed_at": (_opt_str, None),
    "progress_offset": (_opt_int, 0),      # index.jsonl's size when the job began
    "progress_base_done": (_opt_int, 0),   # cases already done before this job
    "progress_planned": (_opt_int, None),  # None: read from benchmark.json while running
    "progress_final": (_opt_dict, None),   # {"done", "planned"} recorded when the job ended
    "will_run": (_opt_int, None),
    "predicted": (_opt_int, None),         # (case, target) pairs agentv will run, by agentv's formula (issue 11)
    "plan": (_opt_dict, None),             # what this launch asked agentv for (runs/plan.py)
}


def build(**values) -> dict:
    """A new job record: every field, ``values`` over the defaults.

    An unknown name is a programming error (ValueError): the schema is here.
    """
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ValueError(f"not job record fields: {', '.join(sorted(unknown))} (add them to record.FIELDS)")
    record = {}
    for name, (_, default) in FIELDS.items():
        if name in values:
            record[name] = values[name]
        elif default is REQUIRED:
            raise ValueError(f"a job record needs {name!r}")
        else:
            record[name] = list(default) if isinstance(default, list) else default
    return record


def validate(record) -> bool:
    """A record the tool can act on: a damaged or foreign one is no job (404,
    not listed) rather than a 500 that would hide every other job.  Fields an
    older record lacks are fine (they read as their default); fields this
    version does not know are kept and ignored."""
    if not isinstance(record, dict):
        return False
    for name, (kind, default) in FIELDS.items():
        if name in record:
            if not kind(record[name]):
                return False
        elif default is REQUIRED:
            return False
    from agentv_resume.jobs.states import parse

    return parse(record["status"]) is not None if "status" in record else True


def field(record: dict, name: str):
    """``record[name]``, or the field's default for an older record that lacks it."""
    if name in record:
        return record[name]
    default = FIELDS[name][1]
    return None if default is REQUIRED else default


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
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        with open(fd, "w", encoding="utf-8") as handle:
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


def save(job_dir, record: dict, *, durable: bool = True) -> None:
    write_json_atomic(os.path.join(os.fspath(job_dir), RECORD_NAME), record, durable=durable)


def load(path) -> dict | None:
    """job.json at ``path`` if it is a valid record (non-blocking, capped), else None."""
    from agentv_resume.files import Unreadable, read_json

    try:
        data = read_json(path, RECORD_CAP)
    except Unreadable:
        return None
    return data if validate(data) else None


def peek_ended(path, job_id: str) -> bool:
    """Whether the record at ``path`` is job ``job_id``'s and says it ended,
    read leanly: a runs list of a server started on 3,000 past jobs asks it
    once per job (``load`` and its checks cost 4x more); a record it cannot
    tell is read by ``load``."""
    import json
    import stat

    from agentv_resume.jobs.states import is_terminal

    try:  # non-blocking and regular only, as files.read_regular, without a buffered file object
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        raw = os.read(fd, RECORD_CAP + 1)
        data = json.loads(raw) if len(raw) <= RECORD_CAP else None
    except (OSError, ValueError, RecursionError):
        return False
    finally:
        os.close(fd)
    return isinstance(data, dict) and data.get("id") == job_id and is_terminal(data.get("status"))


def load_record(path) -> dict | None:
    """Any readable record with an id, valid or not (the runner keeps what it finds)."""
    from agentv_resume.files import Unreadable, read_json

    try:
        data = read_json(path, RECORD_CAP)
    except Unreadable:
        return None
    return data if isinstance(data.get("id"), str) else None


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
