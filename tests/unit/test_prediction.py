"""agentv's resume formula from the suite (runs/prediction.py), on hand-made records.

The same rules on runs the real agentv wrote are in tests/integration/test_scenarios.py."""

from __future__ import annotations

from dataclasses import dataclass

import pytest


from agentv_resume.runs.prediction import describe_changes, predict_from_lines, predict_from_suite
from agentv_resume.runs.suite import SuiteCase, SuiteFile, plan_suite


@dataclass
class Rec:
    ever_ok: bool = False
    ever_quality_failure: bool = False
    target_recorded: bool = True


OK, FAILED, ERRORED = Rec(ever_ok=True), Rec(ever_quality_failure=True), Rec()


def suite(*ids):
    return SuiteFile(path=None, name="s", cases=[SuiteCase(i) for i in ids])


def predict(records, ids, planned, targets=("default",), test_ids=()):
    plan = plan_suite([suite(*ids)], list(targets), list(test_ids))
    unique = len(records)
    return predict_from_suite(records, plan, set(ids), planned, unique, list(targets))


def test_resume_runs_errors_and_missing_rerun_failed_adds_quality_failures():
    records = {("a", "default"): OK, ("b", "default"): FAILED, ("c", "default"): ERRORED}
    p = predict(records, ["a", "b", "c", "d"], planned=4)
    assert p.resume == [("c", "default"), ("d", "default")]
    assert p.rerun_failed == [("b", "default"), ("c", "default"), ("d", "default")]
    assert p.missing_ids == [("d", "default")] and p.added == [] and not p.approximate


def test_any_ok_line_counts_even_when_the_last_line_is_an_error():
    records = {("a", "default"): Rec(ever_ok=True)}  # last line an error, an earlier one ok
    assert predict(records, ["a"], planned=1).will_run == {"resume": 0, "rerun_failed": 0}


def test_a_line_without_a_target_completes_nothing():
    records = {("a", "default"): Rec(ever_ok=True, target_recorded=False)}
    assert predict(records, ["a"], planned=1).will_run == {"resume": 1, "rerun_failed": 1}


def test_a_removed_errored_case_is_not_run_and_is_named():
    records = {("a", "default"): OK, ("gone", "default"): ERRORED}
    p = predict(records, ["a"], planned=2)
    assert p.will_run == {"resume": 0, "rerun_failed": 0}
    assert p.removed == [("gone", "default")]
    assert "no longer in the suite" in describe_changes(p, 2)[0]


def test_a_case_added_to_a_finished_run_is_run_and_named():
    records = {("a", "default"): OK}
    p = predict(records, ["a", "new"], planned=1)
    assert p.added == [("new", "default")] and p.will_run["resume"] == 1
    assert "new@default" in describe_changes(p, 1)[0]


def test_more_unrecorded_cases_than_the_run_planned_are_said_not_hidden():
    records = {(f"c{i}", "default"): OK for i in range(4)}
    p = predict(records, [f"c{i}" for i in range(12)], planned=9)
    assert p.will_run["resume"] == 8 and p.extra == 3
    assert "3 case(s) more than the 9" in describe_changes(p, 9)[0]


def test_the_filter_keeps_to_the_runs_own_cases():
    records = {(f"c{i}", "default"): OK for i in range(4)}
    p = predict(records, [f"c{i}" for i in range(12)], planned=9, test_ids=["c[0-8]"])
    assert p.will_run["resume"] == 5 and p.extra == 0


def test_without_a_suite_the_lines_and_planned_count_decide_approximately():
    records = {("a", "default"): OK, ("b", "default"): ERRORED}
    p = predict_from_lines(records, missing=3)
    assert p.will_run == {"resume": 4, "rerun_failed": 4} and p.approximate
