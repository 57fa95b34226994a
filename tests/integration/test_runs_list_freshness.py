"""The runs list stays current while it stats as little as it can.

Between two full looks (``FULL_CHECK_SECONDS`` apart) a list stats the
folders of results/ and the files of the *hot* runs only: written within
``HOT_SECONDS``, without benchmark.json, or just written; an idle run's
benchmark.json every ``BENCHMARK_CHECK_SECONDS`` (see ``Project.runs``).
What a user sees: a new or deleted run, a run agentv is writing (rows
appended, benchmark.json written when it finishes) show on the very next
list; a run idle for minutes that is appended to again within
FULL_CHECK_SECONDS, a hand edit of its benchmark.json within
BENCHMARK_CHECK_SECONDS.
"""

from __future__ import annotations

import json
import os

import pytest

from agentv_resume.runs import project as project_module
from support.builders import RUNS, make_run, row
from support.web import client_for


def listed(client) -> dict:
    answer = client.get("/api/runs")
    assert answer.status == 200
    return {run["id"]: run for run in answer.json["runs"]}


def age(path, seconds=60):
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - seconds * 10**9))


def aged_run(project, name, rows, **kw):
    run_dir = make_run(project, name, rows, **kw)
    for child in run_dir.iterdir():
        age(child)
    return run_dir


def set_planned(run_dir, planned: int) -> None:
    path = run_dir / "benchmark.json"
    data = json.loads(path.read_text())
    data["metadata"]["planned_test_count"] = planned
    path.write_text(json.dumps(data))
    age(path)  # as if written a while ago: not caught as "just written"


@pytest.fixture
def never_recheck(monkeypatch):
    """As if every list came within FULL_CHECK_SECONDS of the last full look."""
    monkeypatch.setattr(project_module, "FULL_CHECK_SECONDS", 3600.0)
    monkeypatch.setattr(project_module, "BENCHMARK_CHECK_SECONDS", 3600.0)


def warm_run(project, name, rows, **kw):
    """A run agentv wrote ten seconds ago: hot (within HOT_SECONDS), not racy."""
    run_dir = make_run(project, name, rows, **kw)
    for child in run_dir.iterdir():
        age(child, 10)
    return run_dir


def test_a_run_that_finishes_shows_complete_on_the_next_list(project, never_recheck):
    run_dir = aged_run(project, "late", [row("greet-1"), row("greet-2")], planned=2, benchmark=False)
    client = client_for(project)
    assert listed(client)["late"]["planned"] is None
    index = os.stat(run_dir / "index.jsonl")
    # agentv writes benchmark.json after the last line: index.jsonl is unchanged.
    (run_dir / "benchmark.json").write_text(json.dumps({"metadata": {
        "eval_file": str(project / "evals/greetings.yaml"), "targets": ["default"], "planned_test_count": 2}}))
    age(run_dir / "benchmark.json")
    assert os.stat(run_dir / "index.jsonl") == index
    assert listed(client)["late"]["planned"] == 2


def test_a_run_being_written_shows_each_change_on_the_next_list(project, never_recheck):
    run_dir = warm_run(project, "resumed", [row("greet-1"), row("greet-2", "execution_error", error="x")], planned=3)
    client = client_for(project)
    assert listed(client)["resumed"]["planned"] == 3
    with open(run_dir / "index.jsonl", "a") as out:
        out.write(json.dumps(row("greet-2")) + "\n")
    set_planned(run_dir, 2)
    after = listed(client)["resumed"]
    assert after["planned"] == 2 and after["counts"]["execution_error"] == 0


