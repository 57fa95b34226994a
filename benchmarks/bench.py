#!/usr/bin/env python3
"""Measure studio-resume on big runs, many runs and long jobs — next to `agentv serve`.

usage: python benchmarks/bench.py [--repeats N] [--agentv PATH] [--skip-agentv] [--json OUT]

Builds a synthetic project from real record shapes (rows agentv 4.42.4 wrote
for tests/fixtures/agentv-project): one 20,000-record run, 300 small runs, and
a second project with 2,000 runs.  Then, in one process, interleaving the
repeats and taking medians, it measures every goal of the performance issue
and prints each figure with its goal beside it.  Exit code 1 when a goal is
missed.  Everything runs on loopback; every loop is bounded.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "fixtures" / "agentv-project"
RUNS = Path(".agentv/results/runs/default")
BIG_RECORDS = 20_000
SMALL_RUNS = 300
MANY_RUNS = 2_000


# --- building projects ---------------------------------------------------------

def _templates() -> list[dict]:
    rows = []
    for name in ("errored", "interrupted", "quality-only"):
        for line in (FIXTURE / RUNS / name / "index.jsonl").read_text().splitlines():
            if line.strip():
                rows.append(json.loads(line))
    return rows


def _row(template: dict, test_id: str, status: str) -> str:
    row = dict(template)
    row["test_id"] = test_id
    row["execution_status"] = status
    row["score"] = 1 if status == "ok" else 0
    if status == "execution_error":
        row["error"] = f"agent crashed on {test_id} (exit code 3)"
    else:
        row.pop("error", None)
    return json.dumps(row, separators=(",", ":"))


def _statuses(count: int, rng: random.Random) -> list[str]:
    return rng.choices(["ok", "quality_failure", "execution_error"], weights=[90, 6, 4], k=count)


def write_run(run_dir: Path, project: Path, count: int, templates, rng, planned: int | None = None) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    with open(run_dir / "index.jsonl", "w") as out:
        for n, status in enumerate(_statuses(count, rng)):
            out.write(_row(templates[n % len(templates)], f"case-{n:05d}", status) + "\n")
    meta = {"eval_file": str(project / "evals" / "greetings.yaml"), "targets": ["default"],
            "experiment": "default", "planned_test_count": planned or count,
            "timestamp": "2026-11-24T12:00:00.000Z"}
    (run_dir / "benchmark.json").write_text(json.dumps({"metadata": meta}))


def build_project(root: Path, *, big: bool, small_runs: int) -> Path:
    rng = random.Random(7)
    templates = _templates()
    root.mkdir(parents=True)
    shutil.copytree(FIXTURE / "evals", root / "evals")
    (root / ".agentv").mkdir()
    shutil.copy(FIXTURE / ".agentv" / "targets.yaml", root / ".agentv" / "targets.yaml")
    runs = root / RUNS
    if big:
        write_run(runs / "big", root, BIG_RECORDS, templates, rng)
    for n in range(small_runs):
        write_run(runs / f"run-{n:04d}", root, 5, templates, rng, planned=6 if n % 3 == 0 else 5)
    last = runs / ("big" if big else "run-0000")
    (root / ".agentv" / "cache.json").write_text(json.dumps({"lastRunDir": str(last)}))
    return root


# --- servers -------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


class Server:
    def __init__(self, argv, port: int, env=None, cwd=None):
        self.port = port
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     stdin=subprocess.DEVNULL, env=env, cwd=cwd, start_new_session=True)
        wait_port(port)

    def rss_kb(self) -> int:
        with open(f"/proc/{self.proc.pid}/status") as handle:
            return int(re.search(r"VmRSS:\s+(\d+)", handle.read()).group(1))

    def close(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def ours(project: Path, extra_env=None) -> Server:
    port = free_port()
    env = {**os.environ, **(extra_env or {})}
    return Server([sys.executable, "-m", "agentv_resume", "--project", str(project), "serve",
                   "--port", str(port)], port, env=env)


def agentvs(agentv: str, project: Path, home: Path) -> Server:
    port = free_port()
    env = {**os.environ, "AGENTV_HOME": str(home), "AGENTV_NO_UPDATE_CHECK": "1"}
    return Server([agentv, "serve", "--single", "--dir", str(project), "--port", str(port)], port, env=env,
                  cwd=str(project))


def get(port: int, path: str, method: str = "GET", body: bytes | None = None, headers=None) -> tuple[float, float, int, bytes]:
    """(seconds to first byte, seconds to last byte, status, body) on a fresh connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    start = time.perf_counter()
    conn.request(method, path, body=body, headers={"Host": f"127.0.0.1:{port}", **(headers or {})})
    response = conn.getresponse()
    first = time.perf_counter() - start
    data = response.read()
    total = time.perf_counter() - start
    conn.close()
    return first, total, response.status, data


