"""`watch` and `stop`: the job page and its Stop button, in a terminal.

Both work on any job of the project, whether the web page or another
terminal started it: a job is a folder under .agentv/studio-resume/jobs/ and
a lock in its run, read through the same JobStore the server uses.  `stop`
makes the very call the page's Stop makes (``JobStore.stop``, behind
``POST /api/eval/run/<id>/stop``).
"""

from __future__ import annotations

import sys
import time

import click

from agentv_resume.cli import completion
from agentv_resume.cli.common import examples, fail, project_of, project_option
from agentv_resume.exit_codes import ExitStatus

POLL_SECONDS = 0.25
CONTEXT_BYTES = 4096   # of the log already written, read when watch attaches...
CONTEXT_LINES = 10     # ...and the last lines of it shown
STOP_MARGIN_SECONDS = 10.0


# --- which job ---------------------------------------------------------------------

def _same_dir(a, b) -> bool:
    import os

    try:
        return os.path.samefile(a, b)
    except OSError:
        return str(a) == str(b)


def find_job(project, store, name: str | None, *, verb: str):
    """JOB id; RUN (the job active on it, else its newest); nothing: the one job running."""
    from agentv_resume.jobs.states import ACTIVE

    if not name:
        active = [job for job in store.all() if job.effective_status() in ACTIVE]
        if len(active) == 1:
            return active[0]
        if not active:
            fail("no job is running in this project (`studio-resume jobs` lists them all; "
                 f"`studio-resume {verb} JOB` picks one)", ExitStatus.RUN_NOT_FOUND)
        fail(f"{len(active)} jobs are running: {', '.join(job.id for job in active)}; "
             f"name one: studio-resume {verb} JOB", ExitStatus.USAGE)
    job = store.get(name)
    if job is not None:
        return job
    ref = _run_or_fail(project, store, name)
    mine = [job for job in store.all() if _same_dir(job.run_dir, ref.run_dir)]  # newest first
    for job in mine:
        if job.effective_status() in ACTIVE:
            return job
    if mine:
        return mine[0]
    fail(f"no job has run on {ref.id} (start one: studio-resume launch --resume {ref.id})", ExitStatus.RUN_NOT_FOUND)


def _run_or_fail(project, store, name: str):
    from agentv_resume.runs.project import RunNotFound

    try:
        return project.resolve_run(name)
    except RunNotFound as exc:
        message = str(exc)
    import difflib

    ids = [job.id for job in store.all()]
    close = difflib.get_close_matches(name, ids, n=3, cutoff=0.8)
    if close:
        fail(f"no job or run {name!r}; did you mean job {' or '.join(close)}?", ExitStatus.RUN_NOT_FOUND)
    fail(f"no job {name!r}, and {message}", ExitStatus.RUN_NOT_FOUND)


def exit_status_of(data: dict) -> int:
    """A job's outcome as an exit status: agentv's code, 130 when stopped, 1 when lost."""
    from agentv_resume.jobs.states import JobStatus  # start-up speed: every <TAB> loads cli/

    status = data.get("status")
    code = data.get("exit_code")
    if status == JobStatus.STOPPED:
        return int(ExitStatus.INTERRUPTED)
    if status == JobStatus.FINISHED:
        return 0
    if isinstance(code, int) and not isinstance(code, bool) and 0 < code < 256:
        return code
    return 1


def outcome_line(data: dict, painter) -> str:
    from agentv_resume.cli.jobs import conclusion_text

    status = data.get("status") or "?"
    text = f"job {data['id']} {painter.job(status)}"
    if data.get("exit_code") is not None:
        text += f" (exit {data['exit_code']})"
    conclusion = conclusion_text(data)
    if conclusion:
        text += f": {painter.tone((data.get('outcome') or {}).get('tone'), conclusion)}"
    changes = data.get("changes")
    if isinstance(changes, dict) and changes.get("summary"):
        text += f" — {changes['summary']}"
    return text


def progress_text(data: dict, painter, tty: bool) -> str:
    progress = data.get("progress") or {}
    done, planned = progress.get("done"), progress.get("planned")
    if planned:
        count = f"{done}/{planned} cases done"
        if tty:
            from agentv_resume.cli.style import bar

            count = f"{bar(done, planned)} {count}"
    else:
        count = f"{done or 0} cases done"
    status = data.get("status") or "?"
    return f"studio-resume: job {data['id']} {painter.job(status)} · {count}"


# --- watch ---------------------------------------------------------------------------

@click.command(short_help="Follow a job: its log, its progress, then its outcome.",
               epilog=examples("studio-resume watch                 # the job running now",
                               "studio-resume watch 20261201-101500-a1b2c3",
                               "studio-resume watch interrupted     # the job on that run"))
