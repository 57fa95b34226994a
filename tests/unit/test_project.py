"""The project: its root, its runs and their ids, and what a RUN argument names."""

from __future__ import annotations

import json
import os
import shutil
import re
from pathlib import Path

import pytest

from agentv_resume.runs.project import Project, ProjectNotFound, RunNotFound, find_project_root

from support.builders import RUNS, make_run, row, set_cache


# --- the root ---------------------------------------------------------------------

def test_explicit_project(project):
    assert find_project_root(project) == project.resolve()


def test_explicit_dir_without_agentv_is_refused(tmp_path):
    with pytest.raises(ProjectNotFound, match="not an agentv project"):
        find_project_root(tmp_path)


def test_walks_up_from_a_subdirectory(project):
    assert find_project_root(start=project / "evals") == project.resolve()


def test_nearest_project_wins(project):
    inner = project / "sub"
    (inner / ".agentv").mkdir(parents=True)
    assert find_project_root(start=inner) == inner.resolve()


def test_no_project_above(tmp_path, monkeypatch):
    monkeypatch.setenv("AGENTV_HOME", str(tmp_path / "no-home"))
    with pytest.raises(ProjectNotFound, match="--project"):
        find_project_root(start=tmp_path)


def test_agentv_home_is_not_a_project(tmp_path, monkeypatch):
    """agentv keeps settings in ~/.agentv; that alone does not make ~ a project."""
    home = tmp_path / "home"
    (home / ".agentv").mkdir(parents=True)
    (home / ".agentv" / "config.yaml").write_text("projects: []\n")
    (home / "work").mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("AGENTV_HOME", raising=False)
    with pytest.raises(ProjectNotFound):
        find_project_root(start=home / "work")
    (home / ".agentv" / "results").mkdir()  # agentv was run in ~ too
    assert find_project_root(start=home / "work") == home.resolve()


def _stray_project(path: Path) -> Path:
    """A .agentv an agentv run left behind, with results: a project by every rule."""
    (path / ".agentv" / "results").mkdir(parents=True)
    return path


def test_a_stray_agentv_above_the_ceiling_is_ignored(tmp_path, monkeypatch):
    stray = _stray_project(tmp_path / "tmp")
    work = stray / "ceiling" / "work"
    work.mkdir(parents=True)
    monkeypatch.delenv("STUDIO_RESUME_CEILING")
    assert find_project_root(start=work) == stray.resolve()  # without a ceiling it is found
    monkeypatch.setenv("STUDIO_RESUME_CEILING", str(stray / "ceiling"))
    with pytest.raises(ProjectNotFound) as refused:
        find_project_root(start=work)
    message = str(refused.value)
    assert str((stray / "ceiling").resolve()) in message and "STUDIO_RESUME_CEILING" in message
    assert "--project" in message


def test_the_ceiling_itself_is_searched(tmp_path, monkeypatch):
    root = _stray_project(tmp_path / "proj")
    (root / "evals").mkdir()
    monkeypatch.setenv("STUDIO_RESUME_CEILING", str(root))
    assert find_project_root(start=root / "evals") == root.resolve()


def test_the_search_stops_at_the_users_home(tmp_path, monkeypatch):
    _stray_project(tmp_path)  # above home: never looked at
    home = tmp_path / "home"
    (home / "work").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("AGENTV_HOME", str(home / ".agentv"))
    monkeypatch.delenv("STUDIO_RESUME_CEILING")
    with pytest.raises(ProjectNotFound, match="home directory") as refused:
        find_project_root(start=home / "work")
    assert str(home.resolve()) in str(refused.value)


