"""agentv keeps its colours on a terminal; the logs we keep stay plain text.

agentv 4.42.4 colours its output only when its stdout is a TTY (FORCE_COLOR
does nothing for `eval run`), so a `launch` on a terminal runs it on a
pseudo-terminal.  The stand-in below behaves the same way.
"""

from __future__ import annotations

import os
import sys

import pytest

from agentv_resume.jobs.ansi import AnsiStripper, strip_ansi
from agentv_resume.jobs.runner import run_job
from support.standin import RESUME_INTERRUPTED, INTERRUPTED

COLOURED_AGENTV = """#!{python}
import os, sys
green, reset = "\\x1b[32m", "\\x1b[0m"
tty = sys.stdout.isatty()
print(("%sPASS%s" % (green, reset)) if tty else "PASS", "tty" if tty else "not-a-tty",
      "cols=%s" % (os.get_terminal_size().columns if tty else "-"), flush=True)
sys.stderr.write("\\x1b]0;title\\x07warning on stderr\\n")
print("no colour: NO_COLOR" if "NO_COLOR" in os.environ else "colour allowed", flush=True)
"""


@pytest.fixture
def coloured_agentv(tmp_path):
    path = tmp_path / "bin" / "agentv"
    path.parent.mkdir()
    path.write_text(COLOURED_AGENTV.format(python=sys.executable))
    path.chmod(0o755)
    return path


def _logs(launcher, job, project):  # noqa: F811
    output = (job.dir / "output.log").read_bytes()
    console = (project / INTERRUPTED / "console.log").read_bytes()
    return output, console


def test_on_a_terminal_agentv_colours_and_the_logs_stay_plain(launcher, project, coloured_agentv):  # noqa: F811
    job, lock_fd = launcher.start(RESUME_INTERRUPTED, coloured_agentv, source="cli")
    chunks = []
    assert run_job(job, lock_fd, echo=chunks.append, colour=True) == 0
    shown = b"".join(chunks)
    assert b"\x1b[32mPASS\x1b[0m tty" in shown and b"colour allowed" in shown
    assert b"cols=-" not in shown and b"\r" not in shown  # a real terminal size; "\n" stays "\n"
    output, console = _logs(launcher, job, project)
    for log in (output, console):
        assert b"\x1b" not in log and b"\r" not in log
        assert b"PASS tty" in log and b"warning on stderr" in log
    assert job.record["status"] == "finished" and not job.record.get("log_error")
    assert launcher.status(job.id)["log_tail"].startswith("PASS tty")


def test_piped_or_from_the_page_agentv_writes_plain_text_itself(launcher, project, coloured_agentv):  # noqa: F811
    job, lock_fd = launcher.start(RESUME_INTERRUPTED, coloured_agentv, source="cli")
    chunks = []
    assert run_job(job, lock_fd, echo=chunks.append) == 0
    assert b"PASS not-a-tty" in b"".join(chunks) and b"no colour: NO_COLOR" in b"".join(chunks)


@pytest.mark.parametrize("cut", range(1, 12))
def test_a_sequence_cut_between_chunks_is_still_removed(cut):
    data = b"a \x1b[1;32mgreen\x1b[0m b \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ c\n"
    stripper = AnsiStripper()
    out = b""
    for start in range(0, len(data), cut):
        out += stripper.feed(data[start:start + cut])
    out += stripper.flush()
    assert out == b"a green b link c\n" == strip_ansi(data)


def test_a_lone_escape_at_the_very_end_is_not_kept_forever():
    stripper = AnsiStripper()
    assert stripper.feed(b"text \x1b") == b"text "
    assert stripper.flush() == b""
    assert AnsiStripper().feed(b"\x1b]" + b"x" * 300) == b"]" + b"x" * 300  # too long to be one: text, ESC dropped
