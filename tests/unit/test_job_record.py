"""The job record's one schema (record.py) and the one way its status changes (states.py)."""

from __future__ import annotations

import json

import pytest

from agentv_resume.jobs import record
from agentv_resume.jobs.states import ACTIVE, TERMINAL, InvalidTransition, JobStatus, as_json, change


def test_build_fills_every_field_with_its_default():
    rec = record.build(id="j1", argv=["agentv", "eval"], run_dir="/p/run")
    assert set(rec) == set(record.FIELDS)
    assert rec["status"] == "starting" and rec["exit_code"] is None and rec["progress_offset"] == 0
    assert record.validate(rec)


def test_build_refuses_a_field_the_schema_does_not_name():
    with pytest.raises(ValueError, match="record.FIELDS"):
        record.build(id="j1", argv=[], run_dir="/r", colour="blue")


def test_build_needs_the_required_fields():
    with pytest.raises(ValueError, match="run_dir"):
        record.build(id="j1", argv=[])
    assert not record.validate({"id": "j1", "status": "finished"})


def test_build_does_not_share_mutable_defaults():
    one = record.build(id="a", argv=[], run_dir="/r")
    one["args"].append("x")
    assert record.build(id="b", argv=[], run_dir="/r")["args"] == []


def test_an_older_record_without_newer_fields_is_valid_and_reads_defaults():
    old = {"id": "j", "status": "finished", "argv": ["agentv"], "run_dir": "/r"}
    assert record.validate(old)
    assert record.field(old, "progress_offset") == 0 and record.field(old, "run_id") is None


def test_a_newer_record_with_unknown_fields_is_valid():
    assert record.validate({"id": "j", "status": "running", "argv": [], "run_dir": "/r", "from_the_future": [1]})


@pytest.mark.parametrize("damage", [
    {"status": 3}, {"status": "exploded"}, {"run_dir": None}, {"run_dir": "a\0b"}, {"exit_code": "0"},
    {"exit_code": True}, {"agentv_pid": 2**40}, {"argv": "agentv eval"}, {"argv": [1]},
    {"stop_grace_seconds": -1}, {"progress_final": [1, 2]}, {"command": 7},
])
def test_a_damaged_record_is_not_valid(damage):
    rec = record.build(id="j", argv=["agentv"], run_dir="/r")
    rec.update(damage)
    assert not record.validate(rec)


def test_load_reads_a_valid_record_and_refuses_anything_else(tmp_path):
    path = tmp_path / "job.json"
    rec = record.build(id="j", argv=["agentv"], run_dir="/r")
    record.write_json_atomic(path, rec)
    assert record.load(path) == rec
    path.write_text("[" * 10000)
    assert record.load(path) is None
    path.write_text(json.dumps({"id": "j"}))
    assert record.load(path) is None


def test_states_groups():
    assert ACTIVE | TERMINAL == set(JobStatus) and not ACTIVE & TERMINAL
    assert "finished" in TERMINAL and "running" in ACTIVE  # the wire strings work as members
    assert as_json() == {"active": ["running", "starting"],
                         "terminal": ["failed", "finished", "lost", "stopped"]}


@pytest.mark.parametrize("old, new", [
    ("starting", "running"), ("starting", "failed"), ("starting", "stopped"), ("running", "finished"),
    ("running", "failed"), ("running", "stopped"), ("running", "running"),
])
def test_allowed_transitions(old, new):
    rec = {"id": "j", "status": old}
    change(rec, JobStatus(new), exit_code=0)
    assert rec == {"id": "j", "status": new, "exit_code": 0}


@pytest.mark.parametrize("old, new", [
    ("finished", "stopped"), ("stopped", "finished"), ("lost", "running"), ("running", "starting"),
    ("finished", "finished"),
])
def test_refused_transitions_change_nothing(old, new):
    rec = {"id": "j", "status": old}
    with pytest.raises(InvalidTransition):
        change(rec, JobStatus(new), exit_code=9)
    assert rec == {"id": "j", "status": old}
