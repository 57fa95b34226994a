"""Run ids for a <TAB>: ``Project.runs()``'s ids and order, from a small cache.

Each <TAB> starts a fresh interpreter; walking 50,000 runs (a stat per run)
and making their ids took most of a second.  The walk's answer is saved
under ``.agentv/studio-resume/`` with the stamp of every folder it walked:
a run that comes or goes changes its parent folder's stamp, so while they
all say the same, the set of runs is the same and the saved ids are right.
The order (newest ``index.jsonl`` first) can drift when an old run is
appended to without a folder changing: the saved answer is used for at most
``MAX_AGE_SECONDS``, then walked again.

A cache only: any problem reading it means a walk; any problem writing it
is ignored; it is never written through a link (``files.write_replace``).
"""

from __future__ import annotations

import os
import time

from agentv_resume.files import open_regular, write_replace
from agentv_resume.runs.names import state_dir as summaries_dir

CACHE_NAME = "run-ids.tsv"
MAX_AGE_SECONDS = 60.0
_MAX_BYTES = 64 * 1024 * 1024
_VERSION = "studio-resume run ids 2"


def cached_run_ids(project) -> list[str]:
    """The id of every run, newest first (``Project.runs()``'s order)."""
    saved = _load(summaries_dir(project.root) / CACHE_NAME)
    if saved is not None:
        return saved[0]
    return [run[0] for run in _walk(project)]


def cached_runs(project) -> list[tuple[str, float, str]]:
    """(id, index.jsonl's mtime, run folder) of every run, newest first."""
    saved = _load(summaries_dir(project.root) / CACHE_NAME)
    if saved is not None:
        ids, details = saved
        runs = []
        for run_id, line in zip(ids, details):
            mtime, run_dir = line.split("\t", 1)
            runs.append((run_id, float(mtime), run_dir))
        return runs
    return _walk(project)


def _walk(project) -> list[tuple[str, float, str]]:
    dirs: dict[str, tuple] = {}
    runs = [(ref.id, ref.mtime, ref.path) for ref in project.runs(benchmarks=False, walked=dirs)]
    _save(summaries_dir(project.root) / CACHE_NAME, dirs, runs)
    return runs


def _load(path) -> tuple[list[str], list[str]] | None:
    """(the ids, a "mtime<TAB>folder" line per id), or None when the cache cannot answer."""
    try:
        with open_regular(path, follow=False) as handle:  # a planted link is no cache
            size = os.fstat(handle.fileno()).st_size
            if size > _MAX_BYTES:
                return None
            text = handle.read(size).decode("utf-8", "surrogateescape")  # not read(cap): no 64 MB buffer
    except (OSError, ValueError):
        return None
    lines = text.split("\n")
    try:
        version, made, dir_count, run_count = lines[0].split("\t")
        if version != _VERSION or not 0 <= time.time() - float(made) < MAX_AGE_SECONDS:
            return None
        dir_count, run_count = int(dir_count), int(run_count)
        for line in lines[1:1 + dir_count]:
            directory, stamp = line.rsplit("\t", 1)
            st = os.stat(directory)
            if stamp != f"{st.st_dev}:{st.st_ino}:{st.st_mtime_ns}":
                return None
        start = 1 + dir_count
        ids, details = lines[start:start + run_count], lines[start + run_count:start + 2 * run_count]
        if len(details) != run_count:
            return None  # cut short
        return ids, details
    except (OSError, ValueError):
        return None


# A folder changed this recently may change again within its mtime's tick
# and keep its stamp: such a walk is not saved.
RACY_SECONDS = 2.0


def _save(path, dirs: dict[str, tuple], runs) -> None:
    if any("\t" in d or "\n" in d for d in dirs) or any("\t" in r[2] or "\n" in r[2] for r in runs):
        return  # a name this format cannot hold: no cache, the walk it is
    now = time.time()
    if not dirs or any(now - stamp[2] / 1e9 < RACY_SECONDS for stamp in dirs.values()):
        return  # no results/ folder yet (its coming would not show), or a fresh folder
    lines = [f"{_VERSION}\t{time.time()!r}\t{len(dirs)}\t{len(runs)}"]
    lines += [f"{directory}\t{stamp[0]}:{stamp[1]}:{stamp[2]}" for directory, stamp in dirs.items()]
    lines += [run_id for run_id, _, _ in runs]  # URL-safe: never a tab or a newline
    lines += [f"{mtime!r}\t{run_dir}" for _, mtime, run_dir in runs]
    try:
        os.makedirs(path.parent, exist_ok=True)
        write_replace(path, ("\n".join(lines) + "\n").encode("utf-8", "surrogateescape"))
    except (OSError, ValueError):
        pass
