"""The prediction against the real agentv, live (issue 11): `inspect --json` promises a number,
`studio-resume launch` runs the real agentv 4.42.4, and the run then holds exactly that many
new lines — on the runs the real agentv wrote in tests/fixtures/scenarios."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from support.builders import RUNS, scenario_project

pytestmark = pytest.mark.e2e


def studio(root, env, *args, timeout=180):
    return subprocess.run([sys.executable, "-m", "agentv_resume", "--project", str(root), *args],
                          env=env, capture_output=True, text=True, timeout=timeout)


def lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("name, run, options", [
    # 1: a --test-id subset, interrupted: agentv runs more than the run planned unless given the filter
    ("testid-interrupted", "subset", []),
    ("testid-interrupted", "subset", ["--test-id", "case-0*"]),
    # 3: a matrix whose slow target had written no line: every target named
    ("matrix-target-silent", "matrix", ["--target", "default", "--target", "alt"]),
])
def test_the_promised_number_is_what_the_real_agentv_runs(tmp_path, e2e_env, name, run, options):
    root = scenario_project(name, tmp_path / name)
    promised = json.loads(studio(root, e2e_env, "inspect", run, *options, "--json").stdout)
    assert promised["commands"]["resume"], promised["warnings"]
    index = root / RUNS / run / "index.jsonl"
    before = len(lines(index))
    result = studio(root, e2e_env, "launch", "--resume", run, *options)
    assert result.returncode == 0, result.stderr + result.stdout
    ran = lines(index)[before:]
    assert len(ran) == promised["will_run"]["resume"]
    after = json.loads(studio(root, e2e_env, "inspect", run, *options, "--json").stdout)
    assert after["will_run"]["resume"] == 0  # complete where agentv can complete it
