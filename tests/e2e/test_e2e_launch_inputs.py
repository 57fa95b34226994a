"""The run page's launch fields in a real browser (issue 11): the chosen targets and the
suite file(s) go into the body the button posts; the button waits until they are given;
the server's refusal of a bad suite file is shown on the page."""

from __future__ import annotations

import json

import pytest

from support.builders import scenario_project

pytestmark = pytest.mark.e2e

RESUME = '[data-testid="resume-run-button"]'


def test_target_choices_fill_the_body_and_enable_the_button(tmp_path, serve, page):
    root = scenario_project("matrix-target-silent", tmp_path / "m")
    server = serve(root)
    page.goto(f"{server.url}/runs/matrix")
    button = page.locator(RESUME)
    assert button.get_attribute("aria-disabled") == "true"
    assert "inputs-reason" in button.get_attribute("aria-describedby")
    page.get_by_label("alt").check()
    page.get_by_label("default").check()
    assert button.get_attribute("aria-disabled") is None
    body = json.loads(button.get_attribute("data-body"))
    assert body["target"] == ["default", "alt"] and body["resume"] is True
    assert body["suite_filter"] == "evals/greetings.yaml"
    page.get_by_label("alt").uncheck()
    page.get_by_label("default").uncheck()
    assert button.get_attribute("aria-disabled") == "true" and button.get_attribute("data-body") is None
    assert "choose at least one target" in page.locator("#inputs-reason").inner_text()


def test_suite_field_is_sent_and_a_refusal_is_shown(tmp_path, serve, page):
    root = scenario_project("multi-file", tmp_path / "mf")
    server = serve(root)
    page.goto(f"{server.url}/runs/glob-stopped")
    button = page.locator(RESUME)
    assert button.get_attribute("aria-disabled") == "true"
    page.get_by_label("Suite file(s)").fill("../outside.yaml")
    body = json.loads(button.get_attribute("data-body"))
    assert body["suite_filter"] == "../outside.yaml" and body["target"] == ["default"]
    button.click()
    alert = page.locator('[data-role="action-error"]')
    alert.wait_for(state="visible")
    assert alert.inner_text().strip()
    assert "/jobs/" not in page.url


def test_pages_with_launch_fields_pass_axe(tmp_path, serve, browser, shots):
    from test_e2e_a11y import check_pages

    problems = []
    for name, run in (("matrix-target-silent", "matrix"), ("multi-file", "glob-stopped")):
        server = serve(scenario_project(name, tmp_path / name))
        problems += check_pages(browser, shots, {name: f"{server.url}/runs/{run}"}, "")
    assert not problems, "axe found serious or critical problems:\n" + "\n".join(problems)
