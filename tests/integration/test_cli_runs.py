"""`studio-resume runs`, and how every command reads RUN names, --project and the environment."""

from __future__ import annotations

import json
import os
import re
import shutil

import click
import pytest

from agentv_resume.cli.main import main
from agentv_resume.cli.runs import STATES
from agentv_resume.vocabulary import ATTENTION, RUN
from support.builders import RUNS, make_run, row
from support.web import client_for, order_runs


@pytest.fixture
def ordered(project):
    """The fixture project, newest first: errored, interrupted, quality-only, all-ok."""
    order_runs(project, ["errored", "interrupted", "quality-only", "all-ok"])
    return project


# --- runs --------------------------------------------------------------------------

def test_runs_newest_first_with_state_and_counts(cli, ordered):
    result = cli("runs", cwd=ordered)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["RUN", "STATE", "PASSED", "FAILED", "ERRORED", "MISSING", "UPDATED", "SUITE"]
    table = [line.split() for line in lines[1:]]
    assert [cells[0] for cells in table] == ["errored", "interrupted", "quality-only", "all-ok"]
    errored = table[0]
    assert errored[1] == "errored" and errored[2:6] == ["2", "1", "2", "0"]
    assert errored[-1] == "evals/greetings.yaml"
    # The page's words: a run whose cases all ran but some failed its checks is "failed", never "complete".
    assert table[2][1] == "failed" and table[3][1] == "complete"
    # Piped: no colour.
    assert "\x1b" not in result.stdout


def test_runs_json_is_what_the_api_answers(cli, ordered):
    data = json.loads(cli("runs", "--json", cwd=ordered).stdout)
    api = client_for(ordered).get("/api/runs").json["runs"]
    assert data["runs"] == api


@pytest.mark.parametrize(("states", "expected"), [
    (["errored"], ["errored"]),
    (["needs-attention"], ["errored", "interrupted", "quality-only"]),
    (["complete", "failed"], ["quality-only", "all-ok"]),
    (["running"], []),
])
def test_runs_state_filter(cli, ordered, states, expected):
    args = [arg for state in states for arg in ("--state", state)]
    result = cli("runs", *args, "--json", cwd=ordered)
    assert [run["id"] for run in json.loads(result.stdout)["runs"]] == expected


def test_runs_filter_with_no_match_says_so(cli, ordered):
    result = cli("runs", "--state", "running", cwd=ordered)
    assert result.exit_code == 0 and result.stdout == ""
    assert "no run is running" in result.stderr


def test_runs_shows_the_job_on_a_running_run(cli, ordered):
    from agentv_resume.jobs.lock import acquire_lock

    fd = acquire_lock(ordered / RUNS / "interrupted", "20261201-101500-abcdef")
    try:
        result = cli("runs", "--state", "running", cwd=ordered)
    finally:
        os.close(fd)
    assert "interrupted  running (job 20261201-101500-abcdef)" in result.stdout


def test_state_choices_are_the_pages_words():
    assert set(STATES) == set(RUN) | {"needs-attention"}
    from agentv_resume.cli.runs import ATTENTION_HELP

    assert all(word in ATTENTION_HELP for word in ATTENTION)


def test_runs_colour_on_a_terminal_and_never_with_no_color(monkeypatch):
    from agentv_resume.cli import runs as runs_module
    from agentv_resume.cli.style import Painter, colour_wanted

    item = {"id": "x", "state": "errored", "counts": {"ok": 1, "quality_failure": 0, "execution_error": 1,
                                                      "missing": 0}, "suite_filter": "s.yaml", "updated": None}
    coloured = runs_module.render([item], Painter(True))
    assert "\x1b[31m" in coloured and "errored" in click.unstyle(coloured)

    class Tty:
        def isatty(self):
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert colour_wanted(Tty())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not colour_wanted(Tty())


def test_status_line_in_place_on_a_terminal_plain_lines_when_piped():
    import io

    from agentv_resume.cli.style import StatusLine

    tty, piped = io.StringIO(), io.StringIO()
    for stream, is_tty in ((tty, True), (piped, False)):
        line = StatusLine(stream, tty=is_tty)
        for text in ("1/3 cases done", "1/3 cases done", "2/3 cases done"):
            line.update(text)
        line.finish()
    assert piped.getvalue() == "1/3 cases done\n2/3 cases done\n"
    assert tty.getvalue().count("\n") == 1 and tty.getvalue().count("\r\x1b[K") == 3


