"""What a job did and what is left, on the job page, with the real agentv and a real browser (issue 13).

Each test makes agentv leave something (a crash, a wrong answer, a threshold), then reads the
job page alone: its conclusion and colour, what changed, why agentv exited, and the next action.
Screenshots of each job page are under test-artifacts/e2e/<test>/.
"""

from __future__ import annotations

import re

import pytest
from agentv_project import GREETINGS, LONG, RUNS, lines_by_test, set_markers
from e2e_support import expect, job_id_from, wait_for_job_status

pytestmark = pytest.mark.e2e

JOB_PAGE = re.compile(r"/jobs/[A-Za-z0-9._-]+$")


def launch_from(page, server, run_id: str, testid: str) -> str:
    page.goto(f"{server.url}/runs/{run_id}")
    page.wait_for_load_state("networkidle")
    page.get_by_test_id(testid).click()
    expect(page).to_have_url(JOB_PAGE)
    return job_id_from(page)


def outcome_of(page, timeout: float = 90) -> dict:
    """Wait for the job to end and its outcome box to be drawn; what the page says."""
    wait_for_job_status(page, timeout=timeout)
    box = page.get_by_test_id("job-outcome")
    expect(box).to_be_visible(timeout=20_000)
    badge = page.get_by_test_id("job-status")
    return {
        "conclusion": box.get_attribute("data-conclusion"),
        "headline": page.get_by_test_id("job-conclusion").inner_text().strip(),
        "exit": page.get_by_test_id("job-exit-reason").inner_text().strip(),
        "changes": page.get_by_test_id("job-changes-summary").inner_text().strip(),
        "badge": badge.get_attribute("class"),
        "badge_colour": badge.evaluate("el => getComputedStyle(el).color"),
    }


GREEN = "rgb(26, 127, 55)"  # --green (light mode): kept for "nothing left to do"


def test_resume_of_an_interrupted_run_that_leaves_an_error(project, serve, page, shots):
    missing = [case for case in LONG if case not in lines_by_test(project / RUNS / "interrupted" / "index.jsonl")]
    set_markers(project, crash=[missing[-1]], wrong=[missing[-2]])
    server = serve(project)
    launch_from(page, server, "interrupted", "resume-run-button")
    seen = outcome_of(page)
    shots.take(page, "job-page-resume-interrupted")
    assert seen["conclusion"] == "errors_left"
    assert seen["headline"] == "finished · 1 error · 1 quality failure left"
    assert "tone-bad" in seen["badge"] and seen["badge_colour"] != GREEN  # finished, yet not green
    assert seen["changes"] == f"{len(missing)} newly run (2 not ok)"
    assert seen["exit"] == "agentv ran to its end (exit 0)"
    expect(page.get_by_test_id("next-resume-button")).to_have_text("Resume run — 1 case")
    rows = page.get_by_test_id("job-changes").locator("tbody tr")
    expect(rows).to_have_count(len(missing))


def test_rerun_that_fixes_some_cases_then_the_next_action_finishes_the_run(project, serve, page, shots):
    set_markers(project, crash=[GREETINGS[2]], wrong=[GREETINGS[3]])  # greet-2 is fixed; 3 and 4 are not
    server = serve(project)
    first = launch_from(page, server, "errored", "rerun-failed-button")
    seen = outcome_of(page)
    shots.take(page, "job-page-rerun-partly-fixed")
    assert seen["conclusion"] == "errors_left" and "tone-bad" in seen["badge"]
    assert seen["changes"] == "1 fixed · 1 still errored · 1 still failing"
    changes = page.get_by_test_id("job-changes").inner_text()
    assert re.search(r"fixed\s+greet-2", changes) and re.search(r"still failing\s+greet-3", changes)

    # The agent is fixed: the job page's own next action finishes the run.
    set_markers(project)
    rerun = page.get_by_test_id("next-rerun-failed-button")
    expect(rerun).to_have_text("Rerun failed cases — 2 cases")
    rerun.click()
    page.wait_for_url(lambda url: JOB_PAGE.search(url) is not None and not url.endswith("/" + first), timeout=15_000)
    second = outcome_of(page)
    shots.take(page, "job-page-rerun-complete")
    assert second["conclusion"] == "complete" and second["headline"] == "finished · the run is complete"
    assert "tone-good" in second["badge"] and second["badge_colour"] == GREEN
    assert second["changes"] == "2 fixed"
    expect(page.get_by_test_id("next-resume-button")).to_have_count(0)

    # The run page keeps both jobs, newest first, and says why nothing is left.
    page.goto(f"{server.url}/runs/errored")
    history = page.get_by_test_id("run-history")
    expect(history.locator("tbody tr")).to_have_count(2)
    expect(history.locator("tbody tr").first).to_contain_text("2 fixed")
    shots.take(page, "run-page-history")


def test_threshold_not_met_is_said_on_the_job_page(project, serve, page, shots):
    set_markers(project, crash=[], wrong=[GREETINGS[3]])
    server = serve(project)
    status, answer = server.post_json("/api/eval/run", {
        "suite_filter": "evals/greetings.yaml", "target": ["default"], "output": str(RUNS / "errored"),
        "rerun_failed": True, "threshold": 0.5})
    assert status == 202, answer
    page.goto(server.url + answer["job_url"])
    seen = outcome_of(page)
    shots.take(page, "job-page-threshold")
    assert seen["conclusion"] == "failures_left"
    assert seen["headline"] == "failed · 1 quality failure left"
    assert "threshold not met" in seen["exit"]
    assert seen["changes"] == "2 fixed · 1 still failing"
    assert "tone-warn" in seen["badge"]
    expect(page.get_by_test_id("next-rerun-failed-button")).to_have_text("Rerun failed cases — 1 case")
    # why greet-4 failed, from the run page, and its answer from the case page
    page.goto(f"{server.url}/runs/errored")
    expect(page.locator("[data-testid=case-reasons]").first).to_contain_text('Output does not contain "Hello"')
    page.get_by_role("link", name="greet-4", exact=True).click()
    expect(page.get_by_test_id("case-files")).to_contain_text("contains-Hello")
    shots.take(page, "case-page")
