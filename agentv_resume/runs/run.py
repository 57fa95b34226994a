"""One run as the tool shows it: records, counts, what each action would run.

The rules (last line wins for display, any line decides what agentv skips,
missing = planned − unique identities) are the contract's Terms; they mirror
agentv 4.x so the tool never promises a re-run agentv will not do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from agentv_resume.runs.index import EXECUTION_ERROR, OK, QUALITY_FAILURE
from agentv_resume.runs.scanner import IndexSnapshot
from agentv_resume.files import Unreadable, read_json

INDEX_NAME = "index.jsonl"
DRY_RUN_SUFFIX = "-dry-run"
BENCHMARK_NAME = "benchmark.json"
_MISSING = object()
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
        # Node reads 1e400 as Infinity; the one number used is checked below.
        data = read_json(path, BENCHMARK_MAX_BYTES, expect=None, finite=False)
    except Unreadable as exc:
        if exc.missing:
            info.warnings.append("benchmark.json is missing: planned cases and suite file are unknown")
        else:
            info.warnings.append(f"benchmark.json cannot be read ({exc.reason}): planned cases and suite file are unknown")
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
    """Everything the pages, the API and `inspect` say about one run.

    A view never changes (its snapshot is frozen), so what is derived from
    it is computed once: ``RunReader`` hands out the same view until a file
    changes, and a runs list of 2,000 runs costs a lookup per run.  Lists and
    dicts are returned as copies, so a caller may change what it gets.
    """

    run_dir: Path
    snapshot: IndexSnapshot
    benchmark: BenchmarkInfo
    suite_filter: str | None
    suite_reason: str | None
    _memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def memo(self, key: str, compute):
        """``compute()`` once per view (e.g. the API's encoded results)."""
        value = self._memo.get(key, _MISSING)
        if value is _MISSING:
            value = self._memo[key] = compute()
        return value

    # --- derived -----------------------------------------------------------
    @property
    def records(self):
        return self.snapshot.state.records.values()

    @property
    def planned_records(self) -> list:
        """The records agentv counts as cases of this run: dry-run rows left out."""
        return self.memo("planned_records", lambda: [r for r in self.records if not self._dry_run_row(r)])

    def _dry_run_row(self, record) -> bool:
        # `agentv eval run --dry-run` records its rows under `<target>-dry-run`:
        # no case of the run, and no target agentv could run again.
        base = record.target[: -len(DRY_RUN_SUFFIX)] if record.target.endswith(DRY_RUN_SUFFIX) else None
        return bool(base) and (record.test_id, base) in self.snapshot.state.records

    @property
    def dry_run_rows(self) -> int:
        return self.unique_all - len(self.planned_records)

    @property
    def unique_all(self) -> int:
        return len(self.snapshot.state.records)

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
        return len(self.planned_records)

    @property
    def missing(self) -> int:
        if self.planned is None:
            return 0
        return max(0, self.planned - self.unique)

    @property
    def counts(self) -> dict[str, int]:
        return dict(self.memo("counts", self._counts))

    def _counts(self) -> dict[str, int]:
        counts = {OK: 0, QUALITY_FAILURE: 0, EXECUTION_ERROR: 0}
        for record in self.planned_records:
            counts[record.execution_status] += 1
        counts["missing"] = self.missing
        return counts

    @property
    def will_run(self) -> dict[str, int]:
        return dict(self.memo("will_run", self._will_run))

    def _will_run(self) -> dict[str, int]:
        # agentv skips an identity when *any* of its lines says it completed
        # (verified against agentv 4.42.4: tests/test_runs.py).  A line with
        # no target has the key "<id>::unknown", which never matches a
        # planned case, so agentv runs that case again whatever it says.
        resume = rerun = 0
        for record in self.planned_records:
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
        return self.memo("retry_errors_count", lambda: len(
            {record.test_id for record in self.records if record.ever_error}) + self.missing)

    @property
    def targets(self) -> list[str]:
        return list(self.memo("targets", self._targets))

    def _targets(self) -> list[str]:
        seen: dict[str, None] = {}
        for record in self.planned_records:
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
        return list(self.memo("warnings", self._warnings))

    def _warnings(self) -> list[str]:
        out = list(self.benchmark.warnings)
        if self.snapshot.warning:
            out.insert(0, self.snapshot.warning)
        if self.skipped_lines:
            out.append(f"{self.skipped_lines} line(s) of index.jsonl are not JSON and were skipped, as agentv skips them")
        if self.dry_run_rows:
            out.append(f"{self.dry_run_rows} row(s) come from `--dry-run` (target `<name>{DRY_RUN_SUFFIX}`): "
                       "listed, but not counted as cases of this run")
        return out

    @property
    def experiment(self) -> str | None:
        return self.benchmark.experiment

    def state(self, active: bool = False) -> str:
        if active:
            return "running"
        counts = self.memo("counts", self._counts)
        if counts[EXECUTION_ERROR]:
            return "errored"
        if counts["missing"]:
            return "incomplete"
        return "complete"
