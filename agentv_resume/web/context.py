"""What a route works on: the ``Studio`` (the served benchmarks and the server's
options) and each ``Benchmark`` (a project with its long-lived ``RunReader``
and ``JobStore``, which cache), with the URL builders the pages and the API use."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import bottle

from agentv_resume.jobs.store import JobStore
from agentv_resume.runs.project import Project, unique, url_safe
from agentv_resume.runs.reader import RunReader, SharedCall, SharedCalls
from agentv_resume.web import security


@dataclass
class Benchmark:
    """One project served by the app; ``first`` also answers the unscoped routes."""

    id: str
    project: Project
    reader: RunReader
    store: JobStore
    first: bool
    # One walk over the runs at a time, shared: the requests that arrive
    # while one is under way share it (see SharedCall), instead of queuing
    # for a walk each; a launch or a Stop invalidates the walk under way.
    listing: SharedCall = field(default_factory=SharedCall, repr=False, compare=False)
    # Polls of one job's status that arrive together share one reading of it
    # (its record, its processes, its log and progress: a score of system
    # calls), as the runs list shares its walk.
    status_calls: SharedCalls = field(default_factory=SharedCalls, repr=False, compare=False)

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

    def preview_api(self) -> str:
        return f"{self._api_prefix()}/eval/preview"

    def events_api(self, job_id: str) -> str:
        return f"{self._api_prefix()}/eval/events/{quote(job_id, safe='')}"

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
