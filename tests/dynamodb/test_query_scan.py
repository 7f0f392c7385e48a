"""query/scan and their streaming and parallel forms: limits count results, not pages."""

from __future__ import annotations

import logging
import sys
import threading
import time
import tracemalloc
from collections.abc import Generator
from decimal import Decimal
from typing import Any

import pytest

from src.services.dynamodb import _paging
from src.services.dynamodb.dynamodb_models import DynamoDBConfig
from src.services.dynamodb.dynamodb_service import DynamoDBService

from .conftest import TABLE, requests_of, stubbed

Wire = dict[str, Any]

QUERY: dict[str, Any] = {
    "TableName": TABLE,
    "KeyConditionExpression": "pk = :pk",
    "ScanIndexForward": True,
    "ConsistentRead": False,
    "ExpressionAttributeValues": {":pk": {"S": "a"}},
}
FILTERED_QUERY: dict[str, Any] = {
    **QUERY,
    "FilterExpression": "colour = :c",
    "ExpressionAttributeValues": {":pk": {"S": "a"}, ":c": {"S": "red"}},
}
SCAN: dict[str, Any] = {"TableName": TABLE, "ConsistentRead": False}


def wire(sk: int, colour: str = "blue", pk: str = "a") -> Wire:
    return {"pk": {"S": pk}, "sk": {"N": str(sk)}, "colour": {"S": colour}}


def key(sk: int, pk: str = "a") -> Wire:
    return {"pk": {"S": pk}, "sk": {"N": str(sk)}}


def page(items: list[Wire], *, more: bool) -> dict[str, Any]:
    """A Query/Scan response; with ``more``, its LastEvaluatedKey is its last item's key."""
    response: dict[str, Any] = {"Items": items, "Count": len(items), "ScannedCount": len(items)}
    if more:
        last = items[-1] if items else wire(-1)
        response["LastEvaluatedKey"] = {"pk": last["pk"], "sk": last["sk"]}
    return response


def sks(items: list[dict[str, Any]]) -> list[Any]:
    return [item["sk"] for item in items]


def ours(caplog: pytest.LogCaptureFixture, level: int) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "tests.dynamodb" and r.levelno == level]


def query(service: DynamoDBService, limit: int = 0, *, filtered: bool = False) -> list[Any]:
    if filtered:
        return service.query(
            "pk = :pk",
            {":pk": "a", ":c": "red"},
            limit=limit,
            filter_expression="colour = :c",
        )
    return service.query("pk = :pk", {":pk": "a"}, limit=limit)


# -- limits against pages (Stubber) ------------------------------------------------------


def test_limit_smaller_than_a_page_asks_for_exactly_limit_in_one_request(
    service: DynamoDBService,
) -> None:
    # GIVEN a partition holding more items than the limit
    with stubbed(service) as stubber:
        stubber.add_response("query", page([wire(1), wire(2)], more=True), {**QUERY, "Limit": 2})
        # WHEN a query asks for 2 items
        result = query(service, limit=2)
        # THEN one request asked for Limit=2, and no second page was read
        stubber.assert_no_pending_responses()
    assert sks(result) == [1, 2]


def test_a_huge_limit_asks_for_at_most_dynamodbs_32_bit_maximum(
    service: DynamoDBService,
) -> None:
    # GIVEN a caller saying "everything" with sys.maxsize
    with stubbed(service) as stubber:
        stubber.add_response("query", page([wire(1)], more=False), {**QUERY, "Limit": 2**31 - 1})
        # WHEN the query runs
        result = query(service, limit=sys.maxsize)
        # THEN the Limit sent fits DynamoDB's 32-bit integer
        stubber.assert_no_pending_responses()
    assert sks(result) == [1]


