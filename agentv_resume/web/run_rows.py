"""The run page's rows: search, filter, sort and page them; which ones can be picked to rerun.

Pure functions of a run's records and the page's query string, so a run of
20,000 records is filtered on the server and the page stays small.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from agentv_resume.runs.index import STATUSES

PAGE_SIZE = 200
MISSING = "missing"
ROW_STATUSES = (*STATUSES, MISSING)
SORTS = {
    "": "Order of the results",
    "id": "Test id",
    "score": "Score, lowest first",
    "duration": "Duration, longest first",
}
MAX_SEARCH = 200
# agentv matches --test-id values as globs (micromatch): an id with one of
# these characters could pick other cases too, so it is never sent from a tick.
_GLOB_CHARS = re.compile(r"[*?\[\]{}()!+@]")


@dataclass(frozen=True)
class RowQuery:
    q: str = ""
    status: str | None = None
    target: str | None = None
    sort: str = ""
    page: int = 1

    @classmethod
    def from_query(cls, query, targets: list[str]) -> "RowQuery":
        """From the page's query string; anything unknown is ignored, never an error."""
        status = query.get("status") or None
        target = query.get("target") or None
        sort = query.get("sort") or ""
        try:
            page = int(query.get("page") or "1")
        except ValueError:
            page = 1
        return cls(
            q=" ".join((query.get("q") or "").split())[:MAX_SEARCH],
            status=status if status in ROW_STATUSES else None,
            target=target if target in targets else None,
            sort=sort if sort in SORTS else "",
            page=page,
        )

    @property
    def narrowed(self) -> bool:
        """Whether some rows may be hidden by the search or a filter."""
        return bool(self.q or self.status or self.target)

    def url(self, base: str, **changes) -> str:
        """``base`` with this query, changed by ``changes`` (a new filter goes back to page 1)."""
        query = replace(self, **changes)
        if "page" not in changes:
            query = replace(query, page=1)
        params = [(key, value) for key, value in (("q", query.q), ("status", query.status),
                                                  ("target", query.target), ("sort", query.sort))
                  if value]
        if query.page > 1:
            params.append(("page", str(query.page)))
        return base + ("?" + urlencode(params) if params else "")


def _matches(record, query: RowQuery, needles: list[str]) -> bool:
    if query.status and record.execution_status != query.status:
        return False
    if query.target and record.target != query.target:
        return False
    if needles:
        hay = f"{record.test_id}\n{record.error or ''}".casefold()
        return all(needle in hay for needle in needles)
    return True


def _sort_key(sort: str):
    if sort == "id":
        return lambda r: (r.test_id, r.target)
    if sort == "score":
        return lambda r: (r.score, r.test_id, r.target)
    if sort == "duration":
        # Longest first; rows without a duration last.
        return lambda r: (r.duration_ms is None, -(r.duration_ms or 0), r.test_id, r.target)
    return None


def select_rows(records, query: RowQuery) -> list:
    """The records the query shows, in its order (the file's order by default)."""
    if query.status == MISSING:
        return []
    needles = query.q.casefold().split()
    rows = [r for r in records if _matches(r, query, needles)]
    key = _sort_key(query.sort)
    if key is not None:
        rows.sort(key=key)
    return rows


@dataclass
class Page:
    rows: list
    number: int
    pages: int
    first_row: int
    total: int


def page_of(rows: list, number: int, size: int = PAGE_SIZE) -> Page:
    pages = max(1, math.ceil(len(rows) / size))
    number = min(max(1, number), pages)
    start = (number - 1) * size
    return Page(rows[start : start + size], number, pages, start + 1, len(rows))


def missing_pairs(missing_ids) -> list[tuple[str, str | None]]:
    """The run's missing cases as (test_id, target) when the read side names them."""
    out = []
    for item in missing_ids or ():
        if isinstance(item, dict) and isinstance(item.get("test_id"), str):
            out.append((item["test_id"], item.get("target") if isinstance(item.get("target"), str) else None))
        elif isinstance(item, (list, tuple)) and item and isinstance(item[0], str):
            out.append((item[0], item[1] if len(item) > 1 and isinstance(item[1], str) else None))
    return out


# --- picking cases to rerun ---------------------------------------------------------

@dataclass
class Selection:
    """Which rows a "Rerun selected" may pick, and what each pick would run.

    agentv's ``--rerun-failed`` with ``--test-id`` runs, for each picked id, the
    run's targets whose lines never said ``ok`` (checked with agentv 4.42.4:
    ``--test-id greet-1 --test-id greet-2`` reran greet-2 only, greet-1 had
    passed).  So only rows in the rerun set can be ticked, and a tick stands
    for its test id on every target that would rerun.
    """

    cases_by_id: dict[str, int]       # test id -> cases a pick of it reruns
    reasons: dict[tuple[str, str], str]  # row key -> why it cannot be ticked

    def tickable(self, record) -> bool:
        return (record.test_id, record.target) not in self.reasons


PASSED_ONCE = ("passed at least once in this run: agentv's --rerun-failed keeps every case "
               "that has an ok line, even when it is picked with --test-id")
GLOB_ID = "its id holds a character agentv reads as a pattern (--test-id is a glob): rerun it from a terminal"
NO_TARGET = "its line names no target, so agentv cannot match it to a case"
DRY_RUN = "a --dry-run row: no case of this run"


def selection_for(records, planned_records) -> Selection:
    """``records``: every row; ``planned_records``: the run's cases (dry-run rows left out)."""
    cases: dict[str, int] = {}
    reasons: dict[tuple[str, str], str] = {}
    planned = {id(record) for record in planned_records}
    for record in records:
        key = (record.test_id, record.target)
        if id(record) not in planned:
            reasons[key] = DRY_RUN
        elif record.ever_ok:
            reasons[key] = PASSED_ONCE
        elif not record.target_recorded:
            reasons[key] = NO_TARGET
        elif _GLOB_CHARS.search(record.test_id):
            reasons[key] = GLOB_ID
        else:
            cases[record.test_id] = cases.get(record.test_id, 0) + 1
    return Selection(cases, reasons)
