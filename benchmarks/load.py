#!/usr/bin/env python3
"""Load: many browser tabs polling a live job and its run, against a real server.

usage: python benchmarks/load.py [--clients 50] [--seconds 20] [--connections mixed|keep-alive|fresh]
                                 [--out FILE]

Copies the fixture project (tests/fixtures/agentv-project) to a temporary
directory, starts `studio-resume serve` on a free loopback port with a
stand-in agentv (prints a line every 50 ms, appends a result row every
second), launches a resume of the `interrupted` run through the API, and
then runs ``--clients`` threads for ``--seconds``: each polls, round robin,
the job's status (as the job page does: with and without ``?since=``), the
run's JSON detail, another run's detail and the run page.  Half the clients
keep their connection alive, half open a fresh one per request (``mixed``).

Reports requests, errors and p50 / p99 / max latency per route, checks that
the job was running throughout and stops it at the end.  Exit code 1 on any
error or non-200 answer (or if the job misbehaved).  Every loop is bounded:
by the deadline and by ``--max-requests`` per client.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "fixtures" / "agentv-project"
RUNS = ".agentv/results/runs/default"
RUN = "interrupted"
OTHER_RUN = "errored"

STAND_IN = r"""#!{python}
import json, os, sys, time
args = sys.argv[1:]
out = args[args.index("--output") + 1] if "--output" in args else "."
deadline = time.monotonic() + {seconds}
n = 0
print("stand-in agentv", " ".join(args), flush=True)
while time.monotonic() < deadline:
    n += 1
    print("[%d] long-%d: working on it... ✓" % (n, n), flush=True)
    if n % 20 == 0:
        row = {{"test_id": "load-%d" % n, "suite": "long", "target": "default", "score": 1,
               "execution_status": "ok"}}
        with open(os.path.join(out, "index.jsonl"), "a") as handle:
            handle.write(json.dumps(row) + "\n")
    time.sleep(0.05)