@click.argument("name", metavar="[JOB|RUN]", required=False, shell_complete=completion.complete_jobs)
@project_option
@click.pass_context
def watch(ctx: click.Context, name: str | None) -> None:
    """Attach to a job, started from the page or another terminal: its log
    from where it is, its progress, and, when it ends, exit with its outcome
    (agentv's exit code; 130 if it was stopped).

    JOB is a job id; RUN (a run id, directory or `last`) means the job
    working on it. With neither, the one job running. Ctrl-C detaches:
    the job goes on.
    """
    from agentv_resume.cli.style import Painter, StatusLine, is_tty
    from agentv_resume.jobs.store import JobStore

    project = project_of(ctx)
    store = JobStore(project.root)
    job = find_job(project, store, name, verb="watch")
    status_line = StatusLine(sys.stderr)
    painter = Painter.for_stream(sys.stderr)
    try:
        data = follow(store, job, sys.stdout, status_line, painter, tty=is_tty(sys.stderr))
    except KeyboardInterrupt:
        status_line.finish()
        click.echo(f"studio-resume: detached; job {job.id} goes on "
                   f"(studio-resume watch {job.id} follows it again, studio-resume stop {job.id} stops it).",
                   err=True)
        sys.exit(int(ExitStatus.INTERRUPTED))
    data = _ended(project, store, job, data)
    click.echo(f"studio-resume: {outcome_line(data, painter)}", err=True)
    sys.exit(exit_status_of(data))


def _ended(project, store, job, data: dict) -> dict:
    """An ended job's status with its conclusion and changes, as the job page shows them."""
    from agentv_resume.cli.jobs import job_data
    from agentv_resume.runs.reader import RunReader

    try:
        return job_data(project, store, job, reader=RunReader(project.root))
    except Exception:  # the outcome is news, not the answer: the status stands without it
        return data


def follow(store, job, out, status_line, painter, *, tty: bool, poll: float = POLL_SECONDS) -> dict:
    """Print the job's log as it grows and its progress in place, until it ends; its final status."""
    from agentv_resume.jobs.states import TERMINAL

    text, offset = job.log_since(0, limit=CONTEXT_BYTES)
    printer = _LogPrinter(out, status_line)
    printer.write("".join(text.splitlines(keepends=True)[-CONTEXT_LINES:]))
    while True:
        job.reload()
        data = store.status(job, with_log=False)
        ended = data["status"] in TERMINAL
        while True:  # all the log there is (the whole of it once the job ended)
            text, offset = job.log_since(offset)
            if not text:
                break
            printer.write(text)
        if ended:
            printer.end_line()
            status_line.update(progress_text(data, painter, tty))
            status_line.finish()
            return data
        status_line.update(progress_text(data, painter, tty))
        time.sleep(poll)


class _LogPrinter:
    """The job's log on stdout, with the status line (stderr) moved out of its way."""

    def __init__(self, out, status_line):
        self.out, self.status_line = out, status_line
        self.at_line_start = True

    def write(self, text: str) -> None:
        if not text:
            return
        from agentv_resume.safetext import for_terminal

        self.status_line.hide()
        try:
            # A log holds whatever agentv and the agents printed: shown, never obeyed.
            self.out.write(for_terminal(text, keep_newlines=True))
            self.out.flush()
        except (OSError, ValueError):
            pass
        self.at_line_start = text.endswith("\n")
        if self.at_line_start:
            self.status_line.show()

    def end_line(self) -> None:
        if not self.at_line_start:
            self.write("\n")


# --- stop ------------------------------------------------------------------------------

@click.command(short_help="Stop a job, as the page's Stop button does.",
               epilog=examples("studio-resume stop 20261201-101500-a1b2c3",
                               "studio-resume stop interrupted      # the job on that run"))
@click.argument("name", metavar="JOB|RUN", shell_complete=completion.complete_jobs)
@project_option
@click.pass_context
def stop(ctx: click.Context, name: str) -> None:
    """Stop a job, whoever started it: agentv's process group gets SIGTERM,
    then SIGKILL after a grace period (the page's Stop, the same code).
    Waits until the job has ended and says how.

    JOB is a job id; RUN (a run id, directory or `last`) means the job
    working on it.
    """
    from agentv_resume.cli.style import Painter
    from agentv_resume.jobs.states import TERMINAL
    from agentv_resume.jobs.store import JobStore

    project = project_of(ctx)
    store = JobStore(project.root)
    job = find_job(project, store, name, verb="stop")
    painter = Painter.for_stream(sys.stderr)
    answer = store.stop(job)
    if not answer.get("stopped"):
        if answer.get("reason") == "already_terminal":
            click.echo(f"studio-resume: job {job.id} had already ended: {painter.job(answer.get('status') or '?')}",
                       err=True)
            return
        fail(f"cannot stop job {job.id}: {answer.get('reason')}", ExitStatus.USAGE)
    grace = job.record.get("stop_grace_seconds")
    grace = grace if isinstance(grace, (int, float)) and not isinstance(grace, bool) else 5
    click.echo(f"studio-resume: stopping job {job.id} (SIGTERM to agentv, SIGKILL after {grace:g} s)...", err=True)
    deadline = time.monotonic() + grace + STOP_MARGIN_SECONDS
    while time.monotonic() < deadline:
        job.reload()
        data = store.status(job, with_log=False)
        if data["status"] in TERMINAL:
            click.echo(f"studio-resume: {outcome_line(_ended(project, store, job, data), painter)}", err=True)
            return
        time.sleep(POLL_SECONDS)
    click.echo(f"studio-resume: job {job.id} has not ended yet; `studio-resume watch {job.id}` follows it", err=True)
    sys.exit(1)
