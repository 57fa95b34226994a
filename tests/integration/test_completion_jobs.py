"""<TAB> for the commands of issue 14: job ids for watch / stop, run ids for
--retry-errors, --state words for runs, --project after a command; in bash,
zsh and fish (Click's protocols), and in a real bash with the shipped script."""

from __future__ import annotations

import json

import pytest
from click.shell_completion import ShellComplete

from agentv_resume.cli import completion
from agentv_resume.cli.main import main
from test_completion import _bash_complete, here, needs_bash  # noqa: F401  (fixture)

JOBS = ".agentv/studio-resume/jobs"


def complete(args: list[str], incomplete: str = "") -> list:
    return ShellComplete(main, {}, "studio-resume", completion.COMPLETE_VAR).get_completions(args, incomplete)


def values(args: list[str], incomplete: str = "") -> list[str]:
    return [item.value for item in complete(args, incomplete)]


def make_job(project, job_id: str, status: str, run: str) -> None:
    job_dir = project / JOBS / job_id
    job_dir.mkdir(parents=True)
    (job_dir / "job.json").write_text(json.dumps({
        "id": job_id, "status": status, "run_dir": str(project / ".agentv/results/runs/default" / run)}))


@pytest.fixture
def with_jobs(here):  # noqa: F811
    make_job(here, "20261201-090000-aaaaaa", "finished", "errored")
    make_job(here, "20261201-100000-bbbbbb", "running", "interrupted")
    return here


@pytest.mark.parametrize("command", ["watch", "stop"])
def test_job_ids_newest_first_then_runs(with_jobs, command):
    assert values([command]) == ["20261201-100000-bbbbbb", "20261201-090000-aaaaaa",
                                 "last", "errored", "interrupted", "quality-only", "all-ok"]
    assert values([command], "20261201-09") == ["20261201-090000-aaaaaa"]


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_job_help_says_status_and_run_where_the_shell_shows_it(with_jobs, monkeypatch, shell):
    monkeypatch.setenv(completion.COMPLETE_VAR, f"{shell}_complete")
    helps = {item.value: item.help for item in complete(["watch"], "2026")}
    assert helps == {"20261201-100000-bbbbbb": "running · interrupted", "20261201-090000-aaaaaa": "finished · errored"}
    assert not any("," in help_text for help_text in helps.values())  # fish splits on commas


def test_bash_gets_no_help_and_reads_no_job_file(with_jobs, monkeypatch):
    monkeypatch.setenv(completion.COMPLETE_VAR, "bash_complete")
    (with_jobs / JOBS / "20261201-100000-bbbbbb" / "job.json").write_text("{not json")
    items = complete(["stop"], "2026")
    assert [(item.value, item.help) for item in items] == [("20261201-100000-bbbbbb", None),
                                                           ("20261201-090000-aaaaaa", None)]


def test_a_broken_job_record_costs_only_its_help(with_jobs, monkeypatch):
    monkeypatch.setenv(completion.COMPLETE_VAR, "zsh_complete")
    (with_jobs / JOBS / "20261201-100000-bbbbbb" / "job.json").write_text("{not json")
    helps = {item.value: item.help for item in complete(["watch"], "2026")}
    assert helps["20261201-100000-bbbbbb"] is None and helps["20261201-090000-aaaaaa"] == "finished · errored"


def test_no_jobs_folder_offers_runs(here):  # noqa: F811
    assert values(["watch"])[:2] == ["last", "errored"]


def test_retry_errors_offers_run_ids_else_paths(here):  # noqa: F811
    assert values(["launch", "--retry-errors"], "err") == ["errored"]
    assert [(i.type, i.value) for i in complete(["launch", "--retry-errors"], "evals/")] == [("file", "evals/")]


def test_runs_state_words(here):  # noqa: F811
    assert values(["runs", "--state"], "") == ["running", "errored", "incomplete", "failed", "complete",
                                                "unreadable", "needs-attention"]
    assert values(["runs", "--state"], "n") == ["needs-attention"]


def test_project_after_the_command_is_the_one_completed(with_jobs, tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("AGENTV_HOME", str(tmp_path / "agentv-home"))
    assert values(["watch"]) == []
    assert values(["watch", "--project", str(with_jobs)])[:2] == ["20261201-100000-bbbbbb", "20261201-090000-aaaaaa"]
    assert values(["inspect", "--project", str(with_jobs)])[:2] == ["last", "errored"]


def test_new_commands_are_completed(here):  # noqa: F811
    names = values([], "")
    for name in ("runs", "jobs", "watch", "stop"):
        assert name in names


@needs_bash
def test_real_bash_completes_job_ids(with_jobs):
    assert _bash_complete(with_jobs, ["studio-resume", "stop", "2026"]) == \
        ["20261201-100000-bbbbbb", "20261201-090000-aaaaaa"]
    assert _bash_complete(with_jobs, ["studio-resume", "r"]) == ["runs"]
