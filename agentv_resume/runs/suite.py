"""The suite file(s) of a run as agentv 4.42.4 loads them: cases x effective targets.

agentv decides what a resume runs from the *suite*, not from index.jsonl: it
loads every test of the eval file(s), keeps those matching `--test-id`, pairs
each with the targets of the command (or of the suite), and skips the pairs
an earlier line completed.  This module is the first half of that: which
``(test_id, target)`` pairs agentv would plan for a command.  It reads, never
runs anything.

Rules learnt from agentv 4.42.4 (its dist/ and source maps; see
/work/plan/notes-predict.md and tests/unit/test_suite.py):

* YAML is parsed as YAML 1.2 (the `yaml` package, merge keys on): `yes`,
  `on`, dates and `1:20` stay strings.  Tests come from `tests:` (else the
  deprecated `eval_cases:` / `evalcases:`), an inline list whose `file://`
  entries expand to the cases of other YAML / JSONL files (globs allowed), or
  a path string naming a YAML / JSONL file or a directory of `*/case.yaml`.
* A case counts only with a string `id`, an `input` and one of `criteria`,
  `expected_outcome`, `expected_output`, `assertions`, `assert`, `turns`.
* `--test-id` patterns are micromatch globs, OR'ed; an exact string always
  matches.
* Targets: `--target` given more than once is a matrix; once, it is that
  target (but `--target default` defers to the suite's `execution.target`);
  none: the suite's `execution.targets` (matrix when several), else its
  `execution.target` / root `target`, else `default`.  In a matrix a case's
  own `execution.targets` limits which targets it runs on.
* `.jsonl` suites are read (their `<name>.yaml` sidecar gives the suite
  name); `.ts` / `.mts` (code) and `.json` (agent-skills) suites are not:
  a prediction from them is *approximate*.
"""

from __future__ import annotations

import glob as globlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from agentv_resume.files import open_regular

SUITE_MAX_BYTES = 8 * 1024 * 1024
EVAL_FILE_RE = re.compile(r"\.(ya?ml|jsonl|json|[cm]?ts)$", re.IGNORECASE)
DIRECTORY_EVAL_NAMES = ("*.eval.yaml", "*.eval.yml", "eval.yaml", "eval.yml", "*.eval.ts", "*.eval.mts")
EVALUATION_KEYS = ("criteria", "expected_outcome", "expected_output", "assertions", "assert")
DEFAULT_TARGET = "default"


# --------------------------------------------------------------------------- YAML 1.2

class _Yaml12Loader(yaml.SafeLoader):
    """PyYAML's safe loader with YAML 1.2 core-schema scalars, as agentv's `yaml` reads them.

    PyYAML follows YAML 1.1, where `yes`/`no`/`on`/`off` are booleans, `2024-01-02`
    a date and `1:20` a number; for agentv they are strings, and a test id
    must be a string for the test to exist."""


_Yaml12Loader.yaml_implicit_resolvers = {}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789"))
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."))
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])
_Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"])


def _construct_int(loader, node):
    text = loader.construct_scalar(node)
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


_Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def parse_yaml(text: str):
    """One YAML document as agentv's loader reads it (YAML 1.2 scalars, merge keys)."""
    return yaml.load(text, Loader=_Yaml12Loader)  # noqa: S506 - a SafeLoader subclass


# --------------------------------------------------------------------------- ${{ VAR }}

