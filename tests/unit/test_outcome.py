"""Conclusions, changes and exit codes in words (pure; the facts come from the real agentv,
see /work/plan/notes-outcomes.md)."""

from __future__ import annotations

import json as _json
from pathlib import Path
from types import SimpleNamespace

import pytest

from agentv_resume.runs.cases import read_details
from agentv_resume.runs.run import read_benchmark

from agentv_resume.runs.outcome import (
    COMPLETE,
    ERRORS_LEFT,
    FAILURES_LEFT,
    INCOMPLETE,
    RunSnapshot,
    conclude,
    conclude_snapshot,
    diff,
    explain_exit,
    job_changes,
    snapshot_of,
    threshold_failed,
)

ERR, QF, OK = "execution_error", "quality_failure", "ok"


def counts(ok=0, qf=0, err=0, missing=0):
    return {"ok": ok, "quality_failure": qf, "execution_error": err, "missing": missing}


# --- conclusion ---------------------------------------------------------------------

@pytest.mark.parametrize("given, kind, label, tone", [
    (counts(ok=5), COMPLETE, "complete", "good"),
    (counts(ok=4, err=1), ERRORS_LEFT, "1 error left", "bad"),
    (counts(ok=3, err=2), ERRORS_LEFT, "2 errors left", "bad"),
    (counts(ok=4, qf=1), FAILURES_LEFT, "1 quality failure left", "warn"),
    (counts(ok=6, missing=6), INCOMPLETE, "6 missing left", "warn"),
    # most urgent first: what is missing, then errors, then failures
    (counts(ok=1, qf=1, err=1, missing=2), INCOMPLETE, "2 missing · 1 error · 1 quality failure left", "warn"),
    (counts(ok=3, qf=1, err=1), ERRORS_LEFT, "1 error · 1 quality failure left", "bad"),
])
def test_conclusion_names_what_is_left(given, kind, label, tone):
    conclusion = conclude(given)
    assert (conclusion.kind, conclusion.label, conclusion.tone) == (kind, label, tone)


def test_a_finished_job_that_left_an_error_is_not_good_news():
    # agentv exits 0 after a rerun that fixed 4 of 5 errored cases (measured)
    conclusion = conclude(counts(ok=4, err=1))
    assert conclusion.tone != "good"
    assert conclusion.to_json() == {
        "conclusion": "errors_left", "label": "1 error left",
        "left": {"execution_error": 1, "quality_failure": 0, "missing": 0}, "threshold_failed": False,
    }


def test_threshold_not_met_is_failures_left_even_when_every_row_says_ok():
    # with --threshold 0.9 agentv compares scores, not the rows' status: a 0.85 "ok" fails it
    conclusion = conclude(counts(ok=5), threshold_failed=True)
    assert conclusion.kind == FAILURES_LEFT
    assert conclusion.label == "threshold not met"
    assert conclude(counts(ok=4, err=1), threshold_failed=True).label == "1 error left · threshold not met"


def test_conclusion_of_a_snapshot_counts_missing_from_planned():
    snap = RunSnapshot({("a", "default"): OK, ("b", "default"): ERR}, planned=4)
    conclusion = conclude_snapshot(snap)
    assert (conclusion.kind, conclusion.missing, conclusion.execution_errors) == (INCOMPLETE, 2, 1)


# --- changes ---------------------------------------------------------------------------

def test_changes_per_case_and_summary():
    before = {("g1", "d"): OK, ("g2", "d"): ERR, ("g3", "d"): ERR, ("g4", "d"): QF, ("g5", "d"): OK}
    after = {("g1", "d"): OK, ("g2", "d"): OK, ("g3", "d"): ERR, ("g4", "d"): OK, ("g5", "d"): QF,
             ("g6", "d"): OK, ("g7", "d"): ERR}
    changes = diff(before, after)
    assert [(c.test_id, c.change) for c in changes.cases] == [
        ("g2", "fixed"), ("g4", "fixed"), ("g5", "newly_failing"), ("g3", "still_failing"),
        ("g6", "newly_run"), ("g7", "newly_run"),
    ]
    assert changes.counts == {"fixed": 2, "newly_failing": 1, "still_failing": 1, "newly_run": 2}
    assert changes.summary == "2 fixed · 1 newly failing · 1 still errored · 2 newly run (1 not ok)"
    assert changes.to_json()["cases"][0] == {"test_id": "g2", "target": "d", "change": "fixed",
                                             "before": "execution_error", "after": "ok"}


