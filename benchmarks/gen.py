#!/usr/bin/env python3
"""Benchmark data, made fast: projects of many runs, one huge run, many past jobs.

usage: python benchmarks/gen.py DIR [--runs N] [--records N] [--jobs N]

Every row is a row agentv 4.42.4 wrote (tests/fixtures/agentv-project), with
its ``test_id`` and ``execution_status`` changed; every ``benchmark.json`` is
the fixture's, with its count and suite file changed.  Rows are made by
splicing bytes into pre-encoded templates, not by a ``json.dumps`` per row,
so 50,000 runs take a few seconds and a 500,000-record run (about 850 MB)
about as long as the disk takes to write it.  Job records are written in the
schema ``agentv_resume`` writes (``make_jobs``: the one place to change
when that schema changes).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "fixtures" / "agentv-project"
RUNS = Path(".agentv/results/runs")
STATUSES = ("ok", "quality_failure", "execution_error")
_ID = "@@TEST_ID@@"
_CHUNK = 8 * 1024 * 1024


# --- templates -------------------------------------------------------------------

def _fixture_rows() -> list[dict]:
    rows = []
    for name in ("errored", "interrupted", "quality-only"):
        for line in (FIXTURE / RUNS / "default" / name / "index.jsonl").read_text().splitlines():
            if line.strip():
                rows.append(json.loads(line))
    return rows


class Rows:
    """Pre-encoded rows: ``line(n, status)`` is one agentv row for ``case-<n>``."""

    def __init__(self):
        self._parts: dict[str, list[tuple[bytes, bytes]]] = {status: [] for status in STATUSES}
        for template in _fixture_rows():
            for status in STATUSES:
                row = dict(template)
                row["test_id"] = _ID
                row["execution_status"] = status
                row["score"] = 1 if status == "ok" else 0
                if status == "execution_error":
                    row["error"] = "agent crashed (exit code 3)"
                else:
                    row.pop("error", None)
                head, _, tail = json.dumps(row, separators=(",", ":")).partition(json.dumps(_ID))
                self._parts[status].append((head.encode(), tail.encode() + b"\n"))

    def line(self, n: int, status: str) -> bytes:
        variants = self._parts[status]
        head, tail = variants[n % len(variants)]
        return b'%s"case-%06d"%s' % (head, n, tail)


def _benchmark_template() -> dict:
    return json.loads((FIXTURE / RUNS / "default" / "errored" / "benchmark.json").read_text())


def benchmark_bytes(template: dict, project: Path, planned: int, timestamp: str,
                    eval_file: str = "evals/greetings.yaml") -> bytes:
    data = json.loads(json.dumps(template))
    meta = data["metadata"]
    meta.update(eval_file=str(project / eval_file), planned_test_count=planned,
                timestamp=timestamp, tests_run=[f"case-{n:06d}" for n in range(min(planned, 5))])
    return json.dumps(data, indent=2).encode()


def statuses(count: int, rng: random.Random) -> list[str]:
    """90% ok, 6% quality failures, 4% execution errors."""
    return rng.choices(STATUSES, weights=[90, 6, 4], k=count)


# --- projects --------------------------------------------------------------------

SMALL_SUITE_CASES = 6  # the small runs' suite: case-000000..case-000005


def make_project(root: Path) -> Path:
    """An agentv project with the fixture's suites and targets and no run yet;
    evals/greetings.yaml holds the cases the small runs record (case-000000...)."""
    root = Path(root)
    root.mkdir(parents=True)
    shutil.copytree(FIXTURE / "evals", root / "evals")
    write_suite(root, "greetings", SMALL_SUITE_CASES)
    (root / ".agentv").mkdir()
    shutil.copy(FIXTURE / ".agentv" / "targets.yaml", root / ".agentv" / "targets.yaml")
    (root / RUNS / "default").mkdir(parents=True)
    return root


def write_suite(root: Path, name: str, count: int) -> Path:
    """evals/<name>.yaml with cases case-000000... (the ids Rows writes): a plan that big."""
    lines = [f"name: {name}", "tests:"]  # flow style, one case a line: quick to write and read
    lines += [f"  - {{id: case-{n:06d}, input: greet, assert: [{{type: contains, value: Hello}}]}}"
              for n in range(count)]
    path = Path(root) / "evals" / f"{name}.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _write(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def set_last(root: Path, run_dir: Path) -> None:
    """agentv's .agentv/cache.json pointing at ``run_dir``."""
    (root / ".agentv" / "cache.json").write_text(json.dumps({"lastRunDir": str(run_dir)}))


def make_runs(root: Path, count: int, *, rows: int = 5, experiment: str = "default", prefix: str = "run",
              seed: int = 7) -> list[Path]:
    """``count`` small runs of ``rows`` records; every third is interrupted (one case missing).

    Index files are stamped a second apart (oldest first), so newest-first
    order is the order of their names, reversed.
    """
    root = Path(root)
    rng = random.Random(seed)
    encoder = Rows()
    template = _benchmark_template()
    parent = root / RUNS / experiment
    parent.mkdir(parents=True, exist_ok=True)
    # A handful of distinct files, reused: 50,000 runs differ by name, stamps and counts.
    contents = []
    for variant in range(16):
        lines = [encoder.line(n, status) for n, status in enumerate(statuses(rows, rng))]
        contents.append(b"".join(lines))
    bench_full = benchmark_bytes(template, root, rows, "2026-11-24T12:00:00.000Z")
    bench_short = benchmark_bytes(template, root, rows + 1, "2026-11-24T12:00:00.000Z")
    base = time.time() - count - 60
    width = max(4, len(str(count - 1)))
    made = []
    for n in range(count):
        run_dir = parent / f"{prefix}-{n:0{width}d}"
        os.mkdir(run_dir)
        index = run_dir / "index.jsonl"
        _write(index, contents[n % len(contents)])
        _write(run_dir / "benchmark.json", bench_short if n % 3 == 0 else bench_full)
        # Written when the run was (agentv writes benchmark.json right after
        # the last line): files a second old are not mistaken for ones still
        # being written.
        os.utime(index, (base + n, base + n))
        os.utime(run_dir / "benchmark.json", (base + n, base + n))
        made.append(run_dir)
    return made


