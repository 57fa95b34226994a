"""`studio-resume serve`: the web launcher."""

from __future__ import annotations

import sys

import click

from agentv_resume.cli import completion


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=3117, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free port).")
@click.option("--read-only", is_flag=True, help="Show runs and jobs; refuse every launch and stop.")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in a browser.")
@click.option("--demo", is_flag=True, help="Serve a bundled demo project, copied to a temporary folder.")
@click.option("--agentv", "agentv", metavar="PATH", shell_complete=completion.complete_paths,
              help="The agentv command (default: $AGENTV_BIN, else agentv on PATH).")
@click.pass_context
def serve(ctx, host, port, read_only, open_browser, demo, agentv):
    """Serve the web launcher: runs, Resume / Rerun failed buttons, live jobs."""
    # Imported here, not at the top: every <TAB> loads this module (start-up speed).
    from agentv_resume.web.server import serve as run_server

    host_given = ctx.get_parameter_source("host") != click.core.ParameterSource.DEFAULT
    projects = (ctx.obj or {}).get("projects") or ()
    sys.exit(run_server(projects=list(projects), host=host, host_given=host_given, port=port,
                        read_only=read_only, open_browser=open_browser, demo=demo, agentv=agentv))
