"""The project's eval files for the read side: loaded once per change, found by suite name.

``SuiteSource`` is what a ``RunView`` asks when a prediction is wanted (a runs
list never loads a suite): it resolves a suite_filter as agentv resolves its
paths, and keeps each loaded file until the file changes.

``discover_multi_file_suite``: agentv writes ``eval_file: ""`` for a run over
several eval files (`agentv eval run 'evals/*.yaml'`).  Each line still names
its suite, and a suite name maps to an eval file — so the run's files are the
files whose suites its lines name, but only when their cases account for
``planned_test_count``: a file agentv never reached before a Ctrl-C left no
line, and then the run's suite stays unknown (said, and `--suite` / the
page's suite field supply it).
"""

from __future__ import annotations

import json
import os
import re
import threading
from datetime import datetime
from pathlib import Path

from agentv_resume.files import read_regular
from agentv_resume.runs.suite import SuiteFile, load_suite_file, parse_yaml, plan_suite, resolve_eval_paths, suites_by_name

SUITE_NAME_SCAN_BYTES = 256 * 1024 * 1024
_SUITE_FIELD = re.compile(rb'"suite"\s*:\s*("(?:[^"\\]|\\.)*")')
_EDIT_SLACK_SECONDS = 1.0
TARGETS_FILES = (".agentv/targets.yaml", ".agentv/targets.yml", "targets.yaml")


class SuiteSource:
    """Eval files as agentv loads them, cached by (inode, size, mtime)."""

    def __init__(self, project_root: Path):
        self.root = Path(project_root)
        self._files: dict[str, tuple[tuple, SuiteFile]] = {}
        self._targets: tuple[tuple, list[str]] | None = None
        self._lock = threading.Lock()

    def load(self, suite_filter: str) -> list[SuiteFile] | None:
        """The files of a suite_filter (comma-separated paths or globs); None when none match."""
        parts = [part.strip() for part in suite_filter.split(",") if part.strip()]
        try:
            paths = resolve_eval_paths(parts, self.root)
        except (OSError, ValueError):
            return None
        return [self.load_file(path) for path in paths] or None

    def load_file(self, path: Path) -> SuiteFile:
        key = os.fspath(path)
        try:
            st = os.stat(key)
            stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
        except OSError:
            stamp = None
        with self._lock:
            cached = self._files.get(key)
            if cached is not None and stamp is not None and cached[0] == stamp:
                return cached[1]
        loaded = load_suite_file(Path(key))
        with self._lock:
            if stamp is not None:
                self._files[key] = (stamp, loaded)
        return loaded

    def edited_after(self, files: list[SuiteFile] | None, run_timestamp: str | None) -> bool | None:
        """Was any of the files changed after the run began (its first result)? None: cannot tell."""
        if not files or not run_timestamp:
            return None
        try:
            started = datetime.fromisoformat(run_timestamp.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
        try:
            newest = max(os.stat(f.path).st_mtime for f in files)
        except (OSError, TypeError):
            return None
        return newest > started + _EDIT_SLACK_SECONDS

    def target_choices(self) -> list[str]:
        """Target names of the project's targets.yaml (what the page offers when targets are uncertain)."""
        for name in TARGETS_FILES:
            path = self.root / name
            try:
                st = os.stat(path)
            except OSError:
                continue
            stamp = (os.fspath(path), st.st_ino, st.st_size, st.st_mtime_ns)
            if self._targets is not None and self._targets[0] == stamp:
                return list(self._targets[1])
            try:
                data = parse_yaml(read_regular(path, 4 * 1024 * 1024).decode("utf-8", "replace"))
            except Exception:  # noqa: BLE001 - any unreadable targets file just offers no choices
                return []
            entries = data.get("targets") if isinstance(data, dict) else None
            names = [e["name"] for e in entries or [] if isinstance(e, dict) and isinstance(e.get("name"), str)]
            self._targets = (stamp, names)
            return list(names)
        return []


def suite_names_of(index_path: Path) -> list[str]:
    """The distinct `suite` values of a run's lines (a byte scan: no full parse)."""
    try:
        data = read_regular(index_path, SUITE_NAME_SCAN_BYTES)
    except OSError:
        return []
    names: dict[str, None] = {}
    for match in _SUITE_FIELD.finditer(data):
        try:
            name = json.loads(match.group(1))
        except ValueError:
            continue
        if isinstance(name, str) and name:
            names.setdefault(name, None)
    return list(names)


def discover_multi_file_suite(view, source: SuiteSource) -> tuple[str | None, str | None]:
    """(suite_filter, reason when unknown) for a run agentv made over several eval files."""
    names = suite_names_of(view.run_dir / "index.jsonl")
    several = "the run covers several eval files (agentv wrote no single suite file)"
    if not names:
        return None, f"{several} and none of its lines names a suite yet; give them with --suite"
    found = suites_by_name(source.root, names)
    unmatched = [name for name in names if len(found.get(name, [])) != 1]
    if unmatched:
        detail = "; ".join(
            f"suite {name!r}: " + ("no eval file has that name" if not found.get(name) else
                                   "several eval files have that name: " +
                                   ", ".join(_relative(source.root, s.path) for s in found[name]))
            for name in unmatched)
        return None, f"{several}: {detail}; give them with --suite"
    files = sorted((found[name][0] for name in names), key=lambda s: os.fspath(s.path))
    planned = view.planned
    if planned is not None:
        plan = plan_suite(files, view.targets)
        accounted = set(plan.identities) | {(r.test_id, r.target) for r in view.planned_records}
        if len(accounted) != planned:
            listed = ", ".join(_relative(source.root, f.path) for f in files)
            return None, (f"{several}: its lines name {listed}, whose cases make {len(accounted)} of the "
                          f"{planned} planned — agentv stopped before another file wrote a line; "
                          "give all the run's eval files with --suite")
    return ",".join(_relative(source.root, f.path) for f in files), None


def _relative(root: Path, path: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return os.fspath(path)
