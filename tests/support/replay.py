"""Replay a job the real agentv 4.42.4 did (tests/fixtures/outcomes) as "agentv".

The stand-in writes the run files agentv wrote after that job into --output,
prints what agentv printed and exits with agentv's code.  The rows the job
wrote get the time of the replay (as agentv stamps a row when it runs the
case), so what changed is told exactly as for a live agentv.
"""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest
from support.builders import FIXTURES
from support.web import RUNS_DIR, client_for, wait_terminal

OUTCOMES = FIXTURES / "outcomes"

REPLAY = """\
#!{python} -I
import json, os, sys, time
scenario = {scenario!r}
args = sys.argv[1:]
out = args[args.index("--output") + 1]
job = json.load(open(os.path.join(scenario, "job.json")))
root = os.getcwd()
now = time.time()
stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + ".%03dZ" % (int(now * 1000) % 1000)
for name in ("index.jsonl", "benchmark.json"):
    text = open(os.path.join(scenario, "after", name)).read().replace("{{PROJECT_ROOT}}", root)
    if name == "index.jsonl":
        lines = []
        for line in text.splitlines():
            row = json.loads(line)
            if row.get("timestamp", "") >= job["started_at"]:
                row["timestamp"] = stamp
            lines.append(json.dumps(row))
        text = "\\n".join(lines) + "\\n"
    with open(os.path.join(out, name), "w") as handle:
        handle.write(text)
sys.stdout.write(job["log"].replace("{{PROJECT_ROOT}}", root))
sys.exit(job["exit_code"])
"""

SCENARIO_RUN = {"rerun-errored": ("errored", "rerun_failed"), "threshold": ("quality-only", "rerun_failed"),
                "resume-interrupted": ("interrupted", "resume"), "rerun-fixes-all": ("errored", "rerun_failed"),
                "resume-stopped": ("interrupted", "resume")}


@pytest.fixture
def replay(tmp_path, monkeypatch):
    def use(scenario: str) -> Path:
        path = tmp_path / f"agentv-replay-{scenario}"
        path.write_text(REPLAY.format(python=sys.executable, scenario=str(OUTCOMES / scenario)))
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
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


