"""Reads: query and scan (as lists, streams and pages), parallel scan, PartiQL."""

from __future__ import annotations

import functools
import inspect
import re
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from itertools import islice
from typing import Any, Concatenate, ParamSpec, TypeVar

from ._core import CoreBase
from ._cursors import decode_cursor, encode_cursor
from ._observe import Operation
from ._paging import TOKENS, PageLoop, Sizing, segment_requests
from ._protocol import INSTRUCTIONS, Fanout, Response, Steps, Stream
from ._requests import (
    CAPACITY,
    Request,
    check_limit,
    check_segments,
    check_split,
    count,
    flag,
    project_keys,
    read_request,
    statement_request,
)
from ._typed import M
from .dynamodb_models import Condition, Item, ItemIn, Names, Page

P = ParamSpec("P")
S = TypeVar("S")
_STATEMENT_TABLE = re.compile(r'\b(?:FROM|INTO|UPDATE)\s+"?([A-Za-z0-9_.\-]+)"?', re.IGNORECASE)


def statement_table(statement: object) -> str | None:
    """The table a PartiQL statement names (``FROM "t"``, ``INTO "t"``, ``UPDATE "t"``)."""
    found = _STATEMENT_TABLE.search(statement) if isinstance(statement, str) else None
    return None if found is None else found.group(1)


def _query_request(table: str, arguments: dict[str, Any]) -> Request:
    """The first ``Query`` request, from the arguments of ``query`` and its kin."""
    request = read_request(
        table,
        query=True,
        key_condition=arguments["key_condition_expression"],
        filter_expression=arguments["filter_expression"],
        names=arguments["expression_attribute_names"],
        values=arguments["expression_attribute_values"],
        index_name=arguments["index_name"],
        consistent_read=arguments["consistent_read"],
        projection=arguments["projection_expression"],
    )
    request["ScanIndexForward"] = flag(arguments["scan_index_forward"], "scan_index_forward")
    return request


def _scan_request(table: str, arguments: dict[str, Any]) -> Request:
    """The first ``Scan`` request, from the arguments of ``scan`` and its kin."""
    return read_request(
        table,
        query=False,
        key_condition=None,
        filter_expression=arguments["filter_expression"],
        names=arguments["expression_attribute_names"],
        values=arguments["expression_attribute_values"],
        index_name=arguments["index_name"],
        consistent_read=arguments["consistent_read"],
        projection=arguments["projection_expression"],
    )


def collect(stream: Stream) -> Steps[list[Item]]:
    """Run a stream to its end, passing its instructions through; return its items."""
    items: list[Item] = []
    try:
        step = next(stream)
        while True:
            if type(step) not in INSTRUCTIONS:
                items.append(step)  # type: ignore[arg-type]
                step = next(stream)
                continue
            try:
                outcome = yield step  # type: ignore[misc]
            except Exception as error:
                step = stream.throw(error)
            else:
                step = stream.send(outcome)
    except StopIteration:
        return items
    finally:
        stream.close()


def collected(
    stream: Callable[Concatenate[S, P], Stream], *, doc: str
) -> Callable[Concatenate[S, P], Steps[list[Item]]]:
    """The list form of a streaming read: same arguments, checks and log records."""

    def listing(self: S, /, *args: P.args, **kwargs: P.kwargs) -> Steps[list[Item]]:
        return collect(stream(self, *args, **kwargs))

    functools.update_wrapper(listing, stream)
    listing.__doc__ = inspect.cleandoc(doc)
    return listing


def _one(operation: str, request: Request, limit: int) -> Reader:
    """The reader of one ``Query``/``Scan`` loop: ``Limit`` exact unless a filter is read."""
    sizing: Sizing = "pages" if "FilterExpression" in request else "exact"
    loop = PageLoop(operation, {**request, **CAPACITY}, limit=limit, sizing=sizing)
    return Reader(iter([loop]), 1)


class Reader:
    """Pages of one read: one page loop, or several segments advanced ``width`` at a time."""

    def __init__(self, loops: Iterator[PageLoop], width: int) -> None:
        self._waiting = loops
        self._width = width
        self._running: list[PageLoop] = []
        self._ready: deque[list[Any]] = deque()

    def next_page(self, core: CoreBase, op: Operation) -> Steps[list[Any] | None]:
        """The next page's wire items, fetching when none is ready; None at the end."""
        while not self._ready:
            self._running.extend(islice(self._waiting, self._width - len(self._running)))
            if not self._running:
                return None
            core.check_open(op.name)
            calls = [loop.next_call() for loop in self._running]
            fanout = Fanout([call for call in calls if call is not None], self._width)
            responses: Iterator[Response] = yield from op.exchange(fanout)
            for loop, response in zip(self._running, responses, strict=True):
                self._ready.append(loop.receive(response))
            self._running = [loop for loop in self._running if not loop.done]
        op.count("pages")
        return self._ready.popleft()


