"""Replay a job the real agentv 4.42.4 did (tests/fixtures/outcomes) as "agentv".

The one stand-in (support.standin, its "replay" step) writes the run files agentv wrote after that job into --output,
prints what agentv printed and exits with agentv's code.  The rows the job
wrote get the time of the replay (as agentv stamps a row when it runs the
case), so what changed is told exactly as for a live agentv.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.builders import FIXTURES
from support.standin import StandIn
from support.web import RUNS_DIR, client_for, wait_terminal

OUTCOMES = FIXTURES / "outcomes"

SCENARIO_RUN = {"rerun-errored": ("errored", "rerun_failed"), "threshold": ("quality-only", "rerun_failed"),
                "resume-interrupted": ("interrupted", "resume"), "rerun-fixes-all": ("errored", "rerun_failed"),
                "resume-stopped": ("interrupted", "resume")}


@pytest.fixture
def replay(tmp_path, monkeypatch):
    def use(scenario: str) -> Path:
        path = StandIn(tmp_path / "bin", [("replay", str(OUTCOMES / scenario))], name=f"agentv-replay-{scenario}").path
        monkeypatch.setenv("AGENTV_BIN", str(path))
        return path

    return use


def launch_and_wait(project: Path, scenario: str):
    run, mode = SCENARIO_RUN[scenario]
    client = client_for(project)
    body = {"suite_filter": "evals/long.yaml" if run == "interrupted" else "evals/greetings.yaml",
            "target": ["default"], "output": str(RUNS_DIR / run), mode: True}
    if scenario == "threshold":
        body["threshold"] = 0.5
    answer = client.post("/api/eval/run", body)
    assert answer.status == 202, answer.json
    status = wait_terminal(client, answer.json["id"], timeout=60)
    return client, status


