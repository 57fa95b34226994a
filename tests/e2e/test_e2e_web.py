"""The web launcher in a real browser, launching the real agentv CLI."""

from __future__ import annotations

import os
import re
import signal

import pytest
from support.waiting import wait_for
from agentv_project import GREETINGS, LONG, RUNS, SLOW, last_status, lines_by_test, read_rows, run_dirs, set_delay
from e2e_support import (
    TERMINAL,
    assert_completed_in_place,
    expect,
    in_viewport,
    job_id_from,
    processes_in,
    progress_of,
    wait_for_job_status,
)

pytestmark = pytest.mark.e2e

JOB_PAGE = re.compile(r"/jobs/[A-Za-z0-9._-]+$")


def open_run(page, server, run_id: str) -> None:
    page.goto(f"{server.url}/runs/{run_id}")
    page.wait_for_load_state("networkidle")


def click_and_follow_job(page, testid: str) -> str:
    """Click an action button; the page must go to /jobs/<id>.  Returns the job id."""
    button = page.get_by_test_id(testid)
    expect(button).to_be_enabled()
    button.click()
    expect(page).to_have_url(JOB_PAGE)
    return job_id_from(page)


def finish_job(page, server, job_id: str, shots, planned: int) -> dict:
    """Wait for the job to end; it must be `finished` with the progress bar full."""
    status = wait_for_job_status(page)
    expect(page.get_by_test_id("job-progress")).to_be_visible()
    shots.take(page, f"job-page-{status}")
    api = server.get_json(f"/api/eval/status/{job_id}")
    assert status == "finished", f"job {job_id} ended {status}: {api}"
    assert api["status"] == "finished" and api["exit_code"] == 0, api
    assert api["progress"] == {"done": planned, "planned": planned}, api["progress"]
    # The bar is read after the page saw the final status; give it one refresh.
    wait_for(lambda: progress_of(page) == (planned, planned), 10, what=f"job-progress at {planned}/{planned}")
    return api


def test_resume_interrupted_run(project, serve, page, shots):
    run_dir = project / RUNS / "interrupted"
    before = lines_by_test(run_dir / "index.jsonl")
    runs_before = run_dirs(project)
    server = serve(project)

    open_run(page, server, "interrupted")
    resume = page.get_by_test_id("resume-run-button")
    expect(resume).to_be_visible()
    expect(resume).to_contain_text("Resume run")
    expect(resume).to_contain_text(re.compile(rf"\b{len(LONG) - len(before)}\b"))  # cases it will run
    assert in_viewport(page, resume), "Resume run is not visible without scrolling"
    shots.take(page, "run-page-before")

    job_id = click_and_follow_job(page, "resume-run-button")
    api = finish_job(page, server, job_id, shots, planned=len(LONG))
    assert (project / api["run_dir"]).resolve() == run_dir  # relative to the project, or absolute
    assert_completed_in_place(run_dir, LONG, before, runs_before)
    console = (run_dir / "console.log").read_text(encoding="utf-8")
    assert f"studio-resume job {job_id}" in console and "Resume: found" in console, console[:2000]

    page.get_by_role("link", name=re.compile("Back to run")).click()
    expect(page).to_have_url(re.compile(r"/runs/interrupted$"))
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("resume-run-button")).to_have_count(0)
    expect(page.get_by_test_id("rerun-failed-button")).to_have_count(0)
    shots.take(page, "run-page-after")


def test_rerun_failed_cases_of_errored_run(project, serve, page, shots):
    # The template removed the crash/wrong markers after this run: the agent is fixed.
    run_dir = project / RUNS / "errored"
    before = lines_by_test(run_dir / "index.jsonl")
    lines_before = len(read_rows(run_dir / "index.jsonl"))
    runs_before = run_dirs(project)
    failing = [t for t, s in last_status(run_dir / "index.jsonl").items() if s != "ok"]
    assert len(failing) == 3
    server = serve(project)

    open_run(page, server, "errored")
    rerun = page.get_by_test_id("rerun-failed-button")
    expect(rerun).to_be_visible()
    expect(rerun).to_contain_text(re.compile(r"\b3\b"))  # 2 errors + 1 quality failure
    expect(page.get_by_test_id("resume-run-button")).to_contain_text(re.compile(r"\b2\b"))  # errors only
    assert in_viewport(page, rerun), "Rerun failed cases is not visible without scrolling"
    shots.take(page, "run-page-before")

    job_id = click_and_follow_job(page, "rerun-failed-button")
    finish_job(page, server, job_id, shots, planned=len(GREETINGS))
    assert_completed_in_place(run_dir, GREETINGS, before, runs_before)
    log = page.get_by_test_id("job-log")
    expect(log).to_contain_text(f"Rerun-failed: found {lines_before} existing result(s), "
                                f"skipping {len(GREETINGS) - len(failing)} completed.")

    open_run(page, server, "errored")
    expect(page.get_by_test_id("rerun-failed-button")).to_have_count(0)
    shots.take(page, "run-page-after")


