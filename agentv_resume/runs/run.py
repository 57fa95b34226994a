"""One run as the tool shows it: records, counts, what each action would run.

The rules (last line wins for display, any line decides what agentv skips,
missing = planned − unique identities) are the contract's Terms; they mirror
agentv 4.x so the tool never promises a re-run agentv will not do.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from types import MappingProxyType

from agentv_resume.runs.index import EXECUTION_ERROR, OK, QUALITY_FAILURE
from agentv_resume.runs.plan import read_plan
from agentv_resume.runs.prediction import Forecast, forecast
from agentv_resume.runs.scanner import IndexSnapshot
from agentv_resume.files import Unreadable, read_json
from agentv_resume.runs.names import BENCHMARK_NAME, INDEX_NAME  # noqa: F401  (re-exported)

DRY_RUN_SUFFIX = "-dry-run"
_MISSING = object()
# The passes over every record are made in C (map, filter, Counter, dict.fromkeys):
# a run of 500,000 records pays for a Python loop once per pass, ~0.1 s each.
_TEST_ID = attrgetter("test_id")
_TARGET = attrgetter("target")
_STATUS = attrgetter("execution_status")
_TARGET_RECORDED = attrgetter("target_recorded")
_EVER_ERROR = attrgetter("ever_error")
BENCHMARK_MAX_BYTES = 16 * 1024 * 1024  # agentv's are a few KiB


@dataclass
class BenchmarkInfo:
    planned_test_count: int | None = None
    eval_file: str | None = None  # as agentv wrote it (absolute), None when absent
    targets: list[str] = field(default_factory=list)
    experiment: str | None = None
    timestamp: str | None = None
    tests_run: list[str] = field(default_factory=list)  # test ids of a finished run's lines
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
    tests_run = meta.get("tests_run")
    if isinstance(tests_run, list):
        info.tests_run = [t for t in tests_run if isinstance(t, str) and t]
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


def _is_dry_run_target(name: str) -> bool:
    return name.endswith(DRY_RUN_SUFFIX) and len(name) > len(DRY_RUN_SUFFIX)


def _base_target(name: str) -> str:
    return name[: -len(DRY_RUN_SUFFIX)] if name.endswith(DRY_RUN_SUFFIX) and len(name) > len(DRY_RUN_SUFFIX) else name


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
    # The reader's suite cache (``SuiteSource``): eval files are loaded only when
    # a prediction is asked for, never for a runs list.
    suites: object | None = field(default=None, repr=False, compare=False)
    _memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _memo_lock: threading.RLock = field(default_factory=threading.RLock, init=False, repr=False, compare=False)

    def memo(self, key: str, compute):
        """``compute()`` once per view (e.g. the API's encoded results), also when
        threads ask at once: a run page opened while the server's start-up
        summarises the same 500,000 records waits for those counts, not
        counts them a second time beside it."""
        value = self._memo.get(key, _MISSING)
        if value is _MISSING:
            with self._memo_lock:
                value = self._memo.get(key, _MISSING)
                if value is _MISSING:
                    value = self._memo[key] = compute()
        return value

    # --- derived -----------------------------------------------------------
    @property
    def records(self):
        return self.snapshot.state.records.values()

    @property
    def planned_records(self):
        """The records agentv counts as cases of this run: dry-run rows left out.

        Sized and iterable, in the run's order (not to be changed): when every
        record is a case, the records' own view, not a list of 500,000 that
        each pass of the garbage collector would walk again."""
        return self.memo("planned_records", self._planned_records)

    def _planned_records(self):
        # `agentv eval run --dry-run` records its rows under `<target>-dry-run`:
        # mock answers, no case of a real run (a --resume --dry-run into an
        # interrupted run leaves them where real rows are missing), and no
        # target agentv could run again.  A run made only with --dry-run has
        # nothing else: its rows are its cases.
        records = self.records
        # A run has a handful of targets: when none is a dry run's, every record is a case.
        if not any(map(_is_dry_run_target, set(map(_TARGET, records)))):
            return records
        real = [r for r in records if not _is_dry_run_target(r.target)]
        return real if real else list(records)

    @property
    def planned_map(self):
        """The planned records by identity ``(test_id, target)``, in their order (read-only)."""
        return self.memo("planned_map", self._planned_map)

    def _planned_map(self):
        planned = self.planned_records
        records = self.snapshot.state.records
        if len(planned) == len(records):
            # Every record is a case: the snapshot's own dict (keyed so, and never
            # changed once handed out), not a copy of 500,000 entries.
            return MappingProxyType(records)
        return MappingProxyType({(r.test_id, r.target): r for r in planned})

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
        return self.snapshot.state.rejected_count

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
        for status, count in Counter(map(_STATUS, self.planned_records)).items():
            counts[status] += count
        counts["missing"] = self.missing
        return counts

    @property
    def will_run(self) -> dict[str, int]:
        """How many cases Resume / Rerun failed of this run would make agentv run."""
        return dict(self.forecast().will_run)

    @property
    def plan(self) -> dict | None:
        """What this tool asked agentv to run, when a job of it made the run."""
        return self.memo("plan", lambda: read_plan(self.run_dir))

    def forecast(self, *, suite_filter: str | None = None, targets=None, test_ids=None) -> Forecast:
        """The launch a Resume / Rerun failed would make and what agentv would run:
        the run's own (memoised), or with what the user gives instead."""
        if (suite_filter is None or suite_filter == self.suite_filter) and not targets and not test_ids:
            # The buttons ask with the run's own suite spelled out: the same
            # forecast (O(records): once per view, not once per question).
            return self.memo("forecast", lambda: self._forecast(self.suite_filter, None, None))
        return self._forecast(suite_filter or self.suite_filter, targets, test_ids)

    def _forecast(self, suite_filter, targets, test_ids) -> Forecast:
        suite_files = self.suites.load(suite_filter) if (self.suites is not None and suite_filter) else None
        records = self.planned_map
        edited = self.suites.edited_after(suite_files, self.benchmark.timestamp) if suite_files else None
        return forecast(records, planned=self.planned, unique=self.unique, recorded_targets=self.targets,
                        suite_files=suite_files, plan=self.plan, tests_run=self.benchmark.tests_run,
                        suite_edited_after_run=edited, experiment=self.experiment, targets=targets,
                        test_ids=test_ids, target_choices=self.suites.target_choices() if self.suites else [])

    @property
    def retry_errors_count(self) -> int:
        """Cases `--retry-errors` from this run would run: agentv retries a test
        id (on every target) when any of its lines is an execution error, and
        the missing cases."""
        return self.memo("retry_errors_count", lambda: len(
            set(map(_TEST_ID, filter(_EVER_ERROR, self.records)))) + self.missing)

    @property
    def targets(self) -> list[str]:
        return list(self.memo("targets", self._targets))

    def _targets(self) -> list[str]:
        # A `<name>-dry-run` target is agentv's mock of `<name>`: never a target to send back.
        seen: dict[str, None] = {}
        # Each recorded target once, in the order the records first name it.
        for target in dict.fromkeys(map(_TARGET, filter(_TARGET_RECORDED, self.planned_records))):
            if target:
                seen.setdefault(_base_target(target), None)
        return list(seen) or list(dict.fromkeys(_base_target(t) for t in self.benchmark.targets))

    @property
    def index_problem(self) -> str | None:
        """Why agentv could not resume from this run's index.jsonl, if it could not."""
        state = self.snapshot.state
        first = state.first_rejected
        if first is not None:
            more = f" (and {state.rejected_count - 1} more)" if state.rejected_count > 1 else ""
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
        """benchmark.json's label, else the folder agentv put the run in (runs/<experiment>/<name>)."""
        if self.benchmark.experiment:
            return self.benchmark.experiment
        parent = self.run_dir.parent
        return parent.name if parent.parent.name == "runs" else None

    def state(self, active: bool = False) -> str:
        if active:
            return "running"
        counts = self.memo("counts", self._counts)
        if counts[EXECUTION_ERROR]:
            return "errored"
        if counts["missing"]:
            return "incomplete"
        return "complete"
