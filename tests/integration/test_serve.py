"""`studio-resume serve`: a real server process on a free port, and the in-process error paths."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from agentv_resume.web import server as serve_module

URL_LINE = re.compile(r"^studio-resume: serving (.+) at (http://127\.0\.0\.1:(\d+)/)$")


class Served:
    def __init__(self, proc: subprocess.Popen, url: str, port: int, first_lines: list[str]):
        self.proc, self.url, self.port, self.first_lines = proc, url, port, first_lines

    def request(self, path: str, *, method: str = "GET", body=None, headers=None) -> tuple[int, bytes]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url.rstrip("/") + path, data=data, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as err:
            with err:
                return err.code, err.read()

    def interrupt(self) -> tuple[int, str]:
        self.proc.send_signal(signal.SIGINT)
        try:
            _, err = self.proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()
            raise AssertionError("serve did not exit on Ctrl-C")
        return self.proc.returncode, err


def _start(args: list[str], *, cwd: Path, env: dict | None = None, timeout: float = 20.0) -> Served:
    proc = subprocess.Popen([sys.executable, "-m", "agentv_resume", *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        match = URL_LINE.match(lines[-1])
        if match:
            # Keep draining stdout so the server never blocks on a full pipe.
            threading.Thread(target=proc.stdout.read, daemon=True).start()
            return Served(proc, match.group(2), int(match.group(3)), lines)
    proc.kill()
    out, err = proc.communicate()
    raise AssertionError(f"serve printed no URL: {lines} {out} {err}")


@pytest.fixture
def started():
    servers: list[Served] = []

    def start(*args, **kw) -> Served:
        served = _start(list(args), **kw)
        servers.append(served)
        return served

    yield start
    for served in servers:
        if served.proc.poll() is None:
            served.proc.kill()
            served.proc.communicate()


def test_serves_a_project_on_a_free_port_and_stops_quietly(project, started, tmp_path):
    served = started("--project", str(project), "serve", "--port", "0", cwd=tmp_path)
    assert served.port > 0
    assert served.first_lines[0] == f"studio-resume: serving {project} at {served.url}"
    status, body = served.request("/api/runs")
    assert status == 200
    assert {run["id"] for run in json.loads(body)["runs"]} == {"errored", "all-ok", "quality-only", "interrupted"}
    status, body = served.request("/runs/errored")
    assert status == 200 and b'data-testid="resume-run-button"' in body
    # The real port is part of the allowed Host set; another port is not.
    assert served.request("/api/runs", headers={"Host": f"localhost:{served.port}"})[0] == 200
    assert served.request("/api/runs", headers={"Host": f"127.0.0.1:{served.port + 1}"})[0] == 421
    assert served.request("/api/runs", headers={"Host": "evil.example"})[0] == 421
    # Several requests at once (a threaded server, not wsgiref).
    results = []
    threads = [threading.Thread(target=lambda: results.append(served.request("/api/runs")[0])) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200] * 8
    code, err = served.interrupt()
    assert code == 0
    assert "Traceback" not in err


def test_finds_the_project_from_the_current_directory(project, started):
    served = started("serve", "--port", "0", cwd=project / "evals")
    assert str(project) in served.first_lines[0]
    assert served.interrupt()[0] == 0


def test_read_only_server(project, started, tmp_path):
    served = started("--project", str(project), "serve", "--port", "0", "--read-only", cwd=tmp_path)
    assert "(read-only)" in served.first_lines[0]
    status, body = served.request("/api/eval/run", method="POST", body={"suite_filter": "evals/greetings.yaml"},
                                  headers={"Content-Type": "application/json"})
    assert status == 403 and "read-only" in json.loads(body)["error"]
    served.interrupt()


def test_several_projects(project, tmp_path, started):
    other = tmp_path / "elsewhere" / "proj"
    shutil.copytree(project, other)
    served = started("--project", str(project), "--project", str(other), "serve", "--port", "0", cwd=tmp_path)
    benchmarks = json.loads(served.request("/api/benchmarks")[1])["benchmarks"]
    assert [b["id"] for b in benchmarks] == ["proj", "proj-2"]
    assert served.request("/api/benchmarks/proj-2/runs")[0] == 200
    served.interrupt()


def test_non_loopback_host_warns(project, started, tmp_path):
    served = started("--project", str(project), "serve", "--host", "0.0.0.0", "--port", "0", cwd=tmp_path)
    assert served.request("/api/runs")[0] == 200
    code, err = served.interrupt()
    assert code == 0
    assert "warning: listening on 0.0.0.0" in err


def test_demo(started, tmp_path):
    pytest.importorskip("agentv_resume.demo")
    served = started("serve", "--demo", "--port", "0", cwd=tmp_path,
                     env={"AGENTV_BIN": str(tmp_path / "no-agentv")})
    copied = [line for line in served.first_lines if "demo project copied to" in line]
    assert copied, served.first_lines
    demo_root = Path(copied[0].split("copied to ", 1)[1].split(" (", 1)[0])
    try:
        assert (demo_root / ".agentv").is_dir()
        runs = json.loads(served.request("/api/runs")[1])["runs"]
        assert runs
        run_id = next(r["id"] for r in runs if r["state"] == "errored")
        detail = json.loads(served.request(f"/api/runs/{run_id}")[1])
        body = {"suite_filter": detail["suite_filter"], "output": detail["run_dir"], "resume": True}
        status, answer = served.request("/api/eval/run", method="POST", body=body,
                                        headers={"Content-Type": "application/json"})
        assert status == 503 and "AGENTV_BIN" in json.loads(answer)["error"]
        code, err = served.interrupt()
        assert code == 0
        assert "Resume and Rerun failed will answer 503" in err and "npm install" in err
    finally:
        shutil.rmtree(demo_root.parent, ignore_errors=True)


# --- in process: the paths that end before serving --------------------------------------

def _serve(**kw) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = serve_module.serve(out=out, err=err, **kw)
    return code, out.getvalue(), err.getvalue()


def test_no_project_is_exit_5(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = _serve(projects=[], port=0)
    assert code == 5
    assert "no agentv project" in err and "--project" in err
    assert out == ""


def test_a_project_that_is_not_one_is_exit_5(tmp_path, project):
    code, _, err = _serve(projects=[str(project), str(tmp_path / "nope")], port=0)
    assert code == 5 and "not an agentv project" in err


def test_port_in_use(project):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = _serve(projects=[str(project)], port=port)
    assert code == 1
    assert f"cannot listen on 127.0.0.1:{port}: the port is already in use" in err and "--port 0" in err
    # Who holds it (this test's own process) and a port that is free now.
    if sys.platform == "linux":
        assert f"by process {os.getpid()}" in err
    offered = int(err.split("add --port ", 1)[1].split()[0])
    assert offered > port


def test_open_browser(project, monkeypatch):
    opened = threading.Event()
    urls = []

    def fake_open(url):
        urls.append(url)
        opened.set()

    monkeypatch.setattr(serve_module.webbrowser, "open", fake_open)
    monkeypatch.setattr(serve_module, "_run", lambda server: serve_module.close_server(server) or 0)
    code, out, _ = _serve(projects=[str(project)], port=0, open_browser=True)
    assert code == 0
    assert opened.wait(5)
    assert urls[0] in out and urls[0].startswith("http://127.0.0.1:")


def test_a_non_loopback_host_needs_to_be_given(project, monkeypatch):
    seen = {}
    monkeypatch.setattr(serve_module, "_run", lambda server: seen.update(host=server.effective_host) or serve_module.close_server(server) or 0)
    code, _, err = _serve(projects=[str(project)], host="0.0.0.0", host_given=False, port=0)
    assert code == 0 and seen["host"] == "127.0.0.1" and "listening on" not in err


def test_missing_agentv_warns(project, monkeypatch, tmp_path):
    monkeypatch.setenv("AGENTV_BIN", str(tmp_path / "none"))
    monkeypatch.setattr(serve_module, "_run", lambda server: serve_module.close_server(server) or 0)
    code, _, err = _serve(projects=[str(project)], port=0)
    assert code == 0 and "launches will answer 503" in err


def test_ctrl_c_just_after_the_address_is_printed_is_a_quiet_stop(project, monkeypatch):
    """A Ctrl-C that lands between the "serving" line and waitress's loop
    (test_finds_the_project_from_the_current_directory sends one there)."""
    closed = []
    close = serve_module.close_server
    monkeypatch.setattr(serve_module, "close_server", lambda server: closed.append(server) or close(server))

    class CtrlCOnServing(io.StringIO):
        def write(self, text):
            if "serving" in text:
                raise KeyboardInterrupt
            return super().write(text)

    code = serve_module.serve(projects=[str(project)], port=0, out=CtrlCOnServing(), err=io.StringIO())
    assert code == 0 and len(closed) == 1


def test_url_for():
    assert serve_module.url_for("0.0.0.0", 80) == "http://127.0.0.1:80/"
    assert serve_module.url_for("::1", 3117) == "http://[::1]:3117/"
    assert serve_module.url_for("localhost", 3117) == "http://localhost:3117/"
