"""Terminal escape sequences out of agentv's output, for the logs we keep.

A `launch` on a terminal lets agentv print in colour (FORCE_COLOR), but
output.log and the run's console.log are read later by the page, by
`watch`, by grep: they stay plain text.  agentv's output arrives in chunks,
so a sequence cut in two by a chunk boundary is held back until the rest
arrives.  Stdlib only (the supervisor's start-up path).
"""

from __future__ import annotations

import re

# CSI (colours, cursor moves: ESC [ ... final), OSC (titles, links: ESC ] ... BEL or ESC \),
# and the two-byte escapes (ESC 7, ESC M...).
_SEQUENCE = re.compile(rb"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[ -Z\\^-~])")
# What may still become a sequence when more bytes come: ESC, ESC [ ..., ESC ] ... (ESC).
_UNFINISHED = re.compile(rb"\x1b(?:\[[0-?]*[ -/]*|\][^\x07\x1b]*\x1b?)?\Z")
_HOLD_AT_MOST = 256  # an "escape" longer than this is not one: let it through


class AnsiStripper:
    """Feed chunks, get the same bytes without escape sequences."""

    def __init__(self) -> None:
        self.pending = b""

    def feed(self, data: bytes) -> bytes:
        data = self.pending + data
        self.pending = b""
        out = []
        pos = 0
        while True:
            esc = data.find(b"\x1b", pos)
            if esc < 0:
                out.append(data[pos:])
                break
            out.append(data[pos:esc])
            match = _SEQUENCE.match(data, esc)
            if match is not None:
                pos = match.end()
            elif len(data) - esc <= _HOLD_AT_MOST and _UNFINISHED.match(data, esc):
                self.pending = data[esc:]  # cut in two: wait for the rest
                break
            else:
                pos = esc + 1  # an ESC that starts nothing: drop it, keep the text
        return b"".join(out)

    def flush(self) -> bytes:
        """The end of the output: a sequence still unfinished is dropped."""
        self.pending = b""
        return b""


def strip_ansi(data: bytes) -> bytes:
    return _SEQUENCE.sub(b"", data)
