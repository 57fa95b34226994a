"""The supervisor: ``python -m agentv_resume.jobs.supervisor JOB_DIR LOCK_FD``.

The server starts it detached (``process.start_supervisor``, as
``python -I -S`` with a bootstrap that puts this package on sys.path) so a
job outlives the server.  It is on the launch latency path: it imports the
standard library's ``os`` and ``sys`` and this package's lean runner only;
``signal`` is imported once agentv runs.
"""

from __future__ import annotations

import os
import sys

from agentv_resume.jobs import process
from agentv_resume.jobs.record import SPAWN_NAME, STOP_NAME, now_iso, read_spawn_args
from agentv_resume.jobs.runner import Runner


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not argv[1].isdigit():
        sys.stderr.write("usage: python -m agentv_resume.jobs.supervisor JOB_DIR LOCK_FD\n")
        return 2
    job_dir, lock_fd = os.path.abspath(argv[0]), int(argv[1])
    spawn = read_spawn_args(job_dir)
    if spawn is None:
        sys.stderr.write(f"supervisor: no readable {SPAWN_NAME} in {job_dir}\n")
        return 2
    cwd, run_dir, agentv_argv = spawn
    try:
        os.chdir(cwd)  # so agentv can be started with posix_spawn (see process.py)
    except OSError:
        pass  # start_agentv falls back to Popen(cwd=...), which reports the error
    stop_path = os.path.join(job_dir, STOP_NAME)

    def stop(signum, _frame):
        # A stray SIGTERM/SIGINT to the supervisor is a Stop, not a desertion.
        try:
            with open(stop_path, "a", encoding="utf-8") as handle:
                handle.write(f"{now_iso()} signal {signum} to the supervisor\n")
        except OSError:
            pass

    def install_handlers():  # once agentv runs: ``signal`` imports enum, ~5 ms
        import signal

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)

    def record_outcome(_record, status, exit_code, signal):
        # In a child: the outcome reads the run (runs/), which this lean
        # process may not import (see jobs/outcome.py).
        process.record_outcome(job_dir, status, exit_code, signal)

    runner = Runner(job_dir, argv=agentv_argv, cwd=cwd, run_dir=run_dir, lock_fd=lock_fd,
                    on_started=install_handlers, on_end=record_outcome)
    return runner.run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
