"""Issue 11's scenarios: the number `inspect --json` (and the buttons) promise is what the
real agentv 4.42.4 then ran.

Every run here was written by the real agentv, and every expected number is what the
real agentv did when given the command (tests/fixtures/scenarios/expected.json, made by
tools/gen_scenarios.py; the README there says how).  The test asks the tool for its
prediction and its command, and checks both against that record.
"""

from __future__ import annotations

import json
import shlex
import shutil

import pytest

from support.builders import RUNS, scenario_expected, scenario_project


@pytest.fixture
def scenario(tmp_path, cli):
    """scenario(name) -> (project root, inspect(*args) -> the inspect --json object)."""

    def make(name):
        root = scenario_project(name, tmp_path / name)

        def inspect(*args):
            result = cli("--project", root, "inspect", *args, "--json")
            assert result.exit_code == 0, result.output
            return json.loads(result.stdout)

        return root, inspect

    return make


def agentv_ran(name: str, label: str) -> dict:
    """What agentv ran for a measured command: `ran` (identities), `argv`."""
    return scenario_expected(name)[label]


def args_of(command: str) -> list[str]:
    return shlex.split(command)[1:]  # without "agentv"


def _options(args: list[str]) -> list[tuple[str, ...]]:
    """Arguments as (option, value) pairs and positionals, in a comparable order.

    A lone `--target default` is dropped: agentv reads it as no --target at all
    (both take the suite's own target, else `default`)."""
    pairs, i = [], 0
    while i < len(args):
        if args[i].startswith("--") and i + 1 < len(args) and not args[i + 1].startswith("--") and \
                args[i] not in ("--resume", "--rerun-failed", "--dry-run"):
            pairs.append((args[i], args[i + 1]))
            i += 2
        else:
            pairs.append((args[i],))
            i += 1
    if [p for p in pairs if p[0] == "--target"] == [("--target", "default")]:
        pairs.remove(("--target", "default"))
    return sorted(pairs)


def same_command(command: str, measured: dict) -> None:
    """The tool's command is the one that was measured (options in any order)."""
    assert _options(args_of(command)) == _options(measured["argv"][1:]), (command, measured["argv"])


# --- 1. --test-id subsets -------------------------------------------------------------------

def test_interrupted_subset_says_agentv_runs_more_than_the_run_planned(scenario):
    _, inspect = scenario("testid-interrupted")
    data = inspect("subset")
    measured = agentv_ran("testid-interrupted", "resume")
    assert data["will_run"]["resume"] == measured["ran"] == 8
    same_command(data["commands"]["resume"], measured)
    assert any("3 case(s) more than the 9 the run planned" in w for w in data["warnings"])


def test_interrupted_subset_with_its_filter_given_again(scenario):
    _, inspect = scenario("testid-interrupted")
    data = inspect("subset", "--test-id", "case-0*")
    measured = agentv_ran("testid-interrupted", "resume_with_filter")
    assert data["will_run"]["resume"] == measured["ran"] == 5
    same_command(data["commands"]["resume"], measured)
    assert not any("more than" in w for w in data["warnings"])


def test_finished_subset_carries_tests_run_as_test_ids(scenario):
    _, inspect = scenario("testid-finished")
    data = inspect("pair")
    assert data["test_ids"] == ["greet-1", "greet-2"]
    for mode, label in (("resume", "resume_with_tests_run"), ("rerun_failed", "rerun_failed_with_tests_run")):
        measured = agentv_ran("testid-finished", label)
        assert data["will_run"][mode] == measured["ran"] == 1
        same_command(data["commands"][mode], measured)
    assert any("tests_run" in w for w in data["warnings"])


# --- 3. matrix and single-target runs interrupted before a target wrote a line -------------

def test_matrix_with_a_silent_target_asks_for_the_targets(scenario):
    _, inspect = scenario("matrix-target-silent")
    data = inspect("matrix")
    assert data["targets_uncertain"] and "10" in data["targets_uncertain"]
    assert data["commands"] == {"resume": None, "rerun_failed": None}
    assert "alt" in data["target_choices"]
    assert any("targets" in w for w in data["warnings"])
    # What the old command did: agentv said "Nothing to resume" and left the run at 5/10.
    assert agentv_ran("matrix-target-silent", "resume_recorded_target")["agentv"]["nothing_to_resume"]


def test_matrix_with_every_target_named_predicts_what_agentv_ran(scenario):
    _, inspect = scenario("matrix-target-silent")
    data = inspect("matrix", "--target", "default", "--target", "alt")
    measured = agentv_ran("matrix-target-silent", "resume_both_targets")
    assert data["will_run"]["resume"] == measured["ran"] == 5
    assert data["targets_uncertain"] is None
    same_command(data["commands"]["resume"], measured)


def test_single_target_run_with_no_line_never_falls_back_to_default(scenario):
    _, inspect = scenario("single-target-silent")
    data = inspect("alt-only")
    assert data["targets_uncertain"] and data["commands"]["resume"] is None
    # agentv without --target ran every case on `default`: the tool must not send that
    wrong = agentv_ran("single-target-silent", "resume_no_target")
    assert {i.split("@")[1] for i in wrong["identities"]} == {"default"}
    data = inspect("alt-only", "--target", "alt")
    measured = agentv_ran("single-target-silent", "resume_alt")
    assert data["will_run"]["resume"] == measured["ran"] == 5
    same_command(data["commands"]["resume"], measured)


