#!/usr/bin/env python3
"""Measure studio-resume on big runs, many runs and many jobs — next to `agentv serve`.

usage: python benchmarks/bench.py [--repeats N] [--agentv PATH] [--skip-agentv] [--json OUT]
                                  [--smoke] [--only SECTION]...

Builds synthetic projects from real record shapes (rows agentv 4.42.4 wrote
for tests/fixtures/agentv-project, see gen.py): a 20,000-record run, projects
of 300, 2,000 and 50,000 small runs, a 500,000-record run (~850 MB) and
3,000 past jobs.  Then it measures every goal of the performance issues and
prints each figure with its goal and HELD / MISSED beside it, and `agentv
serve`'s figure where agentv gives the same answer.  Warm figures are
medians of interleaved repeats; cold ones the first request a freshly
started server answers.  Exit code 1 when a goal is missed.

--smoke runs every measurement on tiny data (a few seconds; CI runs it): the
answers are checked, the goals are not judged.  Everything runs on
loopback; every loop is bounded.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen  # noqa: E402  (benchmarks/gen.py, beside this file)
import load  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
LOCAL_AGENTV = REPO / ".tools" / "agentv" / "node_modules" / ".bin" / "agentv"  # scripts/setup installs it
RUNS = Path(".agentv/results/runs/default")
SECTIONS = ("http", "many", "jobs", "huge", "load", "inspect", "poll", "job")


@dataclass(frozen=True)
class Sizes:
    big_records: int = 20_000      # the run of the original goals
    small_runs: int = 300          # beside it
    many_runs: int = 2_000
    huge_runs: int = 50_000
    huge_records: int = 500_000
    jobs: int = 3_000
    gone_job_runs: int = 1_000
    rss_runs: int = 5              # runs of big_records, with rss_jobs past jobs
    rss_jobs: int = 1_000
    load_clients: int = 50
    load_seconds: float = 20.0


FULL = Sizes()
SMOKE = Sizes(big_records=500, small_runs=20, many_runs=60, huge_runs=300, huge_records=3_000, jobs=40,
              gone_job_runs=20, rss_runs=2, rss_jobs=20, load_clients=4, load_seconds=1.5)


# --- servers -------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited early ({proc.returncode})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"nothing listens on port {port}")


class Server:
    def __init__(self, argv, port: int, env=None, cwd=None):
        self.port = port
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     stdin=subprocess.DEVNULL, env=env, cwd=cwd, start_new_session=True)
        try:
            wait_port(port, self.proc)
        except BaseException:
            self.close()
            raise

    def _status(self, field: str) -> int:
        with open(f"/proc/{self.proc.pid}/status") as handle:
            return int(re.search(field + r":\s+(\d+)", handle.read()).group(1))

    def rss_kb(self) -> int:
        return self._status("VmRSS")

    def peak_rss_kb(self) -> int:
        return self._status("VmHWM")

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

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def ours(project: Path, extra_env=None) -> Server:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO), **(extra_env or {})}
    return Server([sys.executable, "-m", "agentv_resume", "--project", str(project), "serve",
                   "--port", str(port)], port, env=env)


def agentvs(agentv: str, project: Path, home: Path) -> Server:
    port = free_port()
    env = {**os.environ, "AGENTV_HOME": str(home), "AGENTV_NO_UPDATE_CHECK": "1"}
    return Server([agentv, "serve", "--single", "--dir", str(project), "--port", str(port)], port, env=env,
                  cwd=str(project))


def get(port: int, path: str, method: str = "GET", body: bytes | None = None, headers=None) -> tuple[float, float, int, bytes]:
    """(seconds to first byte, seconds to last byte, status, body) on a fresh connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    start = time.perf_counter()
    conn.request(method, path, body=body, headers={"Host": f"127.0.0.1:{port}", **(headers or {})})
    response = conn.getresponse()
    first = time.perf_counter() - start
    data = response.read()
    total = time.perf_counter() - start
    conn.close()
    return first, total, response.status, data


def post_json(port: int, path: str, payload: dict) -> tuple[int, dict]:
    _, _, status, data = get(port, path, "POST", json.dumps(payload).encode(),
                             {"Content-Type": "application/json", "Origin": f"http://127.0.0.1:{port}"})
    return status, json.loads(data or b"{}")


# --- measurements --------------------------------------------------------------

