"""One polling helper for tests that wait on real processes and servers."""

from __future__ import annotations

import time


def wait_for(predicate, timeout: float = 10.0, what: str = "a condition", interval: float = 0.02):
    """Call ``predicate`` until it returns something truthy (returned), or fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)
