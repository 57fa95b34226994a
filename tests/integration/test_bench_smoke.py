"""The benchmark still measures what it claims: its smoke mode, on tiny data.

``benchmarks/bench.py --smoke`` runs every section against real servers and
checks every answer it times (all runs listed, all rows sent, every poll
saw its new row); goals are not judged at this size.  A change that breaks
a measurement (a route renamed, a generator out of step with the job
record schema) fails here, not on the day someone wants the figures.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "benchmarks" / "bench.py"


@pytest.mark.timeout(400)  # about 20 s alone; a loaded 2-core machine has taken 6x that
def test_bench_smoke_measures_every_goal(tmp_path):
    out = tmp_path / "figures.json"
    done = subprocess.run([sys.executable, str(BENCH), "--smoke", "--json", str(out)],
                          capture_output=True, text=True, timeout=380, cwd=REPO)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    rows = json.loads(out.read_text())
    names = " | ".join(row["name"] for row in rows)
    for goal in ("runs list, 60 runs, cold", "runs list, 300 runs, cold", "job status poll, 300 runs",
                 "completion of run ids, 300 runs", "jobs list, 40 past jobs", "whose run is gone",
                 "run-detail API, 3k records, cold", "inspect --json, 3k records, peak RSS",
                 "4 clients, 60 runs: p50", "server RSS: 2 runs"):
        assert goal in names, goal
    assert all(isinstance(row["value"], (int, float)) and row["value"] >= 0 for row in rows)
    assert all(row["ok"] is None for row in rows)  # tiny data: no goal judged
