"""Property tests of the launch request: whatever JSON arrives, the validator
answers a LaunchRequest or a 400, and what it accepts is safe to hand to agentv.

The example-based rules live in test_request.py / test_api.py; here hypothesis
throws any JSON value at ``parse_request`` and at the whole prepare path
(``prepare`` over a real project in a temporary directory), and checks:

* nothing but ``LaunchError(400)`` ever escapes;
* an accepted body obeys the contract's rules 2-7 (checked here with an
  oracle of its own, not the validator's code);
* ``build_args`` never puts an option-like value, a control character or a
  lone surrogate in a value position, and the argv parses back exactly;
* ``output`` / ``retry_errors`` that were accepted resolve inside the project,
  and preparing writes nothing.
"""

from __future__ import annotations

import json
import math
import os
import shlex
import shutil
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from agentv_resume.launching.launcher import prepare
from agentv_resume.launching.argv import build_args, command_string
from agentv_resume.paths import check_path
from agentv_resume.runs.project import Project
from agentv_resume.launching.request import KEYS, MAX_WORKERS, LaunchError, LaunchRequest, parse_request
from agentv_resume.launching.resolve import default_output
from agentv_resume.runs.reader import RunReader
from support.builders import FIXTURE_PROJECT, fill_project_root, row
from support.web import client_for

# --- strategies -------------------------------------------------------------------

RUNS = ".agentv/results/runs/default"
TRICKY = [
    "", " ", "-", "--", "--help", "-x", "--output", "--resume", "--test-id", " -x", "\t-x", "a,-b", "a, --x",
    ",", " , ,", "a\nb", "\x00", "x\x1f", "\x7f", "\x85", "\x9f", "\u2028", "\ufeff", "\u2212x", "é",
    "\ud800", "x\udcff", "..", "../../../etc", "../../../tmp/evil", "/etc", "/tmp", "~", "~/x", ".", "/",
    "evals/greetings.yaml", "evals/greetings.yaml,evals/long.yaml", "evals/../../outside",
    f"{RUNS}/errored", f"{RUNS}/errored/index.jsonl", f"{RUNS}/interrupted", f"{RUNS}/blocked",
    f"{RUNS}/new-run", f"{RUNS}/errored/../../../../..", f"{RUNS}/errored/index.jsonl/x",
    "escape", "escape/index.jsonl", "loop", "loop/x", "evals", "a" * 300, ("a" * 200 + "/") * 25,
    "$(touch pwned)", "'", '"', "x y", "greet-1", "default",
]
KEY_NAMES = list(KEYS) + ["rerun-failed", "Resume", "targets", "outputs", "suite", "", "__proto__"]

# Everything JSON text can carry into a Python str, lone surrogates included.
_chars = st.one_of(st.characters(exclude_categories=()), st.sampled_from("-,./ ~\n\t\x00\x1f\x7f\x85\x9f\ud800\udfff"))
_free_text = st.text(_chars, max_size=12)
text = st.one_of(
    st.sampled_from(TRICKY),
    _free_text,
    st.builds(lambda prefix, rest: prefix + rest, st.sampled_from(["-", "--", " ", " -", ",", "./"]), _free_text),
    st.lists(st.sampled_from(TRICKY[:30]) | _free_text, min_size=1, max_size=3).map(",".join),
)
numbers = st.one_of(
    st.integers(),
    st.sampled_from([0, 1, 2, 50, 51, -1, 10**400, -(10**400), 2**63, 1.0, 0.5, 50.0, 1e308, -0.0]),
    st.floats(allow_nan=True, allow_infinity=True),  # Python's json.loads reads NaN and Infinity
)
scalars = st.one_of(st.none(), st.booleans(), numbers, text)
any_json = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(KEY_NAMES) | text, children,
                                                                      max_size=4),
    max_leaves=12,
)


def _sometimes(strategy):
    """Mostly a value of the expected shape, now and then any JSON at all."""
    return st.one_of(strategy, strategy, strategy, any_json)


