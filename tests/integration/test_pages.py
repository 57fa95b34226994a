"""The HTML pages (contract: Pages): which actions render, what they send, paging, jobs."""

from __future__ import annotations

import os
import shutil

import pytest

from agentv_resume.jobs.lock import acquire_lock
from agentv_resume.jobs.store import JobStore
from agentv_resume.launching.actions import action_body
from agentv_resume.runs.project import Project
from agentv_resume.runs.reader import RunReader
from support.builders import add_run, make_run, row, write_suite
from support.web import RUNS_DIR, body_of, client_for, find, one, order_runs, parse, text_of

RESUME = "resume-run-button"
RERUN = "rerun-failed-button"
STOP = "stop-run-button"


def _buttons(html: str) -> dict[str, object]:
    return {testid: (found[0] if found else None)
            for testid in (RESUME, RERUN, STOP)
            for found in [find(html, data_testid=testid)]}


def _inactive(button) -> bool:
    """Disabled the accessible way: still focusable (no ``disabled``), announced
    by ``aria-disabled``, with its reason reachable through ``aria-describedby``."""
    if button.get("aria-disabled") != "true":
        return False
    assert "disabled" not in button.attrs, "a disabled button must stay focusable"
    assert button.get("aria-describedby"), "a disabled button says why"
    return True


def _expected_body(project, run: str, mode: str) -> dict:
    proj = Project(project)
    view = RunReader(project).read(project / RUNS_DIR / run)
    return action_body(view, proj, mode)


# --- which buttons, with which body --------------------------------------------------------

def test_errored_run_offers_both_actions(client, project):
    html = client.get("/runs/errored").text
    buttons = _buttons(html)
    resume, rerun = buttons[RESUME], buttons[RERUN]
    assert buttons[STOP] is None
    assert text_of(resume) == "Resume run — 2 cases"
    assert text_of(rerun) == "Rerun failed cases — 3 cases"
    assert resume.tag == rerun.tag == "button"
    assert not _inactive(resume) and not _inactive(rerun)
    assert "primary" in resume.get("class") and "secondary" in rerun.get("class")
    assert body_of(resume) == {"suite_filter": "evals/greetings.yaml", "target": ["default"],
                               "output": ".agentv/results/runs/default/errored", "resume": True}
    assert body_of(rerun) == {"suite_filter": "evals/greetings.yaml", "target": ["default"],
                              "output": ".agentv/results/runs/default/errored", "rerun_failed": True}
    assert body_of(resume) == _expected_body(project, "errored", "resume")
    assert resume.get("data-url") == "/api/eval/run"
    commands = client.get("/api/runs/errored").json["commands"]
    assert resume.get("title") == commands["resume"]
    assert rerun.get("title") == commands["rerun_failed"]


def test_interrupted_run_resumes_its_missing_cases(client, project):
    html = client.get("/runs/interrupted").text
    buttons = _buttons(html)
    assert text_of(buttons[RESUME]) == "Resume run — 6 cases"
    assert text_of(buttons[RERUN]) == "Rerun failed cases — 6 cases"
    assert body_of(buttons[RESUME]) == {"suite_filter": "evals/long.yaml", "target": ["default"],
                                        "output": ".agentv/results/runs/default/interrupted", "resume": True}
    missing = [e for e in parse(html) if "missing-row" in e.get("class", "")]
    assert missing and "6 cases planned but with no result yet" in text_of(missing[0])


def test_quality_only_run_offers_rerun_only(client, project):
    buttons = _buttons(client.get("/runs/quality-only").text)
    assert buttons[RESUME] is None
    assert text_of(buttons[RERUN]) == "Rerun failed cases — 2 cases"
    assert body_of(buttons[RERUN]) == _expected_body(project, "quality-only", "rerun_failed")


def test_all_ok_run_has_nothing_to_do(client):
    html = client.get("/runs/all-ok").text
    assert _buttons(html) == {RESUME: None, RERUN: None, STOP: None}
    assert "Nothing to resume — every case completed" in html


