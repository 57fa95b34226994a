"""A job's outcome, end to end through the server and the CLI (issue 13).

"agentv" here replays a job the real agentv 4.42.4 did (tests/support/replay.py); the
real CLI itself runs in tests/e2e/test_e2e_outcomes.py.
"""

from __future__ import annotations

import re

from support.replay import launch_and_wait

from agentv_resume.jobs.outcome import BEFORE_NAME, OUTCOME_NAME


def badge_classes(html: str) -> str:
    return re.search(r'<span class="([^"]*)" data-testid="job-status"', html).group(1)


def test_a_rerun_that_leaves_an_error_is_never_green(project, replay):
    replay("rerun-errored")
    client, status = launch_and_wait(project, "rerun-errored")
    assert (status["status"], status["exit_code"]) == ("finished", 0)
    assert status["conclusion"] == "errors_left"
    assert status["outcome"]["label"] == "1 error · 1 quality failure left"
    assert status["outcome"]["tone"] == "bad"
    assert status["outcome"]["exit_reason"] == "agentv ran to its end (exit 0)"
    assert status["changes"]["summary"] == "1 fixed · 1 still errored · 1 still failing"
    assert [(c["test_id"], c["change"]) for c in status["changes"]["cases"]] == [
        ("greet-2", "fixed"), ("greet-3", "still_failing"), ("greet-4", "still_failing")]
    job_dir = project / ".agentv" / "studio-resume" / "jobs" / status["id"]
    assert (job_dir / BEFORE_NAME).is_file() and (job_dir / OUTCOME_NAME).is_file()

    page = client.get(status["job_url"]).text
    assert "tone-good" not in badge_classes(page) and "tone-bad" in badge_classes(page)
    assert 'data-conclusion="errors_left"' in page
    assert "finished · 1 error · 1 quality failure left" in page
    assert "1 fixed · 1 still errored · 1 still failing" in page
    # what to do next, right there, with the number of cases each would run
    assert re.search(r'data-testid="next-resume-button"[^>]*>Resume run — 1 case<', page, re.S)
    assert re.search(r'data-testid="next-rerun-failed-button"[^>]*>Rerun failed cases — 2 cases<', page, re.S)
    # the jobs list colours it the same way, and says what is left
    listing = client.get("/jobs").text
    assert re.search(r'class="badge tone-bad job-finished"', listing)
    assert '<span class="small muted" data-role="job-left">1 error · 1 quality failure left</span>' in listing


def test_a_threshold_not_met_is_failures_left_and_said(project, replay):
    replay("threshold")
    client, status = launch_and_wait(project, "threshold")
    assert (status["status"], status["exit_code"]) == ("failed", 1)
    assert status["conclusion"] == "failures_left" and status["outcome"]["threshold_failed"] is True
    assert "threshold not met" in status["outcome"]["exit_reason"]
    assert status["changes"]["summary"] == "1 fixed · 1 still failing"
    page = client.get(status["job_url"]).text
    assert "tone-warn" in badge_classes(page)
    assert "next-resume-button" not in page  # nothing missing or errored: only Rerun failed helps
    assert re.search(r'data-testid="next-rerun-failed-button"[^>]*>Rerun failed cases — 1 case<', page, re.S)


def test_resume_of_an_interrupted_run_lists_the_newly_run_cases(project, replay):
    replay("resume-interrupted")
    _, status = launch_and_wait(project, "resume-interrupted")
    assert status["conclusion"] == "errors_left"
    assert status["changes"]["counts"] == {"fixed": 0, "newly_failing": 0, "still_failing": 0, "newly_run": 6}
    assert [c["test_id"] for c in status["changes"]["cases"]] == [f"case-{n:02d}" for n in range(7, 13)]


def test_a_resume_stopped_half_way_is_incomplete(project, replay):
    replay("resume-stopped")
    client, status = launch_and_wait(project, "resume-stopped")
    assert (status["status"], status["exit_code"]) == ("failed", 143)
    assert status["conclusion"] == "incomplete" and status["outcome"]["left"]["missing"] == 4
    assert status["outcome"]["exit_reason"] == "stopped by SIGTERM (143)"
    page = client.get(status["job_url"]).text
    assert re.search(r'data-testid="next-resume-button"[^>]*>Resume run — 4 cases<', page, re.S)


