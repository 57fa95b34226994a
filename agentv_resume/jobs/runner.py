"""Run one job to its end: the loop shared by the supervisor and the CLI.

The server starts ``jobs.supervisor`` detached (own session, see
``process.start_supervisor``) so the job, its log and its exit code survive a
server restart; the CLI runs the same loop (``run_job``) in the foreground.

What the runner does, in order:

1. honour a Stop that came before agentv started (status ``stopped``);
2. start agentv (no shell, own session, cwd = project root, stdin /dev/null,
   the run lock LOCK_FD inherited) with stdout+stderr appended *directly* to
   ``output.log`` — so a killed supervisor cannot take agentv down with a
   broken pipe, and the server's live log keeps working without it.  Only
   when output.log cannot be opened does agentv write to a pipe instead;
3. copy what agentv prints to ``<run dir>/console.log`` (appended, one header
   line per job) and to ``echo`` (the CLI's terminal);
4. watch the ``stop`` file: the stop plan (``jobs.stopping``) for agentv's
   process group;
5. release its copy of the lock, then write the final record (job.json,
   replaced atomically): whoever reads "finished" can launch again at once.
   The status is ``reconcile.ended``'s: agentv's own outcome unless our
   signal ended it (a Stop just after agentv exited 0 is still "finished").

The runner is the only writer of job.json while it lives.  A failing disk
never stops the job: the first log error is recorded as ``log_error``.

This module is on the launch latency path (see ``process.supervisor_argv``
for how the server starts it): it imports nothing but ``os``, ``sys`` and
``time`` (and this package's stdlib-only ``jobs.process``, ``jobs.record``,
``jobs.stopping``) before agentv is started: the spawn arguments come from ``spawn.args`` (NUL
separated, no JSON parser needed); ``json``, ``signal`` and ``jobs.states``
(``enum``) are imported once agentv runs.
"""

from __future__ import annotations

import os
import time

from agentv_resume.jobs import process, record as job_record
from agentv_resume.jobs.record import (
    CONSOLE_NAME, DEFAULT_STOP_GRACE_SECONDS, LOG_NAME, RECORD_NAME, STOP_NAME, load_record, now_iso,
    write_json_atomic,
)
from agentv_resume.jobs.stopping import StopPlan

POLL_SECONDS = 0.05        # how often the loop looks at agentv, the stop file and the log
TICK_SECONDS = 1.0         # how often ``on_tick`` is called
DRAIN_SECONDS = 1.0        # pipe mode: read on after agentv exited (children may hold the pipe)
EXIT_STOPPED_BEFORE_START = 130
EXIT_INTERRUPTED = 130     # Ctrl-C (SIGINT); a SIGTERM / SIGHUP to the CLI exits 128 + its number
CHUNK = 64 * 1024


def signal_name(signum: int) -> str:
    import signal

    try:
        return signal.Signals(signum).name
    except ValueError:
        return str(signum)


# --- output --------------------------------------------------------------------

