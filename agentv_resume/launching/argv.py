"""A validated launch → agentv's argv, and the `command` string users see."""

from __future__ import annotations

import shlex

from agentv_resume.launching.request import LaunchRequest


def _number(value) -> str:
    # 1.0 → "1", 0.5 → "0.5": what a user would have typed.
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def build_args(request: LaunchRequest, output: str | None) -> list[str]:
    """Arguments after `agentv`, in the contract's order."""
    args = ["eval", "run", *request.suite_parts]
    for test_id in request.test_ids:
        args += ["--test-id", test_id]
    for target in request.targets:
        args += ["--target", target]
    if request.experiment is not None:
        args += ["--experiment", request.experiment]
    if request.threshold is not None:
        args += ["--threshold", _number(request.threshold)]
    if request.workers is not None:
        args += ["--workers", str(request.workers)]
    if request.dry_run:
        args.append("--dry-run")
    if output:
        args += ["--output", output]
    if request.resume:
        args.append("--resume")
    if request.rerun_failed:
        args.append("--rerun-failed")
    if request.retry_errors:
        args += ["--retry-errors", request.retry_errors]
    return args


def command_string(args: list[str]) -> str:
    return shlex.join(["agentv", *args])
