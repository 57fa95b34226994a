"""The run page's row query (search, status incl. missing, target, sort, pages) and which rows can be picked."""

from __future__ import annotations

from agentv_resume.runs.index import IndexState, apply_line
from agentv_resume.web import run_rows
from agentv_resume.web.run_rows import RowQuery

import json


def records(*rows):
    state = IndexState()
    for row in rows:
        apply_line(state, json.dumps(row).encode())
    return list(state.records.values())


def row(test_id, status="ok", target="default", score=None, duration=None, error=None):
    data = {"test_id": test_id, "target": target, "execution_status": status,
            "score": (1 if status == "ok" else 0) if score is None else score}
    if duration is not None:
        data["duration_ms"] = duration
    if error:
        data["error"] = error
    return data


RECORDS = records(row("b-2", "execution_error", error="Provider TIMEOUT"), row("a-1", score=0.5, duration=900),
                  row("c-3", "quality_failure", target="alt", duration=65_000), row("a-1", target="alt", duration=10))


def ids(rows):
    return [(r.test_id, r.target) for r in rows]


def test_the_query_string_is_read_leniently():
    q = RowQuery.from_query({"q": "  time   out ", "status": "nope", "target": "ghost", "sort": "x", "page": "z"},
                            ["default", "alt"])
    assert q == RowQuery(q="time out")
    assert RowQuery.from_query({"status": "missing", "target": "alt", "sort": "duration", "page": "3"},
                               ["default", "alt"]) == RowQuery(status="missing", target="alt", sort="duration", page=3)


def test_search_matches_test_id_and_error_text_case_blind():
    assert ids(run_rows.select_rows(RECORDS, RowQuery(q="timeout"))) == [("b-2", "default")]
    assert ids(run_rows.select_rows(RECORDS, RowQuery(q="A-1"))) == [("a-1", "default"), ("a-1", "alt")]
    assert run_rows.select_rows(RECORDS, RowQuery(q="a-1 timeout")) == []


def test_filters_by_status_and_target():
    assert ids(run_rows.select_rows(RECORDS, RowQuery(status="quality_failure"))) == [("c-3", "alt")]
    assert ids(run_rows.select_rows(RECORDS, RowQuery(target="alt"))) == [("c-3", "alt"), ("a-1", "alt")]
    assert run_rows.select_rows(RECORDS, RowQuery(status="missing")) == []  # missing cases have no row


def test_sorts_by_id_score_and_duration():
    assert ids(run_rows.select_rows(RECORDS, RowQuery())) == [("b-2", "default"), ("a-1", "default"),
                                                             ("c-3", "alt"), ("a-1", "alt")]
    assert ids(run_rows.select_rows(RECORDS, RowQuery(sort="id")))[0] == ("a-1", "alt")
    assert [r.score for r in run_rows.select_rows(RECORDS, RowQuery(sort="score"))] == [0, 0, 0.5, 1]
    # Longest first; a row without a duration last.
    assert ids(run_rows.select_rows(RECORDS, RowQuery(sort="duration"))) == [
        ("c-3", "alt"), ("a-1", "default"), ("a-1", "alt"), ("b-2", "default")]


def test_urls_keep_the_query_and_a_new_filter_starts_at_page_one():
    q = RowQuery(q="time out", sort="score", page=3)
    assert q.url("/runs/x", status="execution_error") == "/runs/x?q=time+out&status=execution_error&sort=score"
    assert q.url("/runs/x", page=4) == "/runs/x?q=time+out&sort=score&page=4"
    assert RowQuery().url("/runs/x") == "/runs/x"


def test_pages():
    page = run_rows.page_of(list(range(450)), 99)
    assert (page.number, page.pages, page.first_row, page.total, len(page.rows)) == (3, 3, 401, 450, 50)


def test_only_what_rerun_failed_would_run_can_be_picked():
    recs = records(row("ok-once", "execution_error"), row("ok-once"), row("ok-once", "execution_error"),
                   row("t", "execution_error"), row("t", "quality_failure", target="alt"), row("t", target="b"),
                   row("glob*", "execution_error"), {"test_id": "nt", "score": 0, "execution_status": "execution_error"})
    sel = run_rows.selection_for(recs, recs)
    assert sel.cases_by_id == {"t": 2}  # picking t reruns it on default and alt, not on b (passed)
    assert "passed at least once" in sel.reasons[("ok-once", "default")]
    assert "pattern" in sel.reasons[("glob*", "default")]
    assert "no target" in sel.reasons[("nt", "unknown")]
    dry = run_rows.selection_for(recs, [r for r in recs if r.test_id != "t"])
    assert "--dry-run" in dry.reasons[("t", "default")]


def test_missing_pairs_accept_the_read_sides_shapes():
    assert run_rows.missing_pairs([["a", "default"], {"test_id": "b", "target": None}, ("c",), 5, None]) == [
        ("a", "default"), ("b", None), ("c", None)]
    assert run_rows.missing_pairs(None) == []


def test_durations_come_from_the_last_line():
    recs = records(row("x", "execution_error", duration=5), row("x", duration=1234.5), row("y", duration=-1),
                   row("z", duration=True))
    assert [r.duration_ms for r in recs] == [1234.5, None, None]
