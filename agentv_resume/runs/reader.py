"""``RunReader``: the read side's cache.  A run is re-read only when one of its files changed.

Two ways in:

- ``read(run_dir)``: one run's ``RunView`` (a run page, ``inspect``, a
  launch).  Its scanner is kept, so a growing run is read incrementally.
- ``list_runs(refs, ...)``: the runs list.  Each run's summary is kept in
  memory and, when the reader has a ``SummaryStore``, on disk: a server
  started on 50,000 runs lists them from the saved summaries without
  reading one ``index.jsonl``, and reads again only the runs whose files
  changed.  A run the list reads for the first time is read once and not
  kept (50,000 views would not fit); one that changes while the server
  watches it gets a kept scanner, like a run page.

Locks: one per run, held while that run is read, so a slow run (millions
of lines) delays only the requests for it; the reader's own lock guards
only its dicts.  The list never waits for a run that another thread is
reading when it has a summary of it already: it shows that one.
"""

from __future__ import annotations

import hashlib
import json
import operator
import os
import re
import stat
import sys
import threading
import time
from pathlib import Path

from agentv_resume.runs import report
from agentv_resume.runs.run import BENCHMARK_NAME, INDEX_NAME, BenchmarkInfo, RunView, read_benchmark, suite_filter_for
from agentv_resume.runs.scanner import IndexScanner, IndexSnapshot, file_stamp
from agentv_resume.runs.suites import SuiteSource, discover_multi_file_suite
from agentv_resume.runs.summaries import SummaryStore

# A deleted (or restored) suite file shows within this long.
SUITE_CHECK_SECONDS = 1.0
# A file changed this recently may change again within its mtime's
# granularity and keep its stamp: its summary is not saved to disk yet.
RACY_SECONDS = 2.0
# The summary keys the list sets itself (they change without a file changing).
_LIVE_KEYS = ("id", "state", "active_job")
_MISSING_STAMP = ("missing",)