TYPED = {
    "suite_filter": _sometimes(text),
    "test_ids": _sometimes(st.lists(text, max_size=3)),
    "target": _sometimes(text | st.lists(text, max_size=3)),
    "threshold": _sometimes(numbers | st.floats(0, 1)),
    "workers": _sometimes(st.integers(-2, 60) | numbers),
    "dry_run": _sometimes(st.booleans()),
    "resume": _sometimes(st.booleans()),
    "rerun_failed": _sometimes(st.booleans()),
    "retry_errors": _sometimes(text),
    "output": _sometimes(text),
}
# Bodies of the right shape (so many are accepted), bodies with stray keys, and anything.
bodies = st.one_of(
    st.fixed_dictionaries({}, optional=TYPED),
    st.fixed_dictionaries({}, optional=TYPED).flatmap(
        lambda body: st.dictionaries(st.sampled_from(KEY_NAMES) | text, any_json, max_size=2).map(
            lambda extra: {**extra, **body})),
    st.dictionaries(st.sampled_from(KEY_NAMES) | text, any_json, max_size=6),
    any_json,
)

# --- the oracle ---------------------------------------------------------------------

VALUE_FLAGS = ("--test-id", "--target", "--threshold", "--workers", "--output", "--retry-errors")
SWITCHES = ("--dry-run", "--resume", "--rerun-failed")


def unsafe(value: str) -> str | None:
    """Why ``value`` must never reach agentv in a value position, or None."""
    if not value.strip():
        return "blank"
    if value.startswith("-"):
        return "option-like"
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        return "control character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "not encodable (lone surrogate)"
    return None


def split_args(args: list[str]) -> tuple[list[str], list[tuple[str, str | None]]]:
    """agentv's argv → (suite parts, options), failing on anything out of place."""
    assert args[:2] == ["eval", "run"], args
    parts: list[str] = []
    options: list[tuple[str, str | None]] = []
    index = 2
    while index < len(args):
        token = args[index]
        if token in VALUE_FLAGS:
            assert index + 1 < len(args), f"{token} without a value: {args}"
            value = args[index + 1]
            assert unsafe(value) is None, f"{unsafe(value)} value after {token}: {args}"
            options.append((token, value))
            index += 2
        elif token in SWITCHES:
            options.append((token, None))
            index += 1
        else:
            assert not options, f"suite part {token!r} after an option: {args}"
            assert unsafe(token) is None, f"{unsafe(token)} suite part: {args}"
            parts.append(token)
            index += 1
    return parts, options


def check_args(request: LaunchRequest, output: str | None) -> list[str]:
    args = build_args(request, output)
    parts, options = split_args(args)
    assert parts == request.suite_parts

    def values(flag):
        return [value for name, value in options if name == flag]

    assert values("--test-id") == request.test_ids
    assert values("--target") == request.targets
    assert values("--output") == ([output] if output else [])
    assert values("--retry-errors") == ([request.retry_errors] if request.retry_errors else [])
    assert len(values("--threshold")) == (request.threshold is not None)
    assert len(values("--workers")) == (request.workers is not None)
    for flag, on in (("--dry-run", request.dry_run), ("--resume", request.resume),
                     ("--rerun-failed", request.rerun_failed)):
        assert len(values(flag)) == on
    command = command_string(args)
    command.encode("utf-8")
    assert shlex.split(command) == ["agentv", *args]
    return args


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_contract(body, request: LaunchRequest, root: Path | None = None) -> None:
    """Rules 2-7 hold for a body the validator accepted.

    ``root``: the request was resolved against this project, so its paths are
    the ones agentv will use (normalised by text, relative to the root), as
    the contract says; without it they are exactly as sent.
    """
    assert isinstance(body, dict)
    assert set(body) <= set(KEYS)
    for key in ("suite_filter", "retry_errors", "output"):
        assert body.get(key) is None or isinstance(body[key], str), key
    for key in ("dry_run", "resume", "rerun_failed"):
        assert body.get(key) is None or isinstance(body[key], bool), key
    test_ids = body.get("test_ids")
    assert test_ids is None or (isinstance(test_ids, list) and all(isinstance(t, str) for t in test_ids))
    target = body.get("target")
    assert target is None or isinstance(target, str) or (
        isinstance(target, list) and all(isinstance(t, str) for t in target))
    threshold = body.get("threshold")
    assert threshold is None or (_number(threshold) and 0 <= threshold <= 1 and math.isfinite(threshold))
    workers = body.get("workers")
    assert workers is None or (_number(workers) and workers == int(workers) and 1 <= workers <= MAX_WORKERS)

    suite = body.get("suite_filter") or ""
    assert any(part.strip() for part in suite.split(",")) or test_ids, "rule 5"
    modes = [bool(body.get("resume")), bool(body.get("rerun_failed")), bool((body.get("retry_errors") or "").strip())]
    assert sum(modes) <= 1, "rule 6"
    strings = [part.strip() for part in suite.split(",") if part.strip()] + list(test_ids or [])
    strings += [target] if isinstance(target, str) else list(target or [])
    strings += [body[key] for key in ("output", "retry_errors") if (body.get(key) or "").strip()]
    for value in strings:
        assert unsafe(value) is None, f"rule 7: {value!r} is {unsafe(value)}"
    assert unsafe("x" + suite) in (None, "blank"), "rule 7: suite_filter as a whole"

    # Values reach agentv as they were sent.
    assert request.test_ids == list(test_ids or [])
    assert request.targets == ([target] if isinstance(target, str) else list(target or []))
    for key in ("output", "retry_errors"):
        if (body.get(key) or "").strip():
            sent = body[key]
            expected = sent if root is None else check_path(os.path.realpath(root), key, sent).arg
            assert getattr(request, key) == expected, key


