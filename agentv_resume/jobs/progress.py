"""A job's progress: cases agentv has written since the job began, in bounded memory.

``Counter`` follows the run's index.jsonl from the job's start offset and
remembers only the (test_id, target) keys it saw — never the rows — so a
fresh run of 20,000 cases costs a set of keys while it runs, and nothing
once the job has ended: the runner records the final count in job.json
(``progress_final``) and readers take it from there.

agentv rewrites index.jsonl as it ends (a re-run case's old line is
replaced), which reads as a new, possibly shorter file: the count then
never goes below what was already seen appended.

Stdlib only: the runner (supervisor path) uses it once agentv runs.
"""

from __future__ import annotations

import os
import re

INDEX_NAME = "index.jsonl"
BENCHMARK_NAME = "benchmark.json"
CHUNK = 1024 * 1024
MAX_LINE = 64 * 1024 * 1024   # a line longer than this is skipped, not held


_HEAD = 4096   # where agentv's test_id and target are, in the rows it writes
_TEST_ID = re.compile(rb'"test_id":"((?:[^"\\]|\\.)*)"')
_TARGET = re.compile(rb'"target":"((?:[^"\\]|\\.)*)"')


class Counter:
    def __init__(self, run_dir, start: int = 0):
        self.path = os.path.join(os.fspath(run_dir), INDEX_NAME)
        self.start = start if isinstance(start, int) and start >= 0 else 0
        self.seen = 0
        self._restart()

    def _restart(self) -> None:
        self.keys: set = set()
        self.offset = self.start
        self.inode: int | None = None
        self.partial = b""
        self.stamp: tuple | None = None

    def count(self) -> int:
        """Distinct cases written after the start offset (never fewer than seen before)."""
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError:
            return self.seen
        try:
            st = os.fstat(fd)
            import stat as _stat

            if not _stat.S_ISREG(st.st_mode):
                return self.seen
            stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
            if stamp == self.stamp:
                return self.seen
            if self.inode is not None and (st.st_ino != self.inode or st.st_size < self.offset):
                self._restart()  # replaced (agentv's final rewrite) or truncated: read it anew
            if st.st_size < self.offset:
                return self.seen
            self.inode = st.st_ino
            os.lseek(fd, self.offset, os.SEEK_SET)
            remaining = st.st_size - self.offset
            while remaining > 0:
                chunk = os.read(fd, min(CHUNK, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
                self.offset += len(chunk)
                self._feed(chunk)
            self.stamp = stamp
        finally:
            os.close(fd)
        self.seen = max(self.seen, len(self.keys))
        return self.seen

    def _feed(self, chunk: bytes) -> None:
        data = self.partial + chunk
        lines = data.split(b"\n")
        self.partial = lines.pop()
        if len(self.partial) > MAX_LINE:
            self.partial = b""  # not a row we could count; its end is skipped as junk
        for line in lines:
            key = _key(line)
            if key is not None:
                self.keys.add(key)


def _key(line: bytes):
    line = line.strip()
    if not line.startswith(b"{"):
        return None
    # Fast path: agentv writes compact JSON with test_id and target as plain
    # strings near the start; the key need only tell cases apart, so the
    # first of each is enough (a full parse of a 2 KB row costs 30x more).
    test_id, target = _TEST_ID.search(line, 0, _HEAD), _TARGET.search(line, 0, _HEAD)
    if test_id is not None and target is not None and line.endswith(b"}"):
        raw_id, raw_target = test_id.group(1), target.group(1)
        if b"\\" not in raw_id and b"\\" not in raw_target:  # else the parse below unescapes them
            return (raw_id.decode("utf-8", "replace"), raw_target.decode("utf-8", "replace"))
    import json

    try:
        row = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(row, dict):
        return None
    test_id = row.get("test_id", row.get("testId"))
    target = row.get("target")
    return (test_id if isinstance(test_id, str) else None, target if isinstance(target, str) else None)


def planned_from_benchmark(run_dir) -> int | None:
    """benchmark.json's ``planned_test_count`` (a fresh run's plan), if readable."""
    from agentv_resume.files import read_json_or

    data = read_json_or(os.path.join(os.fspath(run_dir), BENCHMARK_NAME), 4 * 1024 * 1024)
    planned = data.get("planned_test_count") if isinstance(data, dict) else None
    return planned if type(planned) is int and planned >= 0 else None


def progress(record: dict, counter: Counter | None) -> dict:
    """{"done", "planned"} for a job record and its counter (None: nothing counted)."""
    planned = record.get("progress_planned")
    if planned is None:
        planned = planned_from_benchmark(record["run_dir"])
    base = record.get("progress_base_done") or 0
    done = base + (counter.count() if counter is not None else 0)
    if planned is not None:
        done = min(done, planned)
    return {"done": done, "planned": planned}
