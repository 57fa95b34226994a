"""`studio-resume serve`: the web launcher."""

from __future__ import annotations

import sys

import click

from agentv_resume.cli import completion
from agentv_resume.cli.common import examples, project_option, projects_of

# Not 3117: agentv's own dashboard (`agentv serve`) has it.  Spelt here, not
# imported from web.ports, so a <TAB> loads no web module (a test checks they agree).
DEFAULT_PORT = 3118


@click.command(short_help="Serve the web launcher: runs, Resume buttons, live jobs.",
               epilog=examples("studio-resume serve --open",
                               "studio-resume serve --project ~/evals/a --project ~/evals/b",
                               "studio-resume serve --demo            # a bundled demo project, removed on exit",
                               "studio-resume serve --host 0.0.0.0 --allow-host devbox.local --read-only"))
@click.option("--host", default="127.0.0.1", show_default=True, show_envvar=True,
              help="Address to listen on. Another machine also needs --allow-host.")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME",
              help="Also answer requests addressed to NAME (repeatable): the name or address another "
                   "machine uses to reach this one, with --host 0.0.0.0.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, show_envvar=True, type=click.IntRange(0, 65535),
              help="Port (0: any free port). agentv's own dashboard uses 3117.")
@click.option("--read-only", is_flag=True, help="Show runs and jobs; refuse every launch and stop.")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in a browser.")
@click.option("--demo", is_flag=True, help="Serve a bundled demo project, copied to a temporary folder "
                                           "(removed on exit).")
@click.option("--keep", is_flag=True, help="With --demo: keep the temporary folder on exit.")
@click.option("--agentv", "agentv", metavar="PATH", shell_complete=completion.complete_paths,
              help="The agentv command (default: $AGENTV_BIN, the project's node_modules/.bin/agentv, "
                   "else agentv on PATH).")
@project_option
@click.pass_context
def serve(ctx, host, allow_hosts, port, read_only, open_browser, demo, keep, agentv):
    """Serve the web launcher: the runs, Resume / Rerun failed buttons, live
    jobs with Stop. Ctrl-C stops the server; running jobs go on.

    --project (more than once) serves several projects; the first also
    answers the plain routes.
    """
    # Imported here, not at the top: every <TAB> loads this module (start-up speed).
    from agentv_resume.web.server import serve as run_server

    if keep and not demo:
        raise click.UsageError("--keep only applies to --demo")
    host_given = ctx.get_parameter_source("host") not in (click.core.ParameterSource.DEFAULT, None)
    sys.exit(run_server(projects=list(projects_of(ctx)), host=host, host_given=host_given, port=port,
                        read_only=read_only, open_browser=open_browser, demo=demo, keep_demo=keep,
                        agentv=agentv, allow_hosts=list(allow_hosts)))
