"""Rule 8: a parsed launch request against the project (paths, runs, what agentv would clobber)."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from agentv_resume.files import link_problem
from agentv_resume.jobs.lock import LOCK_NAME
from agentv_resume.launching.request import LaunchRequest, _bad
from agentv_resume.paths import AgentvPath, OutsideProject, check_path, check_suite_part, inside_by_text
from agentv_resume.runs.project import Project
from agentv_resume.runs.reader import RunReader
from agentv_resume.runs.run import DRY_RUN_SUFFIX, INDEX_NAME


@dataclass
class ResolvedLaunch:
    request: LaunchRequest
    run_dir: Path          # absolute: the directory the job works on (and locks)
    output_arg: str | None  # what goes after --output (None: agentv picks the run)


def default_output(now: datetime | None = None, experiment: str | None = None) -> str:
    """agentv's default layout for a fresh run, relative to the project root."""
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H-%M-%S-%f")[:-3] + "Z"
    return f".agentv/results/runs/{(experiment or '').strip() or 'default'}/{stamp}"


def _refuse_dry_run_into_a_real_run(request: LaunchRequest, reader: RunReader, run_dir: Path, project: Project) -> None:
    """agentv's --dry-run writes mock rows (`<target>-dry-run`) into the run it resumes: mixed
    with real rows, the run would then read as finished while its cases never ran."""
    if not request.dry_run:
        return
    if any(not record.target.endswith(DRY_RUN_SUFFIX) for record in reader.read(run_dir).records):
        raise _bad(f"dry_run into the real run {project.relative(run_dir)} would mix agentv's mock rows with its "
                   "real results; resume it without dry_run, or try a dry run into a new output")


def _checked(project: Project, key: str, value: str) -> AgentvPath:
    """``value`` as agentv (Node's path.resolve, run in the project root) will
    read it: inside the project by text ('..' removed first) and after links."""
    try:
        return check_path(os.fspath(project.root), key, value)
    except OutsideProject as exc:
        raise _bad(str(exc)) from None


def _checked_suite(project: Project, part: str) -> str:
    try:
        return check_suite_part(os.fspath(project.root), part)
    except OutsideProject as exc:
        raise _bad(str(exc)) from None


def _exists(path: str) -> bool:
    try:
        return os.path.lexists(path)
    except (OSError, ValueError):
        return False


def _is_run(path: str) -> bool:
    return _exists(os.path.join(path, INDEX_NAME))


def _run_around(project: Project, checked: AgentvPath) -> str | None:
    """Why a fresh run into ``checked`` would overwrite or hide runs, or None.

    agentv writes index.jsonl, benchmark.json and one folder per test case
    into its output: an existing run there is overwritten, a run's test-case
    folder is clobbered, and a folder holding runs becomes one run that hides
    them all from the list.  Checked along the text (what agentv names) and
    the real path (where the files land).
    """
    root = os.fspath(project.root)
    for path in dict.fromkeys((checked.absolute, checked.real)):
        if _is_run(path):
            return "is an existing run: a fresh run would overwrite its index.jsonl (use resume or rerun_failed to finish it)"
        parent = os.path.dirname(path)
        while inside_by_text(root, parent) and parent != root:
            if _is_run(parent):
                return f"lies inside the run {project.relative(Path(parent))}: agentv would overwrite its files"
            parent = os.path.dirname(parent)
        if _is_run(root) and path != root:
            return "lies inside a run (the project root holds an index.jsonl)"
    real_output = checked.real
    runs_folder = os.path.realpath(os.fspath(project.results_dir / "runs"))
    if inside_by_text(real_output, runs_folder):
        return "holds agentv's runs folder: the runs in it would be hidden behind one new run"
    inside = [ref for ref in project.runs() if inside_by_text(real_output, os.path.realpath(ref.run_dir))]
    if inside:
        names = ", ".join(ref.id for ref in inside[:3]) + (" ..." if len(inside) > 3 else "")
        return f"holds {len(inside)} run(s) ({names}): a fresh run there would hide them"
    return None


