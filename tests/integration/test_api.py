"""The JSON API (contract: HTTP API, The launch request), through the WSGI app.

Validation tests request ``fp`` (pytest-subprocess, strict): any process the
server tried to start would fail the test, so a refused launch provably
spawns nothing.  Tests that need a job to really run use a fake agentv
executable driven by the real supervisor process — the same path as
production, minus the real agentv.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from agentv_resume.jobs.lock import LOCK_NAME, acquire_lock, lock_holder
from agentv_resume.jobs.states import TERMINAL
from agentv_resume.jobs.store import JobStore
from agentv_resume.launching.actions import action_commands
from agentv_resume.runs.report import run_detail
from agentv_resume.runs.project import Project
from agentv_resume.runs.reader import RunReader
from support.builders import make_run, row
from support.waiting import wait_for
from support.web import RUNS_DIR, TERMINAL, client_for, order_runs, run_body, wait_terminal

LAUNCH = "/api/eval/run"
PREVIEW = "/api/eval/preview"
MUTUALLY_EXCLUSIVE = "resume, rerun_failed, and retry_errors are mutually exclusive (got: resume, rerun_failed)"


def _jobs(client) -> list[dict]:
    return client.get("/api/eval/runs").json["jobs"]


# --- runs ---------------------------------------------------------------------------

def test_runs_list_newest_first_with_states(client, project):
    order_runs(project, ["interrupted", "errored", "quality-only", "all-ok"])
    response = client.get("/api/runs")
    assert response.status == 200
    runs = response.json["runs"]
    assert [r["id"] for r in runs] == ["interrupted", "errored", "quality-only", "all-ok"]
    by_id = {r["id"]: r for r in runs}
    assert by_id["errored"]["state"] == "errored"
    assert by_id["interrupted"]["state"] == "incomplete"
    assert by_id["all-ok"]["state"] == "complete"
    assert by_id["quality-only"]["state"] == "complete"
    errored = by_id["errored"]
    for key in ("id", "run_dir", "suite_filter", "counts", "planned", "missing", "state", "active_job"):
        assert key in errored
    assert errored["run_dir"] == ".agentv/results/runs/default/errored"
    assert errored["suite_filter"] == "evals/greetings.yaml"
    assert errored["counts"] == {"ok": 2, "quality_failure": 1, "execution_error": 2, "missing": 0}
    assert errored["active_job"] is None
    assert by_id["interrupted"]["planned"] == 12 and by_id["interrupted"]["missing"] == 6


def test_run_detail(client, project):
    data = client.get("/api/runs/errored").json
    assert data["resumable"] is True and data["rerunnable"] is True
    assert data["will_run"] == {"resume": 2, "rerun_failed": 3}
    assert data["blocked"] is None
    assert data["targets"] == ["default"]
    assert data["skipped_lines"] == 0 and data["rejected_rows"] == 0
    assert data["active_job"] is None
    assert len(data["results"]) == 5
    assert set(data["results"][0]) == {"test_id", "target", "execution_status", "score", "error"}
    errors = [r for r in data["results"] if r["execution_status"] == "execution_error"]
    assert {r["test_id"] for r in errors} == {"greet-2", "greet-3"}
    assert all(r["error"] for r in errors)


def test_run_detail_matches_describe(client, project):
    reader, proj = RunReader(project), Project(project)
    ref = proj.run_by_id("interrupted")
    view = reader.read(ref.run_dir)
    expected = run_detail(ref, view, proj, None, action_commands(view, proj))
    # plus the run's history (the jobs that ran on it), which the read side cannot know
    assert client.get("/api/runs/interrupted").json == {**expected, "jobs": []}


def test_unknown_run_is_404(client):
    response = client.get("/api/runs/no-such-run")
    assert response.status == 404
    assert response.content_type == "application/json"
    assert "no-such-run" in response.json["error"]


def test_broken_runs_still_list_the_others(client, project):
    make_run(project, "truncated", [row("a"), row("b", "execution_error", error="boom")],
             planned=3, raw_tail=b'{"test_id": "c", "sco')
    make_run(project, "not-json", [b"\xff\xfe garbage", b"NaN", row("a")], planned=1)
    bad_bench = make_run(project, "bad-benchmark", [row("a")])
    (bad_bench / "benchmark.json").write_text("{ not json")
    no_bench = make_run(project, "no-benchmark", [row("a")], benchmark=False)
    rejected = make_run(project, "rejected", [row("a"), {"test_id": "b", "target": "default"}, [1, 2]])
    odd = project / RUNS_DIR / "index-is-a-dir"
    (odd / "index.jsonl").mkdir(parents=True)

    response = client.get("/api/runs")
    assert response.status == 200
    ids = {r["id"] for r in response.json["runs"]}
    assert {"errored", "all-ok", "quality-only", "interrupted", "truncated", "not-json", "bad-benchmark",
            "no-benchmark", "rejected", "index-is-a-dir"} <= ids

    for run_id in ("truncated", "not-json", "bad-benchmark", "no-benchmark", "rejected", "index-is-a-dir"):
        detail = client.get(f"/api/runs/{run_id}")
        assert detail.status == 200, run_id
        assert detail.json["warnings"] or detail.json["blocked"], run_id
    assert client.get("/api/runs/truncated").json["skipped_lines"] == 1
    assert client.get("/api/runs/rejected").json["rejected_rows"] == 2
    assert "Missing or invalid score" in client.get("/api/runs/rejected").json["blocked"]
    assert no_bench.exists()


def test_answers_follow_a_growing_index(client, project):
    before = client.get("/api/runs/errored").json
    listed = {r["id"]: r for r in client.get("/api/runs").json["runs"]}["errored"]
    with open(project / RUNS_DIR / "errored" / "index.jsonl", "a") as out:
        out.write(json.dumps(row("greet-9", "execution_error", error="late")) + "\n")
    after = client.get("/api/runs/errored").json
    assert len(after["results"]) == len(before["results"]) + 1
    assert after["results"][-1] == {"test_id": "greet-9", "target": "default", "execution_status": "execution_error",
                                    "score": 0, "error": "late"}
    again = {r["id"]: r for r in client.get("/api/runs").json["runs"]}["errored"]
    assert again["counts"]["execution_error"] == listed["counts"]["execution_error"] + 1
    assert client.get("/api/runs/errored").json == after  # answered from the cache: the same


def test_runs_list_answer_follows_every_change(client, project):
    """The list answer is reused only while every run gives the same summary."""
    def listed():
        return {r["id"]: r for r in client.get("/api/runs").json["runs"]}

    first = listed()
    assert listed() == first
    bench = project / RUNS_DIR / "interrupted" / "benchmark.json"
    data = json.loads(bench.read_text())
    data["metadata"]["planned_test_count"] = 7
    bench.write_text(json.dumps(data))
    assert listed()["interrupted"]["planned"] == 7 and first["interrupted"]["planned"] == 12
    make_run(project, "newcomer", [row("a")], planned=1)
    assert set(listed()) == set(first) | {"newcomer"}
    shutil.rmtree(project / RUNS_DIR / "newcomer")
    assert set(listed()) == set(first)
    job, fd = _running_job(project, "errored")
    try:
        assert listed()["errored"]["active_job"] == job.id
        assert listed()["errored"]["state"] == "running"
    finally:
        os.close(fd)
    assert listed()["errored"]["active_job"] is None


def _running_job(project, run: str, job_id: str = "20260101-000000-abcdef", lock: bool = True):
    """A job of this project recorded running on ``run``, holding its lock (``lock``)."""
    store = JobStore(project)
    run_dir = project / RUNS_DIR / run
    job = store.create(job_id=job_id, argv=["agentv"], args=[], command="agentv eval run --resume",
                       run_dir=run_dir.resolve(), source="server", progress_base={})
    job.record.update(status="running", supervisor_pid=os.getpid(), supervisor_start=None)
    job.save()
    return job, (acquire_lock(run_dir, job_id) if lock else None)


def _listed(client) -> dict:
    return {r["id"]: r for r in client.get("/api/runs").json["runs"]}


def test_runs_list_follows_jobs_that_start_and_end(client, project):
    assert _listed(client)["errored"]["active_job"] is None
    job, fd = _running_job(project, "errored")
    try:
        assert _listed(client)["errored"]["state"] == "running"
        # A second job, started on another run while the first runs.
        other, other_fd = _running_job(project, "interrupted", "20260101-000001-abcdef")
        listed = _listed(client)
        assert (listed["errored"]["active_job"], listed["interrupted"]["active_job"]) == (job.id, other.id)
        os.close(other_fd)
        other.record.update(status="finished", exit_code=0, ended_at="2026-01-01T00:00:02Z")
        other.save()
        listed = _listed(client)
        assert listed["interrupted"]["active_job"] is None and listed["interrupted"]["state"] == "incomplete"
        assert listed["errored"]["active_job"] == job.id
    finally:
        os.close(fd)
    assert _listed(client)["errored"]["state"] == "errored"


def test_a_job_recorded_running_whose_lock_is_free_is_not_running(client, project):
    # Its runner died unrecorded (a lost job): the lock is the truth.
    _running_job(project, "errored", lock=False)
    assert _listed(client)["errored"]["active_job"] is None


def test_runs_list_shows_the_job_of_a_run_reached_through_a_linked_results_folder(tmp_path, project):
    # .agentv/results is a link: the job records the run's real folder, the
    # list walks the linked one; both name the same run.
    real = tmp_path / "elsewhere-results"
    shutil.move(project / ".agentv" / "results", real)
    os.symlink(real, project / ".agentv" / "results")
    job, fd = _running_job(project, "errored")
    assert str(job.run_dir).startswith(str(real))
    try:
        listed = _listed(client_for(project))
        assert listed["errored"]["active_job"] == job.id and listed["errored"]["state"] == "running"
    finally:
        os.close(fd)


def test_a_lock_held_without_a_job_of_this_project_shows_on_the_run_itself(client, project):
    # The runs list takes "running" from this project's jobs (not a lock
    # probe per run); the run's own answers and a launch still ask the lock.
    fd = acquire_lock(project / RUNS_DIR / "errored", "20260101-000000-fedcba")
    try:
        assert client.get("/api/runs/errored").json["active_job"] == "20260101-000000-fedcba"
        assert client.post(LAUNCH, run_body(project, "errored")).status == 409
    finally:
        os.close(fd)


def test_one_unreadable_run_does_not_hide_the_others(client, project, monkeypatch):
    from agentv_resume.runs import reader

    real_read = reader.read_benchmark

    def flaky(run_dir, *rest):
        if Path(run_dir).name == "errored":
            raise OSError("disk on fire")
        return real_read(run_dir, *rest)

    monkeypatch.setattr(reader, "read_benchmark", flaky)
    runs = client.get("/api/runs").json["runs"]
    by_id = {r["id"]: r for r in runs}
    assert by_id["errored"]["state"] == "unreadable"
    assert "disk on fire" in by_id["errored"]["warnings"][0]
    assert by_id["all-ok"]["state"] == "complete"


# --- benchmarks (several projects) ----------------------------------------------------------

@pytest.fixture
def two_projects(project, tmp_path):
    other = tmp_path / "other" / "proj"
    shutil.copytree(project, other)
    for index in other.joinpath(".agentv").rglob("*.json*"):
        index.write_text(index.read_text().replace(str(project), str(other)))
    shutil.rmtree(other / RUNS_DIR / "all-ok")
    return project, other


def test_benchmark_ids_are_unique_and_first_answers_unscoped(two_projects):
    first, second = two_projects
    client = client_for(first, second)
    listing = client.get("/api/benchmarks").json["benchmarks"]
    assert [b["id"] for b in listing] == ["proj", "proj-2"]
    unscoped = {r["id"] for r in client.get("/api/runs").json["runs"]}
    scoped_first = {r["id"] for r in client.get("/api/benchmarks/proj/runs").json["runs"]}
    scoped_second = {r["id"] for r in client.get("/api/benchmarks/proj-2/runs").json["runs"]}
    assert unscoped == scoped_first and "all-ok" in unscoped
    assert "all-ok" not in scoped_second and "errored" in scoped_second
    assert client.get("/api/benchmarks/proj-2/runs/all-ok").status == 404
    assert client.get("/api/benchmarks/proj-2/runs/errored").json["id"] == "errored"
    missing = client.get("/api/benchmarks/nope/runs")
    assert missing.status == 404 and "nope" in missing.json["error"]


def test_scoped_preview_and_launch_use_that_project(two_projects, fp, no_agentv):
    first, second = two_projects
    client = client_for(first, second)
    body = run_body(second, "errored")
    preview = client.post("/api/benchmarks/proj-2/eval/preview", body)
    assert preview.status == 200
    assert preview.json["run_dir"] == ".agentv/results/runs/default/errored"
    response = client.post("/api/benchmarks/proj-2/eval/run", body)
    assert response.status == 503  # reached start() for the second project
    assert client.get("/api/benchmarks/proj-2/eval/runs").json == {"jobs": []}


# --- preview ----------------------------------------------------------------------

def test_preview_gives_the_command_and_spawns_nothing(client, project, fp):
    response = client.post(PREVIEW, run_body(project, "errored"))
    assert response.status == 200
    assert response.json["command"] == (
        "agentv eval run evals/greetings.yaml --target default "
        "--output .agentv/results/runs/default/errored --resume"
    )
    assert client.get("/api/runs/errored").json["commands"]["resume"] == response.json["command"]
    assert _jobs(client) == []


def test_preview_validates_like_launch(client, fp):
    response = client.post(PREVIEW, {"resume": True, "rerun_failed": True, "suite_filter": "evals/greetings.yaml"})
    assert response.status == 400
    assert response.json == {"error": MUTUALLY_EXCLUSIVE}


def test_preview_answers_in_read_only_mode(project, fp):
    client = client_for(project, read_only=True)
    assert client.post(PREVIEW, run_body(project, "errored")).status == 200


# --- launch validation, in the contract's order -----------------------------------------------

def test_read_only_refuses_before_parsing(project, fp):
    client = client_for(project, read_only=True)
    for body in (b"not json", b"[]", json.dumps(run_body(project, "errored")).encode()):
        response = client.post(LAUNCH, body=body)
        assert response.status == 403
        assert "read-only" in response.json["error"]
    assert client.post("/api/benchmarks/proj/eval/run", run_body(project, "errored")).status == 403


@pytest.mark.parametrize("body", [b"", b"not json", b"{", b"[1, 2]", b'"text"', b"null", b"42",
                                  b'{"suite_filter": "\xff"}'])
def test_invalid_json_body(client, fp, body):
    response = client.post(LAUNCH, body=body)
    assert response.status == 400
    assert response.json == {"error": "Invalid JSON body"}


@pytest.mark.parametrize("key", ["rerun-failed", "resume_run", "Resume", "outputs", "targets"])
def test_unknown_key_is_named(client, project, fp, key):
    body = run_body(project, "errored", mode="resume")
    body[key] = True
    response = client.post(LAUNCH, body)
    assert response.status == 400
    assert repr(key) in response.json["error"]


@pytest.mark.parametrize("key,value", [
    ("workers", "3"), ("workers", 0), ("workers", 51), ("workers", 2.5), ("workers", True),
    ("threshold", 2), ("threshold", -0.1), ("threshold", "0.5"), ("threshold", True),
    ("target", 5), ("target", ["a", 1]), ("test_ids", "greet-1"), ("test_ids", [1]),
    ("resume", "yes"), ("rerun_failed", 1), ("dry_run", "true"), ("suite_filter", ["a"]),
    ("output", 7), ("retry_errors", False),
])
def test_wrong_type_or_range_is_named(client, fp, key, value):
    body = {"suite_filter": "evals/greetings.yaml", key: value}
    response = client.post(LAUNCH, body)
    assert response.status == 400
    assert response.json["error"].startswith(key), response.json


@pytest.mark.parametrize("body", [{}, {"suite_filter": "   "}, {"suite_filter": " , ,"}, {"test_ids": []},
                                  {"resume": True, "output": ".agentv/results/runs/default/errored"}])
def test_no_suite_and_no_test_ids(client, fp, body):
    response = client.post(LAUNCH, body)
    assert response.status == 400
    assert response.json == {"error": "Provide suite_filter or test_ids"}


def test_modes_are_mutually_exclusive(client, project, fp):
    response = client.post(LAUNCH, run_body(project, "errored", rerun_failed=True))
    assert response.status == 400
    assert response.json == {"error": MUTUALLY_EXCLUSIVE}
    three = client.post(LAUNCH, run_body(project, "errored", rerun_failed=True,
                                         retry_errors=".agentv/results/runs/default/errored"))
    assert three.json["error"].endswith("(got: resume, rerun_failed, retry_errors)")


@pytest.mark.parametrize("key,value", [
    ("suite_filter", "--help"), ("suite_filter", "evals/greetings.yaml,-x"), ("target", "-x"),
    ("target", ["default", "--workers"]), ("test_ids", ["-a"]), ("output", "--version"),
    ("retry_errors", "-r"),
])
def test_option_like_values_are_refused(client, fp, key, value):
    body = {"suite_filter": "evals/greetings.yaml", key: value}
    response = client.post(LAUNCH, body)
    assert response.status == 400
    assert key in response.json["error"] and "-" in response.json["error"]


@pytest.mark.parametrize("key,value", [
    ("test_ids", ["a\nb"]), ("target", "de\x00fault"), ("suite_filter", "evals/greetings.yaml\r"),
    ("output", ".agentv/results/runs/default/x\ty"), ("target", "x\x7f"),
])
def test_control_characters_are_refused(client, fp, key, value):
    body = {"suite_filter": "evals/greetings.yaml", key: value}
    response = client.post(LAUNCH, body)
    assert response.status == 400
    assert "control" in response.json["error"]


@pytest.mark.parametrize("output", ["../../../etc", "/etc", "/tmp", "..", "evals/../../outside"])
def test_output_outside_the_project(client, fp, output):
    response = client.post(LAUNCH, {"suite_filter": "evals/greetings.yaml", "output": output, "resume": True})
    assert response.status == 400
    assert "inside the project" in response.json["error"]


def test_output_through_a_symlink_outside(client, project, tmp_path, fp):
    outside = tmp_path / "outside-run"
    outside.mkdir()
    (outside / "index.jsonl").write_text(json.dumps(row("a", "execution_error")) + "\n")
    (project / "escape").symlink_to(outside)
    for key in ("output", "retry_errors"):
        body = {"suite_filter": "evals/greetings.yaml", key: "escape"}
        if key == "output":
            body["resume"] = True
        response = client.post(LAUNCH, body)
        assert response.status == 400, key
        assert "inside the project" in response.json["error"]


def test_retry_errors_must_be_a_run(client, fp):
    for path in ("evals", "evals/greetings.yaml", ".agentv/results/runs/default/nope"):
        response = client.post(LAUNCH, {"suite_filter": "evals/greetings.yaml", "retry_errors": path})
        assert response.status == 400, path
        assert "retry_errors" in response.json["error"]


def test_retry_errors_outside_the_project(client, fp):
    response = client.post(LAUNCH, {"suite_filter": "evals/greetings.yaml", "retry_errors": "../../../etc"})
    assert response.status == 400
    assert "inside the project" in response.json["error"]


def test_resume_without_output_when_cache_points_nowhere(client, project, fp):
    (project / ".agentv/cache.json").write_text(json.dumps({"lastRunDir": str(project / "nowhere")}))
    for mode in ("resume", "rerun_failed"):
        response = client.post(LAUNCH, {"suite_filter": "evals/greetings.yaml", mode: True})
        assert response.status == 400
        assert "cache.json" in response.json["error"]


def test_resume_without_output_follows_cache_json(client, project, fp):
    response = client.post(PREVIEW, {"suite_filter": "evals/greetings.yaml", "resume": True})
    assert response.status == 200
    assert response.json["run_dir"] == ".agentv/results/runs/default/errored"
    assert "--output" not in response.json["command"]


def test_blocked_run_is_refused(client, project, fp):
    make_run(project, "has-rejected-row", [row("a", "execution_error"), {"test_id": "b", "target": "default"}])
    body = {"suite_filter": "evals/greetings.yaml", "output": str(RUNS_DIR / "has-rejected-row"), "resume": True}
    response = client.post(LAUNCH, body)
    assert response.status == 400
    assert "blocked" in response.json["error"] and "Missing or invalid score" in response.json["error"]
    retry = client.post(LAUNCH, {"suite_filter": "evals/greetings.yaml",
                                 "retry_errors": str(RUNS_DIR / "has-rejected-row")})
    assert retry.status == 400 and "blocked" in retry.json["error"]


def test_fresh_run_onto_an_existing_run_is_refused(client, project, fp):
    response = client.post(LAUNCH, {"suite_filter": "evals/greetings.yaml", "output": str(RUNS_DIR / "errored")})
    assert response.status == 400
    assert "existing run" in response.json["error"]


def test_resume_of_a_directory_that_is_not_a_run(client, fp):
    response = client.post(LAUNCH, {"suite_filter": "evals/greetings.yaml", "output": "evals", "resume": True})
    assert response.status == 400


def test_busy_run_is_409_with_the_job_id(client, project, fp):
    fd = acquire_lock(project / RUNS_DIR / "errored", "20260101-000000-abcdef")
    try:
        response = client.post(LAUNCH, run_body(project, "errored"))
        assert response.status == 409
        assert response.json["job_id"] == "20260101-000000-abcdef"
        assert "20260101-000000-abcdef" in response.json["error"]
        assert client.get("/api/runs/errored").json["active_job"] == "20260101-000000-abcdef"
        assert client.get("/api/runs/errored").json["state"] == "running"
    finally:
        os.close(fd)
    assert client.get("/api/runs/errored").json["active_job"] is None


def test_missing_agentv_is_503_and_leaves_nothing_behind(client, project, fp, no_agentv):
    response = client.post(LAUNCH, run_body(project, "errored"))
    assert response.status == 503
    assert "AGENTV_BIN" in response.json["error"] and "npm install" in response.json["error"]
    assert _jobs(client) == []
    assert lock_holder(project / RUNS_DIR / "errored") is None
    fresh = client.post(LAUNCH, {"suite_filter": "evals/greetings.yaml", "output": ".agentv/results/runs/default/new"})
    assert fresh.status == 503
    assert not (project / RUNS_DIR / "new").exists()


def test_agentv_option_of_create_app_wins(project, fp, fake_agentv, tmp_path):
    client = client_for(project, agentv=str(tmp_path / "not-here"))
    assert client.post(LAUNCH, run_body(project, "errored")).status == 503


# --- 202: the launch path with the supervisor faked (fp) ----------------------------------------

def test_launch_hands_the_job_to_a_detached_supervisor(client, project, fp, fake_agentv):
    recorder = fp.register([sys.executable, fp.any()])  # the supervisor (process.supervisor_argv)
    response = client.post(LAUNCH, run_body(project, "errored"))
    assert response.status == 202
    data = response.json
    assert set(data) >= {"id", "status", "command", "run_dir"}
    assert data["command"] == client.get("/api/runs/errored").json["commands"]["resume"]
    assert data["run_dir"] == ".agentv/results/runs/default/errored"
    assert data["run_id"] == "errored"
    assert data["job_url"] == f"/jobs/{data['id']}"
    call = recorder.calls[0]
    assert call.kwargs["start_new_session"] is True
    assert len(call.kwargs["pass_fds"]) == 1
    job_dir = project / ".agentv/studio-resume/jobs" / data["id"]
    assert str(job_dir) in call.args
    record = json.loads((job_dir / "job.json").read_text())
    assert record["argv"] == [str(fake_agentv), "eval", "run", "evals/greetings.yaml", "--target", "default",
                              "--output", ".agentv/results/runs/default/errored", "--resume"]
    assert record["source"] == "server"
    assert [j["id"] for j in _jobs(client)] == [data["id"]]


def test_a_launch_and_a_stop_make_runs_lists_asked_after_them_walk_again(client, project, fp, fake_agentv,
                                                                          monkeypatch):
    # Runs lists asked meanwhile share the walk under way (SharedCall); one
    # asked after a launch (or a Stop) answered must not get a walk that
    # began before it.
    bench = client.app.studio.first
    invalidated = []
    monkeypatch.setattr(bench.listing, "invalidate", lambda: invalidated.append("walk"))
    fp.register([sys.executable, fp.any()])
    response = client.post(LAUNCH, run_body(project, "errored"))
    assert response.status == 202 and invalidated == ["walk"]
    refused = client.post(LAUNCH, {"suite_filter": "evals/greetings.yaml", "resume": True, "rerun_failed": True})
    assert refused.status == 400 and invalidated == ["walk"]  # a refused launch changed nothing
    stop = client.post(f"{LAUNCH}/{response.json['id']}/stop", {})
    assert stop.status == 200 and invalidated == ["walk", "walk"]


def test_launch_adds_the_missing_newline_before_agentv_appends(client, project, fp, fake_agentv):
    run_dir = make_run(project, "cut", [row("a"), row("b", "execution_error")], planned=3, raw_tail=b'{"test_id": "c"')
    fp.register([sys.executable, fp.any()])
    response = client.post(LAUNCH, {"suite_filter": "evals/greetings.yaml", "output": str(RUNS_DIR / "cut"),
                                    "resume": True})
    assert response.status == 202
    assert (run_dir / "index.jsonl").read_bytes().endswith(b'{"test_id": "c"\n')


# --- real jobs: fake agentv, real supervisor -----------------------------------------------

def test_resume_job_runs_to_the_end(client, project, fake_agentv):
    response = client.post(LAUNCH, run_body(project, "interrupted"))
    assert response.status == 202, response.json
    job_id = response.json["id"]
    assert response.json["status"] in ("starting", "running", "finished")
    status = wait_terminal(client, job_id)
    assert status["status"] == "finished" and status["exit_code"] == 0
    for key in ("id", "status", "command", "run_dir", "started_at", "finished_at", "exit_code", "progress",
                "log_tail"):
        assert key in status
    assert status["progress"] == {"done": 8, "planned": 12}  # 6 done before + 2 appended
    assert "fake agentv eval run evals/long.yaml --target default" in status["log_tail"]
    assert f"cwd {project}" in status["log_tail"]
    assert "case fake-2 done ✓" in status["log_tail"]
    console = (project / RUNS_DIR / "interrupted" / "console.log").read_text()
    assert f"studio-resume job {job_id}" in console and "case fake-1 done" in console
    assert client.get("/api/runs/interrupted").json["active_job"] is None


def test_status_since_returns_only_new_output(client, project, fake_agentv):
    job_id = client.post(LAUNCH, run_body(project, "errored")).json["id"]
    wait_terminal(client, job_id)
    full = client.get(f"/api/eval/status/{job_id}?since=0").json
    log_bytes = (project / ".agentv/studio-resume/jobs" / job_id / "output.log").read_bytes()
    assert full["log"] == log_bytes.decode()
    assert full["log_offset"] == len(log_bytes)
    later = client.get(f"/api/eval/status/{job_id}?since={full['log_offset']}").json
    assert later["log"] == "" and later["log_offset"] == full["log_offset"]
    middle = 10
    part = client.get(f"/api/eval/status/{job_id}?since={middle}").json
    assert part["log"] == log_bytes[middle:].decode()
    for bad in ("-1", "x", "1.5"):
        response = client.get(f"/api/eval/status/{job_id}?since={bad}")
        assert response.status == 400 and "since" in response.json["error"]


def test_failed_agentv_is_a_failed_job(client, project, fake_agentv, monkeypatch):
    monkeypatch.setenv("FAKE_AGENTV_EXIT", "2")
    job_id = client.post(LAUNCH, run_body(project, "errored")).json["id"]
    status = wait_terminal(client, job_id)
    assert status["status"] == "failed" and status["exit_code"] == 2


def test_jobs_list_newest_first(client, project, fake_agentv):
    first = client.post(LAUNCH, run_body(project, "errored")).json["id"]
    wait_terminal(client, first)
    time.sleep(0.01)
    second = client.post(LAUNCH, run_body(project, "interrupted")).json["id"]
    wait_terminal(client, second)
    listed = _jobs(client)
    assert [j["id"] for j in listed] == [second, first]
    assert all("log_tail" not in j for j in listed)
    assert listed[0]["run_id"] == "interrupted" and listed[1]["run_id"] == "errored"
    assert client.get("/api/benchmarks/proj/eval/runs").json["jobs"] == listed


def test_stop_a_running_job_then_again(client, project, fake_agentv, monkeypatch):
    monkeypatch.setenv("FAKE_AGENTV_DELAY", "30")
    job_id = client.post(LAUNCH, run_body(project, "interrupted")).json["id"]
    wait_for(lambda: client.get(f"/api/eval/status/{job_id}").json["status"] == "running", what="running")
    busy = client.post(LAUNCH, run_body(project, "interrupted"))
    assert busy.status == 409 and busy.json["job_id"] == job_id
    assert client.get("/api/runs/interrupted").json["active_job"] == job_id

    stopped = client.post(f"/api/eval/run/{job_id}/stop", {})
    assert stopped.status == 200
    assert stopped.json["stopped"] is True
    status = wait_terminal(client, job_id)
    assert status["status"] == "stopped"
    again = client.post(f"/api/eval/run/{job_id}/stop", {})
    assert again.status == 200
    assert again.json["stopped"] is False and again.json["reason"] == "already_terminal"
    wait_for(lambda: client.get("/api/runs/interrupted").json["active_job"] is None, what="lock released")


def test_stop_unknown_job_is_404(client, fp):
    response = client.post("/api/eval/run/20260101-000000-ffffff/stop", {})
    assert response.status == 404
    assert "20260101-000000-ffffff" in response.json["error"]
    assert client.get("/api/eval/status/20260101-000000-ffffff").status == 404


def test_read_only_stop_is_403_before_lookup(project, fp):
    client = client_for(project, read_only=True)
    for url in ("/api/eval/run/no-such-job/stop", "/api/benchmarks/proj/eval/run/no-such-job/stop"):
        response = client.post(url, {})
        assert response.status == 403
        assert "read-only" in response.json["error"]


@pytest.mark.parametrize("url", [
    "/api/benchmarks/no-such-benchmark/eval/run",
    "/api/benchmarks/no-such-benchmark/eval/run/no-such-job/stop",
    "/api/benchmarks/proj/eval/run/no-such-job/stop",
    "/api/eval/run/20260101-000000-ffffff/stop",
    "/api/no-such-route",
])
def test_read_only_answers_403_before_any_lookup_could_answer_404(project, fp, url):
    client = client_for(project, read_only=True)
    response = client.post(url, {"suite_filter": "evals/greetings.yaml"})
    assert response.status == 403
    assert "read-only" in response.json["error"]


def test_read_only_still_answers_a_preview_of_an_unknown_benchmark_with_404(project, fp):
    client = client_for(project, read_only=True)
    assert client.post("/api/benchmarks/no-such-benchmark/eval/preview", {"suite_filter": "x"}).status == 404


def test_stop_does_not_parse_its_body(client, fp):
    assert client.post("/api/eval/run/nope/stop", body=b"").status == 404


def test_jobs_survive_a_new_app(project, fake_agentv):
    first_app = client_for(project)
    job_id = first_app.post(LAUNCH, run_body(project, "errored")).json["id"]
    wait_terminal(first_app, job_id)
    restarted = client_for(project)
    listed = restarted.get("/api/eval/runs").json["jobs"]
    assert [j["id"] for j in listed] == [job_id]
    status = restarted.get(f"/api/eval/status/{job_id}").json
    assert status["status"] == "finished"
    assert "case fake-2 done" in status["log_tail"]
    page = restarted.get(f"/jobs/{job_id}")
    assert page.status == 200 and "case fake-2 done" in page.text


def test_a_job_whose_supervisor_vanished_is_lost(client, project):
    store = JobStore(project)
    job = store.create(job_id="20260101-000000-aaaaaa", argv=["agentv"], args=[], command="agentv eval run x",
                       run_dir=project / RUNS_DIR / "errored", source="server", progress_base={})
    job.record.update(status="running", started_at="2026-01-01T00:00:00.000Z", supervisor_pid=999999999)
    job.save()
    status = client.get(f"/api/eval/status/{job.id}").json
    assert status["status"] == "lost"
    assert client.post(f"/api/eval/run/{job.id}/stop", {}).json == {
        "stopped": False, "reason": "already_terminal", "status": "lost"}


# --- errors are JSON everywhere -----------------------------------------------------------

@pytest.mark.parametrize("method,url,status", [
    ("GET", "/api/nope", 404), ("GET", "/api", 404), ("GET", "/api/eval/run", 405), ("DELETE", "/api/runs", 405),
    ("POST", "/api/runs", 405), ("PUT", "/api/eval/run", 405), ("GET", "/api/benchmarks/nope/runs/x", 404),
])
def test_api_errors_are_json(client, method, url, status):
    response = client.request(method, url, body=b"{}", headers={"Content-Type": "application/json"})
    assert response.status == status
    assert response.content_type == "application/json"
    assert set(response.json) == {"error"}
    if status == 405:
        assert response.headers.get("allow")


def test_terminal_statuses_are_the_contracts():
    assert set(TERMINAL) == set(TERMINAL)
