"""Saved run summaries: what the runs list says of each run, kept between starts.

A cold runs list of 50,000 runs would otherwise read 50,000 ``index.jsonl``
and ``benchmark.json`` files.  Each summary is saved with a *stamp*: the
identity (device, inode), size and mtime of both files (and whatever else
the caller folds in, such as a fingerprint of the code that made it).  A
summary whose stamp no longer matches is stale and read again.

This is a cache and nothing else: deleting it loses nothing, and it never
breaks an answer.  A database that is corrupt is deleted and rebuilt; one
that is locked by another process, read-only, or unusable for any other
reason is simply not used (the caller reads the runs, as without it).

SQLite from the standard library, under ``.agentv/studio-resume/``; safe
for the server's threads (one connection behind a lock, short transactions)
and for a CLI or a second server at the same time (WAL, a short busy
timeout: a writer that would wait longer skips its save).  Nothing is
written through a link: the folder and each of SQLite's files must be a
real folder and regular files (or absent), checked before every opening.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import stat
import threading
import time
from pathlib import Path
from urllib.parse import quote

from agentv_resume.runs.names import state_dir

DB_NAME = "summaries.sqlite3"

# SQLite's companions of DB_NAME: each could be a planted link.
_COMPANIONS = ("", "-wal", "-shm", "-journal")
# After a failed opening (a read-only folder...), the next try waits this long.
RETRY_SECONDS = 5.0
# How long a statement waits for another process's write lock: an answer
# never waits on a cache for longer than this.
BUSY_TIMEOUT_MS = 200
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS summaries ("
    " run TEXT PRIMARY KEY, stamp TEXT NOT NULL, summary TEXT NOT NULL) WITHOUT ROWID"
)


def summaries_dir(project_root: Path) -> Path:
    """Where a project's saved summaries live: beside the jobs of this tool."""
    return state_dir(project_root)


class SummaryStore:
    """``load()`` every saved (stamp, summary) by run key; ``save()`` new ones.

    Keys and stamps are strings, summaries strings or bytes: all opaque to the store.  Every
    method answers (an empty dict, False) rather than raise.
    """

    def __init__(self, state_dir: Path):
        self.state_dir = Path(state_dir)
        self.path = self.state_dir / DB_NAME
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._retry_at = 0.0
        self.disabled_reason: str | None = None  # why the store is not used (for tests and logs)

    # --- public -----------------------------------------------------------------
    def load(self) -> dict[str, tuple[str, str]]:
        """{run key: (stamp, summary)} of every saved summary; {} when there is none to use."""
        with self._lock:
            return self._attempt(lambda conn: {run: (stamp, summary) for run, stamp, summary in
                                               conn.execute("SELECT run, stamp, summary FROM summaries")}, {})

    def save(self, rows, forget=()) -> bool:
        """Save ``rows`` of (run key, stamp, summary) and drop the keys in ``forget``,
        in one short transaction.  False when nothing could be saved (the caller
        goes on: the summaries are read again next time)."""
        rows, forget = list(rows), list(forget)
        if not rows and not forget:
            return True

        def write(conn: sqlite3.Connection) -> bool:
            with conn:  # one transaction: BEGIN ... COMMIT (ROLLBACK on error)
                conn.executemany("INSERT OR REPLACE INTO summaries (run, stamp, summary) VALUES (?, ?, ?)", rows)
                conn.executemany("DELETE FROM summaries WHERE run = ?", [(key,) for key in forget])
            return True

        with self._lock:
            return self._attempt(write, False)

    def close(self) -> None:
        with self._lock:
            self._close()

    def shut(self) -> None:
        """Close for good: nothing is read or written (nor any folder made) after
        this; the server shuts its stores as it exits, before the demo's folder
        is removed, so a late start-up read cannot make it again."""
        with self._lock:
            self._close()
            self.disabled_reason = "closed"

    # --- opening ----------------------------------------------------------------
    def _attempt(self, action, fallback):
        """``action(connection)``; a corrupt database is deleted and made again once."""
        for attempt in (1, 2):
            conn = self._connection()
            if conn is None:
                return fallback
            try:
                return action(conn)
            except sqlite3.OperationalError:
                # Locked by another process, read-only, disk full...: not
                # corrupt; this time the answer is made without the cache.
                return fallback
            except sqlite3.DatabaseError:
                # "file is not a database", "database disk image is malformed"
                self._close()
                if attempt == 2 or not self._remove_files():
                    self.disabled_reason = "the saved summaries are corrupt and cannot be removed"
                    return fallback
            except (sqlite3.Error, OSError, ValueError, MemoryError):
                return fallback
        return fallback

    def _connection(self) -> sqlite3.Connection | None:
        if self._conn is not None:
            return self._conn
        if self.disabled_reason is not None or time.monotonic() < self._retry_at:
            return None
        problem = self._unsafe()
        if problem:
            self.disabled_reason = problem
            return None
        try:
            conn = sqlite3.connect(_uri(self.path), uri=True, timeout=BUSY_TIMEOUT_MS / 1000,
                                   isolation_level=None, check_same_thread=False)
        except (sqlite3.Error, OSError, ValueError):
            self._retry_at = time.monotonic() + RETRY_SECONDS  # e.g. a read-only folder
            return None
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            # WAL: readers never wait for a writer, another process included;
            # NORMAL: no fsync per commit (a lost summary is only read again).
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute(_SCHEMA)
            # SQLite made its companions just now: they must still be files.
            problem = self._unsafe()
            if problem:
                conn.close()
                self.disabled_reason = problem
                return None
        except sqlite3.OperationalError:
            conn.close()  # locked, read-only...
            self._retry_at = time.monotonic() + RETRY_SECONDS
            return None
        except sqlite3.DatabaseError:
            conn.close()
            if not self._remove_files():
                self.disabled_reason = "the saved summaries are corrupt and cannot be removed"
            return None  # rebuilt on the next call
        if not mode or str(mode[0]).lower() != "wal":
            conn.close()
            self.disabled_reason = f"SQLite would not use WAL here ({mode})"
            return None
        self._conn = conn
        return conn

    def _unsafe(self) -> str | None:
        """Why the store must not be opened (a link, a FIFO...), or None.

        Creates the state folder (a real one) when it is missing."""
        try:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            st = os.lstat(self.state_dir)
        except OSError as exc:
            return f"{self.state_dir} cannot be made: {exc.strerror or exc}"
        if not stat.S_ISDIR(st.st_mode):
            return f"{self.state_dir} is not a folder (a link?)"
        for suffix in _COMPANIONS:
            path = f"{self.path}{suffix}"
            try:
                st = os.lstat(path)
            except FileNotFoundError:
                continue
            except OSError as exc:
                return f"{path} cannot be checked: {exc.strerror or exc}"
            if not stat.S_ISREG(st.st_mode):
                return f"{path} is not a regular file (a link?): the saved summaries are not used"
        return None

    def _remove_files(self) -> bool:
        for suffix in _COMPANIONS:
            try:
                os.unlink(f"{self.path}{suffix}")  # a link itself, never its target
            except FileNotFoundError:
                pass
            except OSError as exc:
                if exc.errno != errno.ENOENT:
                    return False
        return True

    def _close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except sqlite3.Error:
                pass
            self._conn = None


def _uri(path: Path) -> str:
    return "file:" + quote(os.fspath(path)) + "?mode=rwc"
