"""Paths as agentv (Node's path.resolve) reads them, and the project boundary.

Node removes '..' by text before the OS follows links; pathlib does the
opposite.  These tests build links that make the two readings differ."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentv_resume.paths import (
    OutsideProject, check_path, check_suite_part, expand_braces, inside_by_text, node_resolve,
)

SEGMENTS = ["a", "b", "..", ".", "", "deeplink", "x.yaml", "..."]


def _random_paths(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        parts = [rng.choice(SEGMENTS) for _ in range(rng.randint(0, 7))]
        text = "/".join(parts)
        if rng.random() < 0.2:
            text = "/" * rng.randint(1, 3) + text
        if rng.random() < 0.2:
            text += "/"
        out.append(text)
    return out


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_node_resolve_matches_nodes_own_path_resolve():
    cases = _random_paths(400)
    script = "const p=require('path');const a=JSON.parse(require('fs').readFileSync(0,'utf8'));" \
             "process.stdout.write(JSON.stringify(a.map(x=>p.resolve('/r/s',x))))"
    done = subprocess.run(["node", "-e", script], input=json.dumps(cases), capture_output=True, text=True,
                          check=True, timeout=60)
    expected = json.loads(done.stdout)
    assert [node_resolve("/r/s", case) for case in cases] == expected


@given(st.lists(st.sampled_from(SEGMENTS), max_size=8), st.booleans())
def test_node_resolve_is_absolute_plain_and_stable(parts, absolute):
    text = ("/" if absolute else "") + "/".join(parts)
    resolved = node_resolve("/r/s", text)
    assert resolved.startswith("/") and not resolved.startswith("//")
    assert not ({".", ".."} & set(resolved.split("/")))
    assert node_resolve("/elsewhere", resolved) == resolved


@pytest.fixture
def tree(tmp_path):
    """root/ with sub/a/b, deeplink -> sub/a/b, out -> ../outside, and outside/."""
    root = tmp_path / "root"
    (root / "sub" / "a" / "b").mkdir(parents=True)
    (root / ".agentv" / "results").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "evil.eval.yaml").write_text("tests: []\n")
    (root / "deeplink").symlink_to("sub/a/b")
    (root / "out").symlink_to("../outside")
    return root


@pytest.mark.parametrize("given_path, expected_arg", [
    ("deeplink/../.agentv/results", ".agentv/results"),   # pathlib would say sub/a/.agentv/results
    ("deeplink/../x", "x"),
    ("./sub//a/./b/", "sub/a/b"),
    ("deeplink/c", "deeplink/c"),                          # a link inside the project is fine
    (".", "."),
    ("", "."),
])
def test_paths_inside_reach_agentv_as_text_normalised_relative_paths(tree, given_path, expected_arg):
    checked = check_path(str(tree), "output", given_path)
    assert checked.arg == expected_arg
    # agentv, reading the arg from the root, lands exactly where we checked.
    assert node_resolve(str(tree), checked.arg) == checked.absolute


def test_an_absolute_path_inside_the_project_is_handed_on_relative(tree):
    assert check_path(str(tree), "output", str(tree / "sub" / "a")).arg == "sub/a"


@pytest.mark.parametrize("given_path", [
    "deeplink/../../../x",     # pathlib: sub/x (inside); agentv: two levels above the root
    "../x",
    "..",
    "sub/../../x",
    "/etc",
    "//etc/passwd",
    "out/x",                  # a link inside that leads outside
    "out",
    "deeplink/../out/new/run",
])
def test_paths_outside_by_text_or_through_links_are_refused(tree, given_path):
    with pytest.raises(OutsideProject, match="inside the project"):
        check_path(str(tree), "output", given_path)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])  # the tree is only read
@given(parts=st.lists(st.sampled_from(["deeplink", "..", "sub", "a", "b", "out", ".", "x"]), max_size=6))
def test_whatever_is_accepted_lands_inside_both_ways(tree, parts):
    text = "/".join(parts)
    root = str(tree)
    try:
        checked = check_path(root, "output", text)
    except OutsideProject:
        absolute = node_resolve(root, text)
        assert not inside_by_text(root, absolute) or not inside_by_text(root, os.path.realpath(absolute))
        return
    assert inside_by_text(root, checked.absolute)
    assert inside_by_text(root, os.path.realpath(os.path.join(root, checked.arg)))


# --- suite paths and globs ---------------------------------------------------------

@pytest.fixture
def suites(tree):
    evals = tree / "evals"
    (evals / "deep").mkdir(parents=True)
    (evals / "a.eval.yaml").write_text("tests: []\n")
    (evals / "deep" / "b.eval.yaml").write_text("tests: []\n")
    return tree


@pytest.mark.parametrize("part, arg", [
    ("evals/a.eval.yaml", "evals/a.eval.yaml"),
    ("./evals/../evals/a.eval.yaml", "evals/a.eval.yaml"),
    ("evals", "evals"),
    ("evals/*.eval.yaml", "evals/*.eval.yaml"),
    ("evals/**/*.yaml", "evals/**/*.yaml"),
    ("evals/{a,deep/b}.eval.yaml", "evals/{a,deep/b}.eval.yaml"),
    ("!evals/deep/**", "!evals/deep/**"),
])
def test_suite_paths_and_globs_inside_are_accepted(suites, part, arg):
    assert check_suite_part(str(suites), part) == arg


@pytest.mark.parametrize("make_link, part", [
    (lambda r: (r / "evals" / "x.eval.yaml").symlink_to(r.parent / "outside" / "evil.eval.yaml"), "evals/*.yaml"),
    (lambda r: (r / "evals" / "deep" / "out").symlink_to(r.parent / "outside"), "evals/**/*.eval.yaml"),
    (lambda r: (r / "evals" / "deep" / "out").symlink_to(r.parent / "outside"), "evals"),
    (lambda r: (r / "evals" / "z.eval.yaml").symlink_to(r.parent / "outside" / "evil.eval.yaml"), "evals/{a,z}.eval.yaml"),
    (lambda r: (r / "evals" / "z.eval.yaml").symlink_to(r.parent / "outside" / "evil.eval.yaml"), "evals\\z.eval.y?ml"),
    (lambda r: None, "out/evil.eval.yaml"),
    (lambda r: None, "out/*.yaml"),
    (lambda r: None, "../outside/evil.eval.yaml"),
    (lambda r: None, "../outside/*.yaml"),
    (lambda r: None, "evals/../../outside/*.yaml"),
    (lambda r: None, "/etc/*.yaml"),
    (lambda r: None, "evals/@(a|b).eval.yaml"),
])
def test_suite_paths_and_globs_that_reach_outside_are_refused(suites, make_link, part):
    make_link(suites)
    with pytest.raises(OutsideProject):
        check_suite_part(str(suites), part)


def test_an_absolute_suite_file_outside_is_refused(suites):
    with pytest.raises(OutsideProject):
        check_suite_part(str(suites), str(suites.parent / "outside" / "evil.eval.yaml"))


@pytest.mark.parametrize("pattern, expected", [
    ("a{b,c}d", ["abd", "acd"]),
    ("{a,{b,c}}", ["a", "b", "c"]),
    ("x{1..3}", ["x1", "x2", "x3"]),
    ("{single}", ["{single}"]),
    ("plain", ["plain"]),
])
def test_braces_expand_as_fast_glob_does(pattern, expected):
    assert expand_braces(pattern) == expected