def test_a_job_that_completes_the_run_is_green_and_offers_nothing(project, replay):
    replay("rerun-fixes-all")
    client, status = launch_and_wait(project, "rerun-fixes-all")
    assert status["conclusion"] == "complete" and status["outcome"]["tone"] == "good"
    assert status["changes"]["summary"] == "3 fixed"
    page = client.get(status["job_url"]).text
    assert "tone-good" in badge_classes(page) and "finished · the run is complete" in page
    assert "next-resume-button" not in page and "next-rerun-failed-button" not in page


def test_a_job_whose_runner_left_no_outcome_is_read_from_the_run_now(project, replay):
    replay("rerun-errored")
    client, status = launch_and_wait(project, "rerun-errored")
    job_dir = project / ".agentv" / "studio-resume" / "jobs" / status["id"]
    (job_dir / OUTCOME_NAME).unlink()
    again = client.get(f"/api/eval/status/{status['id']}").json
    assert again["conclusion"] == "errors_left" and again["outcome"]["read_now"] is True
    # without the times the runner reads, a failure seen before and after counts as still failing
    assert again["changes"]["summary"] == "1 fixed · 1 still errored · 1 still failing"
    assert not (job_dir / OUTCOME_NAME).exists()  # a GET never writes
    listed = client.get("/api/eval/runs").json["jobs"][0]
    assert "conclusion" not in listed  # a jobs list does not read every run


def test_cli_launch_ends_with_the_summary_and_the_next_command(cli, project, replay):
    replay("rerun-errored")
    result = cli("launch", "--rerun-failed", "errored", cwd=project)
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert "studio-resume: finished · 1 error · 1 quality failure left — 1 fixed · 1 still errored · 1 still failing" in lines
    assert "studio-resume: next (1 case): studio-resume launch --resume errored" in lines
    assert "studio-resume: next (2 cases): studio-resume launch --rerun-failed errored" in lines


def test_cli_launch_says_why_agentv_failed(cli, project, replay, tmp_path):
    replay("threshold")
    result = cli("--project", project, "launch", "--rerun-failed", "quality-only", "--threshold", "0.5", cwd=tmp_path)
    assert result.exit_code == 1, result.output
    assert "studio-resume: failed · 1 quality failure left — 1 fixed · 1 still failing" in result.stderr
    assert "threshold not met" in result.stderr
    assert f"studio-resume: next (1 case): studio-resume --project {project} launch --rerun-failed quality-only" \
        in result.stderr.splitlines()


def test_inspect_shows_the_last_job_and_the_missing_ids_with_the_api_s_fields(cli, project, replay):
    import json

    replay("rerun-errored")
    client, status = launch_and_wait(project, "rerun-errored")
    text = cli("--project", project, "inspect", "errored").stdout
    assert (f"Last job  {status['id']} · rerun failed · finished · 1 error · 1 quality failure left"
            " — 1 fixed · 1 still errored · 1 still failing") in text
    data = json.loads(cli("--project", project, "inspect", "errored", "--json").stdout)
    api = client.get("/api/runs/errored").json
    assert data["jobs"] == [{k: v for k, v in job.items() if k != "job_url"} for job in api["jobs"]]
    assert data["last_job"]["conclusion"] == "errors_left" and data["last_job"]["id"] == status["id"]
    missing = cli("--project", project, "inspect", "interrupted").stdout
    assert "Missing   case-07 (default), case-08 (default)" in missing
    fresh = json.loads(cli("--project", project, "inspect", "interrupted", "--json").stdout)
    assert fresh["last_job"] is None and fresh["jobs"] == []
    assert fresh["missing_ids"] == api_missing(client)


def api_missing(client):
    return client.get("/api/runs/interrupted").json["missing_ids"]