def test_read_only_server_launches_nothing(project, serve, page, shots):
    run_dir = project / RUNS / "errored"
    index_before = (run_dir / "index.jsonl").read_bytes()
    server = serve(project, "--read-only")

    open_run(page, server, "errored")
    for testid in ("resume-run-button", "rerun-failed-button"):
        button = page.get_by_test_id(testid)
        expect(button).to_be_visible()
        expect(button).to_be_disabled()
    expect(page.locator("body")).to_contain_text(re.compile("read-only", re.I))
    page.get_by_test_id("resume-run-button").click(force=True)  # a disabled button does nothing
    page.wait_for_timeout(500)
    assert "/runs/errored" in page.url
    shots.take(page, "run-page")

    body = {"suite_filter": "evals/greetings.yaml", "target": ["default"],
            "output": str(run_dir.relative_to(project)), "resume": True}
    status, answer = server.post_json("/api/eval/run", body)
    assert status == 403, (status, answer)
    assert isinstance(answer, dict) and answer.get("error"), answer
    status, answer = server.post_json("/api/eval/run/no-such-job/stop", {})
    assert status == 403, (status, answer)  # read-only answers before any lookup

    assert server.get_json("/api/eval/runs")["jobs"] == []
    jobs_dir = project / ".agentv" / "studio-resume" / "jobs"
    assert not jobs_dir.exists() or not any(jobs_dir.iterdir()), list(jobs_dir.iterdir())
    assert (run_dir / "index.jsonl").read_bytes() == index_before
    assert not processes_in(project, exclude=(server.proc.pid,))
    page.goto(server.url + "/")
    shots.take(page, "runs-page")
    page.goto(server.url + "/jobs")
    expect(page.locator("body")).to_contain_text("No jobs yet")
    shots.take(page, "jobs-page")


def test_all_ok_run_has_no_buttons(project, serve, page, shots):
    server = serve(project)
    open_run(page, server, "all-ok")
    expect(page.locator("body")).to_contain_text("greet-5")
    expect(page.get_by_test_id("resume-run-button")).to_have_count(0)
    expect(page.get_by_test_id("rerun-failed-button")).to_have_count(0)
    detail = server.get_json("/api/runs/all-ok")
    assert detail["state"] == "complete" and not detail["resumable"] and not detail["rerunnable"], detail
    shots.take(page, "run-page")
    page.goto(server.url + "/")
    shots.take(page, "runs-page")
    page.goto(server.url + "/jobs")
    shots.take(page, "jobs-page")


