"""Builders for agentv projects and runs in tmp_path: `from support.builders import row`."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from agentv_resume.runs.reader import RunReader
from agentv_resume.runs.scanner import IndexScanner

TESTS_DIR = Path(__file__).resolve().parents[1]  # on sys.path of a test's own subprocesses too
FIXTURES = TESTS_DIR / "fixtures"
FIXTURE_PROJECT = FIXTURES / "agentv-project"
RUNS = ".agentv/results/runs/default"


def fill_project_root(root: Path) -> None:
    """agentv writes absolute paths; the fixture stores them as {PROJECT_ROOT}."""
    for path in (root / ".agentv").rglob("*"):
        if path.is_file() and path.suffix in (".json", ".jsonl"):
            text = path.read_text(encoding="utf-8")
            if "{PROJECT_ROOT}" in text:
                path.write_text(text.replace("{PROJECT_ROOT}", str(root)), encoding="utf-8")


def row(test_id: str, status: str = "ok", *, target: str = "default", score=None, error=None, **extra) -> dict:
    """A result row shaped like agentv's (the fields the tool reads)."""
    if score is None:
        score = 1 if status == "ok" else 0
    data = {"test_id": test_id, "suite": "greetings", "score": score, "target": target,
            "execution_status": status}
    if error is not None:
        data["error"] = error
    data.update(extra)
    return data


def write_suite(root: Path, name: str, ids) -> str:
    """An eval file ``evals/<name>.yaml`` with these test ids (agentv's format); its relative path.

    agentv plans a resume from the suite, so a hand-made run needs the suite
    its ids come from for the prediction to be agentv's."""
    lines = [f"name: {name}", "tests:"]
    for test_id in ids:
        lines += [f"  - id: {test_id}", "    input: hi", "    assert:", "      - type: contains", "        value: Hello"]
    path = root / "evals" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return f"evals/{name}.yaml"


def make_run(root: Path, name: str, rows: list, *, planned: int | None = None,
             eval_file: str | None = "evals/greetings.yaml", experiment: str = "default",
             raw_tail: bytes = b"", benchmark: bool = True, targets: list[str] | None = None) -> Path:
    """Write a run directory: rows may be dicts (JSON lines) or raw bytes lines."""
    run_dir = root / ".agentv" / "results" / "runs" / experiment / name
    run_dir.mkdir(parents=True, exist_ok=True)
    body = b""
    for item in rows:
        body += (item if isinstance(item, bytes) else json.dumps(item).encode()) + b"\n"
    (run_dir / "index.jsonl").write_bytes(body + raw_tail)
    if benchmark:
        meta = {"eval_file": str(root / eval_file) if eval_file else "", "targets": targets or ["default"],
                "experiment": experiment}
        if planned is not None:
            meta["planned_test_count"] = planned
        (run_dir / "benchmark.json").write_text(json.dumps({"metadata": meta}))
    return run_dir


EXTRA_RUNS = FIXTURES / "extra-runs"


def add_run(root: Path, name: str, as_name: str | None = None, experiment: str = "default") -> Path:
    """Copy a run from tests/fixtures/extra-runs (written by the real agentv) into the project."""
    run_dir = root / ".agentv" / "results" / "runs" / experiment / (as_name or name)
    run_dir.mkdir(parents=True, exist_ok=True)
    for source in (EXTRA_RUNS / name).iterdir():
        text = source.read_text(encoding="utf-8").replace("{PROJECT_ROOT}", str(root))
        (run_dir / source.name).write_text(text, encoding="utf-8")
    return run_dir


def run_dir_of(root: Path, name: str) -> Path:
    return root / RUNS / name


def set_cache(root: Path, cache) -> None:
    """Write agentv's .agentv/cache.json: None removes it, a str is written as is, else JSON."""
    path = root / ".agentv" / "cache.json"
    if cache is None:
        path.unlink()
    else:
        path.write_text(cache if isinstance(cache, str) else json.dumps(cache))


SCENARIOS = FIXTURES / "scenarios"
BEFORE_THE_RUNS = 1_700_000_000  # 2023-11: before any scenario run began


def scenario_project(name: str, dest: Path) -> Path:
    """A copy of tests/fixtures/scenarios/<name> (made by the real agentv) at ``dest``.

    agentv's absolute paths are filled in, and the eval files get a time before
    the runs, as they had when agentv ran (a checkout gives them its own time;
    the tool reads an eval file changed after a run as a suite edited since)."""
    shutil.copytree(SCENARIOS / name, dest)
    fill_project_root(dest)
    for folder in ("evals", "variants"):
        for path in (dest / folder).glob("*") if (dest / folder).is_dir() else ():
            os.utime(path, (BEFORE_THE_RUNS, BEFORE_THE_RUNS))
    return dest


def scenario_expected(name: str) -> dict:
    """What the real agentv did for each follow-up command of a scenario (expected.json)."""
    return json.loads((SCENARIOS / "expected.json").read_text())[name]


def read_run(run_dir: Path, project_root: Path):
    """A run read once, without a long-lived reader (what a test wants)."""
    return RunReader(project_root).read(run_dir)


def read_index(path: Path):
    """An index.jsonl read once (no cache)."""
    return IndexScanner(path).scan()
