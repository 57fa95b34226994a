"""Faults: a killed supervisor, a failing disk, stray signals, reused pids, zombies."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

from agentv_resume.jobs import process
from agentv_resume.jobs.lock import lock_holder
from agentv_resume.jobs.store import JobStore
from agentv_resume.launching.launcher import detach
from agentv_resume.launching.request import LaunchError
from support.standin import INTERRUPTED, RESUME_INTERRUPTED, fresh
from support.waiting import wait_for

pytestmark = pytest.mark.usefixtures("short_grace")


def supervisor_pid(launcher, job_id: str) -> int:
    def recorded():
        return json.loads(launcher.store.get(job_id).record_path.read_text()).get("supervisor_pid")

    return wait_for(recorded, what="the supervisor to record itself")


def test_killed_supervisor_leaves_agentv_running_then_the_job_is_lost(launcher, standins, project, tmp_path):
    gate = project / "go"
    agentv = standins([("print", "before\n"), ("wait", str(gate)), ("print", "after the supervisor died\n"),
                       ("row", "case-07")])
    job = launcher.detach(RESUME_INTERRUPTED, agentv.path)
    launcher.wait_status(job.id, "running")
    os.kill(supervisor_pid(launcher, job.id), signal.SIGKILL)
    wait_for(lambda: not launcher.store.get(job.id).runner_alive(), what="the supervisor to die")
    assert launcher.status(job.id)["status"] == "running"  # agentv lives on
    with pytest.raises(LaunchError) as caught:  # and still holds the run
        launcher.start(RESUME_INTERRUPTED, agentv.path)
    assert caught.value.status == 409 and caught.value.job_id == job.id
    gate.touch()
    status = launcher.wait_end(job.id)
    assert status["status"] == "lost"
    assert status["exit_code"] is None
    # agentv wrote its log itself: nothing after the supervisor's death is lost
    assert "after the supervisor died" in status["log_tail"]
    assert status["progress"] == {"done": 7, "planned": 12}
    assert lock_holder(project / INTERRUPTED) is None
    restarted = JobStore(project)
    assert restarted.status(restarted.get(job.id))["status"] == "lost"


def test_stop_after_the_supervisor_died_is_carried_out_by_the_server(launcher, standins, project, short_grace):
    agentv = standins([("ignore_term", None), ("child", "ignore_term"), ("wait", str(project / "never"))])
    job = launcher.detach(RESUME_INTERRUPTED, agentv.path)
    wait_for(agentv.child_pids, what="the child")
    launcher.wait_status(job.id, "running")
    os.kill(supervisor_pid(launcher, job.id), signal.SIGKILL)
    wait_for(lambda: not launcher.store.get(job.id).runner_alive(), what="the supervisor to die")
    assert launcher.store.stop(launcher.store.get(job.id))["stopped"] is True
    assert launcher.store.stop(launcher.store.get(job.id))["stopped"] is True  # no second escalation
    status = launcher.wait_end(job.id, timeout=short_grace + 5)
    assert status["status"] == "stopped"
    assert agentv.alive() == []


def test_supervisor_and_agentv_both_killed_is_lost_and_frees_the_run(launcher, standins, project):
    agentv = standins([("child", None), ("wait", str(project / "never"))])
    job = launcher.detach(RESUME_INTERRUPTED, agentv.path)
    wait_for(agentv.child_pids, what="the child")
    launcher.wait_status(job.id, "running")
    os.kill(supervisor_pid(launcher, job.id), signal.SIGKILL)
    os.killpg(agentv.agentv["pgid"], signal.SIGKILL)
    assert launcher.wait_end(job.id)["status"] == "lost"
    again = launcher.detach(RESUME_INTERRUPTED, standins([("exit", 0)], name="agentv2").path)
    assert launcher.wait_end(again.id)["status"] == "finished"


def test_a_stray_sigterm_to_the_supervisor_is_a_stop(launcher, standins, project):
    agentv = standins([("wait", str(project / "never"))])
    job = launcher.detach(fresh("stray"), agentv.path)
    launcher.wait_status(job.id, "running")
    os.kill(supervisor_pid(launcher, job.id), signal.SIGTERM)
    status = launcher.wait_end(job.id)
    assert status["status"] == "stopped" and agentv.alive() == []


def test_console_log_that_cannot_be_written_does_not_stop_the_job(launcher, standins, project):
    (project / INTERRUPTED / "console.log").mkdir()
    agentv = standins([("print", "still logged\n"), ("row", "case-07"), ("exit", 0)])
    job = launcher.detach(RESUME_INTERRUPTED, agentv.path)
    status = launcher.wait_end(job.id)
    assert status["status"] == "finished" and status["exit_code"] == 0
    assert "console.log" in status["log_error"]
    assert status["log_tail"] == "still logged\n"
    assert status["progress"]["done"] == 7


def test_output_log_that_cannot_be_written_falls_back_to_a_pipe(launcher, standins, project):

    agentv = standins([("print", "through the pipe\n"), ("stderr", "and stderr\n"), ("exit", 5)])
    job, lock_fd = launcher.start(RESUME_INTERRUPTED, agentv.path)
    job.log_path.mkdir()  # output.log unusable
    detach(job, lock_fd)
    status = launcher.wait_end(job.id)
    assert status["status"] == "failed" and status["exit_code"] == 5
    assert "output.log" in status["log_error"]
    console = (project / INTERRUPTED / "console.log").read_text()
    assert console.endswith("through the pipe\nand stderr\n")


def test_no_log_at_all_still_records_the_end(launcher, standins, project):

    (project / INTERRUPTED / "console.log").mkdir()
    agentv = standins([("print", "x" * 200_000 + "\n"), ("exit", 0)])  # more than a pipe holds
    job, lock_fd = launcher.start(RESUME_INTERRUPTED, agentv.path)
    job.log_path.mkdir()
    detach(job, lock_fd)
    status = launcher.wait_end(job.id)
    assert status["status"] == "finished"
    assert status["log_error"]


def test_a_loud_agentv_is_copied_completely(launcher, standins, project):
    line = "0123456789" * 10 + "\n"
    agentv = standins([("print", line * 50_000), ("exit", 0)])  # ~5 MB
    job = launcher.detach(RESUME_INTERRUPTED, agentv.path)
    assert launcher.wait_end(job.id, timeout=30)["status"] == "finished"
    assert job.log_path.stat().st_size == len(line) * 50_000
    assert (project / INTERRUPTED / "console.log").read_text().endswith(line * 3)


def test_bytes_that_are_not_utf8_are_shown_replaced(launcher, standins):
    agentv = standins([("bytes", b"bad \xff byte\n"), ("exit", 0)])
    job = launcher.detach(fresh("bytes"), agentv.path)
    assert launcher.wait_end(job.id)["log_tail"] == "bad \ufffd byte\n"


# --- liveness ------------------------------------------------------------------------

def test_a_reused_pid_is_not_mistaken_for_agentv(launcher, standins, project):
    agentv = standins([("exit", 0)])
    job, lock_fd = launcher.start(fresh("reused"), agentv.path)
    os.close(lock_fd)
    record = json.loads(job.record_path.read_text())
    record.update(status="running", agentv_pid=os.getpid(), agentv_start="1",  # our pid, another start
                  supervisor_pid=os.getpid(), supervisor_start="1")
    job.record_path.write_text(json.dumps(record))
    assert launcher.status(job.id)["status"] == "lost"
    assert process.pid_alive(os.getpid(), process.start_time(os.getpid()))
    assert not process.pid_alive(os.getpid(), "1")


def test_a_zombie_is_not_alive():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    try:
        wait_for(lambda: (process._stat_fields(pid) or [b"Z"])[0] == b"Z", what="the zombie")
        assert not process.pid_alive(pid, None)
        assert process.group_members(os.getpgrp()).count(pid) == 0
    finally:
        os.waitpid(pid, 0)


def test_pid_alive_refuses_nonsense():
    assert not process.pid_alive(None, None)
    assert not process.pid_alive(0, None)
    assert not process.pid_alive(-1, None)
    assert not process.signal_group(None, signal.SIGTERM)
    assert not process.signal_group(1, signal.SIGTERM)  # never init's group
    assert process.group_members(None) == []


def test_status_polls_do_not_rewrite_a_live_record(launcher, standins, project):
    agentv = standins([("wait", str(project / "go"))])
    job = launcher.detach(fresh("quiet"), agentv.path)
    launcher.wait_status(job.id, "running")
    before = job.record_path.stat().st_mtime_ns
    for _ in range(20):
        launcher.status(job.id)
    assert job.record_path.stat().st_mtime_ns == before
    (project / "go").touch()
    launcher.wait_end(job.id)
    time.sleep(0)
