"""Follow one ``index.jsonl`` as agentv appends to it (the line rules are ``runs.index``).

The scanner is incremental: a status poll on a growing file reads only the
bytes appended since the previous poll.  A partial last line (agentv killed
mid-write, or still writing) is evaluated on every scan but never committed,
so it is re-read once it is complete.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from agentv_resume.files import open_regular
from agentv_resume.runs.index import IndexState, apply_line

# Bytes kept from just before the committed offset, to notice a file that was
# rewritten (not appended to) with a size at least as large as before.
_GUARD_BYTES = 64


@dataclass
class IndexSnapshot:
    """What one scan saw.  ``state`` may be the scanner's live state: take
    ``frozen()`` to keep it past the next scan or hand it to another thread."""

    state: IndexState
    size: int
    ends_with_newline: bool
    warning: str | None = None

    def frozen(self) -> "IndexSnapshot":
        return IndexSnapshot(self.state.copy(), self.size, self.ends_with_newline, self.warning)


class IndexScanner:
    """Follows one index.jsonl; ``scan()`` reads only what was appended."""

    def __init__(self, path: Path, start: int = 0):
        """``start``: a byte offset at a line boundary; lines before it are ignored
        (a job's progress counts only what agentv appended after it started)."""
        self.path = Path(path)
        self._path = os.fspath(self.path)
        self._start = start
        self._reset()

    def _reset(self) -> None:
        self._committed = IndexState()
        self._offset = self._start
        self._guard = b""
        self._inode: int | None = None
        self._last: IndexSnapshot | None = None
        self._last_key: tuple | None = None

    def scan(self, stamp: tuple | None = None) -> IndexSnapshot:
        """What the file says now.  ``stamp``: its (inode, size, mtime_ns) from a
        stat the caller just made (a runs listing), to spare another."""
        if self._last is not None:
            # Unchanged (inode, size, mtime): one stat, no open.  A runs list
            # of 2,000 runs does this 2,000 times per request.
            if stamp is None:
                try:
                    st = os.stat(self._path)
                    stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
                except (OSError, ValueError):
                    pass
            if stamp is not None and stamp == self._last_key:
                return self._last
        try:
            with open_regular(self.path) as handle:
                st = os.fstat(handle.fileno())
                key = (st.st_ino, st.st_size, st.st_mtime_ns)
                if self._last is not None and key == self._last_key:
                    return self._last
                if not self._still_appending(handle, st):
                    self._reset()
                self._inode = st.st_ino
                handle.seek(self._offset)
                new = handle.read(max(0, st.st_size - self._offset))
        except IsADirectoryError:
            return self._unreadable("index.jsonl is a directory, not a file")
        except FileNotFoundError:
            return self._unreadable("index.jsonl is missing")
        except OSError as exc:
            return self._unreadable(f"index.jsonl cannot be read: {exc.strerror or exc}")
        snapshot = self._fold(new)
        self._last, self._last_key = snapshot, key
        return snapshot

    def _unreadable(self, warning: str) -> IndexSnapshot:
        self._reset()
        return IndexSnapshot(IndexState(), 0, True, warning)

    def _still_appending(self, handle, st) -> bool:
        if self._inode is None:
            return st.st_size >= self._offset
        if st.st_ino != self._inode or st.st_size < self._offset:
            return False
        if not self._guard:
            return True
        handle.seek(self._offset - len(self._guard))
        return handle.read(len(self._guard)) == self._guard

    def _fold(self, new: bytes) -> IndexSnapshot:
        cut = new.rfind(b"\n")
        complete, tail = (new[: cut + 1], new[cut + 1 :]) if cut >= 0 else (b"", new)
        if complete:
            state = self._committed
            for raw in complete.split(b"\n")[:-1]:
                apply_line(state, raw)
            self._offset += len(complete)
            self._guard = (self._guard + complete[-_GUARD_BYTES:])[-_GUARD_BYTES:]
        size = self._offset + len(tail)
        if not tail:
            return IndexSnapshot(self._committed, size, True)
        # The unfinished last line: agentv reads it as a line too (and drops it
        # when it is not JSON).  Count it without committing it.
        view = self._committed.copy()
        apply_line(view, tail)
        return IndexSnapshot(view, size, False)


def read_index(path: Path) -> IndexSnapshot:
    """One-shot read (no cache)."""
    return IndexScanner(path).scan()
