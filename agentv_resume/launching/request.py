"""The launch request: parse and validate it in the contract's order.

``parse_request`` covers the rules that need nothing but the body (2–7) and
is pure.  ``launching.resolve`` checks the body against the project (rule 8)
and decides which run directory the job will work on.  Both raise
a ``Refusal`` (errors.py) carrying the HTTP status and the exit status, so
a rule fixed here is fixed for the server and the CLI alike.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from agentv_resume.errors import BadRequest, Blocked, NoSuchRun, Refusal

KEYS = (
    "suite_filter", "test_ids", "target", "experiment", "threshold", "workers", "dry_run",
    "resume", "rerun_failed", "retry_errors", "output",
)
# agentv's own rule for --experiment (it refuses anything else).
_EXPERIMENT = re.compile(r"^[A-Za-z0-9._-]+$")
MAX_WORKERS = 50
# C0, DEL and C1: nothing a path, test id or target name needs, and a newline
# in a command line users copy is a trap.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# JSON's \ud800 escapes make lone surrogates: no file name, argv or UTF-8
# answer can hold one.
_SURROGATE = re.compile(r"[\ud800-\udfff]")


# What a refused launch raises: any Refusal (``except LaunchError`` catches them all).
LaunchError = Refusal

_KINDS = {None: BadRequest, "blocked": Blocked, "no_run": NoSuchRun}


def _bad(message: str, kind: str | None = None) -> Refusal:
    """A rule-2..8 refusal: a 400; ``kind`` "blocked" / "no_run" make it exit 5 in the CLI."""
    return _KINDS[kind](message)


def check_one_mode(resume: bool, rerun_failed: bool, retry_errors: bool) -> None:
    """Rule 6: at most one of resume, rerun_failed, retry_errors."""
    chosen = [name for name, on in (
        ("resume", resume), ("rerun_failed", rerun_failed), ("retry_errors", retry_errors),
    ) if on]
    if len(chosen) > 1:
        raise _bad(
            "resume, rerun_failed, and retry_errors are mutually exclusive "
            f"(got: {', '.join(chosen)})"
        )


@dataclass
class LaunchRequest:
    suite_filter: str | None = None
    test_ids: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    experiment: str | None = None
    threshold: float | None = None
    workers: int | None = None
    dry_run: bool = False
    resume: bool = False
    rerun_failed: bool = False
    retry_errors: str | None = None
    output: str | None = None

    @property
    def suite_parts(self) -> list[str]:
        if not self.suite_filter:
            return []
        return [part.strip() for part in self.suite_filter.split(",") if part.strip()]

    @property
    def mode(self) -> str | None:
        if self.resume:
            return "resume"
        if self.rerun_failed:
            return "rerun_failed"
        if self.retry_errors:
            return "retry_errors"
        return None


# --- rules 2–7: the body alone ----------------------------------------------

def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_finite(value) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an int beyond a double (JSON allows any number of digits)
        return False


def _string(body: dict, key: str) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _bad(f"{key} must be a string")
    return value


def _bool(body: dict, key: str) -> bool:
    value = body.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise _bad(f"{key} must be true or false")
    return value


def _string_list(body: dict, key: str, *, allow_single: bool) -> list[str]:
    value = body.get(key)
    if value is None:
        return []
    if allow_single and isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        kind = "a string or a list of strings" if allow_single else "a list of strings"
        raise _bad(f"{key} must be {kind}")
    if any(not item.strip() for item in value):
        raise _bad(f"{key} must not hold an empty name")
    # Values reach agentv as they were sent: no trimming here.
    return list(value)


def _typed(body: dict) -> LaunchRequest:
    threshold = body.get("threshold")
    if threshold is not None and not (_is_number(threshold) and _is_finite(threshold) and 0 <= threshold <= 1):
        raise _bad("threshold must be a number from 0 to 1")
    workers = body.get("workers")
    if workers is not None:
        if isinstance(workers, float) and workers.is_integer():
            workers = int(workers)
        if not (isinstance(workers, int) and not isinstance(workers, bool) and 1 <= workers <= MAX_WORKERS):
            raise _bad(f"workers must be an integer from 1 to {MAX_WORKERS}")
    return LaunchRequest(
        suite_filter=_string(body, "suite_filter"),
        test_ids=_string_list(body, "test_ids", allow_single=False),
        targets=_string_list(body, "target", allow_single=True),
        experiment=_string(body, "experiment"),
        threshold=threshold,
        workers=workers,
        dry_run=_bool(body, "dry_run"),
        resume=_bool(body, "resume"),
        rerun_failed=_bool(body, "rerun_failed"),
        retry_errors=_string(body, "retry_errors"),
        output=_string(body, "output"),
    )


def _check_value(key: str, value: str) -> None:
    if value.startswith("-"):
        raise _bad(f"{key} must not start with '-': {value!r} would be read as an option")
    _check_text(key, value)


def _check_text(key: str, value: str) -> None:
    if _CONTROL.search(value):
        raise _bad(f"{key} must not contain control characters")
    if _SURROGATE.search(value):
        raise _bad(f"{key} must be valid Unicode text (it holds a lone surrogate)")


def parse_request(body) -> LaunchRequest:
    """Rules 2–7, in order.  Pure: no I/O."""
    if not isinstance(body, dict):
        raise _bad("Invalid JSON body")
    for key in body:
        if key not in KEYS:
            raise _bad(f"Unknown key: {key!r} (allowed: {', '.join(KEYS)})")
    request = _typed(body)
    if request.suite_filter is not None and not request.suite_filter.strip():
        request.suite_filter = None
    if request.retry_errors is not None and not request.retry_errors.strip():
        request.retry_errors = None
    if request.output is not None and not request.output.strip():
        request.output = None
    if not request.suite_parts and not request.test_ids:
        raise _bad("Provide suite_filter or test_ids")
    check_one_mode(request.resume, request.rerun_failed, bool(request.retry_errors))
    for part in request.suite_parts:
        _check_value("suite_filter", part)
    if request.suite_filter is not None:
        _check_text("suite_filter", request.suite_filter)
    for test_id in request.test_ids:
        _check_value("test_ids", test_id)
    for target in request.targets:
        _check_value("target", target)
    if request.experiment is not None and not request.experiment.strip():
        request.experiment = None
    if request.experiment is not None:
        _check_value("experiment", request.experiment)
        if not _EXPERIMENT.match(request.experiment.strip()):
            raise _bad(f"experiment may hold only letters, digits, '.', '_' and '-' (agentv's rule): "
                       f"{request.experiment!r}")
    for key in ("retry_errors", "output"):
        value = getattr(request, key)
        if value is not None:
            _check_value(key, value)
    return request
