"""`studio-resume launch`: finish a run with agentv in the foreground, as the buttons do."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from agentv_resume.cli import completion
from agentv_resume.cli.common import examples, in_project, project_of, project_option
from agentv_resume.exit_codes import ExitStatus


@click.command(context_settings={"ignore_unknown_options": False},
               short_help="Resume, rerun the failed cases of, or retry the errors of a run.",
               epilog=examples("studio-resume launch --resume                 # finish the last run in place",
                               "studio-resume launch --rerun-failed errored --print",
                               "studio-resume launch --retry-errors errored    # a run id, a run dir or its index.jsonl",
                               "studio-resume launch --resume interrupted --workers 1 --target default"))
@click.option("--resume", is_flag=True, help="Re-run missing cases and execution errors of RUN, in place.")
@click.option("--rerun-failed", is_flag=True, help="Re-run missing cases and every case that is not ok, in place.")
@click.option("--retry-errors", "retry_errors", metavar="RUN", shell_complete=completion.complete_runs_or_paths,
              help="Start a new run that retries the execution errors of RUN (a run id, a run dir or its index.jsonl).")
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
              help="The agentv command (default: $AGENTV_BIN, the project's node_modules/.bin/agentv, "
                   "else agentv on PATH).")
@project_option
@click.pass_context
def launch(ctx, resume, rerun_failed, retry_errors, args, suites, targets, test_ids, workers, threshold, dry_run, print_only, agentv):
    """Finish a run with agentv: --resume / --rerun-failed RUN, or --retry-errors RUN.

    RUN is a run id, a run directory, its index.jsonl, or `last` (default).
    Suite, targets and output come from the run, as the Resume button does;
    options override them. Streams agentv's output and exits with its code.
    """
    # Imported here, not at the top: every <TAB> loads this module (start-up speed).
    from agentv_resume.launching.actions import retry_body, run_body
    from agentv_resume.launching.request import check_one_mode
    from agentv_resume.runs.reader import RunReader

    if not (resume or rerun_failed or retry_errors):
        raise click.UsageError("give one of --resume, --rerun-failed or --retry-errors RUN")
    check_one_mode(resume, rerun_failed, bool(retry_errors))  # rule 6, in the launch rules' words
    mode = "resume" if resume else "rerun_failed" if rerun_failed else "retry_errors"
    try:
        project = project_of(ctx)
        reader = RunReader(project.root)
        if mode == "retry_errors":
            # A run id, `last`, or a path (relative to here, else to the project).
            ref = project.resolve_run(retry_errors)
            source = ref.run_dir / "index.jsonl" if Path(retry_errors).name == "index.jsonl" else ref.run_dir
            body, view = retry_body(project, reader, source,
                                    [in_project(project, suite) for suite in (*args, *suites)])
        else:
            if len(args) > 1:
                raise click.UsageError(f"--{mode.replace('_', '-')} takes one RUN, got {len(args)}: {' '.join(args)}")
            ref = project.resolve_run(args[0] if args else "last")
            if not args or args[0].strip() in ("", "last"):
                note = project.last_note(ref)
                if note:
                    click.echo(f"studio-resume: note: {note}", err=True)
            view = reader.read(ref.run_dir)
            suites = tuple(in_project(project, suite) for suite in suites)
            body = run_body(view, project, mode, ref.id, suites, targets, test_ids)
            for warning in view.forecast(suite_filter=",".join(suites) or None, targets=list(targets) or None,
                                         test_ids=list(test_ids) or None).warnings:
                click.echo(f"studio-resume: warning: {warning}", err=True)
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
        _run_launch(project, reader, body, view, mode, print_only=print_only, agentv=agentv,
                    whole_run=not test_ids and not (mode == "retry_errors" and (args or suites)))
    except KeyboardInterrupt:
        # Ctrl-C before agentv started, or a second one while it stopped.
        click.echo("studio-resume: interrupted.", err=True)
        sys.exit(int(ExitStatus.INTERRUPTED))


_NOTHING = {
    "resume": "nothing to resume: every case of {run} has a completed result (agentv would skip them all)",
    "rerun_failed": "nothing to rerun: every case of {run} is ok (agentv would skip them all)",
    "retry_errors": "nothing to retry: {run} has no execution errors and no missing cases",
}


def _exit_if_nothing_to_run(project, view, mode, body) -> None:
    if mode == "retry_errors":
        count = view.retry_errors_count
    else:
        # the prediction for exactly this launch: its suite, targets and filters
        count = view.forecast(suite_filter=body.get("suite_filter"), targets=body.get("target"),
                              test_ids=body.get("test_ids")).will_run[mode]
    if mode == "retry_errors" and view.planned is None:
        return  # missing cases unknown: let agentv decide
    if count == 0:
        click.echo(f"studio-resume: {_NOTHING[mode].format(run=project.relative(view.run_dir))}; "
                   "agentv was not started.", err=True)
        sys.exit(int(ExitStatus.OK))


def _run_launch(project, reader, body, view, mode, *, print_only: bool, agentv: str | None, whole_run: bool) -> None:
    # start-up speed, as above
    from agentv_resume.jobs import outcome as job_outcome
    from agentv_resume.jobs.runner import run_job
    from agentv_resume.jobs.states import is_stopped
    from agentv_resume.jobs.store import JobStore
    from agentv_resume.cli.style import StatusLine, colour_wanted
    from agentv_resume.errors import Busy
    from agentv_resume.launching import launcher

    # Every launch rule (blocked, paths, rule 6...) is the launcher's: a Refusal
    # propagates to cli.main, which prints it and exits with its status.
    prepared = launcher.prepare(body, project, reader)
    if whole_run or mode != "retry_errors":
        _exit_if_nothing_to_run(project, view, mode, body)
    if print_only:
        click.echo(prepared.command)
        return
    store = JobStore(project.root)
    try:
        job, lock_fd = launcher.start(prepared, project, reader, store, agentv=agentv, source="cli")
    except Busy as busy:
        _say_busy(busy, project, prepared.run_dir)
    click.echo(f"studio-resume: job {job.id}: {prepared.command}", err=True)
    status = StatusLine(sys.stderr)
    progress = _ProgressLine(store, job, status)
    out = sys.stdout.buffer

    def echo(chunk: bytes) -> None:
        status.hide()  # agentv's output goes above the status line
        out.write(chunk)
        out.flush()
        if chunk.endswith(b"\n"):
            status.show()

    def record_outcome(record, status, exit_code, signal):
        job_outcome.finish(job.dir, record, status, exit_code, signal)

    # The exit status: agentv's code, or 128 + the signal (Ctrl-C, SIGTERM, SIGHUP) that stopped it.
    # agentv keeps its colours on a terminal; the logs stay plain (the runner strips them).
    code = run_job(job, lock_fd, echo=echo, on_tick=progress.tick, on_end=record_outcome,
                   colour=colour_wanted(sys.stdout))
    try:
        progress.tick()
        status.finish()
        _say_outcome(project, reader, job)
        if is_stopped(job.record.get("status")):
            if _stopped_from_elsewhere(job):
                click.echo(f"studio-resume: job {job.id} was stopped (Stop from the page or another terminal).",
                           err=True)
            else:
                click.echo("studio-resume: interrupted; agentv stopped.", err=True)
    except OSError:
        pass  # the terminal is gone (SIGHUP): the exit status still tells
    sys.exit(code)


def _stopped_from_elsewhere(job) -> bool:
    """Stop from the page or `studio-resume stop` (the stop file's first line says
    "stop"), rather than Ctrl-C here (the runner writes "interrupt")."""
    try:
        first = job.stop_path.read_text(encoding="utf-8", errors="replace").split("\n", 1)[0]
    except OSError:
        return False
    return first.rstrip().endswith(" stop")


def _say_busy(busy, project, run_dir) -> None:
    """Exit 3 names the job in the way and the commands that follow or stop it."""
    job_id = busy.job_id
    if not job_id or job_id == "unknown":
        raise busy  # an agentv process, or a lock naming no job: the refusal's own words
    ref = project.run_by_dir(run_dir)
    message = (f"run {ref.id if ref else project.relative(run_dir)} is busy: job {job_id} is running on it "
               f"(started from the page or another terminal).\n"
               f"  follow it:  studio-resume watch {job_id}\n"
               f"  stop it:    studio-resume stop {job_id}")
    click.echo(f"studio-resume: {message}", err=True)
    sys.exit(int(ExitStatus.RUN_BUSY))


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


class _ProgressLine:
    """`studio-resume: 7/12 cases done`: in place on a terminal, a line per change when piped."""

    def __init__(self, store, job, status):
        self.store, self.job, self.status, self.last = store, job, status, None

    def tick(self) -> None:
        try:
            progress = self.store.progress(self.job)
        except Exception:  # progress is a courtesy; never let it break the run
            return
        shown = (progress["done"], progress["planned"])
        if shown == self.last:
            return
        self.last = shown
        done, planned = shown
        text = f"{done}/{planned}" if planned else f"{done}"
        if planned and self.status.tty:
            from agentv_resume.cli.style import bar

            text = f"{bar(done, planned)} {text}"
        self.status.update(f"studio-resume: {text} cases done")
