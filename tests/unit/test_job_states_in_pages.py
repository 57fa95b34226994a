"""The pages' script gets the job states from the server; it spells none itself."""

from __future__ import annotations

import json
import re
from pathlib import Path

from agentv_resume.jobs.states import JobStatus, as_json
from support.web import client_for, parse

APP_JS = Path(__file__).resolve().parents[2] / "agentv_resume" / "web" / "static" / "app.js"


def test_app_js_decides_nothing_by_a_spelled_job_status():
    """No comparison with, and no list of, job statuses in the script (a run's
    "running" state in a selector is the runs list's, not a job's)."""
    names = "|".join(status.value for status in JobStatus)
    compared = re.compile(r"""[!=]==?\s*["'](%s)["']|["'](%s)["']\s*[!=]==?""" % (names, names))
    listed = re.compile(r"""\[\s*["'](%s)["']""" % names)
    text = APP_JS.read_text()
    assert compared.findall(text) == [] and listed.findall(text) == []


def test_every_page_carries_the_states(project):
    html = client_for(project).get("/").text
    (root,) = [element for element in parse(html) if element.tag == "html"]
    states = json.loads(root.get("data-job-states"))
    assert states == as_json() and "finished" in states["terminal"]
