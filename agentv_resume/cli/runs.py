"""`studio-resume runs`: every run, newest first, with its state and counts (the runs page)."""

from __future__ import annotations

import os
import sys

import click

from agentv_resume.cli.common import examples, project_of, project_option
from agentv_resume.safetext import json_for_terminal

# The runs page's words (vocabulary.RUN) and its one-click "Needs attention"
# (vocabulary.ATTENTION), spelt here so a <TAB> need not import the vocabulary
# (a test checks they agree).
STATES = ("running", "errored", "incomplete", "failed", "complete", "unreadable", "needs-attention")
ATTENTION_HELP = "errored, incomplete, failed or unreadable"


def wanted_states(states: tuple[str, ...]) -> set[str]:
    from agentv_resume.vocabulary import ATTENTION

    out: set[str] = set()
    for state in states:
        out.update(ATTENTION if state == "needs-attention" else (state,))
    return out


def state_key(item: dict) -> str:
    """The word the runs page shows: the API's state, a run with failed checks told apart."""
    from agentv_resume.vocabulary import run_state

    return run_state(item["state"], item.get("counts"))


def run_summaries(project, reader, store) -> list[dict]:
    """The runs list as GET /api/runs gives it; a run that cannot be read still lists."""
    from agentv_resume.jobs.lock import LOCK_NAME
    from agentv_resume.runs.report import run_summary

    out = []
    for ref in project.all_runs():
        try:
            view = reader.read(ref.run_dir, ref.index_stamp)
            # No lock file, no job: one stat instead of opening a lock per run (as the runs page does).
            active = store.active_for(ref.run_dir) if os.path.exists(os.path.join(ref.path, LOCK_NAME)) else None
            out.append(run_summary(ref, view, project, active))
        except Exception as exc:  # one broken run must never hide the others
            out.append({"id": ref.id, "run_dir": project.relative(ref.run_dir), "experiment": ref.experiment,
                        "timestamp": None, "suite_filter": None, "counts": None, "records": 0, "planned": None,
                        "missing": 0, "state": "unreadable", "active_job": None,
                        "warnings": [f"this run cannot be read: {exc}"]})
        out[-1]["updated"] = ref.mtime or None
    return out


@click.command(short_help="List the runs, newest first, with state and counts.",
               epilog=examples("studio-resume runs",
                               "studio-resume runs --state needs-attention   # what Resume or Rerun would act on",
                               "studio-resume runs --state running --json"))
@click.option("--state", "states", multiple=True, type=click.Choice(STATES), metavar="STATE",
              help=f"Only runs in this state, as the page words it (repeatable): {', '.join(STATES)}. "
                   f"failed: every case ran, some failed their checks; needs-attention: {ATTENTION_HELP}.")
@click.option("--json", "as_json", is_flag=True, help='Print {"runs": [...]}, as GET /api/runs answers.')
@project_option
@click.pass_context
def runs(ctx: click.Context, states: tuple[str, ...], as_json: bool) -> None:
    """Every run of the project, newest first: its state (the runs page's
    words: complete, failed, errored, incomplete, running), its counts, and
    the job working on it.

    --json prints what GET /api/runs answers (its "state" is the contract's:
    complete, errored, incomplete or running).
    """
    import json

    from agentv_resume.jobs.store import JobStore
    from agentv_resume.runs.reader import RunReader

    project = project_of(ctx)
    items = run_summaries(project, RunReader(project.root), JobStore(project.root))
    if states:
        keep = wanted_states(states)
        items = [item for item in items if state_key(item) in keep]
    if as_json:
        for item in items:
            item.pop("updated", None)
        click.echo(json_for_terminal(json.dumps({"runs": items}, indent=2, ensure_ascii=False)))
        return
    if not items:
        what = f"no run is {' or '.join(states)}" if states else "no runs yet"
        click.echo(f"studio-resume: {what} in {project.root}", err=True)
        return
    click.echo(render(items))


# Counts in the pages' words: passed, failed, errored, missing.
_COLUMNS = ("RUN", "STATE", "PASSED", "FAILED", "ERRORED", "MISSING", "UPDATED", "SUITE")


def render(items: list[dict], painter=None, now: float | None = None) -> str:
    from agentv_resume.cli.style import Painter, age, table
    from agentv_resume.vocabulary import RUN

    painter = painter or Painter.for_stream(sys.stdout)
    rows = []
    for item in items:
        counts = item.get("counts") or {}
        key = state_key(item)
        label = RUN[key].label
        if item.get("active_job"):
            label = f"{label} (job {item['active_job']})"
        rows.append((item["id"], (lambda text, key=key: painter.run(key, text), label),
                     str(counts.get("ok", "-")), str(counts.get("quality_failure", "-")),
                     str(counts.get("execution_error", "-")), str(counts.get("missing", "-")),
                     age(item.get("updated"), now), item.get("suite_filter") or "(unknown)"))
    return table(_COLUMNS, rows, painter)
