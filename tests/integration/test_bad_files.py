"""Bad files through the API and the pages: a warning or a 404, never a 500,
never a hang, and one bad run never hides the others.

test_api.py already covers a truncated last line, a line of ``\\xff`` bytes
and ``NaN``, ``benchmark.json`` that is ``{ not json`` or missing, rejected
rows (``[1, 2]``, no score), ``index.jsonl`` a directory and a run whose read
raises.  Here: the rest of what a disk, a killed agentv or a hostile archive
can leave — and, last, hostile launch paths with the filesystem checked after.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from support.builders import RUNS, TESTS_DIR, make_run, row
from support.web import client_for

FIXTURE_RUNS = {"errored", "all-ok", "quality-only", "interrupted"}
LISTS = ["/", "/api/runs", "/benchmarks/proj/", "/api/benchmarks/proj/runs", "/jobs", "/api/eval/runs",
         "/api/benchmarks"]
MB = 1024 * 1024


def run_urls(run_id: str) -> list[str]:
    return [f"/runs/{run_id}", f"/runs/{run_id}?status=execution_error&page=3", f"/api/runs/{run_id}",
            f"/benchmarks/proj/runs/{run_id}", f"/api/benchmarks/proj/runs/{run_id}"]


def answer(client, method: str, url: str, body=..., timeout: float = 15.0):
    """The answer, or a failure if the request hangs (a FIFO opened for reading blocks)."""
    result: dict = {}

    def go():
        result["response"] = client.get(url) if method == "GET" else client.post(url, body)

    thread = threading.Thread(target=go, daemon=True)
    thread.start()
    thread.join(timeout)
    assert "response" in result, f"{method} {url} hung for {timeout} s"
    response = result["response"]
    assert response.status < 500, (url, response.status, response.body[:300])
    if url.startswith("/api/"):
        assert response.content_type == "application/json"
        response.json  # always parseable
    else:
        response.body.decode("utf-8")  # always valid UTF-8
    return response


def check_served(client, bad_ids: list[str]) -> dict[str, dict]:
    """Every list answers 200 and shows every run; every run route 200 (or 404).
    Returns the API detail of each run that answered."""
    for url in LISTS:
        assert answer(client, "GET", url).status == 200, url
    listed = {run["id"] for run in answer(client, "GET", "/api/runs").json["runs"]}
    assert FIXTURE_RUNS | set(bad_ids) <= listed
    details = {}
    for run_id in sorted(listed):
        statuses = {url: answer(client, "GET", url).status for url in run_urls(run_id)}
        assert set(statuses.values()) == {200}, statuses
        details[run_id] = answer(client, "GET", f"/api/runs/{run_id}").json
        for mode in ("resume", "rerun_failed"):
            body = {"suite_filter": "evals/greetings.yaml", "output": details[run_id]["run_dir"], mode: True}
            assert answer(client, "POST", "/api/eval/preview", body).status in (200, 400)
    return details


def warned(detail: dict, words: str) -> bool:
    return any(words in text for text in [*detail["warnings"], detail["blocked"] or ""])


# --- index.jsonl lines ------------------------------------------------------------------

def test_lines_of_every_bad_kind(client, project):
    runs = project / RUNS
    make_run(project, "cut-in-a-character", [row("a"), row("b", "execution_error", error="x")],
             raw_tail=b'{"test_id": "caf\xc3')
    make_run(project, "latin-1", [b'{"test_id": "caf\xe9", "target": "default", "score": 0, '
                                  b'"execution_status": "execution_error", "error": "bad \xff\xfe bytes"}'])
    make_run(project, "not-objects", [b'"a string"', b"42", b"null", b"true", row("a")])
    make_run(project, "five-mb", [row("a"), row("big", "execution_error", error="e" * (5 * MB))],
             raw_tail=b'{"test_id": "cut", "score": 1, "pad": "' + b"p" * (5 * MB))
    make_run(project, "surrogates", [b'{"test_id": "a\\ud800", "target": "t\\udfff", "score": 0, '
                                     b'"execution_status": "execution_error", "error": "e\\udc00"}', row("b")])
    make_run(project, "deep", [b"[" * 200_000 + b"]" * 200_000, b'{"a":' * 100_000, row("a")])
    make_run(project, "huge-numbers", [b'{"test_id": "a", "target": "default", "score": 1' + b"0" * 5000 + b"}",
                                       b'{"test_id": "b", "target": "default", "score": 1e400}', row("c")])
    make_run(project, "nul-and-crlf", [b"\x00\x00", json.dumps(row("a")).encode() + b"\r", b"   ", b"\t"])
    make_run(project, "empty", [])
    details = check_served(client, ["cut-in-a-character", "latin-1", "not-objects", "five-mb", "surrogates",
                                    "deep", "huge-numbers", "nul-and-crlf", "empty"])

    assert details["cut-in-a-character"]["skipped_lines"] == 1
    assert warned(details["cut-in-a-character"], "not JSON")
    latin = details["latin-1"]["results"][0]
    assert latin["test_id"] == "caf\ufffd" and "\ufffd\ufffd" in latin["error"]  # as agentv reads them
    assert "caf\ufffd" in client.get("/runs/latin-1").text
    assert details["not-objects"]["rejected_rows"] == 4
    assert "Unsupported result row at line 1" in details["not-objects"]["blocked"]
    five = details["five-mb"]
    assert five["skipped_lines"] == 1 and len(five["results"]) == 2
    assert len(next(r for r in five["results"] if r["test_id"] == "big")["error"]) == 5 * MB
    by_id = {r["test_id"]: r for r in details["surrogates"]["results"]}
    assert by_id["a\ud800"]["target"] == "t\udfff" and by_id["a\ud800"]["error"] == "e\udc00"
    page = client.get("/runs/surrogates")
    assert page.status == 200 and "a\ufffd" in page.text
    assert details["deep"]["skipped_lines"] == 2 and len(details["deep"]["results"]) == 1
    assert details["huge-numbers"]["rejected_rows"] == 2
    assert "Missing or invalid score" in details["huge-numbers"]["blocked"]
    assert details["nul-and-crlf"]["skipped_lines"] == 1 and len(details["nul-and-crlf"]["results"]) == 1
    assert details["empty"]["results"] == [] and details["empty"]["state"] == "complete"
    assert (runs / "five-mb" / "index.jsonl").stat().st_size > 10 * MB  # read, never rewritten


# --- benchmark.json -------------------------------------------------------------------

BENCHMARKS = {
    "planned-a-string": ({"metadata": {"planned_test_count": "12", "eval_file": "{root}/evals/greetings.yaml"}},
                         "planned_test_count is not a positive number"),
    "planned-infinite": (b'{"metadata": {"planned_test_count": 1e400}}', "planned_test_count is not a positive"),
    "planned-negative": ({"metadata": {"planned_test_count": -3}}, "planned_test_count is not a positive"),
    "planned-huge": ({"metadata": {"planned_test_count": 10**30, "eval_file": "{root}/evals/greetings.yaml"}},
                     None),
    "metadata-a-list": ({"metadata": [1, 2]}, "no metadata object"),
    "top-level-list": ([{"metadata": {}}], "no metadata object"),
    "top-level-null": (None, "no metadata object"),
    "eval-file-a-number": ({"metadata": {"eval_file": 5, "planned_test_count": 3}}, "eval_file is not a string"),
    "eval-file-nul": ({"metadata": {"eval_file": "evals/\u0000x.yaml"}}, "no longer exists"),
    "eval-file-too-long": ({"metadata": {"eval_file": "a" * 5000}}, "no longer exists"),
    "eval-file-surrogate": (b'{"metadata": {"eval_file": "evals/\\ud800.yaml"}}', "no longer exists"),
    "targets-garbage": ({"metadata": {"targets": "x", "experiment": 5, "timestamp": 7}}, None),
    "not-utf8": (b'\xff\xfe{"metadata": {}}', "not valid JSON"),
    "too-large": (b'{"metadata": {"pad": "' + b"x" * (17 * MB) + b'"}}', "cannot be read"),
}


def test_benchmark_json_of_every_bad_kind(client, project):
    for name, (content, _) in BENCHMARKS.items():
        run_dir = make_run(project, name, [row("a"), row("b", "execution_error", error="x")], planned=3)
        if isinstance(content, bytes):
            data = content
        else:
            data = json.dumps(content).replace("{root}", str(project)).encode()
        (run_dir / "benchmark.json").write_bytes(data)
    a_dir = make_run(project, "a-directory", [row("a")])
    (a_dir / "benchmark.json").unlink()
    (a_dir / "benchmark.json").mkdir()
    a_fifo = make_run(project, "a-fifo", [row("a")])
    (a_fifo / "benchmark.json").unlink()
    os.mkfifo(a_fifo / "benchmark.json")
    a_loop = make_run(project, "a-symlink-loop", [row("a")])
    (a_loop / "benchmark.json").unlink()
    (a_loop / "benchmark.json").symlink_to(a_loop / "benchmark.json")

    details = check_served(client, [*BENCHMARKS, "a-directory", "a-fifo", "a-symlink-loop"])
    for name, (_, words) in BENCHMARKS.items():
        if words:
            assert warned(details[name], words), (name, details[name]["warnings"], details[name]["blocked"])
    for name in ("a-directory", "a-fifo", "a-symlink-loop"):
        assert warned(details[name], "benchmark.json cannot be read"), details[name]["warnings"]
    assert details["planned-a-string"]["planned"] is None
    assert details["planned-huge"]["missing"] == 10**30 - 2
    assert details["metadata-a-list"]["blocked"] and details["eval-file-a-number"]["blocked"]
    assert details["targets-garbage"]["targets"] == ["default"]


# --- index.jsonl that is not a regular file -----------------------------------------------

def test_index_jsonl_that_is_not_a_regular_file(client, project):
    fifo = make_run(project, "index-a-fifo", [])
    (fifo / "index.jsonl").unlink()
    os.mkfifo(fifo / "index.jsonl")
    loop = make_run(project, "index-a-symlink-loop", [])
    (loop / "index.jsonl").unlink()
    (loop / "index.jsonl").symlink_to(loop / "index.jsonl")
    device = make_run(project, "index-a-device", [])
    (device / "index.jsonl").unlink()
    (device / "index.jsonl").symlink_to("/dev/null")
    # A FIFO is listed (it exists); a symlink loop cannot be stat'ed, so it is no run.
    details = check_served(client, ["index-a-fifo", "index-a-device"])
    for name in ("index-a-fifo", "index-a-device"):
        assert warned(details[name], "index.jsonl cannot be read"), details[name]
        assert details[name]["blocked"]
    # Launching on it is refused before anything could open it for writing.
    body = {"suite_filter": "evals/greetings.yaml", "output": f"{RUNS}/index-a-fifo", "resume": True}
    assert answer(client, "POST", "/api/eval/preview", body).status == 400


# --- unreadable files (chmod 000) -----------------------------------------------------------

UNREADABLE_PROBE = r"""
import json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from agentv_resume.web.app import create_app
from support.testclient import Client
root = Path(sys.argv[2])
client = Client(create_app([root]))
out = {}
for url in sys.argv[3:]:
    response = client.get(url)
    out[url] = [response.status, response.body.decode("utf-8")[:20000]]
