"""Shell completion: the scripts Click generates, and the dynamic values.

Completion runs on every <TAB>, so it reads directory names and small files
only (never a large index.jsonl) and never raises: outside a project it
simply offers nothing.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from click.shell_completion import CompletionItem, get_completion_class

SHELLS = ("bash", "zsh", "fish")
PROG_NAME = "studio-resume"
COMPLETE_VAR = "_STUDIO_RESUME_COMPLETE"
# A run's index.jsonl is read for its state only while it is this small.
_SMALL_INDEX = 256 * 1024
_DESCRIBED_RUNS = 40


def script(shell: str) -> str:
    """The completion script Click generates for ``shell``."""
    from agentv_resume.cli import main

    cls = get_completion_class(shell)
    return cls(main, {}, PROG_NAME, COMPLETE_VAR).source()


def _project(ctx):
    from agentv_resume.project import Project, find_project_root

    root_ctx = ctx.find_root()
    projects = root_ctx.params.get("projects") or ()
    try:
        root = find_project_root(Path(projects[0]) if projects else None)
    except Exception:
        return None
    return Project(root)


def _run_help(ref) -> str:
    from agentv_resume.runs import RunReader

    try:
        size = os.stat(ref.run_dir / "index.jsonl").st_size
    except OSError:
        return ""
    if size > _SMALL_INDEX:
        return f"{ref.experiment}, {size // (1024 * 1024)} MB index"
    view = RunReader(ref.run_dir.parent).read(ref.run_dir)
    counts = view.counts
    parts = [view.state()]
    parts += [f"{counts[key]} {label}" for key, label in (
        ("ok", "ok"), ("quality_failure", "failed"), ("execution_error", "errors"), ("missing", "missing"),
    ) if counts[key]]
    return ", ".join(parts)


def complete_runs(ctx, param, incomplete: str) -> list[CompletionItem]:
    """Run ids, most recent first, with their state; and `last`."""
    try:
        project = _project(ctx)
        if project is None:
            return []
        items = [CompletionItem("last", help="the run in .agentv/cache.json")] if "last".startswith(incomplete) else []
        refs = [ref for ref in project.runs() if ref.id.startswith(incomplete)]
        for n, ref in enumerate(refs):
            help_text = _run_help(ref) if n < _DESCRIBED_RUNS else ""
            items.append(CompletionItem(ref.id, help=help_text or None))
        return items
    except Exception:
        return []


def complete_launch_args(ctx, param, incomplete: str) -> list[CompletionItem]:
    """RUN after --resume/--rerun-failed; eval files after --retry-errors."""
    if ctx.params.get("retry_errors"):
        return complete_paths(ctx, param, incomplete)
    return complete_runs(ctx, param, incomplete)


_TARGET_NAME = re.compile(r"^\s*-\s*name:\s*['\"]?([^'\"#\s]+)", re.MULTILINE)


def complete_targets(ctx, param, incomplete: str) -> list[CompletionItem]:
    """Target names from .agentv/targets.yaml (read with a pattern: no YAML library needed)."""
    try:
        project = _project(ctx)
        if project is None:
            return []
        for name in ("targets.yaml", "targets.yml"):
            path = project.agentv_dir / name
            if path.is_file():
                text = path.read_text(encoding="utf-8", errors="replace")
                names = dict.fromkeys(_TARGET_NAME.findall(text))
                return [CompletionItem(n) for n in names if n.startswith(incomplete)]
        return []
    except Exception:
        return []


def complete_test_ids(ctx, param, incomplete: str) -> list[CompletionItem]:
    """Test ids of the run already on the line (or `last`)."""
    try:
        project = _project(ctx)
        if project is None:
            return []
        args = ctx.params.get("args") or ()
        run_arg = args[0] if args and not ctx.params.get("retry_errors") else "last"
        if ctx.params.get("retry_errors"):
            run_arg = ctx.params["retry_errors"]
        ref = project.resolve_run(run_arg)
        if os.stat(ref.run_dir / "index.jsonl").st_size > 8 * _SMALL_INDEX:
            return []
        from agentv_resume.runs import RunReader

        view = RunReader(project.root).read(ref.run_dir)
        ids = dict.fromkeys(record.test_id for record in view.records)
        return [CompletionItem(test_id) for test_id in ids if test_id.startswith(incomplete)]
    except Exception:
        return []


def complete_paths(ctx, param, incomplete: str) -> list[CompletionItem]:
    return [CompletionItem(incomplete, type="file")]


def complete_dirs(ctx, param, incomplete: str) -> list[CompletionItem]:
    return [CompletionItem(incomplete, type="dir")]
