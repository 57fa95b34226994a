"""Answers: JSON and HTML encoding, the security headers, and the page templates.

Error answers are encoded here too: bottle's error handlers bypass plugins,
so they write their own JSON (under ``/api/``) or a small HTML page
(elsewhere), and never a traceback.
"""

from __future__ import annotations

import json
import re
from itertools import islice
from pathlib import Path

import bottle

from agentv_resume import __version__
from agentv_resume.errors import Refusal
from agentv_resume.jobs import states
from agentv_resume.launching.actions import plural
from agentv_resume.safetext import PAGE_TEXT_LIMIT, capped
from agentv_resume.web import security
from agentv_resume.web.context import Studio

VIEWS_DIR = Path(__file__).resolve().parent / "views"
# One list object: bottle caches compiled templates by the lookup's identity.
LOOKUP = [str(VIEWS_DIR)]


def json_body(data) -> bytes:
    """UTF-8 JSON.  A lone surrogate (a file name that is not UTF-8, a ``\\ud800``
    escape in index.jsonl) cannot be UTF-8: it is sent as the JSON escape
    ``\\udcff`` (it only ever occurs inside a string), never a 500."""
    return json.dumps(data, ensure_ascii=False, allow_nan=False).encode("utf-8", "backslashreplace")


try:  # a C encoder: 500,000 rows in a fraction of json's time
    from orjson import OPT_PASSTHROUGH_DATACLASS as _PASSTHROUGH
    from orjson import dumps as _orjson_dumps
except ImportError:  # pragma: no cover - orjson is a dependency; json still works
    _orjson_dumps = None

_ROWS_PER_PART = 5_000


def json_array_parts(items, to_json, *, objects: bool = False) -> list[bytes]:
    """``[to_json(item), ...]`` as a JSON array in parts of ``_ROWS_PER_PART`` items.

    The parts, joined, are what ``json_body`` would make of the list, but
    never all the dicts at once (500,000 rows of dicts take more memory than
    the records they come from) nor one copy of the whole: a WSGI answer
    can be the parts.  orjson encodes a part unless it cannot (a lone
    surrogate, an integer beyond 64 bits): then json does, as ``json_body``.

    ``objects``: every item is a dataclass instance (a ``Record``), so orjson
    calls ``to_json`` on each itself (its ``default`` hook) while it
    encodes: the same bytes, without a Python loop over 500,000 items.
    """
    if objects and _orjson_dumps is not None:
        return _object_parts(items, to_json)
    parts, batch = [b"["], []
    for item in items:
        batch.append(to_json(item))
        if len(batch) == _ROWS_PER_PART:
            parts.append(_encode_part(batch))
            parts.append(b",")
            batch = []
    if batch:
        parts.append(_encode_part(batch))
    elif len(parts) > 1:
        parts.pop()  # the last comma
    parts.append(b"]")
    return parts


def _object_parts(items, to_json) -> list[bytes]:
    parts, rest = [b"["], iter(items)
    while batch := list(islice(rest, _ROWS_PER_PART)):
        try:
            parts.append(_orjson_dumps(batch, default=to_json, option=_PASSTHROUGH)[1:-1])
        except (TypeError, ValueError):  # what orjson cannot encode: as json_array_parts does it
            parts.append(_encode_part([to_json(item) for item in batch]))
        parts.append(b",")
    if len(parts) > 1:
        parts.pop()  # the last comma
    parts.append(b"]")
    return parts


def _encode_part(batch: list) -> bytes:
    if _orjson_dumps is not None:
        try:
            return _orjson_dumps(batch)[1:-1]
        except (TypeError, ValueError):
            pass
    return json_body(batch)[1:-1]


_SURROGATES = re.compile("[\ud800-\udfff]")


def html_bytes(text: str) -> bytes:
    """A page as UTF-8: a lone surrogate (see ``json_body``) shows as U+FFFD."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATES.sub("\ufffd", text).encode("utf-8")


def json_response(data, status: int = 200):
    """Set the JSON answer on bottle's response and return its body."""
    bottle.response.status = status
    bottle.response.content_type = "application/json"
    return json_body(data)


def json_error(status: int, message: str, **extra) -> bottle.HTTPResponse:
    """A finished JSON error answer (raise it or return it)."""
    headers = {"Content-Type": "application/json", "Cache-Control": "no-store", **security.SECURITY_HEADERS}
    return bottle.HTTPResponse(body=json_body({"error": message, **extra}), status=status, headers=headers)


