"""`studio-resume inspect [RUN] [--json]`."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.builders import add_run, make_run, row, write_suite

JSON_KEYS = {"run_id", "run_dir", "suite_filter", "targets", "experiment", "planned_test_count", "blocked",
             "rejected_rows", "counts", "records", "skipped_lines", "resumable", "rerunnable", "will_run",
             "commands", "tests"}


@pytest.fixture
def inspect(cli, project):
    def run(*args, cwd=None):
        return cli("--project", project, "inspect", *args, cwd=cwd)
    return run


@pytest.fixture
def inspect_json(inspect):
    def run(*args) -> dict:
        result = inspect(*args, "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)
    return run


def command(run: str, mode: str, suite="evals/greetings.yaml", targets=("default",)) -> str:
    flags = "".join(f" --target {t}" for t in targets)
    return f"agentv eval run {suite}{flags} --output .agentv/results/runs/default/{run} --{mode}"


# --- --json agrees with a hand count of every fixture run ------------------------------

def test_json_errored(inspect, inspect_json, project):
    data = inspect_json("errored")
    assert set(data) >= JSON_KEYS
    assert data["run_id"] == "errored"
    assert data["run_dir"] == ".agentv/results/runs/default/errored"
    assert data["suite_filter"] == "evals/greetings.yaml"
    assert data["targets"] == ["default"] and data["experiment"] == "default"
    assert data["planned_test_count"] == 5
    assert data["counts"] == {"ok": 2, "quality_failure": 1, "execution_error": 2, "missing": 0}
    assert data["records"] == 5 and data["skipped_lines"] == 0 and data["rejected_rows"] == 0
    assert data["blocked"] is None
    assert data["will_run"] == {"resume": 2, "rerun_failed": 3}
    assert data["resumable"] is True and data["rerunnable"] is True
    assert data["commands"] == {"resume": command("errored", "resume"),
                                "rerun_failed": command("errored", "rerun-failed")}
    assert data["tests"] == [
        {"test_id": "greet-1", "target": "default", "execution_status": "ok", "error": None},
        {"test_id": "greet-2", "target": "default", "execution_status": "execution_error",
         "error": "agent crashed on greet-2 (exit code 3)"},
        {"test_id": "greet-3", "target": "default", "execution_status": "execution_error",
         "error": "agent crashed on greet-3 (exit code 3)"},
        {"test_id": "greet-4", "target": "default", "execution_status": "quality_failure", "error": None},
        {"test_id": "greet-5", "target": "default", "execution_status": "ok", "error": None},
    ]


@pytest.mark.parametrize("run, planned, counts, will_run, suite", [
    ("all-ok", 5, {"ok": 5, "quality_failure": 0, "execution_error": 0, "missing": 0},
     {"resume": 0, "rerun_failed": 0}, "evals/greetings.yaml"),
    ("quality-only", 5, {"ok": 3, "quality_failure": 2, "execution_error": 0, "missing": 0},
     {"resume": 0, "rerun_failed": 2}, "evals/greetings.yaml"),
    ("interrupted", 12, {"ok": 6, "quality_failure": 0, "execution_error": 0, "missing": 6},
     {"resume": 6, "rerun_failed": 6}, "evals/long.yaml"),
])
def test_json_other_fixture_runs(inspect, inspect_json, project, run, planned, counts, will_run, suite):
    data = inspect_json(run)
    assert data["planned_test_count"] == planned
    assert data["counts"] == counts
    assert data["records"] == counts["ok"] + counts["quality_failure"] + counts["execution_error"]
    assert data["will_run"] == will_run
    assert data["resumable"] is (will_run["resume"] > 0)
    assert data["rerunnable"] is (will_run["rerun_failed"] > 0)
    assert data["commands"]["resume"] == command(run, "resume", suite)
    assert len(data["tests"]) == data["records"]


def test_json_matrix_run_names_each_target(inspect, inspect_json, project):
    add_run(project, "matrix")
    data = inspect_json("matrix")
    assert data["targets"] == ["default", "alt"]
    assert data["counts"] == {"ok": 6, "quality_failure": 2, "execution_error": 2, "missing": 0}
    assert data["commands"]["resume"] == command("matrix", "resume", targets=("default", "alt"))


def test_default_run_is_last(inspect, inspect_json, project):
    assert inspect_json()["run_id"] == "errored"
    assert inspect_json("last")["run_id"] == "errored"


def test_run_by_path_from_inside_the_project(inspect, inspect_json, project):
    result = inspect(".agentv/results/runs/default/interrupted/index.jsonl", "--json", cwd=project)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["run_id"] == "interrupted"


def test_project_found_by_walking_up(cli, project):
    result = cli("inspect", "--json", cwd=project / "evals")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["run_id"] == "errored"


# --- blocked runs still exit 0 ------------------------------------------------------------

def test_blocked_by_a_rejected_row(inspect, inspect_json, project):
    make_run(project, "bad", [row("a", "execution_error"), {"test_id": "b", "score": "x"}], planned=2,
             eval_file=write_suite(project, "ab", "ab"))
    data = inspect_json("bad")
    assert data["rejected_rows"] == 1
    assert "Missing or invalid score in result row at line 2" in data["blocked"]
    assert data["will_run"] == {"resume": 2, "rerun_failed": 2}  # as if not blocked
    result = inspect("bad")
    assert result.exit_code == 0
    assert "Blocked:" in result.stdout and "Rejected  1 row(s)" in result.stdout


def test_several_eval_files_are_found_from_the_suites_on_the_lines(inspect_json, project):
    add_run(project, "multi-file")
    data = inspect_json("multi-file")
    assert data["suite_filter"] == "evals/greetings.yaml,evals/long.yaml" and data["blocked"] is None
    assert data["commands"]["resume"] == ("agentv eval run evals/greetings.yaml evals/long.yaml --target default "
                                          "--output .agentv/results/runs/default/multi-file --resume")


def test_blocked_by_several_eval_files(inspect, inspect_json, project):
    add_run(project, "multi-file")
    (project / "evals" / "long.yaml").unlink()  # one of its files is gone: the suite is unknown
    data = inspect_json("multi-file")
    assert data["suite_filter"] is None and "several eval files" in data["blocked"]
    assert data["commands"] == {"resume": None, "rerun_failed": None}
    result = inspect("multi-file")
    assert result.exit_code == 0
    assert "Suite     (unknown)" in result.stdout
    assert "Resume run — 1 case: no command" in result.stdout


def test_skipped_lines_are_counted(inspect, inspect_json, project):
    make_run(project, "s", [row("a"), b"garbage"], planned=2, raw_tail=b'{"test_id": "b"')
    data = inspect_json("s")
    assert data["skipped_lines"] == 2 and data["blocked"] is None
    assert "Skipped   2 line(s)" in inspect("s").stdout


# --- the readable summary -------------------------------------------------------------------

def test_readable_summary(inspect, inspect_json, project):
    result = inspect("errored")
    assert result.exit_code == 0 and result.stderr == ""
    out = result.stdout
    assert "Run       errored  (.agentv/results/runs/default/errored)" in out
    assert "Suite     evals/greetings.yaml" in out
    assert "Planned   5    records 5    missing 0" in out
    assert "ok 2 · quality_failure 1 · execution_error 2 · missing 0" in out
    assert "greet-2  default  execution_error  agent crashed on greet-2 (exit code 3)" in out
    assert f"Resume run — 2 cases:\n  {command('errored', 'resume')}" in out
    assert f"Rerun failed cases — 3 cases:\n  {command('errored', 'rerun-failed')}" in out


def test_readable_summary_when_nothing_to_run(inspect, inspect_json, project):
    out = inspect("all-ok").stdout
    assert "Resume run: nothing to run" in out and "Rerun failed cases: nothing to run" in out


def test_readable_summary_of_an_interrupted_run(inspect, inspect_json, project):
    out = inspect("interrupted").stdout
    assert "Planned   12    records 6    missing 6" in out
    assert "Resume run — 6 cases" in out


# --- not found: exit 5 -------------------------------------------------------------------------

@pytest.mark.parametrize("arg", ["nope", "evals", "/no/such/run"])
def test_run_not_found(inspect, inspect_json, project, arg):
    result = inspect(arg)
    assert result.exit_code == 5
    assert result.stdout == "" and "no run" in result.stderr


def test_last_without_cache(inspect, inspect_json, project):
    """`last` is the newest run; agentv's cache.json is not needed (it is written when a run ends)."""
    (project / ".agentv/cache.json").unlink()
    result = inspect()
    assert result.exit_code == 0 and "Run       errored" in result.stdout
    assert "cache.json names no existing run" in result.stderr
    assert "cache.json names no existing run" in inspect_json("last")["warnings"][0]