class RunReader:
    """Reads runs, re-reading only what changed.

    index.jsonl: its scanner reads only appended bytes (and nothing when
    its stamp is unchanged); benchmark.json: re-read when its stamp
    changed; the suite file: stat'ed at most once a second (it may be
    deleted) and resolved once.  While all three say the same, ``read``
    returns the very same ``RunView``.

    ``store``: where summaries are saved between starts (the server's;
    ``None``: kept in memory only).
    """

    def __init__(self, project_root: Path, store: SummaryStore | None = None):
        self.project_root = Path(project_root)
        self._root = os.fspath(self.project_root)
        self._entries: dict[str, _RunEntry] = {}
        self._suites: dict[tuple, tuple[str | None, str | None]] = {}
        self._suite_checked: dict[str, tuple[float, tuple[str | None, str | None]]] = {}
        self._lock = threading.Lock()  # guards the dicts only, never a read
        self.suites = SuiteSource(self.project_root)
        self._store = store
        self._saved: dict[str, tuple[str, str]] | None = None  # loaded once, emptied as runs are listed
        # The last list: (its refs, its answer, its active jobs, its suite files' stamps).
        self._last_list: tuple | None = None
        self._listed: dict[str, _Summary] = {}

    def close(self) -> None:
        """No more saving of summaries (the server is exiting)."""
        if self._store is not None:
            self._store.shut()

    # --- one run ------------------------------------------------------------------
    def read(self, run_dir: Path, index_stamp: tuple | None = None, *, wait: bool = True) -> RunView | None:
        """``index_stamp``: index.jsonl's ``file_stamp`` if just stat'ed
        (``RunRef.index_stamp``).  ``wait=False``: None at once when another
        thread is reading this run."""
        key = run_dir if type(run_dir) is str else os.fspath(run_dir)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = _RunEntry(key)
            else:
                entry.kept = True  # a run the list is reading for the first time: opened, so kept
        if not entry.lock.acquire(blocking=wait):
            return None
        try:
            return self._view(entry, run_dir, index_stamp)
        finally:
            entry.lock.release()

    def _view(self, entry: "_RunEntry", run_dir, index_stamp: tuple | None) -> RunView:
        snapshot = entry.scanner.scan(index_stamp)  # the same object while the file is unchanged
        benchmark = self._benchmark(entry)
        suite = self._suite(benchmark.eval_file)
        view = entry.view
        if view is not None and entry.snapshot is snapshot and view.benchmark is benchmark and (
                entry.suite is suite or entry.suite == suite):
            return view
        # The scanner never changes a state it handed out (snapshots=True).
        view = RunView(run_dir if isinstance(run_dir, Path) else Path(run_dir), snapshot, benchmark, *suite,
                       suites=self.suites)
        if benchmark.eval_file is not None and not benchmark.eval_file.strip():
            # A run over several eval files: agentv wrote eval_file "", the lines name their suites.
            found = discover_multi_file_suite(view, self.suites)
            if found[0] is not None or found[1] != view.suite_reason:
                view = RunView(view.run_dir, snapshot, benchmark, *found, suites=self.suites)
        entry.snapshot, entry.suite, entry.view = snapshot, suite, view
        return view

    def _benchmark(self, entry: "_RunEntry") -> BenchmarkInfo:
        try:
            stamp = file_stamp(os.stat(entry.benchmark_path))
        except FileNotFoundError:
            stamp = _MISSING_STAMP  # a run agentv never finished: read once, not per request
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

    # --- the runs list ------------------------------------------------------------
    def list_runs(self, refs, project, active: dict) -> tuple[list["Listed"], bool]:
        """One summary per run of ``refs`` (``Project.runs()``), in their order.

        ``active``: {run path: id of the job running on it}.
        Returns (summaries, whether every run could be read).  While a
        run's files and job are unchanged it gives the very same summary
        object, so a caller can tell an unchanged list by identity.
        """
        last = self._last_list
        if (last is not None and last[2] == active and len(last[0]) == len(refs)
                and all(map(operator.is_, last[0], refs)) and self._suites_unchanged(last[3])):
            # The very runs of the last list (Project.runs gives the same refs
            # while their files are unchanged), the same jobs, the same suite
            # files: the same answer, without a look at each run.
            return last[1], True
        suites: dict[str, str] = {}  # each suite file's stamp, once per list
        out, readable, settled = self._list_runs(refs, project, active, suites)
        # Kept only when nothing is left to do on an unchanged list (every
        # summary saved that can be): else the next list looks at each run.
        self._last_list = (list(refs), out, dict(active), suites) if readable and settled else None
        return out, readable

    def _suites_unchanged(self, suites: dict[str, str]) -> bool:
        fresh: dict[str, str] = {}
        return all(self.suite_stamp(eval_file, fresh) == text for eval_file, text in suites.items())

    def _list_runs(self, refs, project, active: dict, suites: dict) -> tuple[list["Listed"], bool, bool]:
        if self._saved is None and self._store is not None:
            self._saved = self._store.load()
        saved = self._saved or {}
        out, readable, to_save, seen = [], True, [], set()
        settled = True
        for ref in refs:
            try:
                listed, row = self._listed_summary(ref, project, saved, suites)
                job_id = active.get(ref.path)
                out.append(listed.for_list(ref.id, job_id))
                if row is not None:
                    to_save.append(row)
                elif not listed.saved and self._store is not None:
                    settled = False  # racy yet: a later list saves it
                seen.add(listed.store_key)
            except Exception as exc:  # one broken run must never hide the others
                print(f"studio-resume: cannot read run {ref.path}: {exc!r}", file=sys.stderr, flush=True)
                readable = False
                out.append(Listed.unreadable(ref, project, exc))
        if self._store is not None:
            gone = [key for key in saved if key not in seen] if readable and len(saved) > len(seen) else []
            if to_save or gone:
                self._store.save(to_save, forget=gone)
            # What was loaded is in memory now (self._listed): not kept twice.
            self._saved = {}
        return out, readable, settled

    def _listed_summary(self, ref, project, saved, suites) -> tuple["_Summary", tuple | None]:
        """(the run's summary, a row to save or None)."""
        key = ref.path
        stamp = (ref.index_stamp, ref.benchmark_stamp)
        known = self._listed.get(key)
        entry = self._entries.get(key)
        if entry is not None:
            # A run someone opened (or that changed while listed) has a kept
            # scanner: reading it is a stat when nothing changed.
            view = self.read(ref.path, ref.index_stamp, wait=known is None)
            if view is None:
                return known, None  # another thread is reading it: show what we know
            if known is not None and known.view is view:
                return known, self._unsaved_row(known, ref)
            return self._remember(key, stamp, _Summary.from_view(ref, view, project, self, suites, keep=True), ref)
        if known is not None and known.stamp == stamp and known.suite_current(self, suites):
            return known, self._unsaved_row(known, ref)
        store_key = ref.relative or ref.path
        row = saved.get(store_key)
        if row is not None and None not in stamp and row[0] == _stamp_text(stamp):
            summary = _Summary.from_saved(store_key, stamp, row[1])
            if summary is not None and summary.suite_current(self, suites):
                self._listed[key] = summary
                return summary, None
        if known is not None:
            # Changed since it was last listed: follow it like a run page does.
            view = self.read(ref.path, ref.index_stamp)
        else:
            view = _read_once(self, ref)  # first sight: read, summarise, let go
        summary = _Summary.from_view(ref, view, project, self, suites, keep=known is not None)
        return self._remember(key, stamp, summary, ref)

    def _remember(self, key: str, stamp: tuple, summary: "_Summary", ref) -> tuple["_Summary", tuple | None]:
        self._listed[key] = summary
        return summary, self._unsaved_row(summary, ref)

    def _unsaved_row(self, summary: "_Summary", ref) -> tuple | None:
        """The row that saves ``summary``, once: when it is not saved yet and
        its files are no longer racy.  A run listed just after agentv wrote
        it is saved by a later list, not never."""
        if summary.saved or self._store is None or None in summary.stamp or summary.suite_stamp is None or _racy(ref):
            return None
        summary.saved = True
        return summary.store_key, _stamp_text(summary.stamp), summary.saved_text()

    def suite_stamp(self, eval_file: str | None, suites: dict[str, str]) -> str | None:
        """The suite file's stamp as text ("" for none), once per list per file;
        None when no stamp can tell (a run over several eval files: which
        files it covers is found by their content), so the run is read again."""
        if eval_file is None:
            return ""
        if not eval_file.strip():
            return None
        text = suites.get(eval_file)
        if text is None:
            try:
                text = repr(file_stamp(os.stat(os.path.join(self._root, eval_file))))
            except (OSError, ValueError):
                text = "missing"
            suites[eval_file] = text
        return text


