#!/usr/bin/env python3
"""Make the prediction scenarios of issue 11 with the real agentv CLI, and record what agentv did.

usage: python3 tools/gen_scenarios.py AGENTV_BIN OUT_DIR

For each scenario a small project is built (a `cli` target whose answers are
steered by marker files), runs are made by really running `agentv eval run`
(interrupted by SIGINT to the process group, as Ctrl-C does), and the run
directories are kept: index.jsonl, benchmark.json and .agentv/cache.json, with
the project's absolute path replaced by {PROJECT_ROOT}.  Per-test artifact
folders are left out (the tool never reads them).

Then each follow-up command (a resume, a rerun-failed, ...) is run by the real
agentv on a fresh copy of the scenario, and what agentv did is written to
OUT_DIR/expected.json: exit code, the identities it appended, its own account
("found N existing result(s), skipping K completed", the progress total,
"Nothing to resume").  Those numbers are the expected values of the tests.
Uses only the standard library.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

AGENT = '''"""Scenario agent: python3 agent.py EVAL_ID OUTPUT_FILE [TARGET].

crash/<id> -> exit 3 (execution_error); wrong/<id> -> wrong answer (quality_failure);
sleeps the seconds in delay-<TARGET> (else `delay`) first."""
import os, sys, time
eid, out = sys.argv[1], sys.argv[2]
target = sys.argv[3] if len(sys.argv) > 3 else "default"
here = os.path.dirname(os.path.abspath(__file__))
for name in ("delay-" + target, "delay"):
    try:
        with open(os.path.join(here, name)) as f:
            time.sleep(float(f.read().strip() or 0))
        break
    except OSError:
        pass
if os.path.exists(os.path.join(here, "crash", eid)):
    sys.stderr.write("agent crashed on " + eid + "\\n"); sys.exit(3)
with open(out, "w") as f:
    f.write("nope" if os.path.exists(os.path.join(here, "wrong", eid)) else "Hello from " + eid)
'''

TARGETS = "targets:\n" + "".join(
    f"  - name: {t}\n    provider: cli\n    command: python3 agent.py {{EVAL_ID}} {{OUTPUT_FILE}} {t}\n    cwd: ..\n"
    for t in ("default", "alt"))

GREET = [f"greet-{i}" for i in range(1, 6)]
LONG = [f"case-{i:02d}" for i in range(1, 13)]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def suite(name: str, ids: list[str]) -> str:
    lines = [f"name: {name}", f"description: {name} suite", "tests:"]
    for i in ids:
        lines += [f"  - id: {i}", f"    input: Please greet case {i}", "    assert:",
                  "      - type: contains", "        value: Hello"]
    return "\n".join(lines) + "\n"


class Project:
    def __init__(self, agentv: str, root: Path):
        self.agentv, self.root = agentv, root
        self.env = dict(os.environ, AGENTV_NO_UPDATE_CHECK="1", NO_COLOR="1", FORCE_COLOR="0")

    def skeleton(self) -> "Project":
        (self.root / "evals").mkdir(parents=True)
        (self.root / ".agentv").mkdir()
        for d in ("crash", "wrong"):
            (self.root / d).mkdir()
            (self.root / d / ".gitkeep").touch()
        (self.root / "agent.py").write_text(AGENT)
        (self.root / ".agentv" / "targets.yaml").write_text(TARGETS)
        (self.root / "evals" / "greetings.yaml").write_text(suite("greetings", GREET))
        (self.root / "evals" / "long.yaml").write_text(suite("long", LONG))
        return self

    def mark(self, crash=(), wrong=()):
        for kind, ids in (("crash", crash), ("wrong", wrong)):
            for f in (self.root / kind).iterdir():
                if f.name != ".gitkeep":
                    f.unlink()
            for i in ids:
                (self.root / kind / i).touch()

    def delay(self, seconds: float = 0, target: str | None = None):
        name = f"delay-{target}" if target else "delay"
        path = self.root / name
        if seconds:
            path.write_text(str(seconds))
        elif path.exists():
            path.unlink()

    def agentv_run(self, *args: str, interrupt_at_lines: int | None = None, interrupt_after: float | None = None,
                   index: str | None = None, timeout: float = 180) -> dict:
        cmd = [self.agentv, "eval", "run", *args]
        proc = subprocess.Popen(cmd, cwd=self.root, env=self.env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        out_chunks: list[bytes] = []
        import threading
        reader = threading.Thread(target=lambda: out_chunks.append(proc.stdout.read()), daemon=True)
        reader.start()
        try:
            if interrupt_at_lines is not None:
                path = self.root / index
                deadline = time.monotonic() + timeout
                while time.monotonic() < deadline and proc.poll() is None:
                    try:
                        if path.read_bytes().count(b"\n") >= interrupt_at_lines:
                            break
                    except FileNotFoundError:
                        pass
                    time.sleep(0.02)
                os.killpg(proc.pid, signal.SIGINT)
            elif interrupt_after is not None:
                time.sleep(interrupt_after)
                os.killpg(proc.pid, signal.SIGINT)
            code = proc.wait(timeout=timeout)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        reader.join(10)
        text = ANSI.sub("", b"".join(out_chunks).decode("utf-8", "replace"))
        return {"argv": ["agentv", "eval", "run", *args], "exit": code, "output": text}


def lines_of(path: Path) -> list[dict]:
    out = []
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


def audit(text: str) -> dict:
    """agentv's own account in its output (the same rules as the tool's audit parser)."""
    found = re.search(r"found (\d+) existing result\(s\), skipping (\d+) completed", text)
    totals = re.findall(r"^\d+/(\d+)\s", text, re.M)
    completed = len(re.findall(r"^\d+/\d+\s+(?:✅|⚠|❌)", text, re.M))
    nothing = re.search(r"Nothing to resume — all (\d+) test\(s\) already completed", text)
    return {"found": int(found.group(1)) if found else None,
            "skipped": int(found.group(2)) if found else None,
            "progress_total": int(totals[-1]) if totals else None,
            "nothing_to_resume": bool(nothing), "completed": completed}


def measure(template: Path, run_rel: str, args: list[str], agentv: str, setup=None, save_output: Path | None = None) -> dict:
    """Run ``agentv eval run ARGS`` on a fresh copy of ``template``; what did it append to ``run_rel``?"""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        shutil.copytree(template, root, symlinks=True)
        for p in root.rglob("*"):
            if p.is_file() and p.suffix in (".json", ".jsonl"):
                t = p.read_text(encoding="utf-8")
                if "{PROJECT_ROOT}" in t:
                    p.write_text(t.replace("{PROJECT_ROOT}", str(root)), encoding="utf-8")
        project = Project(agentv, root)
        project.mark()
        project.delay(0)
        project.delay(0, "alt")
        if setup:
            setup(root)
        index = root / run_rel / "index.jsonl"
        before = len(lines_of(index))
        result = project.agentv_run(*args)
        if save_output is not None:
            save_output.parent.mkdir(parents=True, exist_ok=True)
            save_output.write_text(result["output"].replace(str(root), "{PROJECT_ROOT}"), encoding="utf-8")
        after = lines_of(index)
        new = after[before:]
        bench = {}
        try:
            bench = json.loads((root / run_rel / "benchmark.json").read_text())["metadata"]
        except (OSError, ValueError, KeyError):
            pass
        return {
            "argv": result["argv"],
            "exit": result["exit"],
            "ran": len(new),
            "identities": sorted(f"{r.get('test_id')}@{r.get('target')}" for r in new),
            "new_lines_experiment": sorted({str(r.get("experiment")) for r in new}),
            "benchmark_after": {k: bench.get(k) for k in ("experiment", "planned_test_count", "targets")},
            "agentv": audit(result["output"]),
            "output_tail": result["output"].replace(str(root), "{PROJECT_ROOT}").strip().splitlines()[-6:],
        }


def keep_runs(project: Path, dest: Path):
    """Copy the project minus per-test artifacts, with {PROJECT_ROOT} for its path."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(project, dest, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
    for run in (dest / ".agentv" / "results" / "runs").glob("*/*"):
        for child in run.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
            elif child.name not in ("index.jsonl", "benchmark.json"):
                child.unlink()
    for p in dest.rglob("*"):
        if p.is_file() and p.suffix in (".json", ".jsonl"):
            t = p.read_text(encoding="utf-8")
            if str(project) in t:
                p.write_text(t.replace(str(project), "{PROJECT_ROOT}"), encoding="utf-8")
    for f in ("delay", "delay-alt"):
        if (dest / f).exists():
            (dest / f).unlink()
    for kind in ("crash", "wrong"):
        for f in (dest / kind).iterdir():
            if f.name != ".gitkeep":
                f.unlink()


