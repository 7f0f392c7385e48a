"""Batches on the lean path: a window of requests encoded and signed before the first is sent.

The requests of a batch go one after another; signing them back to back costs a fraction
of signing each after waiting for the one before (``bench.wake``). Each request still
goes through the drivers' send point, so hooks, watches and close() see it as before.
"""

from __future__ import annotations

from typing import Any

import pytest

from integration_tests.support import ServiceFactory, sends_lean, watch_sends
from src.services.dynamodb._wire import AsyncLeanSender, LeanSender


def _record_windows(monkeypatch: pytest.MonkeyPatch, twin: str) -> list[int]:
    """Record the size of every window the lean sender of ``twin`` signs."""
    sizes: list[int] = []
    if twin == "sync":
        original = LeanSender.prepare

        def prepare(self: LeanSender, window: list[Any]) -> Any:
            sizes.append(len(window))
            return original(self, window)

        monkeypatch.setattr(LeanSender, "prepare", prepare)
    else:
        original_async = AsyncLeanSender.prepare

        async def prepare_async(self: AsyncLeanSender, window: list[Any]) -> Any:
            sizes.append(len(window))
            return await original_async(self, window)

        monkeypatch.setattr(AsyncLeanSender, "prepare", prepare_async)
    return sizes


def test_a_batch_write_is_signed_a_window_ahead_and_sent_call_by_call(
    service_factory: ServiceFactory, table: str, twin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a lean service and 70 items: three requests of at most 25
    service = service_factory(transport="lean")
    assert sends_lean(service)
    windows = _record_windows(monkeypatch, twin)
    seen = watch_sends(service, "BatchWriteItem")
    items = [{"pk": "ahead", "sk": n, "v": "x" * n} for n in range(70)]
    # WHEN they are written
    service.batch_write_items(items, table)
    # THEN one window signed all three ahead, each went through the send point, all landed
    assert windows == [3]
    assert [len(call.params["RequestItems"][table]) for call in seen] == [25, 25, 20]
    found = service.batch_get_items([{"pk": "ahead", "sk": n} for n in range(70)], table)
    assert found == items


def test_a_single_request_is_signed_when_sent(
    service_factory: ServiceFactory, table: str, twin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a lean service
    service = service_factory(transport="lean")
    windows = _record_windows(monkeypatch, twin)
    # WHEN one item is put and a batch of one is written
    service.put_item({"pk": "one", "sk": 1}, table)
    service.batch_write_items([{"pk": "one", "sk": 2}], table)
    # THEN each is a window of its own
    assert windows == [1, 1]
    assert service.query("pk = :p", {":p": "one"}, table) == [
        {"pk": "one", "sk": 1},
        {"pk": "one", "sk": 2},
    ]
