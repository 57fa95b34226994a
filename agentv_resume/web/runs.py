"""The JSON API (contract: HTTP API).  Every answer is JSON; errors are ``{"error": ...}``.

Each route exists unscoped (the first project) and under
``/api/benchmarks/<benchmark_id>/``.  Run and job ids are looked up
(``Project.run_by_id`` / ``JobStore.get``), never joined into paths.
A launch goes through ``launch.prepare`` → ``launch.start`` →
``launch.detach``: the very path ``studio-resume launch`` takes.
"""

from __future__ import annotations

import json
import operator
import os
import sys
import weakref
from pathlib import Path

import bottle

from agentv_resume import launch as launching
from agentv_resume.describe import run_detail, run_summary
from agentv_resume.jobs import LOCK_NAME, Job
from agentv_resume.request import LaunchError
from agentv_resume.web import security
from agentv_resume.web.app import Benchmark, Studio, json_body, json_error, json_response

READ_ONLY_MESSAGE = "The server is read-only (started with --read-only): launching and stopping are disabled"


# --- shared helpers (pages.py uses them too) ---------------------------------

def find_run(bench: Benchmark, run_id: str):
    ref = bench.project.run_by_id(run_id)
    if ref is None:
        raise bottle.HTTPError(404, f"No run {run_id!r} in benchmark {bench.id!r}")
    return ref


def find_job(bench: Benchmark, job_id: str) -> Job:
    job = bench.store.get(job_id)
    if job is None:
        raise bottle.HTTPError(404, f"No job {job_id!r} in benchmark {bench.id!r}")
    return job


def active_job(bench: Benchmark, run_dir: Path) -> str | None:
    # No lock file, no job (lock_holder finds none either): one stat instead
    # of its Path arithmetic, for each of 2,000 runs in a runs list.
    if not os.path.exists(os.path.join(run_dir, LOCK_NAME)):
        return None
    return bench.store.active_for(run_dir)


def summaries(bench: Benchmark) -> list[dict]:
    """Every run, newest first; a run that cannot be read still lists, with a warning."""
    return [dict(summary) for summary in _summaries(bench)[0]]


def _summaries(bench: Benchmark) -> tuple[list[dict], bool]:
    """(the summaries, shared: never to be changed; whether every run could be read)."""
    with bench.listing:
        return _read_summaries(bench)


def _read_summaries(bench: Benchmark) -> tuple[list[dict], bool]:
    out, readable = [], True
    for ref in bench.project.runs():
        try:
            view = bench.reader.read(ref.run_dir, ref.index_stamp)
            job_id = active_job(bench, ref.run_dir)
            # A view stands until a file of its run changes: its summary too.
            out.append(view.memo(("summary", ref.id, ref.experiment, job_id),
                                 lambda: run_summary(ref, view, bench.project, job_id)))
        except Exception as exc:  # one broken run must never hide the others
            print(f"studio-resume: cannot read run {ref.run_dir}: {exc!r}", file=sys.stderr, flush=True)
            readable = False
            out.append({
                "id": ref.id, "run_dir": bench.project.relative(ref.run_dir), "experiment": ref.experiment,
                "timestamp": None, "suite_filter": None, "counts": None, "records": 0, "planned": None,
                "missing": 0, "state": "unreadable", "active_job": None,
                "warnings": [f"this run cannot be read: {exc}"],
            })
    return out, readable


# The last runs-list answer of each benchmark (keyed by its reader), with the
# summary objects it was made of: while every run gives the very same summary
# object (same view, same id, same job), the same bytes answer.
_RUNS_ANSWERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _runs_answer(bench: Benchmark):
    items, readable = _summaries(bench)
    cached = _RUNS_ANSWERS.get(bench.reader)
    if readable and cached is not None and len(cached[0]) == len(items) and all(map(operator.is_, cached[0], items)):
        bottle.response.content_type = "application/json"
        return cached[1]
    body = json_response({"benchmark": bench.id, "runs": items})
    if readable:
        _RUNS_ANSWERS[bench.reader] = (items, body)
    return body


def detail(bench: Benchmark, run_id: str, *, with_results: bool = True) -> tuple[dict, object, object]:
    ref = find_run(bench, run_id)
    view = bench.reader.read(ref.run_dir, ref.index_stamp)
    data = run_detail(ref, view, bench.project, active_job(bench, ref.run_dir), with_results=with_results)
    return data, ref, view


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
    return data


