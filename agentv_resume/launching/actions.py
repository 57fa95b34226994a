"""What Resume / Rerun failed would send for a run, and what it would run.

The page buttons, `launch` and `inspect` all build their request here, so
the command `inspect` prints is the one the button launches.
"""

from __future__ import annotations

from agentv_resume.launching.argv import build_args, command_string
from agentv_resume.launching.request import parse_request
from agentv_resume.runs.project import Project
from agentv_resume.runs.run import RunView

MODES = ("resume", "rerun_failed")
LABELS = {"resume": "Resume run", "rerun_failed": "Rerun failed cases"}


def action_body(view: RunView, project: Project, mode: str, suite_filter: str | None = None) -> dict | None:
    """The launch request for ``mode`` on this run; None when the suite is unknown.

    ``suite_filter``: the eval file(s) to give instead of the run's own (`launch --suite`).
    """
    suite_filter = suite_filter or view.suite_filter
    if suite_filter is None:
        return None
    body: dict = {"suite_filter": suite_filter}
    targets = view.targets
    if targets:
        body["target"] = targets
    body["output"] = project.relative(view.run_dir)
    body[mode] = True
    return body


def action_command(view: RunView, project: Project, mode: str) -> str | None:
    body = action_body(view, project, mode)
    if body is None:
        return None
    try:
        request = parse_request(body)
    except Exception:  # a run whose own values agentv could not take (e.g. "-x" target)
        return None
    return command_string(build_args(request, request.output))


def action_commands(view: RunView, project: Project) -> dict[str, str | None]:
    """mode → the command its button (or `launch`) would run; what run reports show."""
    return {mode: action_command(view, project, mode) for mode in MODES}


def plural(count: int, word: str = "case") -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
