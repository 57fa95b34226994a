"""Helpers for the e2e tests: the server handle, HTTP, screenshots, processes, waiting."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

TERMINAL = ("finished", "failed", "stopped", "lost")
JOB_URL = re.compile(r"/jobs/([A-Za-z0-9._-]+)$")


def studio_resume_cmd(*args: str) -> list[str]:
    """The installed package, run by the interpreter running the tests."""
    return [sys.executable, "-m", "agentv_resume", *args]


class Server:
    """A running `studio-resume serve`: its URL, output and plain-HTTP access."""

    def __init__(self, proc: subprocess.Popen, project: Path):
        self.proc = proc
        self.project = project
        self.url = ""
        self.output: list[str] = []
        self.reader = None

    def log(self) -> str:
        return "".join(self.output)

    def request(self, method: str, path: str, body=None, headers: dict | None = None) -> tuple[int, dict | str]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=15) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as err:
            with err:
                status, raw = err.code, err.read()
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode("utf-8", "replace")

    def get_json(self, path: str) -> dict:
        status, data = self.request("GET", path)
        assert status == 200, f"GET {path} -> {status}: {data}"
        return data

    def post_json(self, path: str, body) -> tuple[int, dict | str]:
        # urllib sends Host: 127.0.0.1:<port>, the address served.
        return self.request("POST", path, body, {"Content-Type": "application/json"})

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.reader is not None:
            self.reader.join(5)


class Shots:
    """Numbered full-page screenshots in one folder per test."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.count = 0

    def take(self, page, label: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


# --- processes ------------------------------------------------------------------

def processes_in(root: Path, exclude: tuple[int, ...] = ()) -> dict[int, str]:
    """pid → command line of every process whose command line or cwd is in ``root``."""
    needle = str(root)
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in exclude or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                cmdline = handle.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
            if not cmdline:
                continue  # a zombie or kernel thread
            try:
                cwd = os.readlink(f"/proc/{entry}/cwd")
            except OSError:
                cwd = ""
        except OSError:
            continue
        if needle in cmdline or cwd == needle or cwd.startswith(needle + "/"):
            found[int(entry)] = cmdline
    return found


def kill_processes_in(root: Path) -> dict[int, str]:
    """End what a test left running in its own project (by pid); returns what it found."""
    found = processes_in(root)
    for pid in found:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return found



# --- the pages --------------------------------------------------------------------

def job_id_from(page) -> str:
    path = page.url.split("?", 1)[0].split("#", 1)[0]
    match = JOB_URL.search(path)
    assert match, f"not a job page: {page.url}"
    return match.group(1)


def wait_for_job_status(page, wanted: tuple[str, ...] = TERMINAL, timeout: float = 90) -> str:
    """Poll the page's job-status until it shows one of ``wanted``; returns it."""
    status = page.get_by_test_id("job-status")
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = status.inner_text().strip().lower()
        for word in wanted:
            if re.search(rf"\b{word}\b", text):
                return word
        page.wait_for_timeout(150)
    raise AssertionError(f"job-status still {text!r} after {timeout:.0f}s (wanted {wanted})")


def in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    size = page.viewport_size
    return bool(box) and box["y"] >= 0 and box["y"] + box["height"] <= size["height"] \
        and box["x"] >= 0 and box["x"] + box["width"] <= size["width"]


# --- the run on disk ------------------------------------------------------------------

def assert_completed_in_place(run_dir: Path, planned_ids: list[str], before: dict[str, set[str]],
                              runs_before: list[Path]) -> None:
    """Every planned case ok, in the same run dir; lines of cases that were ok are untouched."""
    from agentv_project import last_status, lines_by_test, run_dirs

    index = run_dir / "index.jsonl"
    statuses = last_status(index)
    assert sorted(statuses) == sorted(planned_ids), f"cases in {index}: {sorted(statuses)}"
    not_ok = {test_id: status for test_id, status in statuses.items() if status != "ok"}
    assert not not_ok, f"cases not ok after the job: {not_ok}"
    after = lines_by_test(index)
    for test_id, lines in before.items():
        if all(json.loads(line).get("execution_status", "ok") == "ok" for line in lines):
            # agentv leaves the lines of cases it skipped byte for byte (and may
            # repeat re-run lines, which are not these).
            assert after[test_id] == lines, f"the line(s) of {test_id}, which had passed, changed"
    project = run_dir.parents[4]
    assert run_dirs(project) == runs_before, "a new run directory appeared instead of finishing in place"


def expect(*args, **kwargs):
    """playwright's expect, imported late so a missing playwright skips (or fails in CI) cleanly."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(*args, **kwargs)


def progress_of(page) -> tuple[int, int]:
    """(done, planned) as the job page's progress bar shows it."""
    bar = page.get_by_test_id("job-progress")
    info = bar.evaluate("""el => ({
        tag: el.tagName, value: el.getAttribute('value'), max: el.getAttribute('max'),
        now: el.getAttribute('aria-valuenow'), top: el.getAttribute('aria-valuemax'),
        text: el.innerText})""")
    if info["now"] is not None and info["top"] is not None:
        return int(float(info["now"])), int(float(info["top"]))
    if info["tag"] == "PROGRESS" and info["value"] is not None and info["max"] is not None:
        return int(float(info["value"])), int(float(info["max"]))
    match = re.search(r"(\d+)\s*/\s*(\d+)", info["text"] or "")
    assert match, f"cannot read the progress bar: {info}"
    return int(match.group(1)), int(match.group(2))
