"""The runs list of a server that starts again: from saved summaries, never stale.

What a user sees: a restarted server lists the same runs with the same
counts without reading every ``index.jsonl`` again; a run that changed
while the server was down (rows appended, benchmark.json rewritten, its
suite file deleted) shows its new state; deleting or corrupting the saved
summaries changes no answer.  And one slow run never holds up the others.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time

import pytest

from agentv_resume.runs import reader as reader_module
from agentv_resume.runs.scanner import IndexScanner
from agentv_resume.runs.summaries import DB_NAME, summaries_dir
from support.builders import RUNS, make_run, row
from support.web import client_for


def listed(client) -> dict:
    answer = client.get("/api/runs")
    assert answer.status == 200
    return {run["id"]: run for run in answer.json["runs"]}


@pytest.fixture
def reads(monkeypatch):
    """The runs whose index.jsonl was read (opened and folded), by folder name."""
    seen = []
    real = IndexScanner.scan

    def spy(self, *args, **kwargs):
        before = self._last
        snapshot = real(self, *args, **kwargs)
        if snapshot is not before:
            seen.append(self.path.parent.name)
        return snapshot

    monkeypatch.setattr(IndexScanner, "scan", spy)
    return seen


def age(path, seconds=60):
    """Make a file look written a while ago (a summary of a file that just
    changed is not saved: it could change again within its mtime's tick)."""
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - seconds * 10**9))


def age_runs(project):
    for path in (project / ".agentv" / "results").rglob("*"):
        if path.name in ("index.jsonl", "benchmark.json"):
            age(path)


def test_a_restarted_server_lists_from_saved_summaries_without_reading_the_runs(project, reads):
    age_runs(project)
    first = listed(client_for(project))
    assert (summaries_dir(project) / DB_NAME).is_file()
    assert sorted(reads) == ["all-ok", "errored", "interrupted", "quality-only"]
    reads.clear()
    again = listed(client_for(project))  # a new app: a server started again
    assert again == first
    assert reads == []


def test_a_run_changed_while_the_server_was_down_is_read_again(project, reads):
    age_runs(project)
    before = listed(client_for(project))
    assert before["errored"]["counts"]["execution_error"] == 2
    index = project / RUNS / "errored" / "index.jsonl"
    with open(index, "a") as out:
        out.write(json.dumps(row("greet-2", "ok")) + "\n" + json.dumps(row("greet-3", "ok")) + "\n")  # errors fixed
    benchmark = project / RUNS / "interrupted" / "benchmark.json"
    data = json.loads(benchmark.read_text())
    data["metadata"]["planned_test_count"] = 40
    benchmark.write_text(json.dumps(data))
    reads.clear()
    after = listed(client_for(project))
    assert sorted(reads) == ["errored", "interrupted"]
    assert after["errored"]["counts"]["execution_error"] == 0 and after["errored"]["state"] == "complete"
    assert after["interrupted"]["planned"] == 40
    assert after["all-ok"] == before["all-ok"]


def test_a_deleted_suite_file_shows_after_a_restart(project):
    age_runs(project)
    assert listed(client_for(project))["errored"]["suite_filter"] == "evals/greetings.yaml"
    (project / "evals" / "greetings.yaml").unlink()
    assert listed(client_for(project))["errored"]["suite_filter"] is None