_WHOLE_VAR = re.compile(r"^\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$")
_ANY_VAR = re.compile(r"\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_PLAIN_NUMBER = re.compile(r"^-?(?:0|[1-9]\d*)(?:\.\d+)?$")


def interpolate_env(value, env):
    """agentv's `${{ VAR }}` substitution: a whole-value reference takes the variable's
    type (`true`, `3`), a partial one stays a string; a missing variable is ''."""
    if isinstance(value, str):
        whole = _WHOLE_VAR.match(value)
        if whole:
            resolved = env.get(whole.group(1), "")
            if resolved in ("true", "false"):
                return resolved == "true"
            if _PLAIN_NUMBER.match(resolved):
                return float(resolved) if "." in resolved else int(resolved)
            return resolved
        return _ANY_VAR.sub(lambda m: env.get(m.group(1), ""), value)
    if isinstance(value, list):
        return [interpolate_env(item, env) for item in value]
    if isinstance(value, dict):
        return {key: interpolate_env(item, env) for key, item in value.items()}
    return value


# --------------------------------------------------------------------------- --test-id globs

class _Unsupported(Exception):
    """A glob construct this matcher does not model (extglobs, `[!..]`, padded ranges)."""


def _expand_braces(pattern: str) -> list[str]:
    """micromatch's brace expansion for `{a,b}` (two or more parts) and `{1..5}`;
    a one-part `{a}` stays literal, as it does in micromatch."""
    depth, start = 0, -1
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
            if depth == 0:
                body = pattern[start + 1:i]
                parts = _split_top(body)
                head, tail = pattern[:start], pattern[i + 1:]
                if len(parts) > 1:
                    return [x for part in parts for x in _expand_braces(head + part + tail)]
                numeric = re.fullmatch(r"(-?\d+)\.\.(-?\d+)", body)
                if numeric:
                    lo, hi = numeric.groups()
                    if (len(lo) > 1 and lo.lstrip("-").startswith("0")) or (len(hi) > 1 and hi.lstrip("-").startswith("0")):
                        raise _Unsupported("zero-padded range")
                    a, b = int(lo), int(hi)
                    step = 1 if b >= a else -1
                    return [x for n in range(a, b + step, step) for x in _expand_braces(f"{head}{n}{tail}")]
                if re.fullmatch(r"[a-zA-Z]\.\.[a-zA-Z]", body):
                    raise _Unsupported("letter range")
                # `{a}`: literal braces
                return [head + "\\{" + x for x in _expand_braces(body + "\\}" + tail)]
        i += 1
    return [pattern]


def _split_top(body: str) -> list[str]:
    parts, depth, current, i = [], 0, "", 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            current += body[i:i + 2]
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
        i += 1
    parts.append(current)
    return parts


def _glob_regex(pattern: str) -> str:
    out, i, n = [], 0, len(pattern)
    while i < n:
        ch = pattern[i]
        segment_start = i == 0 or pattern[i - 1] == "/"
        no_dot = "(?!\\.)" if segment_start else ""
        if ch == "\\":
            if i + 1 < n:
                out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if ch in "+@!?*" and i + 1 < n and pattern[i + 1] == "(":
            raise _Unsupported("extglob")
        if ch in "()|":
            raise _Unsupported("regex group")
        if ch == "*":
            if i + 1 < n and pattern[i + 1] == "*":
                while i < n and pattern[i] == "*":
                    i += 1
                out.append(no_dot + ".*")
                continue
            out.append(no_dot + "[^/]*")
        elif ch == "?":
            out.append(no_dot + "[^/]")
        elif ch == "[":
            end = pattern.find("]", i + 2)
            if end < 0:
                out.append("\\[")
            else:
                body = pattern[i + 1:end]
                if body.startswith("!"):
                    raise _Unsupported("[!...] class")
                negate = body.startswith("^")
                if negate:
                    body = body[1:]
                body = body.replace("\\", "\\\\").replace("[", "\\[")
                out.append(f"[{'^' if negate else ''}{body}]")
                i = end
        else:
            out.append(re.escape(ch))
        i += 1
    return "".join(out)


@dataclass(frozen=True)
class TestIdFilter:
    """`--test-id` patterns as agentv applies them: a test is kept when any pattern matches.

    ``exact`` is False when a pattern uses a glob construct this matcher does
    not model faithfully (its answer is then a best guess: said, not hidden)."""

    patterns: tuple[str, ...]
    exact: bool = True

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def matches(self, test_id: str) -> bool:
        return any(match_test_id(test_id, pattern)[0] for pattern in self.patterns)


def make_filter(patterns) -> TestIdFilter:
    patterns = tuple(p for p in (patterns or ()) if isinstance(p, str) and p.strip())
    exact = all(match_test_id("", p)[1] for p in patterns)
    return TestIdFilter(patterns, exact)


def match_test_id(test_id: str, pattern: str) -> tuple[bool, bool]:
    """(does micromatch.isMatch(test_id, pattern) hold?, is the answer faithful?)"""
    if test_id == pattern:
        return True, True
    negated = False
    while pattern.startswith("!") and not pattern.startswith("!("):
        negated, pattern = not negated, pattern[1:]
    try:
        regexes = [_glob_regex(p) for p in _expand_braces(pattern)]
        matched = any(re.fullmatch(rx, test_id, re.DOTALL) for rx in regexes)
        return matched != negated, True
    except (_Unsupported, re.error):
        literal = pattern.replace("\\", "")
        return (test_id == literal) != negated, False


# --------------------------------------------------------------------------- suite files

@dataclass(frozen=True)
class SuiteCase:
    test_id: str
    targets: tuple[str, ...] = ()  # the case's own execution.targets (matrix runs only)


@dataclass
class SuiteFile:
    """One eval file as agentv loads it (before `--test-id` filtering)."""

    path: Path
    name: str | None = None            # the suite name agentv writes on each line (`suite`)
    cases: list[SuiteCase] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)   # execution.targets
    target: str | None = None          # execution.target, else root `target`
    tags: list[str] = field(default_factory=list)
    approximate: str | None = None     # why the cases cannot be read faithfully
    error: str | None = None           # agentv would refuse to load it (and so run nothing)

    @property
    def readable(self) -> bool:
        return self.approximate is None and self.error is None