def test_one_case_is_singular(client, project):
    make_run(project, "one-error", [row("a"), row("b", "execution_error", error="boom")], planned=2,
             eval_file=write_suite(project, "ab", "ab"))
    buttons = _buttons(client.get("/runs/one-error").text)
    assert text_of(buttons[RESUME]) == "Resume run — 1 case"


def test_unknown_suite_blocks_with_the_reason(client, project):
    make_run(project, "multi-file", [row("a"), row("b", "execution_error", error="boom")], planned=3, eval_file=None)
    html = client.get("/runs/multi-file").text
    buttons = _buttons(html)
    for testid in (RESUME, RERUN):
        button = buttons[testid]
        assert button is not None, testid
        assert _inactive(button)
        assert button.get("data-body") is None  # nothing it could send
        assert "several eval files" in button.get("title")
    assert text_of(buttons[RESUME]) == "Resume run — 2 cases"
    reasons = [e for e in parse(html) if e.get("class") == "action-reason"]
    # the blocked reason, and what the page's suite field asks for (issue 11)
    assert [r.get("id") for r in reasons] == ["inputs-reason", "reason-0"]
    assert "several eval files" in text_of(reasons[1]) and "suite file(s)" in text_of(reasons[0])


def test_deleted_suite_file_blocks(client, project):
    make_run(project, "gone", [row("b", "execution_error")], eval_file="evals/deleted.yaml")
    button = _buttons(client.get("/runs/gone").text)[RESUME]
    assert _inactive(button) and "no longer exists" in button.get("title")


def test_rejected_row_blocks_but_keeps_the_body(client, project):
    make_run(project, "rejected", [row("a", "execution_error"), {"test_id": "b", "target": "default"}])
    html = client.get("/runs/rejected").text
    button = _buttons(html)[RESUME]
    assert _inactive(button)
    assert body_of(button)["resume"] is True
    assert "Missing or invalid score" in button.get("title")
    assert "Missing or invalid score" in html


def test_read_only_disables_and_marks_the_buttons(project):
    client = client_for(project, read_only=True)
    html = client.get("/runs/errored").text
    buttons = _buttons(html)
    for testid in (RESUME, RERUN):
        button = buttons[testid]
        assert _inactive(button)
        assert "read-only" in text_of(button)
        assert "read-only" in button.get("title")
        assert body_of(button) == _expected_body(project, "errored", testid == RESUME and "resume" or "rerun_failed")
    header = one(html, **{"class": "tag tag-readonly"})
    assert text_of(header) == "read-only"
    assert "read-only" not in client_for(project).get("/runs/errored").text.split("<main")[0]


def _active_job(project, run: str, job_id: str = "20260101-000000-abc123"):
    store = JobStore(project)
    run_dir = project / RUNS_DIR / run
    job = store.create(job_id=job_id, argv=["agentv"], args=[], command="agentv eval run evals/long.yaml --resume",
                       run_dir=run_dir, source="server",
                       progress_base={"progress_planned": 12, "progress_base_done": 6,
                                      "progress_offset": (run_dir / "index.jsonl").stat().st_size})
    job.record.update(status="running", supervisor_pid=os.getpid(), supervisor_start=None)
    job.save()
    return job, acquire_lock(run_dir, job_id)


def test_active_job_replaces_the_buttons_with_stop(client, project):
    job, fd = _active_job(project, "interrupted")
    try:
        html = client.get("/runs/interrupted").text
        buttons = _buttons(html)
        assert buttons[RESUME] is None and buttons[RERUN] is None
        stop = buttons[STOP]
        assert stop.tag == "button" and not _inactive(stop)
        assert stop.get("data-url") == f"/api/eval/run/{job.id}/stop"
        assert f'href="/jobs/{job.id}"' in html
        assert "6 / 12 cases" in html
        assert "state-running" in html
    finally:
        os.close(fd)
    assert _buttons(client.get("/runs/interrupted").text)[RESUME] is not None


