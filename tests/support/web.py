"""Helpers shared by the web tests: the app's client, the fake agentv as AGENTV_BIN, job waiting, HTML queries."""

from __future__ import annotations

import json
import os
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from agentv_resume.jobs.states import TERMINAL
from agentv_resume.web.app import create_app
from support.standin import StandIn
from support.testclient import Client
from support.waiting import wait_for

RUNS_DIR = Path(".agentv/results/runs/default")

def write_fake_agentv(directory: Path) -> Path:
    """The one fake agentv (support.standin), its steps set by FAKE_AGENTV_* variables."""
    return StandIn(Path(directory), [("env_cases",)], name="fake-agentv").path


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
    """The job's status once it has ended (through the API, as the page polls it)."""
    seen: dict = {}

    def ended():
        seen.update(client.get(f"{prefix}/eval/status/{job_id}").json)
        return seen["status"] in TERMINAL

    wait_for(ended, timeout, what=f"job {job_id} to end (last: {seen.get('status')})", interval=0.05)
    return seen




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