# --- RUN names ---------------------------------------------------------------------

def test_a_mistyped_run_id_gets_did_you_mean(cli, project):
    result = cli("inspect", "erored", cwd=project)
    assert result.exit_code == 5
    assert "no run 'erored'" in result.stderr and "did you mean errored?" in result.stderr


def test_an_unknown_name_points_at_runs(cli, project):
    result = cli("inspect", "zzzzzz", cwd=project)
    assert result.exit_code == 5 and "`studio-resume runs` lists them" in result.stderr


def test_a_name_two_runs_share_lists_both(cli, project):
    for experiment in ("exp-a", "exp-b"):
        make_run(project, "nightly", [row("greet-1")], planned=1, experiment=experiment)
    result = cli("inspect", "nightly", cwd=project)
    assert result.exit_code == 5
    assert "'nightly' names 2 runs" in result.stderr
    assert "exp-a--nightly" in result.stderr and "exp-b--nightly" in result.stderr
    assert cli("inspect", "exp-b--nightly", "--json", cwd=project).exit_code == 0


def test_a_path_is_read_from_the_project_when_not_here(cli, project, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = cli("--project", project, "inspect", f"{RUNS}/errored", "--json", cwd=elsewhere)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["run_id"] == "errored"


def test_retry_errors_takes_a_run_id(cli, project):
    result = cli("launch", "--retry-errors", "errored", "--print", cwd=project)
    assert result.exit_code == 0, result.stderr
    assert f"--retry-errors {RUNS}/errored" in result.stdout
    typo = cli("launch", "--retry-errors", "erored", "--print", cwd=project)
    assert typo.exit_code == 5 and "did you mean errored?" in typo.stderr


def test_suite_paths_relative_to_here_reach_agentv_relative_to_the_project(cli, project):
    result = cli("launch", "--resume", "errored", "--suite", "greetings.yaml", "--print", cwd=project / "evals")
    assert result.exit_code == 0, result.stderr
    assert "evals/greetings.yaml" in result.stdout.split()


# --- --project and the environment ---------------------------------------------------

@pytest.mark.parametrize("command", [["runs"], ["jobs"], ["inspect", "errored"],
                                     ["launch", "--resume", "errored", "--print"]])
def test_project_after_the_command(cli, project, tmp_path, command):
    result = cli(*command, "--project", project, cwd=tmp_path)
    assert result.exit_code == 0, result.stderr


def test_the_commands_project_wins_over_the_groups(cli, project, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(project, other)
    shutil.rmtree(other / RUNS / "errored")
    result = cli("--project", other, "inspect", "errored", "--project", project, "--json", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr


def test_settings_from_the_environment(cli, project, tmp_path, monkeypatch):
    monkeypatch.setenv("STUDIO_RESUME_PROJECT", str(project))
    assert cli("inspect", "errored", "--json", cwd=tmp_path).exit_code == 0
    monkeypatch.setenv("STUDIO_RESUME_RUNS_STATE", "errored")
    assert [r["id"] for r in json.loads(cli("runs", "--json", cwd=tmp_path).stdout)["runs"]] == ["errored"]
    monkeypatch.setenv("STUDIO_RESUME_LAUNCH_WORKERS", "3")
    printed = cli("launch", "--resume", "errored", "--print", cwd=tmp_path).stdout
    assert "--workers 3" in printed


# --- help ----------------------------------------------------------------------------

def _commands():
    return sorted(main.commands)


def test_group_help_lists_every_command_untruncated(cli, tmp_path):
    result = cli("--help", cwd=tmp_path)
    assert result.exit_code == 0
    for name in ("runs", "jobs", "watch", "stop", "inspect", "launch", "serve", "completion"):
        line = next(line for line in result.stdout.splitlines() if line.strip().startswith(name + " "))
        assert not line.rstrip().endswith("..."), line
    for name, command in main.commands.items():
        assert command.short_help, f"{name} has no short_help (Click would cut its docstring)"


@pytest.mark.parametrize("name", _commands())
def test_every_command_has_examples(cli, tmp_path, name):
    result = cli(name, "--help", cwd=tmp_path)
    assert result.exit_code == 0
    examples = result.stdout.split("Examples:\n", 1)[1]
    first = examples.splitlines()[0].strip()
    assert re.match(r"studio-resume \S+", first), first
    assert f"studio-resume {name}" in examples
