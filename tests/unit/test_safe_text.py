"""Text from files is shown, never obeyed, by a terminal; and capped on pages."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentv_resume.safetext import capped, for_terminal, json_for_terminal

ATTACKS = [
    "\x1b]0;pwned title\x07",            # OSC: window title
    "\x1b]52;c;ZWNobyBoaQ==\x07",        # OSC 52: clipboard
    "ok\rFAKE",                           # carriage return hides the start
    "\x1b[2K\x1b[1A",                     # erase line, cursor up
    "\x9b31m",                            # 8-bit CSI
    "\x9d0;title\x9c",                    # 8-bit OSC ... ST
    "abc\u202edcb",                       # right-to-left override
    "\u2066isolate\u2069",
    "\x00\x07\x08\x7f",
    "\x1bP+q\x1b\\",                      # DCS
]
UNSAFE = set(map(chr, [*range(0x00, 0x20), *range(0x7f, 0xa0)])) | set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029")


@pytest.mark.parametrize("attack", ATTACKS)
def test_escapes_become_visible_text(attack):
    shown = for_terminal(attack)
    assert not (set(shown) & UNSAFE)
    assert shown  # nothing silently dropped


@given(st.text())
def test_no_text_survives_with_a_control_character(text):
    assert not (set(for_terminal(text)) & UNSAFE)
    kept = for_terminal(text, keep_newlines=True)
    assert not (set(kept) & (UNSAFE - {"\n", "\t"}))


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zl", "Zp"))))
def test_ordinary_text_is_unchanged(text):
    assert for_terminal(text) == text


@given(st.recursive(st.text() | st.none() | st.integers(),
                    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(), kids, max_size=3),
                    max_leaves=10))
def test_json_for_the_terminal_is_the_same_value_without_unsafe_characters(value):
    text = json_for_terminal(json.dumps(value, ensure_ascii=False))
    assert json.loads(text) == value
    assert not (set(text) & (UNSAFE - {"\n"}))
    text.encode("utf-8")  # printable: no lone surrogate left


@pytest.mark.parametrize("size", [0, 10, 2000, 2001, 10_000_000])
def test_capped_text_says_what_it_left_out(size):
    text = "e" * size
    shown = capped(text, 2000)
    assert len(shown) <= 2000 + 40
    if size > 2000:
        assert f"{size - 2000:,} more characters" in shown
    else:
        assert shown == text
