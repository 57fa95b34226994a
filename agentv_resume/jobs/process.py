"""Operating-system processes: the only module that starts or signals one.

agentv is always started without a shell, in its own session, so that Stop
(or Ctrl-C in the CLI) can signal agentv *and* the agent processes it
spawned as one process group.

This module is on the supervisor's start-up path (request → agentv running
is meant to take well under 50 ms; a bare ``python -I -S`` takes ~12 ms here
and ``import subprocess`` another ~15), so at import time it needs nothing
beyond ``os``: ``subprocess``, ``signal``, ``threading``, ``shutil`` and
``shlex`` are imported by the functions that use them, and agentv is started
with ``os.posix_spawn`` whenever the caller already stands in agentv's
working directory (the supervisor ``chdir``s there first; posix_spawn cannot
change directory).  Otherwise — the CLI, run from anywhere — ``Popen`` does it.
"""

from __future__ import annotations

import os
import sys

# Plain numbers, so the start-up path need not import ``signal`` (and enum).
import _signal

SIGINT = _signal.SIGINT
SIGTERM = _signal.SIGTERM
SIGKILL = _signal.SIGKILL

SUPERVISOR_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "supervisor.py")
# agentv_resume/jobs/supervisor.py → the directory holding agentv_resume/
PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(SUPERVISOR_FILE)))

INSTALL_HINT = (
    "install it (`npm install -g agentv@4.42.4`, or `npm install agentv@4.42.4` in the project), "
    "or set AGENTV_BIN to its path"
)
LOCAL_AGENTV = os.path.join("node_modules", ".bin", "agentv")


class AgentvNotFound(Exception):
    pass


def find_agentv(explicit: str | None = None, project_root=None) -> list[str]:
    """The agentv command as argv, from the first place that names one:
    --agentv PATH, $AGENTV_BIN, the project's node_modules/.bin/agentv, `agentv` on PATH.

    A place that names agentv wrongly (a path that is not there) is an error,
    not a reason to look further: the user meant that one.  When no place
    names it, the message says each place that was looked at.
    """
    import shutil

    for source, where in ((explicit, "--agentv"), (os.environ.get("AGENTV_BIN"), "AGENTV_BIN")):
        if source and source.strip():
            return _named(source, where)
    looked = ["--agentv (not given)", "AGENTV_BIN (not set)"]
    if project_root is not None:
        local = os.path.join(os.fspath(project_root), LOCAL_AGENTV)
        if os.path.isfile(local) and os.access(local, os.X_OK):
            return [os.path.abspath(local)]
        looked.append(f"{local} (none)")
    found = shutil.which("agentv")
    if found is None:
        looked.append("agentv on PATH (none)")
        raise AgentvNotFound(f"the agentv CLI was not found; looked at {', '.join(looked)}: {INSTALL_HINT}")
    return [os.path.abspath(found)]


def _named(source: str, where: str) -> list[str]:
    import shlex
    import shutil

    if os.path.isfile(source) and os.access(source, os.X_OK):
        return [os.path.abspath(source)]  # a path, spaces and all
    try:
        parts = shlex.split(source)
    except ValueError:
        parts = [source]
    found = shutil.which(parts[0]) if parts else None
    if found is None:
        raise AgentvNotFound(f"the agentv CLI was not found: {where} names {parts[0] if parts else source!r}, "
                             f"which does not exist or is not executable; {INSTALL_HINT}")
    return [os.path.abspath(found), *parts[1:]]


def agentv_env(colour: bool = False) -> dict:
    """agentv's environment: no colour, unless it prints to a terminal (`launch` on a TTY)."""
    if colour:
        env = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}
        env["FORCE_COLOR"] = "1"
        return env
    return {**os.environ, "FORCE_COLOR": "0", "NO_COLOR": "1"}


# --- agentv --------------------------------------------------------------------

class Child:
    """A started agentv: ``pid`` (= its process group), ``poll()``, ``returncode``.

    ``output_fd`` is the read end of its output pipe in pipe mode, else None.
    ``returncode`` is negative (-N) when a signal N ended it, as with Popen.
    """

    def __init__(self, pid: int, output_fd: int | None, popen=None):
        self.pid = pid
        self.output_fd = output_fd
        self.returncode: int | None = None
        self._popen = popen

    def poll(self) -> int | None:
        if self.returncode is None:
            if self._popen is not None:
                self.returncode = self._popen.poll()
            else:
                try:
                    pid, status = os.waitpid(self.pid, os.WNOHANG)
                except ChildProcessError:
                    pid, status = self.pid, 255 << 8  # reaped elsewhere: the code is gone
                if pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode


