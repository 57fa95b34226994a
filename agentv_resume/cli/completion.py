"""Shell completion: the scripts Click generates, and the dynamic values.

Completion runs on every <TAB>, in a fresh interpreter, so this module
imports almost nothing at load time, reads directory names and small files
only (never a large index.jsonl), and never raises: outside a project it
simply offers nothing.

Regenerate the shipped scripts with ``python -m agentv_resume.cli.completion_scripts
--write completions/`` (``--check`` says whether they drifted).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from click.shell_completion import CompletionItem, get_completion_class

from agentv_resume.files import read_head, read_json_or
from agentv_resume.safetext import for_terminal

SHELLS = ("bash", "zsh", "fish")
PROG_NAME = "studio-resume"
COMPLETE_VAR = "_STUDIO_RESUME_COMPLETE"
SCRIPT_NAMES = {shell: f"{PROG_NAME}.{shell}" for shell in SHELLS}

# Help texts (state and counts) need each run's index.jsonl read, so only the
# newest few runs get one, only while their index is small, and only for the
# shells that show help at all (bash never does).
_DESCRIBED_RUNS = 30
_SMALL_INDEX = 256 * 1024
_DESCRIBE_BUDGET = 2 * 1024 * 1024
# --test-id reads at most this much of the run's index.jsonl.
_TEST_ID_BYTES = 512 * 1024
# Click's fish script splits each reply line on "," (help included), so help
# texts never hold one.
_SEP = " · "
_STATUS_WORDS = (("ok", "ok", "ok"), ("quality_failure", "failed", "failed"),
                 ("execution_error", "error", "errors"), ("missing", "missing", "missing"))


# --- the scripts ----------------------------------------------------------------

def script(shell: str, command) -> str:
    """The completion script Click generates for ``shell`` and the Click group
    ``command`` (what ``<shell>_source`` prints)."""
    cls = get_completion_class(shell)
    if cls is None or shell not in SHELLS:
        raise ValueError(f"unsupported shell {shell!r} (use one of {', '.join(SHELLS)})")
    return cls(command, {}, PROG_NAME, COMPLETE_VAR).source()


# --- where we are -------------------------------------------------------------

def _wants_help() -> bool:
    # Click's bash protocol carries no help text; don't read files for nothing.
    return not os.environ.get(COMPLETE_VAR, "").startswith("bash")


def _project(ctx):
    """The project named by --project on the line, else found upward from here; None outside one."""
    # Imported here, not at the top, as every other module below: start-up speed on each <TAB>.
    from agentv_resume.runs.project import Project, find_project_root

    root_ctx = ctx.find_root()
    # The command's own --project (after the command) wins over the group's.
    projects = ((root_ctx.obj or {}).get("command_projects") or ())[-1:] or root_ctx.params.get("projects") or ()
    try:
        root = find_project_root(Path(projects[0]) if projects else None)
    except Exception:
        return None
    return Project(root)


def _looks_like_path(incomplete: str) -> bool:
    return "/" in incomplete or incomplete.startswith((".", "~"))


# --- RUN ------------------------------------------------------------------------

def complete_runs(ctx, param, incomplete: str) -> list[CompletionItem]:
    """`last`, then run ids, most recent first, with state and counts as help."""
    if _looks_like_path(incomplete):
        return [CompletionItem(incomplete, type="file")]
    try:
        project = _project(ctx)
        if project is None:
            return []
        from agentv_resume.runs import idcache

        want_help = _wants_help()
        if want_help:
            runs = [run for run in idcache.cached_runs(project) if run[0].startswith(incomplete)]
        else:  # bash shows no help: the ids are all it needs
            ids = idcache.cached_run_ids(project)
            ids = ids if not incomplete else [run_id for run_id in ids if run_id.startswith(incomplete)]
    except Exception:
        return []
    items = []
    if "last".startswith(incomplete):
        items.append(CompletionItem("last", help=_last_help(project) if want_help else None))
    if not want_help:
        items.extend(map(CompletionItem, ids))
        return items
    describer = _Describer(project)
    for run_id, mtime, run_dir in runs:
        items.append(CompletionItem(run_id, help=describer.help(_Ref(run_id, mtime, run_dir))))
    return items


def complete_runs_or_paths(ctx, param, incomplete: str) -> list[CompletionItem]:
    """A run id when one matches, else a path (left to the shell)."""
    return complete_runs(ctx, param, incomplete) or [CompletionItem(incomplete, type="file")]


class _Ref:
    """What the describer reads of a run."""

    __slots__ = ("id", "mtime", "run_dir")

    def __init__(self, run_id: str, mtime: float, run_dir: str):
        self.id, self.mtime, self.run_dir = run_id, mtime, run_dir


def _last_help(project) -> str:
    try:
        last = project.last_run()
    except Exception:
        last = None
    if last is None:
        return "the newest run (none yet)"
    return f"the newest run: {last.id}"


class _Describer:
    """State and counts for the newest runs, within a byte budget."""

    def __init__(self, project):
        self.project = project
        self.described = 0
        self.budget = _DESCRIBE_BUDGET
        self.reader = None  # one RunReader for every run described (made on first use)

    def help(self, ref) -> str:
        try:
            return self._help(ref)
        except Exception:  # one odd run must not cost the whole list
            return ""

    def _help(self, ref) -> str:
        if self.described >= _DESCRIBED_RUNS:
            return f"written {_when(ref.mtime)}"
        size = os.stat(os.path.join(ref.run_dir, "index.jsonl")).st_size
        if size > _SMALL_INDEX or size > self.budget:
            return f"written {_when(ref.mtime)}{_SEP}{_size(size)} index"
        self.described += 1
        self.budget -= size
        from agentv_resume.jobs.lock import lock_holder
        from agentv_resume.runs.reader import RunReader

        if self.reader is None:
            self.reader = RunReader(self.project.root)
        view = self.reader.read(Path(ref.run_dir))
        counts = view.counts
        state = view.state(active=lock_holder(Path(ref.run_dir)) is not None)
        parts = [f"{counts[key]} {one if counts[key] == 1 else many}"
                 for key, one, many in _STATUS_WORDS if counts[key]]
        if view.blocked:  # a rejected row, or no known suite file: actions need more
            parts.append("blocked")
        return f"{state}: {_SEP.join(parts)}" if parts else state


def _when(mtime: float) -> str:
    import time

    return time.strftime("%Y-%m-%d %H:%M", time.localtime(mtime))


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, size // 1024)} KB"


def complete_launch_args(ctx, param, incomplete: str) -> list[CompletionItem]:
    """[RUN] [SUITE...]: eval files after --retry-errors; else one RUN."""
    if ctx.params.get("retry_errors"):
        return complete_paths(ctx, param, incomplete)
    if ctx.params.get("args"):
        return []  # --resume / --rerun-failed take one RUN, and it is there
    return complete_runs(ctx, param, incomplete)


# --- JOB -------------------------------------------------------------------------

_DESCRIBED_JOBS = 20
_OFFERED_JOBS = 200


def complete_jobs(ctx, param, incomplete: str) -> list[CompletionItem]:
    """JOB|RUN: job ids, newest first (their status and run as help), then run ids."""
    if _looks_like_path(incomplete):
        return [CompletionItem(incomplete, type="file")]
    try:
        project = _project(ctx)
        if project is None:
            return []
        from agentv_resume.jobs.record import JOBS_DIR, STATE_DIR

        jobs_dir = project.agentv_dir / STATE_DIR / JOBS_DIR
        try:
            names = sorted((entry.name for entry in os.scandir(jobs_dir)
                            if entry.is_dir(follow_symlinks=False) and entry.name.startswith(incomplete)),
                           reverse=True)[:_OFFERED_JOBS]  # ids start with their UTC start time
        except OSError:
            names = []
        want_help = _wants_help()
        items = [CompletionItem(name, help=_job_help(jobs_dir / name) if want_help and n < _DESCRIBED_JOBS else None)
                 for n, name in enumerate(names)]
    except Exception:
        return []
    return items + complete_runs(ctx, param, incomplete)


def _job_help(job_dir: Path) -> str | None:
    """`running · interrupted`: the status job.json records (not re-checked) and the run's folder name."""
    from agentv_resume.jobs.record import RECORD_NAME, load_record

    record = load_record(job_dir / RECORD_NAME) or {}
    status = record.get("status")
    run_dir = record.get("run_dir")
    parts = [part for part in (status if isinstance(status, str) else None,
                               os.path.basename(run_dir) if isinstance(run_dir, str) else None) if part]
    return _SEP.join(parts).replace(",", " ") or None


