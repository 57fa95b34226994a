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
_HOLD_AT_MOST = 256  # an "escape" longer than this is not one: let it through


class AnsiStripper:
    """Feed chunks, get the same bytes without escape sequences."""

    def __init__(self) -> None:
        self.pending = b""

    def feed(self, data: bytes) -> bytes:
        data = self.pending + data
        self.pending = b""
        start = data.rfind(b"\x1b")
        if start >= 0 and len(data) - start <= _HOLD_AT_MOST and _SEQUENCE.match(data, start) is None:
            data, self.pending = data[:start], data[start:]  # maybe cut in two: wait for the rest
        return _SEQUENCE.sub(b"", data)

    def flush(self) -> bytes:
        rest, self.pending = self.pending, b""
        return _SEQUENCE.sub(b"", rest)


def strip_ansi(data: bytes) -> bytes:
    return _SEQUENCE.sub(b"", data)
