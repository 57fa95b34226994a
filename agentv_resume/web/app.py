"""The web app: ``create_app(...)`` builds one explicit ``bottle.Bottle()``.

Everything a route needs lives in a ``Studio`` (``context.py``), so the
handlers in ``runs.py`` and ``jobs.py`` are plain functions of it; this
module holds the one route table, the hooks and the error handlers.
"""

from __future__ import annotations

import sys
from pathlib import Path

import bottle

from agentv_resume.errors import Refusal
from agentv_resume.jobs.store import JobStore
from agentv_resume.runs.project import Project
from agentv_resume.runs.reader import RunReader
from agentv_resume.runs.summaries import SummaryStore, summaries_dir
from agentv_resume.web import events, jobs, outcomes, runs, security
from agentv_resume.web.context import Benchmark, Studio, benchmark_ids
from agentv_resume.web.responses import apply_headers, error_page, json_body, json_error, refusal_answer, wants_json

STATIC_DIR = Path(__file__).resolve().parent / "static"

# --- the route table ---------------------------------------------------------------
# Scoped routes answer at /api<path> (the first benchmark) and at
# /api/benchmarks/<benchmark_id><path>; the handler gets (studio, bench, ...).
PREVIEW_PATH = "/eval/preview"  # runs nothing: answered in read-only mode too
API_ROUTES = (
    ("/runs", "GET", runs.runs_json),
    ("/runs/<run_id>", "GET", runs.run_json),
    ("/eval/run", "POST", jobs.launch),
    (PREVIEW_PATH, "POST", jobs.preview),
    ("/eval/status/<job_id>", "GET", jobs.status_json),
    ("/eval/events/<job_id>", "GET", events.events),
    ("/eval/runs", "GET", jobs.jobs_json),
    ("/eval/run/<job_id>/stop", "POST", jobs.stop),
    ("/runs/<run_id>/case", "GET", outcomes.case_json),
)
# Pages answer at <path> and at /benchmarks/<benchmark_id><path>.
PAGE_ROUTES = (
    ("/runs/<run_id>", runs.run_page),
    ("/jobs", jobs.jobs_page),
    ("/jobs/<job_id>", jobs.job_page),
    ("/runs/<run_id>/case", outcomes.case_page),
    ("/runs/<run_id>/case/raw", outcomes.case_raw),
)


def create_app(projects: list[Path], *, read_only: bool = False, agentv: str | None = None,
               allowed_hosts: security.HostPolicy | list[str] | None = None) -> bottle.Bottle:
    """The WSGI app serving ``projects`` (project roots; the first answers unscoped routes).

    ``allowed_hosts``: a ``HostPolicy``, or extra host names (``--host``) to
    answer besides the loopback names.  ``serve`` sets the policy's ports once
    it has bound its socket (``app.studio.policy.ports``).
    """
    if not projects:
        raise ValueError("create_app needs at least one project")
    roots = [Path(p).resolve() for p in projects]
    benchmarks = {}
    for index, (bid, root) in enumerate(zip(benchmark_ids(roots), roots)):
        # The server keeps run summaries between starts (a cache: see runs.summaries).
        reader = RunReader(root, store=SummaryStore(summaries_dir(root)))
        benchmarks[bid] = Benchmark(bid, Project(root), reader, JobStore(root), first=index == 0)
    if isinstance(allowed_hosts, security.HostPolicy):
        policy = allowed_hosts
    else:
        policy = security.HostPolicy.for_host()
        for name in allowed_hosts or ():
            policy.names.add(security.host_name(name))
    studio = Studio(benchmarks, read_only=read_only, agentv=agentv, policy=policy)

    app = bottle.Bottle()
    app.studio = studio  # for serve() and tests
    _install_hooks(app, studio)
    _install_error_pages(app, studio)
    _install_routes(app, studio)
    return app


def _answering_refusals(handler, *leading):
    """The one place a Refusal (errors.py) becomes an HTTP answer: JSON under /api/, else an error page."""
    def answer(*args, **kw):
        try:
            return handler(*leading, *args, **kw)
        except Refusal as refusal:
            if wants_json(bottle.request.path):
                return refusal_answer(refusal)
            raise bottle.HTTPError(refusal.http_status, refusal.message) from None

    return answer


