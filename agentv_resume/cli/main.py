"""`studio-resume`: the Click group.  Each command lives in its own module and
parses, calls, and maps errors to exit codes (``cli.common.fail``).

Every <TAB> and every `inspect` starts a fresh interpreter, so a module a
command needs is imported in that command: completion never loads the
launch request, the web server or the JSON encoder.
"""

from __future__ import annotations

import click

from agentv_resume import __version__
from agentv_resume.cli import completion
from agentv_resume.cli.common import fail
from agentv_resume.errors import Refusal
from agentv_resume.exit_codes import ExitStatus
from agentv_resume.cli.inspect import inspect
from agentv_resume.cli.launch import launch
from agentv_resume.cli.serve import serve


class _Group(click.Group):
    """The one place a refusal becomes the CLI's answer: its message on stderr, its exit status;
    and a Ctrl-C, exit 130."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except Refusal as refusal:
            fail(refusal.message, refusal.exit_status)
        except KeyboardInterrupt:
            # Click would print "Aborted!" and exit 1; an interrupted command
            # exits 130 (128 + SIGINT), as a shell reports it.  A command with
            # something to clean up (launch, serve) handles Ctrl-C itself first.
            click.echo("\nstudio-resume: interrupted.", err=True)
            ctx.exit(int(ExitStatus.INTERRUPTED))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--project", "projects", multiple=True, metavar="DIR",
              type=click.Path(file_okay=False, path_type=str), shell_complete=completion.complete_dirs,
              help="The agentv project (the directory holding .agentv/). Default: found upward from here. "
                   "`serve` takes it more than once.")
@click.version_option(__version__, prog_name="studio-resume")
@click.pass_context
def main(ctx: click.Context, projects: tuple[str, ...]) -> None:
    """Finish interrupted or errored agentv runs: inspect them, resume them,
    or launch them from a local web page."""
    ctx.obj = {"projects": projects}


main.add_command(inspect)
main.add_command(launch)
main.add_command(serve)


# --- completion -------------------------------------------------------------

@main.command("completion")
@click.argument("shell", type=click.Choice(completion.SHELLS))
def completion_command(shell: str) -> None:
    """Print the shell completion script for bash, zsh or fish."""
    click.echo(completion.script(shell, main), nl=False)
