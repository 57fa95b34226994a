"""Rule 8 paths as agentv reads them: '..' by text first, links after; the argv
carries exactly the path that was checked; no fresh run over, around or inside
a run; no run whose written files are links."""

from __future__ import annotations

import os
import posixpath
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentv_resume.launching.launcher import prepare
from agentv_resume.launching.request import LaunchError
from agentv_resume.paths import inside_by_text, node_resolve
from agentv_resume.runs.project import Project
from agentv_resume.runs.reader import RunReader
from support.builders import RUNS

SUITE = {"suite_filter": "evals/greetings.yaml"}


@pytest.fixture
def linked(project, tmp_path):
    """The fixture project plus deeplink -> sub/a/b, a link to the runs folder,
    a link to a run, a link out of the project, and a victim file outside."""
    (project / "sub" / "a" / "b").mkdir(parents=True)
    (project / "deeplink").symlink_to("sub/a/b")
    (project / "runslink").symlink_to(RUNS)
    (project / "runlink").symlink_to(f"{RUNS}/errored")
    outside = tmp_path / "outside"
    (outside / "evals").mkdir(parents=True)
    shutil.copy(project / "evals" / "greetings.yaml", outside / "evals" / "evil.yaml")
    (project / "escape").symlink_to(outside)
    (tmp_path / "victim.txt").write_text("precious\n")
    return project


def _prepare(project: Path, body: dict):
    return prepare(body, Project(project), RunReader(project))


def _refused(project: Path, body: dict) -> str:
    with pytest.raises(LaunchError) as info:
        _prepare(project, body)
    assert info.value.status == 400
    return info.value.message


def _arg(args: list[str], flag: str) -> str:
    return args[args.index(flag) + 1]


# --- item 1: '..' means what agentv means -------------------------------------------------

def test_a_fresh_run_through_a_deep_link_onto_an_existing_run_is_refused(linked):
    # pathlib reads sub/a/.agentv/... (no run there); agentv reads the errored run.
    message = _refused(linked, {**SUITE, "output": f"deeplink/../{RUNS}/errored"})
    assert "existing run" in message


def test_a_resume_through_a_deep_link_reaches_agentv_as_the_path_that_was_checked(linked):
    prepared = _prepare(linked, {**SUITE, "output": f"deeplink/../{RUNS}/errored", "resume": True})
    assert _arg(prepared.args, "--output") == f"{RUNS}/errored"
    assert prepared.run_dir == (linked / RUNS / "errored").resolve()


@pytest.mark.parametrize("key", ["output", "retry_errors", "suite_filter"])
@pytest.mark.parametrize("value", [
    "deeplink/../../../x", "../x", "..", "sub/../../x", "/etc", "//etc/x",
    "escape/x", "escape", "deeplink/../escape/evals/evil.yaml", "{tmp}/outside/evals/evil.yaml",
])
def test_paths_outside_the_project_by_text_or_through_links_are_refused(linked, key, value):
    value = value.replace("{tmp}", str(linked.parent))
    body = {**SUITE, key: value}
    if key == "output":
        body["resume"] = True
    message = _refused(linked, body)
    assert "inside the project" in message or "stay inside" in message or "refused" in message, message


@pytest.mark.parametrize("glob", [
    "escape/evals/*.yaml", "escape/**/*.yaml", "../outside/evals/*.yaml", "{tmp}/outside/evals/*.yaml",
    "evals/../../outside/evals/*.yaml", "*/evals/*.yaml", "**/evil.yaml",
])
def test_suite_globs_that_reach_outside_are_refused(linked, glob):
    _refused(linked, {"suite_filter": glob.replace("{tmp}", str(linked.parent))})


@pytest.mark.parametrize("given_suite, argv_suite", [
    ("evals/greetings.yaml", "evals/greetings.yaml"),
    ("./evals/../evals/greetings.yaml", "evals/greetings.yaml"),
    ("deeplink/../evals/greetings.yaml", "evals/greetings.yaml"),
    ("{root}/evals/greetings.yaml", "evals/greetings.yaml"),
    ("evals/*.yaml", "evals/*.yaml"),
    ("evals", "evals"),
])
def test_suite_paths_inside_reach_agentv_normalised(linked, given_suite, argv_suite):
    prepared = _prepare(linked, {"suite_filter": given_suite.replace("{root}", str(linked))})
    assert prepared.args[2] == argv_suite


# --- item 2: no fresh run over, around or inside a run -------------------------------------