class Report:
    def __init__(self, judge: bool = True):
        self.rows: list[dict] = []
        self.judge = judge

    def add(self, name: str, value: float, unit: str, goal: str = "", ok: bool | None = None,
            agentv: float | None = None) -> None:
        """One figure; ``ok``: whether it holds its goal (None: reported only);
        ``agentv``: agentv serve's figure for the same answer."""
        ok = ok if self.judge else None
        self.rows.append({"name": name, "value": value, "unit": unit, "goal": goal, "ok": ok, "agentv": agentv})
        mark = "" if ok is None else ("HELD" if ok else "MISSED")
        if goal and not self.judge:
            mark = "(smoke)"
        theirs = "" if agentv is None else f"agentv {_fmt(agentv)} {unit}"
        print(f"  {name:<60} {_fmt(value):>10} {unit:<3} {goal:<12} {mark:<7} {theirs}", flush=True)

    def missed(self) -> list[str]:
        return [row["name"] for row in self.rows if row["ok"] is False]


def _k(count: int) -> str:
    """20,000 → "20k"; small counts as they are."""
    return f"{count // 1000}k" if count >= 1000 and count % 1000 == 0 else f"{count:,}"


def _fmt(value: float) -> str:
    return f"{value:.3f}" if abs(value) < 1 else f"{value:,.1f}"


def median_of(fn, repeats: int) -> float:
    return statistics.median(fn() for _ in range(repeats))


def _ok(answer, what: str) -> tuple[float, float, int, bytes]:
    """A measurement only counts when the answer is the real one."""
    if answer[2] != 200:
        raise RuntimeError(f"{what} answered {answer[2]}: {answer[3][:200]!r}")
    return answer


def _first_request(start_server, path: str, what: str, check=None) -> float:
    """Cold: the first request a freshly started server answers (nothing read yet), ms."""
    with start_server() as server:
        answer = _ok(get(server.port, path), what)
    if check is not None:
        check(json.loads(answer[3]))
    return answer[1] * 1000


def _runs_count(expected: int, what: str):
    def check(data: dict) -> None:
        if len(data["runs"]) != expected:
            raise RuntimeError(f"{what} listed {len(data['runs'])} runs, not {expected}")
    return check


def _forget_summaries(project: Path) -> None:
    """Delete the saved run summaries (a cache: the next server rebuilds them)."""
    state = project / ".agentv" / "studio-resume"
    for path in state.glob("summaries*"):
        path.unlink()


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# --- sections --------------------------------------------------------------------

