"""`studio-resume jobs`: every job of the project, started from the page or a terminal."""

from __future__ import annotations

import sys

import click

from agentv_resume.cli.common import examples, project_of, project_option
from agentv_resume.safetext import json_for_terminal


def job_data(project, store, job, refs=None, reader=None) -> dict:
    """A job's status as GET /api/eval/status gives it (no log), with its run's id
    and, once it ended, its conclusion (``reader``: read the run when the job left no outcome)."""
    from agentv_resume.jobs import outcome as job_outcome

    from agentv_resume.jobs.store import run_of

    data = store.status(job, with_log=False)
    # The job knows its run (jobs/store.run_of): no run is looked up per job.
    data["run_id"], run_path = run_of(job.record, project, refs)
    if run_path is not None:
        data["run_dir"] = run_path
    outcome = job_outcome.for_status(job.dir, job.record, data.get("status"), reader=reader)
    if outcome is not None:  # the same fields the page's status has
        outcome = job_outcome.shown(outcome)
        data["conclusion"] = outcome.get("conclusion")
        data["changes"] = outcome.get("changes")
        data["outcome"] = {key: outcome.get(key) for key in
                           ("label", "tone", "left", "threshold_failed", "exit_reason")}
    return data


def conclusion_text(data: dict) -> str:
    """What the job left behind (helper `outcomes` stores it once the job ended)."""
    outcome = data.get("outcome")
    if isinstance(outcome, dict) and isinstance(outcome.get("label"), str):
        return outcome["label"]
    conclusion = data.get("conclusion")
    return conclusion if isinstance(conclusion, str) else ""


def source_text(source) -> str:
    return {"server": "page", "cli": "terminal"}.get(source, source or "-")


@click.command(short_help="List the jobs, from the page or a terminal.",
               epilog=examples("studio-resume jobs",
                               "studio-resume jobs --json | jq '.jobs[] | select(.status == \"running\")'",
                               "studio-resume watch            # follow the running job"))
@click.option("--json", "as_json", is_flag=True, help='Print {"jobs": [...]}, as GET /api/eval/runs answers.')
@project_option
@click.pass_context
def jobs(ctx: click.Context, as_json: bool) -> None:
    """Every job of the project, newest first, whether the web page or a
    terminal started it: its status, conclusion, run and age."""
    import json

    from agentv_resume.jobs.store import JobStore, runs_by_dir

    project = project_of(ctx)
    store = JobStore(project.root)
    found = store.all()
    refs = runs_by_dir(project, found)  # listed once, and only for records older than run ids
    items = [job_data(project, store, job, refs) for job in found]
    if as_json:
        click.echo(json_for_terminal(json.dumps({"jobs": items}, indent=2, ensure_ascii=False)))
        return
    if not items:
        click.echo(f"studio-resume: no jobs yet in {project.root} "
                   "(`studio-resume launch` or the page's Resume starts one)", err=True)
        return
    click.echo(render(items))


_COLUMNS = ("JOB", "STATUS", "CONCLUSION", "RUN", "STARTED", "FROM")


def render(items: list[dict], painter=None, now: float | None = None) -> str:
    from agentv_resume.cli.style import Painter, age, table
    from agentv_resume.jobs.states import JobStatus

    painter = painter or Painter.for_stream(sys.stdout)
    rows = []
    for item in items:
        status = item.get("status") or "?"
        exit_code = item.get("exit_code")
        status_text = f"{status} ({exit_code})" if status == JobStatus.FAILED and exit_code is not None else status
        tone = (item.get("outcome") or {}).get("tone")
        rows.append([item["id"], (lambda text, status=status: painter.job(status, text), status_text),
                     (lambda text, tone=tone: painter.tone(tone, text), conclusion_text(item)),
                     item.get("run_id") or item.get("run_dir") or "-",
                     age(item.get("started_at"), now), source_text(item.get("source"))])
    return table(_COLUMNS, rows, painter)
