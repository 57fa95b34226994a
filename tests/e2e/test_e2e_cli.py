"""`studio-resume launch` against the real agentv CLI."""

from __future__ import annotations

import re
import subprocess

import pytest
from agentv_project import LONG, RUNS, lines_by_test, read_rows, run_dirs
from e2e_support import assert_completed_in_place, expect, studio_resume_cmd, wait_for_job_status

pytestmark = pytest.mark.e2e


def test_cli_launch_resume_finishes_the_run_in_place(project, e2e_env, serve, page, shots):
    run_dir = project / RUNS / "interrupted"
    before = lines_by_test(run_dir / "index.jsonl")
    lines_before = len(read_rows(run_dir / "index.jsonl"))
    runs_before = run_dirs(project)

    proc = subprocess.run(studio_resume_cmd("--project", str(project), "launch", "--resume", "interrupted"),
                          cwd=project, env=e2e_env, stdin=subprocess.DEVNULL, capture_output=True, timeout=180)
    stdout, stderr = proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace")
    assert proc.returncode == 0, f"exit {proc.returncode}\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    # agentv's own words: it found the earlier results and skipped them.
    assert f"Resume: found {lines_before} existing result(s), skipping {len(before)} completed." in stdout
    assert_completed_in_place(run_dir, LONG, before, runs_before)

    # The job the CLI ran is a job like any other: the web launcher shows it.
    job = re.search(r"studio-resume: job (\S+):", stderr)
    assert job, stderr
    server = serve(project)
    page.goto(f"{server.url}/jobs/{job.group(1)}")
    assert wait_for_job_status(page, timeout=15) == "finished"
    shots.take(page, "job-page")
    page.goto(f"{server.url}/jobs")
    # The jobs list links each job by its id (the link text is a short form of it).
    expect(page.locator(f'a[href="/jobs/{job.group(1)}"]').first).to_be_visible()
    shots.take(page, "jobs-page")
    page.goto(f"{server.url}/runs/interrupted")
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("resume-run-button").count() == 0
    assert page.get_by_test_id("rerun-failed-button").count() == 0
    shots.take(page, "run-page-after")