R = ".agentv/results/runs/default"


def main() -> None:
    agentv, out = sys.argv[1], Path(sys.argv[2]).resolve()
    only = set(sys.argv[3:])
    out.mkdir(parents=True, exist_ok=True)
    expected_path = out / "expected.json"
    expected = json.loads(expected_path.read_text()) if expected_path.exists() else {}
    work = Path(tempfile.mkdtemp(prefix="scenarios-"))

    def scenario(name):
        def deco(fn):
            if only and name not in only:
                return
            root = work / name / "project"
            project = Project(agentv, root).skeleton()
            made = fn(project)
            keep_runs(root, out / name)
            template = out / name
            results = {}
            for label, (run_rel, args, *setup) in made.items():
                results[label] = measure(template, run_rel, args, agentv, setup[0] if setup else None,
                                         out / "outputs" / f"{name}--{label}.txt")
                print(name, label, results[label]["ran"], results[label]["agentv"], flush=True)
            expected[name] = results
            expected_path.write_text(json.dumps(expected, indent=2, sort_keys=True) + "\n")
        return deco

    @scenario("testid-interrupted")
    def _(p: Project):
        # 9 of 12 cases match 'case-0*'; Ctrl-C after 4 results.
        p.delay(0.4)
        r = p.agentv_run("evals/long.yaml", "--test-id", "case-0*", "--workers", "1", "--output", f"{R}/subset",
                         interrupt_at_lines=4, index=f"{R}/subset/index.jsonl")
        assert r["exit"] == 130, r
        run = f"{R}/subset"
        return {
            "resume": (run, ["evals/long.yaml", "--output", run, "--resume"]),
            "resume_with_filter": (run, ["evals/long.yaml", "--test-id", "case-0*", "--output", run, "--resume"]),
            "rerun_failed": (run, ["evals/long.yaml", "--output", run, "--rerun-failed"]),
        }

    @scenario("testid-finished")
    def _(p: Project):
        p.mark(crash=["greet-2"])
        r = p.agentv_run("evals/greetings.yaml", "--test-id", "greet-1", "--test-id", "greet-2",
                         "--output", f"{R}/pair")
        assert r["exit"] == 0, r
        run = f"{R}/pair"
        return {
            "resume": (run, ["evals/greetings.yaml", "--output", run, "--resume"]),
            "resume_with_tests_run": (run, ["evals/greetings.yaml", "--test-id", "greet-1", "--test-id", "greet-2",
                                            "--output", run, "--resume"]),
            "rerun_failed_with_tests_run": (run, ["evals/greetings.yaml", "--test-id", "greet-1", "--test-id",
                                                  "greet-2", "--output", run, "--rerun-failed"]),
        }

    @scenario("retry-interrupted")
    def _(p: Project):
        p.mark(crash=["case-03", "case-07"])
        r = p.agentv_run("evals/long.yaml", "--output", f"{R}/source")
        assert r["exit"] == 0, r
        p.mark()
        p.delay(1.0)
        r = p.agentv_run("evals/long.yaml", "--retry-errors", f"{R}/source", "--workers", "1",
                         "--output", f"{R}/retry", interrupt_at_lines=1, index=f"{R}/retry/index.jsonl")
        assert r["exit"] == 130, r
        run = f"{R}/retry"
        return {
            "resume": (run, ["evals/long.yaml", "--output", run, "--resume"]),
            "resume_with_plan": (run, ["evals/long.yaml", "--test-id", "case-03", "--test-id", "case-07",
                                       "--output", run, "--resume"]),
            "retry_source_again": (f"{R}/again", ["evals/long.yaml", "--retry-errors", f"{R}/source",
                                                   "--output", f"{R}/again"]),
            "retry_finished_retry": (f"{R}/again2", ["evals/long.yaml", "--retry-errors", f"{R}/source/index.jsonl",
                                                     "--test-id", "case-0[37]", "--output", f"{R}/again2"]),
        }

    @scenario("matrix-target-silent")
    def _(p: Project):
        # Two targets; `alt` is slow and has written no line when Ctrl-C comes.
        p.delay(30, "alt")
        r = p.agentv_run("evals/greetings.yaml", "--target", "default", "--target", "alt", "--output", f"{R}/matrix",
                         interrupt_at_lines=5, index=f"{R}/matrix/index.jsonl")
        assert r["exit"] == 130, r
        run = f"{R}/matrix"
        return {
            "resume_recorded_target": (run, ["evals/greetings.yaml", "--target", "default", "--output", run, "--resume"]),
            "resume_no_target": (run, ["evals/greetings.yaml", "--output", run, "--resume"]),
            "resume_both_targets": (run, ["evals/greetings.yaml", "--target", "default", "--target", "alt",
                                          "--output", run, "--resume"]),
        }

    @scenario("single-target-silent")
    def _(p: Project):
        # One non-default target that wrote no line before Ctrl-C.
        p.delay(30, "alt")
        r = p.agentv_run("evals/greetings.yaml", "--target", "alt", "--output", f"{R}/alt-only",
                         interrupt_after=6)
        assert r["exit"] == 130, r
        run = f"{R}/alt-only"
        return {
            "resume_no_target": (run, ["evals/greetings.yaml", "--output", run, "--resume"]),
            "resume_alt": (run, ["evals/greetings.yaml", "--target", "alt", "--output", run, "--resume"]),
        }

    @scenario("suite-edited")
    def _(p: Project):
        p.mark(crash=["greet-2", "greet-3"], wrong=["greet-4"])
        assert p.agentv_run("evals/greetings.yaml", "--output", f"{R}/errored")["exit"] == 0
        p.mark()
        assert p.agentv_run("evals/greetings.yaml", "--output", f"{R}/all-ok")["exit"] == 0
        variants = p.root / "variants"
        variants.mkdir()
        (variants / "added.yaml").write_text(suite("greetings", GREET + ["greet-6"]))
        (variants / "removed.yaml").write_text(suite("greetings", [i for i in GREET if i != "greet-2"]))
        (variants / "renamed.yaml").write_text(suite("greetings", [("greet-2b" if i == "greet-2" else i) for i in GREET]))

        def use(variant):
            return lambda root: shutil.copy(root / "variants" / f"{variant}.yaml", root / "evals" / "greetings.yaml")

        made = {}
        for variant in ("added", "removed", "renamed"):
            for mode in ("resume", "rerun-failed"):
                made[f"{variant}_{mode}"] = (f"{R}/errored", ["evals/greetings.yaml", "--output", f"{R}/errored",
                                                             f"--{mode}"], use(variant))
        made["all_ok_added_resume"] = (f"{R}/all-ok", ["evals/greetings.yaml", "--output", f"{R}/all-ok", "--resume"],
                                       use("added"))
        return made

    @scenario("experiment")
    def _(p: Project):
        p.mark(crash=["greet-2"])
        run = ".agentv/results/runs/exp-b/exp-b-run"
        assert p.agentv_run("evals/greetings.yaml", "--experiment", "exp-b", "--output", run)["exit"] == 0
        return {
            "resume_without_experiment": (run, ["evals/greetings.yaml", "--output", run, "--resume"]),
            "resume_with_experiment": (run, ["evals/greetings.yaml", "--experiment", "exp-b", "--output", run,
                                             "--resume"]),
        }

    @scenario("multi-file")
    def _(p: Project):
        p.mark(crash=["case-03"])
        assert p.agentv_run("evals/*.yaml", "--output", f"{R}/glob")["exit"] == 0
        p.mark()
        p.delay(0.5)
        r = p.agentv_run("evals/*.yaml", "--workers", "1", "--output", f"{R}/glob-stopped",
                         interrupt_at_lines=2, index=f"{R}/glob-stopped/index.jsonl")
        assert r["exit"] == 130, r
        return {
            "glob_resume_both_files": (f"{R}/glob", ["evals/greetings.yaml", "evals/long.yaml", "--output", f"{R}/glob",
                                                     "--resume"]),
            "glob_rerun_failed_both_files": (f"{R}/glob", ["evals/greetings.yaml", "evals/long.yaml", "--output",
                                                           f"{R}/glob", "--rerun-failed"]),
            "stopped_resume_both_files": (f"{R}/glob-stopped", ["evals/greetings.yaml", "evals/long.yaml", "--output",
                                                                f"{R}/glob-stopped", "--resume"]),
        }

    @scenario("last-after-ctrl-c")
    def _(p: Project):
        p.mark(crash=["greet-2"])
        assert p.agentv_run("evals/greetings.yaml", "--output", f"{R}/finished")["exit"] == 0
        p.mark()
        p.delay(0.4)
        r = p.agentv_run("evals/long.yaml", "--workers", "1", "--output", f"{R}/stopped",
                         interrupt_at_lines=3, index=f"{R}/stopped/index.jsonl")
        assert r["exit"] == 130, r
        return {
            # agentv picks the run .agentv/cache.json names: the older finished one.
            "resume_without_output_finished": (f"{R}/finished", ["evals/greetings.yaml", "--resume"]),
            "resume_stopped": (f"{R}/stopped", ["evals/long.yaml", "--output", f"{R}/stopped", "--resume"]),
        }

    @scenario("dry-run")
    def _(p: Project):
        p.delay(0.4)
        r = p.agentv_run("evals/greetings.yaml", "--workers", "1", "--output", f"{R}/real",
                         interrupt_at_lines=2, index=f"{R}/real/index.jsonl")
        assert r["exit"] == 130, r
        p.delay(0)
        run = f"{R}/mixed"
        shutil.copytree(p.root / R / "real", p.root / run)
        assert p.agentv_run("evals/greetings.yaml", "--output", run, "--resume", "--dry-run")["exit"] == 0
        return {
            "real_resume_dry_run": (f"{R}/real", ["evals/greetings.yaml", "--output", f"{R}/real", "--resume",
                                                  "--dry-run"]),
            "mixed_resume": (run, ["evals/greetings.yaml", "--output", run, "--resume"]),
            "mixed_rerun_failed": (run, ["evals/greetings.yaml", "--output", run, "--rerun-failed"]),
        }

    @scenario("matrix-target-choice")
    def _(p: Project):
        p.mark(crash=["greet-2"], wrong=["greet-4"])
        assert p.agentv_run("evals/greetings.yaml", "--target", "default", "--target", "alt", "--output",
                            f"{R}/matrix")["exit"] == 0
        run = f"{R}/matrix"
        return {
            "resume_alt_only": (run, ["evals/greetings.yaml", "--target", "alt", "--output", run, "--resume"]),
            "rerun_failed_alt_only": (run, ["evals/greetings.yaml", "--target", "alt", "--output", run,
                                            "--rerun-failed"]),
            "rerun_failed_both": (run, ["evals/greetings.yaml", "--target", "default", "--target", "alt", "--output",
                                        run, "--rerun-failed"]),
        }

    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
