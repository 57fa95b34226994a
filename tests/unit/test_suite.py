"""The suite reader against agentv 4.42.4's loading rules (runs/suite.py).

The expected values come from agentv itself: the glob table was checked with
agentv's own micromatch (the last test re-checks it when node and agentv are
installed), the loading rules with `agentv eval run` on such files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest


from agentv_resume.runs.suite import (
    load_suite_file,
    make_filter,
    match_test_id,
    parse_yaml,
    plan_suite,
    resolve_eval_paths,
    selected_targets,
    suites_by_name,
)

FIXTURE_EVALS = Path(__file__).parents[1] / "fixtures" / "agentv-project" / "evals"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def case(test_id: str, **extra) -> str:
    lines = [f"  - id: {test_id}", "    input: hi", "    assert:", "      - type: contains", "        value: Hello"]
    for key, value in extra.items():
        lines.append(f"    {key}: {value}")
    return "\n".join(lines)


def suite_text(*cases: str, head: str = "name: demo") -> str:
    return head + "\ntests:\n" + "\n".join(cases) + "\n"


# --------------------------------------------------------------------------- --test-id

# (test id, pattern, what agentv's micromatch.isMatch answers)
MICROMATCH = [
    ("case-01", "case-0*", True),
    ("case-10", "case-0*", False),
    ("greet-1", "greet-1", True),
    ("a/b", "*", False),
    ("a/b", "**", True),
    (".x", "*", False),
    ("greet-1", "greet-[12]", True),
    ("greet-3", "greet-[^12]", True),
    ("g1", "{g1,g2}", True),
    ("g3", "!{g1,g2}", True),
    ("g1", "!{g1,g2}", False),
    ("case-3", "case-{1..5}", True),
    ("a", "!!a", True),
    ("ab", "a?", True),
    ("a", "a?", False),
    ("a*b", "a\\*b", True),
    ("axb", "a\\*b", False),
    ("x.y", "*.y", True),
    ("A", "a", False),
    ("a+b", "a+b", True),
    ("test[1]", "test[1]", True),
    ("test1", "test[1]", True),
    ("a", "{a}", False),
    ("{a}", "{a}", True),
    ("case-1", "case-[0-9]", True),
]


@pytest.mark.parametrize("test_id,pattern,expected", MICROMATCH)
def test_test_id_patterns_match_as_agentvs_micromatch_does(test_id, pattern, expected):
    assert match_test_id(test_id, pattern) == (expected, True)


@pytest.mark.parametrize("pattern", ["+(a)b", "@(abc|x)", "foo(1)", "greet-[!12]", "case-{01..05}"])
def test_glob_forms_not_modelled_are_flagged_not_guessed_silently(pattern):
    flt = make_filter([pattern])
    assert flt.exact is False


def test_several_test_ids_are_or_ed():
    flt = make_filter(["greet-1", "case-0*"])
    assert [i for i in ["greet-1", "greet-2", "case-05", "case-11"] if flt.matches(i)] == ["greet-1", "case-05"]


def test_micromatch_table_agrees_with_agentvs_own_micromatch():
    """Re-checks the table above with the micromatch agentv ships (skipped without node)."""
    agentv = os.environ.get("AGENTV_BIN")
    node = shutil.which("node")
    if not agentv or not node:
        pytest.skip("needs node and AGENTV_BIN")
    modules = Path(os.path.realpath(agentv)).parents[2]  # node_modules/agentv/dist/cli.js -> node_modules
    if not (modules / "micromatch").is_dir():
        pytest.skip("agentv's micromatch not found beside it")
    script = ("const mm=require(process.argv[1]);const t=JSON.parse(process.argv[2]);"
              "console.log(JSON.stringify(t.map(([s,p])=>mm.isMatch(s,p))))")
    out = subprocess.run([node, "-e", script, str(modules / "micromatch"),
                          json.dumps([[s, p] for s, p, _ in MICROMATCH])],
                         capture_output=True, text=True, timeout=30, check=True).stdout
    assert json.loads(out) == [expected for _, _, expected in MICROMATCH]


# --------------------------------------------------------------------------- YAML as agentv reads it

def test_yaml_scalars_are_read_as_yaml_1_2():
    data = parse_yaml("a: yes\nb: 2024-01-02\nc: 1:20\nd: on\ne: true\nf: ~\n")
    assert data == {"a": "yes", "b": "2024-01-02", "c": "1:20", "d": "on", "e": True, "f": None}


def test_ids_that_yaml_1_1_would_turn_into_dates_or_booleans_are_cases(tmp_path):
    path = write(tmp_path / "s.yaml", suite_text(case("yes"), case("2024-01-02"), case("on")))
    assert [c.test_id for c in load_suite_file(path).cases] == ["yes", "2024-01-02", "on"]


def test_numeric_ids_and_incomplete_cases_are_skipped_as_agentv_skips_them(tmp_path):
    path = write(tmp_path / "s.yaml", """\
        tests:
          - id: 123
            input: hi
            criteria: greets
          - id: no-input
            criteria: greets
          - id: nothing-to-judge
            input: hi
          - id: criteria-only
            input: hi
            criteria: greets
          - id: expected-only
            input: [{role: user, content: hi}]
            expected_output: Hello
          - id: turns-only
            input: hi
            turns: [{input: hi}]
          - not an object
        """)
    assert [c.test_id for c in load_suite_file(path).cases] == ["criteria-only", "expected-only", "turns-only"]


def test_suite_name_is_the_name_field_else_the_file_name(tmp_path):
    named = write(tmp_path / "a.yaml", suite_text(case("x"), head="name: greetings"))
    unnamed = write(tmp_path / "checks.eval.yaml", suite_text(case("x"), head="description: d"))
    assert load_suite_file(named).name == "greetings"
    assert load_suite_file(unnamed).name == "checks"


def test_deprecated_eval_cases_key_is_read(tmp_path):
    path = write(tmp_path / "s.yaml", "eval_cases:\n" + case("old") + "\n")
    assert [c.test_id for c in load_suite_file(path).cases] == ["old"]


def test_a_suite_without_tests_is_one_agentv_refuses(tmp_path):
    path = write(tmp_path / "s.yaml", "name: x\ntests:\n")
    suite = load_suite_file(path)
    assert suite.error and "tests" in suite.error
    plan = plan_suite([suite])
    assert plan.identities == [] and plan.errors


def test_external_case_files_and_file_references(tmp_path):
    write(tmp_path / "cases" / "more.yaml", "- id: ext-1\n  input: hi\n  criteria: c\n")
    write(tmp_path / "cases" / "lines.jsonl", '{"id": "ext-2", "input": "hi", "criteria": "c"}\n')
    by_path = write(tmp_path / "a.yaml", "tests: cases/more.yaml\n")
    by_ref = write(tmp_path / "b.yaml", "tests:\n  - file://cases/*\n" + case("inline") + "\n")
    assert [c.test_id for c in load_suite_file(by_path).cases] == ["ext-1"]
    assert [c.test_id for c in load_suite_file(by_ref).cases] == ["ext-2", "ext-1", "inline"]


def test_a_directory_of_case_folders(tmp_path):
    write(tmp_path / "cases" / "b-case" / "case.yaml", "input: hi\ncriteria: c\n")
    write(tmp_path / "cases" / "a-case" / "case.yaml", "id: named\ninput: hi\ncriteria: c\n")
    (tmp_path / "cases" / "no-case-file").mkdir()
    path = write(tmp_path / "s.yaml", "tests: cases\n")
    assert [c.test_id for c in load_suite_file(path).cases] == ["named", "b-case"]


def test_env_variables_in_the_suite_are_interpolated(tmp_path):
    path = write(tmp_path / "s.yaml", "execution:\n  target: ${{ EVAL_TARGET }}\ntests:\n" + case("x-${{ SUFFIX }}") + "\n")
    suite = load_suite_file(path, env={"EVAL_TARGET": "alt", "SUFFIX": "1"})
    assert suite.target == "alt" and [c.test_id for c in suite.cases] == ["x-1"]


def test_jsonl_suites_are_read_with_their_sidecar_name(tmp_path):
    path = write(tmp_path / "set.jsonl", '{"id": "j1", "input": "hi", "criteria": "c"}\n{"id": "j2", "input": "hi"}\n')
    write(tmp_path / "set.yaml", "name: sidecar-name\n")
    suite = load_suite_file(path)
    assert suite.name == "sidecar-name" and [c.test_id for c in suite.cases] == ["j1"]


@pytest.mark.parametrize("name", ["suite.eval.ts", "suite.mts", "skills.json"])
def test_formats_the_tool_cannot_read_make_the_prediction_approximate(tmp_path, name):
    path = write(tmp_path / name, "export default {}\n")
    plan = plan_suite([load_suite_file(path)])
    assert plan.approximate and not plan.exact
    assert name in plan.approximate[0]


def test_a_broken_yaml_file_is_an_error_not_an_exception(tmp_path):
    path = write(tmp_path / "s.yaml", "tests: [\n")
    assert load_suite_file(path).error


# --------------------------------------------------------------------------- targets

@pytest.mark.parametrize("suite_head,cli,expected", [
    ("name: s", [], ["default"]),
    ("execution:\n  target: alt", [], ["alt"]),
    ("target: alt", [], ["alt"]),
    ("execution:\n  targets: [a, b]", [], ["a", "b"]),
    ("execution:\n  targets: [{name: a}, b]\n  target: c", [], ["a", "b"]),
    ("execution:\n  targets: [a]", [], ["a"]),
    ("execution:\n  targets: [a, b]", ["c"], ["c"]),
    ("execution:\n  targets: [a, b]", ["c", "d"], ["c", "d"]),
    # `--target default` alone defers to the suite's own target
    ("execution:\n  target: alt", ["default"], ["alt"]),
    ("name: s", ["default"], ["default"]),
])
def test_targets_are_selected_as_agentv_selects_them(tmp_path, suite_head, cli, expected):
    path = write(tmp_path / "s.yaml", suite_text(case("x"), head=suite_head))
    assert selected_targets(load_suite_file(path), cli) == expected


def test_per_test_targets_limit_a_matrix_but_not_a_single_target_run(tmp_path):
    path = write(tmp_path / "s.yaml", suite_text(case("both"), case("only-b", execution="{targets: [b]}")))
    suite = load_suite_file(path)
    assert plan_suite([suite], ["a", "b"]).identities == [("both", "a"), ("both", "b"), ("only-b", "b")]
    assert plan_suite([suite], ["a"]).identities == [("both", "a"), ("only-b", "a")]


def test_the_fixture_suites_x_targets_x_test_ids():
    files = [load_suite_file(FIXTURE_EVALS / "greetings.yaml"), load_suite_file(FIXTURE_EVALS / "long.yaml")]
    assert len(plan_suite(files).identities) == 17
    assert len(plan_suite(files[:1], ["default", "alt"]).identities) == 10
    plan = plan_suite(files[1:], test_ids=["case-0*"])
    assert [i for i, _ in plan.identities] == [f"case-0{n}" for n in range(1, 10)]
    assert plan.progress_total() == 9


def test_progress_total_skips_what_a_resume_skips():
    plan = plan_suite([load_suite_file(FIXTURE_EVALS / "greetings.yaml")])
    assert plan.progress_total({("greet-1", "default"), ("gone", "default")}) == 4


# --------------------------------------------------------------------------- eval paths, names

def test_eval_paths_globs_directories_and_negations(tmp_path):
    write(tmp_path / "evals" / "a.yaml", suite_text(case("x")))
    write(tmp_path / "evals" / "b.yaml", suite_text(case("y")))
    write(tmp_path / "evals" / "notes.txt", "no")
    write(tmp_path / "evals" / "sub" / "c.eval.yaml", suite_text(case("z")))
    rel = lambda paths: [p.relative_to(tmp_path).as_posix() for p in paths]  # noqa: E731
    assert rel(resolve_eval_paths(["evals/*.yaml"], tmp_path)) == ["evals/a.yaml", "evals/b.yaml"]
    assert rel(resolve_eval_paths(["evals/*.yaml", "!evals/a.yaml"], tmp_path)) == ["evals/b.yaml"]
    assert rel(resolve_eval_paths(["evals"], tmp_path)) == ["evals/sub/c.eval.yaml"]
    assert rel(resolve_eval_paths(["evals/{a,b}.yaml"], tmp_path)) == ["evals/a.yaml", "evals/b.yaml"]
    assert resolve_eval_paths(["evals/none-*.yaml"], tmp_path) == []


def test_suites_are_found_by_the_names_on_the_lines(tmp_path):
    write(tmp_path / "evals" / "greetings.yaml", suite_text(case("g"), head="name: greetings"))
    write(tmp_path / "evals" / "long.yaml", suite_text(case("l"), head="name: long"))
    write(tmp_path / ".agentv" / "results" / "x.yaml", suite_text(case("g"), head="name: greetings"))
    found = suites_by_name(tmp_path, ["greetings", "long", "absent"])
    assert [s.path.name for s in found["greetings"]] == ["greetings.yaml"]
    assert [s.path.name for s in found["long"]] == ["long.yaml"]
    assert found["absent"] == []