def start_agentv(argv: list[str], cwd, keep_fd: int | None, output_fd: int | None = None,
                 colour: bool = False) -> Child:
    """Start agentv: no shell, own session, stdin /dev/null, ``keep_fd`` (the run lock) inherited.

    Its stdout and stderr go to ``output_fd`` (the job's output.log, opened
    for append) when given, else to one pipe (``Child.output_fd``).
    ``colour`` (`launch` on a terminal): to a pseudo-terminal instead, read
    through ``Child.output_fd`` — agentv 4.42.4 colours its output only when
    its stdout is a TTY (FORCE_COLOR alone does not do it).
    Raises OSError when it cannot be started.
    """
    if colour:
        return _start_on_pty(argv, cwd, keep_fd)
    cwd = os.fspath(cwd)
    if _here(cwd) and hasattr(os, "posix_spawn"):
        try:
            return _posix_spawn(argv, keep_fd, output_fd, agentv_env())
        except NotImplementedError:  # no POSIX_SPAWN_SETSID in this libc
            pass
    return _popen(argv, cwd, keep_fd, output_fd, agentv_env())


def _start_on_pty(argv: list[str], cwd, keep_fd: int | None) -> Child:
    import pty
    import termios

    master, slave = pty.openpty()  # both close-on-exec; posix_spawn/Popen dup the slave to 1 and 2
    try:
        attrs = termios.tcgetattr(slave)
        attrs[1] &= ~termios.OPOST  # "\n" stays "\n" (no "\r\n"): the logs are plain lines
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        _copy_window_size(slave)
        cwd = os.fspath(cwd)
        child = None
        if _here(cwd) and hasattr(os, "posix_spawn"):
            try:
                child = _posix_spawn(argv, keep_fd, slave, agentv_env(colour=True))
            except NotImplementedError:
                pass
        if child is None:
            child = _popen(argv, cwd, keep_fd, slave, agentv_env(colour=True))
    except BaseException:
        os.close(master)
        raise
    finally:
        os.close(slave)  # agentv has it now: EOF (EIO) on the master once agentv and its children are gone
    child.output_fd = master
    return child


def _copy_window_size(fd: int) -> None:
    """agentv's pseudo-terminal as wide as ours."""
    import fcntl
    import struct
    import termios

    try:
        size = os.get_terminal_size(sys.stdout.fileno())
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", size.lines, size.columns, 0, 0))
    except (OSError, ValueError):
        pass


def _here(cwd: str) -> bool:
    try:
        return os.path.samestat(os.stat("."), os.stat(cwd))
    except OSError:
        return False


def _posix_spawn(argv: list[str], keep_fd: int | None, output_fd: int | None, env: dict) -> Child:
    # Every fd of ours is close-on-exec except the lock, which agentv must inherit.
    read_end = write_end = None
    if output_fd is None:
        read_end, write_end = os.pipe()
    target = output_fd if output_fd is not None else write_end
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_DUP2, target, 1),
        (os.POSIX_SPAWN_DUP2, target, 2),
    ]
    restore = [getattr(_signal, name) for name in ("SIGPIPE", "SIGXFSZ") if hasattr(_signal, name)]
    if keep_fd is not None:
        os.set_inheritable(keep_fd, True)
    try:
        pid = os.posix_spawn(argv[0], argv, env, file_actions=actions,
                             setsid=True, setsigdef=restore)
    except BaseException:
        if read_end is not None:
            os.close(read_end)
        raise
    finally:
        if write_end is not None:
            os.close(write_end)
        if keep_fd is not None:
            os.set_inheritable(keep_fd, False)
    return Child(pid, read_end)


def _popen(argv: list[str], cwd: str, keep_fd: int | None, output_fd: int | None, env: dict) -> Child:
    import subprocess

    child = subprocess.Popen(
        argv,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=output_fd if output_fd is not None else subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        pass_fds=(keep_fd,) if keep_fd is not None else (),
        env=env,
    )
    read_end = None
    if child.stdout is not None:
        # Own the pipe's fd outright: the file object must not close it again later.
        read_end = os.dup(child.stdout.fileno())
        child.stdout.close()
        child.stdout = None
    return Child(child.pid, read_end, popen=child)


# --- the supervisor ------------------------------------------------------------

_BOOTSTRAP = ("import sys; sys.path.insert(0, sys.argv[1]); "
              "from agentv_resume.jobs.supervisor import main; sys.exit(main(sys.argv[2:]))")


