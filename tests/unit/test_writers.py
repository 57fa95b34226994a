"""Which run an `agentv eval run` process writes, from its argv, cwd and start time (runs/writers.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest


from agentv_resume.runs.writers import describe_process, eval_run_args, writers_of

from support.waiting import wait_for

NODE_AGENTV = "/home/u/proj/node_modules/.bin/agentv"


@pytest.mark.parametrize("argv,expected", [
    (["node", NODE_AGENTV, "eval", "run", "evals/a.yaml", "--resume"], ["evals/a.yaml", "--resume"]),
    (["node", "/x/node_modules/agentv/dist/cli.js", "eval", "evals/a.yaml"], ["evals/a.yaml"]),
    (["agentv", "eval", "run"], []),
    (["node", NODE_AGENTV, "eval", "aggregate", "x"], None),
    (["node", NODE_AGENTV, "serve"], None),
    (["python3", "agent.py", "greet-1", "out.txt"], None),
])
def test_an_eval_run_is_recognised_from_its_argv(argv, expected):
    assert eval_run_args(argv) == expected


@pytest.mark.parametrize("output_args", [["--output", "runs/r"], ["--output=runs/r"], ["-o", "runs/r"]])
def test_the_output_option_names_the_run_relative_to_the_process_cwd(tmp_path, output_args):
    process = describe_process(42, ["node", NODE_AGENTV, "eval", "run", "e.yaml", *output_args], str(tmp_path), None)
    assert process.run_dir == str(tmp_path / "runs" / "r")


def test_a_resume_without_output_writes_the_run_cache_json_names(tmp_path):
    (tmp_path / ".agentv").mkdir()
    (tmp_path / ".agentv" / "cache.json").write_text(json.dumps({"lastRunDir": str(tmp_path / "runs" / "last")}))
    process = describe_process(42, ["agentv", "eval", "run", "e.yaml", "--rerun-failed"], str(tmp_path), None)
    assert process.run_dir == str(tmp_path / "runs" / "last")


def test_a_fresh_run_without_output_writes_the_timestamped_run_made_as_it_started(tmp_path):
    started = datetime(2026, 12, 1, 10, 0, 0, tzinfo=timezone.utc).timestamp()
    runs = tmp_path / ".agentv" / "results" / "runs" / "exp-b"
    for name in ("2026-12-01T09-59-00-000Z", "2026-12-01T10-00-01-523Z", "2026-12-01T10-05-00-000Z"):
        (runs / name).mkdir(parents=True)
    argv = ["agentv", "eval", "run", "e.yaml", "--experiment", "exp-b"]
    assert describe_process(42, argv, str(tmp_path), started).run_dir == str(runs / "2026-12-01T10-00-01-523Z")
    assert describe_process(42, argv[:4], str(tmp_path), started).run_dir is None  # experiment default: no such run


def test_a_live_process_writing_the_run_is_found_and_named(tmp_path):
    """A stand-in `agentv` (a script of that name) started in the project, as another terminal would."""
    fake = tmp_path / "bin" / "agentv"
    fake.parent.mkdir()
    fake.write_text("import time\ntime.sleep(30)\n")
    run = tmp_path / "proj" / ".agentv" / "results" / "runs" / "default" / "r"
    run.mkdir(parents=True)
    proc = subprocess.Popen([sys.executable, str(fake), "eval", "run", "e.yaml", "--output", ".agentv/results/runs/default/r"],
                            cwd=tmp_path / "proj")
    try:
        found = wait_for(lambda: writers_of(run), what="the fake agentv to be seen writing the run")
        assert [p.pid for p in found] == [proc.pid]
        assert writers_of(run.parent) == []
    finally:
        proc.kill()
        proc.wait()
    assert writers_of(run) == []


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="Linux /proc")
def test_no_proc_means_nothing_found(tmp_path):
    assert writers_of(tmp_path, proc=str(tmp_path / "no-proc")) == []