def bench_http(report: Report, sizes: Sizes, tmp: Path, agentv: str | None, repeats: int) -> None:
    """The runs list and run detail at 20k records / 300 and 2,000 runs, warm and cold."""
    big = gen.make_project(tmp / "big")
    gen.set_last(big, gen.make_big_run(big, sizes.big_records))
    gen.make_runs(big, sizes.small_runs)
    many = gen.make_project(tmp / "many")
    gen.set_last(many, gen.make_runs(many, sizes.many_runs)[-1])
    listed_big, listed_many = sizes.small_runs + 1, sizes.many_runs
    print(f"\nHTTP: a {sizes.big_records:,}-record run beside {sizes.small_runs} small ones; "
          f"{sizes.many_runs:,} small runs")
    cold = {
        "detail": _first_request(lambda: ours(big), "/api/runs/big", "our run detail"),
        "list_first": _first_request(lambda: ours(many), "/api/runs", "our runs list",
                                     _runs_count(listed_many, "our runs list")),
        "list": _first_request(lambda: ours(many), "/api/runs", "our runs list", _runs_count(listed_many, "ours")),
        "list300": _first_request(lambda: ours(big), "/api/runs", "our runs list", _runs_count(listed_big, "ours")),
    }
    with ours(big) as server:
        first, total, _, _ = _ok(get(server.port, "/runs/big"), "our run page")
        cold["page_first"], cold["page_total"] = first * 1000, total * 1000
    if agentv:
        cold["a_detail"] = _first_request(lambda: agentvs(agentv, big, tmp / "home-c1"), "/api/runs/big",
                                          "agentv's run detail")
        cold["a_list"] = _first_request(lambda: agentvs(agentv, many, tmp / "home-c2"), "/api/runs",
                                        "agentv's runs list", _runs_count(listed_many, "agentv"))
    servers = {"ours": ours(big), "many": ours(many)}
    try:
        if agentv:
            servers["theirs"] = agentvs(agentv, big, tmp / "home1")
            servers["theirs_many"] = agentvs(agentv, many, tmp / "home2")
        # What is measured is the real answer: every run, every row.
        for key, path, field, count in (("ours", "/api/runs/big", "results", sizes.big_records),
                                        ("many", "/api/runs", "runs", listed_many),
                                        ("theirs", "/api/runs/big", "results", sizes.big_records),
                                        ("theirs_many", "/api/runs", "runs", listed_many)):
            if key in servers:
                got = len(json.loads(_ok(get(servers[key].port, path), key)[3])[field])
                if got != count:
                    raise RuntimeError(f"{key} {path}: {got} {field}, not {count}")
        plan = {"detail": ("ours", "/api/runs/big"), "list": ("many", "/api/runs"), "list300": ("ours", "/api/runs"),
                "a_detail": ("theirs", "/api/runs/big"), "a_list": ("theirs_many", "/api/runs"),
                "a_list300": ("theirs", "/api/runs")}
        samples = {key: [] for key in (*plan, "page_first", "page_total")}
        for _ in range(repeats):
            for key, (server, path) in plan.items():
                if server in servers:
                    samples[key].append(_ok(get(servers[server].port, path), key)[1])
            first, total, _, _ = _ok(get(servers["ours"].port, "/runs/big"), "page")
            samples["page_first"].append(first)
            samples["page_total"].append(total)
    finally:
        for server in servers.values():
            server.close()
    med = {key: statistics.median(values) * 1000 for key, values in samples.items() if values}
    a = med.get
    n_big, n_many, n_small = _k(sizes.big_records), f"{sizes.many_runs:,}", f"{listed_big:,}"
    report.add(f"run-detail API, {n_big} records, warm", med["detail"], "ms", "< agentv/10",
               None if a("a_detail") is None else med["detail"] * 10 <= a("a_detail"), a("a_detail"))
    report.add(f"run-detail API, {n_big} records, cold", cold["detail"], "ms", agentv=cold.get("a_detail"))
    report.add(f"runs list, {n_many} runs, warm", med["list"], "ms", "< 20 ms", med["list"] < 20, a("a_list"))
    report.add(f"runs list, {n_many} runs, cold (no saved summaries yet)", cold["list_first"], "ms",
               agentv=cold.get("a_list"))
    report.add(f"runs list, {n_many} runs, cold", cold["list"], "ms", "< 150 ms", cold["list"] < 150,
               cold.get("a_list"))
    report.add(f"runs list, {n_small} runs (one of {n_big} records), warm", med["list300"], "ms", "< agentv/10",
               None if a("a_list300") is None else med["list300"] * 10 <= a("a_list300"), a("a_list300"))
    report.add(f"runs list, {n_small} runs (one of {n_big} records), cold", cold["list300"], "ms")
    report.add(f"run page {n_big} records: first byte", med["page_first"], "ms", "< 100 ms", med["page_first"] < 100)
    report.add(f"run page {n_big} records: whole page", med["page_total"], "ms", "< 300 ms", med["page_total"] < 300)
    report.add(f"run page {n_big} records: first byte, cold", cold["page_first"], "ms")
    report.add(f"run page {n_big} records: whole page, cold", cold["page_total"], "ms")


def _completion_ms(project: Path, repeats: int, expected: int) -> float:
    """<TAB> after `studio-resume inspect ` in bash, interpreter start included (ms)."""
    exe = Path(sys.executable).parent / "studio-resume"
    argv = [str(exe)] if exe.exists() else [sys.executable, "-m", "agentv_resume"]
    env = {**os.environ, "PYTHONPATH": str(REPO), "_STUDIO_RESUME_COMPLETE": "bash_complete",
           "COMP_WORDS": f"studio-resume --project {project} inspect ", "COMP_CWORD": "4"}

    def once() -> float:
        start = time.perf_counter()
        out = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True).stdout
        took = time.perf_counter() - start
        offered = out.count(b"\n")
        if offered != expected:
            raise RuntimeError(f"completion offered {offered} values, not {expected}: {out[:200]!r}")
        return took

    return median_of(once, repeats) * 1000


