"""Contention: one job per run directory, across threads, processes, the CLI and the server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import pytest

from agentv_resume.jobs.lock import acquire_lock, lock_holder
from agentv_resume.jobs.runner import run_job
from agentv_resume.launching.launcher import detach, start
from agentv_resume.launching.request import LaunchError
from support.builders import TESTS_DIR
from support.standin import INTERRUPTED, RESUME_INTERRUPTED, fresh
from support.waiting import wait_for


def race(count: int, action):
    """Run ``action(n)`` in ``count`` threads released at once; results or exceptions, in order."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(n):
        barrier.wait()
        try:
            results[n] = action(n)
        except Exception as exc:  # collected, asserted on by the test
            results[n] = exc

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_twenty_launches_on_one_run_make_exactly_one_job(launcher, standins, project):
    agentv = standins([("exit", 0)])
    prepared = launcher.prepare(RESUME_INTERRUPTED)
    results = race(20, lambda n: start(prepared, launcher.project, launcher.reader, launcher.store,
                                              agentv=str(agentv.path)))
    started = [result for result in results if isinstance(result, tuple)]
    refused = [result for result in results if isinstance(result, LaunchError)]
    assert len(started) == 1 and len(refused) == 19, results
    job, lock_fd = started[0]
    assert {(error.status, error.job_id) for error in refused} == {(409, job.id)}
    assert all(job.id in error.message for error in refused)
    assert [each.id for each in launcher.store.all()] == [job.id]
    detach(job, lock_fd)
    assert launcher.wait_end(job.id)["status"] == "finished"


def test_twenty_launches_on_twenty_runs_all_start(launcher, standins, project):
    agentv = standins([("exit", 0)])
    results = race(20, lambda n: launcher.start(fresh(f"parallel-{n}"), agentv.path))
    assert all(isinstance(result, tuple) for result in results), results
    for job, lock_fd in results:
        detach(job, lock_fd)
    for job, _ in results:
        assert launcher.wait_end(job.id)["status"] == "finished"


def test_a_foreground_cli_job_on_a_run_held_by_a_server_job_is_409(launcher, standins, project):
    agentv = standins([("wait", str(project / "go"))])
    job = launcher.detach(RESUME_INTERRUPTED, agentv.path)
    with pytest.raises(LaunchError) as caught:
        launcher.start(RESUME_INTERRUPTED, agentv.path, source="cli")
    assert caught.value.status == 409 and caught.value.job_id == job.id
    (project / "go").touch()
    launcher.wait_end(job.id)
    again, lock_fd = launcher.start(RESUME_INTERRUPTED, agentv.path, source="cli")  # free again
    assert run_job(again, lock_fd) == 0


def test_another_process_is_refused_with_the_holders_id(launcher, standins, project, tmp_path):
    """The CLI in its own process, while the server's job holds the run."""
    agentv = standins([("wait", str(project / "go"))])
    job = launcher.detach(RESUME_INTERRUPTED, agentv.path)
    script = f"""
import json, sys
sys.path.insert(0, {str(TESTS_DIR)!r})
from pathlib import Path
from support.standin import Launcher
from agentv_resume.launching.request import LaunchError
try:
    Launcher(Path({str(project)!r})).start({RESUME_INTERRUPTED!r}, {str(agentv.path)!r}, source="cli")
    print(json.dumps(None))
except LaunchError as exc:
    print(json.dumps([exc.status, exc.job_id]))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=True)
    assert json.loads(out.stdout) == [409, job.id]
    (project / "go").touch()
    launcher.wait_end(job.id)


def test_a_server_job_on_a_run_held_by_a_foreground_job_is_409(launcher, standins, project):
    agentv = standins([("wait", str(project / "go"))])
    job, lock_fd = launcher.start(RESUME_INTERRUPTED, agentv.path, source="cli")
    runner = threading.Thread(target=run_job, args=(job, lock_fd))
    runner.start()
    try:
        wait_for(agentv.started, what="agentv")
        with pytest.raises(LaunchError) as caught:
            launcher.detach(RESUME_INTERRUPTED, agentv.path)
        assert caught.value.status == 409 and caught.value.job_id == job.id
        assert launcher.store.active_for(project / INTERRUPTED) == job.id
    finally:
        (project / "go").touch()
        runner.join(15)
    assert job.record["status"] == "finished"


def test_status_probes_never_make_a_launch_fail(launcher, project):
    """lock_holder() takes a shared lock for an instant; it must not turn a free run into a 409."""
    run_dir = project / INTERRUPTED
    stop = threading.Event()

    def probe():
        while not stop.is_set():
            lock_holder(run_dir)

    probes = [threading.Thread(target=probe) for _ in range(3)]
    for thread in probes:
        thread.start()
    try:
        for n in range(300):
            fd = acquire_lock(run_dir, f"20260101-000000-{n:06x}")  # raises RunBusy if refused
            assert lock_holder(run_dir) == f"20260101-000000-{n:06x}"
            os.close(fd)
    finally:
        stop.set()
        for thread in probes:
            thread.join()


def test_two_jobs_on_different_runs_run_side_by_side(launcher, standins, project):
    gate = project / "go"
    first = launcher.detach(RESUME_INTERRUPTED, standins([("row", "case-07"), ("wait", str(gate))], name="one").path)
    body = {"suite_filter": "evals/greetings.yaml", "output": ".agentv/results/runs/default/errored", "resume": True}
    second = launcher.detach(body, standins([("wait", str(gate))], name="two").path)
    wait_for(lambda: all(launcher.status(job.id)["status"] == "running" for job in (first, second)),
             what="both running")
    assert launcher.store.active_for(project / INTERRUPTED) == first.id
    assert launcher.store.active_for(project / ".agentv/results/runs/default/errored") == second.id
    gate.touch()
    assert launcher.wait_end(first.id)["status"] == "finished"
    assert launcher.wait_end(second.id)["status"] == "finished"
    assert launcher.status(first.id)["progress"] == {"done": 7, "planned": 12}
