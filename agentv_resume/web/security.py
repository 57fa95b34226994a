"""HTTP-level rules that run before any route (the contract's Security section).

Any page the user visits can make the browser send requests to localhost, so:

* every request must name a ``Host`` we serve (DNS rebinding) → 421;
* a mutating request must come from our own origin (``Origin`` /
  ``Sec-Fetch-Site``) → 403, carry ``Content-Type: application/json`` (an
  HTML form cannot send that without a CORS preflight, which we never
  answer) → 415, and stay under 64 KiB → 413.

These checks are pure functions of the WSGI environ so they are tested
without a server; ``app.py`` calls them from a ``before_request`` hook.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

MAX_BODY_BYTES = 64 * 1024
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
MUTATING_METHODS = ("POST", "PUT", "PATCH", "DELETE")
BODY_KEY = "studio_resume.body"
# Set on a refused request: the server closes its connection after the answer.
CLOSE_KEY = "studio_resume.close"

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
}


class Refused(Exception):
    """A request the security rules turn away: HTTP ``status`` with ``message``."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def host_name(host: str) -> str:
    """A --host value as it appears in a Host header (IPv6 in brackets, lower case)."""
    host = host.strip().lower()
    if host.startswith("[") and host.endswith("]"):
        return host
    try:
        if ipaddress.ip_address(host).version == 6:
            return f"[{host}]"
    except ValueError:
        pass
    return host


def is_loopback(host: str) -> bool:
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass
class HostPolicy:
    """Which ``Host`` header values (and so which origins) this server answers.

    ``ports`` is empty until the server knows the port it listens on; until
    then any port is accepted with an allowed name (tests drive the WSGI app
    directly and have no port).
    """

    names: set[str] = field(default_factory=lambda: set(LOOPBACK_NAMES))
    ports: set[int] = field(default_factory=set)

    @classmethod
    def for_host(cls, host: str | None = None, ports=()) -> "HostPolicy":
        names = set(LOOPBACK_NAMES)
        if host:
            names.add(host_name(host))
        return cls(names, set(ports))

    def allows(self, authority: str, default_port: str | None = None) -> bool:
        """``authority``: ``name`` or ``name:port`` as a Host header carries it.

        ``default_port``: the port a missing one stands for.  An ``Origin``
        without a port is port 80 (``http://localhost`` is not a page of a
        server on :3118); a ``Host`` without one is let through (browsers
        always name a port that is not the default, and HTTP/1.0 falls back
        to the socket's name).
        """
        authority = (authority or "").strip().lower()
        if not authority:
            return False
        name, port = _split_authority(authority)
        if name is None or name not in self.names:
            return False
        if port is None:
            port = default_port
        if port is None:
            return True
        if not port.isdigit():
            return False
        return not self.ports or int(port) in self.ports


def _split_authority(authority: str) -> tuple[str | None, str | None]:
    if authority.startswith("["):
        end = authority.find("]")
        if end < 0:
            return None, None
        name, rest = authority[: end + 1], authority[end + 1 :]
        if not rest:
            return name, None
        if not rest.startswith(":"):
            return None, None
        return name, rest[1:]
    name, colon, port = authority.partition(":")
    return name, (port if colon else None)


def check_host(environ: dict, policy: HostPolicy) -> None:
    host = environ.get("HTTP_HOST")
    if host is None:
        # HTTP/1.0 without Host: WSGI servers fill SERVER_NAME from the socket.
        host = environ.get("SERVER_NAME", "")
    if not policy.allows(host):
        raise Refused(421, f"Misdirected request: this server does not answer for host {host!r}")


def check_origin(environ: dict, policy: HostPolicy) -> None:
    site = (environ.get("HTTP_SEC_FETCH_SITE") or "").strip().lower()
    if site == "cross-site":
        raise Refused(403, "Cross-site requests are refused (Sec-Fetch-Site: cross-site)")
    origin = environ.get("HTTP_ORIGIN")
    if origin is None:
        return  # not a browser (curl, scripts): the Host check already applied
    origin = origin.strip().lower()
    scheme, sep, authority = origin.partition("://")
    if scheme != "http" or not sep or "/" in authority or not policy.allows(authority, default_port="80"):
        raise Refused(403, f"Requests from origin {origin!r} are refused")


def check_content_type(environ: dict) -> None:
    media = (environ.get("CONTENT_TYPE") or "").split(";", 1)[0].strip().lower()
    if media != "application/json":
        raise Refused(415, "Content-Type must be application/json")


def read_body(environ: dict, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, refusing more than ``limit`` bytes whatever the headers say."""
    raw_length = (environ.get("CONTENT_LENGTH") or "").strip()
    chunked = "chunked" in (environ.get("HTTP_TRANSFER_ENCODING") or "").lower()
    stream = environ.get("wsgi.input")
    if raw_length:
        if not raw_length.isdigit():
            raise Refused(400, "Invalid Content-Length")
        length = int(raw_length)
        if length > limit:
            raise Refused(413, f"Request body too large (limit {limit} bytes)")
        to_read = length
    elif chunked:
        to_read = limit + 1
    else:
        return b""
    if stream is None or to_read == 0:
        return b""
    data = b""
    # Cap the read too: a server that does not enforce Content-Length must
    # still never hand us more than the limit.
    while len(data) <= limit and len(data) < to_read:
        chunk = stream.read(min(to_read - len(data), limit + 1 - len(data)))
        if not chunk:
            break
        data += chunk
    if len(data) > limit:
        raise Refused(413, f"Request body too large (limit {limit} bytes)")
    return data


def guard(environ: dict, policy: HostPolicy) -> None:
    """All rules for one request, in the contract's order.  Raises ``Refused``.

    The body of a mutating request is read here (capped) and kept in the
    environ under ``BODY_KEY`` for the route.
    """
    try:
        check_host(environ, policy)
        if environ.get("REQUEST_METHOD", "GET").upper() not in MUTATING_METHODS:
            return
        check_origin(environ, policy)
        check_content_type(environ)
        environ[BODY_KEY] = read_body(environ)
    except Refused:
        environ[CLOSE_KEY] = True
        raise
