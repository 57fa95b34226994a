"""The jobs list and the status poll at scale: paged, O(1) in the runs, ended jobs read from their record."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from agentv_resume.jobs import record
from agentv_resume.jobs.progress import Counter
from agentv_resume.jobs.store import JobStore, new_job_id
from agentv_resume.runs.project import Project
from support.web import client_for, find

RUN = ".agentv/results/runs/default/errored"


def write_job(project, job_id, *, run=RUN, new_style=True, **fields):
    """A finished job as the runner leaves it (new_style: with the fields this version records)."""
    run_dir = (project / run).resolve()
    values = dict(id=job_id, status="finished", command="agentv eval run x", argv=["agentv", "eval", "run"],
                  run_dir=str(run_dir), project_root=str(project), source="server", exit_code=0,
                  started_at="2026-01-01T00:00:00.000Z", finished_at="2026-01-01T00:00:02.000Z",
                  progress_base_done=3, progress_planned=5)
    if new_style:
        values.update(run_id=run_dir.name, run_path=run, progress_final={"done": 5, "planned": 5})
    values.update(fields)
    job_dir = project / ".agentv/studio-resume/jobs" / job_id
    job_dir.mkdir(parents=True)
    rec = record.build(**values)
    if not new_style:
        for key in ("run_id", "run_path", "progress_final"):
            rec.pop(key)
    record.write_json_atomic(job_dir / "job.json", rec)
    (job_dir / "output.log").write_text("ok\n")
    return job_id


def ids(n):
    return [f"20260101-0000{i:02d}-000-aaaaaa" for i in range(n)]  # oldest first


def test_jobs_list_is_paged_newest_first(project):
    made = [write_job(project, job_id) for job_id in ids(7)]
    client = client_for(project)
    first = client.get("/api/eval/runs?limit=3").json
    assert [job["id"] for job in first["jobs"]] == made[::-1][:3]
    second = client.get(f"/api/eval/runs?limit=3&before={first['next']}").json
    assert [job["id"] for job in second["jobs"]] == made[::-1][3:6]
    last = client.get(f"/api/eval/runs?limit=3&before={second['next']}").json
    assert [job["id"] for job in last["jobs"]] == made[:1] and "next" not in last
    everything = client.get("/api/eval/runs").json
    assert [job["id"] for job in everything["jobs"]] == made[::-1] and "next" not in everything


def test_the_jobs_page_links_to_older_jobs(project):
    made = [write_job(project, job_id) for job_id in ids(4)]
    client = client_for(project)
    html = client.get("/jobs?limit=2").text
    (older,) = find(html, rel="next")
    assert older.get("href").endswith(f"?before={made[2]}")
    assert made[1] in client.get(older.get("href")).text
    assert find(client.get("/jobs").text, rel="next") == []


@pytest.mark.parametrize("query", ["limit=0", "limit=abc", "limit=1001", "limit=-1", "before=../x", "before="])
def test_bad_paging_is_a_400(project, query):
    response = client_for(project).get(f"/api/eval/runs?{query}")
    assert response.status == 400


def test_new_job_ids_sort_as_jobs_started():
    made = [new_job_id() for _ in range(50)]
    stamps = [job_id.rsplit("-", 1)[0] for job_id in made]  # to the millisecond; ties break at random
    assert stamps == sorted(stamps)


def test_a_status_poll_and_the_list_never_list_the_runs(project, monkeypatch):
    job_id = write_job(project, ids(1)[0])
    client = client_for(project)

    def no_listing(*_args, **_kwargs):
        raise AssertionError("listed every run")

    monkeypatch.setattr(Project, "runs", no_listing)
    monkeypatch.setattr(Project, "run_by_dir", no_listing)
    monkeypatch.setattr(JobStore, "_ids", no_listing)  # nor every job
    status = client.get(f"/api/eval/status/{job_id}").json
    assert status["run_id"] == "errored" and status["run_url"].endswith("/runs/errored")
    assert status["run_dir"] == RUN and status["progress"] == {"done": 5, "planned": 5}


def test_an_ended_jobs_progress_comes_from_its_record(project):
    job_id = write_job(project, ids(1)[0], progress_final={"done": 4, "planned": 5})
    (project / RUN / "index.jsonl").unlink()  # the run is gone: its record still says what the job did
    status = client_for(project).get(f"/api/eval/status/{job_id}").json
    assert status["progress"] == {"done": 4, "planned": 5}
    assert status["run_id"] is None and status["run_url"] is None  # no run to link to


def test_old_records_whose_run_is_gone_list_the_runs_once(project, monkeypatch):
    for n, job_id in enumerate(ids(30)):
        write_job(project, job_id, run=f".agentv/results/runs/default/gone-{n}", new_style=False)
    write_job(project, "20260102-000000-000-bbbbbb", new_style=False)  # an old record of a live run
    calls = []
    listing = Project.runs

    def counted(self):
        calls.append(1)
        return listing(self)

    monkeypatch.setattr(Project, "runs", counted)
    jobs = client_for(project).get("/api/eval/runs").json["jobs"]
    assert len(calls) == 1
    assert jobs[0]["run_id"] == "errored" and jobs[0]["run_dir"] == RUN
    assert all(job["run_id"] is None and job["run_url"] is None for job in jobs[1:])


def test_a_counter_keeps_case_keys_not_rows(tmp_path):
    index = tmp_path / "index.jsonl"
    big = "x" * 10_000
    index.write_text("".join(json.dumps({"test_id": f"c{n}", "target": "t", "error": big}) + "\n" for n in range(50)))
    counter = Counter(tmp_path, 0)
    assert counter.count() == 50
    assert all(isinstance(key, tuple) and len(repr(key)) < 40 for key in counter.keys)
    with open(index, "a") as handle:
        handle.write(json.dumps({"test_id": "c0", "target": "t"}) + "\n")  # a re-run of a counted case
        handle.write('{"test_id": "half')  # a line still being written
    assert counter.count() == 50
    os.replace(tmp_path / "index.jsonl", tmp_path / "old")
    index.write_text("")  # agentv rewrote it shorter: never fewer than seen
    assert counter.count() == 50


def test_a_counter_reads_agentvs_rows_the_same_with_or_without_escapes(tmp_path):
    fixture = Path(__file__).resolve().parents[1] / "fixtures/agentv-project/.agentv/results/runs/default/errored"
    rows = [json.loads(line) for line in (fixture / "index.jsonl").read_text().splitlines() if line.strip()]
    odd = dict(rows[0], test_id='say "hi"\\n')  # escaped in the file: the slow path unescapes it
    (tmp_path / "index.jsonl").write_text("".join(json.dumps(row, separators=(",", ":")) + "\n"
                                                  for row in [*rows, odd, odd, rows[0]]))
    counter = Counter(tmp_path, 0)
    expected = {(row["test_id"], row["target"]) for row in rows} | {('say "hi"\\n', rows[0]["target"])}
    assert counter.count() == len(expected) and counter.keys == expected


def test_the_cli_jobs_list_finds_runs_the_same_way(project, cli, monkeypatch):
    for n, job_id in enumerate(ids(20)):
        write_job(project, job_id, run=f".agentv/results/runs/default/gone-{n}", new_style=False)
    write_job(project, "20260102-000000-000-bbbbbb")  # a new record: knows its run
    calls = []
    listing = Project.all_runs

    def counted(self):
        calls.append(1)
        return listing(self)

    monkeypatch.setattr(Project, "all_runs", counted)
    monkeypatch.setattr(Project, "run_by_dir", lambda *a, **k: (_ for _ in ()).throw(AssertionError("per job")))
    result = cli("--project", project, "jobs", "--json")
    assert result.exit_code == 0, result.output
    jobs = json.loads(result.stdout)["jobs"]
    assert len(calls) == 1 and jobs[0]["run_id"] == "errored" and jobs[0]["run_dir"] == RUN
    assert all(job["run_id"] is None for job in jobs[1:])
