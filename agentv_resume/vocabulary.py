"""What a user reads: one word and one tone per state, and numbers as agentv shows them.

agentv's field names (``quality_failure``, ``execution_error``) are data, not
words for people.  Every page, the page script (``as_json``) and any command
that prints a state take its words from here, so "failed" means the same on
the runs list, the run page and the job page.

Tones are the only colours: ``good`` (green) is reserved for "nothing left to
do", so a run with failures never looks done.  Stdlib only: the lowest layer.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from datetime import datetime, timezone


@dataclass(frozen=True)
class Word:
    label: str   # what the badge says
    tone: str    # good | warn | bad | idle | live: the colour
    help: str    # one sentence for a tooltip or the legend


# One case (identity) by its last line; "missing": planned, no line at all.
CASE = {
    "ok": Word("passed", "good", "agentv ran the case and it met its checks"),
    "quality_failure": Word("failed", "warn", "agentv ran the case; its answer failed a check"),
    "execution_error": Word("errored", "bad", "the case did not run to the end (crash, timeout, provider error)"),
    "missing": Word("missing", "idle", "planned, but the run holds no result for it yet"),
}

# One run, as the runs list shows it (see ``run_state``).
RUN = {
    "running": Word("running", "live", "a job is working on this run now"),
    "errored": Word("errored", "bad", "some cases hit an execution error"),
    "incomplete": Word("incomplete", "warn", "some planned cases have no result yet"),
    "failed": Word("failed", "warn", "every case ran; some failed their checks"),
    "complete": Word("complete", "good", "every planned case ran and passed"),
    "unreadable": Word("unreadable", "bad", "the run's files cannot be read"),
}

# The runs a user has to look at: everything that is neither done nor being worked on.
ATTENTION = ("errored", "incomplete", "failed", "unreadable")

# One job of this tool (the contract's job statuses; the words are already plain).
JOB = {
    "starting": Word("starting", "live", "waiting for agentv to start"),
    "running": Word("running", "live", "agentv is running"),
    "finished": Word("finished", "good", "agentv ended with exit code 0"),
    "failed": Word("failed", "bad", "agentv ended with a non-zero exit code, or could not start"),
    "stopped": Word("stopped", "idle", "ended by Stop"),
    "lost": Word("lost", "idle", "the server restarted and the process is gone"),
}


def run_state(state: str, counts: dict | None) -> str:
    """The runs list's key for a run: the read side's ``state``, with a run whose
    every case ran but some failed their checks told apart from one that passed."""
    if state == "complete" and counts and counts.get("quality_failure"):
        return "failed"
    return state if state in RUN else "unreadable"


def needs_attention(key: str) -> bool:
    return key in ATTENTION


def case_word(status: str) -> Word:
    return CASE.get(status, CASE["ok"])  # agentv reads an unknown status as ok


def as_json() -> str:
    """The vocabulary for the page script, safe inside a ``<script type="application/json">``."""
    data = {
        "case": {key: asdict(word) for key, word in CASE.items()},
        "run": {key: asdict(word) for key, word in RUN.items()},
        "job": {key: asdict(word) for key, word in JOB.items()},
        "attention": list(ATTENTION),
    }
    return json.dumps(data, ensure_ascii=True).replace("</", "<\\/")


# --- numbers as agentv's own dashboard shows them ---------------------------------

def score(value) -> str:
    """0.75 -> "75%" (agentv's dashboard rounds the percentage)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return ""
    return f"{_round_half_up(value * 100)}%"


def duration(ms) -> str:
    """agentv's dashboard: "-" when absent, "850ms", "12.3s", "2m 5s"."""
    if isinstance(ms, bool) or not isinstance(ms, (int, float)) or not math.isfinite(ms) or ms < 0:
        return "-"
    if ms < 1000:
        return f"{_round_half_up(ms)}ms"
    if ms < 60_000:
        return f"{ms / 1000:.1f}s"
    minutes, rest = divmod(ms, 60_000)
    return f"{int(minutes)}m {_round_half_up(rest / 1000)}s"


def _round_half_up(value: float) -> int:
    # JavaScript's Math.round (what agentv uses), not Python's banker's rounding.
    return math.floor(value + 0.5)


def elapsed(seconds: float | None) -> str:
    """A job's running time: "0:42", "12:05", "1:02:09"."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return ""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def parse_time(stamp) -> datetime | None:
    """An ISO-8601 time as agentv and the job records write it; None when it is not one."""
    if not isinstance(stamp, str) or not stamp.strip():
        return None
    text = stamp.strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def exact_time(stamp) -> str:
    """The exact time, in UTC: what a hover shows (the page script adds local time)."""
    moment = parse_time(stamp)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC") if moment else ""


def relative_time(stamp, now: datetime | None = None) -> str:
    """ "just now", "5 min ago", "3 h ago", "2 days ago"; the exact date after a week."""
    moment = parse_time(stamp)
    if moment is None:
        return ""
    seconds = ((now or datetime.now(timezone.utc)) - moment).total_seconds()
    if seconds < 0:
        return exact_time(stamp)  # a clock ahead of ours: say exactly when
    if seconds < 45:
        return "just now"
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} min ago"
    if seconds < 86400:
        return f"{round(seconds / 3600)} h ago"
    days = round(seconds / 86400)
    if days < 7:
        return f"{days} day{'' if days == 1 else 's'} ago"
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d")