def test_limit_equal_to_a_page_stops_at_the_page_boundary(service: DynamoDBService) -> None:
    # GIVEN the first page ends exactly where the limit is reached, more pages exist
    with stubbed(service) as stubber:
        stubber.add_response(
            "query", page([wire(1), wire(2), wire(3)], more=True), {**QUERY, "Limit": 3}
        )
        # WHEN a query asks for 3 items
        result = query(service, limit=3)
        # THEN the LastEvaluatedKey is not followed
        stubber.assert_no_pending_responses()
    assert sks(result) == [1, 2, 3]


def test_limit_larger_than_a_page_follows_the_cursor_asking_only_for_the_rest(
    service: DynamoDBService,
) -> None:
    # GIVEN pages cut at 3 items (DynamoDB's 1 MB) and a limit of 7
    first, second, third = [wire(1), wire(2), wire(3)], [wire(4), wire(5), wire(6)], [wire(7)]
    with stubbed(service) as stubber:
        stubber.add_response("query", page(first, more=True), {**QUERY, "Limit": 7})
        stubber.add_response(
            "query",
            page(second, more=True),
            {**QUERY, "Limit": 4, "ExclusiveStartKey": key(3)},
        )
        stubber.add_response(
            "query",
            page(third, more=True),
            {**QUERY, "Limit": 1, "ExclusiveStartKey": key(6)},
        )
        # WHEN the query runs
        result = query(service, limit=7)
        # THEN each request asked for the items still wanted, starting after the last key
        stubber.assert_no_pending_responses()
    assert sks(result) == [1, 2, 3, 4, 5, 6, 7]


def test_limit_larger_than_the_table_returns_everything(service: DynamoDBService) -> None:
    # GIVEN only 3 items in two pages
    with stubbed(service) as stubber:
        stubber.add_response("query", page([wire(1), wire(2)], more=True), {**QUERY, "Limit": 10})
        stubber.add_response(
            "query", page([wire(3)], more=False), {**QUERY, "Limit": 8, "ExclusiveStartKey": key(2)}
        )
        # WHEN 10 are asked for
        result = query(service, limit=10)
        # THEN the 3 come back, and the missing cursor ends the read
        stubber.assert_no_pending_responses()
    assert sks(result) == [1, 2, 3]


