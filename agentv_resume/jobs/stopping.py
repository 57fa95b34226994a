"""The one stop plan: how agentv's process group is ended.

Stop (the page's button, ``studio-resume stop``): SIGTERM to agentv's group,
SIGKILL ``grace`` seconds later to whatever of the group is left.  An
interrupt (Ctrl-C, or SIGTERM / SIGHUP to ``studio-resume launch``) starts
with SIGINT, as a terminal's Ctrl-C would have, then SIGTERM, then SIGKILL.
Asking again (a second Ctrl-C) goes straight to SIGKILL.

The runner steps the plan from its loop (``step``); the server, when the
runner is gone, runs it to the end (``run``).  Stdlib only (the runner's path).
"""

from __future__ import annotations

import time

from agentv_resume.jobs import process

INTERRUPT_SIGTERM_SECONDS = 2.0   # after SIGINT's grace: SIGTERM, then this long before SIGKILL
KILL_WAIT_SECONDS = 2.0           # after SIGKILL: how long to wait for the group to vanish
POLL_SECONDS = 0.05


def steps(grace: float, *, interrupt: bool = False) -> list[tuple[int, float]]:
    """(signal, seconds to wait before the next) in order."""
    if interrupt:
        return [(process.SIGINT, grace), (process.SIGTERM, INTERRUPT_SIGTERM_SECONDS),
                (process.SIGKILL, KILL_WAIT_SECONDS)]
    return [(process.SIGTERM, grace), (process.SIGKILL, KILL_WAIT_SECONDS)]


class StopPlan:
    """The plan for process group ``pgid``; ``signal_group`` / ``group_alive`` are injectable."""

    def __init__(self, pgid: int, grace: float, *, interrupt: bool = False,
                 signal_group=None, group_alive=None):
        self.pgid = pgid
        self.todo = steps(grace, interrupt=interrupt)
        self.next_at = 0.0
        self.sent: list[int] = []
        self.killed_at: float | None = None
        # Looked up when used (not bound here), so a test may patch ``process``.
        self._signal = signal_group or (lambda pgid, signum: process.signal_group(pgid, signum))
        self._alive = group_alive or (lambda pgid: process.group_alive(pgid))

    def insist(self) -> None:
        """Asked again: SIGKILL now."""
        self.todo = [(process.SIGKILL, KILL_WAIT_SECONDS)]
        self.next_at = 0.0

    def step(self, now: float) -> int | None:
        """Send the next signal if it is due and the group still lives; the signal sent, if any."""
        if not self.todo or now < self.next_at:
            return None
        if self.sent and not self._alive(self.pgid):
            self.todo = []  # ended by what was sent: nothing more to do
            return None
        signum, wait = self.todo.pop(0)
        self._signal(self.pgid, signum)
        self.sent.append(signum)
        if signum == process.SIGKILL:
            self.killed_at = now
        self.next_at = now + wait
        return signum

    def over(self, now: float) -> bool:
        """The group is gone, or SIGKILL was sent long enough ago to stop waiting."""
        if self.killed_at is not None and now - self.killed_at > KILL_WAIT_SECONDS:
            return True
        return not self._alive(self.pgid)

    def run(self, clock=time.monotonic, sleep=time.sleep) -> None:
        """Carry the whole plan out (the server's orphan cleanup: no runner is left)."""
        if not self._alive(self.pgid):
            return
        while True:
            now = clock()
            self.step(now)
            if self.over(now) or (not self.todo and now >= self.next_at):
                return
            sleep(POLL_SECONDS)