@pytest.mark.parametrize("output, reason", [
    (f"{RUNS}/errored", "existing run"),
    (RUNS, "runs"),                               # an experiment folder
    (".agentv/results/runs", "runs"),
    (".agentv/results", "runs"),
    (".agentv", "runs"),
    (".", "runs"),
    ("runslink", "runs"),                         # a link to the experiment folder
    (f"{RUNS}/errored/greetings", "inside the run"),   # a run's test-case folder
    (f"{RUNS}/errored/greetings/greet-1", "inside the run"),
    (f"{RUNS}/errored/new-subfolder", "inside the run"),
    ("runlink/new", "inside the run"),            # inside a run through a link
    ("runlink", "existing run"),
])
def test_a_fresh_run_into_a_folder_that_is_holds_or_sits_in_a_run_is_refused(linked, output, reason):
    for extra in ({}, {"retry_errors": f"{RUNS}/errored"}):
        message = _refused(linked, {**SUITE, "output": output, **extra})
        assert reason in message, message


@pytest.mark.parametrize("output", [f"{RUNS}/fresh-one", "results-elsewhere/x", "deeplink/../fresh", "runslink/fresh"])
def test_a_fresh_run_into_a_new_folder_is_fine(linked, output):
    prepared = _prepare(linked, {**SUITE, "output": output})
    assert node_resolve(str(linked), _arg(prepared.args, "--output")) == node_resolve(str(linked), output)


# --- item 4: a run whose written files are links is refused --------------------------------

@pytest.mark.parametrize("name", ["index.jsonl", "console.log", ".studio-resume.lock", "benchmark.json"])
@pytest.mark.parametrize("make", ["symlink", "hardlink"])
def test_a_run_whose_written_files_are_links_is_refused_and_the_victim_is_untouched(linked, name, make):
    run_dir = linked / RUNS / "errored"
    victim = linked.parent / "victim.txt"
    if name == "index.jsonl":
        shutil.copy(run_dir / name, victim)
    before = victim.read_bytes()
    target = run_dir / name
    if target.exists():
        target.unlink()
    if make == "symlink":
        target.symlink_to(victim)
    else:
        os.link(victim, target)
    message = _refused(linked, {**SUITE, "output": f"{RUNS}/errored", "resume": True})
    assert name in message and ("link" in message), message
    assert victim.read_bytes() == before


def test_a_fresh_run_into_a_folder_with_a_planted_console_log_link_is_refused(linked):
    folder = linked / "fresh"
    folder.mkdir()
    (folder / "console.log").symlink_to(linked.parent / "victim.txt")
    assert "console.log" in _refused(linked, {**SUITE, "output": "fresh"})


# --- the rule as a property ---------------------------------------------------------------

SEGMENTS = ["deeplink", "..", "sub", "a", ".", "runslink", "runlink", "escape", "fresh", ".agentv", "results",
            "runs", "default", "errored", "greetings"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=7), resume=st.booleans())
def test_whatever_output_is_accepted_lands_inside_and_clobbers_no_run(linked, parts, resume):
    root = str(linked)
    body = {**SUITE, "output": "/".join(parts), "resume": resume}
    try:
        prepared = _prepare(linked, body)
    except LaunchError:
        return
    arg = _arg(prepared.args, "--output")
    absolute = node_resolve(root, arg)
    assert absolute == node_resolve(root, body["output"])          # agentv reads what we checked
    assert inside_by_text(root, absolute) and inside_by_text(root, os.path.realpath(absolute))
    real = os.path.realpath(absolute)
    if resume:
        assert os.path.isfile(os.path.join(real, "index.jsonl"))
    else:
        runs = [os.path.realpath(p) for p in linked.glob(f"{RUNS}/*") if (p / "index.jsonl").exists()]
        assert not any(inside_by_text(real, run) or inside_by_text(run, real) for run in runs)
        assert not inside_by_text(real, os.path.realpath(linked / RUNS))
        assert posixpath.isabs(absolute)


# --- the default output is checked too ------------------------------------------------------

@pytest.mark.parametrize("experiment", ["../../../../outside", "x/../../../../../y"])
def test_an_experiment_name_cannot_lead_the_default_output_out_of_the_project(linked, experiment):
    _refused(linked, {**SUITE, "experiment": experiment})


@pytest.mark.parametrize("experiment", ["..", "."])
def test_a_dotted_experiment_name_reaches_agentv_as_the_checked_folder(linked, experiment):
    prepared = _prepare(linked, {**SUITE, "experiment": experiment})
    output = _arg(prepared.args, "--output")
    assert ".." not in output.split("/") and "." not in output.split("/")
    assert inside_by_text(str(linked), node_resolve(str(linked), output))


def test_a_results_folder_that_links_out_of_the_project_is_refused_for_a_fresh_run(linked):
    results = linked / ".agentv" / "results"
    shutil.move(results, linked.parent / "results-elsewhere")
    results.symlink_to(linked.parent / "results-elsewhere")
    message = _refused(linked, SUITE)
    assert "link" in message and "inside the project" in message


def test_the_default_output_reaches_agentv_as_checked(linked):
    prepared = _prepare(linked, {**SUITE, "experiment": "nightly"})
    output = _arg(prepared.args, "--output")
    assert output.startswith(".agentv/results/runs/nightly/")
    assert prepared.run_dir == linked / output
