"""The words and numbers a user reads (vocabulary.py) and the command line's wrapping groups."""

from __future__ import annotations

import json
import shlex
from datetime import datetime, timezone

import pytest

from agentv_resume import vocabulary
from agentv_resume.web import present


def test_case_words_are_the_users_not_agentvs_field_names():
    words = {key: vocabulary.CASE[key].label for key in vocabulary.CASE}
    assert words == {"ok": "passed", "quality_failure": "failed", "execution_error": "errored", "missing": "missing"}
    assert vocabulary.case_word("something-new").label == "passed"  # agentv reads an unknown status as ok


@pytest.mark.parametrize("state, counts, key", [
    ("complete", {"ok": 5, "quality_failure": 0, "execution_error": 0, "missing": 0}, "complete"),
    ("complete", {"ok": 3, "quality_failure": 2, "execution_error": 0, "missing": 0}, "failed"),
    ("errored", {"ok": 3, "quality_failure": 1, "execution_error": 1, "missing": 0}, "errored"),
    ("incomplete", {"ok": 6, "quality_failure": 0, "execution_error": 0, "missing": 6}, "incomplete"),
    ("running", {"ok": 1, "quality_failure": 1, "execution_error": 0, "missing": 0}, "running"),
    ("unreadable", None, "unreadable"),
])
def test_a_run_with_failures_never_looks_done(state, counts, key):
    assert vocabulary.run_state(state, counts) == key
    tone = vocabulary.RUN[key].tone
    assert (tone == "good") == (key == "complete")
    assert vocabulary.needs_attention(key) == (key in ("errored", "incomplete", "failed", "unreadable"))


def test_the_page_script_gets_the_same_words():
    data = json.loads(vocabulary.as_json())
    assert data["case"]["quality_failure"]["label"] == "failed"
    assert data["run"]["failed"]["tone"] == "warn"
    assert set(data["job"]) == {"starting", "running", "finished", "failed", "stopped", "lost"}
    assert "</" not in vocabulary.as_json()  # cannot end its <script> element


@pytest.mark.parametrize("value, text", [(1, "100%"), (0, "0%"), (0.755, "76%"), (0.125, "13%"), (0.5, "50%"),
                                         (None, ""), (float("nan"), ""), (True, "")])
def test_scores_as_agentvs_dashboard_shows_them(value, text):
    assert vocabulary.score(value) == text


@pytest.mark.parametrize("ms, text", [(None, "-"), (0, "0ms"), (66, "66ms"), (999.5, "1000ms"), (1000, "1.0s"),
                                      (12_345, "12.3s"), (59_999, "60.0s"), (60_000, "1m 0s"), (125_400, "2m 5s")])
def test_durations_as_agentvs_dashboard_shows_them(ms, text):
    assert vocabulary.duration(ms) == text


def test_times_relative_with_the_exact_one_for_hover():
    now = datetime(2026, 1, 2, 12, 0, 0, tzinfo=timezone.utc)
    assert vocabulary.relative_time("2026-01-02T11:59:40Z", now) == "just now"
    assert vocabulary.relative_time("2026-01-02T11:55:00.000Z", now) == "5 min ago"
    assert vocabulary.relative_time("2026-01-02T09:00:00Z", now) == "3 h ago"
    assert vocabulary.relative_time("2025-12-31T12:00:00Z", now) == "2 days ago"
    assert vocabulary.relative_time("2025-11-01T12:00:00Z", now) == "2025-11-01"
    assert vocabulary.relative_time("not a time", now) == ""
    assert vocabulary.exact_time("2026-01-02T11:55:00.123Z") == "2026-01-02 11:55:00 UTC"
    assert vocabulary.elapsed(5) == "0:05" and vocabulary.elapsed(725) == "12:05" and vocabulary.elapsed(3729) == "1:02:09"


@pytest.mark.parametrize("command, groups", [
    ("agentv eval run evals/g.yaml --target default --target alt --output '.agentv/results/runs/my run' --resume",
     ["agentv", "eval", "run", "evals/g.yaml", "--target default", "--target alt",
      "--output '.agentv/results/runs/my run'", "--resume"]),
    ("agentv eval run --dry-run --rerun-failed", ["agentv", "eval", "run", "--dry-run", "--rerun-failed"]),
    ("", []),
    ("unbalanced 'quote", ["unbalanced 'quote"]),
])
def test_a_command_breaks_between_options_never_inside_one(command, groups):
    assert present.command_groups(command) == groups
    if groups and len(groups) > 1:
        assert shlex.split(" ".join(groups)) == shlex.split(command)


def test_job_elapsed_counts_to_the_end_or_now():
    now = datetime(2026, 1, 1, 0, 1, 0, tzinfo=timezone.utc)
    job = {"status": "finished", "started_at": "2026-01-01T00:00:00Z", "finished_at": "2026-01-01T00:00:42Z"}
    assert present.job_elapsed(job, now) == "0:42"
    assert present.job_elapsed({"status": "running", "started_at": "2026-01-01T00:00:00Z"}, now) == "1:00"
    assert present.job_elapsed({"status": "lost", "started_at": "2026-01-01T00:00:00Z"}, now) == ""