def test_no_project(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("AGENTV_HOME", str(tmp_path / "h"))
    result = cli("inspect", cwd=tmp_path)
    assert result.exit_code == 5 and "no agentv project" in result.stderr


def test_json_of_an_empty_run(inspect_json, project):
    make_run(project, "empty", [], planned=3, eval_file=write_suite(project, "abc", "abc"))
    data = inspect_json("empty")
    assert data["tests"] == [] and data["records"] == 0
    assert data["counts"]["missing"] == 3 and data["will_run"] == {"resume": 3, "rerun_failed": 3}


def test_json_is_one_line_per_test(inspect, project):
    out = inspect("errored", "--json").stdout
    assert '    {"test_id": "greet-2", "target": "default", "execution_status": "execution_error", ' in out
    assert json.loads(out)["tests"][1]["test_id"] == "greet-2"


_TEXT = st.text(alphabet=st.characters(blacklist_categories=()), max_size=12)


@settings(max_examples=300, deadline=None)
@given(tests=st.lists(st.builds(
    lambda test_id, target, status, error: {"test_id": test_id, "target": target, "execution_status": status,
                                            "error": error},
    _TEXT, _TEXT, st.sampled_from(["ok", "quality_failure", "execution_error"]), st.one_of(st.none(), _TEXT)),
    max_size=5))
def test_json_test_lines_are_what_json_dumps_prints(tests):
    """--json writes each test line by hand (20,000 of them: 55 ms -> 6 ms); it must stay json.dumps's line."""
    from agentv_resume.cli.inspect import _dump_inspect

    data = {"run_id": "r", "counts": {"ok": 1}, "tests": tests}
    head = json.dumps({"run_id": "r", "counts": {"ok": 1}}, indent=2, ensure_ascii=False)[:-2]
    body = ",\n".join("    " + json.dumps(test, ensure_ascii=False) for test in tests)
    expected = head + (',\n  "tests": [\n' + body + "\n  ]\n}" if tests else ',\n  "tests": []\n}')
    assert _dump_inspect(data) == expected
    assert json.loads(_dump_inspect(data))["tests"] == tests


@pytest.mark.parametrize("per_write", [1, 2, 5, 6])
def test_json_written_a_few_tests_at_a_time_is_one_whole_object(inspect_json, monkeypatch, per_write):
    # 500,000 tests are written in slices (never one string); any slice size
    # gives the same object, every test once, in the run's order.
    whole = inspect_json("errored")
    monkeypatch.setattr("agentv_resume.cli.inspect._TESTS_PER_WRITE", per_write)
    assert inspect_json("errored") == whole
    assert [test["test_id"] for test in whole["tests"]] == ["greet-1", "greet-2", "greet-3", "greet-4", "greet-5"]
