"""Exit codes, named once (the contract's CLI section).  A refusal carries its own (errors.py)."""

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0
    USAGE = 2  # Click's own convention for bad usage
    RUN_BUSY = 3
    AGENTV_NOT_FOUND = 4
    RUN_NOT_FOUND = 5  # also: the run is blocked
    INTERRUPTED = 130
