"""`studio-resume`: the Click app.  Each command parses, calls, maps errors → exit codes.

Every <TAB> and every `inspect` starts a fresh interpreter, so a module a
command needs is imported in that command: completion never loads the
launch request, the web server or the JSON encoder.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from agentv_resume import __version__, completion
from agentv_resume.status import EXIT_FOR_HTTP, ExitStatus


def fail(message: str, code: ExitStatus) -> None:
    click.echo(f"studio-resume: {message}", err=True)
    sys.exit(int(code))


def _project(ctx: click.Context):
    from agentv_resume.project import Project, ProjectNotFound, find_project_root

    explicit = (ctx.obj or {}).get("projects") or ()
    try:
        root = find_project_root(Path(explicit[0]) if explicit else None)
    except ProjectNotFound as exc:
        fail(str(exc), ExitStatus.RUN_NOT_FOUND)
    return Project(root)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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


# --- inspect ----------------------------------------------------------------

@main.command()
@click.argument("run", required=False, default="last", shell_complete=completion.complete_runs)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def inspect(ctx: click.Context, run: str, as_json: bool) -> None:
    """What RUN has done, failed, errored and missed, and the command that would finish it.

    RUN is a run id, a run directory, its index.jsonl, or `last` (the default:
    agentv's .agentv/cache.json).
    """
    from agentv_resume.describe import inspect_json
    from agentv_resume.project import RunNotFound
    from agentv_resume.runs import RunReader

    project = _project(ctx)
    try:
        ref = project.resolve_run(run)
    except RunNotFound as exc:
        fail(str(exc), ExitStatus.RUN_NOT_FOUND)
    view = RunReader(project.root).read(ref.run_dir)
    data = inspect_json(ref, view, project)
    if as_json:
        click.echo(_dump_inspect(data))
        return
    click.echo(_render_inspect(data))


def _dump_inspect(data: dict) -> str:
    """Indented JSON, one line per test: json's indent= switches to its pure
    Python encoder, which takes most of a second on 20,000 tests.

    A test line is what ``json.dumps(test, ensure_ascii=False)`` prints,
    written out: a test's four values are strings (a Record's test_id,
    target and status always are) or, for the error, null; json's own
    string encoder quotes them (``encode_basestring``, the one
    ensure_ascii=False uses).  20,000 tests: 55 ms -> 8 ms.
    """
    import json
    from json.encoder import encode_basestring as quote

    tests = data["tests"]
    head = json.dumps({key: value for key, value in data.items() if key != "tests"}, indent=2, ensure_ascii=False)
    if not tests:
        return head[:-2] + ',\n  "tests": []\n}'
    lines = []
    for test in tests:
        error = test["error"]
        lines.append(f'    {{"test_id": {quote(test["test_id"])}, "target": {quote(test["target"])}, '
                     f'"execution_status": {quote(test["execution_status"])}, '
                     f'"error": {"null" if error is None else quote(error)}}}')
    return head[:-2] + ',\n  "tests": [\n' + ",\n".join(lines) + "\n  ]\n}"


_ROWS_SHOWN = 50


def _render_inspect(data: dict) -> str:
    from agentv_resume.actions import LABELS, MODES, plural

    counts = data["counts"]
    lines = [
        f"Run       {data['run_id']}  ({data['run_dir']})",
        f"Suite     {data['suite_filter'] or '(unknown)'}",
        f"Targets   {', '.join(data['targets']) or '(none recorded)'}",
        f"Planned   {data['planned_test_count'] if data['planned_test_count'] is not None else '(unknown)'}"
        f"    records {data['records']}    missing {counts['missing']}",
        f"Status    ok {counts['ok']} · quality_failure {counts['quality_failure']} · "
        f"execution_error {counts['execution_error']} · missing {counts['missing']}",
    ]
    if data["skipped_lines"]:
        lines.append(f"Skipped   {data['skipped_lines']} line(s) that are not JSON (agentv skips them too)")
    if data["rejected_rows"]:
        lines.append(f"Rejected  {data['rejected_rows']} row(s) that are not results")
    for warning in data.get("warnings", []):
        if "skipped" not in warning:
            lines.append(f"Warning   {warning}")
    tests = data["tests"]
    if tests:
        shown = tests if len(tests) <= _ROWS_SHOWN else [t for t in tests if t["execution_status"] != "ok"][:_ROWS_SHOWN]
        width_id = max(len("TEST"), *(len(t["test_id"]) for t in shown)) if shown else 4
        width_target = max(len("TARGET"), *(len(t["target"]) for t in shown)) if shown else 6
        lines += ["", f"{'TEST':<{width_id}}  {'TARGET':<{width_target}}  {'STATUS':<15}  ERROR"]
        for test in shown:
            error = (test["error"] or "").replace("\n", " ")
            if len(error) > 80:
                error = error[:77] + "..."
            lines.append(f"{test['test_id']:<{width_id}}  {test['target']:<{width_target}}  "
                         f"{test['execution_status']:<15}  {error}".rstrip())
        if len(shown) < len(tests):
            lines.append(f"... {len(tests) - len(shown)} more rows not shown (ok rows hidden; --json lists all)")
    lines.append("")
    if data["blocked"]:
        lines.append(f"Blocked: {data['blocked']}")
    for mode in MODES:
        count = data["will_run"][mode]
        label = LABELS[mode]
        if count == 0:
            lines.append(f"{label}: nothing to run")
        elif data["commands"][mode]:
            lines.append(f"{label} — {plural(count)}:\n  {data['commands'][mode]}")
        else:
            lines.append(f"{label} — {plural(count)}: no command (the suite file is unknown; give --suite to launch)")
    return "\n".join(lines)


# --- launch -----------------------------------------------------------------

@main.command(context_settings={"ignore_unknown_options": False})
@click.option("--resume", is_flag=True, help="Re-run missing cases and execution errors of RUN, in place.")
@click.option("--rerun-failed", is_flag=True, help="Re-run missing cases and every case that is not ok, in place.")
@click.option("--retry-errors", "retry_errors", metavar="PATH", shell_complete=completion.complete_paths,
              help="Start a new run that retries the execution errors of PATH (a run dir or its index.jsonl).")
@click.argument("args", nargs=-1, metavar="[RUN] [SUITE...]", shell_complete=completion.complete_launch_args)
@click.option("--suite", "suites", multiple=True, metavar="FILE", shell_complete=completion.complete_paths,
              help="Eval file (repeatable). Default: the run's own.")
@click.option("--target", "targets", multiple=True, metavar="NAME", shell_complete=completion.complete_targets,
              help="Target (repeatable). Default: the run's targets.")
@click.option("--test-id", "test_ids", multiple=True, metavar="ID", shell_complete=completion.complete_test_ids,
              help="Only this test id (repeatable).")
@click.option("--workers", type=click.IntRange(1, 50), help="agentv --workers (1-50).")
@click.option("--threshold", type=click.FloatRange(0, 1), help="agentv --threshold (0-1).")
@click.option("--dry-run", is_flag=True, help="agentv --dry-run.")
@click.option("--print", "print_only", is_flag=True, help="Print the agentv command and run nothing.")
@click.option("--agentv", "agentv", metavar="PATH", shell_complete=completion.complete_paths,
              help="The agentv command (default: $AGENTV_BIN, else agentv on PATH).")
@click.pass_context
def launch(ctx, resume, rerun_failed, retry_errors, args, suites, targets, test_ids, workers, threshold, dry_run, print_only, agentv):
    """Finish a run with agentv: --resume / --rerun-failed RUN, or --retry-errors PATH.

    RUN is a run id, a run directory, its index.jsonl, or `last` (default).
    Suite, targets and output come from the run, as the Resume button does;
    options override them. Streams agentv's output and exits with its code.
    """
    chosen = [name for name, on in (("--resume", resume), ("--rerun-failed", rerun_failed),
                                    ("--retry-errors", retry_errors)) if on]
    if len(chosen) != 1:
        got = f" (got: {', '.join(chosen)})" if chosen else ""
        raise click.UsageError(f"give exactly one of --resume, --rerun-failed or --retry-errors PATH{got}")
    mode = "resume" if resume else "rerun_failed" if rerun_failed else "retry_errors"
    from agentv_resume.runs import RunReader

    try:
        project = _project(ctx)
        reader = RunReader(project.root)
        if mode == "retry_errors":
            body, view = _body_for_retry(project, reader, retry_errors, list(args) + list(suites))
        else:
            if len(args) > 1:
                raise click.UsageError(f"{chosen[0]} takes one RUN, got {len(args)}: {' '.join(args)}")
            body, view = _body_for_run(project, reader, args[0] if args else "last", mode, suites)
        if not test_ids and not (mode == "retry_errors" and (args or suites)):
            _exit_if_nothing_to_run(project, view, mode)
        if targets:
            body["target"] = list(targets)
        if test_ids:
            body["test_ids"] = list(test_ids)
        if workers is not None:
            body["workers"] = workers
        if threshold is not None:
            body["threshold"] = threshold
        if dry_run:
            body["dry_run"] = True
        _run_launch(project, reader, body, print_only=print_only, agentv=agentv)
    except KeyboardInterrupt:
        # Ctrl-C before agentv started, or a second one while it stopped.
        click.echo("studio-resume: interrupted.", err=True)
        sys.exit(int(ExitStatus.INTERRUPTED))


_NOTHING = {
    "resume": "nothing to resume: every case of {run} has a completed result (agentv would skip them all)",
    "rerun_failed": "nothing to rerun: every case of {run} is ok (agentv would skip them all)",
    "retry_errors": "nothing to retry: {run} has no execution errors and no missing cases",
}


def _exit_if_nothing_to_run(project, view, mode) -> None:
    count = view.retry_errors_count if mode == "retry_errors" else view.will_run[mode]
    if mode == "retry_errors" and view.planned is None:
        return  # missing cases unknown: let agentv decide
    if count == 0:
        click.echo(f"studio-resume: {_NOTHING[mode].format(run=project.relative(view.run_dir))}; "
                   "agentv was not started.", err=True)
        sys.exit(int(ExitStatus.OK))


def _resolve(project, run_arg):
    from agentv_resume.project import RunNotFound

    try:
        return project.resolve_run(run_arg)
    except RunNotFound as exc:
        fail(str(exc), ExitStatus.RUN_NOT_FOUND)


def _body_for_run(project, reader, run_arg, mode, suites):
    from agentv_resume.actions import action_body

    ref = _resolve(project, run_arg)
    view = reader.read(ref.run_dir)
    if view.index_problem:
        fail(f"run {ref.id} is blocked: {view.index_problem}", ExitStatus.RUN_NOT_FOUND)
    body = action_body(view, project, mode, suite_filter=",".join(suites))
    if body is None:
        fail(f"run {ref.id} is blocked: {view.blocked}", ExitStatus.RUN_NOT_FOUND)
    return body, view


def _body_for_retry(project, reader, path, suites):
    from agentv_resume.runs import INDEX_NAME

    source = Path(path).expanduser()  # typed in a shell: relative to here
    source = source if source.is_absolute() else Path.cwd() / source
    run_dir = source.parent if source.name == INDEX_NAME else source
    if not (run_dir / INDEX_NAME).is_file():
        fail(f"--retry-errors {path}: not a run directory or its index.jsonl", ExitStatus.RUN_NOT_FOUND)
    view = reader.read(run_dir)
    if view.index_problem:
        fail(f"run {project.relative(run_dir)} is blocked: {view.index_problem}", ExitStatus.RUN_NOT_FOUND)
    body: dict = {"retry_errors": project.relative(source)}
    if suites:
        body["suite_filter"] = ",".join(suites)
    elif view.suite_filter:
        body["suite_filter"] = view.suite_filter
    else:
        fail(f"{view.suite_reason}; give the eval file(s) as SUITE arguments", ExitStatus.RUN_NOT_FOUND)
    if view.targets:
        body["target"] = view.targets
    return body, view


def _run_launch(project, reader, body, *, print_only: bool, agentv: str | None) -> None:
    from agentv_resume import jobs, launch as launching
    from agentv_resume.request import LaunchError

    try:
        prepared = launching.prepare(body, project, reader)
    except LaunchError as exc:
        fail(exc.message, _exit_for(exc))
    if print_only:
        click.echo(prepared.command)
        return
    store = jobs.JobStore(project.root)
    try:
        job, lock_fd = launching.start(prepared, project, reader, store, agentv=agentv, source="cli")
    except LaunchError as exc:
        fail(exc.message, _exit_for(exc))
    click.echo(f"studio-resume: job {job.id}: {prepared.command}", err=True)
    progress = _ProgressLine(store, job)
    out = sys.stdout.buffer

    def echo(chunk: bytes) -> None:
        out.write(chunk)
        out.flush()

    code = jobs.run_job(job, lock_fd, echo=echo, on_tick=progress.tick)
    progress.tick()
    if job.record.get("status") == "stopped":
        click.echo("studio-resume: interrupted; agentv stopped.", err=True)
        sys.exit(int(ExitStatus.INTERRUPTED))
    sys.exit(code)


def _exit_for(error) -> ExitStatus:
    if error.kind == "blocked":
        return ExitStatus.RUN_NOT_FOUND
    return EXIT_FOR_HTTP.get(error.status, ExitStatus.USAGE)


class _ProgressLine:
    """`studio-resume: 7/12 cases done` on stderr whenever the count changes."""

    def __init__(self, store, job):
        self.store, self.job, self.last = store, job, None

    def tick(self) -> None:
        try:
            progress = self.store.progress(self.job)
        except Exception:  # progress is a courtesy; never let it break the run
            return
        shown = (progress["done"], progress["planned"])
        if shown == self.last:
            return
        self.last = shown
        planned = progress["planned"]
        text = f"{progress['done']}/{planned}" if planned else f"{progress['done']}"
        click.echo(f"studio-resume: {text} cases done", err=True)


# --- serve ------------------------------------------------------------------

@main.command()
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
    from agentv_resume.web.serve import serve as run_server

    host_given = ctx.get_parameter_source("host") != click.core.ParameterSource.DEFAULT
    projects = (ctx.obj or {}).get("projects") or ()
    sys.exit(run_server(projects=list(projects), host=host, host_given=host_given, port=port,
                        read_only=read_only, open_browser=open_browser, demo=demo, agentv=agentv))


# --- completion -------------------------------------------------------------

@main.command("completion")
@click.argument("shell", type=click.Choice(completion.SHELLS))
def completion_command(shell: str) -> None:
    """Print the shell completion script for bash, zsh or fish."""
    click.echo(completion.script(shell), nl=False)
