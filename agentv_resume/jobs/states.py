"""Job states: the one list of them, and the one way a record changes state.

Stdlib only (the supervisor imports it).  ``enum`` costs a few milliseconds
to import, so the supervisor's runner imports this module only once agentv
runs (see ``runner``); everything else imports it at the top.

Like supervisord's ``states.py``: the states, the groups callers ask about
(``ACTIVE``, ``TERMINAL``) and the transitions allowed between them.  The
pages' JavaScript gets the groups from the server (``as_json``), so no status
is spelled anywhere else.
"""

from __future__ import annotations

import enum


class JobStatus(str, enum.Enum):
    STARTING = "starting"   # recorded by the launcher; agentv not started yet
    RUNNING = "running"     # agentv started (the runner recorded its pid)
    FINISHED = "finished"   # agentv exited 0
    FAILED = "failed"       # agentv exited non-zero, or could not be started
    STOPPED = "stopped"     # ended by Stop / Ctrl-C / a terminating signal to the CLI
    LOST = "lost"           # nobody left to record the end (derived, see reconcile)

    def __str__(self) -> str:  # f"{status}" is the wire string
        return self.value


ACTIVE = frozenset({JobStatus.STARTING, JobStatus.RUNNING})
TERMINAL = frozenset({JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.LOST})

# Where each state may go.  A terminal state is final: the first writer of an
# end wins, a later one is refused (``InvalidTransition``).
NEXT: dict[JobStatus, frozenset[JobStatus]] = {
    JobStatus.STARTING: frozenset({JobStatus.RUNNING}) | TERMINAL,
    JobStatus.RUNNING: TERMINAL,
    **{status: frozenset() for status in TERMINAL},
}


class InvalidTransition(ValueError):
    pass


def parse(value) -> JobStatus | None:
    """The status a record holds, or None for anything that is not one."""
    try:
        return JobStatus(value)
    except ValueError:
        return None


def is_terminal(value) -> bool:
    return parse(value) in TERMINAL


def is_active(value) -> bool:
    return parse(value) in ACTIVE


def is_stopped(value) -> bool:
    return parse(value) is JobStatus.STOPPED


def change(record: dict, new: JobStatus, **fields) -> dict:
    """Move ``record`` (a job.json dict, changed in place) to ``new`` with ``fields``.

    Every status change of a job goes through here: the launcher, the runner
    and the server's explicit write paths.  Staying in the same active state
    (``running`` → ``running`` with new facts) is allowed.
    """
    new = JobStatus(new)
    old = parse(record.get("status"))
    if old is not None and new is not old and new not in NEXT[old]:
        raise InvalidTransition(f"job {record.get('id')}: {old.value} -> {new.value}")
    if old is not None and old is new and old in TERMINAL:
        raise InvalidTransition(f"job {record.get('id')}: already {old.value}")
    record.update(fields)
    record["status"] = new.value
    return record


def as_json() -> dict:
    """The groups as the pages' script receives them (no status spelled in JS)."""
    return {
        "active": sorted(status.value for status in ACTIVE),
        "terminal": sorted(status.value for status in TERMINAL),
    }