def test_same_test_id_on_two_targets_are_two_cases():
    before = {("g1", "default"): ERR, ("g1", "alt"): ERR}
    after = {("g1", "default"): OK, ("g1", "alt"): ERR}
    changes = diff(before, after)
    assert [(c.target, c.change) for c in changes.cases] == [("default", "fixed"), ("alt", "still_failing")]


def test_a_failure_the_job_did_not_run_is_not_still_failing():
    # --resume does not re-run a quality failure: it stays, untouched
    before = {("g1", "d"): QF, ("g2", "d"): ERR}
    after = {("g1", "d"): QF, ("g2", "d"): ERR}
    changes = diff(before, after, ran={("g2", "d")})
    assert [(c.test_id, c.change) for c in changes.cases] == [("g2", "still_failing")]
    assert changes.summary == "1 still errored"


def test_nothing_changed():
    assert diff({("a", "d"): OK}, {("a", "d"): OK}).summary == "no case changed"


def test_job_changes_uses_the_time_each_last_line_was_written():
    started = "2026-12-01T10:06:19.000Z"
    before = RunSnapshot({("g3", "d"): ERR, ("g4", "d"): QF}, 5,
                         {("g3", "d"): "2026-11-24T12:17:01.687Z", ("g4", "d"): "2026-11-24T12:16:58.634Z"})
    after = RunSnapshot({("g3", "d"): ERR, ("g4", "d"): QF}, 5,
                        {("g3", "d"): "2026-12-01T10:06:23.154Z", ("g4", "d"): "2026-11-24T12:16:58.634Z"})
    assert [c.test_id for c in job_changes(before, after, started).cases] == ["g3"]


def test_snapshot_round_trip_and_damage():
    records = [SimpleNamespace(test_id="a\tb", target="d", execution_status=ERR, timestamp="2026-01-01T00:00:00.000Z"),
               SimpleNamespace(test_id="c", target="d", execution_status=OK, timestamp=None)]
    snap = snapshot_of(records, 3)
    again = RunSnapshot.from_json(snap.to_json())
    assert again == snap and again.missing == 1
    assert RunSnapshot.from_json({"version": 1, "planned": None, "rows": [["a", "d", "bogus", ""]]}) is None
    assert RunSnapshot.from_json({"version": 1, "planned": True, "rows": []}) is None
    assert RunSnapshot.from_json([]) is None
    assert RunSnapshot.from_json({"version": 2, "rows": []}) is None


# --- exit codes in words -----------------------------------------------------------------

RESULT_FAIL = "RESULT: FAIL  (4/5 scored >= 50%, mean: 80%)\n"


@pytest.mark.parametrize("code, kwargs, words", [
    (0, {}, "agentv ran to its end"),
    (143, {}, "stopped by SIGTERM"),
    (130, {}, "interrupted by SIGINT"),
    (130, {"status": "stopped"}, "stopped before agentv started"),
    (137, {"signal": "SIGKILL"}, "ended by SIGKILL"),
    (2, {}, "every case ended in an execution error"),
    (1, {"log_tail": RESULT_FAIL}, "threshold not met"),
    (1, {"log_tail": "Error: No tests matched the provided filters.\n"},
     "agentv stopped with an error (exit 1): No tests matched the provided filters."),
    (1, {}, "threshold not met, a budget exceeded, or an error"),
    (127, {}, "not found"),
    (None, {"status": "lost"}, "disappeared"),
    (None, {"status": "running"}, "still running"),
    (3, {}, "agentv exited with code 3"),
])
def test_exit_code_in_words(code, kwargs, words):
    assert words in explain_exit(code, **kwargs)