class Output:
    """agentv's output → console.log and ``echo``; runner messages → output.log too.

    In file mode agentv appends to output.log itself and this tails it; in
    pipe mode (output.log could not be opened) this reads the pipe.  In
    colour mode (a `launch` on a terminal: agentv prints in colour) this
    reads agentv's pseudo-terminal, ``echo`` gets agentv's bytes as they are,
    and output.log and console.log get them without escape sequences: the
    logs stay plain.
    """

    def __init__(self, job_dir: str, run_dir: str, echo=None, colour: bool = False):
        self.job_dir, self.run_dir, self.echo = job_dir, run_dir, echo
        self.colour = colour
        self.plain = None
        if colour:  # the CLI only: the supervisor's start-up path stays free of `re`
            from agentv_resume.jobs.ansi import AnsiStripper

            self.plain = AnsiStripper()
        self.error: str | None = None
        self.log_fd: int | None = None      # append: what agentv is given
        self.reader_fd: int | None = None   # file mode: tails output.log
        self.pipe_fd: int | None = None     # pipe mode
        self.console_fd: int | None = None
        self.eof = False

    def note(self, exc: OSError, path: str) -> None:
        if self.error is None:
            self.error = f"cannot write {path}: {exc.strerror or exc}"

    def open_log(self) -> int | None:
        path = os.path.join(self.job_dir, LOG_NAME)
        from agentv_resume.files import open_append, open_read_fd

        try:
            self.log_fd = open_append(path)  # never through a link, never a FIFO
            if not self.colour:  # colour mode: this writes the log itself
                self.reader_fd = open_read_fd(path)
                os.lseek(self.reader_fd, 0, os.SEEK_END)
        except OSError as exc:
            self.note(exc, path)
            self._close("log_fd")
            self._close("reader_fd")
        return self.log_fd

    def open_console(self, header: str) -> None:
        path = os.path.join(self.run_dir, CONSOLE_NAME)
        from agentv_resume.files import open_append

        try:
            # console.log -> ~/.bashrc must not get agentv's output appended,
            # and a FIFO must not hang the job before agentv starts.
            fd = open_append(path)
        except OSError as exc:
            self.note(exc, path)
            return
        self.console_fd = fd
        size = os.fstat(fd).st_size
        if size and _last_byte(path, size) not in (b"\n", b""):
            header = "\n" + header
        self._to_console(header.encode("utf-8", "replace"))

    def _to_console(self, data: bytes) -> None:
        if self.console_fd is None:
            return
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self.console_fd, view):]
        except OSError as exc:
            self.note(exc, os.path.join(self.run_dir, CONSOLE_NAME))
            self._close("console_fd")

    def _forward(self, data: bytes) -> None:
        if self.plain is not None:
            plain = self.plain.feed(data)
            self._to_log(plain)
            self._to_console(plain)
        else:
            self._to_console(data)
        if self.echo is not None:
            try:
                self.echo(data)
            except Exception:  # a closed terminal must not stop the job
                self.echo = None

    def _to_log(self, data: bytes) -> None:
        """Colour mode only: the runner, not agentv, appends to output.log."""
        if self.log_fd is None or not data:
            return
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self.log_fd, view):]
        except OSError as exc:
            self.note(exc, os.path.join(self.job_dir, LOG_NAME))
            self._close("log_fd")

    def say(self, text: str) -> None:
        """A line of the runner's own (e.g. why agentv could not start)."""
        data = text.encode("utf-8", "replace")
        if self.log_fd is not None and self.reader_fd is not None:
            try:
                os.write(self.log_fd, data)
                self.copy()
                return
            except OSError as exc:
                self.note(exc, os.path.join(self.job_dir, LOG_NAME))
        self._forward(data)

    def copy(self, wait: float = 0.0) -> int:
        """Forward what agentv printed since the last call; ``wait``: block that long for pipe data."""
        if self.reader_fd is not None:
            return self._copy_fd(self.reader_fd, eof_is_end=False)
        if self.pipe_fd is not None and not self.eof:
            import select

            ready, _, _ = select.select([self.pipe_fd], [], [], wait)
            return self._copy_fd(self.pipe_fd, eof_is_end=True) if ready else 0
        return 0

    def _copy_fd(self, fd: int, eof_is_end: bool) -> int:
        total = 0
        while True:
            try:
                chunk = os.read(fd, CHUNK)
            except BlockingIOError:
                return total
            except OSError as exc:
                if eof_is_end and exc.errno == 5:  # EIO: a pseudo-terminal's end (colour mode), not a fault
                    self.eof = True
                    return total
                self.note(exc, os.path.join(self.job_dir, LOG_NAME))
                self.eof = True
                return total
            if not chunk:
                self.eof = self.eof or eof_is_end
                return total
            total += len(chunk)
            self._forward(chunk)
            if eof_is_end:
                return total  # one read per select: the pipe may have no more yet

    def _close(self, name: str) -> None:
        fd = getattr(self, name)
        if fd is not None:
            setattr(self, name, None)
            try:
                os.close(fd)
            except OSError:
                pass

    def close(self) -> None:
        if self.plain is not None:
            self.plain.flush()  # an escape sequence agentv never finished: dropped
        for name in ("log_fd", "reader_fd", "pipe_fd", "console_fd"):
            self._close(name)


def _last_byte(path: str, size: int) -> bytes:
    from agentv_resume.files import open_regular

    try:
        with open_regular(path) as handle:
            handle.seek(size - 1)
            return handle.read(1)
    except OSError:
        return b""


# --- the runner ------------------------------------------------------------------

