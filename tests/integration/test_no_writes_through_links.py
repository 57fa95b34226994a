"""Nothing the tool writes goes through a link or into a FIFO, and nothing it
reads from a run can hang it: the lock, console.log, index.jsonl's newline fix,
the job log (the run-level refusals before launch are in test_launch_paths)."""

from __future__ import annotations

import os
import threading

import pytest

from agentv_resume.files import UnsafeFile
from agentv_resume.jobs.lock import LOCK_NAME, acquire_lock, lock_holder
from agentv_resume.jobs.runner import Output, ensure_trailing_newline
from support.builders import RUNS
from support.web import client_for

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def victim(tmp_path):
    path = tmp_path / "victim.txt"
    path.write_bytes(b"precious, no newline at the end")
    return path


def _plant(path, victim, how: str) -> None:
    if path.exists() or path.is_symlink():
        path.unlink()
    if how == "symlink":
        path.symlink_to(victim)
    elif how == "hardlink":
        os.link(victim, path)
    elif how == "fifo":
        os.mkfifo(path)


@pytest.mark.parametrize("how", ["symlink", "hardlink", "fifo"])
def test_the_lock_is_never_taken_through_a_link_or_a_fifo(project, victim, how):
    run_dir = project / RUNS / "errored"
    _plant(run_dir / LOCK_NAME, victim, how)
    before = victim.read_bytes()
    with pytest.raises(OSError):
        os.close(acquire_lock(run_dir, "job-x"))
    assert victim.read_bytes() == before
    assert lock_holder(run_dir) is None  # a FIFO no longer hangs the probe


@pytest.mark.parametrize("how", ["symlink", "hardlink", "fifo"])
def test_index_jsonl_newline_fix_never_writes_through_a_link(tmp_path, victim, how):
    index = tmp_path / "index.jsonl"
    _plant(index, victim, how)
    before = victim.read_bytes()
    ensure_trailing_newline(index)
    assert victim.read_bytes() == before


def test_index_jsonl_newline_fix_still_fixes_a_plain_file(tmp_path):
    index = tmp_path / "index.jsonl"
    index.write_bytes(b'{"a": 1}\n{"trunc')
    ensure_trailing_newline(index)
    assert index.read_bytes() == b'{"a": 1}\n{"trunc\n'
    ensure_trailing_newline(index)
    assert index.read_bytes() == b'{"a": 1}\n{"trunc\n'


@pytest.mark.parametrize("how", ["symlink", "hardlink", "fifo"])
def test_console_log_is_never_appended_through_a_link_and_a_fifo_does_not_hang(tmp_path, victim, how):
    run_dir, job_dir = tmp_path / "run", tmp_path / "job"
    run_dir.mkdir()
    job_dir.mkdir()
    _plant(run_dir / "console.log", victim, how)
    before = victim.read_bytes()
    output = Output(str(job_dir), str(run_dir), echo=None)
    try:
        output.open_console("== job x ==\n")
        assert output.console_fd is None
        assert "console.log" in output.error
    finally:
        output.close()
    assert victim.read_bytes() == before


@pytest.mark.parametrize("how", ["symlink", "fifo"])
def test_the_job_log_is_never_written_through_a_link(tmp_path, victim, how):
    job_dir = tmp_path / "job"
    job_dir.mkdir()
    _plant(job_dir / "output.log", victim, how)
    before = victim.read_bytes()
    output = Output(str(job_dir), str(tmp_path), echo=None)
    try:
        assert output.open_log() is None
    finally:
        output.close()
    assert victim.read_bytes() == before


def test_a_fifo_lock_does_not_hang_the_runs_list(project):
    os.mkfifo(project / RUNS / "errored" / LOCK_NAME)
    client = client_for(project)
    answers = []
    thread = threading.Thread(target=lambda: answers.append(client.get("/api/runs").status), daemon=True)
    thread.start()
    thread.join(15)
    assert answers == [200]


def test_unsafe_file_is_an_oserror_so_launch_errors_stay_400s():
    assert issubclass(UnsafeFile, OSError)
