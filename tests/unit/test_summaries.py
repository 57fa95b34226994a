"""The saved run summaries are a cache: whatever happens to the file, answers go on.

Corrupt → rebuilt; locked by another process, read-only, a link or a FIFO →
not used (and nothing written through the link); many threads and another
process at once → no error, nothing lost that was saved.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from agentv_resume.runs.summaries import DB_NAME, SummaryStore


@pytest.fixture
def state(tmp_path):
    return tmp_path / ".agentv" / "studio-resume"


def rows(n: int, stamp: str = "s1"):
    return [(f"runs/default/run-{i}", stamp, '{"records": %d}' % i) for i in range(n)]


def test_saved_summaries_come_back_in_a_new_store(state):
    assert SummaryStore(state).save(rows(3))
    again = SummaryStore(state)
    assert again.load() == {key: (stamp, summary) for key, stamp, summary in rows(3)}
    assert again.save([("runs/default/run-1", "s2", "{}")], forget=["runs/default/run-2"])
    assert SummaryStore(state).load() == {"runs/default/run-0": ("s1", '{"records": 0}'),
                                          "runs/default/run-1": ("s2", "{}")}


def test_a_missing_store_is_made_on_first_use(tmp_path):
    store = SummaryStore(tmp_path / "deep" / "state")
    assert store.load() == {}
    assert store.save(rows(1))
    assert (tmp_path / "deep" / "state" / DB_NAME).is_file()


def test_a_shut_store_neither_writes_nor_makes_its_folder_again(tmp_path):
    # The server shuts its stores as it exits; the demo's folder is removed
    # after, and a start-up read still under way must not make it again.
    state = tmp_path / "demo" / ".agentv" / "studio-resume"
    store = SummaryStore(state)
    assert store.save(rows(1))
    store.shut()
    import shutil

    shutil.rmtree(tmp_path / "demo")
    assert store.save(rows(2)) is False and store.load() == {}
    assert not (tmp_path / "demo").exists()


@pytest.mark.parametrize("garbage", [b"not a database at all" * 100, b"SQLite format 3\x00" + b"\xff" * 4000])
def test_a_corrupt_store_is_rebuilt(state, garbage):
    state.mkdir(parents=True)
    (state / DB_NAME).write_bytes(garbage)
    store = SummaryStore(state)
    assert store.load() == {}
    assert store.save(rows(2))
    assert SummaryStore(state).load().keys() == {key for key, _, _ in rows(2)}


def test_a_store_corrupted_while_open_is_rebuilt(state):
    store = SummaryStore(state)
    store.save(rows(2))
    store.close()
    (state / DB_NAME).write_bytes(b"garbage" * 1000)
    for suffix in ("-wal", "-shm"):
        (state / (DB_NAME + suffix)).unlink(missing_ok=True)
    assert store.load() == {}
    assert store.save(rows(1))
    assert len(SummaryStore(state).load()) == 1


@pytest.mark.parametrize("name", [DB_NAME, DB_NAME + "-wal", DB_NAME + "-shm", DB_NAME + "-journal"])
def test_nothing_is_written_through_a_link(tmp_path, state, name):
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    state.mkdir(parents=True)
    (state / name).symlink_to(victim)
    store = SummaryStore(state)
    assert store.load() == {}
    assert store.save(rows(2)) is False
    assert victim.read_bytes() == b"precious"
    assert "link" in store.disabled_reason


def test_a_linked_state_folder_is_not_used(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / ".agentv").mkdir()
    (tmp_path / ".agentv" / "studio-resume").symlink_to(elsewhere)
    store = SummaryStore(tmp_path / ".agentv" / "studio-resume")
    assert store.save(rows(1)) is False
    assert list(elsewhere.iterdir()) == []


def test_a_fifo_store_does_not_hang(state):
    state.mkdir(parents=True)
    os.mkfifo(state / DB_NAME)
    store = SummaryStore(state)
    start = time.monotonic()
    assert store.load() == {}
    assert store.save(rows(1)) is False
    assert time.monotonic() - start < 2


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_read_only_folder_answers_without_the_store(state):
    state.mkdir(parents=True)
    state.chmod(0o500)
    try:
        store = SummaryStore(state)
        assert store.load() == {}
        assert store.save(rows(1)) is False
    finally:
        state.chmod(0o700)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only file")
def test_a_read_only_database_answers_without_saving(state):
    first = SummaryStore(state)
    first.save(rows(1))
    first.close()
    conn = sqlite3.connect(state / DB_NAME)
    conn.execute("PRAGMA journal_mode = DELETE")  # no -wal/-shm left behind
    conn.close()
    os.chmod(state / DB_NAME, 0o444)
    try:
        store = SummaryStore(state)
        assert store.load() in ({}, {"runs/default/run-0": ("s1", '{"records": 0}')})  # never an error
        assert store.save(rows(1, "s2")) is False
    finally:
        os.chmod(state / DB_NAME, 0o644)


LOCKER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("INSERT OR REPLACE INTO summaries VALUES ('other', 'x', '{}')")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("COMMIT")
"""


def test_a_store_locked_by_another_process_skips_the_save_quickly_and_still_reads(state):
    SummaryStore(state).save(rows(2))
    locker = subprocess.Popen([sys.executable, "-c", LOCKER, str(state / DB_NAME)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert locker.stdout.readline().strip() == "locked"
        store = SummaryStore(state)
        assert len(store.load()) == 2  # WAL: readers do not wait for the writer
        start = time.monotonic()
        assert store.save(rows(3, "s2")) is False
        assert time.monotonic() - start < 2
    finally:
        locker.communicate("\n", timeout=10)
    assert "other" in SummaryStore(state).load()


WRITER = """
import sys
sys.path.insert(0, sys.argv[2])
from agentv_resume.runs.summaries import SummaryStore
store = SummaryStore(sys.argv[1])
for n in range(200):
    store.save([("cli-%d" % n, "s", "{}")])
    store.load()
"""


def test_threads_and_another_process_at_once(state):
    SummaryStore(state).load()  # made once, so both sides open an existing store
    store = SummaryStore(state)
    errors = []
    repo = str(Path(__file__).resolve().parents[2])
    other = subprocess.Popen([sys.executable, "-c", WRITER, str(state), repo])

    def work(n):
        try:
            for i in range(100):
                store.save([(f"t{n}-{i}", "s", "{}")])
                store.load()
        except Exception as exc:  # the store must never raise
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert other.wait(60) == 0
    assert errors == []
    saved = SummaryStore(state).load()
    # A save may be skipped under contention (then it is redone later), but
    # most land, and the process's and the threads' rows all can.
    assert sum(key.startswith("cli-") for key in saved) > 100
    assert sum(key.startswith("t") for key in saved) > 200
