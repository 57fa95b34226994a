"""Paths as agentv reads them, and the one rule that keeps them in the project.

agentv is a Node program started in the project root.  It turns a path it is
given into an absolute one with Node's ``path.resolve``: ``..`` and ``.`` are
removed *by text* first, and only then does the operating system follow
links.  ``Path.resolve()`` does the opposite (links first, then ``..``), so
with ``deeplink -> sub/a/b`` the two disagree about ``deeplink/../x``: agentv
means ``<root>/x``, pathlib means ``<root>/sub/a/x``.  Every check here
starts from agentv's reading, and the caller hands agentv exactly the path
that was checked (``AgentvPath.arg``), so there is no second reading.

A path is inside the project when it is inside both by text (``..``
removed first) and after links are followed (``os.path.realpath`` of the
text, which has no ``..`` left to disagree about).

Suite paths follow agentv's eval-path rules: an existing file or directory
is taken literally; anything else is a glob (fast-glob, dot files included,
links followed).  A glob is kept inside the project by refusing absolute
globs and ``..`` in them and by checking that every file it matches, once
its links are followed, is in the project.

Pure apart from ``stat``/``realpath``/``glob`` calls; imports nothing of ours.
"""

from __future__ import annotations

import glob as _glob
import os
import posixpath
import re
import stat as _stat
from dataclasses import dataclass

# What agentv globs for below a directory given as a suite path.
EVAL_FILE_GLOBS = ("*.eval.yaml", "*.eval.yml", "eval.yaml", "eval.yml", "*.eval.ts", "*.eval.mts")
# What agentv accepts as an eval file given by name.
_EVAL_FILE = re.compile(r"\.(ya?ml|jsonl|json|[cm]?ts)$", re.IGNORECASE)
# Characters that make a fast-glob pattern dynamic (micromatch's rules, widened:
# a false "glob" only means the stricter glob checks apply).
_MAGIC = re.compile(r"[*?\[\]{}()!+@]")
# Extended globs (``@(a|b)``, ``+(x)``...): Python's glob cannot expand them, so
# their matches could not be checked; they are refused rather than trusted.
_EXTGLOB = re.compile(r"[?*+@!]\(")
# A glob that matches more files than this is refused (the check walks them).
MAX_GLOB_MATCHES = 20_000


class OutsideProject(ValueError):
    """A path agentv would read outside the project (or cannot be checked)."""


def node_resolve(cwd: str, value: str) -> str:
    """Node's ``path.resolve(cwd, value)`` on POSIX: absolute, ``..`` removed by text.

    ``cwd`` must be absolute.  Backslashes are ordinary characters (POSIX).
    """
    joined = value if value.startswith("/") else f"{cwd}/{value}"
    normal = posixpath.normpath(joined)
    # POSIX lets normpath keep exactly two leading slashes; Node makes them one.
    return "/" + normal.lstrip("/")


def inside_by_text(root: str, path: str) -> bool:
    """``path`` is ``root`` or below it, comparing normalised text only."""
    return path == root or path.startswith(root.rstrip("/") + "/")


def real(path: str) -> str:
    """``path`` with every link followed (a missing tail is kept as text)."""
    return os.path.realpath(path)


@dataclass(frozen=True)
class AgentvPath:
    """One path from a request, as agentv will use it.

    ``absolute``: what agentv opens (Node's reading); ``real``: where that
    lands once links are followed; ``arg``: what goes on agentv's command
    line — relative to the project root when inside it (agentv runs there).
    """

    given: str
    absolute: str
    real: str
    arg: str


def _relative_arg(root: str, absolute: str) -> str:
    if absolute == root:
        return "."
    return absolute[len(root.rstrip("/")) + 1:]


def check_path(root: str, key: str, value: str) -> AgentvPath:
    """``value`` read as agentv reads it (relative to ``root``); OutsideProject
    unless it stays inside ``root`` by text and after links.

    ``root`` must be the project root with its links already followed (the
    directory agentv's ``process.cwd()`` reports).
    """
    absolute = node_resolve(root, value)
    if not inside_by_text(root, absolute):
        raise OutsideProject(
            f"{key} must be inside the project ({root}): {value!r} is {absolute} "
            "(agentv removes '..' before it follows links)"
        )
    try:
        landed = real(absolute)
    except (OSError, ValueError) as exc:  # a loop, a NUL byte
        raise OutsideProject(f"{key} {value!r} cannot be used: {exc}") from None
    if not inside_by_text(real(root), landed):
        raise OutsideProject(
            f"{key} must be inside the project ({root}): {value!r} leads through a link to {landed}"
        )
    return AgentvPath(value, absolute, landed, _relative_arg(root, absolute))