class Runner:
    """One job from "about to start agentv" to its final record.

    ``record`` may be None (the supervisor): it is then read from job.json
    only after agentv has started, which keeps ``json`` off the start-up path.
    """

    def __init__(self, job_dir, *, argv: list[str], cwd: str, run_dir: str, lock_fd: int | None,
                 record: dict | None = None, echo=None, on_tick=None, on_started=None, on_end=None,
                 colour: bool = False):
        self.dir = os.fspath(job_dir)
        self.argv, self.cwd = list(argv), os.fspath(cwd)
        self.lock_fd = lock_fd
        self.record = record
        self.on_tick = on_tick
        self.on_started = on_started
        self.on_end = on_end  # (record, status, exit_code, signal): the job's outcome, run still locked
        self.output = Output(self.dir, os.fspath(run_dir), echo, colour)
        self.child = None
        self.grace = DEFAULT_STOP_GRACE_SECONDS
        self.plan: StopPlan | None = None
        self.signalled = False  # a stop signal reached agentv's group while agentv still ran
        self.interrupted_by: int | None = None  # SIGINT / SIGTERM / SIGHUP to the CLI
        self._pending_signal: int | None = None  # set by a signal handler, acted on by the loop
        self.saved_error: str | None = None
        self.counter = None  # progress.Counter once agentv runs: the final count goes in the record

    def path(self, name: str) -> str:
        return os.path.join(self.dir, name)

    def stop_requested(self) -> bool:
        return os.path.exists(self.path(STOP_NAME))

    def _load(self) -> dict:
        if self.record is None:
            self.record = load_record(self.path(RECORD_NAME)) or job_record.build(
                id=os.path.basename(self.dir), argv=self.argv, project_root=self.cwd,
                run_dir=self.output.run_dir, log_error=f"cannot read {self.path(RECORD_NAME)}",
            )
        self.grace = _seconds(self.record.get("stop_grace_seconds"), DEFAULT_STOP_GRACE_SECONDS)
        pid = os.getpid()
        self.record.update(supervisor_pid=pid, supervisor_start=process.start_time(pid))
        return self.record

    def save(self) -> None:
        if self.output.error and not self.record.get("log_error"):
            self.record["log_error"] = self.output.error
        self.saved_error = self.output.error
        try:
            write_json_atomic(self.path(RECORD_NAME), self.record)
        except OSError as exc:
            # The job goes on; a status poll reads the older record meanwhile.
            self.output.note(exc, self.path(RECORD_NAME))

    # -- run --------------------------------------------------------------------
    def run(self) -> int:
        try:
            return self._run()
        finally:
            self.output.close()
            self._release_lock()

    def _release_lock(self) -> None:
        if self.lock_fd is not None:
            fd, self.lock_fd = self.lock_fd, None
            try:
                os.close(fd)
            except OSError:
                pass

    def _run(self) -> int:
        if self.stop_requested() or self._pending_signal is not None:
            self._load()["stop_requested_at"] = now_iso()
            from agentv_resume.jobs.states import JobStatus

            code = EXIT_STOPPED_BEFORE_START
            if self._pending_signal is not None:
                self.interrupted_by = self._pending_signal
                code = 128 + self._pending_signal
            self._finish(JobStatus.STOPPED, None)
            return code
        output = self.output
        log_fd = output.open_log()
        try:
            # Colour mode: agentv on a pseudo-terminal, read by this loop, which writes the log.
            self.child = process.start_agentv(self.argv, self.cwd, self.lock_fd,
                                              None if output.colour else log_fd, colour=output.colour)
        except OSError as exc:
            self._load()
            output.open_console(self._header())
            output.say(f"studio-resume: could not start agentv ({self.argv[0]}): {exc.strerror or exc}\n")
            code = 126 if isinstance(exc, PermissionError) else 127
            from agentv_resume.jobs.states import JobStatus

            self._finish(JobStatus.FAILED, code)
            return code
        finally:
            if not output.colour:
                output._close("log_fd")  # agentv has its own copy
        output.pipe_fd = self.child.output_fd
        interrupted = False
        try:
            if self.on_started is not None:
                self.on_started()
            record = self._load()
            from agentv_resume.jobs.states import JobStatus, change

            change(record, JobStatus.RUNNING, agentv_pid=self.child.pid,
                   agentv_start=process.start_time(self.child.pid))
            output.open_console(self._header())
            self.save()
            self._count()  # from the first row agentv writes
        except KeyboardInterrupt:  # Ctrl-C just as agentv started: it must not run on unattended
            if self.record is None:
                self._load()
            interrupted = True
        return self._follow(interrupted)

    def _header(self) -> str:
        record = self.record
        return (f"==== studio-resume job {record.get('id')} · {record.get('started_at')} · "
                f"{record.get('command')} ====\n")

    def _follow(self, interrupted: bool = False) -> int:
        child, output = self.child, self.output
        exited_at: float | None = None
        last_tick = time.monotonic()
        if interrupted:
            self._interrupt()
        while True:
            try:
                if output.pipe_fd is not None:
                    output.copy(wait=POLL_SECONDS)
                else:
                    time.sleep(POLL_SECONDS)
                    output.copy()
                now = time.monotonic()
                if exited_at is None and child.poll() is not None:
                    exited_at = now
                if self._pending_signal is not None:
                    self._on_signal()
                if self.plan is None and self.stop_requested():
                    self._begin_stop(interrupt=False)
                self._escalate(now)
                if exited_at is None:
                    # Every poll (one fstat when nothing changed): agentv rewrites
                    # index.jsonl as it ends, so rows must be seen as they come.
                    self._count()
                if self.on_tick is not None and now - last_tick >= TICK_SECONDS:
                    last_tick = now
                    self.on_tick()
                if output.error != self.saved_error:
                    self.save()  # let the status show a log error while the job runs
                if exited_at is not None and self._settled(now, exited_at):
                    break
            except KeyboardInterrupt:  # Ctrl-C in the CLI; a second one insists
                self._interrupt()
        from agentv_resume.jobs.reconcile import ended

        code = child.returncode
        exit_code = 128 - code if code < 0 else code
        name = signal_name(-code) if code < 0 else None
        status = ended(code, signalled=self.signalled)
        self._finish(status, exit_code, signal=name)
        return self.exit_status(status, exit_code)

    def exit_status(self, status, exit_code: int | None) -> int:
        """What the CLI exits with: agentv's code, or 128 + the signal that interrupted it."""
        from agentv_resume.jobs.states import is_stopped

        if is_stopped(status):  # a Stop from the page counts as Ctrl-C (130)
            return 128 + (self.interrupted_by or process.SIGINT)
        return exit_code if exit_code is not None else EXIT_STOPPED_BEFORE_START

    def _settled(self, now: float, exited_at: float) -> bool:
        """agentv has exited: is there anything left to wait for?"""
        if self.plan is not None and self.plan.sent:
            # A Stop ends agentv's whole group, not agentv alone.
            return self.plan.over(now)
        if self.output.pipe_fd is not None and not self.output.eof:
            return now - exited_at > DRAIN_SECONDS  # children may hold the pipe open
        return True

    # -- stop -------------------------------------------------------------------
    def _begin_stop(self, interrupt: bool) -> None:
        self.plan = StopPlan(self.child.pid, self.grace, interrupt=interrupt)
        self.record["stop_requested_at"] = now_iso()
        self._escalate(time.monotonic())

    def on_signal(self, signum: int, _frame=None) -> None:
        """Signal handler (the CLI's SIGTERM / SIGHUP): the loop acts on it."""
        self._pending_signal = signum

    def _on_signal(self) -> None:
        signum, self._pending_signal = self._pending_signal, None
        self._interrupt(signum)

    def _interrupt(self, signum: int = process.SIGINT) -> None:
        if self.interrupted_by is None:
            self.interrupted_by = signum
        try:
            with open(self.path(STOP_NAME), "a", encoding="utf-8") as handle:
                handle.write(f"{now_iso()} interrupt (signal {signum})\n")
        except OSError:
            pass
        if self.plan is None:
            self._begin_stop(interrupt=True)
        else:
            self.plan.insist()
            self._escalate(time.monotonic())

    def _escalate(self, now: float) -> None:
        if self.plan is None:
            return
        running = self.child.poll() is None
        if self.plan.step(now) is not None and running:
            self.signalled = True

    # -- end --------------------------------------------------------------------
    def _count(self) -> None:
        """Follow the cases agentv writes (keys only), so the end can record the count."""
        try:
            if self.counter is None:
                from agentv_resume.jobs.progress import Counter

                self.counter = Counter(self.output.run_dir, self.record.get("progress_offset") or 0)
            self.counter.count()
        except Exception:  # progress is a courtesy: it never stops a job
            pass

    def _final_progress(self, record: dict) -> dict | None:
        try:
            from agentv_resume.jobs.progress import progress

            if self.record is not None:
                self._count()
            return progress(record, self.counter)
        except Exception:
            return None

    def _finish(self, status, exit_code: int | None, *, signal: str | None = None) -> None:
        from agentv_resume.jobs.states import change

        self.output.copy()
        self.output.close()
        record = self._load() if self.record is None else self.record
        # Counted before the lock is freed: nobody else can be writing the run yet.
        final = self._final_progress(record)
        self._record_outcome(record, status, exit_code, signal)
        # Free the run before the final record: whoever sees "finished" may
        # launch again at once.  (While the runner lives its record counts.)
        self._release_lock()
        fields = {"exit_code": exit_code, "finished_at": now_iso(), "progress_final": final}
        if signal:
            fields["signal"] = signal
        if self.interrupted_by is not None and self.interrupted_by != process.SIGINT:
            fields["stopped_by"] = f"{signal_name(self.interrupted_by)} to studio-resume"
        change(record, status, **fields)
        self.save()


    def _record_outcome(self, record: dict, status, exit_code: int | None, signal: str | None) -> None:
        """What the job left (jobs/outcome.py), read while the run is still
        locked, so no other job can have changed it yet.  Never in the way of
        the final record: a failure, or a Ctrl-C meanwhile, just skips it."""
        if self.on_end is None:
            return
        try:
            self.on_end(record, str(status), exit_code, signal)
        except (Exception, KeyboardInterrupt):
            pass


