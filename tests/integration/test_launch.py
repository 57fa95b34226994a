"""The launch path: prepare/start/detach, rules 9 and 10, the foreground runner, real agentv."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from agentv_resume.jobs import process
from agentv_resume.jobs.lock import lock_holder
from agentv_resume.jobs.runner import run_job
from agentv_resume.launching.launcher import detach, start
from agentv_resume.launching.request import LaunchError
from support.builders import TESTS_DIR
from support.standin import INTERRUPTED, RESUME_INTERRUPTED, fresh
from support.waiting import wait_for



def job_dirs(root: Path) -> list[str]:
    jobs_dir = root / ".agentv/studio-resume/jobs"
    return sorted(os.listdir(jobs_dir)) if jobs_dir.exists() else []


# --- rule 10: agentv cannot be found ----------------------------------------------

def test_missing_agentv_is_503_and_leaves_nothing_behind(launcher, project, tmp_path):
    body = fresh("never-made")
    with pytest.raises(LaunchError) as caught:
        launcher.start(body, tmp_path / "no-such-agentv")
    assert caught.value.status == 503
    assert "AGENTV_BIN" in caught.value.message and "npm install" in caught.value.message
    assert not (project / ".agentv/results/runs/default/never-made").exists()
    assert job_dirs(project) == []


def test_missing_agentv_on_an_existing_run_leaves_no_lock_file(launcher, project, tmp_path):
    run_dir = project / INTERRUPTED
    before = sorted(os.listdir(run_dir))
    with pytest.raises(LaunchError) as caught:
        launcher.start(RESUME_INTERRUPTED, tmp_path / "no-such-agentv")
    assert caught.value.status == 503
    assert sorted(os.listdir(run_dir)) == before
    assert job_dirs(project) == []


def test_agentv_bin_and_path_are_used_when_no_agentv_is_given(launcher, project, monkeypatch, tmp_path):
    monkeypatch.setenv("AGENTV_BIN", str(tmp_path / "missing-agentv"))
    prepared = launcher.prepare(fresh("x"))
    with pytest.raises(LaunchError) as caught:
        start(prepared, launcher.project, launcher.reader, launcher.store)
    assert caught.value.status == 503 and "missing-agentv" in caught.value.message
    spaced = tmp_path / "my tools" / "agentv"
    spaced.parent.mkdir()
    spaced.write_text("#!/bin/sh\n")
    spaced.chmod(0o755)
    monkeypatch.setenv("AGENTV_BIN", str(spaced))
    job, lock_fd = start(prepared, launcher.project, launcher.reader, launcher.store)
    os.close(lock_fd)
    assert job.record["argv"][0] == str(spaced)
    monkeypatch.setenv("AGENTV_BIN", f"{sys.executable} -I")  # a command with arguments
    assert process.find_agentv() == [sys.executable, "-I"]
    monkeypatch.delenv("AGENTV_BIN")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(LaunchError) as caught:
        start(prepared, launcher.project, launcher.reader, launcher.store)
    assert caught.value.status == 503


def test_a_busy_run_is_409_even_when_agentv_is_missing(launcher, standins, tmp_path):
    """Rule 9 answers before rule 10."""
    agentv = standins([("wait", str(tmp_path / "never"))])
    job = launcher.detach(RESUME_INTERRUPTED, agentv.path)
    with pytest.raises(LaunchError) as caught:
        launcher.start(RESUME_INTERRUPTED, tmp_path / "no-such-agentv")
    assert caught.value.status == 409 and caught.value.job_id == job.id
    launcher.store.stop(launcher.store.get(job.id))
    launcher.wait_end(job.id)


# --- start / detach ------------------------------------------------------------------

def test_start_records_the_job_and_holds_the_lock_until_handed_over(launcher, standins, project):
    agentv = standins([("exit", 0)])
    job, lock_fd = launcher.start(RESUME_INTERRUPTED, agentv.path)
    record = json.loads(job.record_path.read_text())
    assert record["status"] == "starting"
    assert record["command"] == "agentv eval run evals/long.yaml --output " + INTERRUPTED + " --resume"
    assert record["argv"] == [str(agentv.path), *record["args"]]
    assert record["run_dir"] == str(project / INTERRUPTED)
    assert record["progress_planned"] == 12 and record["progress_base_done"] == 6
    assert lock_holder(project / INTERRUPTED) == job.id
    assert launcher.store.active_for(project / INTERRUPTED) == job.id
    detach(job, lock_fd)
    launcher.wait_end(job.id)
    assert launcher.store.active_for(project / INTERRUPTED) is None


def test_agentv_inherits_the_run_lock_and_nothing_else(launcher, standins, project):
    agentv = standins([("wait", str(project / "go"))])
    job = launcher.detach(RESUME_INTERRUPTED, agentv.path)
    seen = agentv.agentv
    extra = [fd for fd in seen["fds"] if fd > 2]
    assert len(extra) == 2  # the lock, and the fd listdir itself used
    (project / "go").touch()
    launcher.wait_end(job.id)


def test_a_supervisor_that_cannot_start_fails_the_job_and_frees_the_run(launcher, standins, project, monkeypatch):
    agentv = standins([("exit", 0)])

    def refuse(job_dir, lock_fd):
        raise OSError(24, "Too many open files")

    monkeypatch.setattr(process, "start_supervisor", refuse)
    job = launcher.detach(RESUME_INTERRUPTED, agentv.path)
    status = launcher.status(job.id)
    assert status["status"] == "failed"
    assert "Too many open files" in status["log_error"]
    assert lock_holder(project / INTERRUPTED) is None
    assert not agentv.started()


def test_a_job_that_cannot_be_recorded_is_503_and_removes_the_run_dir_it_made(launcher, standins, project):
    agentv = standins([("exit", 0)])
    state = project / ".agentv/studio-resume"
    state.write_text("not a directory")
    with pytest.raises(LaunchError) as caught:
        launcher.start(fresh("unrecorded"), agentv.path)
    assert caught.value.status == 503
    assert not (project / ".agentv/results/runs/default/unrecorded").exists()


def test_a_job_id_collision_picks_another_id(launcher, standins, monkeypatch):
    agentv = standins([("exit", 0)])
    ids = iter(["20260101-000000-aaaaaa", "20260101-000000-aaaaaa", "20260101-000000-bbbbbb"])
    monkeypatch.setattr("agentv_resume.launching.launcher.new_job_id", lambda: next(ids))
    first = launcher.detach(fresh("c1"), agentv.path)
    second, lock_fd = launcher.start(fresh("c2"), agentv.path)
    assert (first.id, second.id) == ("20260101-000000-aaaaaa", "20260101-000000-bbbbbb")
    assert lock_holder(second.run_dir) == second.id  # the lock names the id finally used
    detach(second, lock_fd)
    launcher.wait_end(first.id)
    launcher.wait_end(second.id)


# --- the foreground runner (the CLI's path) ------------------------------------------

def test_foreground_job_streams_output_and_returns_the_exit_code(launcher, standins, project):
    agentv = standins([("print", "line 1\n"), ("row", "case-07"), ("sleep", 1.2), ("print", "line 2\n"), ("exit", 4)])
    job, lock_fd = launcher.start(RESUME_INTERRUPTED, agentv.path, source="cli")
    chunks, ticks = [], []
    code = run_job(job, lock_fd, echo=chunks.append,
                        on_tick=lambda: ticks.append(launcher.store.progress(job)))
    assert code == 4
    assert b"".join(chunks) == b"line 1\nline 2\n"
    assert ticks and ticks[-1] == {"done": 7, "planned": 12}
    assert job.record["status"] == "failed" and job.record["exit_code"] == 4
    status = launcher.status(job.id)
    assert status["status"] == "failed" and status["source"] == "cli"
    assert status["log_tail"] == "line 1\nline 2\n"
    assert lock_holder(project / INTERRUPTED) is None
    with pytest.raises(OSError):
        os.close(lock_fd)  # run_job closed it


def test_foreground_job_honours_a_stop_from_the_server(launcher, standins, project, short_grace):
    agentv = standins([("child", None), ("wait", str(project / "never"))])
    job, lock_fd = launcher.start(RESUME_INTERRUPTED, agentv.path, source="cli")

    def stop_from_elsewhere():
        if agentv.child_pids():
            launcher.store.stop(launcher.store.get(job.id))

    code = run_job(job, lock_fd, on_tick=stop_from_elsewhere)
    assert job.record["status"] == "stopped"
    assert job.record["exit_code"] == 128 + signal.SIGTERM  # agentv's, as the stop plan ended it
    assert code == 130  # the CLI: interrupted (as it exited before run_job said so itself)
    assert agentv.alive() == []


def test_foreground_echo_that_breaks_does_not_stop_the_job(launcher, standins):
    agentv = standins([("print", "a\n"), ("sleep", 0.2), ("print", "b\n")])
    job, lock_fd = launcher.start(fresh("echo"), agentv.path, source="cli")

    def broken(chunk):
        raise BrokenPipeError(32, "Broken pipe")

    assert run_job(job, lock_fd, echo=broken) == 0
    assert job.log_path.read_text() == "a\nb\n"


def test_ctrl_c_in_the_foreground_interrupts_agentv_and_records_stopped(launcher, standins, project, tmp_path):
    """SIGINT to the CLI process → SIGINT to agentv's group → stopped."""
    agentv = standins([("child", None), ("print", "running\n"), ("wait", str(project / "never"))])
    script = tmp_path / "foreground.py"
    script.write_text(f"""
import sys
sys.path.insert(0, {str(TESTS_DIR)!r})
from support.standin import Launcher
from agentv_resume.jobs.lock import lock_holder
from agentv_resume.jobs.runner import run_job
from agentv_resume.launching.launcher import detach, start
from pathlib import Path
launcher = Launcher(Path({str(project)!r}))
job, lock_fd = launcher.start({RESUME_INTERRUPTED!r}, {str(agentv.path)!r}, source="cli")
print(job.id, flush=True)
sys.exit(run_job(job, lock_fd) % 256)
""")
    cli = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        job_id = cli.stdout.readline().strip()
        wait_for(lambda: agentv.child_pids(), what="agentv and its child")
        cli.send_signal(signal.SIGINT)
        assert cli.wait(timeout=15) == 128 + signal.SIGINT
    finally:
        cli.kill()
        cli.wait()
        cli.stdout.close()
    status = launcher.status(job_id)
    assert status["status"] == "stopped" and status["signal"] == "SIGINT"
    assert agentv.alive() == []


