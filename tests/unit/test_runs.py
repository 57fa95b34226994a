"""One run as the tool shows it: counts by last line, will_run by any line, planned, suite, blocked."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from agentv_resume.runs import reader as reader_module
from agentv_resume.runs.reader import RunReader

from support.builders import RUNS, add_run, make_run, read_run, row, write_suite


def view_of(project: Path, name: str):
    return read_run(project / RUNS / name, project)


def counts(view) -> tuple:
    c = view.counts
    return c["ok"], c["quality_failure"], c["execution_error"], c["missing"]


# --- the fixture runs, counted by hand ------------------------------------------

@pytest.mark.parametrize("name, planned, by_status, records, resume, rerun, suite", [
    # errored: greet-1 ok, greet-2/3 crashed, greet-4 wrong answer, greet-5 ok
    ("errored", 5, (2, 1, 2, 0), 5, 2, 3, "evals/greetings.yaml"),
    ("all-ok", 5, (5, 0, 0, 0), 5, 0, 0, "evals/greetings.yaml"),
    # quality-only: greet-1/2 wrong, 3-5 ok
    ("quality-only", 5, (3, 2, 0, 0), 5, 0, 2, "evals/greetings.yaml"),
    # interrupted: 12 planned, Ctrl-C after case-01..06 finished ok
    ("interrupted", 12, (6, 0, 0, 6), 6, 6, 6, "evals/long.yaml"),
])
def test_fixture_runs(project, name, planned, by_status, records, resume, rerun, suite):
    view = view_of(project, name)
    assert view.planned == planned
    assert counts(view) == by_status
    assert view.unique == records
    assert view.will_run == {"resume": resume, "rerun_failed": rerun}
    assert view.suite_filter == suite and view.blocked is None
    assert view.targets == ["default"]
    assert view.skipped_lines == 0 and view.rejected_rows == 0


def test_interrupted_run_takes_targets_from_records_when_benchmark_has_none(project):
    meta = json.loads((project / RUNS / "interrupted/benchmark.json").read_text())["metadata"]
    assert meta["targets"] == []  # agentv's stub, never finished
    assert view_of(project, "interrupted").targets == ["default"]


def test_state_badge(project):
    assert view_of(project, "errored").state() == "errored"
    assert view_of(project, "interrupted").state() == "incomplete"
    assert view_of(project, "all-ok").state() == "complete"
    assert view_of(project, "quality-only").state() == "complete"
    assert view_of(project, "all-ok").state(active=True) == "running"


# --- any line decides what agentv re-runs ----------------------------------------

def test_an_error_after_an_earlier_ok_line_is_not_rerun(project):
    """agentv 4.42.4 skips an identity when ANY of its lines completed it.

    Verified with the real CLI: in a copy of the fixture project, an
    `execution_error` line was appended for greet-1 and for greet-5 (both
    `ok` before) of the `errored` run, crash markers removed, then
    `agentv eval run evals/greetings.yaml --target default --output
    .agentv/results/runs/default/errored --resume` printed "Resume: found 7
    existing result(s), skipping 3 completed." and ran only greet-2 and
    greet-3 (0/2 ... 2/2); greet-1 and greet-5 stayed execution errors in
    its summary. With one more line (greet-3 `quality_failure`),
    `--rerun-failed` printed "skipping 2 completed" and ran greet-2, greet-3,
    greet-4: greet-1/greet-5 skipped for their earlier `ok`. `--dry-run`
    skips the same cases.
    """
    run_dir = project / RUNS / "errored"
    with open(run_dir / "index.jsonl", "a") as out:
        for test_id in ("greet-1", "greet-5"):
            out.write(json.dumps(row(test_id, "execution_error", error="appended by hand")) + "\n")
    view = read_run(run_dir, project)
    assert counts(view) == (0, 1, 4, 0)  # shown: by last line
    assert view.will_run == {"resume": 2, "rerun_failed": 3}  # run: by any line
    with open(run_dir / "index.jsonl", "a") as out:
        out.write(json.dumps(row("greet-3", "quality_failure", score=0.5)) + "\n")
    view = read_run(run_dir, project)
    assert view.will_run == {"resume": 1, "rerun_failed": 3}


def test_quality_failure_after_an_error_is_not_resumed_but_is_rerun(project):
    run_dir = make_run(project, "mixed", [row("a", "quality_failure"), row("a", "execution_error"),
                                           row("b", "execution_error"), row("c", "quality_failure")], planned=3,
                       eval_file=write_suite(project, "abc", "abc"))
    assert read_run(run_dir, project).will_run == {"resume": 1, "rerun_failed": 3}


def test_row_without_target_is_always_run_again(project):
    """agentv keys it "<id>::unknown", which matches no planned case."""
    run_dir = make_run(project, "no-target", [{"test_id": "a", "score": 1, "execution_status": "ok"}, row("b")],
                       planned=2, eval_file=write_suite(project, "ab", "ab"))
    view = read_run(run_dir, project)
    assert view.will_run == {"resume": 1, "rerun_failed": 1}
    assert view.targets == ["default"]


# --- runs the real agentv wrote beyond the fixture project ---------------------------

def test_duplicates_after_a_resume_count_once(project):
    """agentv appends on resume and rewrites both copies: 7 lines, 5 identities."""
    run_dir = add_run(project, "resumed")
    lines = (run_dir / "index.jsonl").read_text().splitlines()
    assert len(lines) == 7
    view = read_run(run_dir, project)
    assert view.unique == 5 and counts(view) == (4, 1, 0, 0)
    assert view.will_run == {"resume": 0, "rerun_failed": 1}
    last_lines = {r.test_id: r.line for r in view.records}
    assert last_lines == {"greet-1": 1, "greet-2": 6, "greet-3": 7, "greet-4": 4, "greet-5": 5}


def test_matrix_run_over_two_targets(project):
    view = read_run(add_run(project, "matrix"), project)
    assert view.targets == ["default", "alt"]
    assert view.planned == 10 and view.unique == 10
    assert counts(view) == (6, 2, 2, 0)
    assert view.will_run == {"resume": 2, "rerun_failed": 4}


def test_interrupted_matrix_run(project):
    """Real agentv, matrix, Ctrl-C: `--resume --dry-run` ran greet-5 on both
    targets (2), `--rerun-failed --dry-run` also greet-1 on both (4)."""
    view = read_run(add_run(project, "matrix-interrupted"), project)
    assert view.benchmark.targets == []
    assert view.targets == ["default", "alt"]
    assert (view.planned, view.unique, view.missing) == (10, 8, 2)
    assert view.will_run == {"resume": 2, "rerun_failed": 4}


def test_run_over_several_eval_files_finds_them_by_the_suite_names_of_its_lines(project):
    view = read_run(add_run(project, "multi-file"), project)
    assert view.benchmark.eval_file == ""
    assert view.suite_filter == "evals/greetings.yaml,evals/long.yaml" and view.blocked is None
    assert view.will_run == {"resume": 1, "rerun_failed": 1}
    assert (view.planned, view.unique) == (17, 17)


def test_run_over_several_eval_files_is_blocked_when_a_file_cannot_be_found(project):
    (project / "evals" / "long.yaml").rename(project / "evals" / "renamed.yaml.txt")
    view = read_run(add_run(project, "multi-file"), project)
    assert view.suite_filter is None
    assert "several eval files" in view.blocked and "'long'" in view.blocked and "--suite" in view.blocked


# --- planned / missing / benchmark.json -------------------------------------------------

def test_missing_is_planned_minus_unique_identities(project):
    run_dir = make_run(project, "m", [row("a"), row("a", "execution_error"), row("b")], planned=5,
                       eval_file=write_suite(project, "a-e", "abcde"))
    view = read_run(run_dir, project)
    assert (view.unique, view.missing) == (2, 3)
    assert view.will_run == {"resume": 3, "rerun_failed": 3}


def test_more_identities_than_planned_is_not_negative_missing(project):
    run_dir = make_run(project, "m", [row("a"), row("b"), row("c")], planned=2)
    assert read_run(run_dir, project).missing == 0


def test_no_benchmark_json(project):
    run_dir = make_run(project, "nb", [row("a"), row("b", "execution_error")], benchmark=False)
    view = read_run(run_dir, project)
    assert view.planned is None and view.missing == 0
    assert view.suite_filter is None and "unknown" in view.blocked
    assert any("benchmark.json is missing" in w for w in view.warnings)
    assert view.will_run == {"resume": 1, "rerun_failed": 1}


@pytest.mark.parametrize("content", [b"not json {", b"\xff\xfe", b"[]", b'{"metadata": []}', b"null"])
def test_benchmark_json_not_usable(project, content):
    run_dir = make_run(project, "bad", [row("a")], planned=5)
    (run_dir / "benchmark.json").write_bytes(content)
    view = read_run(run_dir, project)
    assert view.planned is None and view.suite_filter is None
    assert view.warnings and view.blocked


@pytest.mark.parametrize("planned", [0, -3, "5", True, None, 1e400, [5]])
def test_planned_only_when_a_positive_number(project, planned):
    run_dir = make_run(project, "p", [row("a")])
    meta = {"eval_file": str(project / "evals/greetings.yaml"), "planned_test_count": planned}
    (run_dir / "benchmark.json").write_text(json.dumps({"metadata": meta}).replace("Infinity", "1e400"))
    view = read_run(run_dir, project)
    assert view.planned is None and view.missing == 0
    assert view.suite_filter == "evals/greetings.yaml"


def test_wrong_types_in_metadata_are_warnings(project):
    run_dir = make_run(project, "w", [row("a")])
    (run_dir / "benchmark.json").write_text(json.dumps(
        {"metadata": {"eval_file": 5, "planned_test_count": 3, "targets": "default", "experiment": []}}))
    view = read_run(run_dir, project)
    assert view.planned == 3 and view.suite_filter is None
    assert view.targets == ["default"]  # from the records
    assert any("eval_file" in w for w in view.warnings)


# --- suite_filter ---------------------------------------------------------------------------

def test_suite_filter_is_relative_to_the_project(project):
    assert view_of(project, "errored").suite_filter == "evals/greetings.yaml"


def test_suite_filter_outside_the_project_stays_absolute(project, tmp_path):
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("tests: []\n")
    run_dir = make_run(project, "o", [row("a")], planned=1)
    (run_dir / "benchmark.json").write_text(json.dumps({"metadata": {"eval_file": str(outside)}}))
    assert read_run(run_dir, project).suite_filter == str(outside)


def test_suite_file_that_no_longer_exists(project):
    (project / "evals/greetings.yaml").unlink()
    view = view_of(project, "errored")
    assert view.suite_filter is None
    assert "no longer exists" in view.suite_reason and view.blocked == view.suite_reason
    assert view.will_run == {"resume": 2, "rerun_failed": 3}  # computed as if not blocked


# --- blocked by the index ------------------------------------------------------------------

def test_rejected_row_blocks_the_run_with_agentvs_message(project):
    run_dir = make_run(project, "r", [row("a", "execution_error"), {"test_id": "b", "score": "1"}, [1]], planned=3,
                       eval_file=write_suite(project, "abc", "abc"))
    view = read_run(run_dir, project)
    assert view.rejected_rows == 2
    assert "Missing or invalid score in result row at line 2" in view.blocked
    assert "1 more" in view.blocked
    assert view.missing == 2  # the rejected rows are not identities
    assert view.will_run == {"resume": 3, "rerun_failed": 3}


def test_skipped_lines_do_not_block(project):
    run_dir = make_run(project, "s", [row("a"), b"garbage"], planned=2, raw_tail=b'{"test_id": "b", "sco')
    view = read_run(run_dir, project)
    assert view.skipped_lines == 2 and view.blocked is None
    assert any("2 line(s)" in w for w in view.warnings)


def test_index_that_is_a_directory_blocks(project):
    run_dir = project / RUNS / "dir-index"
    (run_dir / "index.jsonl").mkdir(parents=True)
    view = read_run(run_dir, project)
    assert view.unique == 0 and "directory" in view.blocked


# --- the reader -------------------------------------------------------------------------------

def test_reader_views_are_snapshots(project):
    reader = RunReader(project)
    run_dir = project / RUNS / "errored"
    before = reader.read(run_dir)
    with open(run_dir / "index.jsonl", "a") as out:
        out.write(json.dumps(row("greet-2", "ok")) + "\n")
    after = reader.read(run_dir)
    assert before.counts["execution_error"] == 2
    assert after.counts["execution_error"] == 1
    assert reader.read(run_dir).snapshot is after.snapshot  # unchanged file: no new copy


def test_reader_sees_benchmark_json_changes(project):
    reader = RunReader(project)
    run_dir = project / RUNS / "interrupted"
    assert reader.read(run_dir).planned == 12
    data = json.loads((run_dir / "benchmark.json").read_text())
    data["metadata"]["planned_test_count"] = 7
    (run_dir / "benchmark.json").write_text(json.dumps(data, indent=4))
    assert reader.read(run_dir).planned == 7


def test_reader_gives_the_same_view_until_a_file_changes(project):
    reader = RunReader(project)
    run_dir = project / RUNS / "errored"
    first = reader.read(run_dir)
    assert reader.read(run_dir) is first  # derived values are computed once per view
    with open(run_dir / "index.jsonl", "a") as out:
        out.write(json.dumps(row("greet-9", "execution_error")) + "\n")
    second = reader.read(run_dir)
    assert second is not first and (first.unique, second.unique) == (5, 6)
    assert second.counts["execution_error"] == first.counts["execution_error"] + 1
    os.utime(run_dir / "benchmark.json", ns=(1, 1))
    assert reader.read(run_dir) is not second


def test_derived_values_are_copies_a_caller_may_change(project):
    view = read_run(project / RUNS / "errored", project)
    view.targets.append("mine")
    view.counts["ok"] = 99
    view.will_run["resume"] = 99
    view.warnings.append("mine")
    assert view.targets == ["default"] and view.counts["ok"] == 2 and view.will_run["resume"] == 2
    assert "mine" not in view.warnings


def test_a_deleted_suite_file_shows_within_the_check_interval(project, monkeypatch):
    reader = RunReader(project)
    run_dir = project / RUNS / "errored"
    assert reader.read(run_dir).suite_filter == "evals/greetings.yaml"
    (project / "evals" / "greetings.yaml").unlink()
    monkeypatch.setattr(reader_module, "SUITE_CHECK_SECONDS", 0.0)
    view = reader.read(run_dir)
    assert view.suite_filter is None and "no longer exists" in view.blocked
    (project / "evals" / "greetings.yaml").write_text("restored")
    assert reader.read(run_dir).suite_filter == "evals/greetings.yaml"


def test_dry_run_rows_are_listed_but_not_cases(project):
    """Real agentv: `--resume --dry-run` appends greet-2 and greet-3 under the
    target `default-dry-run`.  agentv will never run that target again, so
    Resume must not send it, and those rows are no cases of the run."""
    view = read_run(add_run(project, "after-dry-run"), project)
    assert {r.target for r in view.records} == {"default", "default-dry-run"}
    assert view.targets == ["default"]
    assert (view.planned, view.unique, view.missing) == (5, 5, 0)
    assert counts(view) == (2, 1, 2, 0)
    assert view.will_run == {"resume": 2, "rerun_failed": 3}
    assert any("--dry-run" in warning for warning in view.warnings)
