"""A <TAB> lists run ids from a saved walk, and never a stale set of runs.

The saved walk stands while no folder under results/ changed (a run that
comes or goes changes its parent) and for at most a minute (the order may
drift); a folder changed in the last two seconds is never trusted.
"""

from __future__ import annotations

import os
import shutil
import time

import pytest

from agentv_resume.runs import idcache
from agentv_resume.runs.project import Project
from support.builders import make_run, row


def age(root):
    """Folders and files as if written a minute ago (the cache trusts no fresh folder)."""
    old = time.time() - 60
    for path in [root / ".agentv", *(root / ".agentv").rglob("*")]:
        os.utime(path, (old, old), follow_symlinks=False)


@pytest.fixture
def walks(monkeypatch):
    count = []
    real = Project.runs

    def spy(self, **kwargs):
        count.append(1)
        return real(self, **kwargs)

    monkeypatch.setattr(Project, "runs", spy)
    return count


def ids(root) -> list[str]:
    return idcache.cached_run_ids(Project(root))


def test_the_second_tab_reads_the_saved_walk(project, walks):
    age(project)
    first = ids(project)
    assert first == [ref.id for ref in Project(project).runs()]
    walks.clear()
    assert ids(project) == first
    assert walks == []
    assert [run[0] for run in idcache.cached_runs(Project(project))] == first


def test_a_run_that_comes_or_goes_shows_at_once(project):
    age(project)
    ids(project)
    make_run(project, "brand-new", [row("a")])
    assert "brand-new" in ids(project)
    shutil.rmtree(project / ".agentv/results/runs/default/errored")
    assert "errored" not in ids(project)


def test_a_fresh_walk_is_not_saved(project, walks):
    make_run(project, "just-now", [row("a")])
    ids(project)  # a folder changed just now: its stamp could hide another change
    walks.clear()
    ids(project)
    assert walks == [1]


def test_a_saved_walk_older_than_a_minute_is_walked_again(project, walks, monkeypatch):
    age(project)
    ids(project)
    walks.clear()
    monkeypatch.setattr(idcache, "MAX_AGE_SECONDS", 0.0)
    ids(project)
    assert walks == [1]


@pytest.mark.parametrize("damage", [b"", b"garbage", b"studio-resume run ids 2\t0\t1\t1\n"])
def test_a_damaged_cache_means_a_walk(project, damage):
    age(project)
    expected = ids(project)
    (project / ".agentv/studio-resume" / idcache.CACHE_NAME).write_bytes(damage)
    assert ids(project) == expected


def test_a_linked_cache_is_neither_read_nor_written_through(project, tmp_path):
    age(project)
    victim = tmp_path / "victim"
    victim.write_text("studio-resume run ids 2\t9999999999\t0\t1\nnot-a-run\n0.0\t/x\n")
    state = project / ".agentv/studio-resume"
    state.mkdir(parents=True, exist_ok=True)
    (state / idcache.CACHE_NAME).symlink_to(victim)
    assert "not-a-run" not in ids(project)
    assert victim.read_text().startswith("studio-resume run ids 2\t9999999999")