def test_active_job_in_read_only_mode_cannot_be_stopped(project):
    job, fd = _active_job(project, "errored")
    try:
        stop = _buttons(client_for(project, read_only=True).get("/runs/errored").text)[STOP]
        assert _inactive(stop) and "read-only" in text_of(stop)
    finally:
        os.close(fd)


def test_run_held_by_an_unknown_process(client, project):
    fd = acquire_lock(project / RUNS_DIR / "errored", "someone-else")
    try:
        html = client.get("/runs/errored").text
        assert _buttons(html) == {RESUME: None, RERUN: None, STOP: None}
        assert "someone-else" in html
    finally:
        os.close(fd)


def test_actions_come_before_the_rows(client):
    html = client.get("/runs/errored").text
    elements = parse(html)
    resume = next(e for e in elements if e.get("data-testid") == RESUME)
    table = next(e for e in elements if e.tag == "table")
    assert resume.position < table.position
    alert = next(e for e in elements if e.get("role") == "alert")
    assert "hidden" in alert.attrs  # the place where an error answer will be shown


def test_scoped_run_page_targets_its_benchmark(project, tmp_path):
    other = tmp_path / "second" / "proj"
    shutil.copytree(project, other)
    for path in (other / ".agentv").rglob("*.json*"):
        path.write_text(path.read_text().replace(str(project), str(other)))
    client = client_for(project, other)
    html = client.get("/benchmarks/proj-2/runs/errored").text
    resume = _buttons(html)[RESUME]
    assert resume.get("data-url") == "/api/benchmarks/proj-2/eval/run"
    assert client.get("/benchmarks/proj/runs/errored").status == 200
    assert client.get("/benchmarks/nope/runs/errored").status == 404
    index = client.get("/").text
    assert 'href="/benchmarks/proj-2/runs/errored"' in index and 'href="/runs/errored"' in index


# --- rows, paging, escaping -----------------------------------------------------------------

def test_rows_show_status_score_and_error(client):
    html = client.get("/runs/errored").text
    rows = [e for e in parse(html) if e.tag == "tr"][1:]
    texts = [text_of(r) for r in rows]
    assert len(rows) == 5
    # The user's words, not agentv's field names; scores as agentv's dashboard shows them.
    assert any("greet-2" in t and "errored" in t and "agent crashed on greet-2" in t for t in texts)
    assert any("greet-4" in t and "failed" in t for t in texts)
    assert any("greet-1" in t and "passed" in t and "100%" in t for t in texts)
    assert not any("execution_error" in t or "quality_failure" in t for t in texts)
    badges = {e.get("class") for e in parse(html) if "badge" in e.get("class", "").split()}
    assert {"badge tone-good status-ok", "badge tone-bad status-execution_error",
            "badge tone-warn status-quality_failure"} <= badges


def test_rows_are_paged(client, project):
    make_run(project, "big", [row(f"t-{n:04d}", "execution_error" if n % 3 == 0 else "ok") for n in range(450)],
             planned=460)
    first = client.get("/runs/big").text
    assert len([e for e in parse(first) if e.tag == "td" and e.get("class") == "test-id"]) == 200
    assert "Rows 1–200 of 450" in first and 'href="/runs/big?page=2"' in first
    assert "missing-row" not in first
    last = client.get("/runs/big?page=3").text
    assert len([e for e in parse(last) if e.get("class") == "test-id"]) == 50
    assert "missing-row" in last and "10 cases planned" in last
    assert "Rows 401–450 of 450" in client.get("/runs/big?page=99").text
    assert "Rows 1–200 of 450" in client.get("/runs/big?page=nope").text
    errors = client.get("/runs/big?status=execution_error").text
    cells = [text_of(e) for e in parse(errors) if e.get("class") == "test-id"]
    assert len(cells) == 150 and all(int(c[2:]) % 3 == 0 for c in cells)
    assert "Rows" not in errors  # 150 rows: one page


