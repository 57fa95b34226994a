"""What every command shares: the project it works on, and failing with an exit status.

A command never maps a refusal itself: it lets the ``Refusal`` (errors.py)
propagate, and ``cli.main`` prints its message and exits with its status.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from agentv_resume.exit_codes import ExitStatus


def fail(message: str, code: ExitStatus) -> None:
    click.echo(f"studio-resume: {message}", err=True)
    sys.exit(int(code))


def project_of(ctx: click.Context):
    """The project named by --project, else found upward from here."""
    # Imported here, not at the top: every <TAB> loads this module (start-up speed).
    from agentv_resume.runs.project import Project, find_project_root

    explicit = (ctx.obj or {}).get("projects") or ()
    return Project(find_project_root(Path(explicit[0]) if explicit else None))
