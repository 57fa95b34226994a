"""Every text a page shows from files is capped: a huge error, test id or
target makes a page of a few hundred KiB, never one the size of the file."""

from __future__ import annotations

import json

import pytest

from agentv_resume.safetext import PAGE_TEXT_LIMIT
from support.builders import make_run, row
from support.web import client_for, find

pytestmark = pytest.mark.timeout(120)

MB = 1024 * 1024


@pytest.mark.parametrize("field", ["error", "test_id", "target"])
def test_a_huge_value_in_index_jsonl_makes_a_small_run_page(project, field):
    huge = "E" * (8 * MB)
    values = {"test_id": "t-1", "target": "default", "error": "short"}
    values[field] = huge
    rows = [row(values["test_id"], "execution_error", target=values["target"], error=values["error"]),
            row("t-2", "execution_error", error=huge)]
    make_run(project, "huge", rows, planned=3)
    client = client_for(project)
    page = client.get("/runs/huge")
    assert page.status == 200
    assert len(page.body) < 200_000, len(page.body)
    assert "more characters" in page.text


def test_a_launch_too_big_for_a_request_is_a_disabled_button_with_its_reason(project):
    make_run(project, "long-target", [row("t-1", "execution_error", target="T" * 100_000, error="x")], planned=1)
    page = client_for(project).get("/runs/long-target")
    assert len(page.body) < 200_000
    button = find(page.text, **{"data-testid": "resume-run-button"})[0]
    assert button.get("aria-disabled") == "true" and not button.get("data-body")
    assert "over 64 KiB" in page.text


def test_the_error_tooltip_is_capped_but_begins_with_the_error(project):
    error = "Traceback: " + "x" * (3 * MB)
    make_run(project, "tooltip", [row("t-1", "execution_error", error=error)], planned=1)
    page = client_for(project).get("/runs/tooltip")
    titles = [e.get("title") for e in find(page.text) if (e.get("title") or "").startswith("Traceback: ")]
    assert titles and all(len(t) <= PAGE_TEXT_LIMIT + 40 for t in titles)


def test_values_the_page_needs_whole_are_not_cut(project):
    # A Resume body naming many targets must stay valid JSON however long it is.
    targets = [f"target-{n:04d}-" + "t" * 20 for n in range(200)]
    rows = [row("t-1", "execution_error", target=t, error="boom") for t in targets]
    make_run(project, "many-targets", rows, planned=len(targets) * 2, targets=targets)
    page = client_for(project).get("/runs/many-targets")
    bodies = [e.get("data-body") for e in find(page.text) if e.get("data-body")]
    assert bodies
    for body in bodies:
        assert len(body) > PAGE_TEXT_LIMIT
        assert set(json.loads(body)["target"]) == set(targets)
