"""Every page through axe-core, in light and dark, at 1280x800 and 390x844.

axe-core comes from npm (`scripts/setup --browser` puts the pinned version
under .tools/axe, or set AXE_CORE_JS) and is injected by Playwright as an
init script, which the pages' CSP does not apply to.  No serious or critical
violation may remain; every page is screenshotted in both themes and sizes
(test-artifacts/e2e/<test>/).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from agentv_project import RUNS
from e2e_support import TERMINAL, expect, wait_for_job_status

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
THEMES = ("light", "dark")
SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
BLOCKING = ("serious", "critical")

AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 4).map(n => n.target.join(" ") + " :: " + (n.failureSummary || "").split("\\n").slice(0, 2).join(" "))
  }));
}"""


def axe_source() -> str:
    configured = os.environ.get("AXE_CORE_JS", "").strip()
    candidates = [Path(configured)] if configured else []
    candidates.append(REPO / ".tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js")
    for path in candidates:
        if path.is_file():
            return path.read_text(encoding="utf-8")
    message = "axe-core not found: run `scripts/setup --browser` (installs it under .tools/axe) or set AXE_CORE_JS"
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def check_pages(browser, shots, urls: dict[str, str], tag: str, before=None) -> list[str]:
    """axe over each url in each theme and size; returns the blocking violations, described."""
    source = axe_source()
    problems = []
    for theme in THEMES:
        for size_name, (width, height) in SIZES.items():
            context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=theme)
            context.add_init_script(script=source)
            page = context.new_page()
            errors = []
            page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
            try:
                for name, url in urls.items():
                    page.goto(url)
                    page.wait_for_load_state("networkidle")
                    if before:
                        before(page, name)
                    shots.take(page, f"{tag}{name}-{theme}-{size_name}")
                    for v in page.evaluate(AXE_RUN):
                        if v["impact"] in BLOCKING:
                            problems.append(f"{name} ({theme}, {size_name}): {v['impact']} {v['id']}: {v['help']}\n    "
                                            + "\n    ".join(v["nodes"]))
                problems.extend(f"script error ({theme}, {size_name}): {e}" for e in errors)
            finally:
                context.close()
    return problems


def test_every_page_passes_axe_in_both_themes_and_sizes(project, serve, browser, shots):
    server = serve(project)
    # A job of our own, so the job pages are real: rerun the errored run's failures.
    body = {"suite_filter": "evals/greetings.yaml", "target": ["default"],
            "output": str(RUNS / "errored"), "rerun_failed": True}
    status, answer = server.post_json("/api/eval/run", body)
    assert status == 202, answer
    job_id = answer["id"]
    base = server.url
    urls = {
        "runs": f"{base}/",
        "runs-attention": f"{base}/?show=attention",
        "run-errored": f"{base}/runs/errored",
        "run-interrupted": f"{base}/runs/interrupted",
        "run-all-ok": f"{base}/runs/all-ok",
        "job": f"{base}/jobs/{job_id}",
        "jobs": f"{base}/jobs",
        "not-found": f"{base}/runs/no-such-run",
    }
    problems = check_pages(browser, shots, urls, "")

    # The keyboard help, open.
    def open_help(page, name):
        page.keyboard.press("?")
        expect(page.locator("#keys-help")).to_be_visible()

    problems += check_pages(browser, shots, {"help": f"{base}/"}, "", before=open_help)
    assert not problems, "axe found serious or critical problems:\n" + "\n".join(problems)


def test_read_only_pages_pass_axe(project, serve, browser, shots):
    server = serve(project, "--read-only")
    urls = {"run-errored-read-only": f"{server.url}/runs/errored", "runs-read-only": f"{server.url}/"}
    problems = check_pages(browser, shots, urls, "")
    assert not problems, "axe found serious or critical problems:\n" + "\n".join(problems)


def test_needs_attention_is_one_click_and_the_keyboard_reaches_everything(project, serve, page, shots):
    server = serve(project)
    page.goto(server.url + "/")
    page.wait_for_load_state("networkidle")
    rows = page.locator("tr[data-run-id]")
    runs = server.get_json("/api/runs")["runs"]
    expect(rows).to_have_count(len(runs))
    # What needs attention, from the API: errors, missing cases, or failed checks.
    wanted = sorted(r["id"] for r in runs if r["state"] in ("errored", "incomplete", "unreadable")
                    or (r["counts"] or {}).get("quality_failure"))
    assert wanted and len(wanted) < len(runs)
    page.get_by_role("button", name="Needs attention").click()
    visible = page.locator("tr[data-run-id]:visible")
    expect(visible).to_have_count(len(wanted))
    assert sorted(visible.evaluate_all("rows => rows.map(r => r.dataset.runId)")) == wanted
    assert "show=attention" in page.url
    shots.take(page, "runs-needs-attention")

    page.keyboard.press("/")
    page.keyboard.type(wanted[0])
    expect(visible).to_have_count(1)
    page.keyboard.press("Escape")
    page.keyboard.press("?")
    expect(page.locator("#keys-help")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#keys-help")).to_be_hidden()

    page.goto(server.url + "/runs/errored")
    page.wait_for_load_state("networkidle")
    page.keyboard.press("r")
    expect(page.get_by_test_id("resume-run-button")).to_be_focused()
    shots.take(page, "run-resume-focused")
