"""Recorded facts → a job's status: pure decisions, no process, no file.

Two questions, each answered by one function:

* ``derive(record, probe)`` — what status a reader shows for a job.  The
  record says what the runner last wrote; when it still says ``starting`` /
  ``running`` the processes are asked (through ``probe``, injected: the store
  passes one that looks at /proc and the run lock, tests pass a table) whether
  anybody is left to write the end.  It never writes: an end nobody recorded
  is *derived* (``lost``, or ``stopped`` when a Stop was asked) each time.
* ``ended(...)`` — what the runner records when agentv is gone: agentv's own
  outcome, unless our signal ended it.

Stdlib only (the runner imports it once agentv runs).
"""

from __future__ import annotations

from typing import Protocol

from agentv_resume.jobs.states import JobStatus, TERMINAL, parse

class Probe(Protocol):
    """What ``derive`` may ask about a job's processes, each at most once, in this order."""

    def runner_alive(self) -> bool: ...          # supervisor / CLI of this job (pid + start time)
    def reread(self) -> str | None: ...          # the status job.json holds *now* (the runner may just have written)
    def agentv_alive(self) -> bool: ...          # agentv's pid + start time
    def holds_lock(self) -> bool: ...            # the run lock is held and names this job
    def stop_requested(self) -> bool: ...        # the job's stop file exists


def derive(record: dict, probe: Probe) -> JobStatus:
    """The status to show for ``record``.  Terminal records cost no probe at all."""
    status = parse(record.get("status"))
    if status in TERMINAL:
        return status
    if status is None:
        return JobStatus.LOST  # validate() keeps these out; a reader never raises
    if probe.runner_alive():
        return status  # the runner will record the end
    now = parse(probe.reread())
    if now in TERMINAL:
        return now  # the runner wrote its end between our read and the probe
    if probe.agentv_alive():
        return JobStatus.RUNNING  # the runner died; agentv works on (Stop can still end it)
    if probe.holds_lock():
        # Still being handed from the launcher to the supervisor, or agentv's
        # children still hold the lock: not over yet.
        return now or status
    if probe.runner_alive():
        return now or status  # the supervisor appeared meanwhile
    # Nobody is left to write this record: runner and agentv gone, lock free.
    return JobStatus.STOPPED if probe.stop_requested() else JobStatus.LOST


def ended(returncode: int | None, *, signalled: bool, could_not_start: bool = False) -> JobStatus:
    """The status the runner records once agentv is gone.

    ``returncode``: agentv's, as Popen gives it (-N: killed by signal N).
    ``signalled``: we had sent agentv's group a stop signal *while agentv still
    ran*.  A Stop that comes after agentv exited, or that agentv did not die
    of (it exited 0: its work was done), leaves agentv's outcome standing.
    """
    if could_not_start or returncode is None:
        return JobStatus.FAILED
    if returncode == 0:
        return JobStatus.FINISHED  # done, even if a Stop raced its exit
    # Non-zero after our signal: 130/143 (agentv trapped it), -N (it did not),
    # or 1 (a second signal cut its shutdown short): our Stop ended it.
    return JobStatus.STOPPED if signalled else JobStatus.FAILED
