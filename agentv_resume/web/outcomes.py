"""What a job did and what is left; why each case failed and the files agentv wrote (issue 13).

One data function per thing, feeding the JSON and the pages:

- ``add_outcome``: a job's status gets ``conclusion``, ``outcome`` and ``changes``;
- ``next_actions``: what to launch next from the job page (Resume / Rerun failed, with counts);
- ``case_data`` / ``case_page`` / ``case_json`` / ``case_raw``: one case and its artifacts,
  served read-only from inside the run dir, as escaped text (never HTML from a file).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import bottle

from agentv_resume.jobs import outcome as job_outcome
from agentv_resume.jobs.lock import LOCK_NAME
from agentv_resume.jobs.store import Job
from agentv_resume.launching.actions import LABELS, action_body, action_command, plural
from agentv_resume.runs.cases import ARTIFACT_MAX_BYTES, case_artifacts, read_artifact, read_details
from agentv_resume.runs.index import QUALITY_FAILURE
from agentv_resume.runs.outcome import COMPLETE, next_modes
from agentv_resume.web.context import Benchmark, Studio
from agentv_resume.web.responses import Whole, json_error, json_response, launch_values, render

NEXT_TESTIDS = {"resume": "resume-button", "rerun_failed": "rerun-failed-button"}
READ_ONLY_TITLE = "The server is read-only (--read-only): launching is disabled"


# --- a job's outcome ------------------------------------------------------------------

def add_outcome(bench: Benchmark, job: Job, data: dict, *, read_now: bool) -> dict:
    """``data`` (a job status) with the job's outcome once it ended.

    ``read_now``: when the job left no outcome.json, read the run as it is
    now (one job's status; a jobs list does not read every run).
    """
    data.update(job_outcome.status_fields(job, data.get("status"), bench.reader if read_now else None))
    return data


def headline(status: str, label: str) -> str:
    """ "finished · 1 error left"; "finished · the run is complete". """
    return f"{status} · {'the run is complete' if label == 'complete' else label}"


def next_actions(studio: Studio, bench: Benchmark, data: dict) -> tuple[list[dict], str | None]:
    """(buttons, a note instead) for an ended job whose run is not complete."""
    if data.get("conclusion") in (None, COMPLETE) or not data.get("run_id"):
        return [], None
    ref = bench.project.run_by_id(data["run_id"])
    if ref is None:
        return [], None
    holder = bench.store.active_for(ref.run_dir) if (Path(ref.run_dir) / LOCK_NAME).exists() else None
    if holder:
        return [], f"Job {holder} is working on this run now."
    view = bench.reader.read(ref.run_dir)
    will_run = view.will_run
    modes = next_modes(data["conclusion"], will_run)
    if not modes:
        return [], "Neither Resume nor Rerun failed would run a case: agentv counts a case done once any line of it passed."
    buttons = []
    for mode in modes:
        body = action_body(view, bench.project, mode)
        command = action_command(view, bench.project, mode)
        shown_body, shown_command, too_big = launch_values(body, command)
        if studio.read_only:
            reason = READ_ONLY_TITLE
        elif view.blocked:
            reason = view.blocked
        elif body is None or command is None:
            reason = "agentv could not be given this run's own values; use `studio-resume launch` with options"
        else:
            reason = too_big
        buttons.append({
            "mode": mode,
            "testid": NEXT_TESTIDS[mode],
            "label": f"{LABELS[mode]} — {plural(will_run[mode])}",
            "cases": will_run[mode],
            "primary": mode == modes[0],
            "body": shown_body,
            "command": shown_command,
            "title": reason or command or "",
            "disabled": reason is not None,
        })
    return buttons, None


def outcome_view(studio: Studio, bench: Benchmark, data: dict) -> dict | None:
    """What job_outcome.tpl shows, or None while the job runs."""
    if "conclusion" not in data:
        return None
    outcome = data["outcome"]
    buttons, note = next_actions(studio, bench, data)
    return {
        "conclusion": data["conclusion"],
        "tone": outcome["tone"],
        "headline": headline(data["status"], outcome["label"]),
        "exit_reason": outcome["exit_reason"],
        "read_now": outcome.get("read_now", False),
        "changes": data.get("changes"),
        "next": buttons,
        "next_note": note,
        "launch_url": bench.launch_api(),
    }


# --- why the cases of a run page failed ----------------------------------------------------

def reasons_of(view, rows) -> dict[tuple[str, str], list[str]]:
    """The failed assertions of the quality failures among ``rows`` (the rows one
    page shows: their lines only are read), by identity."""
    wanted = {r.line for r in rows if r.execution_status == QUALITY_FAILURE}
    if not wanted:
        return {}
    details = read_details(view.run_dir, wanted)
    return {key: detail.reasons for key, detail in details.items() if detail.reasons}


# --- a run's history ---------------------------------------------------------------------

def run_history(bench: Benchmark, run_id: str) -> list[dict]:
    """The jobs that ran on run ``run_id``, newest first, with links to their pages."""
    return [dict(item, job_url=bench.job_url(item["id"])) for item in job_outcome.history(bench.store, bench.project, run_id)]


# --- one case and its files -------------------------------------------------------------

def _find_case(bench: Benchmark, run_id: str):
    ref = bench.project.run_by_id(run_id)
    if ref is None:
        raise bottle.HTTPError(404, f"No run {run_id!r} in benchmark {bench.id!r}")
    test_id = bottle.request.query.getunicode("test_id")
    target = bottle.request.query.getunicode("target")
    if not test_id or target is None:
        raise bottle.HTTPError(400, "Give the case as ?test_id=ID&target=NAME")
    view = bench.reader.read(ref.run_dir, ref.index_stamp)
    record = view.snapshot.state.records.get((test_id, target))
    detail = read_details(view.run_dir, {record.line}).get((test_id, target)) if record is not None else None
    if detail is None or record is None:
        raise bottle.HTTPError(404, f"No case {test_id!r} on target {target!r} in run {run_id!r}")
    return ref, view, record, detail


def case_url(bench: Benchmark, run_id: str, test_id: str, target: str, *, raw: str | None = None) -> str | None:
    """The case page's URL; None for an id a URL cannot carry (a lone surrogate
    from a ``\\udc80`` escape is no UTF-8)."""
    from urllib.parse import urlencode

    try:
        test_id.encode("utf-8"), target.encode("utf-8")
    except UnicodeEncodeError:
        return None
    query = {"test_id": test_id, "target": target}
    if raw:
        query["name"] = raw
    return bench.run_url(run_id) + ("/case/raw?" if raw else "/case?") + urlencode(query)


def case_data(bench: Benchmark, run_id: str, *, with_text: bool):
    ref, view, record, detail = _find_case(bench, run_id)
    data = detail.to_json()
    data.update(run_id=ref.id, error=record.error, score=record.score)
    return ref, view, data, case_artifacts(view.run_dir, detail, with_text=with_text)


def case_json(studio: Studio, bench: Benchmark, run_id: str):
    _, _, data, artifacts = case_data(bench, run_id, with_text=False)
    data["artifacts"] = [a.to_json() for a in artifacts]
    for item in data["artifacts"]:
        item["url"] = case_url(bench, run_id, data["test_id"], data["target"], raw=item["name"])
    return json_response(data)


def case_page(studio: Studio, bench: Benchmark, run_id: str):
    ref, _, data, artifacts = case_data(bench, run_id, with_text=True)
    return render("case.tpl", studio, title=f"{data['test_id']} · {ref.id} · studio-resume", bench=bench,
                  case=data, artifacts=[_whole_text(a) for a in artifacts], run_id=ref.id, run_url=bench.run_url(ref.id),
                  limit=ARTIFACT_MAX_BYTES,
                  raw_url=lambda name: case_url(bench, ref.id, data["test_id"], data["target"], raw=name))


def _whole_text(artifact):
    """An artifact's text is shown whole on its page: case_artifacts already cut it at ARTIFACT_MAX_BYTES."""
    if artifact.text is None:
        return artifact
    return dataclasses.replace(artifact, text=Whole(artifact.text))


def case_raw(studio: Studio, bench: Benchmark, run_id: str):
    """One artifact as it is (capped), with its own content type, never rendered as HTML."""
    _, view, _, detail = _find_case(bench, run_id)
    name = bottle.request.query.getunicode("name")
    relative = detail.artifacts.get(name or "")
    if relative is None:
        return json_error(404, f"This case has no file named {name!r}")
    artifact = read_artifact(view.run_dir, name, relative)
    if artifact.text is None:
        return json_error(404, f"{relative}: {artifact.problem}")
    # Its own type with a charset, nosniff (every answer has it): a browser
    # shows the text, never runs or renders it as HTML.
    bottle.response.content_type = f"{artifact.content_type}; charset=utf-8"
    bottle.response.set_header("Content-Disposition", "inline")
    if artifact.truncated:
        bottle.response.set_header("X-Truncated", f"cut at {ARTIFACT_MAX_BYTES} of {artifact.size} bytes")
    return artifact.text.encode("utf-8")