print(json.dumps(out))
"""


def _world_readable_copy(project: Path) -> Path:
    """A copy of the project an unprivileged user can read (tmp_path is root's, mode 0700)."""
    base = Path(tempfile.mkdtemp(prefix="studio-resume-unreadable-"))
    base.chmod(0o755)
    root = base / "proj"
    shutil.copytree(project, root, symlinks=True)
    for path in [root, *root.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)
    return root


def test_unreadable_files_are_warnings(project):
    drop = []
    if os.geteuid() == 0:
        # root reads through chmod 000; drop to nobody for the reads, if we can.
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root, where chmod 000 does not deny reads, and setpriv is not available "
                        "to read as another user")
        drop = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    root = _world_readable_copy(project)
    try:
        runs = root / RUNS
        index = make_run(root, "unreadable-index", [row("a")])
        bench = make_run(root, "unreadable-benchmark", [row("a"), row("b", "execution_error", error="x")])
        closed_dir = make_run(root, "unreadable-directory", [row("a")])
        for path in (index / "index.jsonl", bench / "benchmark.json", root / ".agentv" / "cache.json", closed_dir):
            path.chmod(0)
        for path in (index, bench):
            path.chmod(0o755)
        urls = [*LISTS, *run_urls("unreadable-index"), *run_urls("unreadable-benchmark"),
                *run_urls("unreadable-directory"), "/api/runs/errored"]
        if not drop:
            try:
                (index / "index.jsonl").read_bytes()
            except PermissionError:
                pass
            else:
                pytest.skip("chmod 000 does not deny reads here (CAP_DAC_OVERRIDE?)")
        result = subprocess.run([*drop, sys.executable, "-c", UNREADABLE_PROBE, str(TESTS_DIR), str(root), *urls],
                                capture_output=True, text=True, timeout=60, cwd=root.parent)
        assert result.returncode == 0, result.stderr
        answers = json.loads(result.stdout)
        for url, (status, _) in answers.items():
            if "unreadable-directory" in url:
                assert status in (200, 404), (url, status)  # cannot even tell it is a run: not listed
            else:
                assert status == 200, (url, status, answers[url][1][:300])
        listed = {run["id"] for run in json.loads(answers["/api/runs"][1])["runs"]}
        assert FIXTURE_RUNS | {"unreadable-index", "unreadable-benchmark"} <= listed
        assert "Permission denied" in answers["/api/runs/unreadable-index"][1]
        assert "benchmark.json cannot be read" in answers["/api/runs/unreadable-benchmark"][1]
        assert runs.exists()
    finally:
        for path in [root, *root.rglob("*")]:
            if not path.is_symlink():
                path.chmod(0o755)
        shutil.rmtree(root.parent)


