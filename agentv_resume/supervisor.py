"""`python -m agentv_resume.supervisor JOB_DIR LOCK_FD`: run one server job.

Detached from the server (its own session), so the job, its log and its exit
code survive a server restart.  It holds the run lock (inherited as LOCK_FD)
and passes it on to agentv.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

from agentv_resume import jobs, process


def main(argv: list[str]) -> int:
    job_dir, lock_fd = Path(argv[0]), int(argv[1])
    record = jobs._load_record(job_dir / "job.json")
    if record is None:
        return 2
    job = jobs.Job(job_dir, record)
    # A stray SIGTERM/SIGINT to the supervisor is passed on to agentv as Stop.
    def forward(signum, _frame):
        job.stop_path.touch()
        pid = job.record.get("agentv_pid")
        if pid:
            process.signal_group(pid, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    job.record.update(supervisor_pid=process.os.getpid(),
                      supervisor_start=process.start_time(process.os.getpid()))
    return jobs.run_job(job, lock_fd)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
