"""The request → agentv's argv, in the contract's order, and the `command` string."""

from __future__ import annotations

import shlex

import pytest

from agentv_resume.launching.argv import build_args, command_string
from agentv_resume.launching.request import parse_request


def args_for(body: dict, output: str | None = None) -> list[str]:
    request = parse_request(body)
    return build_args(request, output if output is not None else request.output)


def test_everything_in_the_contracts_order():
    body = {"suite_filter": "evals/a.yaml,evals/b.yaml", "test_ids": ["t1", "t2"], "target": ["default", "alt"],
            "threshold": 0.8, "workers": 4, "dry_run": True, "output": "runs/x", "resume": True}
    assert args_for(body) == [
        "eval", "run", "evals/a.yaml", "evals/b.yaml",
        "--test-id", "t1", "--test-id", "t2",
        "--target", "default", "--target", "alt",
        "--threshold", "0.8", "--workers", "4", "--dry-run",
        "--output", "runs/x", "--resume",
    ]


@pytest.mark.parametrize("extra, tail", [
    ({"resume": True}, ["--output", "o", "--resume"]),
    ({"rerun_failed": True}, ["--output", "o", "--rerun-failed"]),
    ({"retry_errors": "runs/prev"}, ["--output", "o", "--retry-errors", "runs/prev"]),
    ({}, ["--output", "o"]),
])
def test_each_mode_comes_after_output(extra, tail):
    assert args_for({"suite_filter": "s.yaml", "output": "o", **extra}) == ["eval", "run", "s.yaml", *tail]


@pytest.mark.parametrize("body, expected", [
    ({"test_ids": ["a"]}, ["--test-id", "a"]),
    ({"target": "default"}, ["--target", "default"]),
    ({"threshold": 1.0}, ["--threshold", "1"]),
    ({"threshold": 0}, ["--threshold", "0"]),
    ({"threshold": 0.25}, ["--threshold", "0.25"]),
    ({"workers": 7}, ["--workers", "7"]),
    ({"workers": 3.0}, ["--workers", "3"]),
    ({"dry_run": True}, ["--dry-run"]),
    ({"dry_run": False}, []),
])
def test_each_option_alone(body, expected):
    assert args_for({"suite_filter": "s.yaml", **body}) == ["eval", "run", "s.yaml", *expected]


def test_resume_without_output_lets_agentv_pick_the_run():
    assert args_for({"suite_filter": "s.yaml", "rerun_failed": True}) == ["eval", "run", "s.yaml", "--rerun-failed"]


def test_test_ids_without_a_suite():
    assert args_for({"test_ids": ["x"]}) == ["eval", "run", "--test-id", "x"]


def test_suite_parts_are_trimmed_and_empty_ones_dropped():
    assert args_for({"suite_filter": " a.yaml ,, b c.yaml "})[2:] == ["a.yaml", "b c.yaml"]


def test_command_is_agentv_and_shlex_join():
    args = args_for({"suite_filter": "my evals/a.yaml", "test_ids": ["it's"], "target": "default",
                     "output": "out dir", "resume": True})
    command = command_string(args)
    assert command == ("agentv eval run 'my evals/a.yaml' --test-id 'it'\"'\"'s' --target default "
                       "--output 'out dir' --resume")
    assert shlex.split(command) == ["agentv", *args]


def test_plain_command_has_no_quotes():
    args = args_for({"suite_filter": "evals/greetings.yaml", "target": ["default"],
                     "output": ".agentv/results/runs/default/errored", "resume": True})
    assert command_string(args) == ("agentv eval run evals/greetings.yaml --target default "
                                    "--output .agentv/results/runs/default/errored --resume")
