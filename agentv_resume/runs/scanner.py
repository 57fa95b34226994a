"""Follow one ``index.jsonl`` as agentv appends to it (the line rules are ``runs.index``).

The scanner is incremental: a status poll on a growing file reads only the
bytes appended since the previous poll.  A partial last line (agentv killed
mid-write, or still writing) is evaluated on every scan but never committed,
so it is re-read once it is complete.

It reads in chunks of ``CHUNK_BYTES``: an 850 MB file is never in memory at
once, nor are its lines (only the records they make).
"""

from __future__ import annotations

import contextlib
import gc
import os
from dataclasses import dataclass
from pathlib import Path

from agentv_resume.files import open_regular
from agentv_resume.runs.index import IndexState, apply_line, apply_span
from agentv_resume.runs.names import file_stamp

CHUNK_BYTES = 4 * 1024 * 1024
# Reading more than this pauses Python's cyclic garbage collector (see
# collector_paused).
_PAUSE_GC_BYTES = 1024 * 1024
# After reading more than this, what was read is moved out of the collector's
# sight for good (gc.freeze, see collector_paused).
_FREEZE_GC_BYTES = 32 * 1024 * 1024
# Bytes kept from just before the committed offset, to notice a file that was
# rewritten (not appended to) with a size at least as large as before.
_GUARD_BYTES = 64


@dataclass
class IndexSnapshot:
    """What one scan saw.  ``state`` never changes once handed out by a
    scanner made with ``snapshots=True`` (its next scan copies it before it
    adds lines: a reader that keeps views).  Otherwise (the default: one
    that only counts) it is the scanner's live state: take ``frozen()`` to
    keep it past the next scan or hand it to another thread."""

    state: IndexState
    size: int
    ends_with_newline: bool
    warning: str | None = None

    def frozen(self) -> "IndexSnapshot":
        return IndexSnapshot(self.state.copy(), self.size, self.ends_with_newline, self.warning)