def supervisor_argv(job_dir, lock_fd: int) -> list[str]:
    """``python -I -S -c <import and run the supervisor> PACKAGE_PARENT JOB_DIR LOCK_FD``.

    The same program as ``python -m agentv_resume.jobs.supervisor JOB_DIR LOCK_FD``,
    started faster: isolated (no PYTHON* variables, no user site), without
    ``site`` (site-packages and an editable install's import hook cost
    ~13 ms; the supervisor needs only the standard library and this package,
    whose parent directory is passed), and imported rather than run as a
    script, so its cached bytecode is used instead of compiling it each time.
    """
    return [sys.executable, "-I", "-S", "-c", _BOOTSTRAP, PACKAGE_PARENT, os.fspath(job_dir), str(lock_fd)]


def start_supervisor(job_dir, lock_fd: int) -> int:
    """A detached supervisor (own session): it outlives the server."""
    import subprocess
    import threading

    errors = os.open(os.path.join(os.fspath(job_dir), "supervisor.err"),
                     os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)
    try:
        child = subprocess.Popen(
            supervisor_argv(job_dir, lock_fd),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            start_new_session=True,
            pass_fds=(lock_fd,),
            cwd=os.fspath(job_dir),
        )
    finally:
        os.close(errors)
    # Reap it as soon as it ends, so the server leaves no zombie behind.
    threading.Thread(target=child.wait, name=f"reap-{child.pid}", daemon=True).start()
    return child.pid


# --- the job's outcome ----------------------------------------------------------

OUTCOME_TIMEOUT_SECONDS = 120.0
_OUTCOME_BOOTSTRAP = ("import sys; sys.path.insert(0, sys.argv[1]); "
                      "from agentv_resume.jobs.outcome import main; sys.exit(main(sys.argv[2:]))")


def record_outcome(job_dir, status: str, exit_code: int | None, signal: str | None) -> None:
    """Write the job's outcome.json in a child (``python -I``, with site: it
    reads the run with the read side's own parsers) and wait for it.  A child
    that takes longer than ``OUTCOME_TIMEOUT_SECONDS`` is killed: the job's
    final record must not wait on it for ever."""
    import subprocess

    argv = [sys.executable, "-I", "-c", _OUTCOME_BOOTSTRAP, PACKAGE_PARENT, os.fspath(job_dir), status,
            "" if exit_code is None else str(exit_code), signal or ""]
    try:
        subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       start_new_session=True, timeout=OUTCOME_TIMEOUT_SECONDS, check=False)
    except (OSError, subprocess.SubprocessError):
        pass


# --- signals and liveness --------------------------------------------------------

def signal_group(pgid: int | None, signum: int) -> bool:
    if not pgid or pgid <= 1:
        return False
    try:
        os.killpg(pgid, signum)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def _stat_fields(pid: int) -> list[bytes] | None:
    """/proc/<pid>/stat after the command name: state, ppid, pgrp, ... (None: gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None


def group_members(pgid: int | None) -> list[int]:
    """Live (non-zombie) processes in process group ``pgid``.

    ``killpg(pgid, 0)`` is not enough: orphaned members that died stay
    zombies until an init reaps them, and some containers' init never does.
    """
    if not pgid or pgid <= 1:
        return []
    try:
        names = os.listdir("/proc")
    except OSError:
        return [pgid] if _killpg_alive(pgid) else []
    wanted = str(pgid).encode()
    members = []
    for name in names:
        if name.isdigit():
            fields = _stat_fields(int(name))
            if fields and len(fields) > 2 and fields[0] != b"Z" and fields[2] == wanted:
                members.append(int(name))
    return members


def _killpg_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def group_alive(pgid: int | None) -> bool:
    return bool(group_members(pgid))


def start_time(pid: int | None) -> str | None:
    """The kernel's start time of ``pid`` (guards against a reused pid)."""
    fields = _stat_fields(pid) if pid else None
    return fields[19].decode("ascii", "replace") if fields and len(fields) > 19 else None


def pid_alive(pid: int | None, started: str | None) -> bool:
    """``pid`` runs, is not a zombie, and (when known) started when we recorded."""
    if not isinstance(pid, int) or pid <= 0:
        return False
    fields = _stat_fields(pid)
    if fields is None:
        try:
            os.kill(pid, 0)  # no /proc: the best we can do
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        return os.path.isdir("/proc") is False
    if fields[0] == b"Z":
        return False
    return started is None or len(fields) <= 19 or fields[19].decode("ascii", "replace") == started
