"""Big JSON answers in parts: the same JSON as one ``json_body``, whatever the rows hold."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentv_resume.web import responses
from agentv_resume.web.responses import json_array_parts, json_body

_values = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False, allow_infinity=False), st.text(),
    st.text(alphabet=st.characters(min_codepoint=0xD7F0, max_codepoint=0xE010)),  # lone surrogates too
)
_rows = st.lists(st.dictionaries(st.sampled_from(["test_id", "target", "score", "error"]), _values), max_size=12)


@settings(max_examples=200, deadline=None)
@given(rows=_rows, per_part=st.sampled_from([1, 2, 3, 5_000]))
def test_parts_say_what_one_encoding_says(rows, per_part):
    default, responses._ROWS_PER_PART = responses._ROWS_PER_PART, per_part
    try:
        joined = b"".join(json_array_parts(rows, dict))
    finally:
        responses._ROWS_PER_PART = default
    assert json.loads(joined) == json.loads(json_body(rows))


@pytest.mark.parametrize("count", [0, 1, 4, 5, 6, 10])
def test_every_row_once_at_any_count(monkeypatch, count):
    monkeypatch.setattr(responses, "_ROWS_PER_PART", 5)
    rows = [{"n": n} for n in range(count)]
    assert json.loads(b"".join(json_array_parts(rows, dict))) == rows