class IndexScanner:
    """Follows one index.jsonl; ``scan()`` reads only what was appended."""

    def __init__(self, path: Path, start: int = 0, *, snapshots: bool = False):
        """``start``: a byte offset at a line boundary; lines before it are ignored
        (a job's progress counts only what agentv appended after it started).
        ``snapshots``: every state handed out stays as it was (see IndexSnapshot)."""
        self.path = Path(path)
        self._path = os.fspath(self.path)
        self._start = start
        self._snapshots = snapshots
        self._reset()

    def _reset(self) -> None:
        self._committed = IndexState()
        self._handed_out = False
        self._offset = self._start
        self._guard = b""
        self._inode: int | None = None
        self._last: IndexSnapshot | None = None
        self._last_key: tuple | None = None

    def scan(self, stamp: tuple | None = None) -> IndexSnapshot:
        """What the file says now.  ``stamp``: its ``file_stamp`` from a stat the
        caller just made (a runs listing), to spare another."""
        if self._last is not None:
            # Unchanged (inode, size, mtime): one stat, no open.  A runs list
            # of 2,000 runs does this 2,000 times per request.
            if stamp is None:
                try:
                    stamp = file_stamp(os.stat(self._path))
                except (OSError, ValueError):
                    pass
            if stamp is not None and stamp == self._last_key:
                return self._last
        try:
            with open_regular(self.path) as handle:
                st = os.fstat(handle.fileno())
                key = file_stamp(st)
                if self._last is not None and key == self._last_key:
                    return self._last
                if not self._still_appending(handle, st):
                    self._reset()
                self._inode = st.st_ino
                handle.seek(self._offset)
                remaining = st.st_size - self._offset
                with collector_paused(remaining > _PAUSE_GC_BYTES, freeze=remaining > _FREEZE_GC_BYTES):
                    tail = self._read_lines(handle, remaining)
        except IsADirectoryError:
            return self._unreadable("index.jsonl is a directory, not a file")
        except FileNotFoundError:
            return self._unreadable("index.jsonl is missing")
        except OSError as exc:
            return self._unreadable(f"index.jsonl cannot be read: {exc.strerror or exc}")
        snapshot = self._snapshot(tail)
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

    def _read_lines(self, handle, remaining: int) -> bytes:
        """Commit every complete line of the next ``remaining`` bytes, a chunk at
        a time; return what follows the last newline (an unfinished line)."""
        parts: list[bytes] = []  # an unfinished line, possibly over many chunks
        while remaining > 0:
            chunk = handle.read(min(CHUNK_BYTES, remaining))
            if not chunk:
                break  # the file shrank meanwhile: the next scan sees it
            remaining -= len(chunk)
            last = chunk.rfind(b"\n")
            if last < 0:
                parts.append(chunk)
                continue
            start = 0
            if parts:  # the line the last chunk left unfinished ends here
                start = chunk.find(b"\n") + 1
                parts.append(chunk[:start])
                line = b"".join(parts)
                self._commit(line, 0, len(line))
            self._commit(chunk, start, last + 1)
            parts = [chunk[last + 1:]] if last + 1 < len(chunk) else []
        return b"".join(parts)

    def _commit(self, data: bytes, start: int, end: int) -> None:
        """Fold the complete lines of ``data[start:end]`` (which ends with a newline)."""
        if start >= end:
            return
        if self._handed_out:
            # A view holds the current state: it must not see these lines.
            self._committed = self._committed.copy()
            self._handed_out = False
        apply_span(self._committed, data, start, end)
        self._offset += end - start
        # The guard: the last bytes before the new offset (the last lines).
        self._guard = (self._guard + data[max(start, end - _GUARD_BYTES):end])[-_GUARD_BYTES:]

    def _snapshot(self, tail: bytes) -> IndexSnapshot:
        size = self._offset + len(tail)
        if not tail:
            self._handed_out = self._snapshots
            return IndexSnapshot(self._committed, size, True)
        # The unfinished last line: agentv reads it as a line too (and drops it
        # when it is not JSON).  Count it without committing it.
        view = self._committed.copy()
        apply_line(view, tail)
        return IndexSnapshot(view, size, False)


@contextlib.contextmanager
def collector_paused(pause: bool, *, freeze: bool = False, freeze_above: int | None = None):
    """Pause the cyclic garbage collector while a big file is folded in.

    Records and their keys make no cycles (the parser's rows are freed by
    reference counting), but each is a tracked object: the collector's
    full passes over a heap that grows by 500,000 of them doubled the time
    of a read.  Process-wide, so it is paused only for big reads and
    enabled again after (unless it was already off).

    ``freeze``: a very big read (``_FREEZE_GC_BYTES``) then moves every
    object alive into the collector's permanent generation (``gc.freeze``)
    before enabling it again: otherwise the next young, middle and full
    passes each walk the million new objects once more (~0.4 s for 500,000
    records, in the request that follows the read), though none can be in
    a cycle.  Frozen objects are still freed by reference counting; only a
    cycle that already existed then and dies later is never collected.
    Within another pause (a runs list that reads a big run for the first
    time), the outermost pause freezes when it ends.

    ``freeze_above``: freeze when the pause left more than this many new
    tracked objects alive (``gc.get_count()[0]``): a runs list that made a
    summary for each of 50,000 runs (a cold start) otherwise pays ~0.1 s
    of young-generation pass on the first allocation after it; one that
    changed nothing made a few and freezes nothing.
    """
    global _freeze_wanted
    if not pause:
        yield
        return
    if not gc.isenabled():  # paused already: whoever enables it again freezes
        try:
            yield
        finally:
            if freeze:
                _freeze_wanted = True
        return
    gc.disable()
    try:
        yield
    finally:
        if freeze_above is not None and gc.get_count()[0] > freeze_above:
            freeze = True
        if freeze or _freeze_wanted:
            _freeze_wanted = False
            gc.freeze()
        gc.enable()


_freeze_wanted = False  # a big read within another pause asked for a freeze