def test_a_20000_record_run_opens_with_its_buttons_and_one_page_of_rows(client, project):
    run_dir = project / RUNS_DIR / "huge"
    run_dir.mkdir(parents=True)
    line = '{"test_id": "t-%05d", "target": "default", "score": %d, "execution_status": "%s"}\n'
    with open(run_dir / "index.jsonl", "w") as handle:
        for n in range(20000):
            handle.write(line % (n, n % 2, "ok" if n % 2 else "execution_error"))
    response = client.get("/runs/huge")  # its speed: benchmarks/bench.py
    assert response.status == 200
    assert text_of(_buttons(response.text)[RESUME]).startswith("Resume run — 10000 cases")
    assert len(response.body) < 200_000
    assert client.get("/runs/huge?page=50").status == 200


def test_values_are_escaped(client, project):
    make_run(project, "xss", [row("<script>alert(1)</script>", "execution_error", error='"><img src=x onerror=alert(2)>')],
             targets=["t'\"<b>"])
    html = client.get("/runs/xss").text
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    button = _buttons(html)[RESUME]
    assert body_of(button)["output"] == ".agentv/results/runs/default/xss"


# --- index, jobs, errors -------------------------------------------------------------------------

def test_index_lists_runs_newest_first_with_states(client, project):
    order_runs(project, ["all-ok", "interrupted", "errored", "quality-only"])
    html = client.get("/").text
    rows = [e for e in parse(html) if e.tag == "tr" and e.get("data-run-id")]
    assert [r.get("data-run-id") for r in rows] == ["all-ok", "interrupted", "errored", "quality-only"]
    badges = [e for e in parse(html) if "badge" in e.get("class", "").split() and "state-" in e.get("class", "")]
    # quality-only: every case ran, two failed their checks -- never a green "complete".
    assert [text_of(e) for e in badges] == ["complete", "incomplete", "errored", "failed"]
    assert [e.get("class").split()[1] for e in badges] == ["tone-good", "tone-warn", "tone-bad", "tone-warn"]
    assert 'href="/runs/interrupted"' in html
    assert "6 missing" in html


def test_index_shows_a_running_run(client, project):
    job, fd = _active_job(project, "errored")
    try:
        html = client.get("/").text
        assert "state-running" in html and f'href="/jobs/{job.id}"' in html
    finally:
        os.close(fd)


def test_index_without_runs(tmp_path):
    (tmp_path / "empty" / ".agentv").mkdir(parents=True)
    html = client_for(tmp_path / "empty").get("/").text
    assert "No runs yet" in html


def _job(project, status: str, log: bytes = b"line one\nline two\n", job_id="20260101-000000-def456"):
    store = JobStore(project)
    job = store.create(job_id=job_id, argv=["agentv"], args=[],
                       command="agentv eval run evals/long.yaml --output .agentv/results/runs/default/interrupted --resume",
                       run_dir=project / RUNS_DIR / "interrupted", source="server",
                       progress_base={"progress_planned": 12, "progress_base_done": 7, "progress_offset": 0})
    job.log_path.write_bytes(log)
    if status != "starting":
        job.record.update(status=status, exit_code=0 if status == "finished" else None,
                          finished_at="2026-01-01T00:00:05.000Z" if status == "finished" else None)
        job.save()
    return job


def test_job_page_while_starting(client, project):
    job = _job(project, "starting")
    # Between launch and supervisor, the launcher holds the run's lock for the job.
    fd = acquire_lock(project / RUNS_DIR / "interrupted", job.id)
    try:
        html = client.get(f"/jobs/{job.id}").text
    finally:
        os.close(fd)
    assert text_of(one(html, data_testid="job-status")) == "starting"
    stop = one(html, data_testid=STOP)
    assert "hidden" not in stop.attrs and stop.get("data-url") == f"/api/eval/run/{job.id}/stop"
    progress = one(html, data_testid="job-progress")
    assert progress.get("role") == "progressbar"
    assert progress.get("aria-valuemax") == "12"
    assert "/ 12 cases" in text_of(progress)
    log = one(html, data_testid="job-log")
    assert log.text == "line one\nline two\n"
    section = next(e for e in parse(html) if e.tag == "section")
    assert section.get("data-status-url") == f"/api/eval/status/{job.id}"
    assert section.get("data-log-offset") == str(len(b"line one\nline two\n"))
    assert job.record["command"] in html
    assert 'href="/runs/interrupted"' in html


