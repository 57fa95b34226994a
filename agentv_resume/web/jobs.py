"""HTML pages: server-rendered SimpleTemplate views over the same data as the API.

The run page puts its header and actions first and pages its rows
(``PAGE_SIZE`` per page), so a run of tens of thousands of records opens
at once with the buttons in view.
"""

from __future__ import annotations

import json
import math

import bottle

from agentv_resume import __version__
from agentv_resume.actions import LABELS, MODES, action_body, plural
from agentv_resume.indexfile import STATUSES
from agentv_resume.jobs import TERMINAL
from agentv_resume.web import api
from agentv_resume.web.app import VIEWS_DIR, Benchmark, Studio, html_bytes

PAGE_SIZE = 200
# One list object: bottle caches compiled templates by the lookup's identity.
LOOKUP = [str(VIEWS_DIR)]
TESTIDS = {"resume": "resume-run-button", "rerun_failed": "rerun-failed-button"}
READ_ONLY_TITLE = "The server is read-only (--read-only): launching is disabled"


def render(name: str, studio: Studio, **values) -> bytes:
    values.setdefault("title", "studio-resume")
    values.setdefault("bench", studio.first)
    return html_bytes(bottle.template(name, template_lookup=LOOKUP, studio=studio, h=Helpers,
                                      version=__version__, **values))


def error_page(studio: Studio, status: int, title: str, message: str) -> bytes:
    try:
        return render("error.tpl", studio, title=f"{status} {title}", status=status, heading=title, message=message)
    except Exception:  # the error page must never fail itself
        return html_bytes(f"<!doctype html><title>{status}</title><p>{bottle.html_escape(message)}</p>")


class Helpers:
    """Small formatting helpers the templates call as ``h.name(...)``."""

    plural = staticmethod(plural)

    @staticmethod
    def score(value) -> str:
        if value is None:
            return ""
        if isinstance(value, float) and not value.is_integer():
            return f"{value:.2f}".rstrip("0").rstrip(".")
        return str(int(value)) if isinstance(value, (int, float)) else str(value)

    @staticmethod
    def short(text, limit: int = 240) -> str:
        text = (text or "").strip()
        return text if len(text) <= limit else text[: limit - 1] + "…"

    @staticmethod
    def when(stamp) -> str:
        if not stamp:
            return ""
        text = str(stamp).replace("T", " ")
        return text[:19] + (" UTC" if text.endswith("Z") else "")

    @staticmethod
    def progress_text(progress: dict | None) -> str:
        if not progress:
            return ""
        done, planned = progress.get("done") or 0, progress.get("planned")
        if planned:
            return f"{done} / {planned} cases"
        return f"{plural(done)} done"


# --- view models ----------------------------------------------------------------

def _job_or_none(bench: Benchmark, job_id: str | None) -> dict | None:
    if not job_id:
        return None
    job = bench.store.get(job_id)
    return api.job_status(bench, job, with_log=False) if job is not None else None


def _actions(studio: Studio, bench: Benchmark, data: dict, view) -> dict:
    """What the top-right corner of the run page shows."""
    if data["active_job"]:
        job = _job_or_none(bench, data["active_job"])
        return {"kind": "active", "job_id": data["active_job"], "job": job,
                "stop_url": bench.stop_api(job["id"]) if job else None,
                "job_url": bench.job_url(job["id"]) if job else None,
                "status_url": bench.status_api(job["id"]) if job else None}
    buttons = []
    for mode in MODES:
        count = data["will_run"][mode]
        if count <= 0:
            continue
        body = action_body(view, bench.project, mode)
        command = data["commands"].get(mode)
        if studio.read_only:
            reason = READ_ONLY_TITLE
        elif data["blocked"]:
            reason = data["blocked"]
        elif body is None or command is None:
            reason = "agentv could not be given this run's own values; use `studio-resume launch` with options"
        else:
            reason = None
        if studio.read_only:
            title = READ_ONLY_TITLE + (f". It would run: {command}" if command else "")
        else:
            title = reason or command
        buttons.append({
            "mode": mode,
            "testid": TESTIDS[mode],
            "label": f"{LABELS[mode]} — {plural(count)}",
            "primary": mode == "resume",
            "body": json.dumps(body, ensure_ascii=False) if body is not None else None,
            "command": command,
            "title": title,
            "disabled": reason is not None,
            "reason": None if studio.read_only else reason,
        })
    return {"kind": "buttons", "buttons": buttons, "launch_url": bench.launch_api(),
            "nothing": not buttons,
            "no_resume": data["will_run"]["resume"] == 0 and bool(buttons)}


def _page_number(raw: str | None, pages: int) -> int:
    try:
        number = int(raw or "1")
    except ValueError:
        number = 1
    return min(max(1, number), max(1, pages))


# --- routes ---------------------------------------------------------------------

def install(app: bottle.Bottle, studio: Studio) -> None:
    def both(path: str):
        """Register ``handler(bench, ...)`` at <path> and /benchmarks/<id><path>."""

        def decorate(handler):
            app.route(path or "/", "GET", lambda **kw: handler(studio.first, **kw))
            app.route(f"/benchmarks/<benchmark_id>{path}", "GET",
                      lambda benchmark_id, **kw: handler(studio.benchmark(benchmark_id), **kw))
            return handler

        return decorate

    @app.get("/")
    def home():
        sections = [{"bench": bench, "runs": api.summaries(bench)} for bench in studio.benchmarks.values()]
        return render("index.tpl", studio, title="Runs · studio-resume", sections=sections)

    @app.get("/benchmarks/<benchmark_id>")
    @app.get("/benchmarks/<benchmark_id>/")
    def benchmark_home(benchmark_id):
        bench = studio.benchmark(benchmark_id)
        sections = [{"bench": bench, "runs": api.summaries(bench)}]
        return render("index.tpl", studio, title=f"{bench.id} · studio-resume", sections=sections, bench=bench)

    @both("/runs/<run_id>")
    def run_page(bench: Benchmark, run_id: str):
        data, ref, view = api.detail(bench, run_id, with_results=False)
        status_filter = bottle.request.query.get("status") or None
        if status_filter not in STATUSES:
            status_filter = None
        records = list(view.records)
        if status_filter:
            records = [r for r in records if r.execution_status == status_filter]
        pages = max(1, math.ceil(len(records) / PAGE_SIZE))
        page = _page_number(bottle.request.query.get("page"), pages)
        start = (page - 1) * PAGE_SIZE
        return render(
            "run.tpl", studio, title=f"{ref.id} · studio-resume", bench=bench, run=data,
            actions=_actions(studio, bench, data, view),
            rows=records[start : start + PAGE_SIZE], first_row=start + 1, total_rows=len(records),
            page=page, pages=pages, status_filter=status_filter, run_url=bench.run_url(ref.id),
        )

    @both("/jobs")
    def jobs_page(bench: Benchmark):
        jobs = api.job_statuses(bench)
        return render("jobs.tpl", studio, title="Jobs · studio-resume", bench=bench, jobs=jobs)

    @both("/jobs/<job_id>")
    def job_page(bench: Benchmark, job_id: str):
        job = api.find_job(bench, job_id)
        status = api.job_status(bench, job, with_log=False)
        log, offset = job.log_since(0)
        return render(
            "job.tpl", studio, title=f"Job {job.id} · studio-resume", bench=bench, job=status,
            log=log, log_offset=offset, terminal=status["status"] in TERMINAL,
            status_url=bench.status_api(job.id), stop_url=bench.stop_api(job.id),
        )
