"""What Resume / Rerun failed would send for a run, and what it would run.

The page buttons, `launch` and `inspect` all build their request here, so
the command `inspect` prints is the one the button launches.
"""

from __future__ import annotations

from pathlib import Path

from agentv_resume.errors import BadRequest, Blocked
from agentv_resume.launching.argv import build_args, command_string
from agentv_resume.launching.request import parse_request
from agentv_resume.launching.resolve import retry_source
from agentv_resume.runs.project import Project
from agentv_resume.runs.reader import RunReader
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


def run_body(view: RunView, project: Project, mode: str, run_name: str, suites=(), targets=(),
             test_ids=()) -> dict:
    """What `launch --resume / --rerun-failed RUN [--suite S]...` sends: the button's body,
    with what the user gave instead of the run's own.  Blocked when it cannot be made."""
    overrides = {"suite_filter": ",".join(suites) or None, "targets": list(targets) or None,
                  "test_ids": list(test_ids) or None}
    body = action_body(view, project, mode, **overrides)
    if body is None:
        if overrides["suite_filter"] or view.suite_filter:
            uncertain = view.forecast(**overrides).targets_uncertain
            if uncertain:
                # Not blocked: the user can name them (`--target`), and must.
                raise BadRequest(f"run {run_name}: {uncertain}")
        reason = view.blocked or "agentv could not be given its own values (give --suite / --target)"
        raise Blocked(f"run {run_name} is blocked: {reason}")
    return body


def retry_body(project: Project, reader: RunReader, source: Path, suites=()) -> tuple[dict, RunView]:
    """What `launch --retry-errors PATH [SUITE...]` sends (PATH absolute), and the view of the
    run it retries from: that run's suite and targets unless SUITE files are given."""
    view = reader.read(retry_source(source, str(source)))
    body: dict = {"retry_errors": project.relative(source)}
    if suites:
        body["suite_filter"] = ",".join(suites)
    elif view.suite_filter:
        body["suite_filter"] = view.suite_filter
    else:
        raise Blocked(f"{view.suite_reason}; give the eval file(s) as SUITE arguments")
    if view.targets:
        body["target"] = view.targets
    return body, view


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
