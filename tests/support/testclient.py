"""A tiny WSGI client for tests: drive the app's callable directly, no sockets.

Chosen over WebTest so the tests see exactly what the app sends (WebTest's
lint rejects some of the malformed requests the security tests need to make,
e.g. a POST with a bogus Content-Type or no Host) and to avoid a dependency.
"""

from __future__ import annotations

import io
import json as jsonlib
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class Response:
    status: int
    reason: str
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    @property
    def json(self):
        return jsonlib.loads(self.body)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


class Client:
    def __init__(self, app, host: str = "127.0.0.1:3117"):
        self.app = app
        self.host = host
        self.errors = io.StringIO()

    def request(self, method: str, url: str, *, body: bytes | None = None, headers: dict | None = None,
                host: str | None = ...) -> Response:
        parts = urlsplit(url)
        environ = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": parts.path,
            "QUERY_STRING": parts.query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "3117",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body or b""),
            "wsgi.errors": self.errors,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        host = self.host if host is ... else host
        if host is not None:
            environ["HTTP_HOST"] = host
        if body is not None:
            environ["CONTENT_LENGTH"] = str(len(body))
        for name, value in (headers or {}).items():
            key = name.upper().replace("-", "_")
            if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                environ[key] = value
            else:
                environ[f"HTTP_{key}"] = value
        captured = {}

        def start_response(status, response_headers, exc_info=None):
            captured["status"] = status
            captured["headers"] = {k.lower(): v for k, v in response_headers}

        chunks = self.app(environ, start_response)
        try:
            data = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        code, _, reason = captured["status"].partition(" ")
        return Response(int(code), reason, captured["headers"], data)

    def get(self, url: str, **kw) -> Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, json=..., *, body: bytes | None = None, headers: dict | None = None,
             **kw) -> Response:
        """POST ``json`` (encoded) or raw ``body``; Content-Type defaults to application/json."""
        if json is not ...:
            body = jsonlib.dumps(json).encode()
        merged = {"Content-Type": "application/json"}
        merged.update(headers or {})
        merged = {k: v for k, v in merged.items() if v is not None}
        return self.request("POST", url, body=body if body is not None else b"", headers=merged, **kw)