def test_foreground_argv_cwd_and_exit_code_with_a_fake_agentv(launcher, project, fp, tmp_path):
    """The Popen path (the CLI, run from another directory), checked with pytest-subprocess."""
    fake = tmp_path / "bin" / "agentv"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    job, lock_fd = launcher.start(RESUME_INTERRUPTED, fake, source="cli")
    fp.register([str(fake), "eval", "run", "evals/long.yaml", "--output", INTERRUPTED, "--resume"], returncode=2)
    assert run_job(job, lock_fd) == 2
    call = fp.calls[0]
    assert call[0] == str(fake)
    assert job.record["status"] == "failed" and job.record["exit_code"] == 2


def test_foreground_popen_kwargs(launcher, project, fp, tmp_path):
    fake = tmp_path / "agentv"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    job, lock_fd = launcher.start(fresh("kw"), fake, source="cli")
    recorder = fp.register([str(fake), fp.any()], returncode=0)
    assert run_job(job, lock_fd) == 0
    kwargs = recorder.calls[0].kwargs
    assert kwargs["cwd"] == str(project)
    assert kwargs["start_new_session"] is True
    assert kwargs["stdin"] == subprocess.DEVNULL
    assert kwargs["stderr"] == subprocess.STDOUT
    assert kwargs["pass_fds"] == (lock_fd,)
    assert kwargs["env"]["NO_COLOR"] == "1"
    assert "shell" not in kwargs
    assert job.record["status"] == "finished"


# --- start-up cost ------------------------------------------------------------------

def test_the_supervisor_start_up_path_stays_lean():
    """What the supervisor imports before it starts agentv (json/subprocess/signal cost ~20 ms)."""
    argv = process.supervisor_argv("/nonexistent", 0)
    code = argv[argv.index("-c") + 1].replace(
        "from agentv_resume.jobs.supervisor import main; sys.exit(main(sys.argv[2:]))",
        "import agentv_resume.jobs.supervisor; print(sorted(sys.modules))")
    out = subprocess.run([*argv[:argv.index("-c") + 1], code, *argv[argv.index("-c") + 2:]],
                         capture_output=True, text=True, check=True).stdout
    loaded = set(eval(out))
    assert not loaded & {"json", "subprocess", "signal", "enum", "re", "threading", "pathlib", "site"}