def _agentv_job(port: int, tmp: Path) -> str:
    """A dry-run job in agentv serve (its output outside the project), finished: its id."""
    status, answer = post_json(port, "/api/eval/run", {"suite_filter": "evals/greetings.yaml", "dry_run": True,
                                                       "output": str(tmp / "agentv-job-run")})
    if status not in (200, 201, 202) or "id" not in answer:
        raise RuntimeError(f"agentv serve's launch answered {status}: {answer}")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        data = json.loads(_ok(get(port, f"/api/eval/status/{answer['id']}"), "agentv status")[3])
        if data.get("status") not in ("starting", "running"):
            return answer["id"]
        time.sleep(0.2)
    raise RuntimeError("agentv serve's dry-run job did not end within 120 s")


def bench_many(report: Report, sizes: Sizes, tmp: Path, agentv: str | None, repeats: int) -> None:
    """50,000 runs: the runs list cold and warm, a job's status poll, completion of run ids."""
    n = f"{sizes.huge_runs:,}"
    print(f"\n{n} runs (generating...)", flush=True)
    project = gen.make_project(tmp / "huge-runs")
    began = time.perf_counter()
    runs = gen.make_runs(project, sizes.huge_runs)
    gen.set_last(project, runs[-1])
    job_id = gen.make_jobs(project, 1, [runs[0]])[0]
    print(f"  (made in {time.perf_counter() - began:.1f} s)")
    listed = _runs_count(sizes.huge_runs, "our runs list")
    first = _first_request(lambda: ours(project), "/api/runs", "our runs list", listed)
    cold = statistics.median(_first_request(lambda: ours(project), "/api/runs", "our runs list", listed)
                             for _ in range(min(repeats, 3)))
    theirs_cold = theirs_poll = None
    if agentv:
        theirs_cold = _first_request(lambda: agentvs(agentv, project, tmp / "home-huge-cold"), "/api/runs",
                                     "agentv's runs list", listed)
    with ours(project) as server:
        _ok(get(server.port, "/api/runs"), "our runs list")
        warm = median_of(lambda: _ok(get(server.port, "/api/runs"), "list")[1], repeats) * 1000
        data = json.loads(_ok(get(server.port, f"/api/eval/status/{job_id}"), "status")[3])
        if data["status"] != "finished":
            raise RuntimeError(f"the past job is {data['status']}, not finished")
        poll = median_of(lambda: _ok(get(server.port, f"/api/eval/status/{job_id}"), "status")[1], repeats * 3)
    if agentv:
        with agentvs(agentv, project, tmp / "home-huge") as theirs:
            their_job = _agentv_job(theirs.port, tmp)
            theirs_poll = median_of(lambda: _ok(get(theirs.port, f"/api/eval/status/{their_job}"), "agentv")[1],
                                    repeats * 3) * 1000
    report.add(f"runs list, {n} runs, cold (no saved summaries yet)", first, "ms")
    report.add(f"runs list, {n} runs, cold", cold, "ms", "< 1,500 ms", cold < 1500, theirs_cold)
    if theirs_cold:
        report.add(f"ratio agentv/ours: runs list, {n} runs, both cold", theirs_cold / cold, "x", ">= 10x",
                   theirs_cold / cold >= 10)
    report.add(f"runs list, {n} runs, warm", warm, "ms")
    report.add(f"job status poll, {n} runs", poll * 1000, "ms", "< 2 ms", poll * 1000 < 2, theirs_poll)
    completion = _completion_ms(project, repeats, sizes.huge_runs + 1)
    report.add(f"completion of run ids, {n} runs (interpreter incl.)", completion, "ms", "< 300 ms",
               completion < 300)