def test_job_page_after_the_end(client, project):
    job = _job(project, "finished", log="fini ✓\n".encode())
    html = client.get(f"/jobs/{job.id}").text
    assert text_of(one(html, data_testid="job-status")) == "finished"
    assert "hidden" in one(html, data_testid=STOP).attrs
    assert one(html, data_testid="job-log").text == "fini ✓\n"
    assert "Back to run interrupted" in html


def test_job_page_read_only(project):
    job = _job(project, "starting")
    fd = acquire_lock(project / RUNS_DIR / "interrupted", job.id)
    try:
        stop = one(client_for(project, read_only=True).get(f"/jobs/{job.id}").text, data_testid=STOP)
    finally:
        os.close(fd)
    assert _inactive(stop)


def test_jobs_page_lists_newest_first(client, project):
    assert "No jobs yet" in client.get("/jobs").text
    for job_id, started in (("20260101-000001-bbbbbb", "2026-01-01T00:00:09.000Z"),
                            ("20260101-000000-aaaaaa", "2026-01-01T00:00:01.000Z")):
        job = _job(project, "finished", job_id=job_id)
        job.record["started_at"] = started
        job.save()
    html = client.get("/jobs").text
    links = [e.get("href") for e in parse(html) if e.tag == "a" and (e.get("href") or "").startswith("/jobs/")]
    assert links == ["/jobs/20260101-000001-bbbbbb", "/jobs/20260101-000000-aaaaaa"]


def test_unknown_pages_are_html_404(client):
    for url in ("/jobs/nope", "/runs/nope", "/no/such/page", "/benchmarks/nope"):
        response = client.get(url)
        assert response.status == 404, url
        assert response.content_type.startswith("text/html")
        assert "404" in response.text


def test_post_to_a_page_is_405_html(client):
    response = client.post("/runs/errored", {})
    assert response.status == 405
    assert response.content_type.startswith("text/html")


@pytest.mark.parametrize("name", ["app.js", "app.css", "favicon.svg"])
def test_static_files(client, name):
    response = client.get(f"/static/{name}")
    assert response.status == 200 and response.body


def test_pages_use_no_external_resources(client):
    html = client.get("/runs/errored").text
    assert "http://" not in html and "https://" not in html
    scripts = [e for e in parse(html) if e.tag == "script" and e.get("type") != "application/json"]
    assert [s.get("src").split("?")[0] for s in scripts] == ["/static/app.js"]
    assert not any(s.text.strip() for s in scripts)  # no inline script (the CSP forbids it)


# --- finding, following, keyboard and screen readers (issue 15) ------------------------------

def test_each_button_shows_its_command_with_a_copy_control(client):
    html = client.get("/runs/errored").text
    commands = client.get("/api/runs/errored").json["commands"]
    lines = find(html, data_role="command-line")
    assert len(lines) == 2
    shown = [text_of(e) for e in find(html, data_role="command") if text_of(e)]
    assert [" ".join(t.split()) for t in shown] == [commands["resume"], commands["rerun_failed"]]
    copies = [e for e in parse(html) if e.get("data-action") == "copy" and e.get("data-copy")]
    assert [c.get("data-copy") for c in copies] == [commands["resume"], commands["rerun_failed"]]
    # An option and its value never wrap apart.
    args = [text_of(e) for e in parse(html) if e.get("class") == "arg"]
    assert "--output .agentv/results/runs/default/errored" in args and "--resume" in args


