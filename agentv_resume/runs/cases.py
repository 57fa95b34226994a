"""Why each case failed, and the files agentv wrote for it (read side; no process).

agentv 4.42.4 puts a quality failure's reasons in the result row itself:
``scores[]`` are the graders, each with ``assertions[]`` (``text``,
``passed``, ``evidence``) and, for composite graders, nested ``scores``.
An execution error has ``error``, ``failure_stage`` and
``failure_reason_code``.  The row also names the case's artifacts, relative
to the run dir (``grading_path``, ``answer_path``, ``transcript_path``…);
rows of an interrupted run name none (agentv writes artifacts only when it
ends).  See /work/plan/notes-outcomes.md.

Artifacts are served from the run dir only: a path is taken from the row
(never from a request), must be relative with no ``..``, must still be
inside the run dir once links are resolved, and is read as a regular file
without blocking, with a size cap.
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass, field
from pathlib import Path

from agentv_resume.runs.index import OK, STATUSES, UNKNOWN, parse_line
from agentv_resume.files import open_regular

INDEX_NAME = "index.jsonl"
READ_CHUNK = 1024 * 1024
ARTIFACT_MAX_BYTES = 512 * 1024      # shown on a page; the rest is cut, and said
REASONS_PER_CASE = 20
REASON_MAX_CHARS = 2000

# Row field → the artifact's name (in the order a reader wants them).
ARTIFACT_FIELDS = (
    ("answer_path", "answer"),
    ("grading_path", "grading"),
    ("transcript_path", "transcript"),
    ("input_path", "input"),
    ("timing_path", "timing"),
    ("response_path", "response"),
    ("eval_path", "eval"),
    ("targets_path", "targets"),
)
# agentv writes this one beside the others without naming it in the row.
TRACE = ("trace", "outputs/trace.json")

CONTENT_TYPES = {".json": "application/json", ".jsonl": "application/x-ndjson", ".md": "text/markdown",
                 ".yaml": "application/yaml", ".yml": "application/yaml"}


@dataclass
class CaseDetail:
    test_id: str
    target: str
    execution_status: str
    timestamp: str | None = None
    reasons: list[str] = field(default_factory=list)
    failure_stage: str | None = None
    failure_reason_code: str | None = None
    artifact_dir: str | None = None
    artifacts: dict[str, str] = field(default_factory=dict)  # name → path relative to the run dir

    def to_json(self) -> dict:
        return {"test_id": self.test_id, "target": self.target, "execution_status": self.execution_status,
                "timestamp": self.timestamp, "reasons": list(self.reasons),
                "failure_stage": self.failure_stage, "failure_reason_code": self.failure_reason_code,
                "artifacts": dict(self.artifacts)}


# --- reasons -------------------------------------------------------------------------------

def _text(value, limit: int = REASON_MAX_CHARS) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    return value if len(value) <= limit else value[:limit] + "…"


def failure_reasons(row: dict) -> list[str]:
    """The failed assertions (with their evidence) of a result row, grader by grader."""
    reasons: list[str] = []

    def walk(scores, depth: int) -> None:
        if not isinstance(scores, list) or depth > 8:
            return
        for score in scores:
            if not isinstance(score, dict):
                continue
            grader = _text(score.get("name"), 200)
            failed_here = False
            for assertion in score.get("assertions") or ():
                if not isinstance(assertion, dict) or assertion.get("passed") is not False:
                    continue
                text = _text(assertion.get("text")) or "(an assertion without text)"
                evidence = _text(assertion.get("evidence"))
                reason = f"{grader}: {text}" if grader else text
                reasons.append(f"{reason} — evidence: {evidence}" if evidence else reason)
                failed_here = True
            if not failed_here and score.get("verdict") == "fail" and not score.get("scores"):
                reasoning = _text(score.get("reasoning"))
                reasons.append(f"{grader or 'a grader'} failed" + (f": {reasoning}" if reasoning else ""))
            walk(score.get("scores"), depth + 1)

    walk(row.get("scores"), 0)
    if len(reasons) > REASONS_PER_CASE:
        reasons[REASONS_PER_CASE:] = [f"… and {len(reasons) - REASONS_PER_CASE} more"]
    return reasons


# --- artifact paths ---------------------------------------------------------------------------

def safe_relative(path) -> str | None:
    """``path`` if it is a plain relative path inside the run dir, by text; else None."""
    if not isinstance(path, str) or not path or "\0" in path or "\\" in path:
        return None
    if path.startswith("/") or any(part in ("..", "") for part in path.split("/")):
        return None
    return posixpath.normpath(path)


def artifact_paths(row: dict) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, name in ARTIFACT_FIELDS:
        path = safe_relative(row.get(key))
        if path is not None and path not in found.values():
            found[name] = path
    artifact_dir = safe_relative(row.get("artifact_dir"))
    if artifact_dir is not None:
        found.setdefault(TRACE[0], posixpath.join(artifact_dir, TRACE[1]))
    return found


def _identity(row: dict) -> tuple[str, str]:
    test_id = row["test_id"] if "test_id" in row else row.get("testId")
    target = row.get("target")
    return (test_id if isinstance(test_id, str) else UNKNOWN, target if isinstance(target, str) else UNKNOWN)


def detail_of(row: dict) -> CaseDetail:
    test_id, target = _identity(row)
    status = row["execution_status"] if "execution_status" in row else row.get("executionStatus")
    status = status if status in STATUSES else OK
    stage, code = row.get("failure_stage"), row.get("failure_reason_code")
    stamp = row.get("timestamp")
    return CaseDetail(
        test_id, target, status,
        timestamp=stamp if isinstance(stamp, str) else None,
        reasons=failure_reasons(row) if status != OK else [],
        failure_stage=stage if isinstance(stage, str) else None,
        failure_reason_code=code if isinstance(code, str) else None,
        artifact_dir=safe_relative(row.get("artifact_dir")),
        artifacts=artifact_paths(row),
    )


def read_details(run_dir: Path, lines: set[int] | None = None) -> dict[tuple[str, str], CaseDetail]:
    """Each identity's detail, from its last result line (the line rules of runs/index.py).

    ``lines``: only these physical line numbers (1-based, blank lines counted,
    as ``Record.line``): a page reads the few rows it shows, not a run of
    500,000.  Reading stops after the last one.  Never raises: an unreadable
    index gives no details (the run view says why it cannot be read).
    """
    details: dict[tuple[str, str], CaseDetail] = {}
    last_wanted = max(lines) if lines else None
    if lines is not None and not lines:
        return details
    try:
        with open_regular(Path(run_dir) / INDEX_NAME) as handle:
            number, pending = 0, b""
            while True:
                chunk = handle.read(READ_CHUNK)
                if not chunk:
                    break
                parts = (pending + chunk).split(b"\n")
                pending = parts.pop()
                for raw in parts:
                    number += 1
                    if lines is None or number in lines:
                        _fold(details, raw)
                if last_wanted is not None and number >= last_wanted:
                    return details
            if pending:
                number += 1
                if lines is None or number in lines:
                    _fold(details, pending)
    except OSError:
        return {}
    return details


def _fold(details: dict, raw: bytes) -> None:
    try:
        row = parse_line(raw)
    except ValueError:
        return
    if not isinstance(row, dict) or not _finite_number(row.get("score")):
        return
    detail = detail_of(row)
    details[(detail.test_id, detail.target)] = detail


def _finite_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value \
        and value not in (float("inf"), float("-inf"))


# --- reading one artifact -------------------------------------------------------------------------

@dataclass
class Artifact:
    name: str
    path: str            # relative to the run dir
    content_type: str
    size: int | None = None
    text: str | None = None
    truncated: bool = False
    problem: str | None = None   # why it cannot be shown

    def to_json(self, with_text: bool = False) -> dict:
        out = {"name": self.name, "path": self.path, "content_type": self.content_type, "size": self.size,
               "problem": self.problem}
        if with_text:
            out.update(text=self.text, truncated=self.truncated)
        return out


def content_type_for(path: str) -> str:
    return CONTENT_TYPES.get(posixpath.splitext(path)[1].lower(), "text/plain")


def contained(run_dir: Path, relative: str) -> Path | None:
    """The file ``relative`` names inside ``run_dir``, or None when it is not a
    plain relative path or, once links are resolved, lies outside the run dir."""
    safe = safe_relative(relative)
    if safe is None:
        return None
    root = os.path.realpath(run_dir)
    real = os.path.realpath(os.path.join(root, *safe.split("/")))
    if os.path.commonpath([root, real]) != root or real == root:
        return None
    return Path(real)


def read_artifact(run_dir: Path, name: str, relative: str, limit: int = ARTIFACT_MAX_BYTES) -> Artifact:
    """One artifact as text (bytes that are not UTF-8 read as U+FFFD), at most ``limit`` bytes."""
    artifact = Artifact(name, relative, content_type_for(relative))
    path = contained(run_dir, relative)
    if path is None:
        artifact.problem = "outside the run directory: not shown"
        return artifact
    try:
        with open_regular(path) as handle:
            artifact.size = os.fstat(handle.fileno()).st_size
            data = handle.read(limit + 1)
    except FileNotFoundError:
        artifact.problem = "not written (agentv writes a case's files when the run ends)"
        return artifact
    except OSError as exc:
        artifact.problem = f"cannot be read: {exc.strerror or exc}"
        return artifact
    artifact.truncated = len(data) > limit
    artifact.text = data[:limit].decode("utf-8", errors="replace")
    return artifact


def case_artifacts(run_dir: Path, detail: CaseDetail, *, with_text: bool = True) -> list[Artifact]:
    """Every artifact the case's row names, in reading order; missing ones say so."""
    out = []
    for name, relative in detail.artifacts.items():
        if with_text:
            out.append(read_artifact(run_dir, name, relative))
        else:
            artifact = Artifact(name, relative, content_type_for(relative))
            path = contained(run_dir, relative)
            try:
                artifact.size = path.stat().st_size if path is not None else None
            except OSError:
                artifact.problem = "not written"
            if path is None:
                artifact.problem = "outside the run directory: not shown"
            out.append(artifact)
    return out
