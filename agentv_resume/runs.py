"""One run as the tool shows it: records, counts, what each action would run.

The rules (last line wins for display, any line decides what agentv skips,
missing = planned − unique identities) are the contract's Terms; they mirror
agentv 4.x so the tool never promises a re-run agentv will not do.
"""

from __future__ import annotations

import json
import math
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from agentv_resume.indexfile import (
    EXECUTION_ERROR,
    OK,
    QUALITY_FAILURE,
    IndexScanner,
    IndexSnapshot,
)
from agentv_resume.regularfile import read_regular

INDEX_NAME = "index.jsonl"
BENCHMARK_NAME = "benchmark.json"
BENCHMARK_MAX_BYTES = 16 * 1024 * 1024  # agentv's are a few KiB


@dataclass
class BenchmarkInfo:
    planned_test_count: int | None = None
    eval_file: str | None = None  # as agentv wrote it (absolute), None when absent
    targets: list[str] = field(default_factory=list)
    experiment: str | None = None
    timestamp: str | None = None
    warnings: list[str] = field(default_factory=list)


def read_benchmark(run_dir: Path) -> BenchmarkInfo:
    """benchmark.json → metadata; every problem becomes a warning, never an exception."""
    info = BenchmarkInfo()
    path = run_dir / BENCHMARK_NAME
    try:
        data = json.loads(read_regular(path, BENCHMARK_MAX_BYTES).decode("utf-8", errors="replace"))
    except FileNotFoundError:
        info.warnings.append("benchmark.json is missing: planned cases and suite file are unknown")
        return info
    except (OSError, ValueError) as exc:
        reason = "is not valid JSON" if isinstance(exc, ValueError) else "cannot be read"
        info.warnings.append(f"benchmark.json {reason}: planned cases and suite file are unknown")
        return info
    meta = data.get("metadata") if isinstance(data, dict) else None
    if not isinstance(meta, dict):
        info.warnings.append("benchmark.json has no metadata object")
        return info
    planned = meta.get("planned_test_count")
    if isinstance(planned, (int, float)) and not isinstance(planned, bool) and math.isfinite(planned) and planned > 0:
        info.planned_test_count = int(planned)
    elif planned is not None:
        info.warnings.append("benchmark.json metadata.planned_test_count is not a positive number")
    eval_file = meta.get("eval_file")
    if isinstance(eval_file, str):
        info.eval_file = eval_file
    elif eval_file is not None:
        info.warnings.append("benchmark.json metadata.eval_file is not a string")
    targets = meta.get("targets")
    if isinstance(targets, list):
        info.targets = [t for t in targets if isinstance(t, str) and t]
    experiment = meta.get("experiment")
    if isinstance(experiment, str) and experiment:
        info.experiment = experiment
    timestamp = meta.get("timestamp")
    if isinstance(timestamp, str):
        info.timestamp = timestamp
    return info


def suite_filter_for(eval_file: str | None, project_root: Path) -> tuple[str | None, str | None]:
    """(suite_filter, reason when None): relative to the project when inside it."""
    if eval_file is None:
        return None, "the run's suite file is unknown (benchmark.json has no metadata.eval_file)"
    if not eval_file.strip():
        return None, (
            "the run covers several eval files (agentv recorded no single suite file); "
            "give them with --suite"
        )
    path = Path(eval_file)
    if not path.is_absolute():
        path = project_root / path
    try:
        exists = path.is_file()
    except OSError:
        exists = False
    if not exists:
        return None, f"the run's suite file {eval_file} no longer exists"
    try:
        return path.resolve().relative_to(project_root.resolve()).as_posix(), None
    except ValueError:
        return str(path), None


