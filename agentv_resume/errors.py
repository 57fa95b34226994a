"""Refusals: one family of errors for "the tool will not do what was asked, and here is why".

Each refusal carries both answers: the HTTP status the API sends and the exit
status the CLI exits with.  The rule that refuses picks the class, so a rule
is written once (in the package that owns it) and the server and the CLI
only translate: ``web.app`` turns any Refusal into its JSON (or HTML) answer,
``cli.main`` into its message and exit status.

    Refusal                      400  exit 2  (usage)
    ├── BadRequest               400  exit 2  a request the rules refuse
    ├── RunUnusable              400  exit 5  the run cannot be found, or it is blocked
    │   ├── Blocked              400  exit 5  a rejected row, or no suite file to give agentv
    │   └── NoSuchRun            400  exit 5  a path that is not a run where one is needed
    ├── NotFound                 404  exit 5  a project, run or job that does not exist
    ├── Busy                     409  exit 3  another job (or agentv) is working on the run
    └── Unavailable              503  exit 4  agentv cannot be found, or the job not recorded
"""

from __future__ import annotations

from agentv_resume.exit_codes import ExitStatus


class Refusal(Exception):
    """Something asked of the tool that it refuses; ``message`` says why, to a user."""

    http_status: int = 400
    exit_status: ExitStatus = ExitStatus.USAGE

    def __init__(self, message: str, *, job_id: str | None = None):
        super().__init__(message)
        self.message = message
        self.job_id = job_id  # a 409 names the job holding the run

    @property
    def status(self) -> int:
        """The HTTP status (the name ``LaunchError`` used)."""
        return self.http_status

    def answer(self) -> dict:
        """The API's JSON body for this refusal."""
        extra = {"job_id": self.job_id} if self.http_status == 409 and self.job_id else {}
        return {"error": self.message, **extra}


class BadRequest(Refusal):
    http_status = 400
    exit_status = ExitStatus.USAGE


class RunUnusable(Refusal):
    """The contract's "the RUN cannot be found, or it is blocked": exit 5, and a 400 in a launch."""

    http_status = 400
    exit_status = ExitStatus.RUN_NOT_FOUND


class Blocked(RunUnusable):
    """agentv would stop on this run (a rejected row), or could not be given its suite."""


class NoSuchRun(RunUnusable):
    """A path given as a run (to resume, to retry from) that holds no run."""


class NotFound(Refusal):
    http_status = 404
    exit_status = ExitStatus.RUN_NOT_FOUND


class Busy(Refusal):
    http_status = 409
    exit_status = ExitStatus.RUN_BUSY


class Unavailable(Refusal):
    http_status = 503
    exit_status = ExitStatus.AGENTV_NOT_FOUND