def _read_text(path: Path) -> str:
    # Non-blocking, regular files only: an eval file that is a FIFO or /dev/zero
    # must not hold a page (files.py).
    with open_regular(path) as handle:
        data = handle.read(SUITE_MAX_BYTES + 1)
    if len(data) > SUITE_MAX_BYTES:
        raise OSError(f"larger than {SUITE_MAX_BYTES} bytes")
    return data.decode("utf-8", errors="replace")


def _suite_name_fallback(path: Path) -> str:
    base = re.sub(r"\.ya?ml$", "", re.sub(r"\.eval\.ya?ml$", "", path.name, flags=re.I), flags=re.I)
    return base or "eval"


def _has_input(case: dict) -> bool:
    files = case.get("input_files")
    value = case.get("input")
    if files is not None:
        return True  # input_files alone make a user message
    if isinstance(value, str):
        return True
    if isinstance(value, dict):
        return "role" not in value or isinstance(value.get("role"), str)
    if isinstance(value, list):
        return any(isinstance(m, dict) and isinstance(m.get("role"), str) for m in value)
    return False


def _has_outcome(case: dict) -> bool:
    return any(isinstance(case.get(key), str) and case[key] for key in ("criteria", "expected_outcome"))


def _has_expected_output(case: dict) -> bool:
    expected = case.get("expected_output")
    return expected is not None and expected != []


def _complete(case: dict, suite_input_files) -> bool:
    """agentv keeps a test with a string id, an input, and something to judge it by."""
    if not isinstance(case.get("id"), str) or not case["id"]:
        return False
    if case.get("input_files") is None and suite_input_files is None and not _has_input(case):
        return False
    turns = case.get("turns")
    return (_has_outcome(case) or _has_expected_output(case) or "assertions" in case or "assert" in case
            or (isinstance(turns, list) and bool(turns)))


def _case_targets(case: dict) -> tuple[str, ...]:
    execution = case.get("execution")
    if isinstance(execution, dict) and isinstance(execution.get("targets"), list):
        return tuple(t.strip() for t in execution["targets"] if isinstance(t, str) and t.strip())
    return ()


