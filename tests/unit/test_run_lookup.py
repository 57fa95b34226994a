"""A run looked up by id (a run page, `inspect RUN`) costs its own run, not a walk of all of them."""

from __future__ import annotations

import os
import time

from agentv_resume.runs.project import Project
from support.builders import make_run, row


def age(root):
    old = time.time() - 60
    for path in [root / ".agentv", *(root / ".agentv").rglob("*")]:
        os.utime(path, (old, old), follow_symlinks=False)


def test_no_walk_while_no_folder_changed_and_a_clash_is_seen_at_once(project, monkeypatch):
    age(project)
    found = Project(project)
    found.runs()
    walks = []
    real = Project._run_dirs
    monkeypatch.setattr(Project, "_run_dirs", lambda self, *a: walks.append(1) or real(self, *a))
    assert found.run_by_id("errored").id == "errored"
    assert found.run_by_id("all-ok").path.endswith("all-ok")
    assert walks == []
    # Rows appended: the same run, its new stamp (still no walk).
    with open(project / ".agentv/results/runs/default/errored/index.jsonl", "a") as out:
        out.write('{"test_id": "new", "score": 1}\n')
    assert found.run_by_id("errored").index_stamp[2] == os.stat(
        project / ".agentv/results/runs/default/errored/index.jsonl").st_size
    assert walks == []
    # Another experiment's run of the same name: both ids change, and that shows.
    make_run(project, "errored", [row("a")], experiment="nightly")
    assert found.run_by_id("errored") is None
    assert found.run_by_id("default--errored").id == "default--errored"
    assert walks
