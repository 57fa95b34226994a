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
LOCAL_AGENTV = REPO / ".tools" / "agentv" / "node_modules" / ".bin" / "agentv"  # scripts/setup installs it
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
        shown = f"{value:>10.3f}" if abs(value) < 1 else f"{value:>10.1f}"
        print(f"  {name:<56} {shown} {unit:<4} {goal:<10} {mark}", flush=True)


def median_of(fn, repeats: int) -> float:
    return statistics.median(fn() for _ in range(repeats))


def _ok(answer, what: str) -> tuple[float, float, int, bytes]:
    """A measurement only counts when the answer is the real one."""
    if answer[2] != 200:
        raise RuntimeError(f"{what} answered {answer[2]}: {answer[3][:200]!r}")
    return answer


def _first_request(start_server, path: str, what: str) -> float:
    """Cold: the first request a freshly started server answers (nothing read yet), ms."""
    server = start_server()
    try:
        return _ok(get(server.port, path), what)[1] * 1000
    finally:
        server.close()


def bench_http(report: Report, big_project: Path, many_project: Path, agentv: str | None, repeats: int, tmp: Path):
    print("\nHTTP (each on a fresh connection; warm: median of interleaved repeats; cold: first request, ms)")
    cold = {
        "detail": _first_request(lambda: ours(big_project), "/api/runs/big", "our run detail"),
        "list": _first_request(lambda: ours(many_project), "/api/runs", "our runs list"),
        "list300": _first_request(lambda: ours(big_project), "/api/runs", "our runs list"),
        "page_first": None,
    }
    server = ours(big_project)
    try:
        first, total, _, _ = _ok(get(server.port, "/runs/big"), "our run page")
        cold["page_first"], cold["page_total"] = first * 1000, total * 1000
    finally:
        server.close()
    if agentv:
        cold["a_detail"] = _first_request(lambda: agentvs(agentv, big_project, tmp / "home-c1"), "/api/runs/big",
                                          "agentv's run detail")
        cold["a_list"] = _first_request(lambda: agentvs(agentv, many_project, tmp / "home-c2"), "/api/runs",
                                        "agentv's runs list")
    server = ours(big_project)
    many = ours(many_project)
    theirs = theirs_many = None
    if agentv:
        theirs = agentvs(agentv, big_project, tmp / "home1")
        theirs_many = agentvs(agentv, many_project, tmp / "home2")
    try:
        # What is measured is the real answer: every run, every row.
        assert len(json.loads(_ok(get(server.port, "/api/runs/big"), "detail")[3])["results"]) == BIG_RECORDS
        assert len(json.loads(_ok(get(many.port, "/api/runs"), "list")[3])["runs"]) == MANY_RUNS
        if theirs:
            assert len(json.loads(_ok(get(theirs.port, "/api/runs/big"), "agentv")[3])["results"]) == BIG_RECORDS
            assert len(json.loads(_ok(get(theirs_many.port, "/api/runs"), "agentv")[3])["runs"]) == MANY_RUNS
        samples = {k: [] for k in ("detail", "list", "list300", "page_first", "page_total",
                                   "a_detail", "a_list", "a_list300")}
        for _ in range(repeats):
            samples["detail"].append(_ok(get(server.port, "/api/runs/big"), "detail")[1])
            samples["list"].append(_ok(get(many.port, "/api/runs"), "list")[1])
            samples["list300"].append(_ok(get(server.port, "/api/runs"), "list")[1])
            first, total, _, _ = _ok(get(server.port, "/runs/big"), "page")
            samples["page_first"].append(first)
            samples["page_total"].append(total)
            if theirs:
                samples["a_detail"].append(_ok(get(theirs.port, "/api/runs/big"), "agentv detail")[1])
                samples["a_list"].append(_ok(get(theirs_many.port, "/api/runs"), "agentv list")[1])
                samples["a_list300"].append(_ok(get(theirs.port, "/api/runs"), "agentv list")[1])
        med = {k: statistics.median(v) * 1000 for k, v in samples.items() if v}
        report.add("run-detail API, 20k records, warm", med["detail"], "ms", "", None)
        report.add("run-detail API, 20k records, cold", cold["detail"], "ms", "", None)
        report.add("runs list, 2,000 runs, warm", med["list"], "ms", "", None)
        report.add("runs list, 2,000 runs, cold", cold["list"], "ms", "", None)
        report.add("runs list, 301 runs (one of 20k records), warm", med["list300"], "ms", "", None)
        report.add("runs list, 301 runs (one of 20k records), cold", cold["list300"], "ms", "", None)
        report.add("run page 20k records: first byte", med["page_first"], "ms", "< 100 ms", med["page_first"] < 100)
        report.add("run page 20k records: whole page", med["page_total"], "ms", "< 300 ms", med["page_total"] < 300)
        report.add("run page 20k records: first byte, cold", cold["page_first"], "ms", "", None)
        report.add("run page 20k records: whole page, cold", cold["page_total"], "ms", "", None)
        if theirs:
            report.add("agentv serve: run-detail API, 20k records", med["a_detail"], "ms", "", None)
            report.add("agentv serve: run-detail API, cold", cold["a_detail"], "ms", "", None)
            report.add("agentv serve: runs list, 2,000 runs", med["a_list"], "ms", "", None)
            report.add("agentv serve: runs list, 2,000 runs, cold", cold["a_list"], "ms", "", None)
            report.add("agentv serve: runs list, 301 runs", med["a_list300"], "ms", "", None)
            for name, ours_key, theirs_key in (("run-detail API", "detail", "a_detail"),
                                               ("runs list, 2,000 runs", "list", "a_list"),
                                               ("runs list, 301 runs", "list300", "a_list300")):
                ratio = med[theirs_key] / med[ours_key]
                report.add(f"ratio agentv/ours: {name} (warm)", ratio, "x", ">= 10x", ratio >= 10)
            for name, ours_key, theirs_key in (("run-detail API", "detail", "a_detail"),
                                               ("runs list, 2,000 runs", "list", "a_list")):
                report.add(f"ratio agentv/ours: {name} (both cold)", cold[theirs_key] / cold[ours_key], "x", "", None)
    finally:
        for s in (server, many, theirs, theirs_many):
            if s:
                s.close()


