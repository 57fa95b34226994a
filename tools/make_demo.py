#!/usr/bin/env python3
"""Regenerate the demo project bundled at agentv_resume/demo/project/.

usage: python3 tools/make_demo.py [--agentv PATH] [--out DIR]

Every run directory in the demo is written by the real agentv CLI
(agentv@4.42.4): the project has a `cli` target, agent.py, whose answer
per case is steered by marker files (crash/<id> -> exit 3, wrong/<id> ->
a wrong answer) and whose speed is steered by AGENT_DELAY or a `delay` file.

Runs made (.agentv/results/runs/default/<name>):
  all-ok       5 cases, all ok
  interrupted  12 planned, Ctrl-C (SIGINT to the process group) after 6 done
  errored      5 cases: 2 execution_error, 1 quality_failure, 2 ok (made last,
               so .agentv/cache.json points at it)

Afterwards the markers are removed (so Resume / Rerun failed succeed in the
demo), a `delay` file makes the agent slow enough to watch (DEMO_DELAY
seconds a case; the eval files say `execution: workers: 1`, so a Resume from
the page, which sends no --workers, runs one case at a time and the progress
bar moves case by case, with time to try Stop), and every
absolute path agentv wrote is replaced by the text {PROJECT_ROOT}, which
agentv_resume.demo.copy_demo_project fills in with the copy's real path.
Uses only the standard library.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_AGENTV = REPO / ".tools" / "agentv" / "node_modules" / ".bin" / "agentv"
DEFAULT_OUT = REPO / "agentv_resume" / "demo" / "project"
PLACEHOLDER = "{PROJECT_ROOT}"
DEMO_DELAY = "2.5"  # seconds per case when a user resumes in the demo: time to watch and to try Stop

AGENT_PY = '''\
"""Demo agent for studio-resume: greets, unless told otherwise.

usage: python3 agent.py EVAL_ID OUTPUT_FILE
  crash/<EVAL_ID> exists -> exit 3 (an agentv execution_error)
  wrong/<EVAL_ID> exists -> a wrong answer (a quality failure)
Sleeps AGENT_DELAY seconds, or else the number in the file `delay`.
"""
import os
import sys
import time

eid, out = sys.argv[1], sys.argv[2]
here = os.path.dirname(os.path.abspath(__file__))
delay = os.environ.get("AGENT_DELAY")
if delay is None:
    try:
        with open(os.path.join(here, "delay")) as f:
            delay = f.read().strip()
    except OSError:
        delay = "0"
try:
    time.sleep(max(0.0, float(delay or 0)))
except ValueError:
    pass
if os.path.exists(os.path.join(here, "crash", eid)):
    sys.stderr.write("agent crashed on " + eid + "\\n")
    sys.exit(3)
with open(out, "w") as f:
    f.write("nope" if os.path.exists(os.path.join(here, "wrong", eid)) else "Hello from " + eid)
'''

TARGETS_YAML = """\
targets:
  - name: default
    provider: cli
    command: python3 agent.py {EVAL_ID} {OUTPUT_FILE}
    cwd: ..
