"""Jobs, by noun: launching one, its status, the jobs list, Stop, and their pages.

A launch goes through ``launcher.prepare`` → ``launcher.start`` →
``launcher.detach``: the very path ``studio-resume launch`` takes.  Job ids
are looked up (``JobStore.get``), never joined into paths.  Each handler
takes ``(studio, bench, ...)``; ``app.py`` holds the route table.
"""

from __future__ import annotations

import json
from pathlib import Path

import bottle

from agentv_resume.jobs.states import TERMINAL
from agentv_resume.jobs.store import Job
from agentv_resume.launching import launcher
from agentv_resume.errors import BadRequest
from agentv_resume.web import outcomes, security
from agentv_resume.web.context import Benchmark, Studio
from agentv_resume.web.responses import Whole, json_error, json_response, render

# A job's command longer than this (a CLI launch can make any) is shown cut.
LAUNCHED_COMMAND_MAX = 64 * 1024
READ_ONLY_MESSAGE = "The server is read-only (started with --read-only): launching and stopping are disabled"


# --- data: one function feeds the JSON and the HTML ------------------------------

def find_job(bench: Benchmark, job_id: str) -> Job:
    job = bench.store.get(job_id)
    if job is None:
        raise bottle.HTTPError(404, f"No job {job_id!r} in benchmark {bench.id!r}")
    return job


def job_status(bench: Benchmark, job: Job, *, with_log: bool = True, refs=None) -> dict:
    """The contract's status fields, run_dir relative to the project, plus links.

    ``refs``: the project's runs, listed once for a whole jobs list.
    """
    data = bench.store.status(job, with_log=with_log)
    run_dir = Path(data["run_dir"]) if data.get("run_dir") else None
    data["run_id"] = None
    if run_dir is not None:
        ref = bench.project.run_by_dir(run_dir, refs)
        data["run_id"] = ref.id if ref else None
        data["run_dir"] = bench.project.relative(run_dir)
    data["benchmark"] = bench.id
    data["job_url"] = bench.job_url(job.id)
    data["run_url"] = bench.run_url(data["run_id"]) if data["run_id"] else None
    return outcomes.add_outcome(bench, job, data, read_now=refs is None)


def job_statuses(bench: Benchmark) -> list[dict]:
    """Every job, newest first: the runs are listed once, not once per job."""
    jobs = bench.store.all()
    refs = bench.project.runs() if jobs else []
    return [job_status(bench, job, with_log=False, refs=refs) for job in jobs]


def job_or_none(bench: Benchmark, job_id: str | None) -> dict | None:
    if not job_id:
        return None
    job = bench.store.get(job_id)
    return job_status(bench, job, with_log=False) if job is not None else None


def _refuse_if_read_only(studio: Studio) -> None:
    if studio.read_only:
        raise json_error(403, READ_ONLY_MESSAGE)


def _body():
    raw = bottle.request.environ.get(security.BODY_KEY, b"")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadRequest("Invalid JSON body") from None


# --- JSON -----------------------------------------------------------------------

def launch(studio: Studio, bench: Benchmark):
    _refuse_if_read_only(studio)
    # A refusal (rules 2-10) propagates: app.py answers it with its status.
    prepared = launcher.prepare(_body(), bench.project, bench.reader)
    job, lock_fd = launcher.start(prepared, bench.project, bench.reader, bench.store,
                                  agentv=studio.agentv, source="server")
    launcher.detach(job, lock_fd)
    status = job_status(bench, job, with_log=False)
    answer = {key: status[key] for key in ("id", "status", "command", "run_dir", "run_id", "job_url")}
    return json_response(answer, 202)


def preview(studio: Studio, bench: Benchmark):
    # Runs nothing, so read-only mode answers it too.
    prepared = launcher.prepare(_body(), bench.project, bench.reader)
    return json_response({"command": prepared.command,
                          "run_dir": bench.project.relative(prepared.run_dir)})


def status_json(studio: Studio, bench: Benchmark, job_id: str):
    since = bottle.request.query.get("since")
    if since is not None and not since.isdigit():
        return json_error(400, "since must be a byte offset (a non-negative integer)")
    job = find_job(bench, job_id)
    data = job_status(bench, job)
    if since is not None:
        data["log"], data["log_offset"] = job.log_since(int(since))
    return json_response(data)


def jobs_json(studio: Studio, bench: Benchmark):
    return json_response({"jobs": job_statuses(bench)})


def stop(studio: Studio, bench: Benchmark, job_id: str):
    _refuse_if_read_only(studio)
    job = find_job(bench, job_id)
    return json_response(bench.store.stop(job))


# --- pages ----------------------------------------------------------------------

def jobs_page(studio: Studio, bench: Benchmark):
    jobs = job_statuses(bench)
    return render("jobs.tpl", studio, title="Jobs · studio-resume", bench=bench, jobs=jobs)


def job_page(studio: Studio, bench: Benchmark, job_id: str):
    job = find_job(bench, job_id)
    status = job_status(bench, job, with_log=False)
    if status.get("command") and len(status["command"]) <= LAUNCHED_COMMAND_MAX:
        status["command"] = Whole(status["command"])  # the Copy button copies it whole
    log, offset = job.log_since(0)
    return render(
        "job.tpl", studio, title=f"Job {job.id} · studio-resume", bench=bench, job=status,
        outcome=outcomes.outcome_view(studio, bench, status),
        log=Whole(log), log_offset=offset, terminal=status["status"] in TERMINAL,  # log_since bounds it
        status_url=bench.status_api(job.id), stop_url=bench.stop_api(job.id),
        events_url=bench.events_api(job.id),
    )
