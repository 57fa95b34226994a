"""Files that are FIFOs, devices, huge or absurdly nested: every reader answers, none hangs.

Each case would hang or 500 if a reader opened the file the ordinary way."""

from __future__ import annotations

import json
import os

import pytest
from click.shell_completion import ShellComplete

from agentv_resume.cli import completion
from agentv_resume.cli import main
from support.builders import make_run, row
from support.web import client_for

pytestmark = pytest.mark.timeout(60)

DEEP = b'{"metadata": ' * 5000 + b"1" + b"}" * 5000
DEEPER = b"[" * 200_000 + b"]" * 200_000


def _replace(path, kind: str) -> None:
    """Make ``path`` a FIFO, a link to /dev/zero, or absurdly nested JSON."""
    if path.exists() or path.is_symlink():
        path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "deep":
        path.write_bytes(DEEP)
    elif kind == "deeper":
        path.write_bytes(DEEPER)


def _complete(args: list[str], incomplete: str = "") -> list:
    return ShellComplete(main, {}, "studio-resume", completion.COMPLETE_VAR).get_completions(args, incomplete)


@pytest.fixture
def here(project, monkeypatch):
    monkeypatch.chdir(project)
    monkeypatch.delenv(completion.COMPLETE_VAR, raising=False)
    return project


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "deep", "deeper"])
@pytest.mark.parametrize("name", ["index.jsonl", "benchmark.json"])
def test_completion_of_test_ids_never_hangs_or_reads_without_end(here, kind, name):
    run_dir = make_run(here, "hostile", [row("t-1"), row("t-2", "execution_error", error="x")])
    _replace(run_dir / name, kind)
    got = [item.value for item in _complete(["launch", "--resume", "hostile", "--test-id"])]
    if name == "benchmark.json":
        assert got == ["t-1", "t-2"]  # index.jsonl still gives them
    else:
        assert got == []


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_completion_of_targets_never_hangs(here, kind):
    _replace(here / ".agentv" / "targets.yaml", kind)
    assert _complete(["launch", "--target"]) == []


def test_completion_offers_no_test_id_a_terminal_would_obey(here):
    make_run(here, "escapes", [row("plain"), row("evil\x1b]0;pwned\x07"), row("rtl\u202eoverride")])
    assert [item.value for item in _complete(["launch", "--resume", "escapes", "--test-id"])] == ["plain"]


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "deep", "deeper"])
def test_server_reads_answer_whatever_benchmark_json_and_cache_json_are(project, kind):
    run_dir = make_run(project, "hostile", [row("t-1"), row("t-2", "execution_error", error="x")], planned=3)
    _replace(run_dir / "benchmark.json", kind)
    _replace(project / ".agentv" / "cache.json", kind)
    client = client_for(project)
    listing = client.get("/api/runs")
    assert listing.status == 200
    hostile = [r for r in listing.json["runs"] if r["id"] == "hostile"][0]
    assert any("benchmark.json cannot be read" in w for w in hostile["warnings"]), hostile["warnings"]
    assert client.get("/api/runs/hostile").status == 200
    assert client.get("/runs/hostile").status == 200
    # agentv would take the last run from cache.json: unreadable, so refused with the reason.
    body = {"suite_filter": "evals/greetings.yaml", "resume": True}
    answer = client.post("/api/eval/preview", body)
    assert answer.status == 400 and "cache.json" in answer.json["error"]


@pytest.mark.parametrize("kind", ["fifo", "deep", "deeper"])
def test_inspect_reads_a_run_whatever_its_benchmark_json_is(project, cli, kind):
    run_dir = make_run(project, "hostile", [row("t-1"), row("t-2", "execution_error", error="x")])
    _replace(run_dir / "benchmark.json", kind)
    result = cli("--project", project, "inspect", "hostile", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert any("benchmark.json cannot be read" in w for w in data["warnings"])


# --- readers added since: the suite, the plan, another process's cache.json, a job's log ---------

@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_a_suite_file_that_is_a_fifo_or_a_device_does_not_hang_a_run_page(project, kind):
    run_dir = make_run(project, "fifo-suite", [row("t-1"), row("t-2", "execution_error", error="x")],
                       planned=3, eval_file="evals/hostile.yaml")
    _replace(project / "evals" / "hostile.yaml", kind)
    client = client_for(project)
    assert client.get("/runs/fifo-suite").status == 200
    assert client.get("/api/runs/fifo-suite").status == 200
    assert run_dir.exists()


@pytest.mark.parametrize("kind", ["fifo", "deep", "deeper"])
def test_a_hostile_plan_file_is_no_plan(project, kind):
    from agentv_resume.runs.plan import PLAN_NAME, read_plan

    run_dir = make_run(project, "planned", [row("t-1")], planned=1)
    _replace(run_dir / PLAN_NAME, kind)
    assert read_plan(run_dir) is None


@pytest.mark.parametrize("kind", ["fifo", "deep", "dev-zero"])
def test_another_process_cache_json_is_read_safely(tmp_path, kind):
    from agentv_resume.runs.writers import _cache_run

    (tmp_path / ".agentv").mkdir()
    _replace(tmp_path / ".agentv" / "cache.json", kind)
    assert _cache_run(str(tmp_path)) is None


def test_a_fifo_job_log_does_not_hang_its_outcome_tail(tmp_path):
    from agentv_resume.jobs.outcome import log_tail
    from agentv_resume.jobs.record import LOG_NAME

    os.mkfifo(tmp_path / LOG_NAME)
    assert log_tail(tmp_path) == ""


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "deep", "deeper"])
def test_a_hostile_job_record_does_not_hang_or_break_the_jobs_list(project, kind):
    from agentv_resume.jobs.record import RECORD_NAME

    job_dir = project / ".agentv" / "studio-resume" / "jobs" / "20260101-000000-abcdef"
    job_dir.mkdir(parents=True)
    _replace(job_dir / RECORD_NAME, kind)
    client = client_for(project)
    assert client.get("/api/eval/runs").status == 200
    assert client.get("/jobs").status == 200
    assert client.get("/api/eval/status/20260101-000000-abcdef").status in (200, 404)
