"""The big-run read path's fast passes say exactly what the plain ones say.

A run of 500,000 records is read, counted, predicted and encoded by loops
made in C (map, filter, Counter, orjson) instead of one Python statement
per record.  Each fast pass is held here to the plain definition it
replaced (kept below as the reference), on varied rows: camelCase keys,
missing or non-string targets, errors that are objects, repeated
identities, dry-run targets, rows agentv rejects, lines that are not JSON.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentv_resume.runs.index import IndexState, apply_lines
from agentv_resume.runs.prediction import _completed, predict_from_lines
from agentv_resume.runs.run import BenchmarkInfo, RunView, _base_target, _is_dry_run_target
from agentv_resume.runs.scanner import IndexSnapshot

# --- varied rows ------------------------------------------------------------------

_TEST_IDS = ["a", "b", "c", "case-1", "ünï", "x\x1b]0;t\x07", "\u202eevil"]
_TARGETS = ["default", "alt", "default-dry-run", "alt-dry-run", "-dry-run", "", "z"]
_STATUSES = ["ok", "quality_failure", "execution_error", "weird", None, 3]
_SCORES = [1, 0, 0.5, -0.0, 1e16, 2**62, 7.0, "1", None]
_ERRORS = [None, "boom", "multi\nline \u2028 é", {"message": "object", "n": [1, 2]}, ["x"], 5]


def _row(rng: random.Random) -> bytes:
    kind = rng.randrange(12)
    if kind == 0:
        return b"not json"
    if kind == 1:
        return b""
    if kind == 2:
        return json.dumps(rng.choice([[1], "row", {"foo": 1}, {"test_id": "a"}])).encode()
    row: dict = {}
    if rng.random() < 0.25:
        row["testId"] = rng.choice(_TEST_IDS)
    elif rng.random() < 0.95:
        row["test_id"] = rng.choice(_TEST_IDS + [5])
    if rng.random() < 0.85:
        row["target"] = rng.choice(_TARGETS + [None, 7])
    status = rng.choice(_STATUSES)
    row["executionStatus" if rng.random() < 0.2 else "execution_status"] = status
    row["score"] = rng.choice(_SCORES)
    if rng.random() < 0.5:
        row["error"] = rng.choice(_ERRORS)
    if rng.random() < 0.4:
        row["durationMs" if rng.random() < 0.3 else "duration_ms"] = rng.choice([1, 2.5, -1, None, 10**6])
    return json.dumps(row, ensure_ascii=rng.random() < 0.5).encode()


def view_of(lines: list[bytes], planned: int | None = None, targets=()) -> RunView:
    state = IndexState()
    apply_lines(state, lines)
    benchmark = BenchmarkInfo(planned_test_count=planned, targets=list(targets))
    return RunView(Path("/nonexistent/runs/default/run"), IndexSnapshot(state, 0, True), benchmark, None,
                   "the run's suite file is unknown")


# --- the plain definitions (what the fast passes replaced) --------------------------

def plain_planned_records(view: RunView) -> list:
    records = list(view.records)
    real = [r for r in records if not _is_dry_run_target(r.target)]
    return real if real else records


def plain_counts(view: RunView) -> dict:
    counts = {"ok": 0, "quality_failure": 0, "execution_error": 0}
    for record in plain_planned_records(view):
        counts[record.execution_status] += 1
    counts["missing"] = max(0, view.planned - len(plain_planned_records(view))) if view.planned is not None else 0
    return counts


def plain_targets(view: RunView) -> list:
    seen: dict = {}
    for record in plain_planned_records(view):
        if record.target_recorded and record.target:
            seen.setdefault(_base_target(record.target), None)
    return list(seen) or list(dict.fromkeys(_base_target(t) for t in view.benchmark.targets))


def plain_retry_errors(view: RunView) -> int:
    return len({record.test_id for record in view.records if record.ever_error}) + view.missing


def plain_prediction(records, missing: int):
    resume = [key for key, record in records.items() if not _completed(record, "resume")]
    rerun = [key for key, record in records.items() if not _completed(record, "rerun_failed")]
    return resume, rerun, len(resume) + missing, len(rerun) + missing


def assert_same_view(view: RunView) -> None:
    planned = plain_planned_records(view)
    assert list(view.planned_records) == planned and len(view.planned_records) == len(planned)
    assert all(map(lambda a, b: a is b, view.planned_records, planned))
    plain_map = {(r.test_id, r.target): r for r in planned}
    assert list(view.planned_map.items()) == list(plain_map.items())
    assert view.counts == plain_counts(view)
    assert view.targets == plain_targets(view)
    assert view.retry_errors_count == plain_retry_errors(view)
    assert view.state() in ("errored", "incomplete", "complete")
    fast = predict_from_lines(view.planned_map, view.missing)
    assert (fast.resume, fast.rerun_failed, fast.resume_count, fast.rerun_count) == plain_prediction(
        plain_map, view.missing)
    forecast = view.forecast()
    assert forecast.prediction.resume == plain_prediction(plain_map, view.missing)[0]


def test_varied_runs_are_read_the_same():
    for seed in range(40):
        rng = random.Random(seed)
        lines = [_row(rng) for _ in range(rng.randrange(0, 400))]
        assert_same_view(view_of(lines, planned=rng.choice([None, 10, 500]), targets=rng.choice([(), ("t1", "t1-dry-run")])))


def test_a_run_of_dry_runs_only_and_a_run_without_any():
    dry = [json.dumps({"test_id": f"d{i}", "target": "x-dry-run", "score": 1}).encode() for i in range(5)]
    real = [json.dumps({"test_id": f"r{i}", "target": "x", "score": 0, "execution_status": "quality_failure"}).encode()
            for i in range(5)]
    for lines in (dry, real, dry + real, real + dry, []):
        view = view_of(lines, planned=8)
        assert_same_view(view)
    assert view_of(real + dry, planned=8).dry_run_rows == 5


def test_the_planned_map_is_read_only_and_the_snapshots_own_dict_when_every_record_is_a_case():
    lines = [json.dumps({"test_id": f"r{i}", "target": "x", "score": 1}).encode() for i in range(5)]
    view = view_of(lines)
    assert dict(view.planned_map) == view.snapshot.state.records
    try:
        view.planned_map["new"] = None  # type: ignore[index]
    except TypeError:
        pass
    else:  # pragma: no cover
        raise AssertionError("the planned map can be changed")


def test_prediction_from_objects_that_are_not_records():
    class Bare:
        ever_ok, ever_quality_failure = True, False

    records = {("a", "t"): Bare(), ("b", "t"): None}
    fast = predict_from_lines(records, 2)
    assert (fast.resume, fast.rerun_failed, fast.resume_count, fast.rerun_count) == plain_prediction(records, 2)


_rows = st.lists(st.integers(0, 2**32), max_size=60)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seeds=_rows, planned=st.one_of(st.none(), st.integers(1, 80)))
def test_random_runs_are_read_the_same(seeds, planned):
    lines = [_row(random.Random(seed)) for seed in seeds]
    assert_same_view(view_of(lines, planned=planned))


# --- `inspect --json`'s test lines --------------------------------------------------

def plain_inspect_tests(records) -> str:
    """What json.dumps prints for each test, one per line (the lines `inspect --json` writes by hand)."""
    return ",\n".join("    " + json.dumps({"test_id": r.test_id, "target": r.target,
                                            "execution_status": r.execution_status, "error": r.error},
                                           ensure_ascii=False) for r in records)


def test_inspect_json_writes_every_record_as_json_dumps_would(monkeypatch):
    from agentv_resume.cli import inspect as inspect_cli
    from agentv_resume.safetext import json_for_terminal

    rng = random.Random(3)
    lines = [_row(rng) for _ in range(3000)]
    lines += [b'{"test_id": "\\ud800 lone", "target": "t\\u202e", "score": 1, "error": "\\u0085\\u007f"}',
              b'{"test_id": "q\\"uote\\\\", "target": "' + b"x" * 3 + b'", "score": 0, "error": "tab\\tcr\\r"}']
    lines += [json.dumps({"test_id": f"t{i}", "target": f"target-{i}", "score": 1}).encode() for i in range(1200)]
    view = view_of(lines)
    records = list(view.records)
    for per_write in (1, 7, 10_000):
        monkeypatch.setattr(inspect_cli, "_TESTS_PER_WRITE", per_write)
        out: list[str] = []
        inspect_cli._write_inspect_json({"run_id": "r", "n": [1]}, records, out.append)
        head = json.dumps({"run_id": "r", "n": [1]}, indent=2, ensure_ascii=False)[:-2]
        assert "".join(out) == head + ',\n  "tests": [\n' + plain_inspect_tests(records) + "\n  ]\n}\n"
        printed = "".join(json_for_terminal(part) for part in out)
        assert printed == json_for_terminal("".join(out))


def test_json_for_terminal_skips_nothing_it_must_escape():
    from agentv_resume.safetext import _UNSAFE_IN_JSON, json_for_terminal

    for code in [*range(0x7f, 0xa0), 0x61c, 0x200e, 0x202e, 0x2028, 0x2066, 0xd800, 0x20, 0x41]:
        text = f'"a{chr(code)}b"'
        expected = _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
        assert json_for_terminal(text) == expected
    assert json_for_terminal('{"a": "\x7f"}') == '{"a": "\\u007f"}'


# --- the collector after a big read -----------------------------------------------------

def test_a_very_big_read_leaves_its_records_out_of_the_collectors_passes(tmp_path, monkeypatch):
    import gc

    from agentv_resume.runs import scanner

    index = tmp_path / "index.jsonl"
    index.write_bytes(b"".join(json.dumps({"test_id": f"t{i}", "target": "x", "score": 1}).encode() + b"\n"
                               for i in range(3000)))
    monkeypatch.setattr(scanner, "_PAUSE_GC_BYTES", 1000)
    assert gc.isenabled()
    try:
        monkeypatch.setattr(scanner, "_FREEZE_GC_BYTES", 10**9)
        small = scanner.IndexScanner(index, snapshots=True).scan()
        assert gc.isenabled() and gc.is_tracked(next(iter(small.state.records.values())))
        assert any(o is small.state.records for o in gc.get_objects())  # not frozen: the collector sees it

        monkeypatch.setattr(scanner, "_FREEZE_GC_BYTES", 10_000)
        big = scanner.IndexScanner(index, snapshots=True).scan()
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0
        assert not any(o is big.state.records for o in gc.get_objects())  # frozen: no pass walks it
        assert big.state == small.state
    finally:
        gc.unfreeze()  # the rest of the test session as it was


def test_a_very_big_read_within_another_pause_is_frozen_when_that_pause_ends(tmp_path, monkeypatch):
    import gc

    from agentv_resume.runs import scanner

    index = tmp_path / "index.jsonl"
    index.write_bytes(b"".join(json.dumps({"test_id": f"t{i}", "score": 1}).encode() + b"\n" for i in range(3000)))
    monkeypatch.setattr(scanner, "_PAUSE_GC_BYTES", 1000)
    monkeypatch.setattr(scanner, "_FREEZE_GC_BYTES", 10_000)
    try:
        with scanner.collector_paused(True):  # a runs list, pausing the collector for its whole walk
            big = scanner.IndexScanner(index, snapshots=True).scan()
            assert not gc.isenabled()
            assert any(o is big.state.records for o in gc.get_objects())
        assert gc.isenabled()
        assert not any(o is big.state.records for o in gc.get_objects())  # frozen as the list ended
        assert scanner._freeze_wanted is False
    finally:
        gc.unfreeze()


# --- the run API's results -----------------------------------------------------------

def test_results_encoded_by_orjsons_hook_are_the_same_bytes(monkeypatch):
    from agentv_resume.runs.index import Record
    from agentv_resume.web import responses

    rng = random.Random(8)
    lines = [_row(rng) for _ in range(2000)]
    lines += [b'{"test_id": "\\ud800 lone", "target": "t", "score": 1}',  # orjson cannot: json does
              b'{"test_id": "big", "target": "t", "score": 1' + b"0" * 30 + b"}",
              b'{"test_id": "e", "target": "\\u202e", "score": 0.1, "error": {"deep": [1, {"x": null}]}}']
    records = list(view_of(lines).records)
    for per_part in (1, 3, 250, 5000):
        monkeypatch.setattr(responses, "_ROWS_PER_PART", per_part)
        for rows in (records, records[:-3], records[:1], []):
            plain = responses.json_array_parts(rows, Record.slim)
            fast = responses.json_array_parts(rows, Record.slim, objects=True)
            assert b"".join(fast) == b"".join(plain)
            assert json.loads(b"".join(fast)) == [record.slim() for record in rows]


def test_threads_asking_a_view_for_the_same_figure_at_once_compute_it_once():
    import threading
    import time

    view = view_of([json.dumps({"test_id": "a", "score": 1}).encode()])
    calls, started = [], threading.Event()

    def slow():
        calls.append(1)
        started.set()
        time.sleep(0.2)
        return view.memo("inner", lambda: 42)  # a memo within a memo: the same thread may nest

    results = []
    first = threading.Thread(target=lambda: results.append(view.memo("slow", slow)))
    first.start()
    assert started.wait(5)
    second = threading.Thread(target=lambda: results.append(view.memo("slow", slow)))
    second.start()
    first.join(5)
    second.join(5)
    assert results == [42, 42] and calls == [1]


def test_a_pause_that_left_many_new_objects_alive_freezes_them_and_one_that_left_few_does_not():
    # A cold runs list makes a summary per run (50,000): frozen as it ends,
    # so no young-generation pass walks them; a list that changed nothing
    # freezes nothing (nor the garbage cycles other threads leave meanwhile).
    import gc

    from agentv_resume.runs import scanner

    gc.collect()
    before = gc.get_freeze_count()
    try:
        with scanner.collector_paused(True, freeze_above=5_000):
            few = [object() for _ in range(10)]
        assert gc.isenabled() and gc.get_freeze_count() == before
        with scanner.collector_paused(True, freeze_above=5_000):
            many = [[n] for n in range(20_000)]
        assert gc.isenabled() and gc.get_freeze_count() > before
        assert not any(o is many[0] for o in gc.get_objects())
        assert few and many
    finally:
        gc.unfreeze()