def bench_jobs(report: Report, sizes: Sizes, tmp: Path, repeats: int) -> None:
    """Many past jobs: the jobs list, and the server's memory with big runs and jobs."""
    print(f"\n{sizes.jobs:,} past jobs (jobs list)")
    project = gen.make_project(tmp / "jobs")
    runs = gen.make_runs(project, sizes.small_runs)
    gen.make_jobs(project, sizes.jobs, runs)
    gone = gen.make_project(tmp / "jobs-gone")
    gone_runs = gen.make_runs(gone, sizes.gone_job_runs)
    gen.make_jobs(gone, sizes.jobs, gone_runs, gone=True)
    figures = {}
    for key, root in (("list", project), ("gone", gone)):
        with ours(root) as server:
            cold = _ok(get(server.port, "/api/eval/runs"), "jobs list")
            if not json.loads(cold[3])["jobs"]:
                raise RuntimeError("the jobs list is empty")
            figures[key + "_cold"] = cold[1] * 1000
            # Warm: once the server's start-up read (every run, and every past
            # job's record once) is over; a runs list waits for it.
            _ok(get(server.port, "/api/runs"), "runs list")
            figures[key] = median_of(lambda: _ok(get(server.port, "/api/eval/runs"), "jobs list")[1], repeats) * 1000
    n = f"{sizes.jobs:,}"
    report.add(f"jobs list, {n} past jobs, warm", figures["list"], "ms", "< 100 ms", figures["list"] < 100)
    report.add(f"jobs list, {n} past jobs, cold", figures["list_cold"], "ms")
    report.add(f"jobs list, {sizes.gone_job_runs:,} runs, {n} jobs whose run is gone", figures["gone"], "ms",
               "< 1,000 ms", figures["gone"] < 1000)

    # Memory (hardening issue): runs of 20k records, 1,000 past jobs, every job's status asked.
    print(f"\nserver memory: {sizes.rss_runs} runs of {sizes.big_records:,} records, {sizes.rss_jobs:,} past jobs")
    root = gen.make_project(tmp / "rss")
    big_runs = [gen.make_big_run(root, sizes.big_records, name=f"big-{n}", seed=n) for n in range(sizes.rss_runs)]
    job_ids = gen.make_jobs(root, sizes.rss_jobs, big_runs)
    with ours(root) as server:
        _ok(get(server.port, "/api/runs"), "runs list")
        for run_dir in big_runs:
            _ok(get(server.port, f"/api/runs/{run_dir.name}"), "run detail")
        _ok(get(server.port, "/api/eval/runs"), "jobs list")
        for job_id in job_ids[:100]:
            _ok(get(server.port, f"/api/eval/status/{job_id}"), "job status")
        rss = server.rss_kb() / 1024
    report.add(f"server RSS: {sizes.rss_runs} runs x {_k(sizes.big_records)} records, "
               f"{sizes.rss_jobs:,} jobs", rss, "MB", "< 150 MB", rss < 150)


FLOOR = """
import sys, orjson
count, rest = 0, b""
with open(sys.argv[1], "rb") as handle:
    while chunk := handle.read(1 << 20):
        lines = (rest + chunk).split(b"\\n")
        rest = lines.pop()
        for line in lines:
            if line:
                orjson.loads(line)
                count += 1
print(count)
"""


