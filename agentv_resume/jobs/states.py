"""Job states: the one list of them.  Stdlib only (the supervisor imports it)."""

ACTIVE = ("starting", "running")
TERMINAL = ("finished", "failed", "stopped", "lost")
