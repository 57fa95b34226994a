"""The project: where `.agentv/` lives, which runs it holds, what RUN means."""

from __future__ import annotations

import functools
import os
import re
import threading
import time
from pathlib import Path

from agentv_resume.errors import NotFound
from agentv_resume.files import read_json_or
from agentv_resume.runs.names import BENCHMARK_NAME, INDEX_NAME, file_stamp

AGENTV_DIR = ".agentv"
RESULTS_DIR = "results"
CACHE_NAME = "cache.json"
# The upward project search never goes above this directory (tests set it).
CEILING_ENV = "STUDIO_RESUME_CEILING"
# Runs live at results/runs/<experiment>/<run>/; a little deeper is tolerated,
# but we never descend into a run (it holds one folder per test case).
_MAX_DEPTH = 4
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_SAFE = re.compile(r"[A-Za-z0-9._][A-Za-z0-9._-]*(?<!-)")
_INDEX_SUFFIX = os.sep + INDEX_NAME
_BENCHMARK_SUFFIX = os.sep + BENCHMARK_NAME
_RELATIVE_CACHE = 20_000
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
MISSING = ("missing",)  # the stamp of a file that is not there
_RACY_SECONDS = 2.0
# Every run's index.jsonl and benchmark.json are stat'ed at least this often;
# in between only those of the runs written lately (see Project.runs).
FULL_CHECK_SECONDS = 1.0
# benchmark.json of a run whose index.jsonl was not written within HOT_SECONDS
# (agentv rewrites it only right after appending) is stat'ed at least this often.
BENCHMARK_CHECK_SECONDS = 10.0
# A run whose index.jsonl was written within this long is "hot": looked at on every list.
HOT_SECONDS = 60.0
HOT_REFRESH_SECONDS = 10.0  # the hot runs of an unchanged project are found again this often


class ProjectNotFound(NotFound):
    """No agentv project where one was looked for (exit 5)."""


class RunNotFound(NotFound):
    """RUN names no run of the project (exit 5)."""


class RunRef:
    """One run as the listing found it: its id, folder, experiment and mtime.

    ``run_dir`` (a Path) is made when first asked for: a listing of 50,000
    runs makes none (``path`` is the same folder as a string).
    """

    __slots__ = ("id", "path", "experiment", "mtime", "index_stamp", "benchmark_stamp", "relative", "_run_dir")

    def __init__(self, id: str, run_dir, experiment: str, mtime: float, index_stamp: tuple | None = None,
                 benchmark_stamp: tuple | None = None, relative: str | None = None):
        self.id = id
        self.path = os.fspath(run_dir)
        self._run_dir = run_dir if isinstance(run_dir, Path) else None
        self.experiment = experiment
        self.mtime = mtime
        # The ``file_stamp``s of index.jsonl and benchmark.json when the run
        # was listed ("missing" for none): RunReader needs no second stat.
        self.index_stamp = index_stamp
        self.benchmark_stamp = benchmark_stamp
        self.relative = relative  # the folder as the user types it from the root, when known

    @property
    def run_dir(self) -> Path:
        if self._run_dir is None:
            self._run_dir = Path(self.path)
        return self._run_dir

    def _key(self):
        return self.id, self.path, self.experiment, self.mtime

    def __eq__(self, other):
        return isinstance(other, RunRef) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self) -> str:
        return f"RunRef(id={self.id!r}, run_dir={self.path!r}, experiment={self.experiment!r}, mtime={self.mtime!r})"


def _agentv_home() -> Path | None:
    home = os.environ.get("AGENTV_HOME")
    try:
        return Path(home).expanduser().resolve() if home else (Path.home() / AGENTV_DIR).resolve()
    except (OSError, RuntimeError):
        return None


def _is_project(candidate: Path, agentv_home: Path | None) -> bool:
    agentv_dir = candidate / AGENTV_DIR
    if not agentv_dir.is_dir():
        return False
    # agentv keeps its own settings in ~/.agentv (AGENTV_HOME): that makes the
    # home directory a project only if agentv was also run there.
    if agentv_home is not None and agentv_dir.resolve() == agentv_home:
        return (agentv_dir / RESULTS_DIR).is_dir() or (agentv_dir / CACHE_NAME).is_file()
    return True


