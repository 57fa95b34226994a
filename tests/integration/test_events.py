"""GET /api/eval/events/<job_id>: server-sent events for the job page, bounded per server."""

from __future__ import annotations

import json
import os
import socket
import threading
import time

import pytest

from agentv_resume.jobs.lock import acquire_lock
from agentv_resume.jobs.store import JobStore
from agentv_resume.web import events
from support.web import RUNS_DIR, client_for

LOG = "fini ✓\nline two\n".encode()


def make_job(project, status="finished", log=LOG, job_id="20260101-000000-e0e0e0"):
    store = JobStore(project)
    run_dir = project / RUNS_DIR / "interrupted"
    job = store.create(job_id=job_id, argv=["agentv"], args=[], command="agentv eval run evals/long.yaml --resume",
                       run_dir=run_dir, source="server",
                       progress_base={"progress_planned": 12, "progress_base_done": 6,
                                      "progress_offset": (run_dir / "index.jsonl").stat().st_size})
    job.log_path.write_bytes(log)
    if status == "running":
        job.record.update(status="running", supervisor_pid=os.getpid(), supervisor_start=None)
    else:
        job.record.update(status=status, exit_code=0, finished_at="2026-01-01T00:00:05.000Z")
    job.save()
    return job


def parse_stream(text: str) -> list[dict]:
    """The events of an SSE body: [{"event", "id", "data", "retry"}...]."""
    out = []
    for block in text.split("\n\n"):
        fields = {}
        for line in block.splitlines():
            if line.startswith(":"):
                continue
            name, _, value = line.partition(": ")
            fields[name] = value
        if fields:
            if "data" in fields:
                fields["data"] = json.loads(fields["data"])
            out.append(fields)
    return out


@pytest.fixture
def quick(monkeypatch):
    monkeypatch.setattr(events, "TICK_SECONDS", 0.02)
    monkeypatch.setattr(events, "STREAM_SECONDS", 0.3)
    monkeypatch.setattr(events, "_SHARED", events._SharedStatus())


def test_an_ended_job_sends_its_status_with_the_log_then_end(client, project, quick):
    job = make_job(project)
    response = client.get(f"/api/eval/events/{job.id}")
    assert response.status == 200
    assert response.content_type.startswith("text/event-stream")
    sent = parse_stream(response.text)
    assert sent[0] == {"retry": str(events.RETRY_MS)}
    status = sent[1]
    assert status["event"] == "status" and status["id"] == str(len(LOG))
    assert status["data"]["status"] == "finished" and status["data"]["log"] == LOG.decode()
    assert status["data"]["log_offset"] == len(LOG) and "log_tail" not in status["data"]
    assert status["data"]["id"] == job.id and status["data"]["progress"]["planned"] == 12
    assert sent[-1]["event"] == "end"


def test_a_reconnect_resumes_after_the_last_event(client, project, quick):
    job = make_job(project)
    first = len("fini ✓\n".encode())
    sent = parse_stream(client.get(f"/api/eval/events/{job.id}?since=0",
                                   headers={"Last-Event-ID": str(first)}).text)
    assert sent[1]["data"]["log"] == "line two\n"  # Last-Event-ID wins over ?since=
    sent = parse_stream(client.get(f"/api/eval/events/{job.id}?since={len(LOG)}").text)
    assert sent[1]["data"]["log"] == ""


def test_bad_requests(client, project, quick):
    assert client.get("/api/eval/events/no-such-job").status == 404
    job = make_job(project)
    response = client.get(f"/api/eval/events/{job.id}?since=-3")
    assert response.status == 400 and "byte offset" in response.json["error"]


def test_a_running_job_streams_for_a_while_then_lets_the_browser_reconnect(client, project, quick):
    job = make_job(project, "running")
    fd = acquire_lock(project / RUNS_DIR / "interrupted", job.id)
    try:
        started = time.monotonic()
        sent = parse_stream(client.get(f"/api/eval/events/{job.id}").text)
        took = time.monotonic() - started
    finally:
        os.close(fd)
    assert 0.25 < took < 5
    assert [e.get("event") for e in sent[1:]] == ["status"]  # one status, nothing new after, no "end"
    assert sent[1]["data"]["status"] == "running"


def test_streams_are_bounded_and_the_extra_one_is_told_to_poll(project, quick):
    client = client_for(project)
    job = make_job(project)
    slots = events._slots(client.app.studio)
    taken = [slots.take() for _ in range(events.MAX_STREAMS)]
    assert all(taken)
    try:
        response = client.get(f"/api/eval/events/{job.id}")
        assert response.status == 503
        assert "poll" in response.json["error"] and f"/api/eval/status/{job.id}" in response.json["error"]
        assert response.headers.get("retry-after") == "5"
    finally:
        for _ in taken:
            slots.give_back()
    # Every stream gives its slot back when it ends.
    for _ in range(events.MAX_STREAMS + 2):
        assert client.get(f"/api/eval/events/{job.id}").status == 200


def test_many_watchers_read_the_job_once_a_tick(project, monkeypatch):
    monkeypatch.setattr(events, "TICK_SECONDS", 10)
    shared = events._SharedStatus()
    job = make_job(project)
    client = client_for(project)
    bench = client.app.studio.first
    reads = []
    real_get = bench.store.get
    monkeypatch.setattr(bench.store, "get", lambda job_id: reads.append(job_id) or real_get(job_id))
    for _ in range(50):
        found_job, status = shared.get(bench, job.id)
        assert status["status"] == "finished"
    assert reads == [job.id]


def test_events_reach_the_browser_as_they_happen_under_waitress(project, monkeypatch):
    """waitress must send each event when it is written, not when the stream ends."""
    from waitress import create_server, wasyncore

    from agentv_resume.web.server import close_server

    monkeypatch.setattr(events, "TICK_SECONDS", 0.05)
    monkeypatch.setattr(events, "STREAM_SECONDS", 20)
    monkeypatch.setattr(events, "_SHARED", events._SharedStatus())
    job = make_job(project, "running", log=b"first\n")
    fd = acquire_lock(project / RUNS_DIR / "interrupted", job.id)
    from agentv_resume.web.app import create_app

    app = create_app([project])
    socket_map: dict = {}
    server = create_server(app, map=socket_map, host="127.0.0.1", port=0, threads=2)
    port = int(server.effective_port)
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            wasyncore.loop(timeout=0.05, map=socket_map, count=1)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        sock.sendall(f"GET /api/eval/events/{job.id} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        received = b""
        deadline = time.monotonic() + 10
        while b"first" not in received and time.monotonic() < deadline:
            received += sock.recv(65536)
        assert b"first" in received, received
        with open(job.log_path, "ab") as handle:
            handle.write(b"second\n")
        while b"second" not in received and time.monotonic() < deadline:
            received += sock.recv(65536)
        assert b"second" in received, received  # pushed on the same stream, no new request
    finally:
        sock.close()
        os.close(fd)
        stop.set()
        thread.join(5)
        close_server(server)
