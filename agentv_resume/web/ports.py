"""Who holds a TCP port, and which port nearby is free.

`serve` uses this when its port is taken, so the user reads "port 3118 is
held by process 4242 (agentv serve)" and the port to use instead, rather
than a bare "Address already in use".  agentv's own dashboard listens on
3117 on every interface, which is why studio-resume's default is 3118.

Linux only for the holder (it reads /proc/net/tcp{,6} and /proc/<pid>/fd);
elsewhere, or for another user's process, the holder is unknown and the
message says only that the port is taken.  Stdlib only.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DEFAULT_PORT", "Holder", "listening_inodes", "port_holder", "next_free_port", "is_free", "describe_taken"]

# studio-resume's default port: agentv's own dashboard (`agentv serve`) takes 3117.
DEFAULT_PORT = 3118

_LISTEN = "0A"  # TCP state in /proc/net/tcp: LISTEN
_COMMAND_LIMIT = 120  # characters of a command line shown in a message


@dataclass(frozen=True)
class Holder:
    """The process listening on a port. ``pid`` is None when the socket is
    visible but its process is not (another user's, or no /proc/<pid>/fd)."""

    pid: int | None
    command: str = ""

    @property
    def is_agentv_dashboard(self) -> bool:
        words = self.command.split()
        return any("agentv" in word for word in words[:3]) and any(w in ("serve", "dashboard") for w in words)

    def __str__(self) -> str:
        if self.pid is None:
            return "a process this user cannot see"
        text = f"process {self.pid}"
        if self.command:
            command = self.command if len(self.command) <= _COMMAND_LIMIT else self.command[:_COMMAND_LIMIT - 3] + "..."
            text += f" ({command})"
        if self.is_agentv_dashboard:
            text += ", agentv's own dashboard"
        return text


def listening_inodes(port: int, proc: Path = Path("/proc")) -> list[int]:
    """Socket inodes of every TCP listener (IPv4 and IPv6) on *port*."""
    inodes: list[int] = []
    for table in ("tcp", "tcp6"):
        try:
            lines = (proc / "net" / table).read_text(encoding="ascii", errors="replace").splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) < 10 or fields[3] != _LISTEN:
                continue
            _, _, port_hex = fields[1].rpartition(":")
            try:
                if int(port_hex, 16) == port:
                    inodes.append(int(fields[9]))
            except ValueError:
                continue
    return inodes


def port_holder(port: int, proc: Path = Path("/proc")) -> Holder | None:
    """The process listening on *port*, or None when no listener is visible."""
    inodes = {inode for inode in listening_inodes(port, proc) if inode}
    if not inodes:
        return None
    wanted = {f"socket:[{inode}]" for inode in inodes}
    try:
        pids = [entry.name for entry in os.scandir(proc) if entry.name.isdigit()]
    except OSError:
        return Holder(None)
    for pid in pids:
        fd_dir = proc / pid / "fd"
        try:
            fds = os.listdir(fd_dir)
        except OSError:  # gone, or not ours to read
            continue
        for fd in fds:
            try:
                if os.readlink(fd_dir / fd) in wanted:
                    return Holder(int(pid), _command_line(proc / pid))
            except OSError:
                continue
    return Holder(None)


def _command_line(pid_dir: Path) -> str:
    try:
        raw = (pid_dir / "cmdline").read_bytes()
    except OSError:
        return ""
    words = [w.decode("utf-8", "replace") for w in raw.split(b"\0") if w]
    if words:
        words[0] = os.path.basename(words[0])
        # `node /path/to/agentv serve`: the script names the program better than node.
        if words[0] in ("node", "nodejs", "bun", "python", "python3") and len(words) > 1:
            words = [os.path.basename(words[1]), *words[2:]]
    # A command line is shown in a terminal: no control characters.
    return " ".join("".join(ch if ch.isprintable() else "?" for ch in w) for w in words)


def is_free(host: str, port: int) -> bool:
    """Whether a server could listen on host:port now (SO_REUSEADDR, as waitress binds)."""
    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError):
        return False
    family, kind, proto, _, address = infos[0]
    try:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError:
        return False
    return True


def next_free_port(host: str, after: int, tries: int = 20) -> int | None:
    """The first port above *after* (up to *tries* of them) that is free on *host*."""
    for port in range(after + 1, min(after + 1 + tries, 65536)):
        if is_free(host, port):
            return port
    return None


def describe_taken(host: str, port: int, proc: Path = Path("/proc")) -> str:
    """One message for a taken port: who holds it, and the next free port to use."""
    holder = port_holder(port, proc)
    text = "the port is already in use"
    if holder is not None:
        text += f", by {holder}"
    free = next_free_port(host, port)
    if free is not None:
        text += f"; port {free} is free: add --port {free} (or --port 0 for any free port)"
    else:
        text += "; try --port 0 for any free port"
    return text
