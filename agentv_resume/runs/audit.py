"""agentv's own account of a job, read from what it printed (pure; no I/O).

agentv 4.42.4 prints, on a resume or rerun-failed,
``Resume: found N existing result(s), skipping K completed.``; for every case
a progress line ``i/N   <icon> <test-id> | <target> ...`` whose ``N`` is the
number of (case, target) pairs it planned for this invocation; and, when there
is nothing left, ``Nothing to resume — all K test(s) already completed.`` (or
``... Nothing to retry.`` for --retry-errors).  The job stores this beside
the tool's prediction, so a difference is shown instead of hidden.
"""

from __future__ import annotations

import re

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_FOUND = re.compile(r"(?:Resume|Rerun-failed): found (\d+) existing result\(s\), skipping (\d+) completed")
_PROGRESS = re.compile(r"^(\d+)/(\d+)\s+(\S+)", re.M)
_NOTHING_TO_RESUME = re.compile(r"Nothing to resume\b.*?all (\d+) test\(s\) already completed")
_NOTHING_TO_RETRY = "No execution errors or missing cases in the previous run. Nothing to retry."
_DONE_ICONS = ("✅", "⚠", "❌")


def parse_agentv_output(text: str) -> dict:
    """{"agentv_planned": N or None, "found", "skipped", "nothing_to_resume", "ran"}.

    ``agentv_planned``: the total of agentv's progress lines; 0 when it said
    there was nothing to resume or retry; None when it printed neither (it
    failed before planning, or its output was cut).  ``ran``: progress lines
    that report a finished case.
    """
    text = _ANSI.sub("", text or "")
    found = _FOUND.search(text)
    totals = _PROGRESS.findall(text)
    nothing = bool(_NOTHING_TO_RESUME.search(text)) or _NOTHING_TO_RETRY in text
    if totals:
        planned: int | None = int(totals[-1][1])
    elif nothing:
        planned = 0
    else:
        planned = None
    ran = sum(1 for _, _, icon in totals if icon.startswith(_DONE_ICONS))
    return {
        "agentv_planned": planned,
        "found": int(found.group(1)) if found else None,
        "skipped": int(found.group(2)) if found else None,
        "nothing_to_resume": nothing,
        "ran": ran,
    }


def audit(predicted: int | None, agentv_output: str) -> dict:
    """The job's audit: the prediction beside agentv's account, and a warning when they differ."""
    account = parse_agentv_output(agentv_output)
    result = {"predicted": predicted, **account}
    planned = account["agentv_planned"]
    if predicted is not None and planned is not None and planned != predicted:
        result["warning"] = f"agentv planned {planned} case(s); the tool predicted {predicted}"
    return result
