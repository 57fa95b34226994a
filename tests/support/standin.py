"""The one fake agentv: a tiny real executable, and helpers to launch and watch jobs.

pytest-subprocess cannot fake process groups, sessions, inherited locks or
signals, so the process-level tests run this script as "agentv": a list of
steps (print, append a result row, wait for a gate file, fork a child, ignore
SIGTERM, touch a file, kill itself, exit N) baked into an executable in tmp_path.  It notes
its pid, process group, session, cwd, argv and stdin — and those of the
children it forks — in a JSON-lines file the test reads.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

import pytest
from support.waiting import wait_for

from agentv_resume.jobs import process
from agentv_resume.jobs.states import TERMINAL
from agentv_resume.jobs.store import Job, JobStore
from agentv_resume.launching.launcher import detach, prepare, start
from agentv_resume.runs.project import Project
from agentv_resume.runs.reader import RunReader

INTERRUPTED = ".agentv/results/runs/default/interrupted"
RESUME_INTERRUPTED = {"suite_filter": "evals/long.yaml", "output": INTERRUPTED, "resume": True}

SCRIPT = r'''#!{python} -IS
import json, os, signal, sys, time
STEPS = {steps!r}
NOTES = {notes!r}

def note(**fields):
    with open(NOTES, "a") as handle:
        handle.write(json.dumps(fields) + "\n")

args = sys.argv[1:]
out = args[args.index("--output") + 1] if "--output" in args else "."
note(role="agentv", pid=os.getpid(), pgid=os.getpgrp(), sid=os.getsid(0), cwd=os.getcwd(),
     argv=args, stdin=os.readlink("/proc/self/fd/0"),
     fds=sorted(int(fd) for fd in os.listdir("/proc/self/fd")))
for step in STEPS:
    kind, arg = step[0], (step[1] if len(step) > 1 else None)
    if kind == "print":
        sys.stdout.write(arg); sys.stdout.flush()
    elif kind == "stderr":
        sys.stderr.write(arg); sys.stderr.flush()
    elif kind == "bytes":
        sys.stdout.buffer.write(arg); sys.stdout.flush()
    elif kind == "row":
        row = {{"test_id": arg, "suite": "long", "target": "default", "score": 1, "execution_status": "ok"}}
        with open(os.path.join(out, "index.jsonl"), "a") as handle:
            handle.write(json.dumps(row) + "\n")
    elif kind == "rewrite_index":
        # as agentv does as it ends: a new index.jsonl replaces the old one
        # (here: only the last `arg` lines kept, so it is shorter than before)
        path = os.path.join(out, "index.jsonl")
        with open(path) as handle:
            kept = handle.readlines()[-arg:]
        with open(path + ".tmp", "w") as handle:
            handle.writelines(kept)
        os.replace(path + ".tmp", path)
    elif kind == "wait":
        while not os.path.exists(arg):
            time.sleep(0.01)
    elif kind == "sleep":
        time.sleep(arg)
    elif kind == "ignore_term":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    elif kind == "child":
        pid = os.fork()
        if pid == 0:
            if arg == "ignore_term":
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
            time.sleep(600)
            os._exit(0)
        note(role="child", pid=pid)
    elif kind == "touch":
        open(arg, "a").close()
    elif kind == "kill_self":
        os.kill(os.getpid(), arg or signal.SIGKILL)
    elif kind == "exit":
        sys.exit(arg)
    elif kind == "replay":
        # A job the real agentv did (tests/fixtures/outcomes/<arg>): its run files after the job
        # into --output (the rows it wrote stamped now, as agentv stamps a row it runs), its
        # output, its exit code.
        job = json.load(open(os.path.join(arg, "job.json")))
        root = os.getcwd()
        now = time.time()
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + ".%03dZ" % (int(now * 1000) % 1000)
        for name in ("index.jsonl", "benchmark.json"):
            text = open(os.path.join(arg, "after", name)).read().replace("{{PROJECT_ROOT}}", root)
            if name == "index.jsonl":
                rows = [json.loads(line) for line in text.splitlines()]
                for row in rows:
                    if row.get("timestamp", "") >= job["started_at"]:
                        row["timestamp"] = stamp
                text = "".join(json.dumps(row) + "\n" for row in rows)
            with open(os.path.join(out, name), "w") as handle:
                handle.write(text)
        sys.stdout.write(job["log"].replace("{{PROJECT_ROOT}}", root))
        sys.stdout.flush()
        sys.exit(job["exit_code"])
    elif kind == "env_cases":
        # Driven by the environment, for jobs the server's supervisor starts:
        # FAKE_AGENTV_ROWS cases (2), FAKE_AGENTV_DELAY s before each, exit FAKE_AGENTV_EXIT.
        print("fake agentv", " ".join(args), flush=True)
        print("cwd", os.getcwd(), flush=True)
        for n in range(1, int(os.environ.get("FAKE_AGENTV_ROWS", "2")) + 1):
            time.sleep(float(os.environ.get("FAKE_AGENTV_DELAY", "0")))
            if "--output" in args:
                os.makedirs(out, exist_ok=True)
                with open(os.path.join(out, "index.jsonl"), "a") as handle:
                    handle.write(json.dumps({{"test_id": "fake-%d" % n, "target": "default", "score": 1,
                                              "execution_status": "ok"}}) + "\n")
            print("case fake-%d done \u2713" % n, flush=True)
        sys.exit(int(os.environ.get("FAKE_AGENTV_EXIT", "0")))
'''


class StandIn:
    def __init__(self, directory: Path, steps: list, name: str = "agentv"):
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / name
        self.notes_path = directory / f"{name}.notes"
        self.path.write_text(SCRIPT.format(python=sys.executable, steps=steps, notes=str(self.notes_path)))
        self.path.chmod(0o755)

    def notes(self) -> list[dict]:
        try:
            text = self.notes_path.read_text()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def started(self) -> bool:
        return any(note["role"] == "agentv" for note in self.notes())

    @property
    def agentv(self) -> dict:
        wait_for(self.started, what="the stand-in to start")
        return next(note for note in self.notes() if note["role"] == "agentv")

    def pids(self) -> list[int]:
        return [note["pid"] for note in self.notes()]

    def child_pids(self) -> list[int]:
        return [note["pid"] for note in self.notes() if note["role"] == "child"]

    def alive(self) -> list[int]:
        return [pid for pid in self.pids() if process.pid_alive(pid, None)]


@pytest.fixture
def standins(tmp_path):
    """make(steps) → StandIn; every process a stand-in noted is killed at the end."""
    made: list[StandIn] = []

    def make(steps: list, name: str = "agentv") -> StandIn:
        stand_in = StandIn(tmp_path / "bin", steps, name)
        made.append(stand_in)
        return stand_in

    yield make
    for stand_in in made:
        for pid in stand_in.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


@pytest.fixture
def short_grace(monkeypatch):
    monkeypatch.setattr("agentv_resume.jobs.store.STOP_GRACE_SECONDS", 0.5)
    return 0.5




class Launcher:
    """prepare/start/detach over one project, as the server does."""

    def __init__(self, root: Path):
        self.root = root
        self.project = Project(root)
        self.reader = RunReader(root)
        self.store = JobStore(root)

    def prepare(self, body: dict):
        return prepare(body, self.project, self.reader)

    def start(self, body: dict, agentv, source: str = "server"):
        return start(self.prepare(body), self.project, self.reader, self.store,
                            agentv=str(agentv), source=source)

    def detach(self, body: dict, agentv) -> Job:
        job, lock_fd = self.start(body, agentv)
        detach(job, lock_fd)
        return job

    def status(self, job_id: str) -> dict:
        job = self.store.get(job_id)
        assert job is not None, job_id
        return self.store.status(job)

    def wait_status(self, job_id: str, *wanted: str, timeout: float = 15.0) -> dict:
        seen = {}

        def reached():
            seen["status"] = self.status(job_id)
            return seen["status"]["status"] in wanted

        wait_for(reached, timeout, what=f"job {job_id} to be {'/'.join(wanted)} (last: {seen.get('status')})")
        return seen["status"]

    def wait_end(self, job_id: str, timeout: float = 15.0) -> dict:
        return self.wait_status(job_id, *TERMINAL, timeout=timeout)


@pytest.fixture
def launcher(project) -> Launcher:
    return Launcher(project)


def fresh(name: str) -> dict:
    return {"suite_filter": "evals/greetings.yaml", "output": f".agentv/results/runs/default/{name}"}
