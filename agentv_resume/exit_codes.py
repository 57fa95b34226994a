"""Exit codes, named once (the contract's CLI section)."""

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0
    USAGE = 2  # Click's own convention for bad usage
    RUN_BUSY = 3
    AGENTV_NOT_FOUND = 4
    RUN_NOT_FOUND = 5  # also: the run is blocked
    INTERRUPTED = 130


# HTTP status of a LaunchError → exit code of `launch`.
EXIT_FOR_HTTP = {
    400: ExitStatus.USAGE,
    409: ExitStatus.RUN_BUSY,
    503: ExitStatus.AGENTV_NOT_FOUND,
}