def test_a_rewrite_within_one_mtime_tick_is_never_hidden(project):
    # Same inode, same size, same mtime: only the bytes differ.  The summary
    # of a file that changed this recently was never saved.
    run_dir = make_run(project, "fresh", [row("a", "execution_error", error="x")], planned=1)
    index = run_dir / "index.jsonl"
    stamp = os.stat(index)
    assert listed(client_for(project))["fresh"]["state"] == "errored"
    text = index.read_bytes().replace(b'"execution_error"', b'"ok"             ').replace(b'"x"', b'" "')
    with open(index, "r+b") as out:
        out.write(text)
    os.utime(index, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert os.stat(index).st_size == stamp.st_size
    assert listed(client_for(project))["fresh"]["state"] == "complete"


def test_a_run_listed_just_after_agentv_wrote_it_is_saved_by_a_later_list(project, reads, monkeypatch):
    # Listed within RACY_SECONDS of its last write: not saved then (it could
    # change again unseen), but by the next list once it is older, so the
    # next start does not read it again.
    run_dir = make_run(project, "fresh", [row("a", "execution_error", error="x")], planned=1)
    age_runs(project)
    for name in ("index.jsonl", "benchmark.json"):
        os.utime(run_dir / name)  # written just now
    client = client_for(project)
    listed(client)
    reads.clear()
    listed(client_for(project))
    assert reads == ["fresh"]  # it was not saved: a restart read it again
    monkeypatch.setattr(reader_module, "RACY_SECONDS", 0.0)  # time has passed
    reads.clear()
    listed(client)  # the first server lists it again, unchanged: now it is saved
    assert reads == []
    again = listed(client_for(project))
    assert reads == [] and again["fresh"]["state"] == "errored"


@pytest.mark.parametrize("damage", ["delete", "garbage", "truncate"])
def test_damaged_saved_summaries_change_no_answer(project, damage):
    age_runs(project)
    first = listed(client_for(project))
    db = summaries_dir(project) / DB_NAME
    for suffix in ("-wal", "-shm"):
        db.with_name(DB_NAME + suffix).unlink(missing_ok=True)
    if damage == "delete":
        db.unlink()
    elif damage == "garbage":
        db.write_bytes(os.urandom(8192))
    else:
        with open(db, "r+b") as out:
            out.truncate(100)
    assert listed(client_for(project)) == first
    assert listed(client_for(project)) == first  # and after its rebuild


def test_a_linked_summaries_file_is_neither_used_nor_written(project, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    state = summaries_dir(project)
    state.mkdir(parents=True, exist_ok=True)
    (state / DB_NAME).symlink_to(victim)
    assert listed(client_for(project))["errored"]["state"] == "errored"
    assert victim.read_text() == "keep me"


def test_a_run_that_disappears_leaves_the_list_and_the_saved_summaries(project):
    age_runs(project)
    listed(client_for(project))
    shutil.rmtree(project / RUNS / "quality-only")
    assert "quality-only" not in listed(client_for(project))
    import sqlite3

    with sqlite3.connect(summaries_dir(project) / DB_NAME) as conn:
        keys = [key for (key,) in conn.execute("SELECT run FROM summaries")]
    assert len(keys) == 3 and not any("quality-only" in key for key in keys)


# --- one slow run holds up nobody else ---------------------------------------------------

def test_a_slow_run_does_not_hold_up_another_runs_page_or_the_list(project, monkeypatch):
    client = client_for(project)
    listed(client)  # every run summarised once
    slow_started, release = threading.Event(), threading.Event()
    real = IndexScanner.scan

    def scan(self, *args, **kwargs):
        if self.path.parent.name == "errored" and not release.is_set():
            slow_started.set()
            release.wait(20)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(IndexScanner, "scan", scan)
    with open(project / RUNS / "errored" / "index.jsonl", "a") as out:
        out.write(json.dumps(row("new-case")) + "\n")  # so its page must read it again
    slow = threading.Thread(target=lambda: client.get("/api/runs/errored"))
    slow.start()
    try:
        assert slow_started.wait(10)
        start = time.monotonic()
        assert client.get("/api/runs/all-ok").status == 200
        runs = listed(client)
        took = time.monotonic() - start
        assert took < 5, f"another run's page and the list waited {took:.1f} s for the slow run"
        assert set(runs) == {"errored", "all-ok", "quality-only", "interrupted"}
    finally:
        release.set()
        slow.join(20)
    assert listed(client)["errored"]["records"] == 6  # once read, the new row shows


# --- requests share one walk ---------------------------------------------------------------

def _slow_first_call():
    """A function whose first call waits for ``release``; each call returns its number."""
    calls, entered, release = [], threading.Event(), threading.Event()

    def walk():
        calls.append(len(calls) + 1)
        if len(calls) == 1:
            entered.set()
            release.wait(10)
        return len(calls)

    return walk, calls, entered, release


def _waiting(shared, count: int) -> None:
    """Until ``count`` callers wait inside ``shared.call`` (on its condition)."""
    deadline = time.monotonic() + 10
    while len(shared._cond._waiters) < count:
        assert time.monotonic() < deadline, "the callers never came to wait"
        time.sleep(0.01)


def _arrive(shared, walk, results, count):
    threads = [threading.Thread(target=lambda: results.append(shared.call(walk))) for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads


def test_callers_that_arrive_during_a_call_share_it():
    shared = reader_module.SharedCall()
    walk, calls, entered, release = _slow_first_call()
    results = []
    first = _arrive(shared, walk, results, 1)
    assert entered.wait(10)
    waiters = _arrive(shared, walk, results, 20)  # 20 requests while call 1 is under way
    _waiting(shared, 20)
    release.set()
    for thread in [*first, *waiters]:
        thread.join(10)
    assert results == [1] * 21 and len(calls) == 1  # one walk for all 21


def test_callers_after_a_change_of_ours_wait_for_a_call_that_starts_after_it():
    # A launch or a Stop invalidates the walk under way: a runs list asked
    # after the launch answered must show the run running.
    shared = reader_module.SharedCall()
    walk, calls, entered, release = _slow_first_call()
    results = []
    first = _arrive(shared, walk, results, 1)
    assert entered.wait(10)
    early = _arrive(shared, walk, results, 3)
    _waiting(shared, 3)
    shared.invalidate()
    late = _arrive(shared, walk, results, 5)
    _waiting(shared, 8)
    release.set()
    for thread in first:
        thread.join(10)
    for thread in [*early, *late]:
        thread.join(10)
    assert len(results) == 9 and 1 in results  # the first caller got its own call
    assert len(calls) == 2  # the early callers shared call 1 (or, woken late, call 2); the late ones call 2
    assert results.count(2) >= 5  # no late caller got call 1, which may predate the change


def test_a_failing_call_fails_for_its_sharers_and_the_next_call_runs_afresh():
    shared = reader_module.SharedCall()
    with pytest.raises(RuntimeError):
        shared.call(lambda: (_ for _ in ()).throw(RuntimeError("boom")))
    assert shared.call(lambda: "fine") == "fine"


def test_a_request_during_the_start_up_read_shares_it():
    shared = reader_module.SharedCall()
    walk, calls, entered, release = _slow_first_call()

    warm = threading.Thread(target=lambda: shared.call(walk))
    warm.start()
    assert entered.wait(10)
    got = []
    request = threading.Thread(target=lambda: got.append(shared.call(walk)))
    request.start()
    time.sleep(0.1)
    release.set()
    warm.join(10)
    request.join(10)
    assert got == [1] and len(calls) == 1  # the first page waited for the start-up read, not for a second walk


def test_shared_calls_share_per_key_and_invalidate_one_key():
    calls = reader_module.SharedCalls(limit=2)
    walk, made, entered, release = _slow_first_call()
    results = []
    first = threading.Thread(target=lambda: results.append(calls.call("job-a", walk)))
    first.start()
    assert entered.wait(10)
    # Another key is not held up by job-a's call under way.
    assert calls.call("job-b", lambda: "b") == "b"
    sharer = threading.Thread(target=lambda: results.append(calls.call("job-a", walk)))
    sharer.start()
    _waiting(calls._for("job-a"), 1)
    release.set()
    first.join(10)
    sharer.join(10)
    assert results == [1, 1] and len(made) == 1
    calls.invalidate("job-a")
    assert calls.call("job-a", lambda: "fresh") == "fresh"
    calls.call("job-c", lambda: "c")  # over the limit: the kept calls are let go, answers unchanged
    assert calls.call("job-a", lambda: "again") == "again"
