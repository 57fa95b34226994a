"""``GET /api/eval/events/<job_id>``: a job's status as server-sent events.

The same fields as ``/api/eval/status/<id>`` (without ``log_tail``), plus the
new output since the last event (``log``) and where it ends (``log_offset``,
also the event id, so a reconnecting browser resumes with ``Last-Event-ID``
and no output is lost or shown twice).  Once the job has ended: one last
``status`` event, then ``end``.

Cost, under waitress's fixed thread pool (``server.THREADS``):

- an open stream holds one worker thread, so at most ``MAX_STREAMS`` streams
  are open at once; one more is answered 503 and the page polls instead;
- a stream lasts at most ``STREAM_SECONDS``, then ends with ``retry:`` set:
  the browser reconnects by itself, so a long job never pins a thread and
  threads are shared out among the tabs that watch;
- the job's status is read once per ``TICK_SECONDS`` per job, however many
  tabs watch it (``_SharedStatus``); each stream reads only its new log bytes.
"""

from __future__ import annotations

import threading
import time

import bottle

from agentv_resume.jobs.states import TERMINAL
from agentv_resume.web.context import Benchmark, Studio
from agentv_resume.web.jobs import find_job, job_status
from agentv_resume.web.responses import json_body, json_error

MAX_STREAMS = 4          # of server.THREADS: the pages and the API keep the rest
STREAM_SECONDS = 25.0    # then the browser reconnects (RETRY_MS later)
RETRY_MS = 500
TICK_SECONDS = 0.5       # how often a stream looks for news
KEEPALIVE_SECONDS = 10.0  # a comment line, so proxies and browsers keep the stream open
_FINAL_READS = 16        # after the end, read the rest of the log (64 KiB a read)


class StreamSlots:
    """A counter of open streams, shared by every benchmark of one server."""

    def __init__(self, limit: int = MAX_STREAMS):
        self._slots = threading.BoundedSemaphore(limit)

    def take(self) -> bool:
        return self._slots.acquire(blocking=False)

    def give_back(self) -> None:
        self._slots.release()


class _SharedStatus:
    """The status of each watched job, read at most once a tick for all its watchers."""

    def __init__(self):
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], tuple[float, object, dict]] = {}

    def get(self, bench: Benchmark, job_id: str):
        """(the job, its status) no older than TICK_SECONDS; None when the job is gone."""
        key = (bench.id, job_id)
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None and now - cached[0] < TICK_SECONDS:
                return cached[1], cached[2]
            job = bench.store.get(job_id)
            if job is None:
                self._cache.pop(key, None)
                return None
            status = job_status(bench, job, with_log=False)
            self._cache[key] = (now, job, status)
            # Forget jobs nobody asked about for a while (a finished job stays one tick).
            for other, (stamp, _, _) in list(self._cache.items()):
                if now - stamp > 60:
                    del self._cache[other]
            return job, status


_SHARED = _SharedStatus()


_SLOTS_LOCK = threading.Lock()


def _slots(studio: Studio) -> StreamSlots:
    """The server's stream counter (one per app, made on the first stream)."""
    with _SLOTS_LOCK:
        slots = getattr(studio, "stream_slots", None)
        if slots is None:
            slots = studio.stream_slots = StreamSlots()
        return slots


def _start_offset():
    """Where the stream's log starts: the browser's Last-Event-ID on a reconnect, else ?since=."""
    raw = bottle.request.get_header("Last-Event-ID") or bottle.request.query.get("since") or "0"
    raw = raw.strip()
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


def events(studio: Studio, bench: Benchmark, job_id: str):
    job = find_job(bench, job_id)  # an unknown job: 404 before any stream
    offset = _start_offset()
    if offset is None:
        return json_error(400, "since (or Last-Event-ID) must be a byte offset (a non-negative integer)")
    slots = _slots(studio)
    if not slots.take():
        error = json_error(503, f"{MAX_STREAMS} live streams are open already: poll "
                                f"{bench.status_api(job.id)} instead")
        error.set_header("Retry-After", "5")
        return error
    bottle.response.content_type = "text/event-stream; charset=utf-8"
    bottle.response.set_header("X-Accel-Buffering", "no")  # a proxy must not hold events back
    return _stream(bench, job.id, offset, slots)


def _event(name: str, data: dict | None = None, event_id: int | None = None) -> bytes:
    head = f"event: {name}\n" + (f"id: {event_id}\n" if event_id is not None else "")
    return head.encode() + b"data: " + (json_body(data) if data is not None else b"{}") + b"\n\n"


def _stream(bench: Benchmark, job_id: str, offset: int, slots: StreamSlots):
    try:
        yield f"retry: {RETRY_MS}\n\n".encode()
        started = last_write = time.monotonic()
        last_status = None
        while True:
            found = _SHARED.get(bench, job_id)
            if found is None:  # the job's record went away
                yield _event("end")
                return
            job, status = found
            ended = status["status"] in TERMINAL
            log, next_offset = job.log_since(offset)
            reads = 1
            while ended and reads < _FINAL_READS:  # the rest of the output, in order
                more, after = job.log_since(next_offset)
                if not more:
                    break
                log, next_offset, reads = log + more, after, reads + 1
            if log or status != last_status:
                yield _event("status", dict(status, log=log, log_offset=next_offset), next_offset)
                offset, last_status, last_write = next_offset, status, time.monotonic()
            if ended:
                yield _event("end", {"status": status["status"]})
                return
            now = time.monotonic()
            if now - started >= STREAM_SECONDS:
                return  # the browser reconnects after RETRY_MS, from Last-Event-ID
            if now - last_write >= KEEPALIVE_SECONDS:
                yield b": keep-alive\n\n"
                last_write = now
            time.sleep(TICK_SECONDS)
    finally:
        slots.give_back()
