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


def action_body(view: RunView, project: Project, mode: str, suite_filter: str | None = None,
                targets=None, test_ids=None) -> dict | None:
    """The launch request for ``mode`` on this run; None when it cannot be made:
    the suite is unknown, or the run's targets are uncertain (``view.forecast()`` says why).

    ``suite_filter`` / ``targets`` / ``test_ids``: what the user gives instead of
    the run's own (`launch --suite/--target/--test-id`, the page's fields).  Otherwise
    the run's plan is carried: its targets, the `--test-id`s it was made with
    (this tool's record, or a finished run's tests_run), a non-default experiment,
    the threshold this tool started it with.
    """
    suite_filter = suite_filter or view.suite_filter
    if suite_filter is None:
        return None
    forecast = view.forecast(suite_filter=suite_filter, targets=targets or None, test_ids=test_ids or None)
    if forecast.targets_uncertain:
        return None
    body: dict = {"suite_filter": suite_filter}
    if forecast.test_ids:
        body["test_ids"] = list(forecast.test_ids)
    if forecast.targets:
        body["target"] = list(forecast.targets)
    if forecast.experiment:
        body["experiment"] = forecast.experiment
    if forecast.threshold is not None:
        body["threshold"] = forecast.threshold
    body["output"] = project.relative(view.run_dir)
    body[mode] = True
    return body


def action_command(view: RunView, project: Project, mode: str, **overrides) -> str | None:
    body = action_body(view, project, mode, **overrides)
    if body is None:
        return None
    try:
        request = parse_request(body)
    except Exception:  # a run whose own values agentv could not take (e.g. "-x" target)
        return None
    return command_string(build_args(request, request.output))


def action_commands(view: RunView, project: Project, **overrides) -> dict[str, str | None]:
    """mode → the command its button (or `launch`) would run; what run reports show."""
    return {mode: action_command(view, project, mode, **overrides) for mode in MODES}


def plural(count: int, word: str = "case") -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