def _run_measured(argv, env=None) -> tuple[float, int, bytes]:
    """(wall seconds, peak RSS in kB, stdout) of a command."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        took = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise RuntimeError(f"{argv[:4]} exited {proc.returncode}")
        out.seek(0)
        return took, usage.ru_maxrss, out.read()


def bench_huge(report: Report, sizes: Sizes, tmp: Path, repeats: int) -> None:
    """A 500k-record run: run detail cold and `inspect --json`, against the read+parse floor."""
    n = _k(sizes.huge_records)
    project = gen.make_project(tmp / "huge")
    began = time.perf_counter()
    run_dir = gen.make_big_run(project, sizes.huge_records)
    gen.set_last(project, run_dir)
    size_mb = (run_dir / "index.jsonl").stat().st_size / 1e6
    print(f"\n{sizes.huge_records:,} records ({size_mb:,.0f} MB, made in {time.perf_counter() - began:.1f} s); "
          "agentv serve is not run on it (4.42.4 cannot load such a run)")
    index = str(run_dir / "index.jsonl")
    floor = min(_run_measured([sys.executable, "-c", FLOOR, index])[0] for _ in range(min(repeats, 2))) * 1000

    details = []
    for _ in range(min(repeats, 2)):
        with ours(project) as server:
            answer = _ok(get(server.port, "/api/runs/big"), "run detail")
            details.append((answer[1] * 1000, server.peak_rss_kb() / 1024))
        if len(json.loads(answer[3])["results"]) != sizes.huge_records:
            raise RuntimeError("the run detail is missing rows")
        del answer
    detail, detail_rss = min(details)

    exe = Path(sys.executable).parent / "studio-resume"
    argv = [str(exe)] if exe.exists() else [sys.executable, "-m", "agentv_resume"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    inspects = []
    for _ in range(min(repeats, 2)):
        took, rss, out = _run_measured([*argv, "--project", str(project), "inspect", "big", "--json"], env)
        if len(json.loads(out)["tests"]) != sizes.huge_records:
            raise RuntimeError("inspect --json is missing tests")
        inspects.append((took * 1000, rss / 1024))
        del out
    inspect, inspect_rss = min(inspects)
    report.add(f"floor: streamed read + parse of {n} records (fresh interpreter)", floor, "ms")
    report.add(f"run-detail API, {n} records, cold", detail, "ms", "< 1.3x floor", detail < 1.3 * floor)
    report.add(f"  ... as a multiple of the floor", detail / floor, "x")
    report.add(f"server peak RSS after that detail", detail_rss, "MB", "< 400 MB", detail_rss < 400)
    report.add(f"inspect --json, {n} records, wall (interpreter incl.)", inspect, "ms", "< 1.3x floor",
               inspect < 1.3 * floor)
    report.add(f"  ... as a multiple of the floor", inspect / floor, "x")
    report.add(f"inspect --json, {n} records, peak RSS", inspect_rss, "MB", "< 400 MB", inspect_rss < 400)


def bench_load(report: Report, sizes: Sizes, tmp: Path) -> None:
    """50 clients on 2,000 runs, a job running: status polls and the runs list, mixed."""
    print(f"\nload: {sizes.load_clients} clients, {sizes.many_runs:,} runs, {sizes.load_seconds:.0f} s, "
          "a job running (status polls and runs list mixed)")
    project = gen.make_project(tmp / "load")
    runs = gen.make_runs(project, sizes.many_runs)
    gen.set_last(project, runs[-1])
    stand_in = tmp / "agentv-load"
    stand_in.write_text(load.STAND_IN.format(python=sys.executable, seconds=sizes.load_seconds + 120))
    stand_in.chmod(0o755)
    with ours(project, {"AGENTV_BIN": str(stand_in)}) as server:
        _ok(get(server.port, "/api/runs"), "runs list")  # the page a user opened first
        status, launched = post_json(server.port, "/api/eval/run", {
            "suite_filter": "evals/greetings.yaml", "target": ["default"],
            "output": str(runs[0].relative_to(project)), "resume": True})
        if status != 202:
            raise RuntimeError(f"launch answered {status}: {launched}")
        job_id = launched["id"]
        routes = [("status", f"/api/eval/status/{job_id}"), ("runs list", "/api/runs")]
        deadline = time.monotonic() + sizes.load_seconds
        clients = [load.Client(n, server.port, routes, keep_alive=n % 2 == 0, deadline=deadline,
                               max_requests=100_000, timeout=60) for n in range(sizes.load_clients)]
        start = time.monotonic()
        for client in clients:
            client.start()
        for client in clients:
            client.join(sizes.load_seconds + 90)
        elapsed = time.monotonic() - start
        ended = load.stop_job(server.port, project, job_id)
    errors = [error for client in clients for error in client.errors]
    latencies = {name: [v for client in clients for v in client.latencies.get(name, [])] for name, _ in routes}
    every = [v for values in latencies.values() for v in values]
    p50 = load.percentile(every, .5) * 1000
    report.add(f"{sizes.load_clients} clients, {sizes.many_runs:,} runs: p50", p50, "ms", "< 50 ms",
               p50 < 50 and not errors)
    report.add("  ... p99", load.percentile(every, .99) * 1000, "ms")
    for name, values in latencies.items():
        report.add(f"  ... {name}: p50 ({len(values):,} requests)", load.percentile(values, .5) * 1000, "ms")
    report.add("  ... requests per second", len(every) / elapsed, "/s")
    report.add("  ... errors or non-200 answers", len(errors), "", "none", not errors)
    if errors:
        print("    " + "\n    ".join(sorted(set(errors))[:5]))
    if ended != "stopped":
        print(f"    note: the job ended {ended}, not stopped")


def bench_inspect(report: Report, sizes: Sizes, tmp: Path, repeats: int) -> None:
    print("\ninspect")
    project = gen.make_project(tmp / "inspect")
    gen.set_last(project, gen.make_big_run(project, sizes.big_records))
    exe = Path(sys.executable).parent / "studio-resume"
    argv = [str(exe)] if exe.exists() else [sys.executable, "-m", "agentv_resume"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    def once() -> float:
        start = time.perf_counter()
        subprocess.run([*argv, "--project", str(project), "inspect", "big", "--json"],
                       stdout=subprocess.DEVNULL, check=True, env=env)
        return time.perf_counter() - start

    value = median_of(once, repeats) * 1000
    report.add(f"inspect --json, {_k(sizes.big_records)} records, wall (interpreter incl.)", value, "ms",
               "< 600 ms", value < 600)


# A shell stand-in: its start-up costs ~1 ms, so the launch figure is ours.
STAND_IN = """#!/bin/sh
date +%s.%N > "$STANDIN_MARK"
if [ "${STANDIN_BYTES:-0}" -gt 0 ]; then
  yes 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' | head -c "$STANDIN_BYTES"