# --- --target ---------------------------------------------------------------------

_KEY_LINE = re.compile(r"^(?P<indent> *)(?P<dash>- +)?(?P<key>[A-Za-z_][\w-]*) *:(?: +(?P<value>.*))?$")


def target_names(text: str) -> list[str]:
    """`name:` of each entry of the top-level `targets:` list, in file order.

    A small line scanner rather than a YAML library (none is a dependency and
    importing one costs more than the whole completion): block style, keys in
    any order, nested `name:` keys of other mappings ignored.
    """
    names: list[str] = []
    in_targets = False
    dash_column: int | None = None  # where the list's dashes are
    key_column: int | None = None  # where the current entry's keys are
    for line in text.splitlines():
        stripped = line.split(" #", 1)[0].rstrip()
        if not stripped.strip() or stripped.lstrip().startswith("#"):
            continue
        match = _KEY_LINE.match(stripped)
        if not stripped.startswith((" ", "-")):
            in_targets = bool(match) and match["key"] == "targets"
            dash_column = key_column = None
            continue
        if not in_targets or match is None:
            continue
        column = len(match["indent"])
        if match["dash"] and dash_column in (None, column):
            dash_column = column
            key_column = column + len(match["dash"])
        if column + len(match["dash"] or "") == key_column and match["key"] == "name" and match["value"]:
            name = _scalar(match["value"])
            if name and name not in names:
                names.append(name)
    return names


