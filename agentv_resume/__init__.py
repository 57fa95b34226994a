"""studio-resume: finish interrupted or errored agentv runs."""

__version__ = "0.1.0"
