"""Every file the tool opens, opened so that it cannot hang, flood or be turned.

The files we read and write live in directories other programs (agentv, a
package manager, the user, an attacker with a checkout) also write.  So:

* **reads** open with ``O_NONBLOCK`` (a FIFO would otherwise block ``open()``
  forever — in the server, with a lock held, so every page after it), check
  with ``fstat`` that the file is a regular file (``/dev/zero`` behind a link
  would never end), and read at most a cap;
* **writes** never follow a link: ``O_NOFOLLOW`` on the last component, and the
  opened file must be a regular file we own with one name (a hard link to a
  victim is refused too), so ``console.log -> ~/.bashrc`` is refused, not
  appended to;
* **JSON** goes through ``read_json``: any failure at all — missing, not
  regular, too big, not UTF-8, not JSON, nested deeper than anything we
  write, a number that is not finite, not the expected type — is one
  ``Unreadable`` with a reason, never a RecursionError reaching a page.

Stdlib only: the supervisor imports this under ``python -I -S``.
"""

from __future__ import annotations

import errno
import json
import math
import os
import stat

READ_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC
# Deeper than any file agentv or this tool writes; deep enough for a user's.
MAX_JSON_DEPTH = 64


class Unreadable(ValueError):
    """A file that cannot be used as what it should be: ``reason`` says why;
    ``missing`` when it simply does not exist."""

    def __init__(self, path, reason: str, missing: bool = False):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
        self.missing = missing


class UnsafeFile(OSError):
    """A file we were about to write is a link, not a regular file, not ours,
    or has a second name.  ``errno`` is ELOOP for a link, else EPERM."""


# --- reading -----------------------------------------------------------------

def _check_regular(fd: int, path) -> os.stat_result:
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        if stat.S_ISDIR(st.st_mode):
            raise OSError(errno.EISDIR, "Is a directory", str(path))
        raise OSError(errno.EINVAL, f"Not a regular file ({_kind(st.st_mode)})", str(path))
    return st


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def open_read_fd(path, *, follow: bool = True) -> int:
    """A read-only fd on a regular file (for ``flock``/``pread``); never blocks on a FIFO."""
    fd = os.open(path, READ_FLAGS | (0 if follow else os.O_NOFOLLOW))
    try:
        _check_regular(fd, path)
        return fd
    except BaseException:
        os.close(fd)
        raise


