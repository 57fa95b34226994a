"""Helpers shared by the web tests: a fake agentv executable, job waiting, HTML queries."""

from __future__ import annotations

import json
import os
import stat
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from waiting import wait_for  # noqa: F401  (re-exported)

from agentv_resume.jobs.states import TERMINAL
from agentv_resume.web.app import create_app
from agentv_resume.web.testclient import Client

RUNS_DIR = Path(".agentv/results/runs/default")

# A stand-in for the agentv CLI, run for real by the real supervisor: it
# appends result rows to --output/index.jsonl as agentv does, prints a line
# per case, and can be slowed down (FAKE_AGENTV_DELAY) so Stop can be tested.
FAKE_AGENTV = """\
#!{python}
import json, os, sys, time
args = sys.argv[1:]
print("fake agentv", " ".join(args), flush=True)
print("cwd", os.getcwd(), flush=True)
out = args[args.index("--output") + 1] if "--output" in args else None
rows = int(os.environ.get("FAKE_AGENTV_ROWS", "2"))
delay = float(os.environ.get("FAKE_AGENTV_DELAY", "0"))
for n in range(1, rows + 1):
    time.sleep(delay)
    if out:
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "index.jsonl"), "a") as handle:
            handle.write(json.dumps({{"test_id": "fake-%d" % n, "target": "default", "score": 1,
                                      "execution_status": "ok"}}) + "\\n")
    print("case fake-%d done ✓" % n, flush=True)
sys.exit(int(os.environ.get("FAKE_AGENTV_EXIT", "0")))
"""


def write_fake_agentv(directory: Path) -> Path:
    path = Path(directory) / "fake-agentv"
    path.write_text(FAKE_AGENTV.format(python=sys.executable))
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


@pytest.fixture
def fake_agentv(tmp_path: Path, monkeypatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    path = write_fake_agentv(bin_dir)
    monkeypatch.setenv("AGENTV_BIN", str(path))
    monkeypatch.delenv("FAKE_AGENTV_DELAY", raising=False)
    monkeypatch.delenv("FAKE_AGENTV_ROWS", raising=False)
    monkeypatch.delenv("FAKE_AGENTV_EXIT", raising=False)
    return path


@pytest.fixture
def no_agentv(tmp_path: Path, monkeypatch) -> Path:
    missing = tmp_path / "no-such-agentv"
    monkeypatch.setenv("AGENTV_BIN", str(missing))
    return missing


def client_for(*projects: Path, **kw) -> Client:
    return Client(create_app(list(projects), **kw))


@pytest.fixture
def client(project: Path) -> Client:
    return client_for(project)


def run_body(project: Path, run: str, mode: str = "resume", **extra) -> dict:
    """The body the run page's button sends for fixture run ``run``."""
    body = {"suite_filter": "evals/long.yaml" if run == "interrupted" else "evals/greetings.yaml",
            "target": ["default"], "output": str(RUNS_DIR / run), mode: True}
    body.update(extra)
    return body


def wait_terminal(client: Client, job_id: str, prefix: str = "/api", timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        data = client.get(f"{prefix}/eval/status/{job_id}").json
        if data["status"] in TERMINAL:
            return data
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {data['status']} after {timeout}s: {data}")
        time.sleep(0.05)




def set_mtime(run_dir: Path, when: float) -> None:
    os.utime(run_dir / "index.jsonl", (when, when))


def order_runs(project: Path, names: list[str]) -> None:
    """Give the fixture runs distinct mtimes: ``names`` newest first."""
    now = time.time()
    for age, name in enumerate(names):
        set_mtime(project / RUNS_DIR / name, now - 100 * (age + 1))


# --- HTML queries -------------------------------------------------------------

class Element:
    def __init__(self, tag: str, attrs: dict, position: int):
        self.tag = tag
        self.attrs = attrs
        self.position = position
        self.text = ""

    def get(self, name, default=None):
        return self.attrs.get(name, default)

    def __repr__(self) -> str:
        return f"<{self.tag} {self.attrs} {self.text!r}>"


_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: (v if v is not None else "") for k, v in attrs}, len(self.elements))
        self.elements.append(element)
        if tag not in _VOID:
            self._open.append(element)

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                break

    def handle_data(self, data):
        for element in self._open:
            element.text += data


def parse(html: str) -> list[Element]:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector.elements


def find(html: str, **attrs) -> list[Element]:
    """Elements whose attributes match (``data_testid=`` for ``data-testid``)."""
    wanted = {k.replace("_", "-"): v for k, v in attrs.items()}
    return [e for e in parse(html) if all(e.attrs.get(k) == v for k, v in wanted.items())]


def one(html: str, **attrs) -> Element:
    found = find(html, **attrs)
    assert len(found) == 1, f"expected one element with {attrs}, found {found}"
    return found[0]


def text_of(element: Element) -> str:
    return " ".join(element.text.split())


def body_of(element: Element) -> dict:
    return json.loads(element.get("data-body"))
