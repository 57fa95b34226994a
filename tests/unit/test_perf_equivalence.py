"""The fast paths say exactly what the plain ones say.

``indexfile.parse_line_fast`` (orjson, falling back to the plain reading for
what orjson refuses or reads differently) must give the very value
``indexfile.parse_line`` (the standard library, agentv's rules) gives: the
same types (an int stays an int), the same floats, the same strings, the
same lines skipped.  Checked on every line of the fixture runs agentv wrote,
on hostile lines, and on random ones (hypothesis).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentv_resume.runs import index as indexfile
from agentv_resume.runs.index import (
    STRING_FIELDS,
    VALUE_FIELDS,
    IndexState,
    apply_line,
    apply_lines,
    parse_line,
    parse_line_fast,
)

pytest.importorskip("orjson")

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FIXTURE_INDEXES = sorted(FIXTURES.rglob("index.jsonl"))
_FAILED = object()


def identical(a, b) -> bool:
    """Equal, and of the same types all the way down (1 is not 1.0, 0.0 is not -0.0).

    A loop, not recursion: the values may be nested a thousand deep."""
    pending = [(a, b)]
    while pending:
        a, b = pending.pop()
        if type(a) is not type(b):
            return False
        if isinstance(a, float):
            if not ((math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))):
                return False
        elif isinstance(a, dict):
            if list(a) != list(b):
                return False
            pending.extend((a[key], b[key]) for key in a)
        elif isinstance(a, list):
            if len(a) != len(b):
                return False
            pending.extend(zip(a, b))
        elif a != b:
            return False
    return True


def outcome(parse, raw: bytes):
    try:
        return parse(raw)
    except ValueError:
        return _FAILED


def as_read(value):
    """What apply_line reads of a value: a row's keys, its VALUE_FIELDS, and its
    STRING_FIELDS when they are strings; all of anything else."""
    if isinstance(value, dict):
        return [list(value),
                {key: value[key] for key in VALUE_FIELDS if key in value},
                {key: value[key] if isinstance(value[key], str) else "<not a string>"
                 for key in STRING_FIELDS if key in value}]
    return value


def assert_same_reading(raw: bytes) -> None:
    plain, fast = outcome(parse_line, raw), outcome(parse_line_fast, raw)
    assert identical(as_read(plain), as_read(fast)), (raw[:200], plain, fast)


def fold(lines: list[bytes], parse) -> IndexState:
    state = IndexState()
    for raw in lines:
        apply_line(state, raw, parse)
    return state


def assert_same_state(lines: list[bytes]) -> None:
    """One line at a time by the plain reading, by the fast one, and all at
    once by ``apply_lines`` (the scanner's loop): the same state."""
    plain, fast = fold(lines, parse_line), fold(lines, parse_line_fast)
    looped = IndexState()
    apply_lines(looped, lines)
    assert plain == fast == looped
    # Record equality takes 1 == 1.0: the scores must be the same type too.
    for key, record in plain.records.items():
        assert identical(record.score, fast.records[key].score), key
        assert identical(record.score, looped.records[key].score), key
        assert identical(record.error, looped.records[key].error), key
        assert identical(record.duration_ms, looped.records[key].duration_ms), key


def test_fast_path_is_the_default_when_orjson_is_there():
    assert indexfile._parse is parse_line_fast


# --- the runs agentv wrote -----------------------------------------------------------

def test_fixture_indexes_exist():
    assert len(FIXTURE_INDEXES) >= 8


@pytest.mark.parametrize("index", FIXTURE_INDEXES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_every_fixture_line_reads_the_same(index):
    lines = index.read_bytes().split(b"\n")
    for raw in lines:
        assert_same_reading(raw)
    assert_same_state(lines)


# --- hostile lines ---------------------------------------------------------------------

def _deep(depth: int) -> bytes:
    return b'{"test_id": "deep", "score": 1, "x": ' + b"[" * depth + b"]" * depth + b"}"


HOSTILE = [
    b"", b"   ", b"\r", b"\t \r", b"garbage", b"[1]", b"42", b"null", b'"text"',
    b'{"test_id": "a", "score": NaN}', b'{"test_id": "a", "score": Infinity}', b'{"score": -Infinity}',
    b"NaN", b"Infinity", b"-Infinity",
    b'{"test_id": "a", "sc',
    b'\xef\xbb\xbf{"test_id": "a", "score": 1}',  # BOM: JavaScript's trim() removes it
    b'{"test_id": "a", "score": 1}\xef\xbb\xbf',
    b'\xc2\xa0{"test_id": "a", "score": 1}\xe2\x80\xa8',  # NBSP, LINE SEPARATOR: trimmed too
    b'\x0b{"test_id": "a", "score": 1}\x0c',
    b'\x1c{"test_id": "a", "score": 1}',  # not JS whitespace: not JSON
    b'{"test_id": "caf\xe9", "score": 1}',  # not UTF-8
    b'{"test_id": "a", "score": 1, "error": "\xff\xfe"}',
    b'{"test_id": "\xed\xa0\x80", "score": 1}',  # an encoded surrogate: not UTF-8
    b'{"test_id": "\\ud800", "score": 1}',  # a lone surrogate escape: JSON.parse keeps it
    b'{"test_id": "\\udc00\\ud800", "score": 1}',
    b'{"test_id": "\\ud83d\\ude00", "score": 1}',
    b'{"test_id": "a\\u0000b", "score": 1}',
    b'{"test_id": "a\x01", "score": 1}',  # a raw control character in a string: not JSON
    b'{"test_id": "a", "score": 1' + b"0" * 30 + b"}",  # beyond 64 bits: an int, not a float
    b'{"test_id": "a", "score": -1' + b"0" * 30 + b"}",
    b'{"test_id": "a", "score": 18446744073709551615}',
    b'{"test_id": "a", "score": 18446744073709551616}',
    b'{"test_id": "a", "score": -9223372036854775808}',
    b'{"test_id": "a", "score": -9223372036854775809}',
    b'{"test_id": "a", "score": 9223372036854775808.0}',
    b'{"test_id": "a", "score": 1e19}',
    b'{"test_id": "a", "score": 1' + b"0" * 400 + b"}",
    # durations beyond 64 bits, in either spelling (orjson reads them as floats, json as ints)
    b'{"test_id": "a", "score": 1, "duration_ms": -9223372036854775809}',
    b'{"test_id": "a", "score": 1, "durationMs": -9223372036854775809}',
    b'{"test_id": "a", "score": 1, "durationMs": 1' + b"0" * 30 + b"}",
    b'{"test_id": "a", "score": 1' + b"0" * 5000 + b"}",  # beyond int()'s digit limit
    b'{"test_id": "a", "score": 1, "n": 9' + b"9" * 5000 + b"}",
    b'{"test_id": "a", "score": 1e400}', b'{"test_id": "a", "score": -1e400}',
    b'{"test_id": "a", "score": 1e-400}', b'{"test_id": "a", "score": -0.0}', b'{"test_id": "a", "score": -0}',
    b'{"test_id": "a", "score": 0.1}', b'{"test_id": "a", "score": 5e-324}',
    b'{"test_id": "a", "score": 2.2250738585072011e-308}', b'{"test_id": "a", "score": 1.7976931348623157e308}',
    b'{"test_id": "a", "score": 1.7976931348623159e308}',
    b'{"test_id": "a", "score": 01}', b'{"test_id": "a", "score": 1.}', b'{"test_id": "a", "score": .5}',
    b'{"test_id": "a", "score": +1}', b'{"test_id": "a", "score": 1E+2}',
    b'{"test_id": "a", "score": true}', b'{"test_id": "a", "score": "1"}', b'{"test_id": "a", "score": null}',
    b'{"test_id": "a", "score": 1, "error": {"code": 1' + b"0" * 30 + b"}}",
    b'{"test_id": "a", "score": 1, "error": ["x", 1.5, null]}',
    b'{"test_id": "a", "score": 1, "test_id": "b", "score": 0}',  # duplicate keys: the last wins
    b'{"testId": "a", "score": 1, "executionStatus": "execution_error"}',
    b'{"test_id": "a", "score": 1} {"test_id": "b", "score": 1}',
    b'{"test_id": "a", "score": 1},',
    b"[" * 100_000,
    _deep(10), _deep(500), _deep(900), _deep(990), _deep(1000), _deep(1020), _deep(1030), _deep(5000),
]


@pytest.mark.parametrize("raw", HOSTILE, ids=lambda raw: repr(raw[:40]))
def test_hostile_line_reads_the_same(raw):
    assert_same_reading(raw)
    assert_same_state([b'{"test_id": "before", "score": 1}', raw, b'{"test_id": "after", "score": 0}'])


def test_a_huge_integer_score_stays_an_integer():
    raw = b'{"test_id": "a", "score": 1' + b"0" * 30 + b"}"
    assert parse_line_fast(raw)["score"] == 10**30


# --- random lines -----------------------------------------------------------------------

_scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.floats(width=32),
    st.text(), st.text(alphabet=st.characters(min_codepoint=0xD7F0, max_codepoint=0xE010)),
)
_values = st.recursive(_scalars, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)), max_leaves=12)
_rows = st.fixed_dictionaries(
    {},
    optional={
        "test_id": st.one_of(st.text(max_size=12), _scalars),
        "testId": st.text(max_size=12),
        "target": st.one_of(st.sampled_from(["default", "alt"]), _scalars),
        "score": _scalars,
        "execution_status": st.one_of(st.sampled_from(["ok", "quality_failure", "execution_error"]), _scalars),
        "executionStatus": st.sampled_from(["ok", "execution_error", "weird"]),
        "error": st.one_of(st.text(max_size=20), _values),
        "trace": _values,
        "timingPath": st.text(max_size=5),
        "duration_ms": _scalars,
        "durationMs": _scalars,
    },
)
_PADDING = ["", " ", "\t", "\r", "\ufeff", "\u00a0", "\u2028", "\u3000", "\x0b", "\x1c", "\x85"]


@st.composite
def lines(draw) -> bytes:
    value = draw(st.one_of(_rows, _values))
    text = json.dumps(value, ensure_ascii=draw(st.booleans()),
                      separators=draw(st.sampled_from([(",", ":"), (", ", ": "), (" ,", " : ")])))
    text = draw(st.sampled_from(_PADDING)) + text + draw(st.sampled_from(_PADDING))
    raw = text.encode("utf-8", "surrogatepass")  # a lone surrogate becomes bytes that are not UTF-8
    mutation = draw(st.sampled_from(["none", "none", "cut", "insert"]))
    if mutation == "cut" and raw:
        raw = raw[: draw(st.integers(0, len(raw) - 1))]
    elif mutation == "insert":
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.sampled_from([b"\xff", b"\xe9", b"\x00", b",", b"]", b"\\", b'"', b"NaN"])) + raw[at:]
    return raw


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=lines())
def test_random_line_reads_the_same(raw):
    assert_same_reading(raw)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(lines(), max_size=12))
def test_random_index_folds_to_the_same_state(batch):
    assert_same_state(batch)