# --- measurements --------------------------------------------------------------

class Report:
    def __init__(self):
        self.rows: list[dict] = []

    def add(self, name: str, value: float, unit: str, goal: str, ok: bool | None) -> None:
        self.rows.append({"name": name, "value": value, "unit": unit, "goal": goal, "ok": ok})
        mark = "" if ok is None else ("PASS" if ok else "MISS")
        print(f"  {name:<52} {value:>10.1f} {unit:<4} {goal:<28} {mark}", flush=True)


def median_of(fn, repeats: int) -> float:
    return statistics.median(fn() for _ in range(repeats))


def bench_http(report: Report, big_project: Path, many_project: Path, agentv: str | None, repeats: int, tmp: Path):
    print("\nHTTP (median of interleaved repeats, ms)")
    server = ours(big_project)
    many = ours(many_project)
    theirs = theirs_many = None
    if agentv:
        theirs = agentvs(agentv, big_project, tmp / "home1")
        theirs_many = agentvs(agentv, many_project, tmp / "home2")
    try:
        # Cold: the very first request after start-up.
        cold_detail = get(server.port, "/api/runs/big")[1] * 1000
        cold_list = get(many.port, "/api/runs")[1] * 1000
        samples = {k: [] for k in ("detail", "list", "list300", "page_first", "page_total",
                                   "a_detail", "a_list")}
        for _ in range(repeats):
            samples["detail"].append(get(server.port, "/api/runs/big")[1])
            samples["list"].append(get(many.port, "/api/runs")[1])
            samples["list300"].append(get(server.port, "/api/runs")[1])
            first, total, status, _ = get(server.port, "/runs/big")
            samples["page_first"].append(first)
            samples["page_total"].append(total)
            if theirs:
                samples["a_detail"].append(get(theirs.port, "/api/runs/big")[1])
                samples["a_list"].append(get(theirs_many.port, "/api/runs")[1])
        med = {k: statistics.median(v) * 1000 for k, v in samples.items() if v}
        report.add("run-detail API, 20k records, cold (first request)", cold_detail, "ms", "", None)
        report.add("run-detail API, 20k records, warm", med["detail"], "ms", "", None)
        report.add("runs list, 2,000 runs, cold (first request)", cold_list, "ms", "", None)
        report.add("runs list, 2,000 runs, warm", med["list"], "ms", "", None)
        report.add("runs list, 301 runs, warm", med["list300"], "ms", "", None)
        report.add("run page 20k records: first byte", med["page_first"], "ms", "< 100 ms", med["page_first"] < 100)
        report.add("run page 20k records: whole page", med["page_total"], "ms", "< 300 ms", med["page_total"] < 300)
        if theirs:
            report.add("agentv serve: run-detail API, 20k records", med["a_detail"], "ms", "", None)
            report.add("agentv serve: runs list, 2,000 runs", med["a_list"], "ms", "", None)
            ratio_detail = med["a_detail"] / med["detail"]
            ratio_list = med["a_list"] / med["list"]
            report.add("ratio agentv/ours: run-detail API (warm)", ratio_detail, "x", ">= 10x", ratio_detail >= 10)
            report.add("ratio agentv/ours: runs list (warm)", ratio_list, "x", ">= 10x", ratio_list >= 10)
            report.add("ratio agentv/ours: run-detail API (our cold)", med["a_detail"] / cold_detail, "x", "", None)
            report.add("ratio agentv/ours: runs list (our cold)", med["a_list"] / cold_list, "x", "", None)
    finally:
        for s in (server, many, theirs, theirs_many):
            if s:
                s.close()


