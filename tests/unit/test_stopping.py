"""The one stop plan, on a fake clock and a fake process group."""

from __future__ import annotations

import signal

from agentv_resume.jobs import stopping
from agentv_resume.jobs.stopping import StopPlan


class Group:
    """A process group that dies of the signals in ``fatal``."""

    def __init__(self, fatal=()):
        self.fatal, self.alive, self.got = set(fatal), True, []

    def signal(self, pgid, signum):
        self.got.append(signum)
        if signum in self.fatal:
            self.alive = False
        return True

    def is_alive(self, pgid):
        return self.alive


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def run(group, grace, interrupt=False):
    clock = Clock()
    StopPlan(123, grace, interrupt=interrupt, signal_group=group.signal, group_alive=group.is_alive).run(
        clock=clock, sleep=clock.sleep)
    return clock.now


def test_sigterm_that_works_is_all_it_takes():
    group = Group(fatal={signal.SIGTERM})
    assert run(group, grace=5) < 0.1
    assert group.got == [signal.SIGTERM]


def test_sigkill_after_the_grace_period():
    group = Group(fatal={signal.SIGKILL})
    took = run(group, grace=5)
    assert group.got == [signal.SIGTERM, signal.SIGKILL]
    assert 5 <= took < 5.2


def test_a_group_that_outlives_sigkill_is_given_up_on():
    group = Group()
    took = run(group, grace=1)
    assert group.got == [signal.SIGTERM, signal.SIGKILL]
    assert took <= 1 + stopping.KILL_WAIT_SECONDS + 0.2


def test_an_interrupt_starts_with_sigint_like_ctrl_c():
    group = Group(fatal={signal.SIGKILL})
    run(group, grace=1, interrupt=True)
    assert group.got == [signal.SIGINT, signal.SIGTERM, signal.SIGKILL]


def test_a_dead_group_gets_no_signal():
    group = Group()
    group.alive = False
    run(group, grace=1)
    assert group.got == []


def test_asking_again_kills_at_once():
    group = Group()
    plan = StopPlan(1, 5, signal_group=group.signal, group_alive=group.is_alive)
    plan.step(0.0)
    plan.insist()
    assert plan.step(0.1) == signal.SIGKILL and group.got == [signal.SIGTERM, signal.SIGKILL]
