"""Refusals: each carries the API's HTTP status and the CLI's exit status (contract: API and CLI)."""

from __future__ import annotations

import pytest

from agentv_resume.errors import Blocked, BadRequest, Busy, NoSuchRun, NotFound, Refusal, Unavailable
from agentv_resume.exit_codes import ExitStatus
from agentv_resume.runs.project import ProjectNotFound, RunNotFound


@pytest.mark.parametrize("refusal, http, exit_status", [
    (BadRequest("x"), 400, ExitStatus.USAGE),
    (Blocked("x"), 400, ExitStatus.RUN_NOT_FOUND),       # contract: exit 5 "... or it is blocked"
    (NoSuchRun("x"), 400, ExitStatus.RUN_NOT_FOUND),
    (NotFound("x"), 404, ExitStatus.RUN_NOT_FOUND),
    (ProjectNotFound("x"), 404, ExitStatus.RUN_NOT_FOUND),
    (RunNotFound("x"), 404, ExitStatus.RUN_NOT_FOUND),
    (Busy("x", job_id="j"), 409, ExitStatus.RUN_BUSY),
    (Unavailable("x"), 503, ExitStatus.AGENTV_NOT_FOUND),
])
def test_each_refusal_carries_both_answers(refusal, http, exit_status):
    assert isinstance(refusal, Refusal)
    assert (refusal.http_status, refusal.exit_status) == (http, exit_status)


def test_only_a_409_names_the_job_in_its_answer():
    assert Busy("taken", job_id="20260101-000000-abcdef").answer() == {
        "error": "taken", "job_id": "20260101-000000-abcdef"}
    assert BadRequest("no", job_id="ignored").answer() == {"error": "no"}