def open_regular(path, *, follow: bool = True):
    """``open(path, "rb")`` for a regular file; OSError (IsADirectoryError for a
    directory) for anything else.  Never blocks on a FIFO.  ``follow=False``:
    a link is refused (ELOOP)."""
    flags = READ_FLAGS | (0 if follow else os.O_NOFOLLOW)
    fd = os.open(path, flags)
    try:
        _check_regular(fd, path)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (OSError otherwise)."""
    with open_regular(path) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"File larger than {limit} bytes", str(path))
    return data


def read_head(path, limit: int) -> bytes:
    """At most the first ``limit`` bytes of a regular file (OSError if it is none)."""
    with open_regular(path) as handle:
        return handle.read(limit)


def read_text(path, limit: int) -> str:
    """A regular file of at most ``limit`` bytes as text (bytes that are not UTF-8: U+FFFD)."""
    return read_regular(path, limit).decode("utf-8", errors="replace")


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:20]} is too large")
    return value


def _depth_ok(value, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return False
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return True


def parse_json(raw: bytes | str, *, expect: type | None = dict, max_depth: int = MAX_JSON_DEPTH,
               utf8_errors: str = "replace", finite: bool = True):
    """JSON text as a value; ValueError (with a reason) for anything we would
    not want to hand on: not JSON, NaN/Infinity or a float beyond a double,
    nesting deeper than ``max_depth``, or not an ``expect``.

    Bytes that are not UTF-8 read as U+FFFD, as agentv (Node) reads its own
    files; ``utf8_errors="strict"`` refuses them instead.  ``finite=False``
    lets ``1e999`` through as infinity, as Node's JSON.parse reads it (for a
    caller that checks the one number it uses).
    """
    try:
        text = raw.decode("utf-8", errors=utf8_errors) if isinstance(raw, (bytes, bytearray)) else raw
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite_float if finite else float)
    except RecursionError:
        raise ValueError(f"nested deeper than {max_depth} levels") from None
    except ValueError as exc:  # JSONDecodeError, a too-long integer, our own
        raise ValueError(f"not valid JSON ({str(exc)[:120]})") from None
    if not _depth_ok(value, max_depth):
        raise ValueError(f"nested deeper than {max_depth} levels")
    if expect is not None and not isinstance(value, expect):
        raise ValueError(f"not a JSON {'object' if expect is dict else expect.__name__}")
    return value


def read_json(path, limit: int, *, expect: type | None = dict, max_depth: int = MAX_JSON_DEPTH,
              utf8_errors: str = "replace", finite: bool = True):
    """The JSON value in ``path``; ``Unreadable`` for any failure at all."""
    try:
        raw = read_regular(path, limit)
    except FileNotFoundError:
        raise Unreadable(path, "it does not exist", missing=True) from None
    except (OSError, ValueError) as exc:
        raise Unreadable(path, getattr(exc, "strerror", None) or str(exc)) from None
    try:
        return parse_json(raw, expect=expect, max_depth=max_depth, utf8_errors=utf8_errors, finite=finite)
    except (ValueError, RecursionError, MemoryError) as exc:
        raise Unreadable(path, str(exc) or "not valid JSON") from None


def read_json_or(path, limit: int, default=None, *, expect: type | None = dict):
    """``read_json``, or ``default`` when the file is unreadable for any reason."""
    try:
        return read_json(path, limit, expect=expect)
    except Unreadable:
        return default


# --- writing -------------------------------------------------------------------

def _check_writable(fd: int, path) -> os.stat_result:
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeFile(errno.EPERM, f"not a regular file ({_kind(st.st_mode)}); refusing to write it", str(path))
    if st.st_uid != os.geteuid():
        raise UnsafeFile(errno.EPERM, "owned by another user; refusing to write it", str(path))
    if st.st_nlink > 1:
        raise UnsafeFile(errno.EPERM, "it has another name (a hard link); refusing to write it", str(path))
    return st


def open_for_write(path, flags: int, mode: int = 0o644) -> int:
    """An fd for writing ``path`` (``flags``: O_WRONLY/O_RDWR, O_APPEND, O_CREAT...),
    never through a link and only to a regular file we own with one name.

    ``O_NONBLOCK`` makes opening a FIFO return at once (to be refused), and is
    cleared before the fd is handed back.
    """
    try:
        fd = os.open(path, flags | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, mode)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafeFile(errno.ELOOP, "it is a symbolic link; refusing to write through it", str(path)) from None
        if exc.errno == errno.ENXIO:  # a FIFO with no reader, opened for writing
            raise UnsafeFile(errno.EPERM, "not a regular file (a FIFO); refusing to write it", str(path)) from None
        raise
    try:
        _check_writable(fd, path)
        os.set_blocking(fd, True)
        return fd
    except BaseException:
        os.close(fd)
        raise


def open_append(path, mode: int = 0o644) -> int:
    """An fd appending to ``path`` (created if missing): console.log, a job log."""
    return open_for_write(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, mode)


def open_lock(path, mode: int = 0o644) -> int:
    """An fd for a lock file (read-write, created if missing, never truncated here)."""
    return open_for_write(path, os.O_RDWR | os.O_CREAT, mode)


def open_update(path) -> int:
    """An fd for changing an existing file in place (index.jsonl's newline fix)."""
    return open_for_write(path, os.O_RDWR)


def create_new(path, mode: int = 0o644) -> int:
    """An fd for a file that must not exist yet (a temp file before a rename)."""
    return open_for_write(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)


def write_replace(path, data: bytes, mode: int = 0o644) -> None:
    """Write ``path`` whole via a new temp file and a rename: never half-written,
    never through a link planted at ``path`` or at the temp name."""
    path = os.fspath(path)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.unlink(tmp)  # a leftover of a crashed writer (or a planted link): gone, not followed
    except FileNotFoundError:
        pass
    fd = create_new(tmp, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def link_problem(path) -> str | None:
    """Why writes to ``path`` would land in another file (a symbolic or hard
    link), or None.

    For refusing a launch *before* it starts, with the reason; the opens
    above check again when they write (a file can change in between).  A
    FIFO or a directory is not reported here: nothing can be written into it
    by mistake, and the writers above refuse it when they open it.
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"{os.fspath(path)} cannot be checked ({exc.strerror})"
    name = os.path.basename(os.fspath(path))
    if stat.S_ISLNK(st.st_mode):
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        return f"its {name} is a symbolic link (to {target}); the tool never writes through a link"
    if stat.S_ISREG(st.st_mode) and st.st_nlink > 1:
        return f"its {name} has another name (a hard link); the tool never writes a file with two names"
    return None
