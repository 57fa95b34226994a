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
from agentv_resume.cli.common import examples, fail
from agentv_resume.exit_codes import ExitStatus
from agentv_resume.cli.inspect import inspect
from agentv_resume.cli.jobs import jobs
from agentv_resume.cli.launch import launch
from agentv_resume.cli.runs import runs
from agentv_resume.cli.serve import serve
from agentv_resume.cli.watch import stop, watch
from agentv_resume.errors import Refusal

# Every option can also come from the environment: STUDIO_RESUME_PROJECT,
# STUDIO_RESUME_SERVE_PORT, STUDIO_RESUME_LAUNCH_WORKERS...
ENV_PREFIX = "STUDIO_RESUME"


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


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "auto_envvar_prefix": ENV_PREFIX},
             epilog=examples("studio-resume runs --state needs-attention",
                             "studio-resume inspect errored",
                             "studio-resume launch --resume errored",
                             "studio-resume serve --open"))
@click.option("--project", "projects", multiple=True, metavar="DIR", show_envvar=True, envvar=f"{ENV_PREFIX}_PROJECT",
              type=click.Path(file_okay=False, path_type=str), shell_complete=completion.complete_dirs,
              help="The agentv project (the directory holding .agentv/). Default: found upward from here. "
                   "`serve` takes it more than once. Also accepted after the command.")
@click.version_option(__version__, prog_name="studio-resume")
@click.pass_context
def main(ctx: click.Context, projects: tuple[str, ...]) -> None:
    """Finish interrupted or errored agentv runs: list and inspect them,
    resume them, follow and stop their jobs, or do it all from a local web page.

    Every option can also be set in the environment as STUDIO_RESUME_<OPTION>
    (group options) or STUDIO_RESUME_<COMMAND>_<OPTION>, e.g.
    STUDIO_RESUME_SERVE_PORT=3200.
    """
    obj = ctx.ensure_object(dict)
    obj["projects"] = projects


for command in (runs, inspect, launch, jobs, watch, stop, serve):
    main.add_command(command)


# --- completion -------------------------------------------------------------

@main.command("completion", short_help="Print the shell completion script for bash, zsh or fish.",
              epilog=examples("studio-resume completion bash > ~/.local/share/bash-completion/completions/studio-resume",
                              "studio-resume completion fish > ~/.config/fish/completions/studio-resume.fish"))
@click.argument("shell", type=click.Choice(completion.SHELLS))
def completion_command(shell: str) -> None:
    """Print the shell completion script for bash, zsh or fish."""
    click.echo(completion.script(shell, main), nl=False)


def _name_envvars(group: click.Group) -> None:
    """STUDIO_RESUME_<COMMAND>_<OPTION>, named after the option a user types
    (`--state` → ..._RUNS_STATE), not Click's internal parameter name (`states`)."""
    for name, command in group.commands.items():
        for param in command.params:
            if isinstance(param, click.Option) and param.allow_from_autoenv and not param.envvar:
                longest = max(param.opts, key=len).lstrip("-")
                param.envvar = f"{ENV_PREFIX}_{name}_{longest}".upper().replace("-", "_")


_name_envvars(main)