def _suite_targets(suite: dict) -> list[str]:
    execution = suite.get("execution")
    if not isinstance(execution, dict) or not isinstance(execution.get("targets"), list):
        return []
    names = []
    for item in execution["targets"]:
        if isinstance(item, str) and item.strip():
            names.append(item.strip())
        elif isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"].strip():
            names.append(item["name"].strip())
    return names


def _suite_target(suite: dict) -> str | None:
    execution = suite.get("execution")
    if isinstance(execution, dict) and isinstance(execution.get("target"), str) and execution["target"].strip():
        return execution["target"].strip()
    if isinstance(suite.get("target"), str) and suite["target"].strip():
        return suite["target"].strip()
    return None


def _cases_from_file(path: Path, env) -> list:
    """An external case file (`tests: path`, `file://...`): a YAML list or JSONL objects."""
    text = _read_text(path)
    if not text.strip():
        return []
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        data = interpolate_env(parse_yaml(text), env)
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise ValueError(f"external test file must hold a YAML list of objects: {path}")
        return data
    if suffix == ".jsonl":
        out = []
        for number, line in enumerate(text.split("\n"), 1):
            if line.strip():
                item = interpolate_env(json.loads(line), env)
                if not isinstance(item, dict):
                    raise ValueError(f"line {number} of {path} is not a JSON object")
                out.append(item)
        return out
    raise ValueError(f"unsupported external test file format {suffix!r}: {path}")


def _cases_from_directory(directory: Path, env) -> list:
    out = []
    for sub in sorted(p for p in directory.iterdir() if p.is_dir()):
        case_file = next((sub / n for n in ("case.yaml", "case.yml") if (sub / n).is_file()), None)
        if case_file is None:
            continue
        data = interpolate_env(parse_yaml(_read_text(case_file)), env)
        if not isinstance(data, dict):
            raise ValueError(f"case file must hold a YAML object: {case_file}")
        data = dict(data)
        if data.get("id") is None:
            data["id"] = sub.name
        out.append(data)
    return out


def _expand_file_references(entries: list, base: Path, env) -> list:
    out = []
    for entry in entries:
        if isinstance(entry, str) and entry.startswith("file://"):
            raw = entry[len("file://"):]
            target = os.path.normpath(os.path.join(base, raw))
            if any(ch in raw for ch in "*?{"):
                for match in sorted(_glob(target)):
                    if os.path.isfile(match):
                        out.extend(_cases_from_file(Path(match), env))
            else:
                out.extend(_cases_from_file(Path(target), env))
        else:
            out.append(entry)
    return out


def load_suite_file(path: Path, env=None) -> SuiteFile:
    """Read one eval file the way agentv 4.42.4 loads it; never raises."""
    env = os.environ if env is None else env
    path = Path(path)
    suffix = path.suffix.lower()
    result = SuiteFile(path)
    if suffix in (".ts", ".mts", ".cts"):
        result.approximate = f"{path.name} is a TypeScript eval: its cases are known only to agentv"
        return result
    if suffix == ".json":
        result.approximate = f"{path.name} is an agent-skills JSON eval, which this tool does not read"
        return result
    try:
        if suffix == ".jsonl":
            return _load_jsonl(path, env, result)
        if suffix not in (".yaml", ".yml"):
            result.error = f"agentv does not read eval files like {path.name}"
            return result
        return _load_yaml(path, env, result)
    except (OSError, ValueError, yaml.YAMLError, RecursionError) as exc:
        result.error = f"{path.name} cannot be loaded: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
        return result