fi
if [ "${STANDIN_SLEEP:-0}" -gt 0 ]; then
  exec sleep "$STANDIN_SLEEP"
fi
exit 0
"""


def _stand_in(tmp: Path) -> Path:
    path = tmp / "agentv-stand-in"
    if not path.exists():
        path.write_text(STAND_IN)
        path.chmod(0o755)
    return path


def _launch_resume(port: int, output: str) -> str:
    status, answer = post_json(port, "/api/eval/run", {"suite_filter": "evals/greetings.yaml", "target": "default",
                                                       "output": output, "resume": True})
    if status != 202:
        raise RuntimeError(f"launch answered {status}: {answer}")
    return answer["id"]


def bench_poll(report: Report, sizes: Sizes, tmp: Path, repeats: int) -> None:
    """Cost of one job-status poll (HTTP) as the job's run grows from 1k to 20k records."""
    print("\njob-status poll while the run grows")
    root = gen.make_project(tmp / "poll")
    rows = gen.Rows()
    run_dir = root / RUNS / "growing"
    env = {"AGENTV_BIN": str(_stand_in(tmp)), "STANDIN_MARK": str(tmp / "poll-mark"), "STANDIN_SLEEP": "600"}
    steps = sorted({max(2, sizes.big_records // 20), sizes.big_records // 4, sizes.big_records // 2,
                    sizes.big_records})
    costs = {}
    # A fresh run of a suite with a case for every row written below, so the
    # progress (capped by the plan) can count each one.
    gen.write_suite(root, "growing", sizes.big_records + 4 * repeats + 10)
    with ours(root, env) as server:
        # The stand-in waits; this loop writes the rows as agentv appends them.
        status, answer = post_json(server.port, "/api/eval/run", {
            "suite_filter": "evals/growing.yaml", "target": "default", "output": str(run_dir.relative_to(root))})
        if status != 202:
            raise RuntimeError(f"launch answered {status}: {answer}")
        job_id = answer["id"]
        path = f"/api/eval/status/{job_id}"
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / "index.jsonl").write_bytes(rows.line(0, "ok"))

        def done() -> int:
            return json.loads(_ok(get(server.port, path), "status")[3])["progress"]["done"]

        written = 1
        with open(run_dir / "index.jsonl", "ab") as out:
            for size in steps:
                out.write(b"".join(rows.line(n, "ok") for n in range(written, size)))
                out.flush()
                written = size
                seen = done()  # the poll that reads the bulk of the new bytes
                samples = []
                for _ in range(repeats):
                    out.write(rows.line(written, "ok"))
                    out.flush()
                    written += 1
                    start = time.perf_counter()
                    now = done()
                    samples.append(time.perf_counter() - start)
                    # A fast poll that missed the row would be no poll at all.
                    if now != seen + 1:
                        raise RuntimeError(f"the poll at {size} saw {now} cases done, not {seen + 1}")
                    seen = now
                costs[size] = statistics.median(samples) * 1000
        post_json(server.port, f"/api/eval/run/{job_id}/stop", {})
    for size, cost in costs.items():
        report.add(f"status poll at {size:,} records (one new row)", cost, "ms")
    growth = costs[steps[-1]] / costs[steps[0]]
    report.add(f"poll cost {steps[-1]:,} / {steps[0]:,} records (flat = new bytes only)", growth, "x", "< 3x",
               growth < 3)