class _RunEntry:
    """What RunReader keeps of one run: its scanner, and what its last view was made of."""

    __slots__ = ("key", "lock", "scanner", "benchmark_path", "benchmark_stamp", "benchmark", "snapshot", "suite",
                 "view", "kept")

    def __init__(self, key: str, *, kept: bool = True):
        self.key = key
        self.kept = kept  # False: the list's first read of a run, let go when it is done
        self.lock = threading.Lock()
        self.scanner = IndexScanner(Path(key) / INDEX_NAME, snapshots=True)
        self.benchmark_path = os.path.join(key, BENCHMARK_NAME)
        self.benchmark_stamp: tuple | None = None
        self.benchmark: BenchmarkInfo | None = None
        self.snapshot: IndexSnapshot | None = None
        self.suite: tuple[str | None, str | None] | None = None
        self.view: RunView | None = None


def _read_once(reader: RunReader, ref) -> RunView:
    """A view of a run from a scanner that is not kept.

    While it reads, the run's entry is the reader's, so a ``read`` of the
    same run meanwhile (a run page opened while the server's start-up reads
    every run) waits for this read and shares its view instead of reading
    the file a second time beside it; that entry is then kept.  Otherwise
    it is let go when the read is done (50,000 kept views would not fit).
    """
    key = ref.path
    with reader._lock:
        entry = reader._entries.get(key)
        if entry is None:
            entry = reader._entries[key] = _RunEntry(key, kept=False)
    if entry.kept:
        return reader.read(key, ref.index_stamp)  # someone opened it just now: theirs
    with entry.lock:
        view = reader._view(entry, key, ref.index_stamp)
    with reader._lock:
        if not entry.kept and reader._entries.get(key) is entry:
            del reader._entries[key]
    return view


def _racy(ref) -> bool:
    now = time.time()
    for stamp in (ref.index_stamp, ref.benchmark_stamp):
        if stamp and len(stamp) == 4 and now - stamp[3] / 1e9 < RACY_SECONDS:
            return True
    return False


# --- summaries --------------------------------------------------------------------

def _fingerprint() -> str:
    """Of the code that makes summaries: a saved one made by other code is stale."""
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in ("index.py", "scanner.py", "run.py", "report.py", "reader.py", "project.py"):
        try:
            digest.update((here / name).read_bytes())
        except OSError:
            digest.update(name.encode())
    return digest.hexdigest()[:16]


_FINGERPRINT: str | None = None


