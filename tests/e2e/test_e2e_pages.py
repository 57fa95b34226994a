"""Issue 15 in a real browser against the real agentv: pick cases to rerun, follow the job by
its tab title, do it with the keyboard."""

from __future__ import annotations

import re

import pytest
from agentv_project import RUNS, last_status, read_rows
from e2e_support import expect, job_id_from, wait_for_job_status

pytestmark = pytest.mark.e2e

JOB_PAGE = re.compile(r"/jobs/[A-Za-z0-9._-]+$")


def test_rerun_two_picked_cases_with_the_keyboard(project, serve, page, shots):
    run_dir = project / RUNS / "errored"
    assert last_status(run_dir / "index.jsonl") == {
        "greet-1": "ok", "greet-2": "execution_error", "greet-3": "execution_error",
        "greet-4": "quality_failure", "greet-5": "ok"}
    lines_before = len(read_rows(run_dir / "index.jsonl"))
    server = serve(project)
    page.goto(f"{server.url}/runs/errored")
    page.wait_for_load_state("networkidle")

    picks = page.locator('input[data-role="pick"]')
    # Only what --rerun-failed would run can be picked; a passed case says why not.
    assert sorted(picks.evaluate_all("boxes => boxes.map(b => b.value)")) == ["greet-2", "greet-3", "greet-4"]
    expect(page.locator('tr[data-test-id="greet-1"] .sr-only')).to_contain_text("passed at least once")
    selected = page.get_by_test_id("rerun-selected-button")
    expect(selected).to_be_disabled()  # aria-disabled, still focusable
    expect(selected).to_contain_text("0 cases")

    for test_id in ("greet-2", "greet-4"):
        page.locator(f'input[data-role="pick"][value="{test_id}"]').focus()
        page.keyboard.press("Space")
    expect(selected).to_be_enabled()
    expect(selected).to_contain_text("Rerun selected — 2 cases")
    command = page.locator('[data-role="selected-command"] [data-role="command"]')
    expect(command).to_contain_text("--test-id greet-2")
    expect(command).to_contain_text("--test-id greet-4")
    expect(command).to_contain_text("--rerun-failed")
    shots.take(page, "run-page-two-picked")

    selected.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(JOB_PAGE)
    job_id = job_id_from(page)
    status = wait_for_job_status(page)
    assert status == "finished", server.get_json(f"/api/eval/status/{job_id}")
    # The tab says how it ended, for a user in another tab: agentv exited 0, but greet-3
    # (not picked) still has its error, so no ✓.
    expect(page).to_have_title(re.compile(r"^! finished · 1 error left · Job on errored"))
    favicon = page.locator('link[data-role="favicon"]').get_attribute("href")
    assert favicon.startswith("data:image/svg+xml"), favicon
    shots.take(page, "job-page-finished")

    statuses = last_status(run_dir / "index.jsonl")
    assert statuses["greet-2"] == "ok" and statuses["greet-4"] == "ok", statuses
    assert statuses["greet-3"] == "execution_error", statuses  # not picked: not rerun
    assert len(read_rows(run_dir / "index.jsonl")) >= lines_before  # nothing lost
    api = server.get_json(f"/api/eval/status/{job_id}")
    assert "--test-id greet-2 --test-id greet-4" in api["command"], api["command"]
    assert api["progress"]["planned"] in (2, 5), api["progress"]


def test_run_rows_search_filter_and_sort(project, serve, page, shots):
    server = serve(project)
    page.goto(f"{server.url}/runs/errored")
    page.wait_for_load_state("networkidle")
    page.keyboard.press("/")
    expect(page.locator("#row-search")).to_be_focused()
    page.keyboard.type("crashed")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"q=crashed"))
    page.wait_for_load_state("networkidle")
    ids = page.locator("td.test-id").all_inner_texts()
    assert sorted(ids) == ["greet-2", "greet-3"], ids
    page.get_by_role("link", name=re.compile(r"1 failed")).click()
    expect(page).to_have_url(re.compile(r"status=quality_failure"))
    page.wait_for_load_state("networkidle")
    assert "q=crashed" in page.url and "status=quality_failure" in page.url
    expect(page.locator("td.test-id")).to_have_count(0)  # greet-4 failed its check, no crash
    page.goto(f"{server.url}/runs/errored?sort=score")
    scores = page.locator('td[data-label="Score"]').all_inner_texts()
    assert scores == sorted(scores, key=lambda s: int(s.rstrip("%"))), scores
    shots.take(page, "run-page-sorted-by-score")


def test_agentvs_colours_are_spans_and_markup_stays_text(project, serve, page, shots):
    """A log with SGR colours and HTML in it: colours become classed spans, the HTML stays text."""
    from agentv_resume.jobs.store import JobStore

    store = JobStore(project)
    job = store.create(job_id="20260101-000000-c01045", argv=["agentv"], args=[],
                       command="agentv eval run evals/greetings.yaml --output .agentv/results/runs/default/errored --rerun-failed",
                       run_dir=project / RUNS / "errored", source="cli", progress_base={})
    job.log_path.write_bytes(b"\x1b[1m\x1b[32mPASS\x1b[0m greet-1\n\x1b[31m<img src=x onerror=alert(1)>\x1b[39m done\n"
                             b"\x1b]0;evil title\x07plain \x1b[38;5;9mbright\x1b[0m\n")
    job.record.update(status="finished", exit_code=0, finished_at="2026-01-01T00:00:05.000Z")
    job.save()
    server = serve(project)
    page.goto(f"{server.url}/jobs/{job.id}")
    page.wait_for_load_state("networkidle")
    log = page.get_by_test_id("job-log")
    expect(log.locator("span.ansi-fg-2.ansi-bold")).to_have_text("PASS")
    expect(log.locator("span.ansi-fg-1")).to_have_text("<img src=x onerror=alert(1)>")
    expect(log.locator("span.ansi-fg-9")).to_have_text("bright")
    assert log.locator("img").count() == 0
    text = log.inner_text()
    assert "\x1b" not in text and "[31m" not in text and "evil title" not in text, text
    assert "PASS greet-1" in text and "plain bright" in text
    shots.take(page, "job-log-colours")
