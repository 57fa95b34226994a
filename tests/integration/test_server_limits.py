"""A real waitress server on 127.0.0.1: idle or refused connections cannot lock users out."""

from __future__ import annotations

import io
import socket
import threading
import time

import pytest

from agentv_resume.web import server as serve_module

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def server(project, monkeypatch):
    """Start serve() in a thread; yields (host, port); stops it afterwards."""

    def start(**limits):
        for name, value in limits.items():
            monkeypatch.setattr(serve_module, name, value)
        ready = threading.Event()
        found = {}

        def on_ready(srv, url):
            found["server"], found["url"] = srv, url
            ready.set()

        thread = threading.Thread(target=serve_module.serve, kwargs=dict(
            projects=[str(project)], port=0, out=io.StringIO(), err=io.StringIO(), ready=on_ready), daemon=True)
        thread.start()
        assert ready.wait(20), "the server did not start"
        started.append((found["server"], thread))
        port = int(found["url"].rsplit(":", 1)[1].strip("/"))
        return port

    started: list = []
    yield start
    for srv, thread in started:
        # Closed from the server's own loop thread (through its trigger): the
        # loop ends with its map empty and serve() returns as after a Ctrl-C.
        srv.trigger.pull_trigger(lambda srv=srv: serve_module._close_map(srv._map))
        thread.join(10)
        assert not thread.is_alive()


def _get(port: int, path: str = "/api/runs", host: str | None = None, timeout: float = 5.0) -> tuple[bytes, socket.socket]:
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host or f'127.0.0.1:{port}'}\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data, sock


def _status(data: bytes) -> int:
    return int(data.split(b" ", 2)[1])


def _idle(port: int, count: int) -> list[socket.socket]:
    return [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(count)]


def test_120_idle_connections_do_not_lock_anyone_out(server):
    port = server()
    idle = _idle(port, 120)
    try:
        time.sleep(0.5)
        started = time.monotonic()
        data, sock = _get(port)
        sock.close()
        assert _status(data) == 200
        assert time.monotonic() - started < 5
    finally:
        for sock in idle:
            sock.close()


@pytest.mark.parametrize("extra", [1, 15])
def test_idle_connections_beyond_the_limit_time_out_and_the_server_answers_again(server, extra):
    port = server(CONNECTION_LIMIT=20, CHANNEL_TIMEOUT=1, CLEANUP_INTERVAL=0.3)
    idle = _idle(port, 20 + extra)
    try:
        started = time.monotonic()
        data, sock = _get(port, timeout=15)
        sock.close()
        assert _status(data) == 200
        assert time.monotonic() - started < 10
    finally:
        for sock in idle:
            sock.close()


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1.evil.example:1", "localhost:1"])
def test_a_refused_request_has_its_connection_closed(server, host):
    port = server()
    data, sock = _get(port, host=host)
    try:
        assert _status(data) == 421
        assert b"connection: close" in data.lower()
        sock.settimeout(5)
        rest = b""
        while True:  # read the body out; then the server must close
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
    finally:
        sock.close()


def test_an_answered_request_keeps_its_connection(server):
    port = server()
    data, sock = _get(port)
    try:
        assert _status(data) == 200
        assert b"connection: close" not in data.lower()
    finally:
        sock.close()
