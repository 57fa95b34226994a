"""The demo project bundled with studio-resume (`studio-resume serve --demo`).

`project/` was made by the real agentv CLI (see tools/make_demo.py). agentv
writes absolute paths; in the bundle they read ``{PROJECT_ROOT}``, and
:func:`copy_demo_project` puts the copy's real path back, which gives exactly
what agentv would have written there.
"""
from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

__all__ = ["PLACEHOLDER", "DEMO_NAME", "demo_source", "copy_demo_project"]

PLACEHOLDER = "{PROJECT_ROOT}"
DEMO_NAME = "agentv-demo"


def demo_source() -> Path:
    """The bundled (read-only) demo project."""
    here = Path(__file__).resolve().parent / "project"
    if here.is_dir():
        return here
    from importlib import resources  # e.g. an unusual loader

    return Path(str(resources.files(__name__).joinpath("project")))


def _new_dir(dest_parent: Path) -> Path:
    dest_parent.mkdir(parents=True, exist_ok=True)
    for n in range(1, 1000):
        cand = dest_parent / (DEMO_NAME if n == 1 else f"{DEMO_NAME}-{n}")
        try:
            cand.mkdir()
        except FileExistsError:
            continue
        return cand
    raise FileExistsError(f"no free {DEMO_NAME}-N folder under {dest_parent}")


def copy_demo_project(dest_parent: Path) -> Path:
    """Copy the demo into a new folder under *dest_parent*; return its root.

    The folder is ``agentv-demo`` (``agentv-demo-2``, ... when taken), so the
    project's benchmark id is stable. Every ``{PROJECT_ROOT}`` in the text
    files of ``.agentv/`` becomes the copy's absolute path (JSON-escaped in
    ``.json`` / ``.jsonl`` files).
    """
    src = demo_source()
    root = _new_dir(Path(dest_parent)).resolve()
    shutil.copytree(src, root, dirs_exist_ok=True, copy_function=shutil.copyfile,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    # The installed package may be read-only; the copy must be writable.
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames, ""]:
            p = os.path.join(dirpath, name) if name else dirpath
            mode = os.stat(p).st_mode
            os.chmod(p, mode | stat.S_IWUSR | stat.S_IRUSR | (stat.S_IXUSR if stat.S_ISDIR(mode) else 0))
    raw = str(root)
    escaped = json.dumps(raw)[1:-1]
    for f in sorted((root / ".agentv").rglob("*")):
        if not f.is_file():
            continue
        try:
            text = f.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        if PLACEHOLDER in text:
            value = escaped if f.suffix in (".json", ".jsonl") else raw
            f.write_text(text.replace(PLACEHOLDER, value), encoding="utf-8")
    return root
