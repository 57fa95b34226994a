"""Runs, by noun: the runs list, one run, and their pages.

Run ids are looked up (``Project.run_by_id``), never joined into paths.
Each handler takes ``(studio, bench, ...)``; ``app.py`` holds the route table.
The run page puts its header and actions first and pages its rows
(``run_rows.PAGE_SIZE`` per page, searched, filtered and sorted there), so a run of tens of thousands of records opens
at once with the buttons in view.
"""

from __future__ import annotations

import json

import operator
import os
import weakref
from pathlib import Path

import bottle

from agentv_resume.jobs.lock import LOCK_NAME
from agentv_resume.launching.actions import LABELS, MODES, action_body, action_commands, plural
from agentv_resume.runs.index import Record
from agentv_resume.runs.report import run_detail
from agentv_resume.runs.scanner import collector_paused
from agentv_resume.web import outcomes, run_rows
from agentv_resume.web.context import Benchmark, Studio
from agentv_resume.web.jobs import job_or_none
from agentv_resume.web.responses import json_array_parts, json_body, json_response, launch_values, render

TESTIDS = {"resume": "resume-run-button", "rerun_failed": "rerun-failed-button"}
READ_ONLY_TITLE = "The server is read-only (--read-only): launching is disabled"


# --- data: one function feeds the JSON and the HTML ------------------------------

def find_run(bench: Benchmark, run_id: str):
    ref = bench.project.run_by_id(run_id)
    if ref is None:
        raise bottle.HTTPError(404, f"No run {run_id!r} in benchmark {bench.id!r}")
    return ref


_LOCK_SUFFIX = os.sep + LOCK_NAME


def active_job(bench: Benchmark, run_dir: Path | str) -> str | None:
    # No lock file, no job (lock_holder finds none either): one stat instead
    # of its Path arithmetic, for each of 50,000 runs in a runs list.
    try:
        os.stat((run_dir if type(run_dir) is str else os.fspath(run_dir)) + _LOCK_SUFFIX)
    except OSError:
        return None
    return bench.store.active_for(Path(run_dir))


def summaries(bench: Benchmark) -> list[dict]:
    """Every run, newest first; a run that cannot be read still lists, with a warning."""
    return [listed.as_dict() for listed in _summaries(bench)[0]]


def _summaries(bench: Benchmark):
    """(each run's ``reader.Listed``, whether every run could be read): one walk,
    shared by the requests that arrive while it is under way (``SharedCall``)."""
    def walk():
        # A cold list of 50,000 runs makes a few objects per run, none in a
        # cycle: the cyclic collector's passes over them are pure cost.
        with collector_paused(True, freeze_above=_FREEZE_ABOVE):
            refs = bench.project.all_runs()
            active = _active_by_path(bench)
            return bench.reader.list_runs(refs, bench.project, active)

    return bench.listing.call(walk)


# A list that left more new objects than this alive (a cold start's summaries) freezes them.
_FREEZE_ABOVE = 200_000


def _active_by_path(bench: Benchmark) -> dict[str, str]:
    """{path a run is listed at: id of the job working on it}, from this
    project's jobs that have not ended (``JobStore.active_runs``): a handful
    of locks probed, not one per run.  Called after the walk (``all_runs``),
    whose paths it matches."""
    out: dict[str, str] = {}
    for run_dir, job_id in bench.store.active_runs().items():
        out[run_dir] = job_id
        listed = bench.project.listed_path(run_dir)
        if listed is not None:
            out[listed] = job_id
    return out


def warm_up(bench: Benchmark) -> None:
    """Read every run once (the server's start-up), so the first page is a warm one."""
    _summaries(bench)


# The last runs-list answer of each benchmark (keyed by its reader), with the
# entries it was made of: while every run gives the very same entry (same
# files, same id, same job), the same bytes answer.
_RUNS_ANSWERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _runs_answer(bench: Benchmark):
    items, readable = _summaries(bench)
    bottle.response.content_type = "application/json"
    cached = _RUNS_ANSWERS.get(bench.reader)
    if readable and cached is not None and len(cached[0]) == len(items) and all(map(operator.is_, cached[0], items)):
        return cached[1]
    body = b"".join((b'{"benchmark": ', json_body(bench.id), b', "runs": [',
                     b",".join([listed.json for listed in items]), b"]}"))
    if readable:
        _RUNS_ANSWERS[bench.reader] = (items, body)
    return body


def detail(bench: Benchmark, run_id: str, *, with_results: bool = True) -> tuple[dict, object, object]:
    ref = find_run(bench, run_id)
    view = bench.reader.read(ref.run_dir, ref.index_stamp)
    data = run_detail(ref, view, bench.project, active_job(bench, ref.run_dir),
                      action_commands(view, bench.project), with_results=with_results)
    return data, ref, view


