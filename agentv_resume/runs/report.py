"""One run → the dicts the API, the pages and `inspect --json` are made from."""

from __future__ import annotations

from agentv_resume.runs.project import Project, RunRef
from agentv_resume.runs.run import RunView


def run_summary(ref: RunRef, view: RunView, project: Project, active_job: str | None) -> dict:
    """The runs-list entry."""
    counts = view.counts
    return {
        "id": ref.id,
        "run_dir": project.relative(view.run_dir),
        "experiment": view.experiment or ref.experiment,
        "timestamp": view.benchmark.timestamp,
        "suite_filter": view.suite_filter,
        "counts": counts,
        "records": view.unique,
        "planned": view.planned,
        "missing": counts["missing"],
        "state": view.state(active=active_job is not None),
        "active_job": active_job,
        "warnings": view.warnings,
    }


def run_detail(ref: RunRef, view: RunView, project: Project, active_job: str | None,
               commands: dict[str, str | None], *, with_results: bool = True) -> dict:
    will_run = view.will_run
    detail = run_summary(ref, view, project, active_job)
    detail.update(
        targets=view.targets,
        suite_reason=view.suite_reason,
        resumable=will_run["resume"] > 0,
        rerunnable=will_run["rerun_failed"] > 0,
        will_run=will_run,
        blocked=view.blocked,
        skipped_lines=view.skipped_lines,
        rejected_rows=view.rejected_rows,
        commands=commands,
    )
    if with_results:
        detail["results"] = [record.slim() for record in view.records]
    return detail


def inspect_json(ref: RunRef, view: RunView, project: Project, commands: dict[str, str | None]) -> dict:
    """The object `studio-resume inspect --json` prints (contract's CLI section)."""
    will_run = view.will_run
    return {
        "run_id": ref.id,
        "run_dir": project.relative(view.run_dir),
        "suite_filter": view.suite_filter,
        "targets": view.targets,
        "experiment": view.experiment or ref.experiment or None,
        "planned_test_count": view.planned,
        "blocked": view.blocked,
        "rejected_rows": view.rejected_rows,
        "counts": view.counts,
        "records": view.unique,
        "skipped_lines": view.skipped_lines,
        "resumable": will_run["resume"] > 0,
        "rerunnable": will_run["rerun_failed"] > 0,
        "will_run": will_run,
        "commands": commands,
        "warnings": view.warnings,
        "tests": [
            {
                "test_id": record.test_id,
                "target": record.target,
                "execution_status": record.execution_status,
                "error": record.error,
            }
            for record in view.records
        ],
    }
