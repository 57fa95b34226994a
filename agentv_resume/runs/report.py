"""One run → the dicts the API, the pages and `inspect --json` are made from."""

from __future__ import annotations

from agentv_resume.runs.prediction import Forecast
from agentv_resume.runs.project import Project, RunRef
from agentv_resume.runs.run import RunView
from agentv_resume.runs.writers import writers_of


def _prediction_fields(view: RunView, project: Project, forecast: Forecast) -> dict:
    """What the run page, the run API and `inspect` say before a click (issue 11)."""
    will_run = forecast.will_run
    writers = writers_of(view.run_dir)
    warnings = view.warnings + forecast.warnings
    if writers:
        warnings.insert(0, f"agentv (pid {writers[0].pid}) is writing this run now: a launch is refused until it ends")
    return {
        "targets": forecast.targets,
        "targets_uncertain": forecast.targets_uncertain,
        "target_choices": view.suites.target_choices() if (forecast.targets_uncertain and view.suites) else [],
        "test_ids": forecast.test_ids,
        "resumable": will_run["resume"] > 0,
        "rerunnable": will_run["rerun_failed"] > 0,
        "will_run": will_run,
        "approximate": forecast.approximate,
        "suite_changes": forecast.suite_changes,
        "missing_ids": forecast.missing_ids,
        "busy": {"pid": writers[0].pid, "command": writers[0].command} if writers else None,
        "warnings": warnings,
    }


def run_summary(ref: RunRef, view: RunView, project: Project, active_job: str | None) -> dict:
    """The runs-list entry."""
    counts = view.counts
    return {
        "id": ref.id,
        "run_dir": project.relative(view.run_dir),
        "experiment": view.experiment or ref.experiment,
        "timestamp": view.benchmark.timestamp,
        "suite_filter": view.suite_filter,
        "targets": view.targets,  # the runs list searches them
        "counts": counts,
        "records": view.unique,
        "planned": view.planned,
        "missing": counts["missing"],
        "state": view.state(active=active_job is not None),
        "active_job": active_job,
        "warnings": view.warnings,
    }


def run_detail(ref: RunRef, view: RunView, project: Project, active_job: str | None,
               commands: dict[str, str | None], *, with_results: bool = True,
               forecast: Forecast | None = None) -> dict:
    detail = run_summary(ref, view, project, active_job)
    detail.update(_prediction_fields(view, project, forecast or view.forecast()))
    detail.update(
        suite_reason=view.suite_reason,
        blocked=view.blocked,
        skipped_lines=view.skipped_lines,
        rejected_rows=view.rejected_rows,
        commands=commands,
    )
    if with_results:
        detail["results"] = [record.slim() for record in view.records]
    return detail


def inspect_json(ref: RunRef, view: RunView, project: Project, commands: dict[str, str | None],
                 forecast: Forecast | None = None, suite_filter: str | None = None, *,
                 with_tests: bool = True) -> dict:
    """The object `studio-resume inspect --json` prints (contract's CLI section).

    ``forecast`` / ``suite_filter``: for the launch `inspect --suite/--target/--test-id` describes.
    ``with_tests=False``: without "tests" (a caller that writes them from
    ``view.records`` itself, a few at a time: 500,000 dicts at once are
    more memory than the run's records)."""
    fields = _prediction_fields(view, project, forecast or view.forecast())
    return {
        "warnings": fields.pop("warnings"),
        "run_id": ref.id,
        "run_dir": project.relative(view.run_dir),
        "suite_filter": suite_filter or view.suite_filter,
        "suite_reason": None if suite_filter else view.suite_reason,
        "experiment": view.experiment or ref.experiment or None,
        "planned_test_count": view.planned,
        "blocked": None if (suite_filter and not view.index_problem) else view.blocked,
        "rejected_rows": view.rejected_rows,
        "counts": view.counts,
        "records": view.unique,
        "skipped_lines": view.skipped_lines,
        **fields,
        "commands": commands,
        **({"tests": [test_json(record) for record in view.records]} if with_tests else {}),
    }


def test_json(record) -> dict:
    """One entry of `inspect --json`'s "tests"."""
    return {
        "test_id": record.test_id,
        "target": record.target,
        "execution_status": record.execution_status,
        "error": record.error,
    }