def bench_inspect(report: Report, big_project: Path, repeats: int) -> None:
    print("\ninspect")
    exe = shutil.which("studio-resume") or ""
    argv = [exe] if exe else [sys.executable, "-m", "agentv_resume"]

    def once() -> float:
        start = time.perf_counter()
        subprocess.run([*argv, "--project", str(big_project), "inspect", "big", "--json"],
                       stdout=subprocess.DEVNULL, check=True)
        return time.perf_counter() - start

    value = median_of(once, repeats) * 1000
    report.add("inspect --json, 20k records, wall (interpreter incl.)", value, "ms", "< 600 ms", value < 600)


def bench_poll(report: Report, tmp: Path, repeats: int) -> None:
    """Cost of one job-status poll as the run grows from 1k to 20k records."""
    print("\njob-status poll while the run grows")
    from agentv_resume import jobs, launch
    from agentv_resume.project import Project
    from agentv_resume.runs import RunReader

    root = tmp / "poll"
    rng = random.Random(3)
    templates = _templates()
    build_project(root, big=False, small_runs=0)
    run_dir = root / RUNS / "growing"
    write_run(run_dir, root, 1, templates, rng, planned=BIG_RECORDS)
    project, reader, store = Project(root), RunReader(root), jobs.JobStore(root)
    body = {"suite_filter": "evals/greetings.yaml", "target": "default",
            "output": str(run_dir.relative_to(root)), "resume": True}
    prepared = launch.prepare(body, project, reader)
    job, lock_fd = launch.start(prepared, project, reader, store, agentv="/bin/true")
    os.close(lock_fd)
    costs = {}
    written = 1
    with open(run_dir / "index.jsonl", "a") as out:
        for size in (1_000, 5_000, 10_000, 20_000):
            for n in range(written, size):
                out.write(_row(templates[n % len(templates)], f"case-{n:05d}", "ok") + "\n")
            out.flush()
            written = size
            store.status(job)  # the poll that reads the new bytes
            samples = []
            for _ in range(repeats):
                out.write(_row(templates[0], f"extra-{size}-{_}", "ok") + "\n")
                out.flush()
                start = time.perf_counter()
                store.status(job)
                samples.append(time.perf_counter() - start)
            costs[size] = statistics.median(samples) * 1000
    for size, cost in costs.items():
        report.add(f"status poll at {size:,} records (one new row)", cost, "ms", "", None)
    growth = costs[20_000] / costs[1_000]
    report.add("poll cost 20k / 1k (flat = reads new bytes only)", growth, "x", "< 3x", growth < 3)


STAND_IN = r'''#!/usr/bin/env python3
import os, sys, time
open(os.environ["STANDIN_MARK"], "w").write(repr(time.time()))
total = int(os.environ.get("STANDIN_BYTES", "0"))
line = (b"x" * 199) + b"\n"
chunk = line * 5000
sent = 0
while sent < total:
    sys.stdout.buffer.write(chunk)
    sent += len(chunk)
sys.stdout.flush()
'''


