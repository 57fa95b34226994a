"""Write or check the shipped completion scripts:
``python -m agentv_resume.cli.completion_scripts --write completions/`` (or ``--check``)."""

from __future__ import annotations

import sys
from pathlib import Path

from agentv_resume.cli import completion
from agentv_resume.cli.completion import SCRIPT_NAMES, SHELLS
from agentv_resume.cli.main import main


def write_scripts(directory: Path) -> list[Path]:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for shell in SHELLS:
        path = directory / SCRIPT_NAMES[shell]
        path.write_text(completion.script(shell, main), encoding="utf-8", newline="\n")
        written.append(path)
    return written


def drifted_scripts(directory: Path) -> list[Path]:
    """The shipped scripts that differ from freshly generated ones (or are missing)."""
    out = []
    for shell in SHELLS:
        path = Path(directory) / SCRIPT_NAMES[shell]
        try:
            current = path.read_text(encoding="utf-8")
        except OSError:
            current = None
        if current != completion.script(shell, main):
            out.append(path)
    return out


def _main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m agentv_resume.cli.completion_scripts",
        description="Write (or check) the shell completion scripts generated from the Click app.")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", metavar="DIR", help="write studio-resume.{bash,zsh,fish} into DIR")
    group.add_argument("--check", metavar="DIR", help="exit 1 if the scripts in DIR differ from fresh ones")
    args = parser.parse_args(argv)
    if args.write:
        for path in write_scripts(Path(args.write)):
            print(f"wrote {path}")
        return 0
    drifted = drifted_scripts(Path(args.check))
    for path in drifted:
        print(f"{path} is out of date: run python -m agentv_resume.cli.completion_scripts --write {args.check}", file=sys.stderr)
    return 1 if drifted else 0


if __name__ == "__main__":
    sys.exit(_main())
