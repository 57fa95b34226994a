"""The CLI prints text from files as text: escapes are shown, never obeyed;
a Ctrl-C is exit 130 without Click's 'Aborted!'."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from support.builders import make_run, row

pytestmark = pytest.mark.timeout(60)

UNSAFE = set(map(chr, [*range(0x00, 0x09), *range(0x0b, 0x20), *range(0x7f, 0xa0)])) | set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")

HOSTILE = [
    ("title\x1b]0;pwned\x07", "default", "\x1b]52;c;ZWNobyBoaQ==\x07clipboard"),
    ("cr\rFAKE-OK", "t\x9b31m", "line1\nline2\r\x1b[2Khidden"),
    ("rtl\u202eexe.txt", "\u2066iso\u2069", "\x00nul \x7f del"),
]


@pytest.fixture
def hostile(project):
    rows = [row(test_id, "execution_error", target=target, error=error) for test_id, target, error in HOSTILE]
    make_run(project, "hostile", rows + [row("plain")], planned=4)
    return project


def test_inspect_shows_escapes_as_text(hostile, cli):
    result = cli("--project", hostile, "inspect", "hostile")
    assert result.exit_code == 0, result.output
    assert not (set(result.stdout) & UNSAFE), repr(result.stdout)
    assert "\\x1b]0;pwned\\x07" in result.stdout and "\\u202e" in result.stdout
    # every test still has its own row
    rows = [line for line in result.stdout.splitlines() if "execution_error" in line and not line.startswith("Status")]
    assert len(rows) == 3


def test_inspect_json_is_the_same_data_without_unsafe_characters(hostile, cli):
    result = cli("--project", hostile, "inspect", "hostile", "--json")
    assert result.exit_code == 0, result.output
    assert not (set(result.stdout) & (UNSAFE - {"\n"}))
    tests = {t["test_id"]: t for t in json.loads(result.stdout)["tests"]}
    for test_id, target, error in HOSTILE:
        assert tests[test_id]["target"] == target and tests[test_id]["error"] == error


@pytest.mark.parametrize("command", [["inspect", "errored"], ["inspect", "errored", "--json"]])
def test_a_ctrl_c_is_exit_130_without_aborted(project, cli, monkeypatch, command):
    from agentv_resume.runs.reader import RunReader

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(RunReader, "read", interrupted)
    result = cli("--project", project, *command)
    assert result.exit_code == 130
    assert "Aborted" not in result.output
    assert "interrupted" in result.stderr


def test_a_real_sigint_during_inspect_is_exit_130(project, tmp_path):
    # A sitecustomize makes reading the run slow, so the signal lands mid-inspect.
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(textwrap.dedent("""
        import sys, time
        from agentv_resume.runs import reader
        original = reader.RunReader.read
        def slow(self, *a, **k):
            print("reading", file=sys.stderr, flush=True)
            time.sleep(30)
            return original(self, *a, **k)
        reader.RunReader.read = slow
    """))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(hook), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-m", "agentv_resume", "--project", str(project), "inspect", "errored"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stderr.readline().strip() == "reading"
        time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert "Aborted" not in err and "Traceback" not in err


def test_the_runs_list_shows_a_hostile_suite_path_as_text(project, cli):
    run_dir = make_run(project, "hostile-suite", [row("t-1")], planned=1)
    bench = json.loads((run_dir / "benchmark.json").read_text())
    hostile_name = "evals/\x1b]0;pwned\x07\u202egreetings.yaml"
    (project / hostile_name).write_bytes((project / "evals" / "greetings.yaml").read_bytes())
    bench["metadata"]["eval_file"] = str(project / hostile_name)
    (run_dir / "benchmark.json").write_text(json.dumps(bench))
    listed = cli("--project", project, "runs", "--json")
    assert any("pwned" in (r.get("suite_filter") or "") for r in json.loads(listed.stdout)["runs"]), listed.stdout
    for args in (["runs"], ["runs", "--json"], ["jobs"], ["jobs", "--json"]):
        result = cli("--project", project, *args)
        assert result.exit_code == 0, result.output
        assert not (set(result.stdout) & (UNSAFE - {"\n"})), (args, result.stdout)
