"""Eight threads sharing one service: nothing lost, counters exact, no exception anywhere."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from mypy_boto3_dynamodb import DynamoDBClient

from integration_tests.adversarial.conftest import stored_items, stored_keys
from integration_tests.support import ServiceFactory, sends_lean, watch_sends
from src.services.dynamodb.dynamodb_models import Item
from src.services.dynamodb.dynamodb_service import DynamoDBService

THREADS = 8
ITERATIONS = 5
BATCH = 5
COUNTER = {"pk": "counter", "sk": 0}


def run_threads(count: int, work: Callable[[int], None]) -> list[BaseException]:
    """Run ``work(i)`` on ``count`` threads started together; return what any of them raised."""
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def body(index: int) -> None:
        try:
            start.wait(timeout=30)
            work(index)
        except BaseException as error:  # noqa: BLE001 - collected, asserted empty
            errors.append(error)

    threads = [threading.Thread(target=body, args=(i,), name=f"worker-{i}") for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a worker thread hung"
    return errors


def test_eight_threads_sharing_a_service_lose_nothing_and_count_exactly(
    direct_service: ServiceFactory, direct: DynamoDBClient, table: str, twin: str
) -> None:
    # GIVEN one service shared by 8 threads (the async twin: their calls are tasks of one
    # loop), and a counter at 0
    service = direct_service()
    service.put_item({**COUNTER, "n": 0}, table)
    increments: list[list[int]] = [[] for _ in range(THREADS)]

    def work(index: int) -> None:
        own = f"thread-{index}"
        for i in range(ITERATIONS):
            item: Item = {"pk": own, "sk": i, "v": f"{own}-{i}", "f": i / 10}
            service.put_item(item, table)
            assert service.get_item({"pk": own, "sk": i}, table, consistent_read=True) == item
            after = service.update_item(
                COUNTER, "ADD #c :one", {":one": 1}, table, expression_attribute_names={"#c": "n"}
            )
            increments[index].append(after["n"])
            found = service.query("pk = :p", {":p": own}, table, consistent_read=True)
            assert [found_item["sk"] for found_item in found] == list(range(i + 1))
            service.batch_write_items(
                [{"pk": f"batch-{index}", "sk": i * BATCH + j} for j in range(BATCH)], table
            )

    # WHEN each does ITERATIONS rounds of put, get, ADD, query and batch write at once
    started = time.monotonic()
    errors = run_threads(THREADS, work)
    elapsed = time.monotonic() - started
    # THEN no thread saw an exception
    assert errors == []
    # AND every write is present, read back directly
    expected = {(f"thread-{t}", i) for t in range(THREADS) for i in range(ITERATIONS)}
    expected |= {(f"batch-{t}", k) for t in range(THREADS) for k in range(ITERATIONS * BATCH)}
    expected.add(("counter", 0))
    assert stored_keys(direct, table) == expected
    # AND the counter equals the number of increments, each of which saw a distinct value
    total = THREADS * ITERATIONS
    [counter] = [item for item in stored_items(direct, table) if item["pk"] == "counter"]
    assert counter["n"] == total
    assert sorted(n for seen in increments for n in seen) == list(range(1, total + 1))
    # AND the blocking service never made a boto3 resource (not thread-safe) to do it
    if twin == "sync":
        assert service._resource is None
    assert elapsed < 60


def test_parallel_scans_from_several_threads_each_read_every_item_once(
    direct_service: ServiceFactory, direct: DynamoDBClient, table: str, twin: str
) -> None:
    # GIVEN 200 items and one service
    service = direct_service()
    service.batch_write_items([{"pk": f"p{i % 7}", "sk": i} for i in range(200)], table)
    before = set(threading.enumerate())
    results: list[list[tuple[str, int]]] = [[] for _ in range(4)]

    def work(index: int) -> None:
        items = service.scan(table_name=table, segments=3 + index)
        results[index] = [(item["pk"], item["sk"]) for item in items]

    # WHEN 4 threads each run a parallel scan (3 to 6 segments) at once
    errors = run_threads(4, work)
    # THEN none failed, and each got every item exactly once
    assert errors == []
    everything = sorted((f"p{i % 7}", i) for i in range(200))
    for found in results:
        assert sorted(found) == everything
    # AND no resource object was made, and closing the service ends every worker thread
    if twin == "sync":
        assert service._resource is None
    service.close()
    assert {t for t in threading.enumerate() if t.name.startswith("dynamodb")} <= before


def open_pools(service: DynamoDBService) -> int:
    """How many urllib3 connection pools the service's client holds (botocore internals),
    plus the connections the lean wire path keeps open, if it sends (its internals)."""
    session = service.client._endpoint.http_session  # type: ignore[attr-defined]
    lean = service._lean.pool._idle if service._lean is not None else []
    return len(session._manager.pools) + len(lean)


@pytest.mark.sync_only(
    "about the blocking service's urllib3 pool, closed by one thread while another is mid-call;"
    " the async twin has no pool of that kind, and its close() waits for calls in flight"
)
def test_close_while_another_thread_is_mid_call_leaves_no_connection_open(
    direct_service: ServiceFactory, table: str
) -> None:
    # GIVEN a service whose put_item, on another thread, is paused just before it sends:
    # in botocore's before-send, or at the drivers' send point when the lean path sends
    service = direct_service()
    service.put_item({"pk": "warm", "sk": 0}, table)
    paused, resume = threading.Event(), threading.Event()

    def pause(*_: object, **__: object) -> None:
        paused.set()
        resume.wait(timeout=2)

    if sends_lean(service):
        watch_sends(service, "PutItem", before=pause)
    else:
        service.client.meta.events.register("before-send.dynamodb.PutItem", pause)
    outcome: list[BaseException | None] = []

    def put() -> None:
        try:
            service.put_item({"pk": "racing", "sk": 1}, table)
            outcome.append(None)
        except BaseException as error:  # noqa: BLE001 - inspected below
            outcome.append(error)

    caller = threading.Thread(target=put)
    caller.start()
    assert paused.wait(timeout=10)
    # WHEN another thread closes the service meanwhile, then the call goes on
    closer = threading.Thread(target=service.close)
    closer.start()
    time.sleep(0.2)
    resume.set()
    closer.join(timeout=10)
    caller.join(timeout=10)
    try:
        # THEN the call either finished or failed with the service's RuntimeError
        assert len(outcome) == 1
        assert outcome[0] is None or isinstance(outcome[0], RuntimeError), outcome
        # AND once close() has returned and the call is over, no connection is left open
        assert open_pools(service) == 0
    finally:
        service.client.close()  # close what the race re-opened, so no socket leaks