def job_statuses(bench: Benchmark) -> list[dict]:
    """Every job, newest first: the runs are listed once, not once per job."""
    jobs = bench.store.all()
    refs = bench.project.runs() if jobs else []
    return [job_status(bench, job, with_log=False, refs=refs) for job in jobs]


def _refuse_if_read_only(studio: Studio) -> None:
    if studio.read_only:
        raise json_error(403, READ_ONLY_MESSAGE)


def _body():
    raw = bottle.request.environ.get(security.BODY_KEY, b"")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise LaunchError(400, "Invalid JSON body") from None


def _launch_error(exc: LaunchError):
    extra = {"job_id": exc.job_id} if exc.status == 409 and exc.job_id else {}
    return json_error(exc.status, exc.message, **extra)


# --- routes -------------------------------------------------------------------

def install(app: bottle.Bottle, studio: Studio) -> None:
    def scoped(path: str, method: str = "GET"):
        """Register ``handler(bench, ...)`` at /api<path> and /api/benchmarks/<id><path>."""

        def decorate(handler):
            def unscoped(**kw):
                return handler(studio.first, **kw)

            def with_benchmark(benchmark_id, **kw):
                return handler(studio.benchmark(benchmark_id), **kw)

            app.route(f"/api{path}", method, unscoped)
            app.route(f"/api/benchmarks/<benchmark_id>{path}", method, with_benchmark)
            return handler

        return decorate

    @app.get("/api/benchmarks")
    def benchmarks():
        return json_response({"benchmarks": [
            {"id": b.id, "root": str(b.root), "first": b.first, "url": b.home_url()}
            for b in studio.benchmarks.values()
        ], "read_only": studio.read_only})

    @scoped("/runs")
    def runs(bench: Benchmark):
        return _runs_answer(bench)

    @scoped("/runs/<run_id>")
    def run(bench: Benchmark, run_id: str):
        data, _, view = detail(bench, run_id, with_results=False)
        head = json_response(data)
        # The rows are most of the answer (20,000 of them: 2 MB): encoded once
        # per view, i.e. again only when index.jsonl changed.
        results = view.memo("results_json", lambda: json_body([record.slim() for record in view.records]))
        glue = ', "results": '
        return head[:-1] + (glue.encode() if isinstance(head, bytes) else glue) + results + head[-1:]

    @scoped("/eval/run", "POST")
    def launch(bench: Benchmark):
        _refuse_if_read_only(studio)
        try:
            prepared = launching.prepare(_body(), bench.project, bench.reader)
            job, lock_fd = launching.start(prepared, bench.project, bench.reader, bench.store,
                                           agentv=studio.agentv, source="server")
        except LaunchError as exc:
            return _launch_error(exc)
        launching.detach(job, lock_fd)
        status = job_status(bench, job, with_log=False)
        answer = {key: status[key] for key in ("id", "status", "command", "run_dir", "run_id", "job_url")}
        return json_response(answer, 202)

    @scoped("/eval/preview", "POST")
    def preview(bench: Benchmark):
        # Runs nothing, so read-only mode answers it too.
        try:
            prepared = launching.prepare(_body(), bench.project, bench.reader)
        except LaunchError as exc:
            return _launch_error(exc)
        return json_response({"command": prepared.command,
                              "run_dir": bench.project.relative(prepared.run_dir)})

    @scoped("/eval/status/<job_id>")
    def status(bench: Benchmark, job_id: str):
        since = bottle.request.query.get("since")
        if since is not None and not since.isdigit():
            return json_error(400, "since must be a byte offset (a non-negative integer)")
        job = find_job(bench, job_id)
        data = job_status(bench, job)
        if since is not None:
            data["log"], data["log_offset"] = job.log_since(int(since))
        return json_response(data)

    @scoped("/eval/runs")
    def jobs(bench: Benchmark):
        return json_response({"jobs": job_statuses(bench)})

    @scoped("/eval/run/<job_id>/stop", "POST")
    def stop(bench: Benchmark, job_id: str):
        _refuse_if_read_only(studio)
        job = find_job(bench, job_id)
        return json_response(bench.store.stop(job))
