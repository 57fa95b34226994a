"""Rule 8: a parsed launch request against the project (paths, runs, what agentv would clobber)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from agentv_resume.launching.request import LaunchRequest, _bad
from agentv_resume.runs.project import Project
from agentv_resume.runs.reader import RunReader
from agentv_resume.runs.run import INDEX_NAME


@dataclass
class ResolvedLaunch:
    request: LaunchRequest
    run_dir: Path          # absolute: the directory the job works on (and locks)
    output_arg: str | None  # what goes after --output (None: agentv picks the run)


def default_output(now: datetime | None = None) -> str:
    """agentv's default layout for a fresh run, relative to the project root."""
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H-%M-%S-%f")[:-3] + "Z"
    return f".agentv/results/runs/default/{stamp}"


def _inside(project: Project, key: str, value: str) -> Path:
    # As agentv will read it: relative to the project root (its cwd), no `~`
    # expansion (there is no shell), `..` and symlinks followed.
    path = Path(value)
    if not path.is_absolute():
        path = project.root / path
    if not project.contains(path):
        raise _bad(f"{key} must be inside the project ({project.root}): {value!r} is not")
    return path.resolve()


def _refuse_blocked(reader: RunReader, run_dir: Path, what: str) -> None:
    """agentv stops on a rejected row; the suite is given, so only the index counts."""
    problem = reader.read(run_dir).index_problem
    if problem:
        raise _bad(f"{what} is blocked: {problem}", kind="blocked")


def resolve_request(request: LaunchRequest, project: Project, reader: RunReader,
                    now: datetime | None = None) -> ResolvedLaunch:
    """Rule 8: paths inside the project, real runs, nothing agentv would silently clobber."""
    try:
        return _resolve(request, project, reader, now)
    except (OSError, RuntimeError) as exc:
        # A name too long, a symlink loop, a directory we may not enter: a
        # path agentv could not use either (RuntimeError: pathlib's loop).
        reason = getattr(exc, "strerror", None) or str(exc)
        raise _bad(f"a path in the request cannot be used: {reason}") from None


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # e.g. a name too long
        return False


def _resolve(request: LaunchRequest, project: Project, reader: RunReader,
             now: datetime | None) -> ResolvedLaunch:
    output_dir = _inside(project, "output", request.output) if request.output else None
    if output_dir is not None and output_dir.exists() and not output_dir.is_dir():
        raise _bad(f"output {request.output!r} is a file, not a run directory")
    if request.retry_errors:
        source = _inside(project, "retry_errors", request.retry_errors)
        if source.name == INDEX_NAME and source.is_file():
            source = source.parent
        elif not (source / INDEX_NAME).is_file():
            raise _bad(f"retry_errors must be a run directory or its index.jsonl: {request.retry_errors!r} is neither")
        _refuse_blocked(reader, source, f"retry_errors run {project.relative(source)}")

    if request.resume or request.rerun_failed:
        if output_dir is None:
            last = project.last_run_dir()
            if last is None or not _is_file(last / INDEX_NAME):
                raise _bad(
                    "no output given and .agentv/cache.json points at no existing run: "
                    "agentv would silently start a fresh run; give output (the run to resume)"
                )
            if not project.contains(last):
                # agentv would follow the pointer out of the project; a
                # request's paths must stay inside it, and so must this one.
                raise _bad(f".agentv/cache.json points outside the project ({last}): give output (the run to resume)")
            run_dir = last.resolve()
        else:
            if not (output_dir / INDEX_NAME).is_file():
                raise _bad(f"output {request.output!r} is not a run (it has no index.jsonl) — nothing to resume")
            run_dir = output_dir
        _refuse_blocked(reader, run_dir, f"run {project.relative(run_dir)}")
        return ResolvedLaunch(request, run_dir, request.output)

    # A fresh run (retry_errors included) writes a new run directory.
    if output_dir is not None:
        if (output_dir / INDEX_NAME).exists():
            raise _bad(
                f"output {request.output!r} is an existing run: a fresh run would overwrite its "
                "index.jsonl (use resume or rerun_failed to finish it)"
            )
        return ResolvedLaunch(request, output_dir, request.output)
    output = default_output(now)
    return ResolvedLaunch(request, (project.root / output).resolve(), output)