# --- cache.json -------------------------------------------------------------------------------

@pytest.mark.parametrize("content", [
    b"\xff\xfe garbage", b"", b"[]", b"null", b'{"lastRunDir": 5}', b'{"lastRunDir": ["a"]}',
    b'{"lastRunDir": "x\\u0000y"}', b'{"lastRunDir": "\\ud800"}', b'{"lastRunDir": "/etc"}',
    b'{"lastRunDir": "' + b"a" * 5000 + b'"}', b'{"lastRunDir": "../../../../../../.."}',
    "a directory", "a fifo", "outside run",
], ids=lambda c: c if isinstance(c, str) else c[:24].decode("latin-1"))
def test_cache_json_garbage(project, tmp_path, fp, cli, content):
    cache = project / ".agentv" / "cache.json"
    cache.unlink()
    if content == "a directory":
        cache.mkdir()
    elif content == "a fifo":
        os.mkfifo(cache)
    elif content == "outside run":
        outside = make_run(tmp_path / "elsewhere", "outside", [row("a", "execution_error")])
        cache.write_text(json.dumps({"lastRunDir": str(outside)}))
    else:
        cache.write_bytes(content)
    client = client_for(project)
    check_served(client, [])
    # Resume without output needs the pointer: refused, never a fresh run or a 500.
    for url in ("/api/eval/preview", "/api/eval/run"):
        response = answer(client, "POST", url, {"suite_filter": "evals/greetings.yaml", "resume": True})
        assert response.status == 400, response.json
        assert "cache.json" in response.json["error"]
    assert client.get("/api/eval/runs").json == {"jobs": []}
    # `last` is the newest run, which needs no cache.json; the note says what the cache names.
    result = cli("--project", project, "inspect")
    assert result.exit_code == 0, result.output
    if content != "outside run":  # that one is the newest run itself: nothing to say
        assert "cache.json" in result.stderr


