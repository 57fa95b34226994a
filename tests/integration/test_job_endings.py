"""How a job ends, with a real stand-in agentv: a Stop that comes as agentv exits 0
keeps agentv's outcome (issue 12 item 11), and SIGTERM / SIGHUP to
`studio-resume launch` stop agentv's group as Ctrl-C does (item 8)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from agentv_resume.jobs.record import STOP_NAME
from agentv_resume.jobs.runner import run_job
from support.standin import INTERRUPTED, RESUME_INTERRUPTED, fresh
from support.waiting import wait_for

pytestmark = [pytest.mark.usefixtures("short_grace"), pytest.mark.timeout(90)]

PACKAGE_PARENT = Path(__file__).resolve().parents[2]


def _fixed_ids(monkeypatch, prefix):
    ids = iter(f"{prefix}-{n}" for n in range(100))
    monkeypatch.setattr("agentv_resume.launching.launcher.new_job_id", lambda: next(ids))


def _stop_as_it_exits(standins, jobs_dir, job_id):
    """agentv that finishes its work, is asked to stop, and exits 0.

    It ignores SIGTERM, as an agentv already on its way out would not act on
    it: whether the runner sees the Stop before or after the exit, agentv's 0 stands."""
    return standins([("print", "all done\n"), ("ignore_term",), ("touch", str(jobs_dir / job_id / STOP_NAME)),
                     ("exit", 0)], name=f"agentv-{job_id}")


@pytest.mark.parametrize("attempt", range(4))
def test_server_job_stopped_as_agentv_exits_0_is_finished(launcher, standins, monkeypatch, attempt):
    _fixed_ids(monkeypatch, f"srv{attempt}")
    agentv = _stop_as_it_exits(standins, launcher.store.jobs_dir, f"srv{attempt}-0")
    job = launcher.detach(fresh(f"race-{attempt}"), agentv.path)
    status = launcher.wait_end(job.id)
    assert (status["status"], status["exit_code"]) == ("finished", 0)
    assert "signal" not in status


@pytest.mark.parametrize("attempt", range(3))
def test_cli_job_stopped_as_agentv_exits_0_exits_0(launcher, standins, monkeypatch, attempt):
    _fixed_ids(monkeypatch, f"cli{attempt}")
    agentv = _stop_as_it_exits(standins, launcher.store.jobs_dir, f"cli{attempt}-0")
    job, lock_fd = launcher.start(fresh(f"cli-race-{attempt}"), agentv.path, source="cli")
    assert run_job(job, lock_fd) == 0  # not 130: agentv had finished
    assert job.record["status"] == "finished" and job.record["exit_code"] == 0


def test_a_stop_after_agentv_exited_still_ends_its_leftover_children(launcher, standins, monkeypatch):
    _fixed_ids(monkeypatch, "left")
    stop = launcher.store.jobs_dir / "left-0" / STOP_NAME
    # The child is forked before agentv ignores SIGTERM: the stop plan's SIGTERM ends it.
    agentv = standins([("child", None), ("ignore_term",), ("touch", str(stop)), ("exit", 0)])
    job, lock_fd = launcher.start(fresh("leftover"), agentv.path, source="cli")
    assert run_job(job, lock_fd) == 0
    assert job.record["status"] == "finished"
    assert agentv.alive() == []  # the child that held the run is gone all the same


def _launch_cli(project: Path, agentv: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(PACKAGE_PARENT)}
    return subprocess.Popen(
        [sys.executable, "-m", "agentv_resume", "--project", str(project), "launch", "--resume", INTERRUPTED,
         "--agentv", str(agentv)],
        cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True)  # as a terminal's job: signals reach the CLI only, not agentv's own session


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_launch_killed_by_a_signal_stops_agentv_and_exits_128_plus_it(project, launcher, standins, signum):
    agentv = standins([("child", None), ("print", "running\n"), ("wait", str(project / "never"))])
    cli = _launch_cli(project, agentv.path)
    try:
        wait_for(agentv.child_pids, timeout=20, what="agentv and its child")
        cli.send_signal(signum)
        assert cli.wait(timeout=20) == 128 + signum
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
        cli.stderr.close()
    assert agentv.alive() == []  # agentv and its child: the whole group
    (job,) = launcher.store.all()
    record = json.loads(job.record_path.read_text())
    assert record["status"] == "stopped" and record["signal"] == "SIGINT"  # agentv got Ctrl-C's signal
    assert record["stopped_by"] == f"{signal.Signals(signum).name} to studio-resume"
    assert launcher.store.active_for(project / INTERRUPTED) is None  # the run is free again


def test_a_status_get_leaves_a_running_and_a_finished_job_dir_byte_identical(launcher, standins, project):
    from support.web import client_for

    gate = project / "gate"
    agentv = standins([("print", "working\n"), ("wait", str(gate))])
    job = launcher.detach(RESUME_INTERRUPTED, agentv.path)
    launcher.wait_status(job.id, "running")
    wait_for(lambda: job.log_path.read_text() == "working\n", what="agentv's output")  # then it only waits
    client = client_for(project)

    def snapshot():
        return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(job.dir.iterdir()) if p.is_file()}

    before = snapshot()
    for _ in range(3):
        assert client.get(f"/api/eval/status/{job.id}").json["status"] == "running"
        client.get("/api/eval/runs")
    assert snapshot() == before
    gate.touch()
    launcher.wait_end(job.id)
    before = snapshot()
    for _ in range(3):
        assert client.get(f"/api/eval/status/{job.id}").json["status"] == "finished"
    assert snapshot() == before
