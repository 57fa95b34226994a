"""``RunReader``: the read side's cache.  A run is re-read only when one of its files changed."""

from __future__ import annotations

import os
import stat
import threading
import time
from pathlib import Path

from agentv_resume.runs.run import BENCHMARK_NAME, INDEX_NAME, BenchmarkInfo, RunView, read_benchmark, suite_filter_for
from agentv_resume.runs.scanner import IndexScanner, IndexSnapshot
from agentv_resume.runs.suites import SuiteSource, discover_multi_file_suite

# A deleted (or restored) suite file shows within this long.
SUITE_CHECK_SECONDS = 1.0


class RunReader:
    """Reads runs, re-reading only what changed.

    index.jsonl: its scanner reads only appended bytes (and nothing when
    inode, size and mtime are unchanged); benchmark.json: re-read when its
    inode, size or mtime changed; the suite file: stat'ed at most once a
    second (it may be deleted) and resolved once.  While all three say the
    same, ``read`` returns the very same ``RunView``.
    """

    def __init__(self, project_root: Path):
        self.project_root = Path(project_root)
        self._root = os.fspath(self.project_root)
        self._entries: dict[str, _RunEntry] = {}
        self._suites: dict[tuple, tuple[str | None, str | None]] = {}
        self._suite_checked: dict[str, tuple[float, tuple[str | None, str | None]]] = {}
        self._lock = threading.Lock()
        self.suites = SuiteSource(self.project_root)

    def read(self, run_dir: Path, index_stamp: tuple | None = None) -> RunView:
        """``index_stamp``: index.jsonl's (inode, size, mtime_ns) if just stat'ed
        (``RunRef.index_stamp``)."""
        key = run_dir if type(run_dir) is str else os.fspath(run_dir)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = _RunEntry(key)
            snapshot = entry.scanner.scan(index_stamp)  # the same object while the file is unchanged
            benchmark = self._benchmark(entry)
            suite = self._suite(benchmark.eval_file)
            view = entry.view
            if view is not None and entry.snapshot is snapshot:
                if view.benchmark is benchmark and (entry.suite is suite or entry.suite == suite):
                    return view
                frozen = view.snapshot
            else:
                # The scanner's state changes on its next scan (maybe in
                # another thread): a view keeps a copy, made once per change.
                frozen = snapshot.frozen()
            view = RunView(run_dir if isinstance(run_dir, Path) else Path(run_dir), frozen, benchmark, *suite,
                           suites=self.suites)
            if benchmark.eval_file is not None and not benchmark.eval_file.strip():
                # A run over several eval files: agentv wrote eval_file "", the lines name their suites.
                found = discover_multi_file_suite(view, self.suites)
                if found[0] is not None or found[1] != view.suite_reason:
                    view = RunView(view.run_dir, frozen, benchmark, *found, suites=self.suites)
            entry.snapshot, entry.suite, entry.view = snapshot, suite, view
            return view

    def _benchmark(self, entry: "_RunEntry") -> BenchmarkInfo:
        try:
            st = os.stat(entry.benchmark_path)
            stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
        except FileNotFoundError:
            stamp = ("missing",)  # a run agentv never finished: read once, not per request
        except (OSError, ValueError):
            stamp = None
        if stamp is not None and stamp == entry.benchmark_stamp:
            return entry.benchmark
        info = read_benchmark(Path(entry.key))
        entry.benchmark_stamp, entry.benchmark = stamp, info
        return info

    def _suite(self, eval_file: str | None) -> tuple[str | None, str | None]:
        """``suite_filter_for``, resolved once per file, its existence checked at
        most every ``SUITE_CHECK_SECONDS`` (2,000 runs share a handful of suite files)."""
        if eval_file is None or not eval_file.strip():
            return suite_filter_for(eval_file, self.project_root)
        now = time.monotonic()
        checked = self._suite_checked.get(eval_file)
        if checked is not None and now - checked[0] < SUITE_CHECK_SECONDS:
            return checked[1]
        result = self._suite_now(eval_file)
        self._suite_checked[eval_file] = (now, result)
        return result

    def _suite_now(self, eval_file: str) -> tuple[str | None, str | None]:
        try:
            st = os.stat(os.path.join(self._root, eval_file))  # an absolute eval_file stays itself
        except (OSError, ValueError):
            st = None
        if st is None or not stat.S_ISREG(st.st_mode):
            return suite_filter_for(eval_file, self.project_root)  # says why it is unusable
        stamp = (eval_file, st.st_dev, st.st_ino)
        cached = self._suites.get(stamp)
        if cached is None:
            cached = self._suites[stamp] = suite_filter_for(eval_file, self.project_root)
        return cached


class _RunEntry:
    """What RunReader keeps of one run: its scanner, and what its last view was made of."""

    __slots__ = ("key", "scanner", "benchmark_path", "benchmark_stamp", "benchmark", "snapshot", "suite", "view")

    def __init__(self, key: str):
        self.key = key
        self.scanner = IndexScanner(Path(key) / INDEX_NAME)
        self.benchmark_path = os.path.join(key, BENCHMARK_NAME)
        self.benchmark_stamp: tuple | None = None
        self.benchmark: BenchmarkInfo | None = None
        self.snapshot: IndexSnapshot | None = None
        self.suite: tuple[str | None, str | None] | None = None
        self.view: RunView | None = None


def read_run(run_dir: Path, project_root: Path) -> RunView:
    return RunReader(project_root).read(run_dir)