def test_threshold_failed_only_on_exit_1_after_a_fail_result():
    assert threshold_failed(1, RESULT_FAIL)
    assert not threshold_failed(0, RESULT_FAIL)  # no threshold given: agentv exits 0
    assert not threshold_failed(1, RESULT_FAIL + "Error: boom\n")
    assert not threshold_failed(1, None)


# --- on runs the real agentv wrote (tests/fixtures/outcomes, made by gen_outcomes.py) --------------

OUTCOMES = Path(__file__).resolve().parents[1] / "fixtures" / "outcomes"


def scenario(name: str):
    def snap(side):
        run = OUTCOMES / name / side
        return snapshot_of(read_details(run).values(), read_benchmark(run).planned_test_count)

    job = _json.loads((OUTCOMES / name / "job.json").read_text())
    return snap("before"), snap("after"), job


def outcome(name: str):
    before, after, job = scenario(name)
    failed = threshold_failed(job["exit_code"], job["log"])
    return (conclude_snapshot(after, threshold_failed=failed), job_changes(before, after, job["started_at"]),
            explain_exit(job["exit_code"], log_tail=job["log"]))


def test_real_resume_of_an_interrupted_run():
    conclusion, changes, words = outcome("resume-interrupted")
    assert (conclusion.kind, conclusion.label) == (ERRORS_LEFT, "1 error · 1 quality failure left")
    assert changes.counts == {"fixed": 0, "newly_failing": 0, "still_failing": 0, "newly_run": 6}
    assert changes.summary == "6 newly run (2 not ok)"
    assert words == "agentv ran to its end (exit 0)"


def test_real_rerun_that_fixes_some_cases_and_not_others():
    conclusion, changes, _ = outcome("rerun-errored")
    assert conclusion.kind == ERRORS_LEFT and conclusion.label == "1 error · 1 quality failure left"
    assert [(c.test_id, c.change, c.after) for c in changes.cases] == [
        ("greet-2", "fixed", "ok"), ("greet-3", "still_failing", "execution_error"),
        ("greet-4", "still_failing", "quality_failure")]
    assert changes.summary == "1 fixed · 1 still errored · 1 still failing"


def test_real_threshold_failure():
    conclusion, changes, words = outcome("threshold")
    assert conclusion.kind == FAILURES_LEFT and conclusion.threshold_failed
    assert conclusion.label == "1 quality failure left"
    assert changes.summary == "1 fixed · 1 still failing"
    assert "threshold not met" in words


def test_real_resume_stopped_by_sigterm_is_incomplete():
    conclusion, changes, words = outcome("resume-stopped")
    assert conclusion.kind == INCOMPLETE and conclusion.missing == 4
    assert changes.counts["newly_run"] == 2
    assert words == "stopped by SIGTERM (143)"


def test_real_rerun_that_exits_0_with_every_rerun_case_errored_is_not_complete():
    conclusion, changes, words = outcome("rerun-all-crash")
    assert words == "agentv ran to its end (exit 0)"  # agentv printed RESULT: PASS
    assert conclusion.kind == ERRORS_LEFT and conclusion.tone == "bad" and conclusion.execution_errors == 3
    assert changes.summary == "3 still errored"  # greet-4 was a quality failure, now it errors


@pytest.mark.parametrize("conclusion, will_run, modes", [
    ("errors_left", {"resume": 1, "rerun_failed": 2}, ["resume", "rerun_failed"]),  # rerun also re-runs a failure
    ("incomplete", {"resume": 4, "rerun_failed": 4}, ["resume"]),
    ("failures_left", {"resume": 0, "rerun_failed": 1}, ["rerun_failed"]),
    # agentv skips a case once any of its lines passed: nothing would run, nothing is offered
    ("errors_left", {"resume": 0, "rerun_failed": 0}, []),
    ("complete", {"resume": 0, "rerun_failed": 0}, []),
    (None, {"resume": 3, "rerun_failed": 3}, []),
])
def test_next_actions_offered_after_a_job(conclusion, will_run, modes):
    from agentv_resume.runs.outcome import next_modes

    assert next_modes(conclusion, will_run) == modes
