"""Small pieces the templates render: command lines that wrap between options, never
inside one; `<time>` values; the current section of the site."""

from __future__ import annotations

import shlex
from datetime import datetime, timezone

from agentv_resume import vocabulary
from agentv_resume.jobs.states import is_active
from agentv_resume.safetext import capped

_GROUPED_MAX = 64 * 1024  # the longest command a page launch can make (its body limit)


def command_groups(command: str | None) -> list[str]:
    """``agentv eval run x --output dir --resume`` -> ["agentv", "eval", "run", "x",
    "--output dir", "--resume"]: each option stays with its value, so a line
    breaks only between groups.  Joined by single spaces the groups are the
    command again (each word is quoted as ``shlex.join`` quoted it)."""
    if not command:
        return []
    if len(command) > _GROUPED_MAX:
        # shlex reads a character at a time: a command made of a file's
        # megabytes would hold a page for minutes.  Shown cut, in one piece.
        return [capped(command)]
    try:
        words = shlex.split(command)
    except ValueError:  # not a command this tool made: show it as it is
        return [command]
    groups: list[str] = []
    for word in words:
        quoted = shlex.quote(word)
        if groups and groups[-1].startswith("-") and " " not in groups[-1] and not word.startswith("-"):
            groups[-1] += " " + quoted
        else:
            groups.append(quoted)
    return groups


def time_values(stamp) -> dict:
    """What a ``<time>`` element needs: ISO value, the relative text, the exact time."""
    moment = vocabulary.parse_time(stamp)
    if moment is None:
        return {"iso": "", "relative": "", "exact": ""}
    return {"iso": moment.isoformat().replace("+00:00", "Z"),
            "relative": vocabulary.relative_time(stamp), "exact": vocabulary.exact_time(stamp)}


def section_of(path: str, bench_prefix: str = "") -> str:
    """"jobs" or "runs": which main navigation link is the current page."""
    rest = path[len(bench_prefix):] if bench_prefix and path.startswith(bench_prefix) else path
    return "jobs" if rest == "/jobs" or rest.startswith("/jobs/") else "runs"


def job_elapsed(job: dict, now: datetime | None = None) -> str:
    """How long the job ran (or has been running): started_at to finished_at, or to now."""
    started = vocabulary.parse_time(job.get("started_at"))
    if started is None:
        return ""
    finished = vocabulary.parse_time(job.get("finished_at"))
    if finished is None and not is_active(job.get("status")):
        return ""  # ended without a recorded end (lost): no honest number
    end = finished or now or datetime.now(timezone.utc)
    return vocabulary.elapsed(max(0.0, (end - started).total_seconds()))
