"""agentv's own account of a job, parsed from what the real agentv 4.42.4 printed
(tests/fixtures/scenarios/outputs, written by tools/gen_scenarios.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


from agentv_resume.runs.audit import audit, parse_agentv_output

SCENARIOS = Path(__file__).parents[1] / "fixtures" / "scenarios"
EXPECTED = json.loads((SCENARIOS / "expected.json").read_text())
OUTPUTS = sorted((SCENARIOS / "outputs").glob("*.txt"))


@pytest.mark.parametrize("path", OUTPUTS, ids=lambda p: p.stem)
def test_agentvs_planned_count_is_read_from_its_output(path):
    scenario, label = path.stem.split("--")
    measured = EXPECTED[scenario][label]
    account = parse_agentv_output(path.read_text(encoding="utf-8"))
    # what agentv really ran: its progress lines for a retry (it also copies old rows),
    # the lines it appended otherwise
    ran = measured["agentv"]["completed"] if "--retry-errors" in measured["argv"] else measured["ran"]
    assert account["agentv_planned"] == ran
    assert account["ran"] == ran
    assert account["found"] == measured["agentv"]["found"]
    assert account["nothing_to_resume"] == measured["agentv"]["nothing_to_resume"]


def test_nothing_to_resume_is_zero_planned_not_unknown():
    text = (SCENARIOS / "outputs" / "matrix-target-silent--resume_recorded_target.txt").read_text()
    assert parse_agentv_output(text) == {"agentv_planned": 0, "found": 5, "skipped": 5,
                                         "nothing_to_resume": True, "ran": 0}


def test_colours_and_a_cut_output_do_not_break_it():
    text = "\x1b[32mResume: found 3 existing result(s), skipping 2 completed.\x1b[0m\n0/4   🔄 a | default\n"
    assert parse_agentv_output(text)["agentv_planned"] == 4
    assert parse_agentv_output("Error: Test file not found: x.yaml\n")["agentv_planned"] is None
    assert parse_agentv_output("")["agentv_planned"] is None


def test_a_difference_from_the_prediction_is_a_warning():
    text = (SCENARIOS / "outputs" / "testid-interrupted--resume.txt").read_text()
    assert audit(8, text).get("warning") is None
    result = audit(5, text)
    assert result["predicted"] == 5 and result["agentv_planned"] == 8
    assert "agentv planned 8" in result["warning"]
