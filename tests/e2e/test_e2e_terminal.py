"""The terminal as a peer of the page, with the real agentv and a real `serve`:
`watch` follows a job the page started to its end, `stop` stops one, and a
`launch` refused because of it names the job and both commands."""

from __future__ import annotations

import subprocess

import pytest
from agentv_project import RUNS, set_delay
from e2e_support import studio_resume_cmd
from support.waiting import wait_for

pytestmark = pytest.mark.e2e


def _cli(project, env, *args, timeout=180) -> subprocess.CompletedProcess:
    return subprocess.run(studio_resume_cmd(*args), cwd=project, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout)


def _start_from_page(server, run: str, suite: str) -> str:
    status, answer = server.post_json("/api/eval/run", {"suite_filter": suite, "target": ["default"],
                                                         "output": str(RUNS / run), "resume": True})
    assert status == 202, answer
    return answer["id"]


def test_watch_follows_a_page_job_to_the_end(project, e2e_env, serve):
    set_delay(project, 0.3)
    server = serve(project)
    job_id = _start_from_page(server, "interrupted", "evals/long.yaml")
    watched = _cli(project, e2e_env, "watch")  # the one job running
    assert watched.returncode == 0, watched.stderr
    assert "| default |" in watched.stdout  # agentv's own progress lines
    assert f"job {job_id} finished (exit 0): complete" in watched.stderr
    listed = _cli(project, e2e_env, "jobs")
    assert job_id in listed.stdout and "page" in listed.stdout
    runs = _cli(project, e2e_env, "runs", "--state", "complete")
    assert "interrupted" in runs.stdout


def test_stop_from_the_terminal_and_exit_3_names_the_job(project, e2e_env, serve):
    set_delay(project, 2.0)
    server = serve(project)
    job_id = _start_from_page(server, "slow", "evals/slow.yaml")
    wait_for(lambda: server.get_json(f"/api/eval/status/{job_id}")["status"] == "running", timeout=60,
             what="agentv running")
    busy = _cli(project, e2e_env, "launch", "--resume", "slow")
    assert busy.returncode == 3
    assert f"job {job_id} is running on it" in busy.stderr
    assert f"studio-resume watch {job_id}" in busy.stderr and f"studio-resume stop {job_id}" in busy.stderr

    stopped = _cli(project, e2e_env, "stop", "slow")
    assert stopped.returncode == 0, stopped.stderr
    assert f"job {job_id} stopped" in stopped.stderr
    assert server.get_json(f"/api/eval/status/{job_id}")["status"] == "stopped"
    watched = _cli(project, e2e_env, "watch", job_id)
    assert watched.returncode == 130 and f"job {job_id} stopped" in watched.stderr