def find_project_root(explicit: Path | None = None, start: Path | None = None) -> Path:
    """--project DIR, else the nearest directory at or above ``start`` holding .agentv/.

    The search stops at a ceiling (``search_ceiling``), so a stray ``.agentv``
    far above (one left in the system's temporary directory by an agentv run
    there) is never taken for the user's project.
    """
    if explicit is not None:
        root = Path(explicit).expanduser().resolve()
        if not (root / AGENTV_DIR).is_dir():
            raise ProjectNotFound(f"{root} is not an agentv project (it has no {AGENTV_DIR}/ directory)")
        return root
    here = Path(start or Path.cwd()).resolve()
    agentv_home = _agentv_home()
    candidates, stop, why = _upward(here)
    for candidate in candidates:
        if _is_project(candidate, agentv_home):
            return candidate
    above = f"{here}" if stop == here else f"{here} or above it up to {stop}"
    raise ProjectNotFound(
        f"no agentv project here: no {AGENTV_DIR}/ directory in {above} "
        f"(the search stops at {why}; use --project DIR)"
    )


def _device(path: Path) -> int | None:
    try:
        return os.stat(path).st_dev
    except OSError:
        return None


def _ceiling_from_env() -> Path | None:
    raw = os.environ.get(CEILING_ENV, "").strip()
    if not raw:
        return None
    try:
        return Path(raw).expanduser().resolve()
    except (OSError, RuntimeError):
        return None


def _home() -> Path | None:
    try:
        return Path.home().resolve()
    except (OSError, RuntimeError, KeyError):  # no HOME and no passwd entry
        return None


def _upward(here: Path) -> tuple[list[Path], Path, str]:
    """The directories the search looks in (``here`` first), where it stops, and why.

    Ceilings, each only when ``here`` lies inside it, the nearest first:
    $STUDIO_RESUME_CEILING, the user's home, and the last directory before a
    filesystem boundary (another st_dev: a mount point).  A ceiling is itself
    searched; nothing above it is.
    """
    ceilings = {}
    for path, why in ((_ceiling_from_env(), CEILING_ENV), (_home(), "your home directory")):
        if path is not None and (path == here or path in here.parents):
            ceilings.setdefault(path, why)
    out: list[Path] = []
    candidate, device = here, _device(here)
    while True:
        out.append(candidate)
        if candidate in ceilings:
            return out, candidate, f"{ceilings[candidate]} ({candidate})"
        parent = candidate.parent
        if parent == candidate:
            return out, candidate, "the filesystem's root"
        parent_device = _device(parent)
        if device is not None and parent_device is not None and parent_device != device:
            return out, candidate, f"a filesystem boundary ({candidate} is a mount point)"
        candidate, device = parent, parent_device


@functools.lru_cache(maxsize=4096)
def url_safe(text: str, fallback: str = "run") -> str:
    """``text`` with each run of characters other than ``A-Za-z0-9._-`` made one ``-``."""
    return _UNSAFE.sub("-", text).strip("-") or fallback


def unique(wanted: str, taken: set[str]) -> str:
    """``wanted``, else ``wanted-2``, ``wanted-3``...: the first not in ``taken`` (added to it)."""
    candidate, n = wanted, 2
    while candidate in taken:
        candidate, n = f"{wanted}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _experiment(parts: tuple[str, ...]) -> str:
    """The folders between results/ and a run (less a leading runs/), joined: agentv's experiment."""
    if parts and parts[0] == "runs":
        parts = parts[1:]
    return "-".join(parts) or "default"


def _safe_name(name: str) -> str:
    # Most names (agentv's timestamps) are safe already: no regex substitution.
    return name if _SAFE.fullmatch(name) else url_safe(name)


def _ids(found) -> list[tuple[str, str]]:
    """(run id, experiment) of each run, ``found`` sorted by path: the directory
    name, made URL-safe; ``<experiment>--<name>`` when two runs share it;
    ``-2``, ``-3``... if still taken."""
    names: dict[str, int] = {}
    safe_names = [_safe_name(item[2]) for item in found]
    for safe in safe_names:
        names[safe] = names.get(safe, 0) + 1
    out: list[tuple[str, str]] = []
    taken: set[str] = set()
    experiments: dict[tuple, str] = {}
    for item, safe in zip(found, safe_names):
        parts = item[1]
        experiment = experiments.get(parts)
        if experiment is None:
            experiment = experiments[parts] = _experiment(parts)
        wanted = safe if names[safe] == 1 else f"{url_safe(experiment)}--{safe}"
        if wanted in taken:
            wanted = unique(wanted, taken)
        else:
            taken.add(wanted)
        out.append((wanted, experiment))
    return out