# --- job records ---------------------------------------------------------------------------------

def test_damaged_job_records_are_no_jobs(client, project):
    jobs_dir = project / ".agentv" / "studio-resume" / "jobs"
    good = {"id": "20250101-000000-000000", "status": "finished", "command": "agentv eval run x",
            "run_dir": str(project / RUNS / "errored"), "started_at": "2025-01-01T00:00:00Z", "exit_code": 0}
    damaged = {
        "20250101-000000-aaaaaa": b"{not json",
        "20250101-000000-bbbbbb": b"[1, 2]",
        "20250101-000000-cccccc": {"status": 5, "run_dir": 7, "started_at": 3},
        "20250101-000000-dddddd": {"status": "running", "run_dir": "/x\u0000", "agentv_pid": 10**30},
        "20250101-000000-eeeeee": {"status": "running", "run_dir": "/x", "progress_base_done": "x"},
        "20250101-000000-ffffff": {"status": "running", "run_dir": "/x", "supervisor_pid": "abc"},
    }
    for job_id, record in {good["id"]: good, **damaged}.items():
        (jobs_dir / job_id).mkdir(parents=True)
        data = record if isinstance(record, bytes) else json.dumps({"id": job_id, **record}).encode()
        (jobs_dir / job_id / "job.json").write_bytes(data)
    (jobs_dir / good["id"] / "output.log").mkdir()  # a log that cannot be read: an empty log
    (jobs_dir / "not-a-job-id!").mkdir()

    assert [job["id"] for job in answer(client, "GET", "/api/eval/runs").json["jobs"]] == [good["id"]]
    assert answer(client, "GET", "/jobs").status == 200
    assert answer(client, "GET", f"/api/eval/status/{good['id']}").json["log_tail"] == ""
    assert answer(client, "GET", f"/jobs/{good['id']}").status == 200
    for job_id in damaged:
        for url in (f"/api/eval/status/{job_id}", f"/jobs/{job_id}"):
            assert answer(client, "GET", url).status == 404, url
        assert answer(client, "POST", f"/api/eval/run/{job_id}/stop", {}).status == 404


