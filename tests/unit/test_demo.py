"""The bundled demo project (agentv_resume/demo), made by the real agentv CLI."""
import json
from pathlib import Path

from agentv_resume.demo import PLACEHOLDER, copy_demo_project, demo_source

RUNS = Path(".agentv/results/runs/default")


def _rows(index: Path) -> list[dict]:
    return [json.loads(line) for line in index.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_bundle_is_small_and_has_placeholders():
    src = demo_source()
    files = [p for p in src.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 1_000_000
    assert PLACEHOLDER in (src / ".agentv/cache.json").read_text()
    assert [p.name for p in (src / "crash").iterdir()] == [".gitkeep"]
    assert [p.name for p in (src / "wrong").iterdir()] == [".gitkeep"]


def test_copy_has_runs_and_real_paths(tmp_path):
    root = copy_demo_project(tmp_path)
    assert root.is_dir() and root.parent == tmp_path.resolve()
    assert root.name == "agentv-demo"
    assert sorted(p.name for p in (root / RUNS).iterdir()) == ["all-ok", "errored", "interrupted"]
    for name in ("all-ok", "errored", "interrupted"):
        assert (root / RUNS / name / "index.jsonl").is_file()
        assert (root / RUNS / name / "benchmark.json").is_file()

    for f in root.rglob("*"):
        if f.is_file():
            assert PLACEHOLDER not in f.read_text(encoding="utf-8", errors="replace"), f

    cache = json.loads((root / ".agentv/cache.json").read_text())
    last = Path(cache["lastRunDir"])
    assert last.is_absolute() and last.is_dir()
    assert last == root / RUNS / "errored"

    for name in ("all-ok", "errored", "interrupted"):
        meta = json.loads((root / RUNS / name / "benchmark.json").read_text())["metadata"]
        assert Path(meta["eval_file"]).is_file()
        assert Path(meta["eval_file"]).parent == root / "evals"


def test_errored_run(tmp_path):
    root = copy_demo_project(tmp_path)
    rows = _rows(root / RUNS / "errored/index.jsonl")
    statuses = [r.get("execution_status") for r in rows]
    assert statuses.count("execution_error") == 2
    assert statuses.count("quality_failure") == 1
    assert statuses.count("ok") == 2


def test_interrupted_run(tmp_path):
    root = copy_demo_project(tmp_path)
    meta = json.loads((root / RUNS / "interrupted/benchmark.json").read_text())["metadata"]
    assert meta["planned_test_count"] == 12
    rows = _rows(root / RUNS / "interrupted/index.jsonl")
    ids = {r["test_id"] for r in rows}
    assert 0 < len(ids) < 12
    assert all(r.get("execution_status") == "ok" for r in rows)


def test_second_copy_gets_a_new_folder(tmp_path):
    a = copy_demo_project(tmp_path)
    b = copy_demo_project(tmp_path)
    assert a != b and b.name == "agentv-demo-2"
    assert json.loads((b / ".agentv/cache.json").read_text())["lastRunDir"].startswith(str(b))


def test_demo_is_ready_to_resume(tmp_path):
    root = copy_demo_project(tmp_path)
    assert float((root / "delay").read_text()) > 0  # slow enough to watch
    assert not [p for p in (root / "crash").iterdir() if p.name != ".gitkeep"]
    assert not [p for p in (root / "wrong").iterdir() if p.name != ".gitkeep"]
    assert (root / "agent.py").is_file()
