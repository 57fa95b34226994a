"""Job lifecycle with a real stand-in agentv: start, output, exit codes, Stop, records."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

from agentv_resume.jobs import process
from agentv_resume.jobs import supervisor
from agentv_resume.jobs.lock import lock_holder
from agentv_resume.jobs.store import Job, JobStore
from agentv_resume.launching.launcher import detach
from support.standin import RESUME_INTERRUPTED, fresh
from support.waiting import wait_for

pytestmark = pytest.mark.usefixtures("short_grace")


def console(job) -> str:
    return (job.run_dir / "console.log").read_text()


def test_finished_job_keeps_exit_code_log_and_console(launcher, standins, project):
    agentv = standins([("print", "hello\n"), ("stderr", "warning: on stderr\n"), ("exit", 0)])
    job = launcher.detach(fresh("new-1"), agentv.path)
    status = launcher.wait_end(job.id)
    assert status["status"] == "finished"
    assert status["exit_code"] == 0
    assert status["finished_at"] and status["started_at"] <= status["finished_at"]
    assert "hello\n" in status["log_tail"] and "warning: on stderr\n" in status["log_tail"]
    text = console(job)
    assert text.startswith(f"==== studio-resume job {job.id} · ")
    assert text.endswith("hello\nwarning: on stderr\n")
    record = json.loads(job.record_path.read_text())
    assert record["status"] == "finished" and record["agentv_pid"] == agentv.agentv["pid"]


def test_agentv_runs_detached_in_project_root_without_shell_or_stdin(launcher, standins, project):
    agentv = standins([("exit", 0)])
    job = launcher.detach(fresh("new-2"), agentv.path)
    launcher.wait_end(job.id)
    seen = agentv.agentv
    assert seen["cwd"] == str(project)
    assert seen["argv"] == ["eval", "run", "evals/greetings.yaml", "--output", ".agentv/results/runs/default/new-2"]
    assert seen["stdin"] == "/dev/null"
    assert seen["pid"] == seen["pgid"] == seen["sid"]  # its own session and process group
    assert seen["sid"] != os.getsid(0)
    record = json.loads(job.record_path.read_text())
    assert record["supervisor_pid"] != os.getpid()


def test_console_log_is_appended_with_a_header_per_job(launcher, standins, project):
    run_dir = project / ".agentv/results/runs/default/errored"
    (run_dir / "console.log").write_text("agentv's own earlier output, no newline")
    agentv = standins([("print", "one\n")])
    body = {"suite_filter": "evals/greetings.yaml", "output": ".agentv/results/runs/default/errored", "resume": True}
    first = launcher.detach(body, agentv.path)
    launcher.wait_end(first.id)
    second = launcher.detach(body, agentv.path)
    launcher.wait_end(second.id)
    lines = (run_dir / "console.log").read_text().splitlines()
    assert lines[0] == "agentv's own earlier output, no newline"
    assert lines[1].startswith(f"==== studio-resume job {first.id} ")
    assert lines[2] == "one"
    assert lines[3].startswith(f"==== studio-resume job {second.id} ")
    assert lines[4] == "one"


def test_failing_agentv_is_failed_with_exit_code_and_log(launcher, standins):
    agentv = standins([("stderr", "Error: no such eval file\n"), ("exit", 3)])
    job = launcher.detach(fresh("new-3"), agentv.path)
    status = launcher.wait_end(job.id)
    assert status["status"] == "failed"
    assert status["exit_code"] == 3
    assert "signal" not in status
    assert "Error: no such eval file" in status["log_tail"]
    assert "Error: no such eval file" in console(job)


def test_agentv_killed_by_a_signal_is_failed_with_the_signal(launcher, standins):
    agentv = standins([("print", "about to die\n"), ("kill_self", int(signal.SIGKILL))])
    job = launcher.detach(fresh("new-4"), agentv.path)
    status = launcher.wait_end(job.id)
    assert status["status"] == "failed"
    assert status["signal"] == "SIGKILL"
    assert status["exit_code"] == 128 + signal.SIGKILL
    assert "about to die" in status["log_tail"]


def test_agentv_deleted_before_the_supervisor_starts_it_is_failed_127(launcher, standins):
    agentv = standins([("exit", 0)])
    job, lock_fd = launcher.start(fresh("new-5"), agentv.path)
    agentv.path.unlink()

    detach(job, lock_fd)
    status = launcher.wait_end(job.id)
    assert status["status"] == "failed" and status["exit_code"] == 127
    assert "could not start agentv" in status["log_tail"]
    assert lock_holder(job.run_dir) is None


def test_stop_ends_agentv_and_its_children_promptly(launcher, standins, short_grace):
    gate = launcher.root / "never"
    agentv = standins([("child", None), ("child", None), ("print", "working\n"), ("wait", str(gate))])
    job = launcher.detach(fresh("new-6"), agentv.path)
    wait_for(lambda: len(agentv.child_pids()) == 2, what="two children")
    launcher.wait_status(job.id, "running")
    pids = agentv.pids()
    assert all(process.pid_alive(pid, None) for pid in pids)
    answer = launcher.store.stop(launcher.store.get(job.id))
    assert answer["stopped"] is True
    status = launcher.wait_end(job.id)
    assert status["status"] == "stopped"
    assert status["signal"] == "SIGTERM"  # ended by SIGTERM, before the grace ran out
    assert status.get("stop_requested") is True
    assert agentv.alive() == []
    assert process.group_members(pids[0]) == []
    assert lock_holder(job.run_dir) is None


def test_stop_escalates_to_sigkill_for_the_whole_group(launcher, standins, short_grace):
    agentv = standins([("ignore_term", None), ("child", "ignore_term"), ("print", "stubborn\n"),
                       ("wait", str(launcher.root / "never"))])
    job = launcher.detach(fresh("new-7"), agentv.path)
    wait_for(agentv.child_pids, what="the child")
    launcher.wait_status(job.id, "running")
    asked = time.monotonic()
    launcher.store.stop(launcher.store.get(job.id))
    time.sleep(short_grace / 2)
    assert len(agentv.alive()) == 2  # SIGTERM ignored: still within the grace period
    status = launcher.wait_end(job.id)
    took = time.monotonic() - asked
    assert status["status"] == "stopped" and status["signal"] == "SIGKILL"
    assert agentv.alive() == []
    assert took >= short_grace  # SIGKILL only once the grace had passed


def test_stop_is_idempotent(launcher, standins):
    agentv = standins([("wait", str(launcher.root / "never"))])
    job = launcher.detach(fresh("new-8"), agentv.path)
    launcher.wait_status(job.id, "running")
    first = launcher.store.stop(launcher.store.get(job.id))
    second = launcher.store.stop(launcher.store.get(job.id))
    assert first["stopped"] is True
    assert second["stopped"] is True or second == {"stopped": False, "reason": "already_terminal", "status": "stopped"}
    launcher.wait_end(job.id)
    for _ in range(2):
        again = launcher.store.stop(launcher.store.get(job.id))
        assert again["stopped"] is False and again["reason"] == "already_terminal"
        assert again["status"] == "stopped"


def test_stop_of_a_finished_job_is_already_terminal(launcher, standins):
    agentv = standins([("exit", 0)])
    job = launcher.detach(fresh("new-9"), agentv.path)
    launcher.wait_end(job.id)
    assert launcher.store.stop(launcher.store.get(job.id)) == {
        "stopped": False, "reason": "already_terminal", "status": "finished"}
    assert not job.stop_path.exists()


def test_stop_while_starting_never_starts_agentv(launcher, standins):

    agentv = standins([("print", "should not run\n")])
    job, lock_fd = launcher.start(fresh("new-10"), agentv.path)
    assert launcher.status(job.id)["status"] == "starting"
    answer = launcher.store.stop(launcher.store.get(job.id))
    assert answer["stopped"] is True
    detach(job, lock_fd)
    status = launcher.wait_end(job.id)
    assert status["status"] == "stopped"
    assert status["exit_code"] is None
    assert not agentv.started()
    assert lock_holder(job.run_dir) is None


def test_stop_right_after_detach_is_not_lost(launcher, standins):
    """A Stop racing the supervisor's start: before, during or after spawning agentv."""

    for n in range(5):
        agentv = standins([("wait", str(launcher.root / "never"))], name=f"agentv{n}")
        job, lock_fd = launcher.start(fresh(f"race-{n}"), agentv.path)
        detach(job, lock_fd)
        time.sleep(0.005 * n)
        launcher.store.stop(launcher.store.get(job.id))
        status = launcher.wait_end(job.id)
        assert status["status"] == "stopped"
        assert agentv.alive() == []


