"""The run page names what is missing and why each case failed, links each row to the files
agentv wrote for it (served read-only, from inside the run dir only), and lists its jobs (issue 13)."""

from __future__ import annotations

import json
import os
import re
from html import unescape
from urllib.parse import quote

from support.builders import make_run, row, run_dir_of
from support.replay import launch_and_wait
from support.web import client_for


def case(test_id: str, target: str = "default", run: str = "errored", what: str = "case") -> str:
    return f"/runs/{run}/{what}?test_id={quote(test_id)}&target={quote(target)}"


def test_run_page_shows_why_a_case_failed_and_links_each_row(project):
    page = client_for(project).get("/runs/errored").text
    assert "contains-Hello: Output does not contain &quot;Hello&quot;" in page
    assert "agent crashed on greet-2 (exit code 3)" in page  # an error's own message
    for n in range(1, 6):
        assert f'href="{case(f"greet-{n}").replace("&", "&amp;")}"' in page


def test_run_page_names_the_missing_cases(project):
    client = client_for(project)
    page = client.get("/runs/interrupted").text
    assert 'data-testid="missing-ids-link"' in page and "6 cases planned but with no result yet" in page
    listed = client.get("/runs/interrupted?status=missing").text
    rows = re.findall(r'<tr class="missing-row" data-status="missing">.*?</tr>', listed, re.S)
    assert [re.search(r'class="test-id">([^<]+)<', r).group(1) for r in rows] == [f"case-{n:02d}" for n in range(7, 13)]
    assert all('data-label="Target">default<' in r for r in rows)
    assert client.get("/api/runs/interrupted").json["missing_ids"][0] == {"test_id": "case-07", "target": "default"}


def test_missing_cases_without_a_readable_suite_are_said_to_be_unknown(project):
    make_run(project, "nosuite", [row("a")], planned=3, eval_file=None)
    page = client_for(project).get("/runs/nosuite").text
    assert 'data-testid="missing-ids-unknown"' in page and "2 cases planned but with no result yet" in page


def test_history_lists_the_jobs_of_the_run_newest_first(project, replay):  # noqa: F811
    replay("rerun-errored")
    client, first = launch_and_wait(project, "rerun-errored")
    replay("rerun-fixes-all")
    _, second = launch_and_wait(project, "rerun-fixes-all")
    jobs = client.get("/api/runs/errored").json["jobs"]
    assert [j["id"] for j in jobs] == [second["id"], first["id"]]
    assert [j["conclusion"] for j in jobs] == ["complete", "errors_left"]
    assert jobs[1]["changes"]["summary"] == "1 fixed · 1 still errored · 1 still failing"
    assert jobs[1]["mode"] == "rerun_failed" and jobs[1]["job_url"] == f"/jobs/{first['id']}"
    assert client.get("/api/runs/interrupted").json["jobs"] == []
    page = client.get("/runs/errored").text
    history = page[page.index('data-testid="run-history"'):]
    assert history.index(second["id"]) < history.index(first["id"])
    assert "1 error · 1 quality failure left" in history and "rerun failed" in history


def test_a_case_page_shows_what_agentv_wrote_as_text(project):
    answer = run_dir_of(project, "errored") / "greetings" / "greet-4" / "outputs" / "answer.md"
    answer.write_text("<script>alert('x')</script> nope")
    client = client_for(project)
    page = client.get(case("greet-4")).text
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#039;x&#039;)&lt;/script&gt; nope" in page
    assert "Output does not contain &quot;Hello&quot;" in page
    assert re.search(r"<h2>grading <code[^>]*>greetings/greet-4/grading.json</code>", page)
    raw = client.get(case("greet-4", what="case/raw") + "&name=answer")
    assert raw.status == 200 and raw.content_type == "text/markdown; charset=utf-8"
    assert raw.headers["x-content-type-options"] == "nosniff"
    assert raw.text == "<script>alert('x')</script> nope"
    grading = client.get(case("greet-4", what="case/raw") + "&name=grading")
    assert grading.content_type == "application/json; charset=utf-8"
    assert json.loads(grading.text)["summary"]["failed"] == 1


def test_case_json_lists_the_files_with_their_links(project):
    data = client_for(project).get("/api" + case("greet-2")).json
    assert data["execution_status"] == "execution_error" and data["error"] == "agent crashed on greet-2 (exit code 3)"
    assert (data["failure_stage"], data["failure_reason_code"]) == ("agent", "provider_error")
    names = [a["name"] for a in data["artifacts"]]
    assert names[:3] == ["answer", "grading", "transcript"] and "trace" in names
    assert data["artifacts"][0]["url"] == case("greet-2", what="case/raw") + "&name=answer"


def test_a_case_of_an_interrupted_run_has_no_files_and_says_so(project):
    page = client_for(project).get(case("case-01", run="interrupted")).text
    assert "agentv named no files for this case" in page


def test_files_outside_the_run_dir_are_never_served(project, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    run = make_run(project, "hostile", [
        row("a", "quality_failure", answer_path="../../../../../secret.txt", grading_path="/etc/passwd",
            transcript_path="ok/../../x", artifact_dir="cases/a"),
        row("b", "quality_failure", answer_path="cases/b/answer.md"),
    ])
    (run / "cases" / "b").mkdir(parents=True)
    os.symlink(secret, run / "cases" / "b" / "answer.md")
    client = client_for(project)
    a = client.get("/api" + case("a", run="hostile")).json
    assert [x["name"] for x in a["artifacts"]] == ["trace"]  # the bad paths are not even listed
    page = client.get(case("b", run="hostile")).text
    assert "TOP SECRET" not in page and "outside the run directory" in page
    raw = client.get(case("b", run="hostile", what="case/raw") + "&name=answer")
    assert raw.status == 404 and "TOP SECRET" not in raw.text
    assert client.get(case("a", run="hostile", what="case/raw") + "&name=../../secret.txt").status == 404


def test_unknown_cases_and_bad_queries(project):
    client = client_for(project)
    assert client.get(case("nope")).status == 404
    assert client.get("/runs/errored/case").status == 400
    assert client.get("/api/runs/errored/case?test_id=greet-1").status == 400
    assert client.get(case("greet-1", run="no-such-run")).status == 404
    assert unescape(client.get(case("greet-1", target="alt")).text).count("No case 'greet-1' on target 'alt'") == 1
