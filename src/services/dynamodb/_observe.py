"""One place that logs every operation: DEBUG on start, INFO when done, one record on failure.

Records carry ``operation``, ``table``, ``counts``, ``elapsed_ms`` and ``fetch_ms`` (the
time spent waiting for DynamoDB) as ``extra`` fields, ``consumed_capacity`` where the
operation asks DynamoDB for it, and ``request_id`` on failures that have one. Nothing
here ever formats an item or an attribute value.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import ClientError

from ._protocol import Fanout, Instruction, Response, Unread
from ._typed import ItemValidationError

_ECHOES_REQUEST = frozenset({"ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction"})
"""Operations whose error messages quote the statement, values written into it included."""
_CONDITION_REASONS = frozenset({"ConditionalCheckFailed", "None"})


def describe(error: BaseException) -> str:
    """Return a one-line account of ``error`` with no request data in it."""
    if isinstance(error, ItemValidationError):
        return f"ItemValidationError: {error.log_summary}"  # key names, not their values
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "?")
        reasons = error.response.get("CancellationReasons")
        if reasons:
            codes = ", ".join(str(reason.get("Code", "?")) for reason in reasons)
            return f"{code} (reasons: {codes})"
        if error.operation_name in _ECHOES_REQUEST:
            return f"{code} (message withheld: it may quote the statement)"
        return f"{code}: {error.response.get('Error', {}).get('Message', '')}"
    return f"{type(error).__name__}: {error}"


def request_id(error: BaseException) -> str | None:
    """AWS's request id of a failed call, from the response metadata or its header."""
    if not isinstance(error, ClientError):
        return None
    metadata = error.response.get("ResponseMetadata", {})
    found = metadata.get("RequestId") or metadata.get("HTTPHeaders", {}).get("x-amzn-requestid")
    return str(found) if found else None


def is_refusal(error: BaseException) -> bool:
    """Whether ``error`` is an expected refusal: a condition that did not hold."""
    if not isinstance(error, ClientError):
        return False
    code = error.response.get("Error", {}).get("Code")
    if code == "ConditionalCheckFailedException":
        return True
    reasons = error.response.get("CancellationReasons") or [{}]
    codes = {str(reason.get("Code")) for reason in reasons}
    return code == "TransactionCanceledException" and codes <= _CONDITION_REASONS


class Operation:
    """One call of a public method: its name, table, timings, counts and capacity."""

    __slots__ = (
        "logger",
        "name",
        "table",
        "counts",
        "capacity",
        "fetch_seconds",
        "_started",
        "_refusal_level",
    )

    def __init__(
        self, logger: logging.Logger, name: str, table: str, *, refusal_level: int
    ) -> None:
        self.logger = logger
        self.name = name
        self.table = table
        self.counts: dict[str, int] = {}
        self.capacity: float | None = None
        self.fetch_seconds = 0.0
        self._started = time.perf_counter()
        self._refusal_level = refusal_level

    def count(self, what: str, number: int = 1) -> None:
        """Add ``number`` to the count called ``what`` (items, pages, requests...)."""
        self.counts[what] = self.counts.get(what, 0) + number

    def exchange(self, instruction: Instruction) -> Generator[Instruction, Any, Any]:
        """Yield ``instruction`` to the driver; count, time and cost what comes back.

        A response is read (``Unread.read``) and its capacity counted here, in the core's
        step. A ``Fanout``'s responses come back as an iterator that does so for each as
        it is taken, and lets go of it: a batch get decodes one page's items before the
        next page is parsed, instead of holding every page's wire form at once.
        """
        started = time.perf_counter()
        try:
            outcome = yield instruction
        finally:
            self.fetch_seconds += time.perf_counter() - started
        if type(instruction) is Fanout:
            self.count("requests", len(outcome))
            return self._taken(outcome)
        self.count("requests")
        return self._read(outcome)

    def _read(self, response: Response) -> Response:
        if type(response) is Unread:
            response.read()
        self.consumed(response)
        return response

    def _taken(self, responses: list[Response]) -> Iterator[Response]:
        """Each response in order, read as it is taken; the list keeps none once taken."""
        responses.reverse()
        while responses:
            yield self._read(responses.pop())

    def consumed(self, response: dict[str, Any]) -> None:
        """Add the capacity units a response reports (one entry, or one per table)."""
        consumed = response.get("ConsumedCapacity")
        if consumed is None:
            return
        entries = consumed if isinstance(consumed, list) else [consumed]
        units = sum(float(entry.get("CapacityUnits", 0.0)) for entry in entries)
        self.capacity = (self.capacity or 0.0) + units

    def _extra(self, elapsed_ms: float | None = None) -> dict[str, Any]:
        extra: dict[str, Any] = {
            "operation": self.name,
            "table": self.table,
            "counts": dict(self.counts),
        }
        if elapsed_ms is not None:
            extra["elapsed_ms"] = elapsed_ms
            extra["fetch_ms"] = self.fetch_seconds * 1000
        if self.capacity is not None:
            extra["consumed_capacity"] = self.capacity
        return extra

    @property
    def subject(self) -> str:
        """What a message names: ``put_item on users``, or just ``ping`` without a table."""
        return self.name if self.table == "-" else f"{self.name} on {self.table}"

    def _elapsed_ms(self) -> float:
        return (time.perf_counter() - self._started) * 1000

    def started(self) -> None:
        """Log the start at DEBUG, with a snapshot of the counts."""
        if self.logger.isEnabledFor(logging.DEBUG):
            self.logger.debug("%s: started", self.subject, extra=self._extra())

    def failed(self, error: BaseException) -> None:
        """Log ``error`` once: at ERROR, or at the configured level for a refused condition."""
        level = self._refusal_level if is_refusal(error) else logging.ERROR
        if not self.logger.isEnabledFor(level):
            return
        elapsed = self._elapsed_ms()
        extra = self._extra(elapsed)
        found = request_id(error)
        if found is not None:
            extra["request_id"] = found
        self.logger.log(
            level,
            "%s failed after %.1f ms: %s%s",
            self.subject,
            elapsed,
            describe(error),
            "" if found is None else f" (request id {found})",
            extra=extra,
        )

    @contextmanager
    def running(self) -> Iterator[Operation]:
        """Log failure once, completion at INFO, or INFO when the caller stopped a stream."""
        try:
            yield self
        except GeneratorExit:
            self._done(early=True)
            raise
        except Exception as error:
            self.failed(error)
            raise
        self._done(early=False)

    def _done(self, early: bool) -> None:
        if not self.logger.isEnabledFor(logging.INFO):
            return
        elapsed = self._elapsed_ms()
        counts = " ".join(f"{name}={value}" for name, value in self.counts.items())
        if self.capacity is not None:
            counts = f"{counts} capacity={self.capacity:g}".lstrip()
        self.logger.info(
            "%s done in %.1f ms%s%s",
            self.subject,
            elapsed,
            f" ({counts})" if counts else "",
            ", stopped early by the caller" if early else "",
            extra=self._extra(elapsed),
        )