def test_a_new_store_sees_the_jobs_with_their_logs(launcher, standins, project):
    agentv = standins([("print", "kept on disk\n"), ("wait", str(project / "go"))])
    job = launcher.detach(fresh("new-11"), agentv.path)
    launcher.wait_status(job.id, "running")
    restarted = JobStore(project)  # the server restarted
    assert [each.id for each in restarted.all()] == [job.id]
    wait_for(lambda: "kept on disk" in restarted.get(job.id).log_tail(), what="the log")
    assert restarted.status(restarted.get(job.id))["status"] == "running"
    (project / "go").touch()
    wait_for(lambda: restarted.status(restarted.get(job.id))["status"] == "finished", what="the end")
    assert "kept on disk" in restarted.status(restarted.get(job.id))["log_tail"]


def test_jobs_are_listed_newest_first(launcher, standins):
    agentv = standins([("exit", 0)])
    ids = []
    for n in range(3):
        job = launcher.detach(fresh(f"list-{n}"), agentv.path)
        launcher.wait_end(job.id)
        ids.append(job.id)
        time.sleep(0.002)
    assert [job.id for job in launcher.store.all()] == ids[::-1]


def test_progress_of_a_resumed_interrupted_run_grows_from_6_to_12(launcher, standins, project):
    gate1, gate2 = project / "gate1", project / "gate2"
    steps = [("wait", str(gate1))]
    steps += [("row", f"case-{n:02d}") for n in (7, 8, 9)] + [("wait", str(gate2))]
    steps += [("row", f"case-{n:02d}") for n in (10, 11, 12)]
    agentv = standins(steps)
    job = launcher.detach(RESUME_INTERRUPTED, agentv.path)
    assert launcher.wait_status(job.id, "running")["progress"] == {"done": 6, "planned": 12}
    gate1.touch()
    wait_for(lambda: launcher.status(job.id)["progress"]["done"] == 9, what="9/12")
    assert launcher.status(job.id)["progress"] == {"done": 9, "planned": 12}
    gate2.touch()
    status = launcher.wait_end(job.id)
    assert status["status"] == "finished"
    assert status["progress"] == {"done": 12, "planned": 12}
    assert JobStore(project).status(launcher.store.get(job.id))["progress"] == {"done": 12, "planned": 12}


