"""End-to-end fixtures: the real agentv CLI, a real `studio-resume serve`, a real browser.

- ``template_project`` (session): one agentv project whose runs the real CLI
  wrote (errored, all-ok, interrupted, slow); ``project`` copies it per test.
- ``serve``: starts `studio-resume serve --project DIR --port 0` as a
  subprocess and waits for the URL it prints.
- ``page``: headless Debian chromium through Playwright (never downloaded).
- ``shots``: screenshots under test-artifacts/e2e/<test name>/.

Missing agentv, chromium or playwright: skipped with what to install, or a
failure when CI is set (CI must never skip these silently).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from agentv_project import ProjectBuilder, copy_project
from e2e_support import Server, Shots, kill_processes_in, studio_resume_cmd

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SERVER_START_TIMEOUT = 30.0
URL_RE = re.compile(r"https?://(?:127\.0\.0\.1|localhost|\[::1\]):\d+/?")

_screenshot_dirs: list[Path] = []


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Everything under tests/e2e is e2e (before `-m 'not e2e'` deselects): the default
    suite never starts the real agentv, whether or not a file remembers its marker."""
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


# --- what the e2e tests need ---------------------------------------------------

def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def find_agentv() -> str | None:
    """$AGENTV_BIN (what scripts/test sets), else .tools/agentv, else agentv on PATH."""
    configured = os.environ.get("AGENTV_BIN", "").strip()
    if configured:
        parts = shlex.split(configured)
        return shutil.which(parts[0]) if parts else None
    local = REPO / ".tools" / "agentv" / "node_modules" / ".bin" / "agentv"
    if os.access(local, os.X_OK):
        return str(local)
    return shutil.which("agentv")


def _missing() -> list[str]:
    missing = []
    if find_agentv() is None:
        where = f"AGENTV_BIN={os.environ['AGENTV_BIN']!r} " if os.environ.get("AGENTV_BIN") else ""
        missing.append(f"the agentv CLI ({where}not found; `scripts/setup` installs agentv@4.42.4 "
                       "under .tools/agentv, or set AGENTV_BIN)")
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(f"chromium at {CHROMIUM} (Debian's package; never a downloaded browser)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("playwright for Python (the test extras: pip install -e '.[test]')")
    return missing


@pytest.fixture(scope="session")
def e2e_ready() -> None:
    missing = _missing()
    if not missing:
        return
    text = "; ".join(missing)
    if _in_ci():
        pytest.fail(f"e2e tests cannot run in CI, missing: {text}", pytrace=False)
    pytest.skip(f"e2e needs {text} — install them with `scripts/setup --browser`")


@pytest.fixture(autouse=True)
def _require_e2e(e2e_ready) -> None:
    """Every test in tests/e2e needs agentv, chromium and playwright."""


# --- agentv projects -------------------------------------------------------------

@pytest.fixture(scope="session")
def agentv_bin(e2e_ready) -> str:
    return find_agentv()


@pytest.fixture(scope="session")
def agentv_home(tmp_path_factory) -> Path:
    """agentv's own home (config, registry) kept out of the developer's ~/.agentv."""
    return tmp_path_factory.mktemp("agentv-home")


@pytest.fixture(scope="session")
def template_project(tmp_path_factory, agentv_bin, agentv_home) -> Path:
    root = tmp_path_factory.mktemp("agentv-template") / "project"
    ProjectBuilder(agentv_bin, agentv_home).build_template(root)
    return root


@pytest.fixture
def project(template_project, tmp_path) -> Path:
    """A fresh copy of the template project; processes left in it are ended after the test."""
    root = copy_project(template_project, tmp_path.resolve() / "proj")
    yield root
    leftovers = kill_processes_in(root)
    if leftovers:
        print(f"e2e: ended processes left in {root}: {leftovers}", file=sys.stderr)


@pytest.fixture
def e2e_env(agentv_bin, agentv_home) -> dict:
    """The environment studio-resume (and so agentv) runs in."""
    return dict(os.environ, AGENTV_BIN=agentv_bin, AGENTV_HOME=str(agentv_home),
                AGENTV_NO_UPDATE_CHECK="1", PYTHONUNBUFFERED="1")


# --- the server ------------------------------------------------------------------

@pytest.fixture
def serve(e2e_env, request):
    """serve(project, *extra_args) -> Server, a real `studio-resume serve` subprocess."""
    started: list[Server] = []

    def start(project: Path, *extra: str) -> Server:
        cmd = studio_resume_cmd("--project", str(project), "serve", "--port", "0", *extra)
        proc = subprocess.Popen(cmd, cwd=project, env=e2e_env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        server = Server(proc, project)
        started.append(server)
        found = threading.Event()

        def pump() -> None:
            with proc.stdout:
                for raw in iter(proc.stdout.readline, b""):
                    line = raw.decode("utf-8", "replace")
                    server.output.append(line)
                    match = URL_RE.search(line)
                    if match and not found.is_set():
                        server.url = match.group(0).rstrip("/")
                        found.set()

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        server.reader = reader
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not found.wait(0.05):
            if proc.poll() is not None or time.monotonic() > deadline:
                reader.join(2)
                pytest.fail(f"`{shlex.join(cmd)}` printed no URL (exit {proc.poll()}):\n{server.log()}",
                            pytrace=False)
        return server

    yield start
    for server in reversed(started):
        server.stop()
        request.node.add_report_section("teardown", "studio-resume serve output", server.log())


# --- the browser -----------------------------------------------------------------

@pytest.fixture(scope="session")
def browser(e2e_ready):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def shots(request) -> Shots:
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", request.node.name).strip("_")
    folder = REPO / "test-artifacts" / "e2e" / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    request.node.user_properties.append(("screenshots", str(folder)))
    _screenshot_dirs.append(folder)
    return Shots(folder)


@pytest.fixture
def page(browser, shots, request):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        for number, open_page in enumerate(context.pages):
            try:
                shots.take(open_page, f"failure-{number}")
            except Exception as exc:  # the page may be gone; the failure matters more
                print(f"e2e: no failure screenshot: {exc}", file=sys.stderr)
    context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report


def pytest_terminal_summary(terminalreporter):
    if not _screenshot_dirs:
        return
    root = REPO / "test-artifacts" / "e2e"
    terminalreporter.write_sep("-", "e2e screenshots")
    terminalreporter.write_line(f"e2e screenshots: {root.relative_to(REPO)}/ ({len(_screenshot_dirs)} tests)")
    for folder in _screenshot_dirs:
        count = len(list(folder.glob("*.png")))
        terminalreporter.write_line(f"  {folder.relative_to(REPO)}/  {count} screenshot(s)")