def _load_yaml(path: Path, env, result: SuiteFile) -> SuiteFile:
    suite = interpolate_env(parse_yaml(_read_text(path)), env)
    if not isinstance(suite, dict):
        result.error = f"{path.name} is not a YAML mapping"
        return result
    name = suite.get("name")
    result.name = name.strip() if isinstance(name, str) and name.strip() else _suite_name_fallback(path)
    result.targets = _suite_targets(suite)
    result.target = _suite_target(suite)
    if isinstance(name, str) and isinstance(suite.get("tags"), list):
        result.tags = [t for t in suite["tags"] if isinstance(t, str)]
    # The first key present wins, even when empty (agentv then refuses the file).
    raw = next((suite[k] for k in ("tests", "eval_cases", "evalcases") if k in suite), None)
    if isinstance(raw, str):
        external = Path(os.path.normpath(os.path.join(path.parent, raw)))
        entries = _cases_from_directory(external, env) if external.is_dir() else _cases_from_file(external, env)
    elif isinstance(raw, list):
        entries = _expand_file_references(raw, path.parent, env)
    else:
        result.error = f"{path.name} has no 'tests' list: agentv refuses it"
        return result
    suite_input_files = suite.get("input_files")
    for entry in entries:
        if isinstance(entry, dict) and _complete(entry, suite_input_files):
            result.cases.append(SuiteCase(entry["id"], _case_targets(entry)))
    return result


def _load_jsonl(path: Path, env, result: SuiteFile) -> SuiteFile:
    sidecar = path.with_suffix(".yaml")
    name = None
    if sidecar.is_file():
        try:
            meta = interpolate_env(parse_yaml(_read_text(sidecar)), env)
            if isinstance(meta, dict) and isinstance(meta.get("name"), str) and meta["name"].strip():
                name = meta["name"]
        except (OSError, yaml.YAMLError):
            pass
    result.name = name or path.stem or "eval"
    for number, line in enumerate(_read_text(path).split("\n"), 1):
        line = line.strip()
        if not line:
            continue
        case = interpolate_env(json.loads(line), env)
        if not isinstance(case, dict):
            raise ValueError(f"line {number}: expected a JSON object")
        if not isinstance(case.get("id"), str) or not case["id"] or not _has_input(case):
            continue
        if not (_has_outcome(case) or _has_expected_output(case) or "assert" in case):
            continue
        result.cases.append(SuiteCase(case["id"]))
    return result


# --------------------------------------------------------------------------- eval paths

def _glob(pattern: str) -> list[str]:
    """fast-glob over braces too (Python's glob has no `{a,b}`)."""
    try:
        patterns = _expand_braces(pattern)
    except _Unsupported:
        patterns = [pattern]
    found: set[str] = set()
    for item in patterns:
        found.update(globlib.glob(item, recursive=True, include_hidden=True))
    return sorted(found)


def resolve_eval_paths(parts, cwd: Path) -> list[Path]:
    """agentv's `eval run <paths...>`: files, directories (their `*.eval.yaml` etc.) and
    globs, minus `!negations`, as a sorted list of absolute paths."""
    cwd = Path(cwd)
    includes = [p.strip() for p in parts if p and p.strip() and not p.strip().startswith("!")]
    ignores = [p.strip()[1:] for p in parts if p and p.strip().startswith("!")]
    found: set[str] = set()
    for pattern in includes:
        candidate = os.path.normpath(pattern if os.path.isabs(pattern) else os.path.join(cwd, pattern))
        if os.path.isfile(candidate) and EVAL_FILE_RE.search(candidate):
            found.add(candidate)
            continue
        if os.path.isdir(candidate):
            for name in DIRECTORY_EVAL_NAMES:
                found.update(os.path.normpath(p) for p in _glob(os.path.join(candidate, "**", name)) if os.path.isfile(p))
            continue
        absolute = pattern if os.path.isabs(pattern) else os.path.join(cwd, pattern)
        found.update(os.path.normpath(p) for p in _glob(absolute) if os.path.isfile(p) and EVAL_FILE_RE.search(p))
    for pattern in ignores:
        absolute = pattern if os.path.isabs(pattern) else os.path.join(cwd, pattern)
        found.difference_update(os.path.normpath(p) for p in _glob(absolute))
    return [Path(p) for p in sorted(found)]


# --------------------------------------------------------------------------- the plan