"""


def fill_project(root: Path) -> None:
    shutil.copytree(FIXTURE, root)
    for path in (root / ".agentv").rglob("*"):
        if path.is_file() and path.suffix in (".json", ".jsonl"):
            text = path.read_text(encoding="utf-8")
            if "{PROJECT_ROOT}" in text:
                path.write_text(text.replace("{PROJECT_ROOT}", str(root)), encoding="utf-8")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(conn: http.client.HTTPConnection, method: str, path: str, body: bytes | None = None):
    headers = {"Content-Type": "application/json"} if body is not None else {}
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def call(port: int, method: str, path: str, payload=None, timeout: float = 30.0):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        status, data = request(conn, method, path, json.dumps(payload).encode() if payload is not None else None)
    finally:
        conn.close()
    return status, json.loads(data) if data else None


def wait_port(port: int, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited early ({proc.returncode})")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"the server did not listen on {port} within {timeout} s")


class Client(threading.Thread):
    def __init__(self, n: int, port: int, routes: list[tuple[str, str]], keep_alive: bool, deadline: float,
                 max_requests: int, timeout: float):
        super().__init__(name=f"client-{n}", daemon=True)
        self.port, self.routes, self.keep_alive = port, routes, keep_alive
        self.deadline, self.max_requests, self.timeout = deadline, max_requests, timeout
        self.offset = n % len(routes)  # clients start on different routes
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.since = 0

    def _path(self, name: str, path: str) -> str:
        return f"{path}?since={self.since}" if name == "status?since" else path

    def run(self) -> None:
        conn = None
        for count in range(self.max_requests):
            if time.monotonic() >= self.deadline:
                break
            name, path = self.routes[(count + self.offset) % len(self.routes)]
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            start = time.perf_counter()
            try:
                status, data = request(conn, "GET", self._path(name, path))
            except (OSError, http.client.HTTPException) as exc:
                self.errors.append(f"{name}: {type(exc).__name__}: {exc}")
                conn.close()
                conn = None
                continue
            self.latencies[name].append(time.perf_counter() - start)
            if status != 200:
                self.errors.append(f"{name}: HTTP {status}: {data[:200]!r}")
            elif name == "status?since":
                self.since = json.loads(data).get("log_offset", self.since)
            if not self.keep_alive:
                conn.close()
                conn = None
        if conn is not None:
            conn.close()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def stop_job(port: int, project: Path, job_id: str) -> str:
    call(port, "POST", f"/api/eval/run/{job_id}/stop", {})
    deadline = time.monotonic() + 30
    status = "?"
    while time.monotonic() < deadline:
        status = call(port, "GET", f"/api/eval/status/{job_id}")[1]["status"]
        if status in ("finished", "failed", "stopped", "lost"):
            return status
        time.sleep(0.1)
    record = json.loads((project / ".agentv" / "studio-resume" / "jobs" / job_id / "job.json").read_text())
    if record.get("agentv_pid"):
        try:
            os.killpg(record["agentv_pid"], signal.SIGKILL)
        except OSError:
            pass
    return status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--connections", choices=("mixed", "keep-alive", "fresh"), default="mixed")
    parser.add_argument("--max-requests", type=int, default=100_000, help="per client (a bound, not a goal)")
    parser.add_argument("--timeout", type=float, default=30.0, help="socket timeout per request")
    parser.add_argument("--p99-goal", type=float, default=1.0, help="seconds; reported beside each p99")
    parser.add_argument("--out", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="studio-resume-load-"))
    server = None
    failures: list[str] = []
    try:
        project = tmp / "proj"
        fill_project(project)
        stand_in = tmp / "agentv"
        stand_in.write_text(STAND_IN.format(python=sys.executable, seconds=args.seconds + 120))
        stand_in.chmod(0o755)
        port = free_port()
        log = open(tmp / "server.log", "wb")
        env = {**os.environ, "AGENTV_BIN": str(stand_in), "PYTHONPATH": str(REPO)}
        server = subprocess.Popen(
            [sys.executable, "-m", "agentv_resume", "--project", str(project), "serve", "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, start_new_session=True)
        wait_port(port, server)

        body = {"suite_filter": "evals/long.yaml", "target": ["default"], "output": f"{RUNS}/{RUN}", "resume": True}
        status, launched = call(port, "POST", "/api/eval/run", body)
        if status != 202:
            raise SystemExit(f"launch answered {status}: {launched}")
        job_id = launched["id"]
        deadline = time.monotonic() + 15
        while call(port, "GET", f"/api/eval/status/{job_id}")[1]["status"] != "running":
            if time.monotonic() > deadline:
                raise SystemExit("the job did not start running within 15 s")
            time.sleep(0.05)

        routes = [
            ("status", f"/api/eval/status/{job_id}"),
            ("status?since", f"/api/eval/status/{job_id}"),
            ("run detail (API)", f"/api/runs/{RUN}"),
            ("other run detail (API)", f"/api/runs/{OTHER_RUN}"),
            ("run page", f"/runs/{RUN}"),
        ]
        start = time.monotonic()
        deadline = start + args.seconds
        clients = [Client(n, port, routes,
                          keep_alive=args.connections == "keep-alive" or (args.connections == "mixed" and n % 2 == 0),
                          deadline=deadline, max_requests=args.max_requests, timeout=args.timeout)
                   for n in range(args.clients)]
        for client in clients:
            client.start()
        for client in clients:
            client.join(args.seconds + args.timeout + 30)
            if client.is_alive():
                failures.append(f"{client.name} did not finish")
        elapsed = time.monotonic() - start

        status_after = call(port, "GET", f"/api/eval/status/{job_id}")[1]
        if status_after["status"] != "running":
            failures.append(f"the job was {status_after['status']} after the load, not running")
        progress = status_after["progress"]
        final = stop_job(port, project, job_id)
        if final != "stopped":
            failures.append(f"the job ended {final}, not stopped")

        latencies: dict[str, list[float]] = defaultdict(list)
        errors: list[str] = []
        for client in clients:
            errors += client.errors
            for name, values in client.latencies.items():
                latencies[name] += values
        total = sum(len(values) for values in latencies.values())
        everything = [value for values in latencies.values() for value in values]

        lines = [
            f"studio-resume load: {args.clients} clients ({args.connections} connections), "
            f"{elapsed:.1f} s, waitress on 127.0.0.1, stand-in agentv printing every 50 ms",
            f"requests {total}  ({total / elapsed:.0f}/s)   errors/non-200 {len(errors)}   "
            f"job progress at the end {progress['done']}/{progress['planned']}",
            f"{'route':<24} {'requests':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}",
        ]
        for name, _ in routes:
            values = latencies.get(name, [])
            lines.append(f"{name:<24} {len(values):>8} {percentile(values, .5) * 1000:>8.1f} "
                         f"{percentile(values, .99) * 1000:>8.1f} {max(values, default=0) * 1000:>8.1f}")
        p99 = percentile(everything, .99)
        lines.append(f"{'all':<24} {total:>8} {percentile(everything, .5) * 1000:>8.1f} {p99 * 1000:>8.1f} "
                     f"{max(everything, default=0) * 1000:>8.1f}   (p99 goal < {args.p99_goal * 1000:.0f} ms: "
                     f"{'ok' if p99 < args.p99_goal else 'MISSED'})")
        log.flush()
        server_log = (tmp / "server.log").read_text(errors="replace")
        tracebacks = server_log.count("Traceback")
        if tracebacks:
            failures.append(f"{tracebacks} traceback(s) in the server's log")
        if "Task queue depth" in server_log:
            lines.append("note: waitress reported a task queue (all threads busy) during the run")
        for error in sorted(set(errors))[:10]:
            lines.append(f"error: {error}")
        failures += [f"{len(errors)} errors or non-200 answers"] if errors else []
        failures += [] if total else ["no request was answered"]
        for failure in failures:
            lines.append(f"FAILED: {failure}")
        report = "\n".join(lines)
        print(report)
        if args.out:
            args.out.write_text(report + "\n")
        return 1 if failures else 0
    finally:
        if server is not None:
            try:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
