"""agentv processes writing a run right now, whoever started them (Linux /proc; reads only).

A run is busy not only while a job of this tool runs on it: an `agentv eval
run` started in another terminal appends to the same index.jsonl, and a second
agentv on it would run every case twice.  This finds such processes from their
command line, working directory and start time:

* `--output DIR` / `-o DIR` / `--output=DIR`: that directory (relative to the
  process's cwd);
* `--resume` / `--rerun-failed` without `--output`: the run `.agentv/cache.json`
  names (what agentv itself picks);
* otherwise agentv's default, `.agentv/results/runs/<experiment>/<timestamp>`
  made when it started: the run of that experiment whose name is a timestamp
  within a few seconds of the process's start.

Where /proc is not there (macOS, Windows), nothing is found.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from agentv_resume.files import read_json_or

PROC = "/proc"
START_SLACK_SECONDS = 15.0  # node's start-up before agentv makes its default run dir
_RUN_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z$")
_VALUE_FLAGS = {"--output", "-o", "--experiment", "--retry-errors", "--target", "--targets", "--test-id",
                "--workers", "--threshold", "--out", "--output-format", "--results-repo", "--results-branch",
                "--results-remote", "--dry-run-delay", "--dry-run-delay-min", "--dry-run-delay-max",
                "--agent-timeout", "--max-retries", "--cache-path", "--workspace-mode", "--workspace-path",
                "--otel-file", "--otel-backend", "--artifacts", "--grader-target", "--model",
                "--output-messages", "--budget-usd", "--tag", "--exclude-tag", "--transcript",
                "--record-replay", "--record-replay-variant", "--eval-id"}


@dataclass(frozen=True)
class AgentvProcess:
    pid: int
    argv: tuple[str, ...]
    cwd: str | None
    run_dir: str | None       # the run it writes, absolute, when it can be told
    started_at: float | None  # epoch seconds

    @property
    def command(self) -> str:
        return " ".join(self.argv)


def _is_agentv(arg: str) -> bool:
    base = os.path.basename(arg)
    return base in ("agentv", "agentv.js", "agentv.cmd") or arg.replace("\\", "/").endswith("agentv/dist/cli.js")


def eval_run_args(argv: list[str]) -> list[str] | None:
    """The arguments after `agentv eval [run]`, or None when argv is no eval run."""
    for i, arg in enumerate(argv):
        if _is_agentv(arg) and i + 1 < len(argv) and argv[i + 1] == "eval":
            rest = argv[i + 2:]
            if rest and rest[0] in ("assert", "aggregate", "bundle"):
                return None
            return rest[1:] if rest and rest[0] == "run" else rest
    return None


def _options(args: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if arg.startswith("-") and "=" in arg:
            name, value = arg.split("=", 1)
            found.setdefault(name, []).append(value)
        elif arg in _VALUE_FLAGS and i + 1 < len(args):
            found.setdefault(arg, []).append(args[i + 1])
            i += 1
        elif arg.startswith("-"):
            found.setdefault(arg, []).append("")
        i += 1
    return found


def _boot_time(proc: str) -> float | None:
    try:
        with open(os.path.join(proc, "stat"), encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith("btime "):
                    return float(line.split()[1])
    except OSError:
        pass
    return None


def _start_time(proc: str, pid: int, boot: float | None) -> float | None:
    if boot is None:
        return None
    try:
        with open(os.path.join(proc, str(pid), "stat"), encoding="ascii", errors="replace") as handle:
            text = handle.read()
        fields = text[text.rindex(")") + 2:].split()
        return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _cache_run(cwd: str) -> str | None:
    try:
        # Any process's folder: a FIFO or absurd JSON there must not hang or fail a launch.
        data = read_json_or(os.path.join(cwd, ".agentv", "cache.json"), 65536)
        last = data.get("lastRunDir") if isinstance(data, dict) else None
        return os.path.normpath(os.path.join(cwd, last)) if isinstance(last, str) and last.strip() else None
    except (OSError, ValueError):
        return None


def _default_run(cwd: str, experiment: str, started_at: float | None) -> str | None:
    """agentv's timestamped default run dir made when this process started."""
    if started_at is None:
        return None
    parent = os.path.join(cwd, ".agentv", "results", "runs", experiment)
    try:
        names = os.listdir(parent)
    except OSError:
        return None
    best, best_gap = None, START_SLACK_SECONDS
    for name in names:
        match = _RUN_NAME.match(name)
        if not match:
            continue
        day, hh, mm, ss, ms = match.groups()
        try:
            made = datetime.fromisoformat(f"{day}T{hh}:{mm}:{ss}.{ms}+00:00").timestamp()
        except ValueError:
            continue
        gap = made - started_at
        if -1.0 <= gap <= best_gap:
            best, best_gap = os.path.join(parent, name), gap
    return best


def describe_process(pid: int, argv: list[str], cwd: str | None, started_at: float | None) -> AgentvProcess | None:
    args = eval_run_args(argv)
    if args is None:
        return None
    options = _options(args)
    run_dir = None
    if cwd is not None:
        output = (options.get("--output") or options.get("-o") or [None])[-1]
        experiment = ((options.get("--experiment") or [""])[-1].strip()) or "default"
        resuming = ("--resume" in options or "--rerun-failed" in options) and "--retry-errors" not in options
        if output:
            run_dir = os.path.normpath(os.path.join(cwd, output))
        elif resuming:
            run_dir = _cache_run(cwd)
        else:
            run_dir = _default_run(cwd, experiment, started_at)
    return AgentvProcess(pid, tuple(argv), cwd, run_dir, started_at)


def agentv_processes(proc: str = PROC, exclude: set[int] = frozenset()) -> list[AgentvProcess]:
    """Every running `agentv eval run` this user can see."""
    try:
        pids = [int(name) for name in os.listdir(proc) if name.isdigit()]
    except OSError:
        return []
    boot = _boot_time(proc)
    found = []
    for pid in pids:
        if pid in exclude or pid == os.getpid():
            continue
        try:
            with open(os.path.join(proc, str(pid), "cmdline"), "rb") as handle:
                raw = handle.read(65536)
        except OSError:
            continue
        argv = [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]
        if not any("agentv" in part for part in argv) or eval_run_args(argv) is None:
            continue  # not `agentv eval run` (this server, its supervisors): no cwd or start time read
        try:
            cwd = os.readlink(os.path.join(proc, str(pid), "cwd"))
        except OSError:
            cwd = None
        described = describe_process(pid, argv, cwd, _start_time(proc, pid, boot))
        if described is not None:
            found.append(described)
    return found


def _same_dir(a: str, b: str) -> bool:
    if os.path.normpath(a) == os.path.normpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def writers_of(run_dir: Path, proc: str = PROC, exclude: set[int] = frozenset()) -> list[AgentvProcess]:
    """The agentv processes writing ``run_dir`` now (exclude: pids this tool runs itself)."""
    target = os.fspath(run_dir)
    return [p for p in agentv_processes(proc, exclude) if p.run_dir and _same_dir(p.run_dir, target)]


def busy_message(process: AgentvProcess, run_label: str) -> str:
    return (f"an agentv process (pid {process.pid}) is writing {run_label} right now: "
            f"{process.command[:300]}; wait for it to end or stop it before launching")