"""


def suite_yaml(name: str, ids: list[str]) -> str:
    # One case at a time: agentv reads execution.workers from the eval file
    # when no --workers is given (as from the Resume button).
    out = [f"name: {name}", f"description: {name} (studio-resume demo)",
           "execution:", "  workers: 1", "tests:"]
    for i in ids:
        out += [
            f"  - id: {i}",
            f"    input: Please greet case {i}",
            "    assert:",
            "      - type: contains",
            "        value: Hello",
        ]
    return "\n".join(out) + "\n"


def count_lines(path: Path) -> int:
    try:
        return sum(1 for line in path.read_text(errors="replace").splitlines() if line.strip())
    except OSError:
        return 0


class Builder:
    def __init__(self, agentv: str, proj: Path):
        self.agentv, self.proj = agentv, proj
        self.runs = proj / ".agentv" / "results" / "runs" / "default"

    def mark(self, crash=(), wrong=()):
        for kind, ids in (("crash", crash), ("wrong", wrong)):
            d = self.proj / kind
            for f in d.iterdir():
                f.unlink()
            for i in ids:
                (d / i).touch()

    def run(self, suite: str, name: str, *extra: str, delay: float = 0.0, stop_after: int | None = None):
        outdir = self.runs / name
        env = dict(os.environ, AGENT_DELAY=str(delay), NO_COLOR="1")
        cmd = [self.agentv, "eval", "run", suite, "--output", str(outdir), *extra]
        print("  $", " ".join(cmd[1:]), flush=True)
        log = open(self.proj.parent / f"{name}.log", "w")
        p = subprocess.Popen(cmd, cwd=self.proj, env=env, stdin=subprocess.DEVNULL,
                             stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        if stop_after is not None:
            deadline = time.monotonic() + 120
            while count_lines(outdir / "index.jsonl") < stop_after:
                if p.poll() is not None or time.monotonic() > deadline:
                    sys.exit(f"run {name} did not reach {stop_after} results before ending")
                time.sleep(0.05)
            os.killpg(p.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        rc = p.wait(timeout=300)
        log.close()
        print(f"    exit {rc}, {count_lines(outdir / 'index.jsonl')} result lines", flush=True)


def build(agentv: str, proj: Path) -> None:
    (proj / "evals").mkdir(parents=True)
    (proj / ".agentv").mkdir()
    (proj / "crash").mkdir()
    (proj / "wrong").mkdir()
    (proj / "agent.py").write_text(AGENT_PY)
    (proj / ".agentv" / "targets.yaml").write_text(TARGETS_YAML)
    small = [f"greet-{i}" for i in range(1, 6)]
    long = [f"case-{i:02d}" for i in range(1, 13)]
    (proj / "evals" / "greetings.yaml").write_text(suite_yaml("greetings", small))
    (proj / "evals" / "long.yaml").write_text(suite_yaml("long", long))

    b = Builder(agentv, proj)
    b.mark()
    b.run("evals/greetings.yaml", "all-ok")
    b.mark()
    b.run("evals/long.yaml", "interrupted", "--workers", "1", delay=0.5, stop_after=6)
    b.mark(crash=small[1:3], wrong=small[3:4])
    b.run("evals/greetings.yaml", "errored")
    # The demo must succeed when resumed: crashed / wrong cases now pass.
    b.mark()
    (proj / "delay").write_text(DEMO_DELAY + "\n")
    for d in ("crash", "wrong"):
        (proj / d / ".gitkeep").touch()


def prune(proj: Path) -> None:
    """Drop what is not part of a user's project (caches, workspaces)."""
    for p in list(proj.rglob("__pycache__")):
        shutil.rmtree(p, ignore_errors=True)
    keep_top = {"targets.yaml", "results", "cache.json"}
    for p in (proj / ".agentv").iterdir():
        if p.name not in keep_top:
            print("  dropping .agentv/" + p.name + ("/" if p.is_dir() else ""))
            shutil.rmtree(p) if p.is_dir() else p.unlink()


def placeholder_paths(proj: Path) -> list[str]:
    """Every spelling of the generation dir agentv may have written, longest first."""
    forms = {str(proj), str(proj.resolve()), os.path.realpath(proj)}
    forms |= {json.dumps(f)[1:-1] for f in list(forms)}  # JSON-escaped
    return sorted(forms, key=len, reverse=True)


def replace_paths(proj: Path) -> None:
    forms = placeholder_paths(proj)
    tmp_forms = sorted({str(proj.parent), os.path.realpath(proj.parent)}, key=len, reverse=True)
    for f in sorted(proj.rglob("*")):
        if not f.is_file():
            continue
        try:
            text = f.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        new = text
        for form in forms:
            new = new.replace(form, PLACEHOLDER)
        if new != text:
            f.write_text(new, encoding="utf-8")
            print("  {PROJECT_ROOT} in", f.relative_to(proj))
        for form in tmp_forms:
            if form in new:
                sys.exit(f"{f.relative_to(proj)} still names the generation dir {form}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--agentv", default=os.environ.get("AGENTV_BIN") or str(DEFAULT_AGENTV))
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--keep-tmp", action="store_true", help="keep the generation dir (and agentv logs)")
    args = ap.parse_args()
    version = subprocess.run([args.agentv, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"agentv {version} ({args.agentv})")
    if version != "4.42.4":
        print("warning: the demo is meant to be made by agentv 4.42.4", file=sys.stderr)

    # Outside any git checkout, so agentv publishes nothing to a results branch.
    tmp = Path(tempfile.mkdtemp(prefix="agentv-demo-")).resolve()
    try:
        proj = tmp / "project"
        build(args.agentv, proj)
        prune(proj)
        replace_paths(proj)
        out = args.out.resolve()
        if out.exists():
            shutil.rmtree(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(proj, out)
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        files = sum(1 for p in out.rglob("*") if p.is_file())
        print(f"wrote {out} ({files} files, {size} bytes)")
    finally:
        if args.keep_tmp:
            print("kept", tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