def _actions(studio: Studio, bench: Benchmark, data: dict, view) -> dict:
    """What the top-right corner of the run page shows."""
    if data["active_job"]:
        job = job_or_none(bench, data["active_job"])
        return {"kind": "active", "job_id": data["active_job"], "job": job,
                "stop_url": bench.stop_api(job["id"]) if job else None,
                "job_url": bench.job_url(job["id"]) if job else None,
                "status_url": bench.status_api(job["id"]) if job else None,
                "events_url": bench.events_api(job["id"]) if job else None}
    inputs = _launch_inputs(studio, data, view)
    buttons = []
    for mode in MODES:
        count = data["will_run"][mode]
        # Uncertain targets: the count is only known once they are chosen.
        uncertain = bool(inputs and inputs["targets"])
        if count <= 0 and not uncertain:
            continue
        body = action_body(view, bench.project, mode)
        command = data["commands"].get(mode)
        shown_body, shown_command, too_big = launch_values(body, command)
        if studio.read_only:
            reason = READ_ONLY_TITLE
        elif data["blocked"]:
            reason = data["blocked"]
        elif body is None and uncertain:
            reason = None  # the target choices above say it (and the warnings, why)
        elif body is None or command is None:
            reason = "agentv could not be given this run's own values; use `studio-resume launch` with options"
        elif too_big:
            reason = too_big
        else:
            reason = None
        if studio.read_only:
            title = READ_ONLY_TITLE + (f". It would run: {command}" if command else "")
        else:
            title = reason or command or ("Choose the run's targets first" if uncertain else "")
        buttons.append({
            "mode": mode,
            "testid": TESTIDS[mode],
            "label": LABELS[mode] if uncertain else f"{LABELS[mode]} — {plural(count)}",
            "primary": mode == "resume",
            "body": shown_body,
            "command": shown_command,
            "title": title,
            "disabled": reason is not None or body is None,
            "reason": None if studio.read_only else reason,
            # What the page's fields complete (suite file(s), targets): the launch
            # without them; app.js adds what the user gives and then enables it.
            "draft": (json.dumps(_draft_body(view, bench.project, mode))
                      if inputs and body is None and not studio.read_only else None),
        })
    return {"kind": "buttons", "buttons": buttons, "launch_url": bench.launch_api(), "inputs": inputs,
            "nothing": not buttons,
            "no_resume": data["will_run"]["resume"] == 0 and bool(buttons) and not (inputs and inputs["targets"])}


def _launch_inputs(studio: Studio, data: dict, view) -> dict | None:
    """What the user must give before a launch can be made (issue 11): the suite
    file(s) when the run's are unknown, the targets when they are uncertain.
    None when the run's own values suffice (or nothing can be launched here)."""
    if studio.read_only:
        return None
    needs_suite = view.suite_filter is None
    needs_targets = bool(data.get("targets_uncertain"))
    if not (needs_suite or needs_targets):
        return None
    return {"suite": needs_suite, "targets": needs_targets,
            "target_choices": list(data.get("target_choices") or ()),
            "targets_reason": data.get("targets_uncertain")}


def _draft_body(view, project, mode: str) -> dict:
    """The launch body without the suite / targets the page asks for; the
    server validates what the user adds like any request (400 when refused)."""
    draft: dict = {}
    if view.suite_filter is None:
        known = [t for t in (view.targets or ()) if not t.endswith("-dry-run")]
        if known:
            draft["target"] = known
    else:
        draft["suite_filter"] = view.suite_filter
    draft["output"] = project.relative(view.run_dir)
    draft[mode] = True
    return draft


# --- JSON -----------------------------------------------------------------------

def benchmarks_json(studio: Studio):
    return json_response({"benchmarks": [
        {"id": b.id, "root": str(b.root), "first": b.first, "url": b.home_url()}
        for b in studio.benchmarks.values()
    ], "read_only": studio.read_only})


def runs_json(studio: Studio, bench: Benchmark):
    return _runs_answer(bench)


def run_json(studio: Studio, bench: Benchmark, run_id: str):
    data, ref, view = detail(bench, run_id, with_results=False)
    data["jobs"] = outcomes.run_history(bench, ref.id)
    head = json_response(data)
    # The rows are most of the answer (500,000 of them: 55 MB): encoded once
    # per view (again only when index.jsonl changed), in parts, and sent as
    # they are, never copied into one string.
    results = view.memo("results_json", lambda: json_array_parts(view.records, Record.slim, objects=True))
    parts = [head[:-1], b', "results": ', *results, head[-1:]]
    bottle.response.set_header("Content-Length", str(sum(map(len, parts))))
    return iter(parts)


# --- pages ----------------------------------------------------------------------

def home(studio: Studio):
    sections = [{"bench": bench, "runs": summaries(bench)} for bench in studio.benchmarks.values()]
    return render("index.tpl", studio, title="Runs · studio-resume", sections=sections)


def benchmark_home(studio: Studio, benchmark_id: str):
    bench = studio.benchmark(benchmark_id)
    sections = [{"bench": bench, "runs": summaries(bench)}]
    return render("index.tpl", studio, title=f"{bench.id} · studio-resume", sections=sections, bench=bench)


def run_page(studio: Studio, bench: Benchmark, run_id: str):
    data, ref, view = detail(bench, run_id, with_results=False)
    query = run_rows.RowQuery.from_query(bottle.request.query, data["targets"])
    page = run_rows.page_of(run_rows.select_rows(view.records, query), query.page)
    actions = _actions(studio, bench, data, view)
    return render(
        "run.tpl", studio, title=f"{ref.id} · studio-resume", bench=bench, run=data,
        actions=actions, rows=page.rows, first_row=page.first_row, total_rows=page.total,
        page=page.number, pages=page.pages, status_filter=query.status, query=query,
        run_url=bench.run_url(ref.id), selection=_selection(actions, view),
        missing_pairs=run_rows.missing_pairs(data.get("missing_ids")),
        reasons=outcomes.reasons_of(view, page.rows), history=outcomes.run_history(bench, ref.id),
        case_url=lambda r: outcomes.case_url(bench, ref.id, r.test_id, r.target),
    )


def _selection(actions: dict, view):
    """Rows can be picked for "Rerun selected" when Rerun failed could launch now."""
    rerun = next((b for b in actions.get("buttons") or () if b["mode"] == "rerun_failed"), None)
    if rerun is None or rerun["disabled"]:
        return None
    return run_rows.selection_for(view.records, view.planned_records)