def test_launch_on_uncertain_targets_asks_for_them(scenario, cli):
    root, _ = scenario("matrix-target-silent")
    result = cli("--project", root, "launch", "--resume", "matrix", "--print")
    assert result.exit_code == 2 and "--target" in result.stderr
    result = cli("--project", root, "launch", "--resume", "matrix", "--target", "default", "--target", "alt", "--print")
    assert result.exit_code == 0
    same_command(result.stdout.strip(), agentv_ran("matrix-target-silent", "resume_both_targets"))


# --- 4. the suite edited after the run ------------------------------------------------------

@pytest.mark.parametrize("variant", ["added", "removed", "renamed"])
def test_suite_edited_after_the_run(scenario, variant):
    root, inspect = scenario("suite-edited")
    shutil.copy(root / "variants" / f"{variant}.yaml", root / "evals" / "greetings.yaml")
    data = inspect("errored")
    for mode, flag in (("resume", "resume"), ("rerun_failed", "rerun-failed")):
        measured = agentv_ran("suite-edited", f"{variant}_{flag}")
        assert data["will_run"][mode] == measured["ran"], (mode, measured["identities"])
        same_command(data["commands"][mode], measured)
    changes = data["suite_changes"]
    removed = [c["test_id"] for c in changes["removed"]]
    added = [c["test_id"] for c in changes["added"]]
    assert (removed, added) == {"added": ([], ["greet-6"]), "removed": (["greet-2"], []),
                                "renamed": (["greet-2"], ["greet-2b"])}[variant]
    if removed:
        assert any("no longer in the suite" in w and "greet-2@default" in w for w in data["warnings"])


def test_an_all_ok_run_with_a_new_case_is_resumable(scenario, cli):
    root, inspect = scenario("suite-edited")
    shutil.copy(root / "variants" / "added.yaml", root / "evals" / "greetings.yaml")
    data = inspect("all-ok")
    measured = agentv_ran("suite-edited", "all_ok_added_resume")
    assert data["resumable"] and data["will_run"]["resume"] == measured["ran"] == 1
    result = cli("--project", root, "launch", "--resume", "all-ok", "--print")
    assert result.exit_code == 0 and "nothing" not in result.stderr
    same_command(result.stdout.strip(), measured)


# --- 5. a non-default experiment keeps its label --------------------------------------------

def test_experiment_is_carried(scenario):
    _, inspect = scenario("experiment")
    data = inspect("exp-b-run")
    measured = agentv_ran("experiment", "resume_with_experiment")
    assert data["will_run"]["resume"] == measured["ran"] == 1
    same_command(data["commands"]["resume"], measured)
    assert measured["benchmark_after"]["experiment"] == "exp-b" and measured["new_lines_experiment"] == ["exp-b"]
    # without it agentv relabels the run `default`: the reason it is carried
    assert agentv_ran("experiment", "resume_without_experiment")["benchmark_after"]["experiment"] == "default"


# --- 6. runs over several eval files (a glob) -----------------------------------------------

def test_glob_run_finds_its_files_from_the_suites_on_its_lines(scenario):
    _, inspect = scenario("multi-file")
    data = inspect("glob")
    assert data["suite_filter"] == "evals/greetings.yaml,evals/long.yaml" and data["blocked"] is None
    for mode, label in (("resume", "glob_resume_both_files"), ("rerun_failed", "glob_rerun_failed_both_files")):
        measured = agentv_ran("multi-file", label)
        assert data["will_run"][mode] == measured["ran"] == 1
        same_command(data["commands"][mode], measured)


def test_glob_run_stopped_before_its_second_file_is_blocked_until_given_its_files(scenario):
    _, inspect = scenario("multi-file")
    data = inspect("glob-stopped")
    assert data["suite_filter"] is None and "several eval files" in data["blocked"]
    assert data["commands"] == {"resume": None, "rerun_failed": None}
    data = inspect("glob-stopped", "--suite", "evals/greetings.yaml", "--suite", "evals/long.yaml")
    measured = agentv_ran("multi-file", "stopped_resume_both_files")
    assert data["will_run"]["resume"] == measured["ran"] == 15 and not data["approximate"]
    same_command(data["commands"]["resume"], measured)


# --- 9. dry-run rows ------------------------------------------------------------------------

def test_dry_run_rows_are_no_cases_and_their_target_is_never_sent(scenario):
    _, inspect = scenario("dry-run")
    data = inspect("mixed")
    assert data["targets"] == ["default"]
    assert data["suite_changes"] == {"removed": [], "added": []}
    for mode, label in (("resume", "mixed_resume"), ("rerun_failed", "mixed_rerun_failed")):
        measured = agentv_ran("dry-run", label)
        assert data["will_run"][mode] == measured["ran"] == 3
        same_command(data["commands"][mode], measured)
        assert "dry-run" not in data["commands"][mode]


# --- 10. a matrix run and --target ----------------------------------------------------------

def test_target_option_changes_the_prediction_of_a_matrix_run(scenario):
    _, inspect = scenario("matrix-target-choice")
    both = inspect("matrix")
    measured = agentv_ran("matrix-target-choice", "rerun_failed_both")
    assert both["will_run"]["rerun_failed"] == measured["ran"] == 4
    same_command(both["commands"]["rerun_failed"], measured)
    alt = inspect("matrix", "--target", "alt")
    for mode, label in (("resume", "resume_alt_only"), ("rerun_failed", "rerun_failed_alt_only")):
        measured = agentv_ran("matrix-target-choice", label)
        assert alt["will_run"][mode] == measured["ran"]
        same_command(alt["commands"][mode], measured)