# --- suite paths and globs ------------------------------------------------------

def _literal_kind(absolute: str) -> str | None:
    """"file" / "dir" when agentv would take the path literally, else None (a glob)."""
    try:
        mode = os.stat(absolute).st_mode
    except (OSError, ValueError):
        return None
    if _stat.S_ISREG(mode) and _EVAL_FILE.search(absolute):
        return "file"
    if _stat.S_ISDIR(mode):
        return "dir"
    return None


def is_glob(pattern: str) -> bool:
    return bool(_MAGIC.search(pattern))


def expand_braces(pattern: str) -> list[str]:
    """``{a,b}`` and ``{1..3}`` alternatives spelled out (nested too), as fast-glob does."""
    depth, start = 0, -1
    for index, char in enumerate(pattern):
        if char == "\\":
            continue
        if char == "{":
            if depth == 0:
                start = index
            depth += 1
        elif char == "}" and depth:
            depth -= 1
            if depth == 0:
                inner = pattern[start + 1:index]
                options = _brace_options(inner)
                if options is None:
                    continue
                head, tail = pattern[:start], pattern[index + 1:]
                out: list[str] = []
                for option in options:
                    out.extend(expand_braces(head + option + tail))
                return out
    return [pattern]


def _brace_options(inner: str) -> list[str] | None:
    numeric = re.fullmatch(r"(-?\d+)\.\.(-?\d+)", inner)
    if numeric:
        first, last = int(numeric.group(1)), int(numeric.group(2))
        if abs(last - first) > 1000:
            return None
        step = 1 if last >= first else -1
        return [str(n) for n in range(first, last + step, step)]
    parts, depth, current = [], 0, ""
    for char in inner:
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += char == "{"
        depth -= char == "}"
        current += char
    parts.append(current)
    return parts if len(parts) > 1 else None


def _check_matches(root: str, real_root: str, key: str, value: str, patterns: list[str]) -> None:
    count = 0
    for pattern in patterns:
        for match in _glob.iglob(pattern, root_dir=root, recursive=True, include_hidden=True):
            count += 1
            if count > MAX_GLOB_MATCHES:
                raise OutsideProject(f"{key} {value!r} matches more than {MAX_GLOB_MATCHES} paths: name the eval files")
            landed = real(posixpath.join(root, match))
            if not inside_by_text(real_root, landed):
                raise OutsideProject(
                    f"{key} must stay inside the project ({root}): {value!r} matches {match}, "
                    f"a link to {landed}"
                )


def check_suite_part(root: str, value: str) -> str:
    """One suite_filter part, checked as agentv will read it; the argument to pass.

    A negation (``!pattern``) only removes files from agentv's list: passed as
    it is.  An existing file or directory is a path (``check_path``; for a
    directory, the eval files agentv globs below it must stay inside too).
    Anything else is a glob: not absolute, no ``..``, no extended glob, and
    every match inside the project once its links are followed.
    """
    key = "suite_filter"
    if value.startswith("!"):
        return value
    absolute = node_resolve(root, value)
    kind = _literal_kind(absolute)
    real_root = real(root)
    if kind is not None:
        checked = check_path(root, key, value)
        if kind == "dir":
            below = checked.absolute[len(root.rstrip("/")) + 1:] if checked.absolute != root else ""
            patterns = [posixpath.join(glob_escape(below), "**", name) for name in EVAL_FILE_GLOBS]
            _check_matches(root, real_root, key, value, patterns)
        return checked.arg
    # agentv (fast-glob) reads backslashes in a glob as '/'.
    pattern = value.replace("\\", "/") if "\\" in value else value
    if pattern.startswith("/"):
        raise OutsideProject(f"{key} {value!r}: an absolute glob is refused; give it relative to the project root")
    if ".." in pattern.split("/"):
        raise OutsideProject(f"{key} {value!r}: '..' in a glob is refused (it could reach outside the project)")
    if _EXTGLOB.search(pattern):
        raise OutsideProject(f"{key} {value!r}: extended globs such as @(a|b) are not supported; use * ? [ ] {{a,b}}")
    # The folders before the first wildcard must lead nowhere outside, matches or not.
    static = []
    for segment in pattern.split("/"):
        if is_glob(segment):
            break
        static.append(segment)
    check_path(root, key, "/".join(static))
    try:
        _check_matches(root, real_root, key, value, expand_braces(pattern))
    except (OSError, ValueError, RecursionError) as exc:
        if isinstance(exc, OutsideProject):
            raise
        raise OutsideProject(f"{key} {value!r} cannot be checked: {exc}") from None
    return value


def glob_escape(text: str) -> str:
    return _glob.escape(text)
