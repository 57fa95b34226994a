"""What every command shares: the project it works on, and failing with an exit status.

A command never maps a refusal itself: it lets the ``Refusal`` (errors.py)
propagate, and ``cli.main`` prints its message and exits with its status.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from agentv_resume.cli import completion
from agentv_resume.exit_codes import ExitStatus

PROJECT_HELP = ("The agentv project (the directory holding .agentv/). Default: found upward from here. "
                "Also accepted before the command.")


def fail(message: str, code: ExitStatus) -> None:
    click.echo(f"studio-resume: {message}", err=True)
    sys.exit(int(code))


def _remember_projects(ctx: click.Context, param, value):
    """A subcommand's own --project: kept apart from the group's (it wins for one project)."""
    if value:
        obj = ctx.find_root().ensure_object(dict)
        obj["command_projects"] = tuple(obj.get("command_projects") or ()) + tuple(value)
    return value


def project_option(func):
    """`--project DIR` after the command too (`studio-resume inspect --project DIR`)."""
    # Not read from the environment: the group's STUDIO_RESUME_PROJECT is.
    return click.option("--project", "command_projects", multiple=True, metavar="DIR", expose_value=False,
                        allow_from_autoenv=False,
                        type=click.Path(file_okay=False, path_type=str), callback=_remember_projects,
                        shell_complete=completion.complete_dirs, help=PROJECT_HELP)(func)


def projects_of(ctx: click.Context) -> tuple[str, ...]:
    """Every --project given, the group's first, then the command's."""
    obj = ctx.find_root().obj or {}
    return tuple(obj.get("projects") or ()) + tuple(obj.get("command_projects") or ())


def project_of(ctx: click.Context):
    """The project named by --project (the command's own wins), else found upward from here."""
    # Imported here, not at the top: every <TAB> loads this module (start-up speed).
    from agentv_resume.runs.project import Project, find_project_root

    obj = ctx.find_root().obj or {}
    explicit = (obj.get("command_projects") or ())[-1:] or (obj.get("projects") or ())[:1]
    project = Project(find_project_root(Path(explicit[0]) if explicit else None))
    project.extra_run_dirs = lambda: job_run_dirs(project)
    return project


def job_run_dirs(project) -> list[Path]:
    """The run directories of the project's jobs, newest first: a run written
    with --output outside .agentv/results/ is still named and listed."""
    from agentv_resume.jobs.store import JobStore

    seen: list[Path] = []
    for job in JobStore(project.root).all():
        if job.run_dir not in seen:
            seen.append(job.run_dir)
    return seen


def in_project(project, text: str) -> str:
    """A path typed on the command line, as the project sees it: relative to the
    working directory when it exists there, else left relative to the project."""
    path = Path(text).expanduser()
    if path.is_absolute():
        return text
    here = Path.cwd() / path
    if not here.exists():
        return text  # agentv runs in the project root: read from there
    return project.relative(here) if project.contains(here) else str(here.resolve())


def examples(*lines: str) -> str:
    """A command's Examples section (its ``epilog``); ``\\b`` keeps Click from rewrapping it."""
    body = "\n".join(f"  {line}" for line in lines)
    return f"\b\nExamples:\n{body}"
