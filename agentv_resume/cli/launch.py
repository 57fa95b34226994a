"""`studio-resume launch`: finish a run with agentv in the foreground, as the buttons do."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from agentv_resume.cli import completion
from agentv_resume.cli.common import fail, project_of
from agentv_resume.exit_codes import EXIT_FOR_HTTP, ExitStatus


@click.command(context_settings={"ignore_unknown_options": False})
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
    # Imported here, not at the top: every <TAB> loads this module (start-up speed).
    from agentv_resume.runs.reader import RunReader

    try:
        project = project_of(ctx)
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
    from agentv_resume.runs.project import RunNotFound  # start-up speed, as above

    try:
        return project.resolve_run(run_arg)
    except RunNotFound as exc:
        fail(str(exc), ExitStatus.RUN_NOT_FOUND)


def _body_for_run(project, reader, run_arg, mode, suites):
    from agentv_resume.launching.actions import action_body  # start-up speed, as above

    ref = _resolve(project, run_arg)
    view = reader.read(ref.run_dir)
    if view.index_problem:
        fail(f"run {ref.id} is blocked: {view.index_problem}", ExitStatus.RUN_NOT_FOUND)
    body = action_body(view, project, mode, suite_filter=",".join(suites))
    if body is None:
        fail(f"run {ref.id} is blocked: {view.blocked}", ExitStatus.RUN_NOT_FOUND)
    return body, view


def _body_for_retry(project, reader, path, suites):
    from agentv_resume.runs.run import INDEX_NAME  # start-up speed, as above

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
    # start-up speed, as above
    from agentv_resume.jobs import outcome as job_outcome
    from agentv_resume.jobs.runner import run_job
    from agentv_resume.jobs.store import JobStore
    from agentv_resume.launching import launcher
    from agentv_resume.launching.request import LaunchError

    try:
        prepared = launcher.prepare(body, project, reader)
    except LaunchError as exc:
        fail(exc.message, _exit_for(exc))
    if print_only:
        click.echo(prepared.command)
        return
    store = JobStore(project.root)
    try:
        job, lock_fd = launcher.start(prepared, project, reader, store, agentv=agentv, source="cli")
    except LaunchError as exc:
        fail(exc.message, _exit_for(exc))
    click.echo(f"studio-resume: job {job.id}: {prepared.command}", err=True)
    progress = _ProgressLine(store, job)
    out = sys.stdout.buffer

    def echo(chunk: bytes) -> None:
        out.write(chunk)
        out.flush()

    def record_outcome(record, status, exit_code, signal):
        job_outcome.finish(job.dir, record, status, exit_code, signal)

    code = run_job(job, lock_fd, echo=echo, on_tick=progress.tick, on_end=record_outcome)
    progress.tick()
    _say_outcome(project, reader, job)
    if job.record.get("status") == "stopped":
        click.echo("studio-resume: interrupted; agentv stopped.", err=True)
        sys.exit(int(ExitStatus.INTERRUPTED))
    sys.exit(code)


def _say_outcome(project, reader, job) -> None:
    """The job page's news in two lines: what is left and what changed, then
    the exact command that would go on (when something is left)."""
    import shlex

    from agentv_resume.jobs import outcome as job_outcome
    from agentv_resume.launching.actions import plural
    from agentv_resume.runs.outcome import next_modes

    outcome = job_outcome.load(job.dir)
    if outcome is None:
        return
    status = job.record.get("status") or "ended"
    changes = outcome.get("changes")
    line = f"studio-resume: {status} · {'the run is complete' if outcome['label'] == 'complete' else outcome['label']}"
    if changes:
        line += f" — {changes['summary']}"
    click.echo(line, err=True)
    if job.record.get("exit_code") not in (0, None):
        click.echo(f"studio-resume: {outcome['exit_reason']}", err=True)
    ref = project.run_by_dir(Path(job.record["run_dir"]))
    if ref is None:
        return
    view = reader.read(ref.run_dir)
    will_run = view.will_run
    prefix = ["studio-resume"]
    try:
        Path.cwd().resolve().relative_to(project.root.resolve())
    except (ValueError, OSError):
        prefix += ["--project", str(project.root)]
    for mode in next_modes(outcome["conclusion"], will_run):
        flag = "--resume" if mode == "resume" else "--rerun-failed"
        command = shlex.join([*prefix, "launch", flag, ref.id])
        click.echo(f"studio-resume: next ({plural(will_run[mode])}): {command}", err=True)


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
