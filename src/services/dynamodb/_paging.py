"""Page loops as plain state: the next request to send, and what each response adds. Pure.

A ``PageLoop`` never sends anything itself: ``next_call()`` says what to send next
(None when the read is done) and ``receive(response)`` takes the answer and returns
the items it adds, so the sync and async services drive the same loop.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ._protocol import Call, Response

MAX_LIMIT = 2**31 - 1
"""DynamoDB's ``Limit`` is a 32-bit integer; a larger limit still counts results here."""
Sizing = Literal["exact", "growing", "pages"]
"""How ``Limit`` is set: the items still wanted (no filter: every item read is returned);
that times 1, 2, 4... (a filter: bounded reading, few requests); or not at all."""


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a response names the next page, where a request names where to start."""

    response_field: str
    request_field: str
    items_field: str


KEYS = Cursor("LastEvaluatedKey", "ExclusiveStartKey", "Items")
TOKENS = Cursor("NextToken", "NextToken", "Items")
TABLES = Cursor("LastEvaluatedTableName", "ExclusiveStartTableName", "TableNames")


class PageLoop:
    """One read's position: follows ``cursor`` until ``limit`` items (0: all) or the end.

    After each ``receive``, ``cut`` says whether that response held items past the limit
    (dropped), and ``start`` where DynamoDB would go on (None: the data ended there).
    """

    __slots__ = (
        "_operation",
        "_follow",
        "_cursor",
        "_limited",
        "_wanted",
        "_sizing",
        "_growth",
        "done",
        "cut",
        "start",
    )

    def __init__(
        self,
        operation: str,
        request: Mapping[str, Any],
        *,
        limit: int = 0,
        sizing: Sizing = "pages",
        cursor: Cursor = KEYS,
    ) -> None:
        self._operation = operation
        self._follow = dict(request)
        self._cursor = cursor
        self._limited = limit > 0
        self._wanted = limit
        self._sizing: Sizing = sizing if limit else "pages"
        self._growth = 1
        self.done = False
        self.cut = False
        self.start: Any = None

    def next_call(self) -> Call | None:
        """The request for the next page, or None when the read is done."""
        if self.done:
            return None
        if self._sizing != "pages":
            self._follow["Limit"] = min(self._wanted * self._growth, MAX_LIMIT)
            if self._sizing == "growing":
                self._growth *= 2
        return Call(self._operation, dict(self._follow))

    def receive(self, response: Response) -> list[Any]:
        """Take one response; return its items, cut to what is still wanted."""
        page: list[Any] = response.get(self._cursor.items_field, [])
        self.cut = False
        if self._limited:
            self.cut = len(page) > self._wanted
            page = page[: self._wanted]
            self._wanted -= len(page)
        self.start = response.get(self._cursor.response_field) or None
        self.done = self.start is None or (self._limited and self._wanted == 0)
        if not self.done:
            self._follow[self._cursor.request_field] = self.start
        return page


def segment_requests(request: Mapping[str, Any], segments: int) -> Iterator[dict[str, Any]]:
    """Yield the request of each segment of a parallel scan, lazily."""
    for segment in range(segments):
        yield {**request, "Segment": segment, "TotalSegments": segments}
