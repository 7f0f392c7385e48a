"""One place that logs every operation: DEBUG on start, INFO when done, ERROR on failure.

Records carry ``operation``, ``table``, ``elapsed_ms`` and ``counts`` as ``extra``
fields. Nothing here ever formats an item or an attribute value.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import ClientError


class _Counts:
    """Renders counts lazily, only when a record is emitted: `` (items=3 pages=2)``."""

    __slots__ = ("values",)

    def __init__(self, values: dict[str, int]) -> None:
        self.values = values

    def __str__(self) -> str:
        text = " ".join(f"{name}={value}" for name, value in self.values.items())
        return f" ({text})" if text else ""


_ECHOES_REQUEST = frozenset({"ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction"})
"""Operations whose error messages quote the statement, values written into it included."""


def describe(error: BaseException) -> str:
    """Return a one-line account of ``error`` with no request data in it."""
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


class Operation:
    """One call of a public method: its name, table, start time and counts."""

    __slots__ = ("logger", "name", "table", "counts", "_started")

    def __init__(self, logger: logging.Logger, name: str, table: str) -> None:
        self.logger = logger
        self.name = name
        self.table = table
        self.counts: dict[str, int] = {}
        self._started = time.perf_counter()

    def count(self, what: str, number: int = 1) -> None:
        """Add ``number`` to the count called ``what`` (items, pages, requests...)."""
        self.counts[what] = self.counts.get(what, 0) + number

    def _elapsed_ms(self) -> float:
        return (time.perf_counter() - self._started) * 1000

    def _extra(self, elapsed_ms: float | None = None) -> dict[str, Any]:
        extra = {"operation": self.name, "table": self.table, "counts": self.counts}
        return extra if elapsed_ms is None else {**extra, "elapsed_ms": elapsed_ms}

    def started(self) -> None:
        """Log the start at DEBUG."""
        if self.logger.isEnabledFor(logging.DEBUG):
            self.logger.debug("%s on %s: started", self.name, self.table, extra=self._extra())

    @contextmanager
    def failures_logged(self) -> Iterator[None]:
        """Log an exception once at ERROR, then let it propagate unchanged."""
        try:
            yield
        except Exception as error:
            elapsed = self._elapsed_ms()
            self.logger.error(
                "%s on %s failed after %.1f ms: %s",
                self.name,
                self.table,
                elapsed,
                describe(error),
                extra=self._extra(elapsed),
            )
            raise

    @contextmanager
    def running(self) -> Iterator[Operation]:
        """Log failure at ERROR, or completion at INFO with counts and elapsed time."""
        try:
            with self.failures_logged():
                yield self
        except GeneratorExit:
            self._done(early=True)
            raise
        self._done(early=False)

    def _done(self, early: bool) -> None:
        if not self.logger.isEnabledFor(logging.INFO):
            return
        elapsed = self._elapsed_ms()
        self.logger.info(
            "%s on %s done in %.1f ms%s%s",
            self.name,
            self.table,
            elapsed,
            _Counts(self.counts),
            ", stopped early by the caller" if early else "",
            extra=self._extra(elapsed),
        )