@dataclass
class SuitePlan:
    """What `agentv eval run <files> [--target]... [--test-id]...` plans, before any skip."""

    files: list[SuiteFile]
    identities: list[tuple[str, str]]  # (test_id, target) in agentv's order, no duplicates
    targets: list[str]                 # the targets agentv would run, in order
    approximate: list[str]             # why the plan may differ from agentv's
    errors: list[str]                  # files agentv would refuse
    _counted: list[tuple[str, str]] = field(default_factory=list, repr=False)

    @property
    def exact(self) -> bool:
        return not self.approximate and not self.errors

    def progress_total(self, skip: set[tuple[str, str]] = frozenset()) -> int:
        """agentv's own count (its `N` in `i/N` progress lines): per-test targets
        count even in single-target runs, a case with none left counts once."""
        return sum(1 for key in self._counted if key not in skip)


def selected_targets(suite: SuiteFile, cli_targets) -> list[str]:
    """The target names agentv selects for one file (before per-test targets)."""
    cli = [t.strip() for t in (cli_targets or ()) if isinstance(t, str) and t.strip()]
    if len(cli) > 1:
        return cli
    names = cli or suite.targets
    if len(names) > 1:
        return list(names)
    chosen = names[0] if names else None
    if chosen and chosen != DEFAULT_TARGET:
        return [chosen]
    return [suite.target or DEFAULT_TARGET]


def plan_suite(files: list[SuiteFile], cli_targets=(), test_ids=()) -> SuitePlan:
    """Cases x effective targets, in agentv's order (file by file, target by target)."""
    flt = make_filter(test_ids)
    identities: list[tuple[str, str]] = []
    counted: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    targets: list[str] = []
    approximate: list[str] = []
    errors: list[str] = []
    if flt and not flt.exact:
        approximate.append("a --test-id pattern uses a glob form this tool does not model exactly")
    for suite in files:
        if suite.error:
            errors.append(suite.error)
            continue
        if suite.approximate:
            approximate.append(suite.approximate)
            continue
        selection = selected_targets(suite, cli_targets)
        for target in selection:
            if target not in targets:
                targets.append(target)
        cases = [c for c in suite.cases if not flt or flt.matches(c.test_id)]
        matrix = len(selection) > 1
        for case in cases:
            own = [t for t in case.targets if t in selection] if case.targets else list(selection)
            for target in own or ["unknown"]:
                counted.append((case.test_id, target))
        for target in selection:
            for case in cases:
                if matrix and case.targets and target not in case.targets:
                    continue
                key = (case.test_id, target)
                if key not in seen:
                    seen.add(key)
                    identities.append(key)
    return SuitePlan(files, identities, targets, approximate, errors, counted)


# --------------------------------------------------------------------------- finding suites by name

SKIP_DIRS = {".agentv", ".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", "dist", "build"}
SCAN_MAX_FILES = 2000


def find_eval_files(project_root: Path, max_depth: int = 6) -> list[Path]:
    """YAML / JSONL files of the project that could be eval files (bounded walk)."""
    out: list[Path] = []
    root = str(project_root)
    for directory, dirs, files in os.walk(root):
        depth = directory[len(root):].count(os.sep)
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not (depth >= max_depth))
        for name in sorted(files):
            if name.lower().endswith((".yaml", ".yml", ".jsonl")):
                out.append(Path(directory) / name)
                if len(out) >= SCAN_MAX_FILES:
                    return out
    return out


def suites_by_name(project_root: Path, names, env=None) -> dict[str, list[SuiteFile]]:
    """For each suite name, the project's eval files that load under that name."""
    wanted = set(names)
    found: dict[str, list[SuiteFile]] = {name: [] for name in wanted}
    for path in find_eval_files(project_root):
        if path.suffix.lower() == ".jsonl":
            continue  # a JSONL suite is named by its sidecar or file name: cheap to check
        try:
            text = _read_text(path)
        except OSError:
            continue
        if not re.search(r"^(tests|eval_cases|evalcases)\s*:", text, re.M):
            continue
        suite = load_suite_file(path, env)
        if suite.name in wanted and suite.readable:
            found[suite.name].append(suite)
    return found