BIG_RUN_SUITE = "evals/archived.yaml"


def make_big_run(root: Path, records: int, *, name: str = "big", experiment: str = "default",
                 seed: int = 11, eval_file: str = BIG_RUN_SUITE) -> Path:
    """One run of ``records`` records (about 1.7 KB each: 500,000 make ~850 MB).

    Its suite file (``eval_file``) is not in the project by default: a YAML
    suite of 500,000 cases takes the suite reader a minute, a cost of its
    own (not of reading the run), so the big runs are measured as runs whose
    suite has since gone (their prediction comes from planned_test_count)."""
    root = Path(root)
    rng = random.Random(seed)
    encoder = Rows()
    run_dir = root / RUNS / experiment / name
    run_dir.mkdir(parents=True)
    with open(run_dir / "index.jsonl", "wb", buffering=0) as out:
        batch, size = [], 0
        for n, status in enumerate(statuses(records, rng)):
            line = encoder.line(n, status)
            batch.append(line)
            size += len(line)
            if size >= _CHUNK:
                out.write(b"".join(batch))
                batch, size = [], 0
        out.write(b"".join(batch))
    _write(run_dir / "benchmark.json",
           benchmark_bytes(_benchmark_template(), root, records, "2026-11-24T13:00:00.000Z", eval_file))
    return run_dir


# --- past jobs ---------------------------------------------------------------------

def make_jobs(root: Path, count: int, run_dirs: list[Path], *, gone: bool = False) -> list[str]:
    """``count`` finished jobs of this tool, the newest first in the list returned.

    Job ``n`` worked on ``run_dirs[n % len(run_dirs)]``; ``gone``: on run
    directories that no longer exist (deleted since).  Written as the
    supervisor leaves a job that finished: the record's schema is
    ``agentv_resume``'s (keep this function in step with it).
    """
    root = Path(root).resolve()
    jobs_dir = root / ".agentv" / "studio-resume" / "jobs"
    jobs_dir.mkdir(parents=True, exist_ok=True)
    start = time.time() - 3 * count - 3600
    ids = []
    for n in range(count):
        run_dir = Path(run_dirs[n % len(run_dirs)]).resolve()
        if gone:
            run_dir = run_dir.parent / f"gone-{n:05d}"
        began = start + 3 * n
        job_id = time.strftime("%Y%m%d-%H%M%S-", time.gmtime(began)) + f"000-{n:06x}"  # store.new_job_id's form
        rel = os.path.relpath(run_dir, root)
        argv = ["agentv", "eval", "run", "evals/greetings.yaml", "--target", "default", "--output", rel, "--resume"]
        record = {
            "id": job_id, "status": "finished", "command": " ".join(argv), "argv": argv, "args": argv[1:],
            "run_dir": str(run_dir), "project_root": str(root), "source": "server",
            "started_at": _iso(began), "finished_at": _iso(began + 2), "exit_code": 0, "signal": None,
            "supervisor_pid": None, "supervisor_start": None, "agentv_pid": None, "agentv_start": None,
            "log_error": None, "stop_grace_seconds": 5.0, "mode": "resume",
            "progress_offset": 0, "progress_base_done": 4, "progress_planned": 5, "will_run": 1,
            # the job knows its run, and its final progress is recorded as it ends (jobs/record.py)
            "run_id": run_dir.name, "run_path": rel, "progress_final": {"done": 5, "planned": 5},
            "stop_requested_at": None, "stopped_by": None, "ended_unwitnessed_at": None,
        }
        job_dir = jobs_dir / job_id
        os.mkdir(job_dir)
        _write(job_dir / "job.json", json.dumps(record, indent=1).encode())
        _write(job_dir / "output.log", b"[1/1] case-000001 ... ok\n")
        ids.append(job_id)
    ids.reverse()
    return ids


def _iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{int(seconds * 1000) % 1000:03d}Z"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path, help="a directory to create (the project root)")
    parser.add_argument("--runs", type=int, default=2_000, help="small runs (5 records each)")
    parser.add_argument("--records", type=int, default=0, help="also one run of this many records ('big')")
    parser.add_argument("--jobs", type=int, default=0, help="past jobs, over the small runs")
    args = parser.parse_args()
    began = time.perf_counter()
    root = make_project(args.dir)
    runs = make_runs(root, args.runs)
    if args.records:
        set_last(root, make_big_run(root, args.records))
    elif runs:
        set_last(root, runs[-1])
    if args.jobs:
        make_jobs(root, args.jobs, runs or [root / RUNS / "default" / "big"])
    print(f"{root}: {args.runs} runs, {args.records} records, {args.jobs} jobs "
          f"in {time.perf_counter() - began:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