# Files in a run directory that a launch writes (the tool: the lock and
# console.log; agentv: index.jsonl, benchmark.json, timing.json).  Any of them
# a link would send those writes wherever the link points.
WRITTEN_FILES = (INDEX_NAME, "console.log", LOCK_NAME, "benchmark.json", "timing.json")


def _refuse_links(project: Project, run_dir: Path) -> None:
    for name in WRITTEN_FILES:
        problem = link_problem(run_dir / name)
        if problem:
            raise _bad(f"run {project.relative(run_dir)} cannot be written safely: {problem}")


def retry_source(path: Path, given: str) -> Path:
    """The run a retry_errors path names: a run directory, or its index.jsonl (else NoSuchRun)."""
    if path.name == INDEX_NAME and path.is_file():
        return path.parent
    if not (path / INDEX_NAME).is_file():
        raise _bad(f"retry_errors must be a run directory or its index.jsonl: {given!r} is neither", kind="no_run")
    return path


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
    # Every path is replaced by the one that was checked, as agentv will read
    # it from the project root: the argv carries exactly what passed.
    changes: dict = {}
    if request.suite_filter is not None:
        changes["suite_filter"] = ",".join(_checked_suite(project, part) for part in request.suite_parts)
    output = _checked(project, "output", request.output) if request.output else None
    if output is not None:
        changes["output"] = output.arg
        if os.path.exists(output.absolute) and not os.path.isdir(output.absolute):
            raise _bad(f"output {request.output!r} is a file, not a run directory")
    if request.retry_errors:
        retry = _checked(project, "retry_errors", request.retry_errors)
        changes["retry_errors"] = retry.arg
        source = retry_source(Path(retry.real), request.retry_errors)
        _refuse_blocked(reader, source, f"retry_errors run {project.relative(source)}")
    request = dataclasses.replace(request, **changes)

    if request.resume or request.rerun_failed:
        if output is None:
            last = project.last_run_dir()
            if last is None or not _is_file(last / INDEX_NAME):
                raise _bad(
                    "no output given and .agentv/cache.json points at no existing run: "
                    "agentv would silently start a fresh run; give output (the run to resume)"
                )
            try:
                run_dir = Path(check_path(os.fspath(project.root), "lastRunDir", os.fspath(last)).real)
            except OutsideProject:
                # agentv would follow the pointer out of the project; a
                # request's paths must stay inside it, and so must this one.
                raise _bad(f".agentv/cache.json points outside the project ({last}): give output (the run to resume)") from None
        else:
            if not _is_file(Path(output.absolute) / INDEX_NAME):
                raise _bad(f"output {output.given!r} is not a run (it has no index.jsonl) — nothing to resume")
            run_dir = Path(output.real)
        _refuse_links(project, run_dir)
        _refuse_blocked(reader, run_dir, f"run {project.relative(run_dir)}")
        _refuse_dry_run_into_a_real_run(request, reader, run_dir, project)
        return ResolvedLaunch(request, run_dir, request.output)

    # A fresh run (retry_errors included) writes a new run directory.
    if output is not None:
        problem = _run_around(project, output)
        if problem:
            raise _bad(f"output {output.given!r} {problem}")
        run_dir = Path(output.real)
        _refuse_links(project, run_dir)
        return ResolvedLaunch(request, run_dir, request.output)
    # The default folder is checked like a given one: an experiment name with
    # '..' in it, or a results folder that is a link, must not lead agentv out.
    default = _checked(project, "the default output (from the experiment name)", default_output(now, request.experiment))
    problem = _run_around(project, default)
    if problem:
        raise _bad(f"the default output {default.arg!r} {problem}")
    return ResolvedLaunch(request, Path(default.real), default.arg)
