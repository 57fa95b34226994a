"""The plan of a run this tool started, kept beside the run (`.studio-resume.plan.json`).

agentv records neither the `--test-id` filters nor the targets it was given
until a run finishes (and never the threshold, nor which ids a
`--retry-errors` retried).  So when this tool starts agentv it writes what it
asked for next to the run; a later Resume carries it (e.g. as `--test-id`s),
and agentv then runs what the run planned instead of the whole suite.

The file is the tool's own, small, written atomically and never through a
link.  Fields (all optional): suite_filter (str), test_ids (list of agentv
`--test-id` patterns, literal ids glob-escaped), targets (list), experiment
(str), threshold (number), mode (str), job_id (str), written_at (str).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from agentv_resume.files import read_json_or

PLAN_NAME = ".studio-resume.plan.json"
PLAN_MAX_BYTES = 4 * 1024 * 1024
_GLOB_CHARS = "*?[]{}()!@#+|\\"


def escape_test_id(test_id: str) -> str:
    """A test id as a `--test-id` pattern that matches only itself (agentv reads globs)."""
    return "".join("\\" + ch if ch in _GLOB_CHARS else ch for ch in test_id)


def _strings(value) -> list[str] | None:
    if not isinstance(value, list):
        return None
    return [item for item in value if isinstance(item, str) and item]


def read_plan(run_dir: Path) -> dict | None:
    """The recorded plan, cleaned to the fields above; None when there is none or it is unreadable."""
    data = read_json_or(Path(run_dir) / PLAN_NAME, PLAN_MAX_BYTES)  # any failure, nesting too: no plan
    if not isinstance(data, dict):
        return None
    plan: dict = {}
    for key in ("suite_filter", "experiment", "mode", "job_id", "written_at"):
        if isinstance(data.get(key), str) and data[key]:
            plan[key] = data[key]
    for key in ("test_ids", "targets"):
        items = _strings(data.get(key))
        if items is not None:
            plan[key] = items
    threshold = data.get("threshold")
    if isinstance(threshold, (int, float)) and not isinstance(threshold, bool) and math.isfinite(threshold):
        plan["threshold"] = threshold
    return plan


def write_plan(run_dir: Path, plan: dict) -> None:
    """Replace the plan atomically; a link in its place is refused, never followed."""
    run_dir = Path(run_dir)
    path = run_dir / PLAN_NAME
    if path.is_symlink():
        raise OSError(f"{path} is a link; not written")
    data = (json.dumps({k: v for k, v in plan.items() if v is not None}, indent=2, sort_keys=True) + "\n").encode()
    temp = run_dir / f"{PLAN_NAME}.{os.getpid()}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.replace(temp, path)
