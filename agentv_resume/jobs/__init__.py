"""Jobs: one agentv process on one run directory.  Kept import-free: the supervisor imports this package."""
