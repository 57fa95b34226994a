"""Fixtures every test may ask for: a fixture project, the CLI, and the search ceiling."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from support.builders import FIXTURE_PROJECT, RUNS, fill_project_root


@pytest.fixture(autouse=True)
def project_search_ceiling(tmp_path: Path, monkeypatch) -> Path:
    """No test sees a stray .agentv above its own temporary folder (one left in
    /tmp by an agentv run there would otherwise be found by the upward search).
    Subprocesses inherit it through the environment."""
    ceiling = tmp_path.parent
    monkeypatch.setenv("STUDIO_RESUME_CEILING", str(ceiling))
    return ceiling


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the fixture project (runs: errored, all-ok, quality-only, interrupted)."""
    root = tmp_path / "proj"
    shutil.copytree(FIXTURE_PROJECT, root)
    fill_project_root(root)
    # A checkout gives every file its own time: the runs get an order instead, errored the
    # newest (the run its cache.json names, as if agentv had made it last), so `last` is errored.
    for age, name in enumerate(["errored", "interrupted", "quality-only", "all-ok"]):
        when = 1_700_000_000 - age * 60  # 2023: in the past, as a finished run is
        os.utime(root / RUNS / name / "index.jsonl", (when, when))
    return root


@pytest.fixture
def cli(monkeypatch, tmp_path):
    """Run `studio-resume ARGS...` with Click's CliRunner, in ``cwd`` (default: tmp_path).

    ``result.stdout`` and ``result.stderr`` are kept apart."""
    from click.testing import CliRunner

    from agentv_resume.cli import main

    def invoke(*args, cwd: Path | None = None, **kwargs):
        monkeypatch.chdir(cwd or tmp_path)
        return CliRunner().invoke(main, [str(a) for a in args], **kwargs)

    return invoke