def refusal_answer(refusal: Refusal) -> bottle.HTTPResponse:
    """A refusal as the API answers it: its HTTP status and ``{"error": ...}`` (a 409 names the job)."""
    body = refusal.answer()
    return json_error(refusal.http_status, body.pop("error"), **body)


def wants_json(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def apply_headers(response) -> None:
    for name, value in security.SECURITY_HEADERS.items():
        response.set_header(name, value)
    if not bottle.request.path.startswith("/static/"):
        response.set_header("Cache-Control", "no-store")


# --- pages -------------------------------------------------------------------

class Whole(str):
    """Text a page shows in full because its producer already bounds it (a log
    tail, an artifact cut at its limit, a launch body that must stay valid JSON)."""


class PageTemplate(bottle.SimpleTemplate):
    """Every ``{{value}}`` on every page (includes too: bottle builds them with
    this class) is cut to ``PAGE_TEXT_LIMIT`` characters before it is escaped,
    unless it is ``Whole``: a 100 MB error in index.jsonl makes a table cell and
    a tooltip of a few KiB, not a 100 MB page."""

    def prepare(self, escape_func=bottle.html_escape, noescape=False, syntax=None, **ka):
        super().prepare(escape_func=escape_func, noescape=noescape, syntax=syntax, **ka)
        encoding = self.encoding

        def escape(value):
            if not isinstance(value, Whole):
                value = capped(bottle.touni(value, encoding), PAGE_TEXT_LIMIT)
            return escape_func(value)

        self._escape = escape


def launch_values(body: dict | None, command: str | None) -> tuple[str | None, str | None, str | None]:
    """(the body a button posts, the command it shows, why it cannot launch or None).

    Both are shown whole (the page posts the body back, the Copy button copies
    the command) unless the body is over the server's request limit: such a
    button could only be refused (413), and a page never carries a file's
    megabytes in its attributes.
    """
    if body is None:
        return None, command, None
    encoded = json.dumps(body, ensure_ascii=False)
    if len(encoded.encode("utf-8", "surrogatepass")) > security.MAX_BODY_BYTES:
        return None, command, (f"this launch would be a request over {security.MAX_BODY_BYTES // 1024} KiB "
                               "(the run's names are too long for a page); use `studio-resume launch`")
    return Whole(encoded), Whole(command) if command else command, None


# The job states as the pages' script reads them (<html data-job-states>): no status spelled in JS.
JOB_STATES_JSON = json.dumps(states.as_json(), separators=(",", ":"))


def render(name: str, studio: Studio, **values) -> bytes:
    values.setdefault("job_states", JOB_STATES_JSON)
    values.setdefault("title", "studio-resume")
    values.setdefault("bench", studio.first)
    return html_bytes(bottle.template(name, template_adapter=PageTemplate, template_lookup=LOOKUP, studio=studio,
                                      h=Helpers, version=__version__, **values))


def error_page(studio: Studio, status: int, title: str, message: str) -> bytes:
    try:
        return render("error.tpl", studio, title=f"{status} {title}", status=status, heading=title, message=message)
    except Exception:  # the error page must never fail itself
        return html_bytes(f"<!doctype html><title>{status}</title><p>{bottle.html_escape(message)}</p>")


class Helpers:
    """Small formatting helpers the templates call as ``h.name(...)``."""

    plural = staticmethod(plural)

    @staticmethod
    def score(value) -> str:
        if value is None:
            return ""
        if isinstance(value, float) and not value.is_integer():
            return f"{value:.2f}".rstrip("0").rstrip(".")
        return str(int(value)) if isinstance(value, (int, float)) else str(value)

    @staticmethod
    def short(text, limit: int = 240) -> str:
        text = (text or "").strip()
        return text if len(text) <= limit else text[: limit - 1] + "…"

    @staticmethod
    def when(stamp) -> str:
        if not stamp:
            return ""
        text = str(stamp).replace("T", " ")
        return text[:19] + (" UTC" if text.endswith("Z") else "")

    @staticmethod
    def progress_text(progress: dict | None) -> str:
        if not progress:
            return ""
        done, planned = progress.get("done") or 0, progress.get("planned")
        if planned:
            return f"{done} / {planned} cases"
        return f"{plural(done)} done"
