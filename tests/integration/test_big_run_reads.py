"""A big run is read once at a time: the start-up read and a run page share it.

A server starts by listing every run (its warm-up); a run page opened
meanwhile for a run the list is reading waits for that read and answers
from the same view, instead of parsing the same 864 MB beside it.  A run
nobody opened is still let go once the list has its summary.
"""

from __future__ import annotations

import threading
import time

from agentv_resume.runs.scanner import IndexScanner
from agentv_resume.web import runs as web_runs
from support.web import client_for


def _bench(client):
    return next(iter(client.app.studio.benchmarks.values()))


def test_a_run_page_opened_during_the_lists_first_read_shares_it(project, monkeypatch):
    client = client_for(project)
    bench = _bench(client)
    reads, started, release = [], threading.Event(), threading.Event()
    real = IndexScanner.scan

    def scan(self, *args, **kwargs):
        before = self._last
        if self.path.parent.name == "errored" and not release.is_set():
            started.set()
            release.wait(20)
        snapshot = real(self, *args, **kwargs)
        if snapshot is not before:
            reads.append(self.path.parent.name)
        return snapshot

    monkeypatch.setattr(IndexScanner, "scan", scan)
    warm = threading.Thread(target=web_runs.warm_up, args=(bench,))
    warm.start()
    pages = []
    try:
        assert started.wait(10)  # the list is reading "errored"
        page = threading.Thread(target=lambda: pages.append(client.get("/api/runs/errored")))
        page.start()
        entry = bench.reader._entries[str(project / ".agentv/results/runs/default/errored")]
        deadline = time.monotonic() + 10
        while not entry.kept and time.monotonic() < deadline:  # the page asked, and waits
            time.sleep(0.01)
        assert entry.kept
    finally:
        release.set()
    warm.join(20)
    page.join(20)
    assert reads.count("errored") == 1, reads  # one read, shared
    assert pages[0].status == 200 and pages[0].json["records"] == 5
    # The page opened it: kept, as any opened run (its next page is a stat).
    assert bench.reader.read(project / ".agentv/results/runs/default/errored") is entry.view
    assert reads.count("errored") == 1


def test_a_run_nobody_opened_is_let_go_after_the_lists_read(project, monkeypatch):
    client = client_for(project)
    bench = _bench(client)
    assert client.get("/api/runs").status == 200
    assert bench.reader._entries == {}  # four runs summarised, no scanner kept
    reads = []
    real = IndexScanner.scan

    def scan(self, *args, **kwargs):
        before = self._last
        snapshot = real(self, *args, **kwargs)
        if snapshot is not before:
            reads.append(self.path.parent.name)
        return snapshot

    monkeypatch.setattr(IndexScanner, "scan", scan)
    # Opened after the list let it go: read again, and kept from then on.
    assert client.get("/api/runs/errored").json["records"] == 5
    assert client.get("/api/runs/errored").json["records"] == 5
    assert reads == ["errored"]
    assert list(bench.reader._entries) == [str(project / ".agentv/results/runs/default/errored")]