class ReadSteps(CoreBase):
    """Query, scan, their pages and streams, and PartiQL."""

    def _stream(self, op: Operation, reader: Reader, model: type[M] | None = None) -> Stream:
        yielded, decode = 0, self.decoder(model)
        try:
            while (page := (yield from reader.next_page(self, op))) is not None:
                decoded = list(map(decode, page))
                del page  # its wire form goes now, not once the next page is in (``_gcpause``)
                items: list[Item] | list[M] = decoded
                misfit = None
                if model is not None:
                    items, misfit = yield from self.typed(op, model, decoded)
                for item in items:
                    yielded += 1
                    yield item
                if misfit is not None:
                    raise misfit  # after the items before it, as a stream hands them out
        finally:
            op.counts["items"] = yielded

    def _query(self, op: Operation, limit: int, arguments: dict[str, Any]) -> Reader:
        return _one("Query", _query_request(op.table, arguments), check_limit(limit))

    def _scan(
        self,
        limit: int,
        request: Request,
        segments: int,
        split: tuple[int, int] | None,
    ) -> Reader:
        check_limit(limit)
        if check_segments(segments) == 1:
            if split is not None:
                request["Segment"], request["TotalSegments"] = split
            return _one("Scan", request, limit)
        if limit:
            raise ValueError("a parallel scan (segments > 1) takes no limit: no item is first")
        if split is not None:
            raise ValueError("segment/total_segments read one share of a scan: not with segments")
        width = min(segments, self.config.max_pool_connections)
        shares = segment_requests({**request, **CAPACITY}, segments)
        loops = (PageLoop("Scan", share) for share in shares)
        return Reader(loops, width)

    def iter_query(
        self,
        key_condition_expression: Condition,
        expression_attribute_values: ItemIn | None = None,
        table_name: str | None = None,
        limit: int = 0,
        *,
        expression_attribute_names: Names | None = None,
        filter_expression: Condition | None = None,
        index_name: str | None = None,
        scan_index_forward: bool = True,
        consistent_read: bool = False,
        projection_expression: str | None = None,
        model: type[M] | None = None,
    ) -> Stream:
        """Yield matching items lazily, a page at a time, up to ``limit`` (0: all).

        With ``model``, yield instances of it (see ``get_item``).
        """
        arguments = locals()
        with self.operation("query", table_name) as op:
            yield from self._stream(op, self._query(op, limit, arguments), model)

    def iter_scan(
        self,
        filter_expression: Condition | None = None,
        expression_attribute_values: ItemIn | None = None,
        table_name: str | None = None,
        limit: int = 0,
        *,
        expression_attribute_names: Names | None = None,
        index_name: str | None = None,
        consistent_read: bool = False,
        projection_expression: str | None = None,
        segments: int = 1,
        segment: int | None = None,
        total_segments: int | None = None,
        model: type[M] | None = None,
    ) -> Stream:
        """Yield items lazily, up to ``limit`` (0: all); ``segments > 1`` scans in parallel.

        ``segment``/``total_segments`` read one share of the table, for split workers.
        With ``model``, yield instances of it (see ``get_item``).
        """
        arguments = locals()
        with self.operation("scan", table_name) as op:
            request = _scan_request(op.table, arguments)
            split = check_split(segment, total_segments)
            yield from self._stream(op, self._scan(limit, request, segments, split), model)

    def query_page(
        self,
        key_condition_expression: Condition,
        expression_attribute_values: ItemIn | None = None,
        table_name: str | None = None,
        *,
        page_size: int = 100,
        cursor: str | None = None,
        expression_attribute_names: Names | None = None,
        filter_expression: Condition | None = None,
        index_name: str | None = None,
        scan_index_forward: bool = True,
        consistent_read: bool = False,
        projection_expression: str | None = None,
        model: type[M] | None = None,
    ) -> Steps[Page[Item] | Page[M]]:
        """Return one page of up to ``page_size`` matches, and the cursor of the next one.

        With ``model``, the page holds instances of it (a ``Page[model]``).
        """
        arguments = locals()
        with self.operation("query_page", table_name) as op:
            request = _query_request(op.table, arguments)
            return (yield from self._page(op, "Query", request, arguments, None))

    def scan_page(
        self,
        filter_expression: Condition | None = None,
        expression_attribute_values: ItemIn | None = None,
        table_name: str | None = None,
        *,
        page_size: int = 100,
        cursor: str | None = None,
        expression_attribute_names: Names | None = None,
        index_name: str | None = None,
        consistent_read: bool = False,
        projection_expression: str | None = None,
        segment: int | None = None,
        total_segments: int | None = None,
        model: type[M] | None = None,
    ) -> Steps[Page[Item] | Page[M]]:
        """Return one page of up to ``page_size`` items, and the cursor of the next one.

        With ``model``, the page holds instances of it (a ``Page[model]``).
        """
        arguments = locals()
        with self.operation("scan_page", table_name) as op:
            request = _scan_request(op.table, arguments)
            split = check_split(segment, total_segments)
            if split is not None:
                request["Segment"], request["TotalSegments"] = split
            return (yield from self._page(op, "Scan", request, arguments, split))

    def _page(
        self,
        op: Operation,
        operation: str,
        request: Request,
        arguments: dict[str, Any],
        split: tuple[int, int] | None,
    ) -> Steps[Page[Item] | Page[M]]:
        """Read up to ``page_size`` results from ``cursor`` on; end the page with a cursor.

        Without a filter, ``Limit`` asks for exactly what is missing, so DynamoDB's own
        ``LastEvaluatedKey`` is where the next page starts. With one, ``Limit`` grows
        (the items still wanted, times 1, 2, 4...); when a response holds more matches
        than wanted, the page ends mid-response and the cursor is the last item's key.
        """
        size = count(arguments["page_size"], "page_size", low=1)
        index = arguments["index_name"]
        where = {"table": op.table, "index": index, "segment": split}
        if arguments["cursor"] is not None:
            request["ExclusiveStartKey"] = decode_cursor(arguments["cursor"], **where)
        filtered = "FilterExpression" in request
        names: Sequence[str] = ()
        added: Sequence[str] = ()
        if filtered:
            schema = (yield from self.schemas(op, [op.table]))[op.table]
            names = schema.cursor_names(index)
            added = project_keys(request, names)
        sizing: Sizing = "growing" if filtered else "exact"
        loop = PageLoop(operation, {**request, **CAPACITY}, limit=size, sizing=sizing)
        wires: list[Any] = []
        while (call := loop.next_call()) is not None:
            response: Response = yield from op.exchange(call)
            op.count("pages")
            wires.extend(loop.receive(response))
        start = {name: wires[-1][name] for name in names} if loop.cut else loop.start
        cursor = None if start is None else encode_cursor(start, **where)
        model: type[M] | None = arguments["model"]
        keys = [self.decode({n: w[n] for n in names}) for w in wires] if added and model else None
        for wire in wires if added else ():
            for name in added:
                del wire[name]  # projected for the cursor only: query() does not return it
        if model is None:
            return Page(self.items_of(op, wires), cursor)
        return Page((yield from self.models_of(op, model, wires, names, keys)), cursor)

    query = collected(
        iter_query,
        doc="""Return up to ``limit`` matching items (0: all), however many pages it takes.

        The list of what ``iter_query`` yields, with the same arguments.
        """,
    )
    scan = collected(
        iter_scan,
        doc="""Return up to ``limit`` items (0: all); ``segments > 1`` scans in parallel.

        The list of what ``iter_scan`` yields, with the same arguments.
        """,
    )

    def execute_statement(
        self,
        statement: str,
        parameters: Sequence[object] | None = None,
        *,
        consistent_read: bool = False,
        limit: int = 0,
    ) -> Steps[list[Item]]:
        """Run a PartiQL statement with ``?`` parameters; return up to ``limit`` items."""
        table = statement_table(statement)
        with self.operation("execute_statement", table, table=False) as op:
            request = statement_request(statement, parameters, consistent_read=consistent_read)
            loop = PageLoop(
                "ExecuteStatement",
                {**request, **CAPACITY},
                limit=check_limit(limit),
                cursor=TOKENS,
            )
            return (yield from collect(self._stream(op, Reader(iter([loop]), 1))))