def test_the_search_stops_at_a_filesystem_boundary(tmp_path, monkeypatch):
    """A mount point (another device above it) ends the search, as git's does."""
    stray = _stray_project(tmp_path / "outer")
    mount = (stray / "mnt").resolve()
    (mount / "work").mkdir(parents=True)
    monkeypatch.delenv("STUDIO_RESUME_CEILING")
    assert find_project_root(start=mount / "work") == stray.resolve()  # one filesystem: found

    def device(path: Path) -> int:  # everything from the mount point down is another filesystem
        return 2 if path == mount or mount in path.parents else 1

    monkeypatch.setattr("agentv_resume.runs.project._device", device)
    with pytest.raises(ProjectNotFound, match="filesystem boundary") as refused:
        find_project_root(start=mount / "work")
    assert str(mount) in str(refused.value)


def test_no_last_run_names_the_project_found(project):
    shutil.rmtree(project / ".agentv" / "results")
    with pytest.raises(RunNotFound) as refused:
        Project(project).resolve_run("last")
    assert str(project.resolve()) in str(refused.value)


# --- discovering runs ----------------------------------------------------------------

def test_fixture_runs_are_found_newest_first(project):
    for age, name in enumerate(["interrupted", "quality-only", "all-ok", "errored"]):
        os.utime(project / RUNS / name / "index.jsonl", (1_000_000 - age, 1_000_000 - age))
    refs = Project(project).runs()
    assert [ref.id for ref in refs] == ["interrupted", "quality-only", "all-ok", "errored"]
    assert all(ref.experiment == "default" for ref in refs)
    assert refs[0].run_dir == (project / RUNS / "interrupted").resolve()


def test_runs_follow_index_changes_between_calls(project):
    project_runs = Project(project)
    for age, name in enumerate(["interrupted", "quality-only", "all-ok", "errored"]):
        os.utime(project / RUNS / name / "index.jsonl", (1_000_000 - age, 1_000_000 - age))
    first = project_runs.runs()
    assert project_runs.runs() == first and project_runs.runs()[0] is first[0]  # unchanged: the same refs
    os.utime(project / RUNS / "errored" / "index.jsonl", (2_000_000, 2_000_000))
    make_run(project, "brand-new", [row("a")])
    os.utime(project / RUNS / "brand-new" / "index.jsonl", (1_500_000, 1_500_000))
    again = project_runs.runs()
    assert [ref.id for ref in again] == ["errored", "brand-new", "interrupted", "quality-only", "all-ok"]
    assert again[0].mtime == 2_000_000 and again[0].index_stamp[-1] == 2_000_000 * 10**9


def test_per_test_folders_inside_a_run_are_not_runs(project):
    (project / RUNS / "errored" / "greetings" / "greet-1" / "index.jsonl").write_text("")
    assert sorted(ref.id for ref in Project(project).runs()) == ["all-ok", "errored", "interrupted", "quality-only"]


def test_clashing_names_get_the_experiment(project):
    make_run(project, "errored", [row("a")], experiment="nightly")
    ids = {ref.id: ref.run_dir for ref in Project(project).runs()}
    assert ids["default--errored"] == (project / RUNS / "errored").resolve()
    assert ids["nightly--errored"].parts[-2:] == ("nightly", "errored")
    assert "errored" not in ids


def test_ids_are_url_safe_and_unique(project):
    make_run(project, "my run #1?", [row("a")])
    make_run(project, "my-run-1", [row("a")])
    make_run(project, "café x", [row("a")], experiment="exp one")
    ids = [ref.id for ref in Project(project).runs()]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+", run_id) for run_id in ids)
    assert "default--my-run-1" in ids


def test_an_empty_results_folder_has_no_runs(tmp_path):
    (tmp_path / ".agentv").mkdir()
    assert Project(tmp_path).runs() == []


# --- resolving RUN ----------------------------------------------------------------------

def test_run_by_id(project):
    assert Project(project).resolve_run("quality-only").run_dir == (project / RUNS / "quality-only").resolve()


