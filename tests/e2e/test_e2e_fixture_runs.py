"""The real agentv 4.42.4 on the runs of tests/fixtures/agentv-project (made by it), without a browser:
the launcher's foreground and detached paths.  (Moved here from the default suite: `-m 'not e2e'`
never starts the real agentv.)"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from support.builders import FIXTURE_PROJECT, RUNS, fill_project_root
from support.standin import INTERRUPTED, Launcher


@pytest.fixture
def fixture_project(tmp_path) -> Path:
    """The unit tests' fixture project (its runs: errored, all-ok, quality-only, interrupted)."""
    root = tmp_path / "fixture-proj"
    shutil.copytree(FIXTURE_PROJECT, root)
    fill_project_root(root)
    return root


@pytest.fixture
def real_agentv(agentv_bin, agentv_home, monkeypatch) -> str:
    monkeypatch.setenv("AGENTV_BIN", agentv_bin)
    monkeypatch.setenv("AGENTV_NO_UPDATE_CHECK", "1")
    monkeypatch.setenv("AGENTV_HOME", str(agentv_home))
    return agentv_bin


def test_real_agentv_rerun_failed_finishes_the_errored_run(cli, fixture_project, real_agentv):
    """`studio-resume launch --rerun-failed errored` in the project root, with
    agentv 4.42.4 and the fixture's agent (no crash or wrong markers now):
    greet-2, greet-3 (crashed) and greet-4 (wrong) run again and pass; the
    lines of greet-1 and greet-5 stay byte for byte what they were."""
    project = fixture_project
    index = project / RUNS / "errored" / "index.jsonl"
    before = index.read_text().splitlines()
    passing = {json.loads(line)["test_id"]: line for line in before if json.loads(line)["execution_status"] == "ok"}
    assert sorted(passing) == ["greet-1", "greet-5"]

    result = cli("launch", "--rerun-failed", "errored", cwd=project)

    assert result.exit_code == 0, result.output
    assert "Rerun-failed: found 5 existing result(s), skipping 2 completed." in result.stdout
    assert "3/3" in result.stdout
    assert "studio-resume: 5/5 cases done" in result.stderr
    after = index.read_text().splitlines()
    for position, line in enumerate(before):
        if json.loads(line)["test_id"] in passing:
            assert after[position] == line
    data = json.loads(cli("--project", project, "inspect", "errored", "--json").stdout)
    assert data["counts"] == {"ok": 5, "quality_failure": 0, "execution_error": 0, "missing": 0}
    assert data["will_run"] == {"resume": 0, "rerun_failed": 0}
    assert "==== studio-resume job " in (project / RUNS / "errored" / "console.log").read_text()


def test_real_agentv_resumes_the_interrupted_run_detached(fixture_project, agentv_bin, real_agentv):
    """The server's path (a detached supervisor) with the real agentv."""
    project = fixture_project
    launcher = Launcher(project)
    copy = project / ".agentv/results/runs/default/interrupted-copy"
    shutil.copytree(project / INTERRUPTED, copy)
    for path in [copy, *copy.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    body = {"suite_filter": "evals/long.yaml", "output": ".agentv/results/runs/default/interrupted-copy", "resume": True}
    job = launcher.detach(body, agentv_bin)
    status = launcher.wait_end(job.id, timeout=60)
    assert status["status"] == "finished", status["log_tail"]
    assert status["exit_code"] == 0
    assert status["progress"] == {"done": 12, "planned": 12}
    log = job.log_path.read_text()
    assert "Resume: found 6 existing result(s), skipping 6 completed." in log
    assert "Resume: found 6 existing result(s)" in (copy / "console.log").read_text()
