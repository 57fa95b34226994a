"""A launch records its plan beside the run; a run agentv writes right now is busy; a dry run
never goes into a real run (issue 11, scenarios 2, 7 and 9)."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from agentv_resume.launching import launcher
from agentv_resume.runs.plan import PLAN_NAME, read_plan, write_plan
from agentv_resume.runs.project import Project
from agentv_resume.runs.reader import RunReader
from support.builders import RUNS, scenario_expected, scenario_project
from support.web import client_for

LAUNCH = "/api/eval/run"


def test_a_retry_run_this_tool_started_keeps_to_the_ids_it_retried_when_resumed(tmp_path, cli):
    """Scenario 2: `--retry-errors` into a new run, Ctrl-C after one result.  Without the plan
    agentv's resume runs the whole suite (11); with the ids the tool recorded, the one left (1)."""
    root = scenario_project("retry-interrupted", tmp_path / "p")
    project, reader = Project(root), RunReader(root)
    body = {"suite_filter": "evals/long.yaml", "retry_errors": f"{RUNS}/source", "output": f"{RUNS}/retry-new"}
    plan, predicted = launcher.plan_of(launcher.prepare(body, project, reader), project, reader)
    assert plan["test_ids"] == ["case-03", "case-07"] and predicted == 2
    # what agentv itself did for that retry: 2 cases (its progress total)
    assert scenario_expected("retry-interrupted")["retry_source_again"]["agentv"]["progress_total"] == 2
    write_plan(root / RUNS / "retry", plan)  # as the launch of that run would have

    result = cli("--project", root, "inspect", "retry", "--json")
    data = json.loads(result.stdout)
    measured = scenario_expected("retry-interrupted")["resume_with_plan"]
    assert data["will_run"]["resume"] == measured["ran"] == 1
    assert data["test_ids"] == ["case-03", "case-07"]
    assert "--test-id case-03 --test-id case-07" in data["commands"]["resume"]


def test_the_plan_is_recorded_beside_the_run_and_in_the_job(client, project, fake_agentv):
    body = {"suite_filter": "evals/greetings.yaml", "test_ids": ["greet-1", "greet-2"], "target": "default",
            "threshold": 0.5, "output": f"{RUNS}/new"}
    response = client.post(LAUNCH, body)
    assert response.status == 202, response.json
    plan = read_plan(project / RUNS / "new")
    assert plan["test_ids"] == ["greet-1", "greet-2"] and plan["targets"] == ["default"]
    assert plan["threshold"] == 0.5 and plan["job_id"] == response.json["id"]
    record = json.loads((project / ".agentv/studio-resume/jobs" / response.json["id"] / "job.json").read_text())
    assert record["plan"]["test_ids"] == ["greet-1", "greet-2"] and record["predicted"] == 2


def test_a_resume_keeps_the_plan_the_run_was_made_with(tmp_path):
    root = scenario_project("testid-finished", tmp_path / "p")
    run = root / RUNS / "pair"
    write_plan(run, {"test_ids": ["greet-1", "greet-2"], "threshold": 0.9})
    view = RunReader(root).read(run)
    forecast = view.forecast()
    assert forecast.test_ids == ["greet-1", "greet-2"] and forecast.test_ids_source == "plan"
    assert forecast.threshold == 0.9
    launcher._record_plan(run, {"test_ids": None}, "resume", "job-x")
    assert read_plan(run)["test_ids"] == ["greet-1", "greet-2"]


def test_a_plan_file_that_is_a_link_is_not_followed(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (tmp_path / "elsewhere").write_text("{}")
    (run / PLAN_NAME).symlink_to(tmp_path / "elsewhere")
    with pytest.raises(OSError):
        write_plan(run, {"test_ids": ["x"]})
    assert (tmp_path / "elsewhere").read_text() == "{}"


@pytest.fixture
def outside_agentv(project, tmp_path):
    """An `agentv eval run ... --output <errored> --resume` started in another terminal (a stand-in
    script named agentv that just waits)."""
    script = tmp_path / "outside" / "agentv"
    script.parent.mkdir()
    script.write_text("import time\ntime.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, str(script), "eval", "run", "evals/greetings.yaml",
                             "--output", f"{RUNS}/errored", "--resume"], cwd=project)
    time.sleep(0.2)
    yield proc
    proc.kill()
    proc.wait()


def test_a_run_another_agentv_writes_is_busy_for_the_cli(outside_agentv, project, cli, fake_agentv):
    result = cli("--project", project, "launch", "--resume", "errored")
    assert result.exit_code == 3
    assert f"pid {outside_agentv.pid}" in result.stderr
    data = json.loads(cli("--project", project, "inspect", "errored", "--json").stdout)
    assert data["busy"]["pid"] == outside_agentv.pid
    assert any(f"pid {outside_agentv.pid}" in w for w in data["warnings"])


def test_a_run_another_agentv_writes_is_busy_for_the_api(outside_agentv, client, project, fake_agentv):
    response = client.post(LAUNCH, {"suite_filter": "evals/greetings.yaml", "output": f"{RUNS}/errored",
                                    "resume": True})
    assert response.status == 409 and f"pid {outside_agentv.pid}" in response.json["error"]
    assert not list((project / ".agentv").glob("studio-resume/jobs/*"))


def test_a_dry_run_into_a_real_run_is_refused_by_the_api(client, project, fake_agentv):
    response = client.post(LAUNCH, {"suite_filter": "evals/greetings.yaml", "output": f"{RUNS}/interrupted",
                                    "resume": True, "dry_run": True})
    assert response.status == 400 and "mock rows" in response.json["error"]


def test_rerunning_picked_cases_does_not_narrow_the_run(client, project, fake_agentv):
    """The page's "Rerun selected" sends rerun_failed with test_ids: a one-off, not the run's plan."""
    body = {"suite_filter": "evals/greetings.yaml", "test_ids": ["greet-2"], "target": ["default"],
            "output": f"{RUNS}/errored", "rerun_failed": True}
    response = client.post(LAUNCH, body)
    assert response.status == 202, response.json
    assert read_plan(project / RUNS / "errored") is None
    from support.waiting import wait_for

    wait_for(lambda: client.get(f"/api/eval/status/{response.json['id']}").json["status"]
             in ("finished", "failed", "stopped", "lost"), 30, what="the fake agentv to end")
    resume = client.get("/api/runs/errored").json["commands"]["resume"]
    assert "--test-id" not in resume  # a later Resume still covers the whole run


def test_an_ended_job_carries_agentvs_account_beside_the_prediction(project):
    """agentv's own output (a real one, tests/fixtures/scenarios/outputs) audited in the job status."""
    from agentv_resume.jobs.store import JobStore
    from support.builders import SCENARIOS

    store = JobStore(project)
    run_dir = project / RUNS / "interrupted"
    job = store.create(job_id="20260101-000000-a0d17a", argv=["agentv"], args=[], command="agentv eval run x",
                       run_dir=run_dir, source="server", progress_base={"predicted": 5})
    job.log_path.write_bytes((SCENARIOS / "outputs" / "testid-interrupted--resume.txt").read_bytes())
    job.record.update(status="finished", exit_code=0, finished_at="2026-01-01T00:00:05.000Z")
    job.save()
    audit = store.status(store.get(job.id))["audit"]
    assert audit["predicted"] == 5 and audit["agentv_planned"] == 8 and audit["found"] == 4
    assert "agentv planned 8" in audit["warning"]