@pytest.mark.parametrize("form", ["dir", "dir/", "index", "relative"])
def test_run_by_directory_or_index(project, monkeypatch, form):
    run_dir = project / RUNS / "interrupted"
    monkeypatch.chdir(project / "evals")
    arg = {"dir": str(run_dir), "dir/": f"{run_dir}/", "index": str(run_dir / "index.jsonl"),
           "relative": "../.agentv/results/runs/default/interrupted"}[form]
    ref = Project(project).resolve_run(arg)
    assert ref.id == "interrupted" and ref.run_dir == run_dir.resolve()


def test_last_is_the_newest_run(project):
    p = Project(project)
    assert p.resolve_run("last").id == "errored"  # the fixture's newest (and cache.json's)
    assert p.resolve_run(None).id == "errored"  # the default
    assert p.last_note() is None


def test_cached_run_follows_a_relative_cache_pointer(project):
    (project / ".agentv/cache.json").write_text(json.dumps({"lastRunDir": ".agentv/results/runs/default/all-ok"}))
    p = Project(project)
    assert p.cached_run().id == "all-ok"
    assert "cache.json names all-ok" in p.last_note()


@pytest.mark.parametrize("cache", [None, "not json", {"lastRunDir": 5}, {"other": 1},
                                   {"lastRunDir": "/nowhere/at/all"}])
def test_last_without_a_usable_cache(project, cache):
    set_cache(project, cache)
    p = Project(project)
    assert p.cached_run() is None
    assert p.resolve_run("last").id == "errored"
    assert "cache.json names no existing run" in p.last_note()


@pytest.mark.parametrize("arg", ["nope", "evals", "/definitely/not/here", "evals/greetings.yaml"])
def test_unknown_run(project, monkeypatch, arg):
    monkeypatch.chdir(project)
    with pytest.raises(RunNotFound, match="no run"):
        Project(project).resolve_run(arg)


def test_relative_paths_and_containment(project, tmp_path):
    p = Project(project)
    assert p.relative(project / RUNS / "errored") == ".agentv/results/runs/default/errored"
    assert p.relative(tmp_path / "x") == str(tmp_path / "x")
    assert p.contains(project / "a" / ".." / "b")
    assert not p.contains(project / ".." / "elsewhere")
    (project / "link").symlink_to(tmp_path)
    assert not p.contains(project / "link" / "x")


def test_last_is_the_newest_run_and_says_when_cache_json_names_another(project):
    """agentv writes cache.json only when a run finishes: after a Ctrl-C it names the older run."""
    os.utime(project / RUNS / "interrupted" / "index.jsonl", (1_800_000_000, 1_800_000_000))
    found = Project(project)
    assert found.resolve_run("last").id == "interrupted"
    assert found.cached_run().id == "errored"
    note = found.last_note()
    assert "interrupted" in note and "errored" in note and "cache.json" in note
    os.utime(project / RUNS / "errored" / "index.jsonl", (1_900_000_000, 1_900_000_000))
    assert Project(project).last_note() is None


def _seen(refs):
    return [(ref.id, ref.path, ref.index_stamp, ref.benchmark_stamp) for ref in refs]


def test_walks_racing_with_changes_and_run_lookups_end_on_the_current_runs(project):
    # Server threads walk at once (runs lists, run pages) while runs come,
    # grow and go: once it is quiet, a walk lists what is on disk, never an
    # older walk's list that finished last.
    import threading

    shared = Project(project)
    stop = threading.Event()
    errors = []

    def walker():
        try:
            while not stop.is_set():
                shared.runs()
                shared.run_by_id("errored")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=walker) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        for n in range(40):
            run_dir = make_run(project, f"racer-{n}", [row("greet-1")], planned=1)
            with open(project / RUNS / "errored" / "index.jsonl", "a") as out:
                out.write(json.dumps(row(f"grow-{n}")) + "\n")
            if n % 3 == 0:
                shutil.rmtree(run_dir)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not errors
    assert _seen(shared.runs()) == _seen(Project(project).runs())
    assert shared.run_by_id("errored").index_stamp == Project(project).run_by_id("errored").index_stamp