def bench_job(report: Report, sizes: Sizes, tmp: Path, repeats: int) -> None:
    print("\nlaunch latency and server memory during a long job")
    root = gen.make_project(tmp / "job")
    runs = gen.make_runs(root, repeats + 1)
    mark = tmp / "started"
    env = {"AGENTV_BIN": str(_stand_in(tmp)), "STANDIN_MARK": str(mark)}

    # Launch latency: POST sent → the stand-in's first statement ran.
    with ours(root, {**env, "STANDIN_BYTES": "0"}) as server:
        latencies = []
        for n in range(repeats):
            mark.unlink(missing_ok=True)
            sent = time.time()
            _launch_resume(server.port, str(runs[n + 1].relative_to(root)))
            deadline = time.monotonic() + 10
            text = ""
            while time.monotonic() < deadline:
                text = mark.read_text() if mark.exists() else ""
                if text:
                    break
                time.sleep(0.002)
            latencies.append((float(text) - sent) * 1000)
        value = statistics.median(latencies)
        report.add("launch: request sent → agentv started", value, "ms", "< 50 ms", value < 50)

    # Memory: a job printing 200 MB while a client polls status and log.
    printed = 200 * 1024 * 1024 if sizes is FULL else 5 * 1024 * 1024
    with ours(root, {**env, "STANDIN_BYTES": str(printed)}) as server:
        get(server.port, "/api/runs")
        get(server.port, f"/api/runs/{runs[0].name}")
        before = server.rss_kb()
        job_id = _launch_resume(server.port, str(runs[0].relative_to(root)))
        peak = before
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            _, _, _, data = get(server.port, f"/api/eval/status/{job_id}")
            peak = max(peak, server.rss_kb())
            if json.loads(data)["status"] not in ("starting", "running"):
                break
            time.sleep(0.2)
        growth = (peak - before) / 1024
        report.add(f"server RSS growth while a job printed {printed / 2**20:.0f} MB", growth, "MB", "< 30 MB",
                   growth < 30)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=None, help="warm repeats (default 7; 2 with --smoke)")
    parser.add_argument("--agentv", default=os.environ.get("AGENTV_BIN") or shutil.which("agentv")
                        or (str(LOCAL_AGENTV) if LOCAL_AGENTV.exists() else None),
                        help="agentv to compare with (default: $AGENTV_BIN, agentv on PATH, scripts/setup's)")
    parser.add_argument("--skip-agentv", action="store_true", help="do not run `agentv serve` beside ours")
    parser.add_argument("--smoke", action="store_true",
                        help="tiny data, every answer checked, no goal judged, no agentv (CI)")
    parser.add_argument("--only", action="append", choices=SECTIONS, help="run only this section (repeatable)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    sizes = SMOKE if args.smoke else FULL
    repeats = args.repeats or (2 if args.smoke else 7)
    agentv = None if args.skip_agentv or args.smoke else args.agentv
    sections = args.only or SECTIONS
    report = Report(judge=not args.smoke)
    # A SIGTERM (timeout, a cancelled CI job) unwinds like Ctrl-C: every server is closed.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    tmp = Path(tempfile.mkdtemp(prefix="studio-resume-bench-"))
    print(f"studio-resume bench{' (smoke)' if args.smoke else ''} in {tmp}; {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}; agentv serve: {agentv or 'not run'}", flush=True)
    began = time.perf_counter()
    try:
        for section in sections:
            if section == "http":
                bench_http(report, sizes, tmp, agentv, repeats)
            elif section == "many":
                bench_many(report, sizes, tmp, agentv, repeats)
            elif section == "jobs":
                bench_jobs(report, sizes, tmp, repeats)
            elif section == "huge":
                bench_huge(report, sizes, tmp, repeats)
            elif section == "load":
                bench_load(report, sizes, tmp)
            elif section == "inspect":
                bench_inspect(report, sizes, tmp, repeats)
            elif section == "poll":
                bench_poll(report, sizes, tmp, repeats)
            elif section == "job":
                bench_job(report, sizes, tmp, max(3, repeats))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(report.rows, indent=1))
    missed = report.missed()
    held = sum(1 for row in report.rows if row["ok"] is True)
    print(f"\n{len(report.rows)} figures in {time.perf_counter() - began:.0f} s; goals held: {held}, "
          f"missed: {len(missed)}; load average now {os.getloadavg()[0]:.1f}")
    for name in missed:
        print(f"  MISSED: {name}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