def bench_inspect(report: Report, big_project: Path, repeats: int) -> None:
    print("\ninspect")
    # The console script installed beside this interpreter (what a user runs).
    exe = Path(sys.executable).parent / "studio-resume"
    argv = [str(exe)] if exe.exists() else [sys.executable, "-m", "agentv_resume"]

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
    write_run(run_dir, root, 1, templates, rng, planned=2 * BIG_RECORDS)  # done never reaches planned
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
            done = store.status(job)["progress"]["done"]  # the poll that reads the new bytes
            samples = []
            for n in range(repeats):
                out.write(_row(templates[0], f"extra-{size}-{n}", "ok") + "\n")
                out.flush()
                start = time.perf_counter()
                progress = store.status(job)["progress"]
                samples.append(time.perf_counter() - start)
                # A fast poll that missed the row would be no poll at all.
                if progress["done"] != done + 1:
                    raise RuntimeError(f"the poll at {size} saw {progress['done']} cases done, not {done + 1}")
                done += 1
            costs[size] = statistics.median(samples) * 1000
    for size, cost in costs.items():
        report.add(f"status poll at {size:,} records (one new row)", cost, "ms", "", None)
    from agentv_resume.indexfile import read_index

    reread = median_of(lambda: _timed(lambda: read_index(run_dir / "index.jsonl")), 3) * 1000
    report.add("for scale: reading that 20k index.jsonl whole", reread, "ms", "", None)
    growth = costs[20_000] / costs[1_000]
    report.add("poll cost 20k / 1k (flat = reads new bytes only)", growth, "x", "< 3x", growth < 3)


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# A shell stand-in: its start-up costs ~1 ms, so the launch figure is ours.
STAND_IN = """#!/bin/sh
date +%s.%N > "$STANDIN_MARK"
if [ "${STANDIN_BYTES:-0}" -gt 0 ]; then
  yes 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' | head -c "$STANDIN_BYTES"
fi
exit 0
"""


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
        value = statistics.median(latencies)
        report.add("launch: request sent → agentv started", value, "ms", "< 50 ms", value < 50)
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
    parser.add_argument("--agentv", default=os.environ.get("AGENTV_BIN") or shutil.which("agentv")
                        or (str(LOCAL_AGENTV) if LOCAL_AGENTV.exists() else None),
                        help="agentv to compare with (default: $AGENTV_BIN, agentv on PATH, scripts/setup's)")
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