def _stamp_text(stamp: tuple) -> str:
    """(index.jsonl's stamp, benchmark.json's) as saved: with the code's fingerprint."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        _FINGERPRINT = _fingerprint()
    index, benchmark = stamp
    if len(index) == 4 and len(benchmark) == 4:  # the common case, in one format: 50,000 per cold list
        return "%s %d:%d:%d:%d %d:%d:%d:%d" % (_FINGERPRINT, *index, *benchmark)
    return "%s %s %s" % (_FINGERPRINT, _stamp_part(index), _stamp_part(benchmark))


def _stamp_part(stamp: tuple) -> str:
    return "%d:%d:%d:%d" % stamp if len(stamp) == 4 else ":".join(map(str, stamp))


def _encode(value) -> bytes:
    # A lone surrogate (a name that is not UTF-8) goes out as the JSON escape.
    return json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8", "backslashreplace")


_QUOTED: dict = {None: b"null"}


def _quoted(text: str | None) -> bytes:
    """JSON of a run id, a job id or a state: from a few characters
    (URL-safe ids, job ids, state words), so most are quoted without json."""
    value = _QUOTED.get(text)
    if value is None:
        value = b'"%s"' % text.encode() if _PLAIN.fullmatch(text) else _encode(text)
        if len(_QUOTED) < 10_000:
            _QUOTED[text] = value
    return value


_PLAIN = re.compile(r"[A-Za-z0-9._ -]*")
_SEP = b"\x1f"  # never raw in JSON text (a control character is escaped there)


_TEXTS: dict[bytes, str] = {}


def _text(raw: bytes) -> str:
    """A state or a suite stamp: a handful of distinct values for 50,000 runs."""
    value = _TEXTS.get(raw)
    if value is None:
        value = raw.decode()
        if len(_TEXTS) < 10_000:
            _TEXTS[raw] = value
    return value


_EVAL_FILES: dict[bytes, str | None] = {}


def _eval_file(raw: bytes):
    """The eval file, saved as JSON (50,000 runs share a handful)."""
    if raw in _EVAL_FILES:
        return _EVAL_FILES[raw]
    value = json.loads(raw)
    if value is not None and type(value) is not str:
        raise ValueError("not an eval file")
    if len(_EVAL_FILES) < 10_000:
        _EVAL_FILES[raw] = value
    return value


_HEADS: dict[tuple, tuple] = {}  # a saved summary's first three fields, decoded


class _Summary:
    """One run's summary: what its files say (saved), and the list entries made from it."""

    __slots__ = ("store_key", "stamp", "state", "eval_file", "suite_stamp", "fragment", "view", "saved", "_last")

    def __init__(self, store_key, stamp, state, eval_file, suite_stamp, fragment: bytes, view=None, saved=False):
        self.store_key = store_key
        self.stamp = stamp
        self.state = state  # with no job running
        self.eval_file = eval_file
        self.suite_stamp = suite_stamp
        self.fragment = fragment  # the summary's other keys, encoded, without braces
        self.view = view
        self.saved = saved  # in the store already (or handed to it to save)
        self._last: Listed | None = None

    @classmethod
    def from_view(cls, ref, view: RunView, project, reader: RunReader, suites, *, keep: bool) -> "_Summary":
        """``keep``: remember the view (it is kept anyway by a scanner the reader keeps)."""
        data = report.run_summary(ref, view, project, None)
        state = data["state"]
        for name in _LIVE_KEYS:
            data.pop(name, None)
        eval_file = view.benchmark.eval_file
        return cls(ref.relative or ref.path, (ref.index_stamp, ref.benchmark_stamp), state, eval_file,
                   reader.suite_stamp(eval_file, suites), _encode(data)[1:-1], view if keep else None)

    @classmethod
    def from_saved(cls, store_key: str, stamp: tuple, saved) -> "_Summary | None":
        try:
            state, eval_file, suite_stamp, fragment = saved.split(_SEP, 3)
            head = _HEADS.get((state, eval_file, suite_stamp))
            if head is None:  # a handful of distinct ones among 50,000 runs: decoded once each
                head = (_text(state), _eval_file(eval_file), _text(suite_stamp))
                if len(_HEADS) < 10_000:
                    _HEADS[(state, eval_file, suite_stamp)] = head
            return cls(store_key, stamp, *head, fragment, saved=True)
        except (ValueError, TypeError, AttributeError, UnicodeError):
            return None  # not what this code saves: read the run again

    def saved_text(self) -> bytes:
        """What ``from_saved`` reads back: four fields, split by a byte JSON never holds raw."""
        return _SEP.join((self.state.encode(), _encode(self.eval_file), self.suite_stamp.encode(), self.fragment))

    def suite_current(self, reader: RunReader, suites) -> bool:
        return self.suite_stamp is not None and reader.suite_stamp(self.eval_file, suites) == self.suite_stamp

    def for_list(self, run_id: str, job_id: str | None) -> "Listed":
        last = self._last
        if last is not None and last.run_id == run_id and last.job_id == job_id:
            return last
        state = "running" if job_id is not None else self.state
        # Run ids are URL-safe (runs.project.url_safe): quoted as they are.
        head = b'{"id":"%s","state":%s,"active_job":%s,' % (run_id.encode(), _quoted(state), _quoted(job_id))
        self._last = Listed(run_id, job_id, head + self.fragment + b"}")
        return self._last


