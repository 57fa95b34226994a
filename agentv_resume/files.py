"""Open a file we only read, refusing anything that is not a regular file.

A FIFO named ``index.jsonl`` (or ``benchmark.json``, ``cache.json``) would
block ``open()`` forever — in the server, with the run reader's lock held,
so every page after it; ``/dev/zero`` behind a symlink would never end.
``O_NONBLOCK`` makes ``open()`` return at once whatever the file is, and
``fstat`` then says what it is.  (It changes nothing for a regular file.)
"""

from __future__ import annotations

import errno
import os
import stat


def open_regular(path):
    """``open(path, "rb")`` for a regular file; OSError (IsADirectoryError
    for a directory) for anything else."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            if stat.S_ISDIR(mode):
                raise OSError(errno.EISDIR, "Is a directory", str(path))
            raise OSError(errno.EINVAL, "Not a regular file", str(path))
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
