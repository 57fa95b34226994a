"""index.jsonl as agentv 4.42.4 reads it (parseJsonlResults / normalizeResultRow).

Each rule below was checked against the real CLI by appending the line to a
copy of the fixture's `errored` run and running
`agentv eval run evals/greetings.yaml --output <run> --resume --dry-run`:
a skipped line changes nothing, a rejected one stops agentv with the message
quoted here, an accepted one is counted in "Resume: found N existing result(s)".
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentv_resume.runs import scanner as scanner_module
from agentv_resume.runs.scanner import IndexScanner

from support.builders import read_index, row


def write(path: Path, *lines, tail: bytes = b"") -> Path:
    body = b"".join((line if isinstance(line, bytes) else json.dumps(line).encode()) + b"\n" for line in lines)
    path.write_bytes(body + tail)
    return path


def statuses(snapshot) -> dict:
    return {key: r.execution_status for key, r in snapshot.state.records.items()}


@pytest.fixture
def index(tmp_path) -> Path:
    return tmp_path / "index.jsonl"


# --- identities and statuses ------------------------------------------------

def test_last_line_wins_for_what_is_shown(index):
    write(index, row("a", "execution_error", error="boom"), row("b"), row("a", "ok"))
    snap = read_index(index)
    a = snap.state.records[("a", "default")]
    assert (a.execution_status, a.score, a.error, a.line) == ("ok", 1, None, 3)
    assert list(snap.state.records) == [("a", "default"), ("b", "default")]


def test_any_line_flags_remember_every_status_an_identity_had(index):
    write(index, row("a", "ok"), row("a", "execution_error"), row("b", "quality_failure"), row("b", "execution_error"))
    a, b = read_index(index).state.records.values()
    assert a.execution_status == "execution_error" and a.ever_ok and a.ever_error
    assert b.ever_quality_failure and not b.ever_ok


def test_same_test_on_two_targets_is_two_identities(index):
    write(index, row("a", target="default"), row("a", "execution_error", target="alt"))
    assert statuses(read_index(index)) == {("a", "default"): "ok", ("a", "alt"): "execution_error"}


@pytest.mark.parametrize("status", [None, "weird", "OK", 3, "missing-key"])
def test_missing_null_or_unknown_status_counts_as_ok(index, status):
    data = row("a", score=0)
    if status == "missing-key":
        del data["execution_status"]
    else:
        data["execution_status"] = status
    write(index, data)
    assert statuses(read_index(index)) == {("a", "default"): "ok"}


def test_camel_case_aliases_are_read_as_agentv_reads_them(index):
    write(index, {"testId": "a", "target": "default", "score": 0, "executionStatus": "execution_error"},
          {"test_id": "b", "testId": "ignored", "target": "default", "score": 1})
    assert statuses(read_index(index)) == {("a", "default"): "execution_error", ("b", "default"): "ok"}


def test_row_without_test_id_or_target_is_unknown_as_in_agentv(index):
    write(index, {"score": 1, "test_id": 7}, {"score": 1, "test_id": "x"})
    records = read_index(index).state.records
    assert set(records) == {("unknown", "unknown"), ("x", "unknown")}
    assert not records[("x", "unknown")].target_recorded


def test_bytes_that_are_not_utf8_read_as_replacement_character(index):
    line = json.dumps(row("a", "execution_error", error="X")).encode().replace(b'"X"', b'"caf\xe9 \xff"')
    write(index, line)
    assert read_index(index).state.records[("a", "default")].error == "caf\ufffd \ufffd"


def test_huge_integer_elsewhere_in_a_row_is_fine(index):
    write(index, b'{"test_id": "a", "score": 1, "duration_ms": 9' + b"9" * 5000 + b"}")
    snap = read_index(index)
    assert list(snap.state.records) == [("a", "unknown")] and snap.state.skipped_lines == 0


def test_non_string_error_is_shown_as_json(index):
    write(index, row("a", "execution_error", error={"code": 3}))
    assert read_index(index).state.records[("a", "default")].error == '{"code": 3}'


# --- skipped lines ------------------------------------------------------------

@pytest.mark.parametrize("line", [
    b"garbage",
    b'{"test_id": "a", "score": NaN}',
    b'{"test_id": "a", "score": Infinity}',
    b'{"test_id": "a", "score": -Infinity}',
    b'{"test_id": "a", "sc',
    # JS trim() keeps U+001C, so JSON.parse fails and agentv skips the line.
    b'\x1c{"test_id": "a", "score": 1}',
    b"[" * 100_000,  # nesting Python's parser cannot follow: not a row either way
])
def test_lines_that_are_not_json_are_skipped_and_counted(index, line):
    write(index, row("ok-before"), line, row("ok-after"))
    snap = read_index(index)
    assert snap.state.skipped_lines == 1
    assert snap.state.rejected_count == 0 and snap.state.first_rejected is None
    assert [key[0] for key in snap.state.records] == ["ok-before", "ok-after"]


def test_row_nested_deeper_than_pythons_recursion_limit_still_counts(index):
    # JSON.parse reads any depth; json stops near 1,000 levels, orjson reads
    # to 1,023.  Deeper than that (100,000 levels, say) the line is skipped.
    pytest.importorskip("orjson")
    deep = b'{"test_id": "deep", "score": 1, "target": "default", "trace": ' + b"[" * 1010 + b"]" * 1010 + b"}"
    write(index, row("a"), deep)
    snap = read_index(index)
    assert list(snap.state.records) == [("a", "default"), ("deep", "default")]
    assert snap.state.skipped_lines == 0


def test_truncated_last_line_is_skipped_and_reported_as_unterminated(index):
    write(index, row("a"), row("b"), tail=b'{"test_id": "c", "score": 1, "tar')
    snap = read_index(index)
    assert snap.state.skipped_lines == 1 and len(snap.state.records) == 2
    assert snap.ends_with_newline is False


def test_complete_last_line_without_newline_is_a_row(index):
    write(index, row("a"), tail=json.dumps(row("b")).encode())
    snap = read_index(index)
    assert len(snap.state.records) == 2 and snap.state.skipped_lines == 0
    assert snap.ends_with_newline is False


def test_blank_lines_are_ignored_but_numbered(index):
    write(index, b"", b"   \r", row("a"), b"", b"[1]")
    snap = read_index(index)
    assert snap.state.records[("a", "default")].line == 3
    assert snap.state.first_rejected.line == 5
    assert snap.state.skipped_lines == 0


def test_bom_and_crlf_are_trimmed_as_javascript_trims(index):
    write(index, b"\xef\xbb\xbf" + json.dumps(row("a")).encode() + b"\r", row("b"))
    snap = read_index(index)
    assert len(snap.state.records) == 2 and snap.state.skipped_lines == 0


def test_empty_index(index):
    index.write_bytes(b"")
    snap = read_index(index)
    assert snap.state.records == {} and snap.state.lines == 0
    assert snap.ends_with_newline is True and snap.warning is None


def test_multi_megabyte_line(index):
    big = row("big", "execution_error", error="x" * 5_000_000)
    write(index, row("a"), big, row("b"))
    snap = read_index(index)
    assert len(snap.state.records[("big", "default")].error) == 5_000_000
    assert [key[0] for key in snap.state.records] == ["a", "big", "b"]


def test_index_that_is_a_directory_is_a_warning_not_a_crash(index):
    index.mkdir()
    snap = read_index(index)
    assert snap.state.records == {}
    assert "directory" in snap.warning


def test_missing_index_is_a_warning(index):
    assert "missing" in read_index(index).warning


# --- rejected rows --------------------------------------------------------------

@pytest.mark.parametrize("line, message", [
    (b"[1, 2]", "Unsupported result row at line 2"),
    (b'"a string"', "Unsupported result row at line 2"),
    (b"42", "Unsupported result row at line 2"),
    (b"null", "Unsupported result row at line 2"),
    (b'{"foo": 1}', "Unsupported result row at line 2"),
    (b'{"test_id": "a"}', "Missing or invalid score in result row at line 2"),
    (b'{"test_id": "a", "score": "1"}', "Missing or invalid score in result row at line 2"),
    (b'{"test_id": "a", "score": true}', "Missing or invalid score in result row at line 2"),
    (b'{"test_id": "a", "score": null}', "Missing or invalid score in result row at line 2"),
    (b'{"test_id": "a", "score": 1e400}', "Missing or invalid score in result row at line 2"),
    (b'{"test_id": "a", "score": 1' + b"0" * 400 + b"}", "Missing or invalid score in result row at line 2"),
    (b'{"target": "default"}', "Missing or invalid score in result row at line 2"),
    # Beyond Python's int() digit limit: still Infinity to JSON.parse.
    (b'{"test_id": "a", "score": 1' + b"0" * 5000 + b"}", "Missing or invalid score in result row at line 2"),
])
def test_json_that_is_not_a_result_row_is_rejected_with_agentvs_message(index, line, message):
    write(index, row("a"), line, row("b"))
    snap = read_index(index)
    assert snap.state.first_rejected.message == message and snap.state.rejected_count == 1
    assert snap.state.skipped_lines == 0
    assert len(snap.state.records) == 2  # the good rows still show


def test_of_many_rejected_rows_only_the_first_is_kept_and_the_rest_counted(index):
    # agentv stops at the first; a file of millions of junk rows must not
    # become millions of objects (issue 12: 3 M junk lines took 570 MB).
    write(index, row("a"), *([b"[1]"] * 5000), b'{"test_id": "b"}', row("c"))
    snap = read_index(index)
    assert snap.state.first_rejected.message == "Unsupported result row at line 2"
    assert snap.state.rejected_count == 5001
    assert [key[0] for key in snap.state.records] == ["a", "c"]


# --- the incremental scanner ---------------------------------------------------------

def test_scanner_reads_only_appended_bytes(index, monkeypatch):
    write(index, *[row(f"t{i}") for i in range(200)])
    scanner = IndexScanner(index)
    scanner.scan()
    read_sizes = []
    real_open = open
    real_open_regular = scanner_module.open_regular

    class Spy:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def read(self, n=-1):
            data = self.handle.read(n)
            read_sizes.append(len(data))
            return data

        def __getattr__(self, name):
            return getattr(self.handle, name)

    monkeypatch.setattr(scanner_module, "open_regular", lambda path: Spy(real_open_regular(path)))
    appended = json.dumps(row("new")).encode() + b"\n"
    with real_open(index, "ab") as out:
        out.write(appended)
    snap = scanner.scan()
    assert len(snap.state.records) == 201
    assert sum(read_sizes) <= len(appended) + scanner_module._GUARD_BYTES
    assert sum(read_sizes) < index.stat().st_size // 10


def test_partial_last_line_is_read_again_once_complete(index):
    whole = json.dumps(row("b", "execution_error")).encode()
    write(index, row("a"), tail=whole[:20])
    scanner = IndexScanner(index)
    first = scanner.scan()
    assert first.state.skipped_lines == 1 and len(first.state.records) == 1
    with open(index, "ab") as out:
        out.write(whole[20:] + b"\n")
    second = scanner.scan()
    assert second.state.skipped_lines == 0
    assert statuses(second) == {("a", "default"): "ok", ("b", "default"): "execution_error"}


def test_file_replaced_or_truncated_is_read_again_from_the_start(index):
    write(index, row("a"), row("b"), row("c"))
    scanner = IndexScanner(index)
    assert len(scanner.scan().state.records) == 3
    # agentv's final rewrite: same inode, shorter.
    write(index, row("x"))
    assert list(scanner.scan().state.records) == [("x", "default")]
    # Replaced by a new file (new inode), longer than before.
    other = index.with_name("new.jsonl")
    write(other, row("p"), row("q"), row("r"), row("s"))
    os.replace(other, index)
    assert [k[0] for k in scanner.scan().state.records] == ["p", "q", "r", "s"]
    # Rewritten in place, longer, with different bytes before the old end.
    write(index, row("p", "execution_error", error="changed"), row("q"), row("r"), row("s"), row("t"))
    snap = scanner.scan()
    assert snap == read_index(index)
    assert snap.state.records[("p", "default")].execution_status == "execution_error"


def test_scanner_from_an_offset_counts_only_what_came_after(index):
    write(index, row("a"), row("b"))
    start = index.stat().st_size
    with open(index, "ab") as out:
        out.write(json.dumps(row("c")).encode() + b"\n")
    assert list(IndexScanner(index, start=start).scan().state.records) == [("c", "default")]


def test_frozen_snapshot_does_not_change_with_later_scans(index):
    write(index, row("a", "execution_error"))
    scanner = IndexScanner(index)
    frozen = scanner.scan().frozen()
    with open(index, "ab") as out:
        out.write(json.dumps(row("a", "ok")).encode() + b"\n" + json.dumps(row("b")).encode() + b"\n")
    scanner.scan()
    assert statuses(frozen) == {("a", "default"): "execution_error"}


def test_a_snapshot_from_a_view_keeping_scanner_never_changes(index):
    write(index, row("a", "execution_error"))
    scanner = IndexScanner(index, snapshots=True)
    first = scanner.scan()
    with open(index, "ab") as out:
        out.write(json.dumps(row("a", "ok")).encode() + b"\n" + json.dumps(row("b")).encode() + b"\n")
    second = scanner.scan()
    assert statuses(first) == {("a", "default"): "execution_error"}
    assert statuses(second) == {("a", "default"): "ok", ("b", "default"): "ok"}
    assert second == read_index(index)


@pytest.mark.parametrize("chunk", [1, 5, 64, 1000])
def test_reading_in_chunks_of_any_size_says_what_one_read_says(index, monkeypatch, chunk):
    long_error = "x" * 3000  # a line longer than many chunks
    write(index, row("a"), b"", row("b", "execution_error", error=long_error), b"[1]", b"garbage",
          row("a", "quality_failure"), tail=json.dumps(row("c")).encode()[:15])
    whole = read_index(index)
    monkeypatch.setattr(scanner_module, "CHUNK_BYTES", chunk)
    assert read_index(index) == whole
    assert whole.state.records[("b", "default")].error == long_error


def test_a_big_index_is_read_in_bounded_memory(index):
    import tracemalloc

    # 24 MB of lines for one identity: what stays is one record, and what
    # is held at once is about a chunk and its lines, never the whole file.
    line = json.dumps(row("same", error="e" * 400, execution_status="execution_error")).encode() + b"\n"
    with open(index, "wb") as out:
        out.write(line * (24 * 1024 * 1024 // len(line)))
    tracemalloc.start()
    try:
        snap = read_index(index)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(snap.state.records) == 1 and snap.state.lines > 40_000
    assert peak < 4 * scanner_module.CHUNK_BYTES < index.stat().st_size


_LINES = st.one_of(
    st.builds(lambda t, s, tg: json.dumps(row(t, s, target=tg)).encode(),
              st.sampled_from(["a", "b", "c", "d"]),
              st.sampled_from(["ok", "quality_failure", "execution_error", "other"]),
              st.sampled_from(["default", "alt"])),
    st.sampled_from([b"", b"garbage", b"[1]", b'{"test_id": "a"}', b'{"score": NaN}', b"caf\xe9"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(_LINES, min_size=1, max_size=25), data=st.data())
def test_incremental_scans_always_equal_a_fresh_read(tmp_path, lines, data):
    """Whatever the append splits (mid-line, mid-UTF-8, several lines at once),
    and after a truncation, the scanner says what a fresh read says."""
    path = tmp_path / f"prop-{os.getpid()}-{id(lines)}.jsonl"
    blob = b"".join(line + b"\n" for line in lines)
    if data.draw(st.booleans(), label="truncated last line"):
        blob = blob[:-data.draw(st.integers(1, max(1, len(lines[-1]))), label="cut")]
    cuts = sorted(data.draw(st.lists(st.integers(0, len(blob)), max_size=8), label="cuts"))
    path.write_bytes(b"")
    scanner = IndexScanner(path, snapshots=data.draw(st.booleans(), label="snapshots"))
    chunk = data.draw(st.sampled_from([1, 7, 100, scanner_module.CHUNK_BYTES]), label="chunk")

    def scan():
        default, scanner_module.CHUNK_BYTES = scanner_module.CHUNK_BYTES, chunk
        try:
            return scanner.scan()
        finally:
            scanner_module.CHUNK_BYTES = default

    written = 0
    for cut in [*cuts, len(blob)]:
        with open(path, "ab") as out:
            out.write(blob[written:cut])
        written = max(written, cut)
        assert scan() == read_index(path)
    if data.draw(st.booleans(), label="truncate then grow"):
        keep = data.draw(st.integers(0, len(blob)), label="keep")
        with open(path, "r+b") as out:
            out.truncate(keep)
        assert scan() == read_index(path)
        with open(path, "ab") as out:
            out.write(json.dumps(row("z")).encode() + b"\n")
        assert scan() == read_index(path)
    path.unlink()
