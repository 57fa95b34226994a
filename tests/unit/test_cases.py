"""Failure reasons and per-case artifacts, read from runs the real agentv wrote."""

from __future__ import annotations

import json
import os

from support.builders import run_dir_of

from agentv_resume.runs.cases import case_artifacts, contained, failure_reasons, read_artifact, read_details


def test_reasons_and_errors_of_the_errored_fixture(project):
    details = read_details(run_dir_of(project, "errored"))
    failure = details[("greet-4", "default")]
    assert failure.execution_status == "quality_failure"
    assert failure.reasons == ['contains-Hello: Output does not contain "Hello"']
    error = details[("greet-2", "default")]
    assert (error.execution_status, error.failure_stage, error.failure_reason_code) == (
        "execution_error", "agent", "provider_error")
    assert details[("greet-1", "default")].reasons == []


def test_a_case_lists_the_files_agentv_wrote_for_it(project):
    run = run_dir_of(project, "errored")
    detail = read_details(run)[("greet-4", "default")]
    artifacts = {a.name: a for a in case_artifacts(run, detail)}
    assert list(artifacts)[:3] == ["answer", "grading", "transcript"]
    assert artifacts["answer"].text == "nope"
    assert artifacts["answer"].content_type == "text/markdown"
    grading = json.loads(artifacts["grading"].text)
    assert grading["assertions"][0]["passed"] is False
    assert artifacts["trace"].path == "greetings/greet-4/outputs/trace.json"
    assert artifacts["trace"].problem is None


def test_rows_of_an_interrupted_run_name_no_files(project):
    details = read_details(run_dir_of(project, "interrupted"))
    assert details and all(d.artifacts == {} for d in details.values())


def test_reasons_walk_nested_graders_and_keep_evidence():
    row = {"scores": [{"name": "composite", "verdict": "fail", "assertions": [], "scores": [
        {"name": "llm", "verdict": "fail", "assertions": [
            {"text": "mentions the user", "passed": False, "evidence": "no name in the answer"},
            {"text": "polite", "passed": True}]}]},
        {"name": "judge", "verdict": "fail", "assertions": [], "reasoning": "too short"}]}
    assert failure_reasons(row) == [
        "llm: mentions the user — evidence: no name in the answer",
        "judge failed: too short",
    ]


def test_a_path_out_of_the_run_dir_is_never_read(project, tmp_path):
    run = run_dir_of(project, "errored")
    secret = tmp_path / "secret.txt"
    secret.write_text("do not show")
    for bad in ("../../../secret.txt", "/etc/passwd", "greetings/../../x", "", "a//b", "a\\b"):
        assert contained(run, bad) is None
        assert read_artifact(run, "x", bad).text is None
    os.symlink(secret, run / "greetings" / "link.txt")
    shown = read_artifact(run, "x", "greetings/link.txt")
    assert shown.text is None and "outside the run directory" in shown.problem


def test_a_fifo_or_directory_does_not_hang_and_big_files_are_cut(project):
    run = run_dir_of(project, "errored")
    os.mkfifo(run / "greetings" / "fifo")
    assert read_artifact(run, "x", "greetings/fifo").problem.startswith("cannot be read")
    assert read_artifact(run, "x", "greetings").problem.startswith("cannot be read")
    (run / "greetings" / "big.md").write_bytes(b"\xff" + b"a" * 100)
    big = read_artifact(run, "x", "greetings/big.md", limit=10)
    assert big.truncated and big.text == "\ufffd" + "a" * 9 and big.size == 101


def test_only_the_asked_lines_are_read(project):
    details = read_details(run_dir_of(project, "errored"), {4})
    assert list(details) == [("greet-4", "default")]
    assert read_details(run_dir_of(project, "errored"), set()) == {}