def test_navigation_marks_the_current_page(client, project):
    def current(html):
        return [text_of(e) for e in parse(html) if e.tag == "a" and e.get("aria-current") == "page"]

    assert current(client.get("/").text) == ["Runs"]
    assert current(client.get("/runs/errored").text) == ["Runs"]
    assert current(client.get("/jobs").text) == ["Jobs"]
    job = _job(project, "finished")
    assert current(client.get(f"/jobs/{job.id}").text) == ["Jobs"]


def test_several_projects_have_a_switcher(project, tmp_path):
    other = tmp_path / "second" / "proj"
    shutil.copytree(project, other)
    client = client_for(project, other)
    html = client.get("/benchmarks/proj-2/jobs").text
    switcher = [e for e in parse(html) if e.tag == "nav" and e.get("aria-label") == "Projects"]
    assert switcher
    links = [(e.get("href"), e.get("aria-current")) for e in parse(html)
             if e.tag == "a" and e.get("href") in ("/", "/benchmarks/proj-2/")]
    assert ("/benchmarks/proj-2/", "true") in links and ("/", None) in links
    assert 'href="/benchmarks/proj-2/jobs" aria-current="page"' in html
    assert "Projects" not in client_for(project).get("/").text  # one project: no switcher


def test_job_page_waits_in_words_and_logs_for_screen_readers(client, project):
    job = _job(project, "starting", log=b"")
    fd = acquire_lock(project / RUNS_DIR / "interrupted", job.id)
    try:
        html = client.get(f"/jobs/{job.id}").text
    finally:
        os.close(fd)
    waiting = one(html, data_role="log-waiting")
    assert "hidden" not in waiting.attrs and "Waiting for agentv" in text_of(waiting)
    log = one(html, data_testid="job-log")
    assert log.get("role") == "log" and log.get("tabindex") == "0"
    assert one(html, data_role="elapsed") is not None
    finished = client.get(f"/jobs/{_job(project, 'finished', job_id='20260101-000009-ffffff').id}").text
    assert "hidden" in one(finished, data_role="log-waiting").attrs


def test_disabled_buttons_stay_focusable_with_their_reason(project):
    html = client_for(project, read_only=True).get("/runs/errored").text
    resume = one(html, data_testid=RESUME)
    assert _inactive(resume)
    reason = one(html, id=resume.get("aria-describedby"))
    assert "read-only" in text_of(reason)


def test_jobs_list_says_how_it_went(client, project):
    job = _job(project, "finished")
    job.record.update(started_at="2026-01-01T00:00:00.000Z", finished_at="2026-01-01T00:01:05.000Z", exit_code=0)
    job.save()
    html = client.get("/jobs").text
    row = next(e for e in parse(html) if e.tag == "tr" and e.get("data-job-id") == job.id)
    cells = {e.get("data-label"): text_of(e) for e in parse(html) if e.tag == "td" and e.position > row.position}
    assert cells["Took"] == "1:05" and cells["Exit"] == "0" and cells["From"] == "web"
    assert cells["Run"].startswith("interrupted")


def test_rerun_selected_offers_only_what_rerun_failed_would_run(client, project):
    html = client.get("/runs/errored").text
    button = one(html, data_testid="rerun-selected-button")
    assert _inactive(button) and "0 cases" in text_of(button)  # nothing picked yet
    panel = one(html, data_role="rerun-selected")
    assert body_of(panel) == _expected_body(project, "errored", "rerun_failed")  # + test_ids from the picks
    assert panel.get("data-preview-url") == "/api/eval/preview"
    picks = {e.get("value"): e.get("data-cases") for e in find(html, data_role="pick")}
    assert picks == {"greet-2": "1", "greet-3": "1", "greet-4": "1"}
    assert "--rerun-failed" in text_of(one(html, id="select-note"))
    # A launch with the picks goes through the same request rules as the buttons.
    body = dict(body_of(panel), test_ids=["greet-2", "greet-4"])
    preview = client.post("/api/eval/preview", body)
    assert preview.status == 200
    assert "--test-id greet-2 --test-id greet-4" in preview.json["command"]
    assert preview.json["command"].endswith("--rerun-failed")


