"""The launch request: the contract's rules 2–8, in order, with their messages."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from agentv_resume.runs.project import Project
from agentv_resume.errors import Blocked, NoSuchRun
from agentv_resume.exit_codes import ExitStatus
from agentv_resume.launching.request import KEYS, LaunchError, parse_request
from agentv_resume.launching.resolve import default_output, resolve_request
from agentv_resume.runs.reader import RunReader

from support.builders import RUNS, add_run, make_run, row, set_cache

SUITE = {"suite_filter": "evals/greetings.yaml"}


def refused(body) -> str:
    with pytest.raises(LaunchError) as info:
        parse_request(body)
    assert info.value.status == 400
    return info.value.message


def resolve(project: Path, body: dict, now=None):
    return resolve_request(parse_request(body), Project(project), RunReader(project), now=now)


def refused_by_project(project: Path, body: dict) -> LaunchError:
    with pytest.raises(LaunchError) as info:
        resolve(project, body)
    assert info.value.status == 400
    return info.value


# --- rule 2 ----------------------------------------------------------------------

@pytest.mark.parametrize("body", [None, [], ["suite_filter"], "text", 3, True])
def test_rule2_body_must_be_an_object(body):
    assert refused(body) == "Invalid JSON body"


# --- rule 3 ----------------------------------------------------------------------

@pytest.mark.parametrize("key", ["rerun-failed", "testIds", "targets", "Resume", ""])
def test_rule3_unknown_key_is_named(key):
    message = refused({**SUITE, key: True})
    assert message.startswith("Unknown key") and repr(key) in message


def test_rule3_comes_before_rule4():
    assert "'bogus'" in refused({"workers": "many", "bogus": 1})


# --- rule 4 ----------------------------------------------------------------------

@pytest.mark.parametrize("key, value", [
    ("suite_filter", 5), ("suite_filter", ["a"]),
    ("test_ids", "greet-1"), ("test_ids", [1]), ("test_ids", ["a", None]), ("test_ids", [""]),
    ("target", 3), ("target", [None]), ("target", {"a": 1}), ("target", ["default", " "]),
    ("threshold", "0.5"), ("threshold", 1.5), ("threshold", -0.1), ("threshold", True), ("threshold", float("nan")),
    ("workers", 0), ("workers", 51), ("workers", 2.5), ("workers", "4"), ("workers", True),
    ("dry_run", "yes"), ("resume", 1), ("rerun_failed", "true"),
    ("retry_errors", True), ("output", ["x"]),
])
def test_rule4_wrong_type_or_range_names_the_key(key, value):
    message = refused({**SUITE, key: value})
    assert message.startswith(key)


def test_rule4_comes_before_rule5():
    assert refused({"workers": 0}).startswith("workers")


def test_rule4_accepts_every_key_with_its_type():
    request = parse_request({
        "suite_filter": "evals/a.yaml, evals/b.yaml", "test_ids": ["greet-1"], "target": "default",
        "threshold": 1, "workers": 50.0, "dry_run": True, "resume": False, "rerun_failed": False,
        "retry_errors": "", "output": None,
    })
    assert request.suite_parts == ["evals/a.yaml", "evals/b.yaml"]
    assert request.targets == ["default"] and request.workers == 50 and request.threshold == 1
    assert request.retry_errors is None and request.mode is None
    assert set(KEYS) == {"suite_filter", "test_ids", "target", "experiment", "threshold", "workers", "dry_run",
                         "resume", "rerun_failed", "retry_errors", "output"}


def test_values_reach_agentv_as_sent():
    request = parse_request({**SUITE, "test_ids": [" greet 1 "], "target": ["my target"], "output": "out dir/x"})
    assert request.test_ids == [" greet 1 "] and request.targets == ["my target"]
    assert request.output == "out dir/x"


# --- rule 5 ----------------------------------------------------------------------

@pytest.mark.parametrize("body", [{}, {"suite_filter": "  "}, {"suite_filter": " , "}, {"test_ids": []},
                                  {"resume": True, "output": "x"}])
def test_rule5_suite_or_test_ids(body):
    assert refused(body) == "Provide suite_filter or test_ids"


def test_rule5_test_ids_alone_are_enough():
    assert parse_request({"test_ids": ["greet-1"]}).test_ids == ["greet-1"]


def test_rule5_comes_before_rule6():
    assert refused({"resume": True, "rerun_failed": True}) == "Provide suite_filter or test_ids"


# --- rule 6 ----------------------------------------------------------------------

def test_rule6_modes_are_mutually_exclusive():
    assert refused({**SUITE, "resume": True, "rerun_failed": True}) == (
        "resume, rerun_failed, and retry_errors are mutually exclusive (got: resume, rerun_failed)")
    assert refused({**SUITE, "rerun_failed": True, "retry_errors": "x", "resume": True}).endswith(
        "(got: resume, rerun_failed, retry_errors)")
    assert refused({**SUITE, "resume": True, "retry_errors": "x"}).endswith("(got: resume, retry_errors)")


def test_rule6_blank_retry_errors_and_false_flags_do_not_count():
    assert parse_request({**SUITE, "resume": True, "rerun_failed": False, "retry_errors": "  "}).mode == "resume"


def test_rule6_comes_before_rule7():
    assert "mutually exclusive" in refused({"suite_filter": "-x", "resume": True, "rerun_failed": True})


# --- rule 7 ----------------------------------------------------------------------

@pytest.mark.parametrize("body, key", [
    ({"suite_filter": "-rf"}, "suite_filter"),
    ({"suite_filter": "evals/a.yaml, --help"}, "suite_filter"),
    ({**SUITE, "test_ids": ["ok", "--rerun-failed"]}, "test_ids"),
    ({**SUITE, "target": "-t"}, "target"),
    ({**SUITE, "output": "--resume"}, "output"),
    ({**SUITE, "retry_errors": "-x"}, "retry_errors"),
    ({"suite_filter": "evals/a.yaml\n--resume"}, "suite_filter"),
    ({**SUITE, "test_ids": ["a\nb"]}, "test_ids"),
    ({**SUITE, "test_ids": ["a\n"]}, "test_ids"),
    ({**SUITE, "target": "default\x00"}, "target"),
    ({**SUITE, "output": "out\x1b[31m"}, "output"),
    ({**SUITE, "output": "out\x85"}, "output"),
    ({**SUITE, "retry_errors": "x\ty"}, "retry_errors"),
])
def test_rule7_option_like_values_and_control_characters(body, key):
    assert refused(body).startswith(key)


def test_rule7_comes_before_rule8(project):
    # "-../x" would also be outside nothing; it must never reach the path checks.
    assert refused({**SUITE, "output": "-../../x"}).startswith("output must not start with '-'")


# --- rule 8: paths -------------------------------------------------------------------

@pytest.mark.parametrize("key", ["output", "retry_errors"])
@pytest.mark.parametrize("value", ["..", "../elsewhere", "evals/../../x", "/tmp", "/", "~/x/../../.."])
def test_rule8_paths_outside_the_project(project, key, value):
    error = refused_by_project(project, {**SUITE, key: value})
    assert error.message.startswith(f"{key} must be inside the project")


@pytest.mark.parametrize("key", ["output", "retry_errors"])
def test_rule8_symlink_escaping_the_project(project, tmp_path, key):
    outside = tmp_path / "outside"
    (outside / "run").mkdir(parents=True)
    (outside / "run" / "index.jsonl").write_text(json.dumps(row("a")) + "\n")
    (project / "escape").symlink_to(outside)
    error = refused_by_project(project, {**SUITE, key: "escape/run"})
    assert "inside the project" in error.message


def test_rule8_tilde_is_not_expanded(project):
    """agentv gets the value without a shell: `~/x` is a folder named `~` in the project."""
    resolved = resolve(project, {**SUITE, "output": "~/x"})
    assert resolved.run_dir == (project / "~" / "x").resolve() and resolved.output_arg == "~/x"


def test_rule8_absolute_path_inside_the_project_is_fine_and_reaches_agentv_relative(project):
    run_dir = project / RUNS / "errored"
    resolved = resolve(project, {**SUITE, "output": str(run_dir), "resume": True})
    assert resolved.run_dir == run_dir.resolve() and resolved.output_arg == f"{RUNS}/errored"


@pytest.mark.parametrize("value", ["evals", "evals/greetings.yaml", "nope", ".agentv/results/runs/default"])
def test_rule8_retry_errors_must_be_a_run_or_its_index(project, value):
    error = refused_by_project(project, {**SUITE, "retry_errors": value})
    assert "run directory or its index.jsonl" in error.message


@pytest.mark.parametrize("value", [".agentv/results/runs/default/errored",
                                   ".agentv/results/runs/default/errored/index.jsonl"])
def test_rule8_retry_errors_from_a_run_starts_a_new_run(project, value):
    now = datetime(2026, 11, 24, 13, 1, 39, 628000, tzinfo=timezone.utc)
    resolved = resolve(project, {**SUITE, "retry_errors": value}, now=now)
    assert resolved.output_arg == ".agentv/results/runs/default/2026-11-24T13-01-39-628Z"
    assert resolved.run_dir == project.resolve() / resolved.output_arg


def test_rule8_retry_errors_from_a_blocked_run(project):
    make_run(project, "bad", [row("a", "execution_error"), {"test_id": "b"}], planned=2)
    error = refused_by_project(project, {**SUITE, "retry_errors": ".agentv/results/runs/default/bad"})
    assert isinstance(error, Blocked) and error.exit_status == ExitStatus.RUN_NOT_FOUND
    assert "Missing or invalid score in result row at line 2" in error.message


@pytest.mark.parametrize("mode", ["resume", "rerun_failed"])
def test_rule8_resume_of_a_blocked_run(project, mode):
    make_run(project, "bad", [row("a", "execution_error"), b"[1]"], planned=2)
    error = refused_by_project(project, {**SUITE, "output": ".agentv/results/runs/default/bad", mode: True})
    assert isinstance(error, Blocked) and error.exit_status == ExitStatus.RUN_NOT_FOUND
    assert "Unsupported result row at line 2" in error.message


@pytest.mark.parametrize("value", ["evals", "evals/greetings.yaml"])
def test_rule8_retry_errors_from_no_run(project, value):
    """A retry source that is no run: a 400 to the API, exit 5 ("RUN cannot be found") to the CLI."""
    error = refused_by_project(project, {**SUITE, "retry_errors": value})
    assert isinstance(error, NoSuchRun) and error.exit_status == ExitStatus.RUN_NOT_FOUND
    assert "is neither" in error.message


def test_rule8_run_blocked_only_by_its_suite_can_be_resumed_with_a_suite(project):
    """A multi-file run has no single suite file; the request gives the files."""
    add_run(project, "multi-file")
    body = {"suite_filter": "evals/greetings.yaml,evals/long.yaml",
            "output": ".agentv/results/runs/default/multi-file", "resume": True}
    assert resolve(project, body).run_dir == (project / RUNS / "multi-file").resolve()


@pytest.mark.parametrize("mode", ["resume", "rerun_failed"])
def test_rule8_resume_without_output_uses_cache_json(project, mode):
    resolved = resolve(project, {**SUITE, mode: True})
    assert resolved.run_dir == (project / RUNS / "errored").resolve()
    assert resolved.output_arg is None  # agentv picks the same run itself


@pytest.mark.parametrize("cache", [None, {"lastRunDir": "/gone"}, "garbage"])
def test_rule8_resume_without_output_and_no_cached_run(project, cache):
    set_cache(project, cache)
    error = refused_by_project(project, {**SUITE, "rerun_failed": True})
    assert "cache.json" in error.message and "fresh run" in error.message


def test_rule8_resume_of_a_folder_that_is_not_a_run(project):
    error = refused_by_project(project, {**SUITE, "output": "evals", "resume": True})
    assert "no index.jsonl" in error.message


def test_rule8_fresh_run_must_not_overwrite_an_existing_run(project):
    error = refused_by_project(project, {**SUITE, "output": ".agentv/results/runs/default/errored"})
    assert "existing run" in error.message
    error = refused_by_project(project, {**SUITE, "retry_errors": ".agentv/results/runs/default/errored",
                                         "output": ".agentv/results/runs/default/errored"})
    assert "existing run" in error.message


def test_rule8_output_that_is_a_file(project):
    assert "is a file" in refused_by_project(project, {**SUITE, "output": "agent.py"}).message


def test_rule8_fresh_run_into_a_new_folder(project):
    resolved = resolve(project, {**SUITE, "output": "out/new"})
    assert resolved.run_dir == (project / "out/new").resolve() and resolved.output_arg == "out/new"


def test_default_output_is_agentvs_layout():
    assert re.fullmatch(r"\.agentv/results/runs/default/\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z", default_output())
