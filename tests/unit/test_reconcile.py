"""reconcile: recorded facts -> a job's status, as a table (no process, no file)."""

from __future__ import annotations

import pytest

from agentv_resume.jobs.reconcile import derive, ended
from agentv_resume.jobs.states import JobStatus


class TableProbe:
    """Answers from a row of the table; notes which questions were asked."""

    def __init__(self, runner=False, reread=None, agentv=False, lock=False, stop=False, runner_later=None):
        self.answers = {"runner_alive": [runner, runner if runner_later is None else runner_later],
                        "reread": [reread], "agentv_alive": [agentv], "holds_lock": [lock],
                        "stop_requested": [stop]}
        self.asked: list[str] = []

    def _answer(self, name):
        self.asked.append(name)
        answers = self.answers[name]
        return answers.pop(0) if len(answers) > 1 else answers[0]

    def runner_alive(self):
        return self._answer("runner_alive")

    def reread(self):
        return self._answer("reread")

    def agentv_alive(self):
        return self._answer("agentv_alive")

    def holds_lock(self):
        return self._answer("holds_lock")

    def stop_requested(self):
        return self._answer("stop_requested")


S, R, F, X, ST, L = "starting", "running", "finished", "failed", "stopped", "lost"

# recorded, probe answers, expected
TABLE = [
    # a terminal record is the answer; nothing is probed
    (F, {}, F),
    (X, {}, X),
    (ST, {}, ST),
    (L, {}, L),
    # the runner lives: it will record the end
    (R, dict(runner=True), R),
    (S, dict(runner=True), S),
    # the runner wrote its end between our read and the probe
    (R, dict(reread=F), F),
    (S, dict(reread=X), X),
    (R, dict(reread=ST), ST),
    # the runner is gone but agentv works on
    (R, dict(reread=R, agentv=True), R),
    (S, dict(reread=S, agentv=True), R),
    # handed from the launcher to the supervisor (lock held, nobody running yet)
    (S, dict(reread=S, lock=True), S),
    # agentv's children still hold the lock
    (R, dict(reread=R, lock=True), R),
    # the supervisor appeared meanwhile
    (S, dict(reread=S, runner=False, runner_later=True), S),
    # nobody is left: lost, or stopped when a Stop was asked
    (R, dict(reread=R), L),
    (S, dict(reread=S), L),
    (R, dict(reread=R, stop=True), ST),
    (S, dict(reread=None), L),       # job.json unreadable now: still nobody left
    ("bogus", {}, L),                # never raised to a reader
]


@pytest.mark.parametrize("recorded, answers, expected", TABLE)
def test_derive(recorded, answers, expected):
    probe = TableProbe(**answers)
    assert derive({"id": "j", "status": recorded}, probe) is JobStatus(expected)


@pytest.mark.parametrize("recorded", [F, X, ST, L])
def test_a_terminal_record_costs_no_probe(recorded):
    probe = TableProbe()
    derive({"status": recorded}, probe)
    assert probe.asked == []


def test_a_live_runner_costs_one_probe():
    probe = TableProbe(runner=True)
    derive({"status": R}, probe)
    assert probe.asked == ["runner_alive"]


# returncode (Popen's: -N = signal N), our signal reached agentv while it ran, expected
ENDED = [
    (0, False, F),
    (0, True, F),        # Stop raced agentv's own exit 0: agentv's outcome stands (issue 12 item 11)
    (1, False, X),
    (2, False, X),
    (143, False, X),     # someone else's SIGTERM: a failure, not our Stop
    (143, True, ST),     # agentv trapped our SIGTERM
    (130, True, ST),     # ... our SIGINT
    (-9, True, ST),      # our SIGKILL
    (-9, False, X),      # the OOM killer's
    (1, True, ST),       # a second signal cut its shutdown short
    (None, False, X),
]


@pytest.mark.parametrize("returncode, signalled, expected", ENDED)
def test_ended(returncode, signalled, expected):
    assert ended(returncode, signalled=signalled) is JobStatus(expected)


def test_could_not_start_is_failed():
    assert ended(None, signalled=False, could_not_start=True) is JobStatus.FAILED
