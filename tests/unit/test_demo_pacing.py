"""The demo is paced so a user can watch a job's progress bar and try Stop.

Measured with agentv 4.42.4 on a copy of the demo: resuming `interrupted`
(6 missing cases) takes about 16 s, one result every ~2.6 s.
"""
import yaml

from agentv_resume.demo import copy_demo_project


def test_each_case_takes_a_few_seconds(tmp_path):
    root = copy_demo_project(tmp_path)
    assert 2 <= float((root / "delay").read_text()) <= 5


def test_a_resume_from_the_page_runs_one_case_at_a_time(tmp_path):
    # The Resume button sends no --workers; agentv then takes the eval
    # file's execution.workers (else 3 at once, and the bar jumps).
    root = copy_demo_project(tmp_path)
    suites = sorted((root / "evals").glob("*.yaml"))
    assert suites
    for suite in suites:
        assert yaml.safe_load(suite.read_text())["execution"]["workers"] == 1, suite.name