def test_stop_then_resume_again(project, serve, page, shots):
    run_dir = project / RUNS / "slow"
    runs_before = run_dirs(project)
    set_delay(project, 1.0)  # one case a second, one worker (the eval file says so)
    server = serve(project)
    mine = (server.proc.pid,)

    stale = page.context.new_page()  # a second tab, left on the run page from before the launch
    open_run(stale, server, "slow")
    open_run(page, server, "slow")
    shots.take(page, "run-page-before")
    job_id = click_and_follow_job(page, "resume-run-button")
    assert wait_for_job_status(page, ("running",) + TERMINAL, timeout=30) == "running"
    wait_for(lambda: any("agent.py" in cmd for cmd in processes_in(project, mine).values()), 30,
               what="agentv to start the agent")
    # The log is live: agentv's first lines show while it works.
    expect(page.get_by_test_id("job-log")).to_contain_text("Resume: found 2 existing result(s)", timeout=10_000)
    shots.take(page, "job-page-running")

    # The stale tab's Resume is refused (409), and the page says so with the job.
    stale.get_by_test_id("resume-run-button").click()
    alert = stale.locator(".actions [role=alert]")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text(job_id)
    assert "/runs/slow" in stale.url
    shots.take(stale, "run-page-stale-409")
    # Reloaded, the run page shows the active job and Stop instead of the buttons.
    open_run(stale, server, "slow")
    expect(stale.get_by_test_id("resume-run-button")).to_have_count(0)
    expect(stale.get_by_test_id("stop-run-button")).to_be_visible()
    shots.take(stale, "run-page-active")
    stale.close()

    page.get_by_test_id("stop-run-button").click()
    assert wait_for_job_status(page, timeout=30) == "stopped"
    shots.take(page, "job-page-stopped")
    assert server.get_json(f"/api/eval/status/{job_id}")["status"] == "stopped"
    # agentv, the agents it started and the job's supervisor are all gone.
    wait_for(lambda: not processes_in(project, mine), 15, what="no process left in the project")
    statuses = last_status(run_dir / "index.jsonl")
    assert len(statuses) < len(SLOW), "the run finished before Stop took effect"

    set_delay(project, 0)
    before = lines_by_test(run_dir / "index.jsonl")
    open_run(page, server, "slow")
    job_id = click_and_follow_job(page, "resume-run-button")
    finish_job(page, server, job_id, shots, planned=len(SLOW))
    assert_completed_in_place(run_dir, SLOW, before, runs_before)
    # Both jobs' output is in the run's console.log: appended, never truncated.
    console = (run_dir / "console.log").read_text(encoding="utf-8")
    assert console.count("==== studio-resume job ") == 2, console[:3000]
    open_run(page, server, "slow")
    shots.take(page, "run-page-after")


def test_seed_acceptance_one_click_resume(project, serve, page, shots):
    """Red: the run as agentv left it is incomplete.  Green: one click finishes it in place."""
    run_dir = project / RUNS / "interrupted"
    rows = read_rows(run_dir / "index.jsonl")
    done = {row["test_id"] for row in rows}
    server = serve(project)

    # red
    detail = server.get_json("/api/runs/interrupted")
    assert detail["state"] == "incomplete", detail["state"]
    assert detail["missing"] == len(LONG) - len(done)
    assert detail["resumable"] is True
    listed = {run["id"]: run for run in server.get_json("/api/runs")["runs"]}
    assert listed["interrupted"]["state"] == "incomplete"
    open_run(page, server, "interrupted")
    expect(page.locator("body")).to_contain_text(re.compile("incomplete", re.I))
    shots.take(page, "run-page-red")

    # green: one click
    job_id = click_and_follow_job(page, "resume-run-button")
    finish_job(page, server, job_id, shots, planned=len(LONG))
    expect(page.get_by_test_id("job-log")).to_contain_text(
        f"Resume: found {len(rows)} existing result(s), skipping {len(done)} completed.")
    assert (project / server.get_json(f"/api/eval/status/{job_id}")["run_dir"]).resolve() == run_dir
    assert run_dir.is_dir() and set(last_status(run_dir / "index.jsonl").values()) == {"ok"}
    detail = server.get_json("/api/runs/interrupted")
    assert detail["state"] == "complete" and detail["missing"] == 0, detail
    open_run(page, server, "interrupted")
    shots.take(page, "run-page-green")


def test_job_survives_a_server_restart(project, serve, page, shots):
    """Jobs run detached and are recorded on disk: a new server follows them to the end."""
    run_dir = project / RUNS / "slow"
    before = lines_by_test(run_dir / "index.jsonl")
    runs_before = run_dirs(project)
    set_delay(project, 0.5)
    first = serve(project)
    open_run(page, first, "slow")
    job_id = click_and_follow_job(page, "resume-run-button")
    assert wait_for_job_status(page, ("running",) + TERMINAL, timeout=30) == "running"
    os.killpg(first.proc.pid, signal.SIGINT)  # Ctrl-C in the server's terminal
    assert first.proc.wait(timeout=15) in (0, 130), first.log()

    second = serve(project)
    page.goto(f"{second.url}/jobs/{job_id}")
    finish_job(page, second, job_id, shots, planned=len(SLOW))
    assert_completed_in_place(run_dir, SLOW, before, runs_before)
    page.goto(second.url + "/jobs")
    # Listed after the restart (the link is named by the run, the id is its tail and label).
    expect(page.get_by_role("link", name=f"Job {job_id}")).to_have_count(1)
    shots.take(page, "jobs-page")
    open_run(page, second, "slow")
    shots.take(page, "run-page-after")