def test_progress_survives_agentv_rewriting_the_index_as_it_ends(launcher, standins, project):
    """agentv replaces index.jsonl at its end; the rows already counted stay counted."""
    gate = project / "gate"
    steps = [("row", f"case-{n:02d}") for n in range(7, 13)] + [("wait", str(gate)), ("rewrite_index", 6)]
    job = launcher.detach(RESUME_INTERRUPTED, standins(steps).path)
    wait_for(lambda: launcher.status(job.id)["progress"]["done"] == 12, what="12/12 before the rewrite")
    gate.touch()
    status = launcher.wait_end(job.id)
    assert status["status"] == "finished"
    assert status["progress"] == {"done": 12, "planned": 12}


def test_a_truncated_last_line_gets_its_newline_before_agentv_starts(launcher, standins, project):
    index = project / ".agentv/results/runs/default/interrupted/index.jsonl"
    with open(index, "ab") as handle:
        handle.write(b'{"test_id": "case-07", "sco')  # killed mid-write
    agentv = standins([("row", "case-08")])
    job = launcher.detach(RESUME_INTERRUPTED, agentv.path)
    status = launcher.wait_end(job.id)
    lines = index.read_bytes().splitlines()
    assert lines[-2] == b'{"test_id": "case-07", "sco'
    assert json.loads(lines[-1])["test_id"] == "case-08"
    assert status["progress"]["done"] == 7


# --- the log, read from disk ------------------------------------------------------

def _job_with_log(tmp_path, data: bytes, status: str = "running") -> Job:
    job = Job(tmp_path, {"id": "20260101-000000-abcdef", "status": status})
    job.log_path.write_bytes(data)
    return job


def test_log_since_never_splits_a_character(tmp_path):
    job = _job_with_log(tmp_path, "été ✓ 😀".encode())
    whole = job.log_path.read_bytes()
    for cut in range(len(whole) + 1):
        job.log_path.write_bytes(whole[:cut])
        text, offset = job.log_since(0)
        assert "\ufffd" not in text
        job.log_path.write_bytes(whole)
        rest, end = job.log_since(offset)
        assert text + rest == "été ✓ 😀" and end == len(whole)