def _seconds(value, default: float) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0
    return float(value) if ok else default


def run(job_dir, record: dict, lock_fd: int | None, echo=None, on_tick=None, on_end=None,
        colour: bool = False) -> int:
    """Run the job described by ``record`` (updated in place) to its end; agentv's exit code."""
    runner = Runner(job_dir, argv=record["argv"], cwd=record["project_root"], run_dir=record["run_dir"],
                    lock_fd=lock_fd, record=record, echo=echo, on_tick=on_tick, on_end=on_end, colour=colour)
    return runner.run()


def run_job(job, lock_fd: int, echo=None, on_tick=None, on_end=None, colour: bool = False) -> int:
    """Run agentv for ``job`` (a ``store.Job``) in the foreground (the CLI) to its end.

    Returns the CLI's exit status: agentv's exit code (128+N when a signal N
    it did not trap ended it); when this process was interrupted — Ctrl-C,
    or SIGTERM / SIGHUP (a closed terminal, a cancelled CI job, ``timeout``),
    each of which stops agentv's group as Ctrl-C does — 128 + that signal,
    unless agentv had already ended on its own (its outcome stands).
    ``echo`` gets each chunk of output; ``on_tick`` is called about once a
    second while agentv runs (the CLI's progress line).  ``on_end(record,
    status, exit_code, signal)`` is called once agentv is gone, before the
    lock is released (the CLI records the job's outcome).  ``colour``: agentv
    prints in colour to ``echo`` (a pseudo-terminal) while the logs stay
    plain.  ``job.record`` is updated in place; ``lock_fd`` is closed at the end.
    """
    import signal

    runner = Runner(job.dir, argv=job.record["argv"], cwd=job.record["project_root"],
                    run_dir=job.record["run_dir"], lock_fd=lock_fd, record=job.record, echo=echo,
                    on_tick=on_tick, on_end=on_end, colour=colour)
    previous = {}
    for signum in (signal.SIGTERM, signal.SIGHUP):
        try:
            previous[signum] = signal.signal(signum, runner.on_signal)
        except (ValueError, OSError):  # not the main thread: leave the defaults
            pass
    try:
        return runner.run()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def ensure_trailing_newline(index_path) -> None:
    """agentv appends; a truncated last line must not swallow its first new row."""
    from agentv_resume.files import open_update

    try:
        fd = open_update(index_path)  # never through a link (index.jsonl -> outside)
    except OSError:
        return
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            os.pwrite(fd, b"\n", size)
    except OSError:
        pass
    finally:
        os.close(fd)
