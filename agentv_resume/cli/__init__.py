"""The command line: ``studio-resume`` (entry point ``agentv_resume.cli:main``)."""

from agentv_resume.cli.main import main

__all__ = ["main"]