def test_limit_zero_reads_every_page_without_a_limit(
    service: DynamoDBService, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN 5 pages of 3 items
    with stubbed(service) as stubber:
        for number in range(5):
            items = [wire(3 * number + i) for i in range(3)]
            expected = dict(QUERY)
            if number:
                expected["ExclusiveStartKey"] = key(3 * number - 1)
            stubber.add_response("query", page(items, more=number < 4), expected)
        # WHEN a query with limit=0 runs
        result = query(service)
        # THEN every page was read (no Limit sent) and every item returned in order
        stubber.assert_no_pending_responses()
    assert sks(result) == list(range(15))
    # AND the INFO record counts 5 pages and 15 items
    [done] = ours(caplog, logging.INFO)
    assert done.__dict__["counts"] == {"requests": 5, "pages": 5, "items": 15}
    assert "pages=5" in done.getMessage() and "items=15" in done.getMessage()
    assert done.__dict__["operation"] == "query"


def test_sparse_filter_with_a_limit_returns_exactly_limit_matches(
    service: DynamoDBService,
) -> None:
    # GIVEN pages holding 0, 1, 0, 1 and 2 matches (the filter drops the rest server-side)
    pages = [[], [wire(3, "red")], [], [wire(9, "red")], [wire(12, "red"), wire(14, "red")]]
    with stubbed(service) as stubber:
        start: Wire | None = None
        for number, items in enumerate(pages):
            expected = dict(FILTERED_QUERY)
            if start is not None:
                expected["ExclusiveStartKey"] = start
            response = page(items, more=True)
            response["LastEvaluatedKey"] = key(3 * number + 2)
            response["ScannedCount"] = 3
            stubber.add_response("query", response, expected)
            start = key(3 * number + 2)
        # WHEN 3 matches are asked for
        result = query(service, limit=3, filtered=True)
        # THEN no Limit was sent (it would count items read), 5 pages were read,
        # and exactly 3 matches came back although the last page held 2 and more existed
        stubber.assert_no_pending_responses()
    assert sks(result) == [3, 9, 12]


def test_filter_without_limit_reads_to_the_end(service: DynamoDBService) -> None:
    # GIVEN two filtered pages
    with stubbed(service) as stubber:
        stubber.add_response("query", page([], more=True), FILTERED_QUERY)
        stubber.add_response(
            "query",
            page([wire(5, "red")], more=False),
            {**FILTERED_QUERY, "ExclusiveStartKey": key(-1)},
        )
        # WHEN the filtered query has no limit
        result = query(service, filtered=True)
        # THEN both pages are read
        stubber.assert_no_pending_responses()
    assert sks(result) == [5]


def test_scan_limit_follows_pages_like_query(service: DynamoDBService) -> None:
    # GIVEN two scan pages of 2
    with stubbed(service) as stubber:
        stubber.add_response("scan", page([wire(1), wire(2)], more=True), {**SCAN, "Limit": 3})
        stubber.add_response(
            "scan",
            page([wire(3)], more=True),
            {**SCAN, "Limit": 1, "ExclusiveStartKey": key(2)},
        )
        # WHEN a scan asks for 3
        result = service.scan(limit=3)
        # THEN it took exactly 3 over two pages
        stubber.assert_no_pending_responses()
    assert sks(result) == [1, 2, 3]


def test_scan_with_filter_and_limit_sends_no_limit(service: DynamoDBService) -> None:
    # GIVEN a filtered scan whose first page already holds more matches than wanted
    expected = {
        **SCAN,
        "FilterExpression": "colour = :c",
        "ExpressionAttributeValues": {":c": {"S": "red"}},
    }
    with stubbed(service) as stubber:
        stubber.add_response("scan", page([wire(1, "red"), wire(2, "red")], more=True), expected)
        # WHEN one match is asked for
        result = service.scan("colour = :c", {":c": "red"}, limit=1)
        # THEN exactly one comes back from one request without Limit
        stubber.assert_no_pending_responses()
    assert sks(result) == [1]


def test_negative_limit_is_a_value_error_before_any_call(
    service: DynamoDBService, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a Stubber with nothing queued (any request would fail differently)
    with stubbed(service) as stubber:
        # WHEN the limit is negative THEN ValueError, at call time, even for the iterators
        with pytest.raises(ValueError, match="limit"):
            service.query("pk = :pk", {":pk": "a"}, limit=-1)
        with pytest.raises(ValueError, match="limit"):
            service.iter_query("pk = :pk", {":pk": "a"}, limit=-1)
        with pytest.raises(ValueError, match="limit"):
            service.scan(limit=-1)
        with pytest.raises(ValueError, match="limit"):
            service.iter_scan(limit=-1)
        stubber.assert_no_pending_responses()
    # AND each failure is logged once at ERROR
    assert len(ours(caplog, logging.ERROR)) == 4


def test_non_int_limit_is_a_type_error(service: DynamoDBService) -> None:
    with stubbed(service) as stubber:
        # GIVEN nothing queued WHEN limit is a bool, float, str or None THEN TypeError
        for limit in (True, False, 2.0, "3", None):
            with pytest.raises(TypeError, match="limit"):
                service.query("pk = :pk", {":pk": "a"}, limit=limit)  # type: ignore[arg-type]
            with pytest.raises(TypeError, match="limit"):
                service.scan(limit=limit)  # type: ignore[arg-type]
        stubber.assert_no_pending_responses()


def test_query_passes_index_order_consistency_and_names_through(
    service: DynamoDBService,
) -> None:
    # GIVEN the exact request a GSI query with a reserved word should send
    expected = {
        "TableName": "orders",
        "IndexName": "by-status",
        "KeyConditionExpression": "#s = :s",
        "FilterExpression": "#n > :n",
        "ScanIndexForward": False,
        "ConsistentRead": True,
        "ExpressionAttributeNames": {"#s": "status", "#n": "count"},
        "ExpressionAttributeValues": {":s": {"S": "open"}, ":n": {"N": "2"}},
    }
    with stubbed(service) as stubber:
        stubber.add_response("query", page([], more=False), expected)
        # WHEN the query runs with every option
        result = service.query(
            "#s = :s",
            {":s": "open", ":n": 2},
            "orders",
            expression_attribute_names={"#s": "status", "#n": "count"},
            filter_expression="#n > :n",
            index_name="by-status",
            scan_index_forward=False,
            consistent_read=True,
        )
        # THEN each option reached the request unchanged
        stubber.assert_no_pending_responses()
    assert result == []


def test_scan_passes_index_consistency_and_names_through(service: DynamoDBService) -> None:
    # GIVEN the exact request expected
    expected = {
        "TableName": "orders",
        "IndexName": "by-status",
        "ConsistentRead": True,
        "FilterExpression": "#s = :s",
        "ExpressionAttributeNames": {"#s": "status"},
        "ExpressionAttributeValues": {":s": {"S": "open"}},
    }
    with stubbed(service) as stubber:
        stubber.add_response("scan", page([], more=False), expected)
        # WHEN the scan runs with every option
        service.scan(
            "#s = :s",
            {":s": "open"},
            "orders",
            expression_attribute_names={"#s": "status"},
            index_name="by-status",
            consistent_read=True,
        )
        # THEN they reached the request
        stubber.assert_no_pending_responses()


def test_client_errors_propagate_unchanged_and_are_logged_once(
    service: DynamoDBService, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN the second page fails on the server
    with stubbed(service) as stubber:
        stubber.add_response("scan", page([wire(1)], more=True), SCAN)
        stubber.add_client_error("scan", "ResourceNotFoundException", "gone")
        # WHEN the scan runs THEN botocore's own exception comes out
        with pytest.raises(service.client.exceptions.ResourceNotFoundException):
            service.scan()
        stubber.assert_no_pending_responses()
    # AND one ERROR record names the code, and no INFO "done" record was written
    [error] = ours(caplog, logging.ERROR)
    assert "ResourceNotFoundException" in error.getMessage()
    assert ours(caplog, logging.INFO) == []


def test_info_record_carries_the_resolved_default_table(
    service: DynamoDBService, table: str, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN no table name given, so the default ``users`` is used
    caplog.clear()
    # WHEN a scan completes
    service.scan()
    # THEN its records carry the table it ran on as the ``table`` extra field
    [done] = ours(caplog, logging.INFO)
    assert done.getMessage().startswith("scan on users")
    assert done.__dict__["table"] == TABLE


# -- conversion (moto) -----------------------------------------------------------------


def test_items_come_back_converted_native_and_decimal(
    service: DynamoDBService, table: str, logger: logging.Logger, config: DynamoDBConfig
) -> None:
    # GIVEN items holding whole and fractional numbers, a number set and bytes
    service.put_item({"pk": "a", "sk": 1, "price": 0.1, "qty": 3, "ns": {1, 2.5}, "b": b"\x00"})
    service.put_item({"pk": "a", "sk": 2, "price": Decimal("2.50"), "qty": 10**20})
    # WHEN read through query and scan in native mode
    native = service.query("pk = :pk", {":pk": "a"})
    # THEN whole numbers are int, others float, sets set, binary bytes
    assert native == [
        {"pk": "a", "sk": 1, "price": 0.1, "qty": 3, "ns": {1, 2.5}, "b": b"\x00"},
        {"pk": "a", "sk": 2, "price": 2.5, "qty": 10**20},
    ]
    assert type(native[0]["sk"]) is int and type(native[0]["price"]) is float
    assert sorted(service.scan(), key=lambda item: item["sk"]) == native
    # WHEN read by a service in decimal mode (same mock)
    decimal_service = DynamoDBService(
        logger=logger, config=config.model_copy(update={"numbers": "decimal"})
    )
    try:
        exact = decimal_service.query("pk = :pk", {":pk": "a"}, scan_index_forward=False)
        scanned = decimal_service.scan("qty > :q", {":q": 5})
    finally:
        decimal_service.close()
    # THEN every number is a Decimal, as stored
    assert exact[0] == {"pk": "a", "sk": Decimal(2), "price": Decimal("2.5"), "qty": 10**20}
    assert all(type(v) is Decimal for v in (exact[0]["sk"], exact[0]["price"], exact[1]["qty"]))
    assert exact[1]["ns"] == {Decimal(1), Decimal("2.5")}
    assert scanned == [exact[0]]


def test_query_on_moto_follows_1mb_pages_with_a_limit(service: DynamoDBService, table: str) -> None:
    # GIVEN 30 items of ~100 KB in one partition: moto cuts pages at 1 MB
    service.batch_write_items([{"pk": "a", "sk": i, "body": "x" * 100_000} for i in range(30)])
    requests = requests_of(service, "Query")
    # WHEN 25 are asked for
    result = service.query("pk = :pk", {":pk": "a"}, limit=25)
    # THEN the first 25 come back in key order, over several pages
    assert sks(result) == list(range(25))
    assert len(requests) >= 3
    assert requests[0]["Limit"] == 25
    assert [r["Limit"] for r in requests] == sorted((r["Limit"] for r in requests), reverse=True)
    # AND with no limit all 30 come back
    assert len(service.query("pk = :pk", {":pk": "a"})) == 30


# -- streaming ---------------------------------------------------------------------------


def test_iterators_send_nothing_until_the_first_next(service: DynamoDBService) -> None:
    query_calls, scan_calls = requests_of(service, "Query"), requests_of(service, "Scan")
    with stubbed(service) as stubber:
        # GIVEN nothing queued WHEN the iterators are created
        rows = service.iter_query("pk = :pk", {":pk": "a"})
        scanned = service.iter_scan()
        # THEN no request was sent (the Stubber would have refused it)
        assert query_calls == [] and scan_calls == []
        # WHEN the first item is asked for THEN exactly one request goes out
        stubber.add_response("query", page([wire(1)], more=False), QUERY)
        assert next(rows) == {"pk": "a", "sk": 1, "colour": "blue"}
        stubber.add_response("scan", page([wire(2)], more=False), SCAN)
        assert list(scanned) == [{"pk": "a", "sk": 2, "colour": "blue"}]
        stubber.assert_no_pending_responses()
    assert list(rows) == []
    assert len(query_calls) == 1 and len(scan_calls) == 1


def test_breaking_after_the_first_page_sends_no_further_request(
    service: DynamoDBService, caplog: pytest.LogCaptureFixture
) -> None:
    query_calls = requests_of(service, "Query")
    with stubbed(service) as stubber:
        # GIVEN one queued page that says more pages exist
        stubber.add_response("query", page([wire(1), wire(2)], more=True), QUERY)
        # WHEN the caller reads the whole first page, then stops
        for item in service.iter_query("pk = :pk", {":pk": "a"}):
            if item["sk"] == 2:
                break
        # THEN only one request was sent (a second would have hit the empty Stubber)
        stubber.assert_no_pending_responses()
    assert len(query_calls) == 1
    # AND the INFO record says the caller stopped early, with the counts so far
    [done] = ours(caplog, logging.INFO)
    assert "stopped early" in done.getMessage()
    assert done.__dict__["counts"] == {"requests": 1, "pages": 1, "items": 2}


def test_validation_errors_raise_at_call_time_not_at_first_next(
    service: DynamoDBService,
) -> None:
    with stubbed(service) as stubber:
        # GIVEN nothing queued WHEN the iterators get bad arguments THEN they raise at once
        with pytest.raises(ValueError, match="limit"):
            service.iter_query("pk = :pk", {":pk": "a"}, limit=-5)
        with pytest.raises(ValueError, match="lacks"):
            service.iter_query("pk = :pk", {})
        with pytest.raises(ValueError, match="empty"):
            service.iter_query("  ", {":pk": "a"})
        with pytest.raises(ValueError, match="segments"):
            service.iter_scan(segments=0)
        with pytest.raises(ValueError, match="parallel"):
            service.iter_scan(limit=3, segments=2)
        with pytest.raises(ValueError, match="table"):
            service.iter_scan(table_name="x")
        with pytest.raises(TypeError, match="filter_expression"):
            service.iter_scan(5)  # type: ignore[call-overload]
        with pytest.raises(ValueError, match="no expression uses"):
            service.iter_scan("colour = :c", {":c": "red", ":unused": 1})
        with pytest.raises(TypeError, match="expression_attribute_names"):
            service.iter_query("#p = :pk", {":pk": "a"}, expression_attribute_names=["#p"])  # type: ignore[call-overload]
        with pytest.raises(ValueError, match="'#name'"):
            service.iter_query("pk = :pk", {":pk": "a"}, expression_attribute_names={"p": "pk"})
        stubber.assert_no_pending_responses()


@pytest.mark.parametrize("fast_reads", [False, True])
def test_iter_scan_memory_stays_at_about_a_page(
    service: DynamoDBService, table: str, logger: logging.Logger, fast_reads: bool
) -> None:
    # GIVEN 160 items of 100 KB (16 MB: moto pages at 1 MB, so about 18 pages)
    size, count = 100_000, 160
    service.batch_write_items([{"pk": f"p{i}", "sk": i, "body": "x" * size} for i in range(count)])
    config = service.config.model_copy(update={"fast_reads": fast_reads})
    reader = DynamoDBService(logger=logger, config=config)
    requests = requests_of(reader, "Scan")
    # WHEN iterating the scan under tracemalloc, keeping nothing
    tracemalloc.start()
    try:
        seen, held = 0, 0
        for item in reader.iter_scan():
            seen += len(item["body"])
            held = max(held, tracemalloc.get_traced_memory()[0])
        _, streaming_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        everything = reader.scan()
        _, list_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        reader.close()
    # THEN every byte was seen over many pages, holding about a page at a time
    assert seen == size * count and len(everything) == count
    assert len(requests) >= 2 * 10
    assert held < size * count / 8
    if not fast_reads:
        # AND botocore's parser peaks far under the table's size too; orjson's parse of
        # a 1 MB page briefly takes about 13 MB (its value pool), so only what is held
        # between items is bounded with fast reads
        assert streaming_peak < size * count / 3
        assert streaming_peak < list_peak / 3


# -- parallel scan ------------------------------------------------------------------------


@pytest.mark.parametrize("segments", [1, 2, 8])
def test_parallel_scan_returns_every_item_exactly_once(
    service: DynamoDBService, table: str, segments: int
) -> None:
    # GIVEN 120 items of 100 KB over 40 partitions: segments hold more than a 1 MB page
    items = [{"pk": f"p{i % 40}", "sk": i, "body": "y" * 100_000} for i in range(120)]
    service.batch_write_items(items)
    requests = requests_of(service, "Scan")
    # WHEN scanned in ``segments`` segments
    result = service.scan(segments=segments)
    # THEN every item comes back exactly once
    assert sorted(sks(result)) == list(range(120))
    # AND each segment was asked for (no segment at all when segments == 1),
    # with the pages of each segment followed
    asked = {(r.get("Segment"), r.get("TotalSegments")) for r in requests}
    if segments == 1:
        assert asked == {(None, None)}
    else:
        assert asked == {(s, segments) for s in range(segments)}
    assert len(requests) > segments
    assert sum("ExclusiveStartKey" in r for r in requests) == len(requests) - segments


@pytest.mark.parametrize("segments", [3, 20])
def test_parallel_scan_runs_segments_at_once_on_a_bounded_pool(
    service: DynamoDBService, table: str, segments: int
) -> None:
    # GIVEN 40 items, and a server that takes 20 ms a scan request
    service.batch_write_items([{"pk": f"p{i}", "sk": i} for i in range(40)])
    lock = threading.Lock()
    running = [0, 0]  # now, most

    def enter(**_: Any) -> None:
        with lock:
            running[0] += 1
            running[1] = max(running[1], running[0])
        time.sleep(0.02)

    def leave(**_: Any) -> None:
        with lock:
            running[0] -= 1

    service.client.meta.events.register("before-call.dynamodb.Scan", enter)
    service.client.meta.events.register("after-call.dynamodb.Scan", leave)
    # WHEN scanned in parallel
    result = service.scan(segments=segments)
    # THEN segments overlapped, never more than the connection pool (or the segment count)
    assert sorted(sks(result)) == list(range(40))
    assert 2 <= running[1] <= min(segments, service.config.max_pool_connections)
    # AND the service's one pool never grew past the connection pool
    assert len(scan_threads()) <= service.config.max_pool_connections


def test_parallel_scan_with_a_filter_matches_the_plain_scan(
    service: DynamoDBService, table: str
) -> None:
    # GIVEN items of two colours
    service.batch_write_items(
        [{"pk": f"p{i}", "sk": i, "colour": "red" if i % 3 else "blue"} for i in range(60)]
    )
    # WHEN both scans filter on the colour
    plain = service.scan("colour = :c", {":c": "red"})
    parallel = service.scan("colour = :c", {":c": "red"}, segments=4)
    # THEN they agree
    assert sorted(sks(parallel)) == sorted(sks(plain)) and len(plain) == 40


def test_bad_segments_fail_before_any_call(service: DynamoDBService) -> None:
    cases: list[tuple[Any, type[Exception]]] = [
        (0, ValueError),
        (-1, ValueError),
        (1_000_001, ValueError),
        (True, TypeError),
        ("2", TypeError),
        (2.0, TypeError),
    ]
    with stubbed(service) as stubber:
        # GIVEN nothing queued WHEN segments is out of range or not an int THEN it fails
        for segments, error in cases:
            with pytest.raises(error, match="segments"):
                service.scan(segments=segments)
            with pytest.raises(error, match="segments"):
                service.iter_scan(segments=segments)
        stubber.assert_no_pending_responses()


def test_parallel_scan_with_a_limit_is_a_value_error(service: DynamoDBService) -> None:
    with stubbed(service) as stubber:
        # GIVEN nothing queued WHEN segments > 1 and a limit THEN ValueError, no call
        with pytest.raises(ValueError, match="limit"):
            service.scan(limit=1, segments=2)
        # AND the boundaries are accepted lazily: no request until iterated
        widest = service.iter_scan(segments=1_000_000)
        assert isinstance(widest, Generator)
        widest.close()
        stubber.assert_no_pending_responses()


# -- _paging.PageLoop directly -------------------------------------------------------------


def scan_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("dynamodb")]


def test_page_loop_follows_the_token_cursor_to_the_end() -> None:
    # GIVEN a loop over a token-paged read with no limit
    loop = _paging.PageLoop("ExecuteStatement", {"Statement": "s"}, cursor=_paging.TOKENS)
    calls: list[dict[str, Any]] = []
    pages: list[list[Any]] = []
    # WHEN it is answered with 4 pages of 2, the last without a token
    while (call := loop.next_call()) is not None:
        calls.append(dict(call.params))
        start = int(call.params.get("NextToken", "0"))
        response: dict[str, Any] = {"Items": [start, start + 1]}
        if start < 6:
            response["NextToken"] = str(start + 2)
        pages.append(loop.receive(response))
    # THEN every page was asked for from where the last stopped, and nothing was cut
    assert pages == [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert [c.get("NextToken") for c in calls] == [None, "2", "4", "6"]
    assert all("Limit" not in c for c in calls) and loop.start is None and not loop.cut


def test_page_loop_exact_sizing_asks_for_what_is_still_wanted() -> None:
    # GIVEN a loop wanting 3 items, sized exactly
    loop = _paging.PageLoop("Query", {}, limit=3, sizing="exact", cursor=_paging.TOKENS)
    # WHEN the pages hold 2 items each
    first = loop.next_call()
    assert first is not None and first.params == {"Limit": 3}
    assert loop.receive({"Items": [0, 1], "NextToken": "2"}) == [0, 1]
    second = loop.next_call()
    # THEN the second asks only for the 1 left, and the read ends there
    assert second is not None and second.params == {"Limit": 1, "NextToken": "2"}
    assert loop.receive({"Items": [2, 3], "NextToken": "4"}) == [2]
    assert loop.cut and loop.done and loop.next_call() is None


def test_page_loop_growing_sizing_doubles_the_limit_up_to_the_32_bit_maximum() -> None:
    # GIVEN a loop wanting 2**30 matches through a filter (growing sizing)
    loop = _paging.PageLoop("Scan", {}, limit=2**30, sizing="growing")
    limits = []
    # WHEN three empty pages come back, each with more to read
    for n in range(3):
        call = loop.next_call()
        assert call is not None
        limits.append(call.params["Limit"])
        assert loop.receive({"Items": [], "LastEvaluatedKey": {"pk": {"S": str(n)}}}) == []
    # THEN the limit doubled, capped at DynamoDB's maximum
    assert limits == [2**30, _paging.MAX_LIMIT, _paging.MAX_LIMIT]


def test_abandoned_parallel_scan_sends_nothing_more(service: DynamoDBService, table: str) -> None:
    # GIVEN 30 items in 30 partitions
    service.batch_write_items([{"pk": f"p{i}", "sk": i} for i in range(30)])
    scans = requests_of(service, "Scan")
    # WHEN a parallel scan is abandoned after its first item
    rows = service.iter_scan(segments=4)
    assert next(rows)["pk"].startswith("p")
    assert isinstance(rows, Generator)
    rows.close()
    sent = len(scans)
    # THEN nothing more is sent, the requests in flight were at most one per segment
    time.sleep(0.05)
    assert len(scans) == sent <= 4
    # AND the pool's threads are bounded by the connection pool
    assert len(scan_threads()) <= service.config.max_pool_connections


def test_a_stream_left_open_across_close_sends_no_further_request(
    service: DynamoDBService,
) -> None:
    # GIVEN a scan stream whose first page has been read, more pages remaining
    with stubbed(service) as stubber:
        stubber.add_response("scan", page([wire(1)], more=True), SCAN)
        stream = service.iter_scan()
        assert next(stream)["sk"] == 1
        # WHEN the service is closed and the stream is asked for more
        service.close()
        # THEN it raises instead of sending the next Scan
        with pytest.raises(RuntimeError, match="scan: the service is closed"):
            next(stream)
        stubber.assert_no_pending_responses()


def test_closing_after_the_last_page_was_read_is_no_error(service: DynamoDBService) -> None:
    # GIVEN a scan stream on its last page
    with stubbed(service) as stubber:
        stubber.add_response("scan", page([wire(1), wire(2)], more=False), SCAN)
        stream = service.iter_scan()
        assert next(stream)["sk"] == 1
        # WHEN the service is closed before the rest of that page is taken
        service.close()
        # THEN the page still yields what it holds, and nothing more is fetched
        assert [item["sk"] for item in stream] == [2]
        stubber.assert_no_pending_responses()
