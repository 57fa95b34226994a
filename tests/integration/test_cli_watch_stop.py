"""`studio-resume watch` and `stop` on a job the web page started, and `launch`'s exit 3.

The job is started through the app (create_app, POST /api/eval/run), so it
runs under the real detached supervisor with the stand-in agentv of
web_support; the terminal then follows or stops it as a user would, from
another process's point of view (the CLI shares nothing with the app but
the project's files).
"""

from __future__ import annotations

import json
import os

import pytest

from agentv_resume.jobs.lock import acquire_lock
from support.waiting import wait_for
from support.web import RUNS_DIR, client_for, run_body, wait_terminal

LAUNCH = "/api/eval/run"


@pytest.fixture
def page(project, fake_agentv):  # noqa: F811  (fixture)
    return client_for(project)


def start_from_page(page, project, run="interrupted") -> str:
    answer = page.post(LAUNCH, run_body(project, run))
    assert answer.status == 202, answer.json
    return answer.json["id"]


@pytest.fixture(autouse=True)
def _fake_agentv_env(monkeypatch):
    for key in ("FAKE_AGENTV_DELAY", "FAKE_AGENTV_ROWS", "FAKE_AGENTV_EXIT"):
        monkeypatch.delenv(key, raising=False)


# --- watch -------------------------------------------------------------------------

def test_watch_follows_a_page_job_to_its_end(cli, project, page, monkeypatch):
    monkeypatch.setenv("FAKE_AGENTV_DELAY", "0.3")
    monkeypatch.setenv("FAKE_AGENTV_ROWS", "3")
    job_id = start_from_page(page, project)
    result = cli("watch", job_id, cwd=project)
    assert result.exit_code == 0, result.stderr
    for n in (1, 2, 3):
        assert f"case fake-{n} done" in result.stdout
    assert f"job {job_id} finished (exit 0)" in result.stderr
    # Piped: plain progress lines, no carriage return, no colour.
    assert "\r" not in result.stderr and "\x1b" not in result.stderr + result.stdout
    assert "cases done" in result.stderr


def test_watch_by_run_and_with_no_argument_finds_the_running_job(cli, project, page, monkeypatch):
    monkeypatch.setenv("FAKE_AGENTV_DELAY", "0.2")
    monkeypatch.setenv("FAKE_AGENTV_ROWS", "2")
    job_id = start_from_page(page, project)
    by_run = cli("watch", "interrupted", cwd=project)
    assert by_run.exit_code == 0 and f"job {job_id} finished" in by_run.stderr
    # Once it ended, no job runs: the plain `watch` says so and how to list them.
    nothing = cli("watch", cwd=project)
    assert nothing.exit_code == 5
    assert "no job is running" in nothing.stderr and "studio-resume jobs" in nothing.stderr


def test_watch_exits_with_the_jobs_outcome(cli, project, page, monkeypatch):
    monkeypatch.setenv("FAKE_AGENTV_EXIT", "2")
    job_id = start_from_page(page, project)
    wait_terminal(page, job_id)
    result = cli("watch", job_id, cwd=project)
    assert result.exit_code == 2
    assert f"job {job_id} failed (exit 2)" in result.stderr
    assert "case fake-2 done" in result.stdout  # the end of the log, for context


def test_ctrl_c_detaches_and_the_job_goes_on(cli, project, page, monkeypatch):
    monkeypatch.setenv("FAKE_AGENTV_DELAY", "30")
    job_id = start_from_page(page, project)
    wait_for(lambda: page.get(f"/api/eval/status/{job_id}").json["status"] == "running", what="running")
    from agentv_resume.cli import watch as watch_module

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(watch_module, "follow", interrupted)
    result = cli("watch", job_id, cwd=project)
    assert result.exit_code == 130
    assert "detached" in result.stderr and f"studio-resume stop {job_id}" in result.stderr
    assert page.get(f"/api/eval/status/{job_id}").json["status"] == "running"
    page.post(f"/api/eval/run/{job_id}/stop", {})
    wait_terminal(page, job_id)


def test_watch_shows_control_characters_of_a_log_instead_of_obeying_them(cli, project, page, monkeypatch):
    job_id = start_from_page(page, project)
    wait_terminal(page, job_id)
    log = project / ".agentv/studio-resume/jobs" / job_id / "output.log"
    with open(log, "ab") as handle:
        handle.write(b"evil \x1b]0;retitled\x07 done\n")
    result = cli("watch", job_id, cwd=project)
    assert "\x1b" not in result.stdout and "\\x1b]0;retitled" in result.stdout