def _stat_run(path: str) -> tuple[os.stat_result, tuple | None] | None:
    """(index.jsonl's stat, benchmark.json's stamp: MISSING when absent, None
    when it cannot be stat'ed) of the run at ``path``; None: no index.jsonl."""
    try:
        st = os.stat(path + _INDEX_SUFFIX)
    except OSError:
        return None
    try:
        benchmark = file_stamp(os.stat(path + _BENCHMARK_SUFFIX))
    except FileNotFoundError:
        benchmark = MISSING
    except OSError:
        benchmark = None
    return st, benchmark


def _folders_unchanged(walked: dict, started: float) -> bool:
    """Whether every folder a walk went through (``walked``: path ->
    (device, inode, mtime_ns)) is as it was: a run that comes or goes
    changes its parent."""
    for directory, stamp in walked.items():
        try:
            st = os.stat(directory)
        except OSError:
            return False
        # A folder changed close to the walk may change again unseen within its mtime's tick.
        if (st.st_dev, st.st_ino, st.st_mtime_ns) != stamp or started - stamp[2] / 1e9 < _RACY_SECONDS:
            return False
    return True


def _hot_runs(refs) -> list[tuple]:
    """(path, index.jsonl's stamp, benchmark.json's) of the runs looked at on
    every list: written within HOT_SECONDS (or racy), or without a readable
    benchmark.json stamp (a run agentv may still be writing)."""
    recent_ns = time.time_ns() - int(max(HOT_SECONDS, _RACY_SECONDS) * 1e9)
    hot = []
    for ref in refs:
        index, benchmark = ref.index_stamp, ref.benchmark_stamp
        if (index is None or index[3] > recent_ns or type(benchmark) is not tuple or len(benchmark) != 4
                or benchmark[3] > recent_ns):
            hot.append((ref.path, index, benchmark))
    return hot


def _newest_first(ref: RunRef):
    return -ref.mtime, ref.id


def _first(item):
    return item[0]