class Listed:
    """One entry of the runs list: its JSON (``json``) and, on demand, as a dict."""

    __slots__ = ("run_id", "job_id", "json", "_dict")

    def __init__(self, run_id: str, job_id: str | None, data: bytes, as_dict: dict | None = None):
        self.run_id, self.job_id, self.json, self._dict = run_id, job_id, data, as_dict

    def as_dict(self) -> dict:
        """The summary as a new dict (``report.run_summary``'s keys)."""
        if self._dict is None:
            self._dict = json.loads(self.json)
        return dict(self._dict)

    @classmethod
    def unreadable(cls, ref, project, exc: Exception) -> "Listed":
        data = {
            "id": ref.id, "run_dir": project.relative(ref.run_dir), "experiment": ref.experiment,
            "timestamp": None, "suite_filter": None, "counts": None, "records": 0, "planned": None,
            "missing": 0, "state": "unreadable", "active_job": None,
            "warnings": [f"this run cannot be read: {exc}"],
        }
        return cls(ref.id, None, _encode(data), data)


class SharedCall:
    """Concurrent callers share one call of a function instead of queuing for their own.

    A caller that arrives while a call is under way shares that call's
    answer: with 50 clients asking for the runs list, the runs are walked
    about once per walk's length, not 50 times, and a caller waits half a
    walk on average, not one and a half.  The answer may then predate the
    caller by up to one walk — as if it had asked a moment earlier —, which
    is no later than a change anyone else makes can race with a read
    anyway; except for a change this process made itself (a launch, a
    Stop): ``invalidate()`` after it, and callers that arrive from then on
    wait for the next call, which starts after it.
    """

    def __init__(self):
        self._cond = threading.Condition()
        self._started = 0  # calls started so far
        self._running = False
        self._joinable = False  # the running call may be joined
        self._done: tuple[int, bool, object] | None = None  # (call number, ok, value or exception)

    def invalidate(self) -> None:
        """Something changed: whoever asks from now on gets a call that starts after this."""
        with self._cond:
            self._joinable = False

    def call(self, fn):
        with self._cond:
            wanted = self._started + (0 if self._running and self._joinable else 1)
            while True:
                done = self._done
                if done is not None and done[0] >= wanted:
                    return _outcome(done)
                if not self._running:
                    self._started = wanted = max(wanted, self._started + 1)
                    self._running, self._joinable = True, True
                    break
                self._cond.wait()
        try:
            result = (wanted, True, fn())
        except BaseException as exc:  # shared with the waiters, then raised here too
            result = (wanted, False, exc)
        with self._cond:
            self._running = self._joinable = False
            self._done = result
            self._cond.notify_all()
        return _outcome(result)


class SharedCalls:
    """A ``SharedCall`` per key (a job id), at most ``limit`` kept."""

    def __init__(self, limit: int = 256):
        self._calls: dict[str, SharedCall] = {}
        self._lock = threading.Lock()
        self._limit = limit

    def _for(self, key: str) -> SharedCall:
        with self._lock:
            shared = self._calls.get(key)
            if shared is None:
                if len(self._calls) >= self._limit:
                    self._calls.clear()  # callers holding one finish with it; new ones start afresh
                shared = self._calls[key] = SharedCall()
            return shared

    def call(self, key: str, fn):
        return self._for(key).call(fn)

    def invalidate(self, key: str) -> None:
        self._for(key).invalidate()


def _outcome(done):
    _, ok, value = done
    if ok:
        return value
    raise value