def test_no_picking_where_rerun_failed_cannot_launch(project):
    html = client_for(project, read_only=True).get("/runs/errored").text
    assert not find(html, data_testid="rerun-selected-button") and not find(html, data_role="pick")
    make_run(project, "multi-file", [row("a"), row("b", "execution_error", error="boom")], planned=3, eval_file=None)
    html = client_for(project).get("/runs/multi-file").text
    assert not find(html, data_testid="rerun-selected-button") and not find(html, data_role="pick")


def test_rows_can_be_searched_filtered_by_missing_and_sorted(client, project):
    make_run(project, "mixed", [row("alpha", "execution_error", error="Timeout after 30s", duration_ms=30000),
                                row("beta", score=0.25, duration_ms=120, status="quality_failure"),
                                row("gamma", duration_ms=2500)], planned=5,
             eval_file=write_suite(project, "mixed", ["alpha", "beta", "gamma", "delta", "epsilon"]))
    html = client.get("/runs/mixed?q=timeout").text
    assert [text_of(e) for e in find(html, **{"class": "test-id"})] == ["alpha"]
    durations = [text_of(e) for e in parse(client.get("/runs/mixed?sort=duration").text)
                 if e.tag == "td" and e.get("data-label") == "Duration"]
    assert durations == ["30.0s", "2.5s", "120ms"]
    scores = [text_of(e) for e in parse(html) if e.tag == "td" and e.get("data-label") == "Score"]
    assert scores == ["0%"]
    missing = client.get("/runs/mixed?status=missing").text
    # the suite names the cases with no result yet
    assert [text_of(e) for e in find(missing, **{"class": "test-id"})] == ["delta", "epsilon"]
    rows = [e for e in parse(missing) if e.tag == "tr" and e.get("data-status") == "missing"]
    assert len(rows) == 2  # one row per missing case, each with its badge
    chip = next(e for e in parse(missing) if e.tag == "a" and e.get("aria-current") == "true")
    assert text_of(chip) == "2 missing"
    none = client.get("/runs/mixed?q=nothing-like-this").text
    assert "No case matches." in none


def test_runs_list_rows_carry_what_search_and_filters_need(client, project):
    add_run(project, "matrix")
    html = client.get("/").text
    rows = {e.get("data-run-id"): e for e in parse(html) if e.tag == "tr" and e.get("data-run-id")}
    assert "alt" in rows["matrix"].get("data-search").split() and "evals/greetings.yaml" in rows["matrix"].get("data-search")
    assert {k: (r.get("data-state"), r.get("data-attention")) for k, r in rows.items()} == {
        "all-ok": ("complete", "0"), "errored": ("errored", "1"), "interrupted": ("incomplete", "1"),
        "quality-only": ("failed", "1"), "matrix": ("errored", "1")}
    assert rows["interrupted"].get("data-problems") == "6"
    toolbar = one(html, data_role="runs-toolbar")
    assert "hidden" in toolbar.attrs  # shown by the page script; without it every run is listed
    attention = next(e for e in parse(html) if e.get("data-filter") == "attention")
    assert "4" in text_of(attention)


def test_an_ended_job_without_a_planned_count_shows_a_full_bar_not_a_working_one(client, project):
    store = JobStore(project)
    job = store.create(job_id="20260101-000000-0b0b0b", argv=["agentv"], args=[], command="agentv eval run x",
                       run_dir=project / RUNS_DIR / "interrupted", source="cli", progress_base={})
    job.record.update(status="finished", exit_code=0, finished_at="2026-01-01T00:00:05.000Z")
    job.save()
    html = client.get(f"/jobs/{job.id}").text
    assert one(html, data_testid="job-progress").get("aria-valuemax") == "0"  # agentv never said how many
    bar = next(e for e in parse(html) if e.tag == "progress")
    assert bar.get("value") == "1" and bar.get("max") == "1"  # ended: full, not an endless "working" bar