class Project:
    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        self.agentv_dir = self.root / AGENTV_DIR
        self.results_dir = self.agentv_dir / RESULTS_DIR
        self._relative: dict[str, str] = {}
        self._refs: dict[str, RunRef] = {}
        self._results_rel: str | None = None
        self._by_id: dict[str, RunRef] = {}
        self._walked: tuple[dict, float] | None = None
        self._named: tuple[list[str], list[tuple[str, str]]] | None = None
        self._sorted: list[RunRef] | None = None  # the last walk's refs, newest first
        self._state_lock = threading.Lock()  # _refs, _sorted, _by_id and _walked change together
        self._version = 0  # bumped when a run page replaces one ref (_known_run)
        self._walk_order: list[str] | None = None  # the runs' paths in the order the last walk found them
        self._hot: list[tuple] | None = None  # (path, index stamp, benchmark stamp) of the last walk's hot runs
        self._hot_at = float("-inf")  # when _hot was made (monotonic)
        self._listings: dict[str, tuple[tuple, list[str]]] = {}  # folder -> (its stamp, its folders)
        self._benchmarks_checked = float("-inf")  # when every benchmark.json was last stat'ed (monotonic)
        self._full_checked = float("-inf")  # when every index.jsonl was last stat'ed (monotonic)
        # Run directories that callers know of beyond results/ (the CLI: those its
        # jobs worked on), as a callable: asked only when a RUN is looked up or listed.
        self.extra_run_dirs = None

    # --- discovery ---------------------------------------------------------
    def _run_dirs(self, benchmarks: bool = True, walked: dict | None = None,
                  known: dict | None = None) -> list[tuple[str, tuple[str, ...], str, tuple, float, tuple]]:
        """(path, folders between results/ and the run, name, index.jsonl's
        stamp, its mtime, benchmark.json's stamp) of every run.

        Plain strings, and two stats per run relative to an open folder (not
        a whole path each): this runs on every runs-list request.
        ``walked``: filled with each folder walked -> (device, inode, mtime_ns),
        taken before it is listed (a run that comes or goes changes them).
        ``known``: {path: RunRef} of a walk less than BENCHMARK_CHECK_SECONDS
        ago; a run whose index.jsonl it saw unchanged, and not written within
        HOT_SECONDS, keeps the benchmark.json stamp it saw (not stat'ed
        again) unless that was missing or racy.
        """
        found: list = []
        stat = os.stat
        now_ns = time.time_ns()
        fresh_ns = now_ns - int(_RACY_SECONDS * 1e9)  # a stamp newer than this is racy
        hot_ns = now_ns - int(max(HOT_SECONDS, _RACY_SECONDS) * 1e9)  # an index.jsonl newer than this is hot

        listings = self._listings
        known_get = known.get if known is not None else None

        def walk(fd: int, directory: str, parts: tuple[str, ...], depth: int) -> None:
            st = os.fstat(fd)
            folder = (st.st_dev, st.st_ino, st.st_mtime_ns)
            if walked is not None:
                walked[directory] = folder
            # A folder unchanged since it was last listed (and not changed
            # within the last two seconds) holds the same folders.
            listed = listings.get(directory)
            if listed is not None and listed[0] == folder and folder[2] < fresh_ns:
                entries = listed[1]
            else:
                try:
                    with os.scandir(fd) as listing:
                        entries = [entry.name for entry in listing if entry.is_dir(follow_symlinks=False)]
                except OSError:
                    return
                listings[directory] = (folder, entries)
            prefix = directory + os.sep
            for name in entries:
                try:
                    st = stat(name + _INDEX_SUFFIX, dir_fd=fd)
                except OSError:
                    if depth < _MAX_DEPTH:
                        try:
                            child = os.open(name, _DIR_FLAGS, dir_fd=fd)
                        except OSError:
                            continue
                        try:
                            walk(child, prefix + name, (*parts, name), depth + 1)
                        finally:
                            os.close(child)
                    continue
                path = prefix + name
                stamp = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)  # file_stamp, inline: 50,000 calls
                benchmark = None  # unknown: the reader looks again
                if benchmarks:
                    ref = known_get(path) if known_get is not None else None
                    seen = ref.benchmark_stamp if ref is not None else None
                    if (seen is not None and ref.index_stamp == stamp and stamp[3] < hot_ns
                            and len(seen) == 4 and seen[3] < fresh_ns):
                        benchmark = seen
                    else:
                        try:
                            bst = stat(name + _BENCHMARK_SUFFIX, dir_fd=fd)
                            benchmark = (bst.st_dev, bst.st_ino, bst.st_size, bst.st_mtime_ns)
                        except FileNotFoundError:
                            benchmark = MISSING
                        except OSError:
                            pass
                found.append((path, parts, name, stamp, st.st_mtime, benchmark))

        top = os.fspath(self.results_dir)
        try:
            fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError:
            return found
        try:
            walk(fd, top, (), 1)
        finally:
            os.close(fd)
        return found

    def _results_relative(self) -> str:
        """results/ as the user types it from the root (resolved once: it may be a link)."""
        if self._results_rel is None:
            try:
                self._results_rel = self.results_dir.resolve().relative_to(self.root).as_posix()
            except (OSError, RuntimeError, ValueError):
                self._results_rel = ""  # outside the root: paths are shown resolved, one by one
        return self._results_rel

    def runs(self, *, benchmarks: bool = True, walked: dict | None = None) -> list[RunRef]:
        """Every run, newest first, with ids unique within the project.

        ``benchmarks=False``: without benchmark.json's stamp (a <TAB> wants
        ids only: one stat per run, not two).  ``walked``: see ``_run_dirs``.

        What a call costs is what changed: every run's index.jsonl is
        stat'ed at most every FULL_CHECK_SECONDS (and its benchmark.json
        then only when index.jsonl changed or was written within
        HOT_SECONDS, when benchmark.json was missing or just written, or
        every BENCHMARK_CHECK_SECONDS).  In between, a call stats the folders
        the last walk went through (a run that comes or goes changes its
        parent) and the files of the *hot* runs only: those whose
        index.jsonl was written within HOT_SECONDS, whose benchmark.json is
        missing (a run agentv may still be writing) or just written; when
        none changed it returns the last list.  So a runs list polled by 50
        tabs makes a few dozen system calls, not 4,000; what it can show up
        to FULL_CHECK_SECONDS late is a run idle for a minute that agentv
        appends to again (a resume started from a terminal); a hand edit of
        an idle run's benchmark.json, up to BENCHMARK_CHECK_SECONDS late.
        A launch or a Stop of this tool changes the jobs, not these files.
        """
        now = time.monotonic()
        if benchmarks and walked is None and now - self._full_checked < FULL_CHECK_SECONDS:
            unchanged = self._unchanged_since_last_walk()
            if unchanged is not None:
                return unchanged
        walked = {} if walked is None else walked
        started = time.time()
        known = self._refs if benchmarks and now - self._benchmarks_checked < BENCHMARK_CHECK_SECONDS else None
        found = self._run_dirs(benchmarks, walked, known)
        if benchmarks:
            self._full_checked = now
            if known is None:
                self._benchmarks_checked = now
        with self._state_lock:  # what the last published walk saw: refs by path, and in order
            previous, previous_sorted, version, walk_order = self._refs, self._sorted, self._version, self._walk_order
        walk_paths = [item[0] for item in found]
        if previous_sorted is not None and walk_paths == walk_order and self._unchanged(found, previous):
            # The same runs, found in the same order, with the same stamps (a
            # runs list polled while nothing is written): the last list.
            with self._state_lock:
                if self._version == version and self._refs is previous:
                    self._walked = (walked, started) if benchmarks else None
                    if benchmarks and (self._hot is None or now - self._hot_at > HOT_REFRESH_SECONDS):
                        # Unchanged runs only cool down: a run still in the set costs one more stat.
                        self._hot, self._hot_at = _hot_runs(previous_sorted), now
                    return list(previous_sorted)
        found.sort(key=_first)
        paths = [item[0] for item in found]
        named = self._named
        same_runs = named is not None and named[0] == paths
        if not same_runs:  # a run came or went: ids may change
            named = self._named = (paths, _ids(found))
        kept: dict[str, RunRef] = {}
        results_rel = self._results_relative()
        cut = len(os.fspath(self.results_dir)) + 1
        for (path, _, _, stamp, mtime, benchmark), (run_id, experiment) in zip(found, named[1]):
            ref = previous.get(path)
            if ref is None or ref.id != run_id or ref.index_stamp != stamp or ref.benchmark_stamp != benchmark:
                # Below results/ the walk follows no link: the path is its own
                # resolved path, and relative to the root by text.
                relative = None
                if results_rel:
                    relative = f"{results_rel}/{path[cut:]}"
                    if os.sep != "/":
                        relative = relative.replace(os.sep, "/")
                ref = RunRef(run_id, path, experiment, mtime, stamp, benchmark, relative)
            kept[path] = ref
        refs = sorted(kept.values(), key=_newest_first)
        by_id = {ref.id: ref for ref in refs}
        with self._state_lock:
            # Published only over the state this walk started from: a slower,
            # older walk never replaces what a newer one found.
            if self._refs is previous and self._version == version:
                # The refs of an unchanged run are reused: no new object per run per call.
                self._refs, self._sorted, self._by_id = kept, refs, by_id
                self._walked = (walked, started) if benchmarks else None
                self._hot, self._hot_at = (_hot_runs(refs) if benchmarks else None), now
                self._walk_order = walk_paths
        return list(refs)

    def _unchanged_since_last_walk(self) -> list[RunRef] | None:
        """The last walk's list when none of its folders and none of its hot
        runs' files changed since; None: walk again."""
        with self._state_lock:
            previous_sorted, version, walked_state, hot = self._sorted, self._version, self._walked, self._hot
        if previous_sorted is None or walked_state is None or hot is None:
            return None
        if not _folders_unchanged(*walked_state):
            return None
        for path, index, benchmark in hot:
            now = _stat_run(path)
            if now is None or file_stamp(now[0]) != index or now[1] != benchmark:
                return None
        with self._state_lock:
            if self._version == version and self._sorted is previous_sorted:
                return list(previous_sorted)
        return None

    @staticmethod
    def _unchanged(found, previous: dict) -> bool:
        """Whether every run of ``found`` is in ``previous`` with the same stamps."""
        get = previous.get
        for path, _, _, stamp, _, benchmark in found:
            ref = get(path)
            if ref is None or ref.index_stamp != stamp or ref.benchmark_stamp != benchmark:
                return False
        return True

    def _known_run(self, run_id: str) -> RunRef | None:
        """The run with this id as the last walk named it, when no folder that
        walk went through has changed since (a run that comes or goes changes
        its parent): a few stats, not one per run.  None: walk again."""
        walked_state = self._walked  # read once: another thread's walk may replace it
        if walked_state is None or not _folders_unchanged(*walked_state):
            return None
        ref = self._by_id.get(run_id)
        if ref is None:
            return None
        now = _stat_run(ref.path)
        if now is None:
            return None
        st, benchmark = now
        stamp = file_stamp(st)
        if stamp != ref.index_stamp or benchmark != ref.benchmark_stamp:
            ref = RunRef(ref.id, ref.path, ref.experiment, st.st_mtime, stamp, benchmark, ref.relative)
            with self._state_lock:
                self._refs[ref.path] = self._by_id[ref.id] = ref
                self._sorted = None  # the next walk builds its list again (this ref replaced one in it)
                self._version += 1  # and a walk under way does not take its old list for current
        return ref

    def outside_runs(self, refs: list[RunRef] | None = None) -> list[RunRef]:
        """Runs written with `--output` outside .agentv/results/ that agentv's
        cache.json (its last run) or ``extra_run_dirs`` point at; their ids are
        made unique among ``refs`` (``runs()``), never changing those."""
        refs = self.runs() if refs is None else refs
        extra = self.extra_run_dirs() if self.extra_run_dirs is not None else ()
        last = self.last_run_dir()
        if last is None and not extra:
            return []
        taken: set[str] | None = None  # the listed ids: made only when a run outside results/ is found
        results = _resolved(self.results_dir)
        out: list[RunRef] = []
        seen: set[Path] = set()
        for directory in (last, *extra):
            if directory is None:
                continue
            try:
                path = _resolved(Path(directory))
                if path in seen or path == results or results in path.parents:
                    continue  # below results/: the walk lists it
                seen.add(path)
                st = os.stat(path / INDEX_NAME)
            except (OSError, ValueError):  # gone, or no path at all (a NUL, a lone surrogate in cache.json)
                continue
            stamp = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
            if taken is None:
                taken = {ref.id for ref in refs}
            out.append(RunRef(unique(url_safe(path.name), taken), path, "", st.st_mtime, stamp))
        return out

    def all_runs(self) -> list[RunRef]:
        """``runs()`` and ``outside_runs()``, newest first."""
        refs = self.runs()
        outside = self.outside_runs(refs)
        return sorted(refs + outside, key=_newest_first) if outside else refs

    def run_by_id(self, run_id: str) -> RunRef | None:
        """The run with this id: from the last walk while no folder changed
        (a run page of a 50,000-run project walks no 50,000 runs), else by a
        walk; else a run agentv wrote with --output elsewhere (outside_runs)."""
        known = self._known_run(run_id)
        if known is not None:
            return known
        refs = self.runs()
        for ref in refs:
            if ref.id == run_id:
                return ref
        for ref in self.outside_runs(refs):
            if ref.id == run_id:
                return ref
        return None

    def run_by_dir(self, run_dir: Path, refs: list[RunRef] | None = None) -> RunRef | None:
        """The run at ``run_dir``; ``refs``: ``runs()`` when the caller has it (a jobs list)."""
        refs = self.runs() if refs is None else refs
        # A job records its run directory resolved, as the listing finds it:
        # the same string matches without resolving every run's path.
        key = os.fspath(run_dir)
        for ref in refs:
            if ref.path == key:
                return ref
        target = _resolved(run_dir)
        for ref in refs:
            if _resolved(ref.run_dir) == target:
                return ref
        return None

    def listed_path(self, run_dir: str) -> str | None:
        """The path the last walk listed the run in ``run_dir`` at, or None.

        A job records its run directory resolved; the walk lists runs below
        results/ as reached from the root, which differs only when
        ``.agentv/results`` (or a folder above it) is a link."""
        if run_dir in self._refs:
            return run_dir
        try:
            real_results, real = os.path.realpath(self.results_dir), os.path.realpath(run_dir)
        except (OSError, ValueError):
            return None
        if real.startswith(real_results + os.sep):
            candidate = os.fspath(self.results_dir) + real[len(real_results):]
            if candidate in self._refs:
                return candidate
        return None

    # --- cache.json ----------------------------------------------------------
    def last_run_dir(self) -> Path | None:
        """Where agentv's `.agentv/cache.json` points (`lastRunDir`), if anywhere."""
        data = read_json_or(self.agentv_dir / CACHE_NAME, 1024 * 1024)
        last = data.get("lastRunDir") if isinstance(data, dict) else None
        if not isinstance(last, str) or not last.strip():
            return None
        path = Path(last)
        return path if path.is_absolute() else self.root / path

    def cached_run(self) -> RunRef | None:
        """The run agentv's .agentv/cache.json names (what `agentv eval run --resume` picks)."""
        last = self.last_run_dir()
        try:
            if last is None or not (last / INDEX_NAME).exists():
                return None
        except (OSError, ValueError):  # a name too long, a NUL, a lone surrogate: no run agentv wrote
            return None
        return self.run_by_dir(last) or RunRef(last.name, last, "", 0.0)

    def last_run(self) -> RunRef | None:
        """`last`: the newest run (its index.jsonl written last).  Not cache.json's run: agentv
        writes that only when a run finishes, so after a Ctrl-C it names an older one."""
        try:
            refs = self.all_runs()  # a run written outside results/ (cache.json's, a job's) counts too
        except (OSError, ValueError):  # cache.json names a path no file system holds (a NUL...)
            refs = self.runs()
        return refs[0] if refs else None

    def last_note(self, ref: RunRef | None = None) -> str | None:
        """What to say when `last` (``ref``) is not the run agentv's cache.json names."""
        ref = ref or self.last_run()
        cached = self.cached_run()
        if ref is None or (cached is not None and _resolved(cached.run_dir) == _resolved(ref.run_dir)):
            return None
        named = f"names {cached.id}" if cached is not None else "names no existing run"
        return (f"`last` is the newest run, {ref.id}; agentv's .agentv/cache.json {named} (agentv writes it only "
                "when a run finishes, so not after a Ctrl-C)")

    # --- RUN arguments -------------------------------------------------------
    def resolve_run(self, arg: str | None) -> RunRef:
        """RUN: a run id, a run directory, its index.jsonl, or `last` (the default)."""
        arg = (arg or "last").strip() or "last"
        if arg == "last":
            ref = self.last_run()
            if ref is None:
                raise RunNotFound(f"no last run: {self.root} holds no run yet (name a run id or directory)")
            return ref
        refs = self.runs()
        for ref in refs:
            if ref.id == arg:
                return ref
        outside = self.outside_runs(refs)
        for ref in outside:
            if ref.id == arg:
                return ref
        refs = refs + outside
        path = self._run_path(arg)
        if path is not None:
            return self.run_by_dir(path, refs) or RunRef(url_safe(path.name), path.resolve(), "", 0.0)
        named = [ref for ref in refs if ref.run_dir.name == arg or ref.id.endswith("--" + arg)]
        if len(named) == 1:
            return named[0]
        if named:
            raise RunNotFound(f"{arg!r} names {len(named)} runs in {self.root}: "
                              f"{', '.join(ref.id for ref in named)} (give one of these ids)")
        raise RunNotFound(f"no run {arg!r} in {self.root}" + _did_you_mean(arg, [ref.id for ref in refs]))

    def _run_path(self, arg: str) -> Path | None:
        """RUN as a path: relative to the working directory, else to the project root."""
        path = Path(arg).expanduser()
        candidates = [path] if path.is_absolute() else [Path.cwd() / path, self.root / path]
        for candidate in candidates:
            if candidate.name == INDEX_NAME:
                candidate = candidate.parent
            try:
                if (candidate / INDEX_NAME).exists():
                    return candidate
            except OSError:  # a name too long to be a run
                continue
        return None

    def relative(self, path: Path) -> str:
        """A path as the user would type it from the project root.

        Remembered per path: a runs list asks it for every run on every
        request, and resolving costs a system call per path component.
        """
        key = os.fspath(path)
        ref = self._refs.get(key)
        if ref is not None and ref.relative is not None:
            return ref.relative
        text = self._relative.get(key)
        if text is None:
            try:
                text = Path(path).resolve().relative_to(self.root).as_posix()
            except ValueError:
                text = str(path)
            if len(self._relative) >= _RELATIVE_CACHE:
                self._relative.clear()
            self._relative[key] = text
        return text

    def contains(self, path: Path) -> bool:
        resolved = _resolved(path)
        return resolved == self.root or self.root in resolved.parents


def _did_you_mean(arg: str, ids: list[str]) -> str:
    """`; did you mean errored?` for a mistyped run id, else a hint."""
    import difflib

    close = difflib.get_close_matches(arg, ids, n=3, cutoff=0.6)
    if close:
        return f"; did you mean {' or '.join(close)}?"
    return " (`studio-resume runs` lists them; a run directory or its index.jsonl works too)"


def _resolved(path: Path) -> Path:
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(path))
