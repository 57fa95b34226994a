"""Names of the files in a project that the read side knows.

Imports nothing of the package: a <TAB> (a fresh interpreter each time) reaches the project
walk through here without loading the suite parser and its YAML library.
"""

from __future__ import annotations

import os
from pathlib import Path

INDEX_NAME = "index.jsonl"
BENCHMARK_NAME = "benchmark.json"
# This tool's own state, beside agentv's: job records, saved summaries, run ids.
STATE_PARTS = (".agentv", "studio-resume")


def state_dir(project_root) -> Path:
    return Path(project_root).joinpath(*STATE_PARTS)


def file_stamp(st: os.stat_result) -> tuple:
    """What says a file is unchanged: its identity (device, inode), size and mtime."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
