"""Build agentv projects whose runs were written by the real agentv CLI.

The project has a `cli` target, `python3 agent.py {EVAL_ID} {OUTPUT_FILE}`.
The agent answers correctly unless a marker file says otherwise:

    crash/<id>   exit 3 (agentv records an execution_error)
    wrong/<id>   a wrong answer (a quality_failure)
    delay        seconds to sleep before answering (default 0)

Runs are made by really running `agentv eval run`, and interrupted by a
SIGINT to its process group, as Ctrl-C in a terminal does.  Nothing here
writes a result row by hand.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

RUNS = Path(".agentv/results/runs/default")

# The agent and its target are the bundled demo's, so the end-to-end tests
# drive exactly the project a user's first `scripts/demo` shows.
DEMO = Path(__file__).resolve().parents[2] / "agentv_resume" / "demo" / "project"

GREETINGS = [f"greet-{n}" for n in range(1, 6)]
LONG = [f"case-{n:02d}" for n in range(1, 13)]
SLOW = [f"slow-{n:02d}" for n in range(1, 11)]


def suite_yaml(name: str, ids: list[str], workers: int | None = None) -> str:
    lines = [f"name: {name}", f"description: {name} suite for the studio-resume e2e tests"]
    if workers is not None:
        # agentv reads execution.workers from the eval file, so a Resume from
        # the web page (which sends no --workers) keeps one case at a time.
        lines += ["execution:", f"  workers: {workers}"]
    lines.append("tests:")
    for test_id in ids:
        lines += [f"  - id: {test_id}", f"    input: Please greet case {test_id}", "    assert:",
                  "      - type: contains", "        value: Hello"]
    return "\n".join(lines) + "\n"


def write_skeleton(root: Path) -> None:
    (root / "evals").mkdir(parents=True)
    (root / ".agentv").mkdir()
    (root / "crash").mkdir()
    (root / "wrong").mkdir()
    shutil.copy(DEMO / "agent.py", root / "agent.py")
    shutil.copy(DEMO / ".agentv" / "targets.yaml", root / ".agentv" / "targets.yaml")
    (root / "evals" / "greetings.yaml").write_text(suite_yaml("greetings", GREETINGS))
    (root / "evals" / "long.yaml").write_text(suite_yaml("long", LONG))
    (root / "evals" / "slow.yaml").write_text(suite_yaml("slow", SLOW, workers=1))
    set_delay(root, 0)


def set_delay(root: Path, seconds: float) -> None:
    (root / "delay").write_text(f"{seconds}\n")


def set_markers(root: Path, crash: list[str] = (), wrong: list[str] = ()) -> None:
    for kind, ids in (("crash", crash), ("wrong", wrong)):
        for old in (root / kind).iterdir():
            old.unlink()
        for test_id in ids:
            (root / kind / test_id).touch()


def agentv_env(agentv_home: Path | None = None) -> dict:
    env = dict(os.environ, AGENTV_NO_UPDATE_CHECK="1", NO_COLOR="1", FORCE_COLOR="0")
    if agentv_home is not None:
        env["AGENTV_HOME"] = str(agentv_home)
    return env


def read_rows(index: Path) -> list[dict]:
    """Every JSON line of an index.jsonl (agentv never leaves a broken one here)."""
    return [json.loads(line) for line in index.read_text(encoding="utf-8").splitlines() if line.strip()]


def last_status(index: Path) -> dict[str, str]:
    """test_id → execution_status of its last line (the status the tool shows)."""
    return {row["test_id"]: row.get("execution_status") or "ok" for row in read_rows(index)}


def lines_by_test(index: Path) -> dict[str, set[str]]:
    """test_id → the distinct raw lines agentv wrote for it."""
    out: dict[str, set[str]] = {}
    for line in index.read_text(encoding="utf-8").splitlines():
        if line.strip():
            out.setdefault(json.loads(line)["test_id"], set()).add(line)
    return out


def run_dirs(root: Path) -> list[Path]:
    """Every run directory (one holding index.jsonl or benchmark.json) below results/runs."""
    runs = root / ".agentv" / "results" / "runs"
    return sorted(p for p in runs.glob("*/*") if p.is_dir())


@dataclass
class AgentvRun:
    returncode: int
    output: str


class ProjectBuilder:
    def __init__(self, agentv: str, agentv_home: Path):
        self.agentv = agentv
        self.env = agentv_env(agentv_home)

    def run(self, root: Path, suite: str, name: str, *extra: str,
            interrupt_at_lines: int | None = None, timeout: float = 120) -> AgentvRun:
        """`agentv eval run <suite> --output <runs>/<name>`; optionally Ctrl-C it
        as soon as index.jsonl holds ``interrupt_at_lines`` results."""
        out_dir = RUNS / name
        cmd = [self.agentv, "eval", "run", suite, "--output", str(out_dir), *extra]
        log = root.parent / f"agentv-{name}.log"
        with open(log, "wb") as sink:
            proc = subprocess.Popen(cmd, cwd=root, env=self.env, stdin=subprocess.DEVNULL,
                                    stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
            try:
                if interrupt_at_lines is not None:
                    self._interrupt_when(proc, root / out_dir / "index.jsonl", interrupt_at_lines, timeout)
                code = proc.wait(timeout=timeout)
            finally:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
        return AgentvRun(code, log.read_text(encoding="utf-8", errors="replace"))

    @staticmethod
    def _interrupt_when(proc: subprocess.Popen, index: Path, lines: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if index.read_bytes().count(b"\n") >= lines:
                    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
                    return
            except FileNotFoundError:
                pass
            time.sleep(0.02)
        raise AssertionError(f"agentv wrote fewer than {lines} lines to {index} before it ended")

    def build_template(self, root: Path) -> None:
        """errored, all-ok, interrupted and slow runs, each checked after agentv wrote it."""
        write_skeleton(root)

        set_markers(root, crash=GREETINGS[1:3], wrong=GREETINGS[3:4])
        result = self.run(root, "evals/greetings.yaml", "errored")
        _check(result, 0, "errored")
        assert sorted(last_status(root / RUNS / "errored" / "index.jsonl").values()) == \
            ["execution_error", "execution_error", "ok", "ok", "quality_failure"], result.output
        set_markers(root)  # the agent is fixed

        result = self.run(root, "evals/greetings.yaml", "all-ok")
        _check(result, 0, "all-ok")
        assert set(last_status(root / RUNS / "all-ok" / "index.jsonl").values()) == {"ok"}

        # Ctrl-C after a few results: no error rows, cases missing (12 planned).
        set_delay(root, 0.25)
        result = self.run(root, "evals/long.yaml", "interrupted", "--workers", "1", interrupt_at_lines=4)
        _check(result, 130, "interrupted")
        _check_interrupted(root / RUNS / "interrupted", len(LONG), result)

        # The slow suite: one worker (from the eval file); tests raise the delay.
        set_delay(root, 0.15)
        result = self.run(root, "evals/slow.yaml", "slow", interrupt_at_lines=2)
        _check(result, 130, "slow")
        _check_interrupted(root / RUNS / "slow", len(SLOW), result)
        set_delay(root, 0)


def _check(result: AgentvRun, code: int, name: str) -> None:
    assert result.returncode == code, f"agentv ({name}) exited {result.returncode}, expected {code}:\n{result.output}"


def _check_interrupted(run_dir: Path, planned: int, result: AgentvRun) -> None:
    statuses = last_status(run_dir / "index.jsonl")
    assert statuses and set(statuses.values()) == {"ok"}, (statuses, result.output)
    assert len(statuses) < planned, (statuses, result.output)
    meta = json.loads((run_dir / "benchmark.json").read_text())["metadata"]
    assert meta["planned_test_count"] == planned, meta


def copy_project(template: Path, dest: Path) -> Path:
    """A copy of ``template`` at ``dest`` with agentv's absolute paths pointing at it."""
    shutil.copytree(template, dest, symlinks=True)
    old, new = str(template).encode(), str(dest).encode()
    for path in dest.rglob("*"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            if old in data:
                path.write_bytes(data.replace(old, new))
    return dest
