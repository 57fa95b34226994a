"""Jobs, by noun: launching one, its status, the jobs list, Stop, and their pages.

A launch goes through ``launcher.prepare`` → ``launcher.start`` →
``launcher.detach``: the very path ``studio-resume launch`` takes.  Job ids
are looked up (``JobStore.get``), never joined into paths.  Each handler
takes ``(studio, bench, ...)``; ``app.py`` holds the route table.
"""

from __future__ import annotations

import json

import bottle

from agentv_resume.jobs.states import TERMINAL
from agentv_resume.jobs.store import DEFAULT_PAGE, Job, run_of, runs_by_dir, valid_job_id
from agentv_resume.launching import launcher
from agentv_resume.errors import BadRequest
from agentv_resume.web import outcomes, security
from agentv_resume.web.context import Benchmark, Studio
from agentv_resume.web.responses import Whole, json_error, json_response, render

# A job's command longer than this (a CLI launch can make any) is shown cut.
LAUNCHED_COMMAND_MAX = 64 * 1024
MAX_PAGE = 1000
READ_ONLY_MESSAGE = "The server is read-only (started with --read-only): launching and stopping are disabled"


# --- data: one function feeds the JSON and the HTML ------------------------------

def find_job(bench: Benchmark, job_id: str) -> Job:
    job = bench.store.get(job_id)
    if job is None:
        raise bottle.HTTPError(404, f"No job {job_id!r} in benchmark {bench.id!r}")
    return job


def job_status(bench: Benchmark, job: Job, *, with_log: bool = True, listed_runs=None) -> dict:
    """The contract's status fields, run_dir relative to the project, plus links.

    The job knows its run (``run_id`` / ``run_path`` in its record since it
    was created), so this costs the same with 50 runs or 50,000: no listing.
    ``listed_runs``: given for a jobs list (which reads no run now); for
    records older than run ids, the project's runs by directory, listed once.
    """
    data = bench.store.status(job, with_log=with_log)
    run_id, run_path = run_of(job.record, bench.project, listed_runs)
    data["run_id"] = run_id
    if run_path is not None:
        data["run_dir"] = run_path
    data["benchmark"] = bench.id
    data["job_url"] = bench.job_url(job.id)
    data["run_url"] = bench.run_url(run_id) if run_id else None
    return outcomes.add_outcome(bench, job, data, read_now=listed_runs is None)


def job_page_of(bench: Benchmark, limit: int | None = DEFAULT_PAGE,
                before: str | None = None) -> tuple[list[dict], str | None]:
    """A page of jobs, newest first, and the ``before`` of the next page (None: no more)."""
    jobs, after = bench.store.page(limit, before)
    listed = runs_by_dir(bench.project, jobs)
    return [job_status(bench, job, with_log=False, listed_runs=listed) for job in jobs], after


def _paging() -> tuple[int, str | None]:
    """``?limit=`` (1-1000, default DEFAULT_PAGE) and ``?before=<job id>``; 400 otherwise."""
    query = bottle.request.query
    limit, before = query.get("limit"), query.get("before")
    if limit is not None and (not limit.isdigit() or not 1 <= int(limit) <= MAX_PAGE):
        raise json_error(400, f"limit must be a whole number from 1 to {MAX_PAGE}")
    if before is not None and not valid_job_id(before):
        raise json_error(400, "before must be a job id")
    return (int(limit) if limit is not None else DEFAULT_PAGE), before


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
    bench.listing.invalidate()  # a runs list asked after this answer shows the run running
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
    job, shared = bench.status_calls.call(job_id, lambda: _status_now(bench, job_id))
    data = dict(shared)
    if since is not None:
        data["log"], data["log_offset"] = job.log_since(int(since))
    return json_response(data)


def _status_now(bench: Benchmark, job_id: str) -> tuple[Job, dict]:
    job = find_job(bench, job_id)
    return job, job_status(bench, job)


def jobs_json(studio: Studio, bench: Benchmark):
    limit, before = _paging()
    jobs, after = job_page_of(bench, limit, before)
    # "next": the ?before= of the next page, only when there is one.
    return json_response({"jobs": jobs, **({"next": after} if after else {})})


def stop(studio: Studio, bench: Benchmark, job_id: str):
    _refuse_if_read_only(studio)
    job = find_job(bench, job_id)
    answer = bench.store.stop(job)
    bench.listing.invalidate()
    bench.status_calls.invalidate(job.id)  # a status asked after this answer says stop_requested
    return json_response(answer)


# --- pages ----------------------------------------------------------------------

def jobs_page(studio: Studio, bench: Benchmark):
    limit, before = _paging()
    jobs, after = job_page_of(bench, limit, before)
    older_url = f"{bench.jobs_url()}?before={after}" if after else None
    return render("jobs.tpl", studio, title="Jobs · studio-resume", bench=bench, jobs=jobs, older_url=older_url)


def job_page(studio: Studio, bench: Benchmark, job_id: str):
    job = find_job(bench, job_id)
    status = job_status(bench, job, with_log=False)
    if status.get("command") and len(status["command"]) <= LAUNCHED_COMMAND_MAX:
        status["command"] = Whole(status["command"])  # the Copy button copies it whole
    log, offset = job.log_since(0)
    return render(
        "job.tpl", studio, title=(f"Job on {status['run_id']}" if status.get("run_id") else f"Job {job.id}") + " · studio-resume", bench=bench, job=status,
        outcome=outcomes.outcome_view(studio, bench, status),
        log=Whole(log), log_offset=offset, terminal=status["status"] in TERMINAL,  # log_since bounds it
        status_url=bench.status_api(job.id), stop_url=bench.stop_api(job.id),
        events_url=bench.events_api(job.id),
    )