@dataclass
class RunView:
    """Everything the pages, the API and `inspect` say about one run."""

    run_dir: Path
    snapshot: IndexSnapshot
    benchmark: BenchmarkInfo
    suite_filter: str | None
    suite_reason: str | None

    # --- derived -----------------------------------------------------------
    @property
    def records(self):
        return self.snapshot.state.records.values()

    @property
    def skipped_lines(self) -> int:
        return self.snapshot.state.skipped_lines

    @property
    def rejected_rows(self) -> int:
        return len(self.snapshot.state.rejected)

    @property
    def planned(self) -> int | None:
        return self.benchmark.planned_test_count

    @property
    def unique(self) -> int:
        return len(self.snapshot.state.records)

    @property
    def missing(self) -> int:
        if self.planned is None:
            return 0
        return max(0, self.planned - self.unique)

    @property
    def counts(self) -> dict[str, int]:
        counts = {OK: 0, QUALITY_FAILURE: 0, EXECUTION_ERROR: 0}
        for record in self.records:
            counts[record.execution_status] += 1
        counts["missing"] = self.missing
        return counts

    @property
    def will_run(self) -> dict[str, int]:
        # agentv skips an identity when *any* of its lines says it completed
        # (verified against agentv 4.42.4: tests/test_runs.py).  A line with
        # no target has the key "<id>::unknown", which never matches a
        # planned case, so agentv runs that case again whatever it says.
        resume = rerun = 0
        for record in self.records:
            if not record.target_recorded:
                resume, rerun = resume + 1, rerun + 1
                continue
            resume += not (record.ever_ok or record.ever_quality_failure)
            rerun += not record.ever_ok
        return {"resume": resume + self.missing, "rerun_failed": rerun + self.missing}

    @property
    def retry_errors_count(self) -> int:
        """Cases `--retry-errors` from this run would run: agentv retries a test
        id (on every target) when any of its lines is an execution error, and
        the missing cases."""
        errored = {record.test_id for record in self.records if record.ever_error}
        return len(errored) + self.missing

    @property
    def targets(self) -> list[str]:
        seen: dict[str, None] = {}
        for record in self.records:
            if record.target_recorded and record.target:
                seen.setdefault(record.target, None)
        return list(seen) or list(self.benchmark.targets)

    @property
    def index_problem(self) -> str | None:
        """Why agentv could not resume from this run's index.jsonl, if it could not."""
        rejected = self.snapshot.state.rejected
        if rejected:
            first = rejected[0]
            more = f" (and {len(rejected) - 1} more)" if len(rejected) > 1 else ""
            return (
                "index.jsonl holds a line agentv 4.x refuses to resume, rerun or retry from: "
                f"{first.message}{more}"
            )
        return self.snapshot.warning

    @property
    def blocked(self) -> str | None:
        return self.index_problem or self.suite_reason

    @property
    def warnings(self) -> list[str]:
        out = list(self.benchmark.warnings)
        if self.snapshot.warning:
            out.insert(0, self.snapshot.warning)
        if self.skipped_lines:
            out.append(f"{self.skipped_lines} line(s) of index.jsonl are not JSON and were skipped, as agentv skips them")
        return out

    @property
    def experiment(self) -> str | None:
        return self.benchmark.experiment

    def state(self, active: bool = False) -> str:
        if active:
            return "running"
        counts = self.counts
        if counts[EXECUTION_ERROR]:
            return "errored"
        if counts["missing"]:
            return "incomplete"
        return "complete"


class RunReader:
    """Reads runs, re-reading only what changed (keyed by size and mtime)."""

    def __init__(self, project_root: Path):
        self.project_root = Path(project_root)
        self._scanners: dict[Path, IndexScanner] = {}
        self._benchmarks: dict[Path, tuple[tuple, BenchmarkInfo]] = {}
        self._frozen: dict[Path, tuple[IndexSnapshot, IndexSnapshot]] = {}
        self._lock = threading.Lock()

    def read(self, run_dir: Path) -> RunView:
        run_dir = Path(run_dir)
        with self._lock:
            scanner = self._scanners.get(run_dir)
            if scanner is None:
                scanner = self._scanners[run_dir] = IndexScanner(run_dir / INDEX_NAME)
            snapshot = scanner.scan()
            # The scanner's state changes on its next scan (maybe in another
            # thread): a view keeps a copy, made once per change.
            cached = self._frozen.get(run_dir)
            if cached is None or cached[0] is not snapshot:
                cached = self._frozen[run_dir] = (snapshot, snapshot.frozen())
            snapshot = cached[1]
            benchmark = self._benchmark(run_dir)
        suite_filter, reason = suite_filter_for(benchmark.eval_file, self.project_root)
        return RunView(run_dir, snapshot, benchmark, suite_filter, reason)

    def _benchmark(self, run_dir: Path) -> BenchmarkInfo:
        try:
            st = os.stat(run_dir / BENCHMARK_NAME)
            key = (st.st_ino, st.st_size, st.st_mtime_ns)
        except OSError:
            key = None
        cached = self._benchmarks.get(run_dir)
        if cached is not None and key is not None and cached[0] == key:
            return cached[1]
        info = read_benchmark(run_dir)
        if key is not None:
            self._benchmarks[run_dir] = (key, info)
        return info


def read_run(run_dir: Path, project_root: Path) -> RunView:
    return RunReader(project_root).read(run_dir)