def parse_or_400(body) -> LaunchRequest | None:
    try:
        return parse_request(body)
    except LaunchError as exc:
        assert exc.status == 400, exc.message
        assert exc.message
        json.dumps({"error": exc.message}, ensure_ascii=False).encode("utf-8")  # the answer can be sent
        return None


# --- parse_request alone ------------------------------------------------------------

@settings(max_examples=600, deadline=None)
@given(bodies)
@example({"test_ids": ["a"], "threshold": 10**400})
@example({"test_ids": ["\ud800"]})
@example({"suite_filter": "evals/\udcff.yaml"})
@example({"suite_filter": "a", "target": ["x\ud800"]})
def test_any_json_body_is_a_request_or_a_400(body):
    request = parse_or_400(body)
    if request is None:
        return
    assert isinstance(request, LaunchRequest)
    check_contract(body, request)
    for output in {request.output, None, default_output()}:
        check_args(request, output)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(KEY_NAMES), any_json, max_size=4), st.sampled_from(KEY_NAMES))
def test_an_unknown_key_is_always_refused_by_name(body, key):
    if key in KEYS:
        return
    body = {"suite_filter": "evals/greetings.yaml", **body, key: True}
    with pytest.raises(LaunchError) as info:
        parse_request(body)
    unknown = [name for name in body if name not in KEYS]
    assert info.value.status == 400 and repr(unknown[0]) in info.value.message


# --- the whole prepare path over a real project ----------------------------------------

@pytest.fixture(scope="module")
def real_project(tmp_path_factory) -> Path:
    """The fixture project plus a blocked run, a symlink out of it, a symlink loop."""
    base = tmp_path_factory.mktemp("props")
    root = base / "proj"
    shutil.copytree(FIXTURE_PROJECT, root)
    fill_project_root(root)
    blocked = root / RUNS / "blocked"
    blocked.mkdir()
    (blocked / "index.jsonl").write_text(json.dumps(row("a")) + "\n[1, 2]\n")
    outside = base / "outside"
    outside.mkdir()
    (outside / "index.jsonl").write_text(json.dumps(row("a", "execution_error")) + "\n")
    (root / "escape").symlink_to(outside)
    (root / "loop").symlink_to(root / "loop")
    return root


def tree(root: Path) -> dict[str, tuple]:
    """Every path below ``root`` (and its parent) with its size and mtime."""
    out = {}
    for path in sorted(root.parent.rglob("*")):
        st_ = path.lstat()
        out[str(path)] = (st_.st_size, st_.st_mtime_ns)
    return out