def test_log_since_skips_ahead_to_a_character_boundary(tmp_path):
    job = _job_with_log(tmp_path, ("é" * 1000).encode())
    for limit in (9, 10, 11):
        text, offset = job.log_since(0, limit=limit)
        assert set(text) == {"é"} and offset == 2000
    assert job.log_since(2000) == ("", 2000)
    assert job.log_since(5000) == ("é" * 1000, 2000)  # beyond the end: the log was replaced
    assert job.log_since(-3) == ("é" * 1000, 2000)


def test_log_since_flushes_a_broken_tail_once_the_job_ended(tmp_path):
    job = _job_with_log(tmp_path, b"done \xe2\x9c", status="failed")
    assert job.log_since(0) == ("done \ufffd", 7)


def test_log_tail_starts_at_a_line_and_without_a_broken_character(tmp_path):
    job = _job_with_log(tmp_path, b"".join(f"line {n} ✓\n".encode() for n in range(5000)))
    tail = job.log_tail(limit=1000)
    assert tail.startswith("line ") and tail.endswith("line 4999 ✓\n") and "\ufffd" not in tail
    job.log_path.write_bytes(("✓" * 3000).encode())
    assert set(job.log_tail(limit=1000)) == {"✓"}


def test_log_of_a_job_without_output_is_empty(tmp_path):
    job = Job(tmp_path, {"id": "x", "status": "starting"})
    assert job.log_tail() == "" and job.log_since(0) == ("", 0)


# --- records -----------------------------------------------------------------------

@pytest.mark.parametrize("job_id", ["..", ".", "../jobs", "a/b", "", "x" * 65, ".hidden", "a\x00b", None, 7])
def test_job_ids_are_checked_never_joined_blindly(launcher, job_id):
    launcher.store.jobs_dir.mkdir(parents=True)
    assert launcher.store.get(job_id) is None


def test_a_symlinked_job_dir_is_not_a_job(launcher, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "job.json").write_text(json.dumps({"id": "planted", "status": "finished"}))
    launcher.store.jobs_dir.mkdir(parents=True)
    (launcher.store.jobs_dir / "planted").symlink_to(elsewhere)
    assert launcher.store.get("planted") is None and launcher.store.all() == []


def test_a_job_whose_runner_vanished_before_agentv_is_lost(launcher, standins):
    agentv = standins([("exit", 0)])
    job, lock_fd = launcher.start(fresh("new-12"), agentv.path)
    os.close(lock_fd)  # the launcher died before handing the job over
    before = snapshot(job.dir)
    assert launcher.status(job.id)["status"] == "lost"
    assert launcher.status(job.id)["status"] == "lost"  # derived again, the same each time
    # A status GET writes nothing: the record still says what its last writer wrote.
    assert snapshot(job.dir) == before
    assert json.loads(job.record_path.read_text())["status"] == "starting"
    assert launcher.store.stop(launcher.store.get(job.id))["reason"] == "already_terminal"


def snapshot(directory) -> dict:
    """Every file under ``directory``: its bytes and mtime (what a reader must leave alone)."""
    return {path.relative_to(directory).as_posix(): (path.read_bytes(), path.stat().st_mtime_ns)
            for path in sorted(directory.rglob("*")) if path.is_file()}


def test_the_supervisor_module_runs_as_documented(launcher, standins):
    """`python -m agentv_resume.jobs.supervisor JOB_DIR LOCK_FD` does what the fast start-up does."""
    import subprocess
    import sys

    agentv = standins([("print", "via -m\n")])
    job, lock_fd = launcher.start(fresh("new-13"), agentv.path)
    try:
        done = subprocess.run([sys.executable, "-m", "agentv_resume.jobs.supervisor", str(job.dir), str(lock_fd)],
                              pass_fds=(lock_fd,), capture_output=True, timeout=30)
    finally:
        os.close(lock_fd)
    assert done.returncode == 0, done.stderr
    status = launcher.status(job.id)
    assert status["status"] == "finished" and "via -m" in status["log_tail"]


def test_supervisor_usage_errors_exit_2(tmp_path):
    assert supervisor.main([]) == 2
    assert supervisor.main([str(tmp_path), "x"]) == 2
    assert supervisor.main([str(tmp_path), "9"]) == 2  # no spawn.args
