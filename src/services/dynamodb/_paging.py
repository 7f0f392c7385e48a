"""Page loops: follow DynamoDB's cursor until the limit or the end, one page at a time.

A *page fetcher* is a client method such as ``client.query``; these helpers call it
with the request as keyword arguments and never hold more than a page (or, for a
parallel scan, one page per running segment).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from itertools import islice
from typing import Any

SCAN_WORKERS = 8
MAX_LIMIT = 2**31 - 1
"""DynamoDB's ``Limit`` is a 32-bit integer; a larger limit still counts results here."""
Page = list[Any]
Fetch = Callable[..., Mapping[str, Any]]


class Cursor:
    """Where a response names the next page, where a request names where to start."""

    def __init__(self, response_field: str, request_field: str, items_field: str) -> None:
        self.response_field = response_field
        self.request_field = request_field
        self.items_field = items_field


KEYS = Cursor("LastEvaluatedKey", "ExclusiveStartKey", "Items")
TOKENS = Cursor("NextToken", "NextToken", "Items")
TABLES = Cursor("LastEvaluatedTableName", "ExclusiveStartTableName", "TableNames")


def pages(
    fetch: Fetch,
    request: Mapping[str, Any],
    *,
    limit: int = 0,
    exact: bool = False,
    cursor: Cursor = KEYS,
) -> Iterator[Page]:
    """Yield the items of each page until ``limit`` items (0: all) or the last page.

    With ``exact`` the request's ``Limit`` is set to the items still wanted, so the
    last page asks for no more than needed (right when every item read is returned:
    no filter). The next page is fetched only when the caller asks for it.
    """
    wanted = limit
    follow = dict(request)
    while True:
        if limit and exact:
            follow["Limit"] = min(wanted, MAX_LIMIT)
        response = fetch(**follow)
        page: Page = response.get(cursor.items_field, [])
        if limit:
            page = page[:wanted]
            wanted -= len(page)
        yield page
        start = response.get(cursor.response_field)
        if not start or (limit and not wanted):
            return
        follow[cursor.request_field] = start


def scan_pages(
    fetch: Fetch, request: Mapping[str, Any], *, limit: int, exact: bool, segments: int
) -> Iterator[Page]:
    """The pages of a scan: one after the other, or ``segments`` at once (no limit then)."""
    if segments == 1:
        return pages(fetch, request, limit=limit, exact=exact)
    if limit:
        raise ValueError("a parallel scan (segments > 1) takes no limit: no item is first")
    streams = (pages(fetch, segment) for segment in segment_requests(request, segments))
    return interleave(streams, min(segments, SCAN_WORKERS))


def segment_requests(request: Mapping[str, Any], segments: int) -> Iterator[dict[str, Any]]:
    """Yield the request of each segment of a parallel scan, lazily."""
    for segment in range(segments):
        yield {**request, "Segment": segment, "TotalSegments": segments}


def interleave(streams: Iterator[Iterator[Page]], workers: int) -> Iterator[Page]:
    """Advance up to ``workers`` page streams at once, yielding pages as they arrive.

    Streams are started lazily as others finish, so a million segments never means a
    million threads. When the caller stops, queued page fetches are cancelled and the
    pool is shut down; fetches already on the wire finish within the read timeout.
    """
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dynamodb-scan")
    running: dict[Future[Page | None], Iterator[Page]] = {}

    def advance(stream: Iterator[Page]) -> None:
        running[pool.submit(next, stream, None)] = stream

    try:
        for stream in islice(streams, workers):
            advance(stream)
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                stream = running.pop(future)
                page = future.result()
                if page is None:
                    for fresh in islice(streams, 1):
                        advance(fresh)
                    continue
                advance(stream)
                yield page
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