def inside(root: Path, value: str) -> bool:
    path = Path(value)
    resolved = (path if path.is_absolute() else root / path).resolve()
    return resolved == root or root in resolved.parents


@pytest.fixture(scope="module")
def prepare_env(real_project):
    before = tree(real_project)
    yield Project(real_project), RunReader(real_project)
    assert tree(real_project) == before, "preparing a launch wrote something"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bodies)
@example({"suite_filter": "a", "output": "x\ud800"})
@example({"suite_filter": "a", "retry_errors": "x\udcff"})
@example({"suite_filter": "a", "output": "a" * 300})
@example({"suite_filter": "a", "output": "loop", "resume": True})
@example({"suite_filter": "a", "retry_errors": "loop/x"})
@example({"suite_filter": "a", "output": f"{RUNS}/errored/index.jsonl/x"})
@example({"suite_filter": "0", "output": "0/"})  # a trailing slash: agentv gets the path normalised by text
def test_prepare_answers_a_command_or_a_400_and_stays_inside(prepare_env, body):
    project, reader = prepare_env
    try:
        prepared = prepare(body, project, reader)
    except LaunchError as exc:
        assert exc.status == 400, exc.message
        json.dumps({"error": exc.message}, ensure_ascii=False).encode("utf-8")
        return
    request = prepared.resolved.request
    check_contract(body, request, project.root)
    args = check_args(request, prepared.resolved.output_arg)
    assert prepared.args == args and prepared.command == command_string(args)
    root = project.root
    assert prepared.run_dir == root or root in prepared.run_dir.parents
    for key in ("output", "retry_errors"):
        value = getattr(request, key)
        if value:
            assert inside(root, value), f"{key} {value!r} resolves outside {root}"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bodies.map(lambda body: json.dumps(body).encode()))
@example(b'{"suite_filter": "evals/\\ud800.yaml"}')
@example(b'{"test_ids": ["a"], "threshold": 1' + b"0" * 400 + b"}")
def test_preview_over_http_is_200_or_400_json(real_project, fp, body):
    """The same bodies through the WSGI app: never a 500, always JSON that can be sent."""
    client = client_for(real_project)
    response = client.post("/api/eval/preview", body=body)
    assert response.status in (200, 400), (response.status, response.body[:300])
    data = response.json
    assert ("command" in data) if response.status == 200 else ("error" in data)
    launched = client.post("/api/eval/run", body=body) if response.status == 400 else None
    if launched is not None:  # refused by preview → refused by launch, before anything is spawned
        assert launched.status == 400 and launched.json == data


# --- the bugs these properties found (kept as plain examples) ---------------------------

@pytest.mark.parametrize("body,word", [
    ({"test_ids": ["a"], "threshold": 10**400}, "threshold"),
    ({"test_ids": ["a"], "threshold": -(10**400)}, "threshold"),
    ({"test_ids": ["\ud800"]}, "test_ids"),
    ({"suite_filter": "evals/\udcff.yaml"}, "suite_filter"),
    ({"suite_filter": "a", "target": "x\ud800"}, "target"),
    ({"suite_filter": "a", "output": "x\ud800"}, "output"),
    ({"suite_filter": "a", "retry_errors": "\udfff"}, "retry_errors"),
])
def test_huge_numbers_and_lone_surrogates_are_400(body, word):
    with pytest.raises(LaunchError) as info:
        parse_request(body)
    assert info.value.status == 400 and info.value.message.startswith(word)


@pytest.mark.parametrize("body", [
    {"suite_filter": "a", "output": "a" * 300},
    {"suite_filter": "a", "output": "loop", "resume": True},
    {"suite_filter": "a", "output": "loop/new"},
    {"suite_filter": "a", "retry_errors": "loop"},
    {"suite_filter": "a", "retry_errors": "b" * 300 + "/index.jsonl"},
])
def test_paths_the_filesystem_refuses_are_400(prepare_env, body):
    project, reader = prepare_env
    with pytest.raises(LaunchError) as info:
        prepare(body, project, reader)
    assert info.value.status == 400
