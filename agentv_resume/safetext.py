"""Text from files, made safe to print and capped for pages.

A test id, a target or an error message in ``index.jsonl`` is whatever
agentv, a provider or an attacker put there.  Printed raw, ``\\x1b]0;...\\x07``
retitles the terminal, ``\\x1b]52;c;...`` writes the clipboard, ``\\r`` or
``\\x1b[2K`` hides a line, and U+202E (right-to-left override) makes a name
read backwards.  ``for_terminal`` turns each such character into visible
text (``\\x1b``, ``\\u202e``): nothing is lost, nothing is interpreted.

A 100 MB error must not make a 100 MB page either: ``capped`` shortens any
text to a limit and says how much was left out.

Stdlib only, no imports of ours: every layer may use it.
"""

from __future__ import annotations

import re

# C0 controls (tab and newline are handled by the caller's choice), DEL, C1
# controls (U+0080-U+009F: 8-bit CSI/OSC in some terminals), the bidi
# embedding/override/isolate controls and marks, and the line/paragraph
# separators some terminals break lines at.
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_UNSAFE_ONE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}\u2028\u2029]")
_UNSAFE_KEEP_LINES = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}\u2028\u2029]")
# Only the JSON-legal-but-terminal-unsafe ones: json.dumps escapes C0 itself.
# (and lone surrogates, which cannot be printed as UTF-8 at all).
_UNSAFE_IN_JSON = re.compile(f"[\x7f-\x9f{_BIDI}\u2028\u2029\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")

PAGE_TEXT_LIMIT = 2_000   # one value on a page (an error in a table cell)
TERMINAL_TEXT_LIMIT = 10_000


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def for_terminal(text, *, keep_newlines: bool = False) -> str:
    """``text`` with every control, escape and bidi character shown as an escape.

    ``keep_newlines``: ``\\n`` and ``\\t`` stay (a block of text); otherwise
    they are escaped too (one field on one line).  ``\\r`` is always escaped.
    A lone surrogate (bytes that were not UTF-8) shows as U+FFFD.
    """
    if text is None:
        return ""
    text = str(text)
    pattern = _UNSAFE_KEEP_LINES if keep_newlines else _UNSAFE_ONE_LINE
    text = pattern.sub(_escape, text)
    return _SURROGATE.sub("\ufffd", text)


def json_for_terminal(encoded: str) -> str:
    """JSON text (``ensure_ascii=False``) with the characters a terminal would
    act on written as ``\\uXXXX`` escapes: the same JSON value, safe to print.

    Such characters can only occur inside JSON strings, where the escape is
    exact.
    """
    if encoded.isascii() and "\x7f" not in encoded:
        return encoded  # every such character is beyond ASCII but DEL (50 MB of tests: a scan, not a regex)
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", encoded)


def capped(text, limit: int = PAGE_TEXT_LIMIT) -> str:
    """``text`` cut to about ``limit`` characters, saying how many were left out."""
    if text is None:
        return ""
    text = str(text)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters)"