def test_an_idle_run_appended_to_again_shows_within_the_full_check_interval(project, never_recheck, monkeypatch):
    run_dir = aged_run(project, "idle", [row("greet-1"), row("greet-2", "execution_error", error="x")], planned=2)
    results = project / ".agentv" / "results"
    for folder in (results, *results.rglob("*")):  # nothing came or went lately either
        if folder.is_dir():
            age(folder)
    client = client_for(project)
    assert listed(client)["idle"]["counts"]["execution_error"] == 1
    with open(run_dir / "index.jsonl", "a") as out:  # `agentv eval run --resume` from a terminal
        out.write(json.dumps(row("greet-2")) + "\n")
    assert listed(client)["idle"]["counts"]["execution_error"] == 1  # not looked at between full looks
    assert client.get("/api/runs/idle").json["counts"]["execution_error"] == 0  # its own page is exact
    monkeypatch.setattr(project_module, "FULL_CHECK_SECONDS", 0.0)  # the interval has passed
    assert listed(client)["idle"]["counts"]["execution_error"] == 0


def test_a_hand_edit_of_benchmark_json_alone_shows_after_the_check_interval(project, never_recheck, monkeypatch):
    run_dir = aged_run(project, "edited", [row("greet-1")], planned=1)
    client = client_for(project)
    assert listed(client)["edited"]["planned"] == 1
    set_planned(run_dir, 9)
    assert listed(client)["edited"]["planned"] == 1  # within the interval: index.jsonl unchanged, not stat'ed
    monkeypatch.setattr(project_module, "FULL_CHECK_SECONDS", 0.0)  # index.jsonl looked at again...
    assert listed(client)["edited"]["planned"] == 1  # ...unchanged and idle: its benchmark.json is not
    monkeypatch.setattr(project_module, "BENCHMARK_CHECK_SECONDS", 0.0)  # the longer interval has passed
    assert listed(client)["edited"]["planned"] == 9


def test_a_benchmark_json_written_just_now_is_checked_on_every_list(project, never_recheck):
    run_dir = aged_run(project, "fresh", [row("greet-1")], planned=1)
    os.utime(run_dir / "benchmark.json")  # written just now: it may be written again within its mtime's tick
    client = client_for(project)
    assert listed(client)["fresh"]["planned"] == 1
    path = run_dir / "benchmark.json"
    data = json.loads(path.read_text())
    data["metadata"]["planned_test_count"] = 17
    path.write_text(json.dumps(data))  # index.jsonl unchanged (and old)
    assert listed(client)["fresh"]["planned"] == 17


def test_runs_that_come_and_go_show_on_the_next_list(project, never_recheck):
    client = client_for(project)
    before = set(listed(client))
    aged_run(project, "newcomer", [row("greet-1")], planned=1)
    assert set(listed(client)) == before | {"newcomer"}
    for child in (project / RUNS / "newcomer").iterdir():
        child.unlink()
    (project / RUNS / "newcomer").rmdir()
    assert set(listed(client)) == before


def test_an_unchanged_project_answers_the_same_bytes(project):
    client = client_for(project)
    first = client.get("/api/runs").body
    assert client.get("/api/runs").body == first


def test_a_deleted_suite_file_shows_on_an_unchanged_list(project, monkeypatch):
    from agentv_resume.runs import reader as reader_module

    monkeypatch.setattr(reader_module, "SUITE_CHECK_SECONDS", 0.0)
    client = client_for(project)
    assert listed(client)["errored"]["suite_filter"] == "evals/greetings.yaml"
    listed(client)  # the second list of unchanged runs is answered from the first
    (project / "evals" / "greetings.yaml").unlink()
    assert listed(client)["errored"]["suite_filter"] is None


def test_a_benchmark_rewrite_right_after_the_last_row_shows_on_the_next_list(project, never_recheck):
    # agentv appends its last row, then rewrites benchmark.json: a list in
    # between sees the row; the next one must see the rewrite, though
    # index.jsonl did not change again (the run is hot: written lately).
    run_dir = warm_run(project, "ending", [row("greet-1")], planned=3)
    client = client_for(project)
    listed(client)
    with open(run_dir / "index.jsonl", "a") as out:
        out.write(json.dumps(row("greet-2")) + "\n")
    assert listed(client)["ending"]["records"] == 2
    set_planned(run_dir, 2)
    assert listed(client)["ending"]["planned"] == 2