def bench_job(report: Report, tmp: Path, repeats: int) -> None:
    print("\nlaunch latency and server memory during a long job")
    root = tmp / "job"
    build_project(root, big=False, small_runs=repeats + 1)
    stand_in = tmp / "agentv-stand-in"
    stand_in.write_text(STAND_IN)
    stand_in.chmod(0o755)
    mark = tmp / "started"
    env = {"AGENTV_BIN": str(stand_in), "STANDIN_MARK": str(mark)}

    # Launch latency: POST sent → the stand-in's first statement ran.
    server = ours(root, {**env, "STANDIN_BYTES": "0"})
    try:
        latencies = []
        for n in range(repeats):
            mark.unlink(missing_ok=True)
            body = json.dumps({"suite_filter": "evals/greetings.yaml", "target": "default",
                               "output": f".agentv/results/runs/default/run-{n:04d}", "resume": True}).encode()
            sent = time.time()
            _, _, status, answer = get(server.port, "/api/eval/run", "POST", body, {"Content-Type": "application/json"})
            if status != 202:
                raise RuntimeError(f"launch answered {status}: {answer!r}")
            deadline = time.monotonic() + 10
            while not mark.exists() and time.monotonic() < deadline:
                time.sleep(0.002)
            while time.monotonic() < deadline:
                text = mark.read_text()
                if text:
                    break
                time.sleep(0.002)
            latencies.append((float(mark.read_text()) - sent) * 1000)
        # The stand-in is Python: its own start-up (~15 ms) is part of what we measure.
        value = statistics.median(latencies)
        report.add("launch: request → agentv running (stand-in start incl.)", value, "ms", "< 50 ms", value < 50)
    finally:
        server.close()

    # Memory: a job printing 200 MB while a client polls status and log.
    server = ours(root, {**env, "STANDIN_BYTES": str(200 * 1024 * 1024)})
    try:
        get(server.port, "/api/runs")
        get(server.port, "/api/runs/run-0000")
        before = server.rss_kb()
        body = json.dumps({"suite_filter": "evals/greetings.yaml", "target": "default",
                           "output": ".agentv/results/runs/default/run-0000", "resume": True}).encode()
        _, _, status, answer = get(server.port, "/api/eval/run", "POST", body, {"Content-Type": "application/json"})
        job_id = json.loads(answer)["id"]
        peak = before
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            _, _, _, data = get(server.port, f"/api/eval/status/{job_id}")
            peak = max(peak, server.rss_kb())
            if json.loads(data)["status"] not in ("starting", "running"):
                break
            time.sleep(0.2)
        log = root / ".agentv" / "studio-resume" / "jobs" / job_id / "output.log"
        size_mb = log.stat().st_size / 1024 / 1024
        growth = (peak - before) / 1024
        report.add(f"server RSS growth while a job printed {size_mb:.0f} MB", growth, "MB", "< 30 MB", growth < 30)
    finally:
        server.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--agentv", default=os.environ.get("AGENTV_BIN") or shutil.which("agentv"))
    parser.add_argument("--skip-agentv", action="store_true", help="do not run `agentv serve` for ratios")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    agentv = None if args.skip_agentv else args.agentv
    report = Report()
    tmp = Path(tempfile.mkdtemp(prefix="studio-resume-bench-"))
    try:
        print(f"building projects in {tmp} ...", flush=True)
        big = build_project(tmp / "big", big=True, small_runs=SMALL_RUNS)
        many = build_project(tmp / "many", big=False, small_runs=MANY_RUNS)
        size = (big / RUNS / "big" / "index.jsonl").stat().st_size / 1024 / 1024
        print(f"20k-record index.jsonl: {size:.1f} MB; agentv serve: {agentv or 'not run'}")
        bench_http(report, big, many, agentv, args.repeats, tmp)
        bench_inspect(report, big, args.repeats)
        bench_poll(report, tmp, args.repeats)
        bench_job(report, tmp, max(3, args.repeats))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(report.rows, indent=1))
    missed = [row["name"] for row in report.rows if row["ok"] is False]
    print(f"\n{len(report.rows)} figures; goals missed: {len(missed)}")
    for name in missed:
        print(f"  MISSED: {name}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