def _scalar(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def complete_targets(ctx, param, incomplete: str) -> list[CompletionItem]:
    """Target names from .agentv/targets.yaml (or .yml)."""
    try:
        project = _project(ctx)
        if project is None:
            return []
        for file_name in ("targets.yaml", "targets.yml"):
            path = project.agentv_dir / file_name
            if path.is_file():
                text = read_head(path, 1024 * 1024).decode("utf-8", errors="replace")
                given = set(ctx.params.get("targets") or ())
                return [CompletionItem(name) for name in target_names(text)
                        if name.startswith(incomplete) and name not in given]
        return []
    except Exception:
        return []


# --- --test-id ---------------------------------------------------------------------

def complete_test_ids(ctx, param, incomplete: str) -> list[CompletionItem]:
    """Test ids of the run on the line (RUN, or the --retry-errors PATH; else `last`).

    Help: each id's last status (per target when there are several).
    """
    try:
        project = _project(ctx)
        if project is None:
            return []
        run_dir = project.resolve_run(_run_on_line(ctx)).run_dir
        statuses = _test_statuses(Path(run_dir))
    except Exception:
        return []
    given = set(ctx.params.get("test_ids") or ())
    want_help = _wants_help()
    items = []
    for test_id, by_target in statuses.items():
        if test_id.startswith(incomplete) and test_id not in given:
            help_text = None
            if want_help and by_target:
                values = list(by_target.items())
                help_text = values[0][1] if len(values) == 1 else _SEP.join(f"{t}: {s}" for t, s in values)
            items.append(CompletionItem(test_id, help=help_text))
    return items


def _run_on_line(ctx) -> str:
    if ctx.params.get("retry_errors"):
        return ctx.params["retry_errors"]
    # An option still waiting for its value (`--test-id <TAB>`) stops Click's
    # resilient parse before positionals are assigned; they are left in ctx.args.
    positionals = ctx.params.get("args") or ctx.args or ()
    return positionals[0] if positionals else "last"


def _test_statuses(run_dir: Path) -> dict[str, dict[str, str]]:
    """test_id → {target: last status}, in the order agentv wrote them.

    Reads at most _TEST_ID_BYTES of index.jsonl; benchmark.json's tests_run
    (what agentv planned to run) fills in the ids beyond that or never written.
    """
    from agentv_resume.runs.index import normalise_status

    statuses: dict[str, dict[str, str]] = {}
    # Not blocking on a FIFO, never more than the cap (not /dev/zero's "forever").
    data = read_head(run_dir / "index.jsonl", _TEST_ID_BYTES)
    for raw in data.split(b"\n"):
        try:
            row = json.loads(raw)
        except (ValueError, RecursionError):
            continue
        if not isinstance(row, dict) or row.get("test_id") in (None, ""):
            continue
        target = "" if row.get("target") is None else str(row["target"])
        statuses.setdefault(str(row["test_id"]), {})[target] = normalise_status(row.get("execution_status"))
    benchmark = read_json_or(run_dir / "benchmark.json", _TEST_ID_BYTES, {})
    meta = benchmark.get("metadata")
    planned = meta.get("tests_run") if isinstance(meta, dict) else None
    for test_id in planned if isinstance(planned, list) else []:
        if isinstance(test_id, str) and test_id:
            statuses.setdefault(test_id, {})
    # An id holding a control or bidi character could not be typed, and the
    # shell would print it raw in its list: offered only as it can be shown.
    return {test_id: by_target for test_id, by_target in statuses.items() if for_terminal(test_id) == test_id}


# --- paths -------------------------------------------------------------------------

def complete_paths(ctx, param, incomplete: str) -> list[CompletionItem]:
    """Files and directories, completed by the shell itself."""
    return [CompletionItem(incomplete, type="file")]


def complete_dirs(ctx, param, incomplete: str) -> list[CompletionItem]:
    return [CompletionItem(incomplete, type="dir")]
