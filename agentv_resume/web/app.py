"""The web app: ``create_app(...)`` builds one explicit ``bottle.Bottle()``.

Everything a route needs lives in a ``Studio`` (the benchmarks, each with
its own long-lived ``RunReader`` and ``JobStore``, which cache) so the routes
in ``api.py`` and ``pages.py`` are plain functions of it.  Error answers are
encoded here: bottle's error handlers bypass plugins, so they write their
own JSON (under ``/api/``) or a small HTML page (elsewhere), and never a
traceback.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import bottle

from agentv_resume.jobs import JobStore
from agentv_resume.project import Project, unique, url_safe
from agentv_resume.runs import RunReader
from agentv_resume.web import security

HERE = Path(__file__).resolve().parent
VIEWS_DIR = HERE / "views"
STATIC_DIR = HERE / "static"


@dataclass
class Benchmark:
    """One project served by the app; ``first`` also answers the unscoped routes."""

    id: str
    project: Project
    reader: RunReader
    store: JobStore
    first: bool
    # One walk over the runs at a time: a second runs-list request (or the
    # start-up warm-up) waits for the first, then finds every run cached,
    # instead of reading the same cold runs twice over.
    listing: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def root(self) -> Path:
        return self.project.root

    def _page_prefix(self) -> str:
        return "" if self.first else f"/benchmarks/{quote(self.id, safe='')}"

    def _api_prefix(self) -> str:
        return "/api" if self.first else f"/api/benchmarks/{quote(self.id, safe='')}"

    def home_url(self) -> str:
        return self._page_prefix() + "/"

    def run_url(self, run_id: str) -> str:
        return f"{self._page_prefix()}/runs/{quote(run_id, safe='')}"

    def jobs_url(self) -> str:
        return f"{self._page_prefix()}/jobs"

    def job_url(self, job_id: str) -> str:
        return f"{self._page_prefix()}/jobs/{quote(job_id, safe='')}"

    def launch_api(self) -> str:
        return f"{self._api_prefix()}/eval/run"

    def status_api(self, job_id: str) -> str:
        return f"{self._api_prefix()}/eval/status/{quote(job_id, safe='')}"

    def stop_api(self, job_id: str) -> str:
        return f"{self._api_prefix()}/eval/run/{quote(job_id, safe='')}/stop"


@dataclass
class Studio:
    benchmarks: dict[str, Benchmark]
    read_only: bool = False
    agentv: str | None = None
    policy: security.HostPolicy = field(default_factory=security.HostPolicy)

    @property
    def first(self) -> Benchmark:
        return next(iter(self.benchmarks.values()))

    def benchmark(self, benchmark_id: str | None) -> Benchmark:
        if benchmark_id is None:
            return self.first
        found = self.benchmarks.get(benchmark_id)
        if found is None:
            raise bottle.HTTPError(404, f"No benchmark {benchmark_id!r}")
        return found


def benchmark_ids(roots: list[Path]) -> list[str]:
    """Each project's directory name, made URL-safe and unique (``name``, ``name-2``...)."""
    taken: set[str] = set()
    return [unique(url_safe(Path(root).name, "project"), taken) for root in roots]


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
        benchmarks[bid] = Benchmark(bid, Project(root), RunReader(root), JobStore(root), first=index == 0)
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

    from agentv_resume.web import api, pages

    api.install(app, studio)
    pages.install(app, studio)

    @app.get("/static/<filename:path>")
    def static(filename):
        return bottle.static_file(filename, root=str(STATIC_DIR))

    return app


# --- answers ----------------------------------------------------------------

def json_body(data) -> bytes:
    """UTF-8 JSON.  A lone surrogate (a file name that is not UTF-8, a ``\\ud800``
    escape in index.jsonl) cannot be UTF-8: it is sent as the JSON escape
    ``\\udcff`` (it only ever occurs inside a string), never a 500."""
    return json.dumps(data, ensure_ascii=False, allow_nan=False).encode("utf-8", "backslashreplace")


_SURROGATES = re.compile("[\ud800-\udfff]")


def html_bytes(text: str) -> bytes:
    """A page as UTF-8: a lone surrogate (see ``json_body``) shows as U+FFFD."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATES.sub("\ufffd", text).encode("utf-8")


def json_response(data, status: int = 200):
    """Set the JSON answer on bottle's response and return its body."""
    bottle.response.status = status
    bottle.response.content_type = "application/json"
    return json_body(data)


def json_error(status: int, message: str, **extra) -> bottle.HTTPResponse:
    """A finished JSON error answer (raise it or return it)."""
    headers = {"Content-Type": "application/json", "Cache-Control": "no-store", **security.SECURITY_HEADERS}
    return bottle.HTTPResponse(body=json_body({"error": message, **extra}), status=status, headers=headers)


def wants_json(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def _apply_headers(response) -> None:
    for name, value in security.SECURITY_HEADERS.items():
        response.set_header(name, value)
    if not bottle.request.path.startswith("/static/"):
        response.set_header("Cache-Control", "no-store")


def _install_hooks(app: bottle.Bottle, studio: Studio) -> None:
    @app.hook("before_request")
    def guard():
        try:
            security.guard(bottle.request.environ, studio.policy)
        except security.Refused as refused:
            raise json_error(refused.status, refused.message) from None

    @app.hook("after_request")
    def headers():
        _apply_headers(bottle.response)


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
        _apply_headers(response)
        message = _error_message(error)
        if error.status_code >= 500 and error.exception is not None and not error.traceback:
            print(f"studio-resume: {bottle.request.method} {bottle.request.path}: {error.exception!r}",
                  file=sys.stderr, flush=True)
        if wants_json(bottle.request.path):
            response.content_type = "application/json"
            return json_body({"error": message})
        response.content_type = "text/html; charset=UTF-8"
        from agentv_resume.web import pages

        return pages.error_page(studio, error.status_code, _ERROR_TITLES.get(error.status_code, "Error"), message)

    for code in range(400, 600):
        app.error_handler[code] = handler
