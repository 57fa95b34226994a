"""Run page fields for what a launch needs from the user (issue 11), on runs the real
agentv made (tests/fixtures/scenarios): the suite file(s) of a glob run stopped before
its second file, the targets of a matrix run whose slow target wrote no line; and the
warnings shown above the actions."""

from __future__ import annotations

import json

from support.builders import SCENARIOS, scenario_project
from support.web import client_for, find, one, text_of

RESUME = "resume-run-button"


def _page(tmp_path, scenario: str, run: str) -> str:
    root = scenario_project(scenario, tmp_path / scenario)
    response = client_for(root).get(f"/runs/{run}")
    assert response.status == 200
    return response.text


def _waits_for_inputs(button) -> dict:
    """A button that cannot launch until the fields are given: inactive the accessible
    way, its reason the fields' note, and the launch it completes (its draft)."""
    assert button.get("aria-disabled") == "true" and "disabled" not in button.attrs
    assert "inputs-reason" in button.get("aria-describedby").split()
    assert button.get("data-body") is None
    return json.loads(button.get("data-draft"))


def test_glob_run_stopped_before_its_second_file_asks_for_its_suite_files(tmp_path):
    html = _page(tmp_path, "multi-file", "glob-stopped")
    field = one(html, data_testid="suite-field")
    assert field.tag == "input" and field.get("name") == "suite_filter"
    label = one(html, **{"for": field.get("id")})
    assert text_of(label) == "Suite file(s)"
    assert field.get("aria-describedby") and find(html, id=field.get("aria-describedby"))
    draft = _waits_for_inputs(one(html, data_testid=RESUME))
    assert draft == {"target": ["default"], "output": ".agentv/results/runs/default/glob-stopped", "resume": True}
    assert "suite" in one(html, data_testid=RESUME).get("data-needs").split()
    assert "give the suite file(s)" in text_of(one(html, id="inputs-reason"))
    assert not find(html, data_testid="target-choices")


def test_matrix_run_with_a_silent_target_offers_the_targets_of_targets_yaml(tmp_path):
    html = _page(tmp_path, "matrix-target-silent", "matrix")
    choices = [e for e in find(html, data_role="target-choice")]
    assert sorted(c.get("value") for c in choices) == ["alt", "default"]
    assert all(c.get("type") == "checkbox" and c.get("name") == "target" for c in choices)
    for choice in choices:  # each box has its label
        assert any(choice.get("value") in text_of(label) for label in find(html, **{"class": "choice"}))
    button = one(html, data_testid=RESUME)
    draft = _waits_for_inputs(button)
    assert draft["suite_filter"] == "evals/greetings.yaml" and draft["resume"] is True
    assert "target" not in draft  # never the recorded `default` alone: agentv said "Nothing to resume"
    assert button.get("data-needs").split() == ["targets"]
    assert "choose at least one target" in text_of(one(html, id="inputs-reason"))
    assert not find(html, data_testid="suite-field")


def test_run_warnings_are_shown_above_the_actions(tmp_path):
    html = _page(tmp_path, "matrix-target-silent", "matrix")
    box = one(html, data_testid="run-warnings")
    assert "targets" in text_of(box)
    assert html.index('data-testid="run-warnings"') < html.index('data-testid="resume-run-button"')


def test_a_run_with_its_own_values_has_no_fields(tmp_path):
    html = _page(tmp_path, "matrix-target-choice", "matrix")
    assert not find(html, data_testid="launch-inputs")
    assert one(html, data_testid=RESUME).get("data-body")


def _ended_job(root, run: str, predicted, output: str, job_id="20260101-000000-aud111"):
    from agentv_resume.jobs.store import JobStore
    store = JobStore(root)
    job = store.create(job_id=job_id, argv=["agentv"], args=[], command="agentv eval run ...",
                       run_dir=root / ".agentv/results/runs/default" / run, source="server",
                       progress_base={"progress_planned": 9, "progress_base_done": 4, "progress_offset": 0})
    job.log_path.write_text((SCENARIOS / "outputs" / output).read_text())
    job.record.update(status="finished", exit_code=0, finished_at="2026-01-01T00:00:05.000Z", predicted=predicted)
    job.save()
    return job


def test_job_page_shows_what_agentv_ran_beside_the_prediction_and_warns_when_they_differ(tmp_path):
    root = scenario_project("testid-interrupted", tmp_path / "p")
    # The old prediction (issue 11, scenario 1): 5, where agentv ran 8.
    job = _ended_job(root, "subset", 5, "testid-interrupted--resume.txt")
    html = client_for(root).get(f"/jobs/{job.id}").text
    line = text_of(one(html, data_testid="job-audit"))
    assert "agentv ran 8 case(s) — predicted 5" in line
    warning = one(html, data_testid="job-audit-warning")
    assert "8" in text_of(warning) and "5" in text_of(warning)


def test_job_page_shows_no_warning_when_agentv_ran_what_was_predicted(tmp_path):
    root = scenario_project("testid-interrupted", tmp_path / "p")
    job = _ended_job(root, "subset", 8, "testid-interrupted--resume.txt")
    html = client_for(root).get(f"/jobs/{job.id}").text
    assert "agentv ran 8 case(s) — predicted 8" in text_of(one(html, data_testid="job-audit"))
    assert not find(html, data_testid="job-audit-warning")


def _completed(button, **given) -> dict:
    """What app.js posts once the fields are given: the draft plus them."""
    body = json.loads(button.get("data-draft"))
    body.update(given)
    return body


def test_the_suite_field_completes_a_launch_agentv_takes_and_a_bad_one_is_refused(tmp_path):
    root = scenario_project("multi-file", tmp_path / "multi-file")
    client = client_for(root)
    button = one(client.get("/runs/glob-stopped").text, data_testid=RESUME)
    answer = client.post("/api/eval/preview", _completed(button, suite_filter="evals/greetings.yaml,evals/long.yaml"))
    assert answer.status == 200, answer.json
    command = answer.json["command"]
    assert "evals/greetings.yaml evals/long.yaml" in command and "--resume" in command
    assert "--output .agentv/results/runs/default/glob-stopped" in command
    refused = client.post("/api/eval/preview", _completed(button, suite_filter="../outside.yaml"))
    assert refused.status == 400 and refused.json.get("error")


def test_the_chosen_targets_are_sent_as_the_runs_matrix(tmp_path):
    root = scenario_project("matrix-target-silent", tmp_path / "m")
    client = client_for(root)
    html = client.get("/runs/matrix").text
    assert "Nothing to resume" not in html
    button = one(html, data_testid=RESUME)
    assert text_of(button) == "Resume run"
    answer = client.post("/api/eval/preview", _completed(button, target=["default", "alt"]))
    assert answer.status == 200, answer.json
    assert "--target default --target alt" in answer.json["command"]