def _first(studio: Studio, handler):
    return lambda **kw: _answering_refusals(handler, studio, studio.first)(**kw)


def _scoped(studio: Studio, handler):
    return lambda benchmark_id, **kw: _answering_refusals(handler, studio, studio.benchmark(benchmark_id))(**kw)


def _install_routes(app: bottle.Bottle, studio: Studio) -> None:
    app.route("/api/benchmarks", "GET", lambda: runs.benchmarks_json(studio))
    for path, method, handler in API_ROUTES:
        app.route(f"/api{path}", method, _first(studio, handler))
        app.route(f"/api/benchmarks/<benchmark_id>{path}", method, _scoped(studio, handler))
    app.route("/", "GET", lambda: runs.home(studio))
    app.route("/benchmarks/<benchmark_id>", "GET", lambda benchmark_id: runs.benchmark_home(studio, benchmark_id))
    app.route("/benchmarks/<benchmark_id>/", "GET", lambda benchmark_id: runs.benchmark_home(studio, benchmark_id))
    for path, handler in PAGE_ROUTES:
        app.route(path, "GET", _first(studio, handler))
        app.route(f"/benchmarks/<benchmark_id>{path}", "GET", _scoped(studio, handler))
    app.route("/static/<filename:path>", "GET",
              lambda filename: bottle.static_file(filename, root=str(STATIC_DIR)))


# --- hooks and error answers ---------------------------------------------------------

def _install_hooks(app: bottle.Bottle, studio: Studio) -> None:
    @app.hook("before_request")
    def guard():
        environ = bottle.request.environ
        try:
            security.guard(environ, studio.policy)
        except security.Refused as refused:
            raise json_error(refused.status, refused.message) from None
        # Rule 1, before any route looks anything up: in read-only mode every
        # mutating request is a 403, an unknown benchmark or job included (a
        # 404 would tell what exists).  A preview runs nothing: it is answered.
        if (studio.read_only and environ.get("REQUEST_METHOD", "GET").upper() in security.MUTATING_METHODS
                and not bottle.request.path.endswith(PREVIEW_PATH)):
            raise json_error(403, jobs.READ_ONLY_MESSAGE)

    @app.hook("after_request")
    def headers():
        apply_headers(bottle.response)


_ERROR_TITLES = {400: "Bad request", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
                 413: "Request too large", 415: "Unsupported media type", 421: "Misdirected request",
                 500: "Internal server error"}


def _error_message(error: bottle.HTTPError) -> str:
    status = error.status_code
    if status >= 500:
        # Never the exception or its traceback: bottle already wrote it to
        # wsgi.errors (the server's stderr).
        return "Internal server error (the details are in the server's log)"
    if status == 405:
        allowed = error.headers.get("Allow") if error.headers else None
        method = bottle.request.method
        return f"Method {method} is not allowed here" + (f" (allowed: {allowed})" if allowed else "")
    if status == 404 and (not isinstance(error.body, str) or error.body.startswith("Not found: ")):
        return f"Not found: {bottle.request.path}"
    if isinstance(error.body, str) and error.body:
        return error.body
    return _ERROR_TITLES.get(status, "Error")


def _install_error_pages(app: bottle.Bottle, studio: Studio) -> None:
    def handler(error: bottle.HTTPError):
        response = bottle.response
        apply_headers(response)
        message = _error_message(error)
        if error.status_code >= 500 and error.exception is not None and not error.traceback:
            print(f"studio-resume: {bottle.request.method} {bottle.request.path}: {error.exception!r}",
                  file=sys.stderr, flush=True)
        if wants_json(bottle.request.path):
            response.content_type = "application/json"
            return json_body({"error": message})
        response.content_type = "text/html; charset=UTF-8"
        return error_page(studio, error.status_code, _ERROR_TITLES.get(error.status_code, "Error"), message)

    for code in range(400, 600):
        app.error_handler[code] = handler
