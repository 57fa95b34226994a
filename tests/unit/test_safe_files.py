"""The safe file layer: nothing hangs on a FIFO, nothing reads without end,
nothing is written through a link, and any bad JSON is one 'unreadable'."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentv_resume.files import (
    Unreadable, UnsafeFile, link_problem, open_append, open_lock, open_regular, open_update, parse_json,
    read_json, read_regular, write_replace,
)

pytestmark = pytest.mark.timeout(20)


@pytest.fixture
def victim(tmp_path):
    path = tmp_path / "victim.txt"
    path.write_text("precious\n")
    return path


def _special(tmp_path, kind: str):
    """A path that is not a regular file: a FIFO, a directory, a device, a link to one."""
    path = tmp_path / f"special-{kind}"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dir":
        path.mkdir()
    elif kind == "device":
        path.symlink_to("/dev/zero")
    elif kind == "link-to-fifo":
        os.mkfifo(tmp_path / "fifo-target")
        path.symlink_to(tmp_path / "fifo-target")
    return path


@pytest.mark.parametrize("kind", ["fifo", "dir", "device", "link-to-fifo"])
def test_reading_anything_but_a_regular_file_fails_at_once(tmp_path, kind):
    path = _special(tmp_path, kind)
    with pytest.raises(OSError):
        read_regular(path, 1024)
    with pytest.raises(Unreadable):
        read_json(path, 1024)


def test_a_file_over_the_cap_is_refused_not_read_whole(tmp_path):
    path = tmp_path / "big.json"
    path.write_bytes(b" " * 5000 + b"{}")
    with pytest.raises(OSError, match="larger"):
        read_regular(path, 1000)
    with pytest.raises(Unreadable):
        read_json(path, 1000)


@pytest.mark.parametrize("raw, reason", [
    (b"[" * 100_000 + b"]" * 100_000, "nested"),
    (b'{"a":' * 70 + b"1" + b"}" * 70, "nested"),
    (b"\xff\xfe{}", "JSON"),
    (b"1" * 5000, "JSON"),
    (b'{"x": 1e999}', "JSON"),
    (b'{"x": NaN}', "JSON"),
    (b'{"x": -Infinity}', "JSON"),
    (b"[1, 2]", "object"),
    (b"null", "object"),
    (b"", "JSON"),
    (b'{"a": 1', "JSON"),
])
def test_any_bad_json_is_one_unreadable_answer(tmp_path, raw, reason):
    path = tmp_path / "x.json"
    path.write_bytes(raw)
    with pytest.raises(Unreadable, match=reason):
        read_json(path, 10_000_000)


def test_bytes_that_are_not_utf8_read_as_agentv_reads_them_or_are_refused_when_asked(tmp_path):
    path = tmp_path / "x.json"
    path.write_bytes(b'{"name": "caf\xe9"}')
    assert read_json(path, 100) == {"name": "caf\ufffd"}
    with pytest.raises(Unreadable, match="UTF-8"):
        read_json(path, 100, utf8_errors="strict")


def test_a_missing_file_is_unreadable_and_says_so(tmp_path):
    with pytest.raises(Unreadable) as caught:
        read_json(tmp_path / "nope.json", 100)
    assert caught.value.missing


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
                    | st.text(), lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(), kids, max_size=3),
                    max_leaves=20))
def test_json_we_could_have_written_reads_back_the_same(value):
    assert parse_json(json.dumps(value), expect=None) == value


@given(st.binary(max_size=200))
def test_no_bytes_make_parse_json_raise_anything_but_valueerror(raw):
    try:
        parse_json(raw, expect=None)
    except ValueError:
        pass


# --- writing ---------------------------------------------------------------------

WRITERS = {
    "append": lambda p: open_append(p),
    "lock": lambda p: open_lock(p),
    "update": lambda p: open_update(p),
}


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_nothing_is_written_through_a_symbolic_link(tmp_path, victim, writer):
    path = tmp_path / "console.log"
    path.symlink_to(victim)
    with pytest.raises(UnsafeFile, match="symbolic link"):
        WRITERS[writer](path)
    assert victim.read_text() == "precious\n"


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_nothing_is_written_to_a_second_name_of_a_file(tmp_path, victim, writer):
    path = tmp_path / "index.jsonl"
    os.link(victim, path)
    with pytest.raises(UnsafeFile, match="hard link"):
        WRITERS[writer](path)
    assert victim.read_text() == "precious\n"


@pytest.mark.parametrize("writer", sorted(WRITERS))
@pytest.mark.parametrize("kind", ["fifo", "dir", "device"])
def test_writers_refuse_what_is_not_a_regular_file_without_hanging(tmp_path, writer, kind):
    with pytest.raises(OSError):
        fd = WRITERS[writer](_special(tmp_path, kind))
        os.close(fd)


def test_a_regular_file_is_appended_to_and_the_fd_blocks_normally(tmp_path):
    path = tmp_path / "console.log"
    fd = open_append(path)
    try:
        assert os.get_blocking(fd)
        os.write(fd, b"one\n")
    finally:
        os.close(fd)
    fd = open_append(path)
    os.write(fd, b"two\n")
    os.close(fd)
    assert path.read_text() == "one\ntwo\n"


def test_write_replace_replaces_a_planted_link_instead_of_following_it(tmp_path, victim):
    path = tmp_path / "job.json"
    path.symlink_to(victim)
    (tmp_path / f"job.json.{os.getpid()}.tmp").symlink_to(victim)
    write_replace(path, b"{}")
    assert victim.read_text() == "precious\n"
    assert path.read_bytes() == b"{}" and not path.is_symlink()


@pytest.mark.parametrize("make, expected", [
    (lambda p, v: p.symlink_to(v), "symbolic link"),
    (lambda p, v: os.link(v, p), "hard link"),
    (lambda p, v: os.mkfifo(p), None),          # refused by the writers when they open it
    (lambda p, v: p.mkdir(), None),
    (lambda p, v: p.write_text("x"), None),
    (lambda p, v: None, None),
])
def test_link_problem_names_the_reason(tmp_path, victim, make, expected):
    path = tmp_path / ".studio-resume.lock"
    make(path, victim)
    problem = link_problem(path)
    if expected is None:
        assert problem is None
    else:
        assert expected in problem and ".studio-resume.lock" in problem


def test_open_regular_can_refuse_links_when_asked(tmp_path, victim):
    path = tmp_path / "x"
    path.symlink_to(victim)
    with open_regular(path) as handle:
        assert handle.read() == b"precious\n"
    with pytest.raises(OSError):
        open_regular(path, follow=False)
