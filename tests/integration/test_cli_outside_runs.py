"""Runs written with `agentv eval run --output DIR` outside .agentv/results/:
named by path, and listed (with an id) when agentv's cache.json or a job points at them."""

from __future__ import annotations

import json
import shutil

from support.builders import RUNS, row, set_cache


def _run_outside(project, relative: str, rows=None):
    run_dir = project / relative
    run_dir.mkdir(parents=True)
    rows = rows or [row("greet-1"), row("greet-2", "execution_error", error="boom")]
    (run_dir / "index.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (run_dir / "benchmark.json").write_text(json.dumps({"metadata": {
        "eval_file": str(project / "evals/greetings.yaml"), "targets": ["default"], "planned_test_count": 3}}))
    return run_dir


def _job_on(project, run_dir, job_id="20261201-080000-cccccc"):
    job_dir = project / ".agentv/studio-resume/jobs" / job_id
    job_dir.mkdir(parents=True)
    (job_dir / "job.json").write_text(json.dumps({
        "id": job_id, "status": "finished", "run_dir": str(run_dir), "command": "agentv eval run ...",
        "project_root": str(project), "started_at": "2026-12-01T08:00:00Z", "exit_code": 0}))


def _ids(cli, project) -> list[str]:
    return [run["id"] for run in json.loads(cli("runs", "--json", cwd=project).stdout)["runs"]]


def test_the_run_cache_json_points_at_is_listed_and_named(cli, project):
    outside = _run_outside(project, "nightly-out/run-7")
    set_cache(project, {"lastRunDir": str(outside)})
    assert "run-7" in _ids(cli, project)
    data = json.loads(cli("inspect", "run-7", "--json", cwd=project).stdout)
    assert data["counts"]["execution_error"] == 1 and data["counts"]["missing"] == 1
    assert json.loads(cli("inspect", "--json", cwd=project).stdout)["run_id"] == "run-7"  # `last`
    listed = cli("runs", cwd=project).stdout
    assert "run-7" in listed and "errored" in listed


def test_a_run_a_job_worked_on_is_listed_and_named(cli, project):
    outside = _run_outside(project, "scratch/my-run")
    _job_on(project, outside)
    assert "my-run" in _ids(cli, project)
    assert cli("inspect", "my-run", "--json", cwd=project).exit_code == 0
    jobs = json.loads(cli("jobs", "--json", cwd=project).stdout)["jobs"]
    assert jobs[0]["run_dir"] == "scratch/my-run"


def test_an_outside_run_never_takes_an_existing_runs_id(cli, project):
    outside = _run_outside(project, "out/errored")
    set_cache(project, {"lastRunDir": str(outside)})
    ids = _ids(cli, project)
    assert "errored" in ids and "errored-2" in ids
    inside = json.loads(cli("inspect", "errored", "--json", cwd=project).stdout)
    assert inside["run_dir"] == f"{RUNS}/errored"
    assert json.loads(cli("inspect", "errored-2", "--json", cwd=project).stdout)["run_dir"] == "out/errored"


def test_any_run_can_be_named_by_its_path(cli, project, tmp_path):
    outside = _run_outside(project, "loose/unlisted")
    assert "unlisted" not in _ids(cli, project)  # nothing points at it
    assert cli("inspect", "loose/unlisted", "--json", cwd=project).exit_code == 0
    by_index = cli("--project", project, "inspect", str(outside / "index.jsonl"), "--json", cwd=tmp_path)
    assert by_index.exit_code == 0 and json.loads(by_index.stdout)["run_dir"] == "loose/unlisted"


def test_a_pointer_to_nothing_lists_nothing(cli, project):
    set_cache(project, {"lastRunDir": str(project / "gone")})
    gone = _run_outside(project, "was-here")
    _job_on(project, gone)
    shutil.rmtree(gone)
    assert sorted(_ids(cli, project)) == ["all-ok", "errored", "interrupted", "quality-only"]


def test_the_page_lists_the_run_cache_json_points_at(project):
    from support.web import client_for

    outside = _run_outside(project, "nightly-out/run-7")
    set_cache(project, {"lastRunDir": str(outside)})
    client = client_for(project)
    runs = client.get("/api/runs").json["runs"]
    listed = next(run for run in runs if run["id"] == "run-7")
    assert listed["run_dir"] == "nightly-out/run-7" and listed["state"] == "errored"
    detail = client.get("/api/runs/run-7")
    assert detail.status == 200 and detail.json["counts"]["missing"] == 1
    assert client.get("/runs/run-7").status == 200