# --- hostile launch paths: refused, and nothing written outside the project -----------------------

def snapshot(*tops: Path) -> dict[str, tuple]:
    out = {}
    for top in tops:
        for path in [top, *top.rglob("*")]:
            try:
                st = path.lstat()
            except OSError:
                continue
            out[str(path)] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return out


def test_hostile_outputs_write_nothing_outside_the_project(project, tmp_path, fake_agentv, cli):
    outside = tmp_path / "outside"
    outside_run = make_run(outside, "victim", [row("a", "execution_error")])
    (project / "escape").symlink_to(outside)
    (project / "escape-run").symlink_to(outside_run)
    (project / "dangling").symlink_to(tmp_path / "not-yet")
    (project / RUNS / "evil").symlink_to(outside)
    suite = {"suite_filter": "evals/greetings.yaml"}
    bodies = [
        {**suite, "output": "../../../etc"}, {**suite, "output": "../../../etc", "resume": True},
        {**suite, "output": "/etc"}, {**suite, "output": "/etc/studio-resume-pwned"},
        {**suite, "output": str(outside / "new")}, {**suite, "output": "../outside/new"},
        {**suite, "output": "escape/new"}, {**suite, "output": "escape-run", "resume": True},
        {**suite, "output": "escape-run", "rerun_failed": True}, {**suite, "output": "dangling"},
        {**suite, "output": "dangling/x"}, {**suite, "output": f"{RUNS}/evil/new"},
        {**suite, "output": f"{RUNS}/evil/../../../../../../outside/new2"},
        {**suite, "retry_errors": "escape-run"}, {**suite, "retry_errors": "escape-run/index.jsonl"},
        {**suite, "retry_errors": str(outside_run)}, {**suite, "retry_errors": "../outside/.agentv"},
        {**suite, "output": f"{RUNS}/new\u0000x"}, {**suite, "output": "x\ud800"},
    ]
    etc_before = sorted(os.listdir("/etc"))
    before = snapshot(tmp_path)
    client = client_for(project)
    for body in bodies:
        for url in ("/api/eval/run", "/api/eval/preview"):
            response = client.post(url, body)
            assert response.status == 400, (body, response.status, response.body[:300])
    assert client.get("/api/eval/runs").json == {"jobs": []}
    assert snapshot(tmp_path) == before
    assert sorted(os.listdir("/etc")) == etc_before
    assert not (tmp_path / "not-yet").exists()
    assert not Path("/etc/studio-resume-pwned").exists()
    # Through the CLI (the same code path) too: RUN and --retry-errors outside the project.
    for args in (["--resume", str(outside_run)], ["--rerun-failed", "escape-run"],
                 ["--retry-errors", str(outside_run), "evals/greetings.yaml"],
                 ["--retry-errors", "escape-run/index.jsonl", "evals/greetings.yaml"]):
        result = cli("--project", project, "launch", *args, cwd=project)
        assert result.exit_code not in (0, 3, 4), (args, result.output)
        assert not fake_agentv.with_name("ran").exists()
    assert snapshot(tmp_path) == before