def test_watch_an_unknown_name(cli, project, page):
    result = cli("watch", "interupted", cwd=project)
    assert result.exit_code == 5
    assert "did you mean interrupted" in result.stderr


# --- stop --------------------------------------------------------------------------

def test_stop_a_page_job_as_the_page_does(cli, project, page, monkeypatch):
    monkeypatch.setenv("FAKE_AGENTV_DELAY", "30")
    job_id = start_from_page(page, project)
    wait_for(lambda: page.get(f"/api/eval/status/{job_id}").json["status"] == "running", what="running")
    result = cli("stop", job_id, cwd=project)
    assert result.exit_code == 0, result.stderr
    assert f"job {job_id} stopped" in result.stderr
    status = page.get(f"/api/eval/status/{job_id}").json
    assert status["status"] == "stopped" and status.get("stop_requested") is True
    # Stop is idempotent, like the page's: the second says it had ended.
    again = cli("stop", job_id, cwd=project)
    assert again.exit_code == 0 and "had already ended: stopped" in again.stderr


def test_stop_by_run(cli, project, page, monkeypatch):
    monkeypatch.setenv("FAKE_AGENTV_DELAY", "30")
    job_id = start_from_page(page, project)
    wait_for(lambda: page.get(f"/api/eval/status/{job_id}").json["status"] == "running", what="running")
    result = cli("stop", "interrupted", cwd=project)
    assert result.exit_code == 0 and f"job {job_id} stopped" in result.stderr


def test_stop_needs_a_name(cli, project):
    result = cli("stop", cwd=project)
    assert result.exit_code == 2 and "Missing argument 'JOB|RUN'" in result.stderr


def test_stop_a_run_no_job_ever_ran_on(cli, project):
    result = cli("stop", "errored", cwd=project)
    assert result.exit_code == 5
    assert "no job has run on errored" in result.stderr and "launch --resume errored" in result.stderr


# --- launch refused: exit 3 names the job and the commands -------------------------

def test_busy_launch_names_the_job_and_the_watch_and_stop_commands(cli, project, page, monkeypatch):
    monkeypatch.setenv("FAKE_AGENTV_DELAY", "30")
    job_id = start_from_page(page, project)
    wait_for(lambda: page.get(f"/api/eval/status/{job_id}").json["status"] == "running", what="running")
    result = cli("launch", "--resume", "interrupted", cwd=project)
    assert result.exit_code == 3
    assert f"run interrupted is busy: job {job_id} is running on it" in result.stderr
    assert f"studio-resume watch {job_id}" in result.stderr
    assert f"studio-resume stop {job_id}" in result.stderr
    page.post(f"/api/eval/run/{job_id}/stop", {})
    wait_terminal(page, job_id)


def test_busy_by_a_lock_with_no_job_keeps_the_plain_message(cli, project, fake_agentv):  # noqa: F811
    fd = acquire_lock(project / RUNS_DIR / "errored", "unknown")
    try:
        result = cli("launch", "--resume", "errored", cwd=project)
    finally:
        os.close(fd)
    assert result.exit_code == 3
    assert "watch" not in result.stderr


# --- jobs --------------------------------------------------------------------------

def test_jobs_lists_page_and_terminal_jobs(cli, project, page, monkeypatch):
    job_id = start_from_page(page, project)
    wait_terminal(page, job_id)
    listed = cli("jobs", cwd=project)
    assert listed.exit_code == 0
    header, row = listed.stdout.splitlines()[:2]
    assert header.split() == ["JOB", "STATUS", "CONCLUSION", "RUN", "STARTED", "FROM"]
    assert row.split()[:2] == [job_id, "finished"] and "interrupted" in row and "page" in row
    data = json.loads(cli("jobs", "--json", cwd=project).stdout)
    assert [job["id"] for job in data["jobs"]] == [job_id]
    assert data["jobs"][0]["run_id"] == "interrupted" and data["jobs"][0]["status"] == "finished"
    # The same fields as the page's jobs list.
    api = page.get("/api/eval/runs").json["jobs"][0]
    same = ("id", "status", "command", "run_id", "exit_code", "conclusion")
    assert {key: api.get(key) for key in same} == {key: data["jobs"][0].get(key) for key in same}
    assert data["jobs"][0]["conclusion"]  # the job's outcome, as the page shows it
    assert data["jobs"][0]["outcome"]["label"] in row  # "4 missing left", the page's words


def test_no_jobs_yet(cli, project):
    result = cli("jobs", cwd=project)
    assert result.exit_code == 0 and result.stdout == ""
    assert "no jobs yet" in result.stderr
    assert json.loads(cli("jobs", "--json", cwd=project).stdout) == {"jobs": []}
