"""Round 2 of the contract: resend rounds, offline checks, cursors, projections, deletes..."""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Callable, Generator, Iterator
from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError
from mypy_boto3_dynamodb.type_defs import (
    AttributeDefinitionTypeDef,
    KeySchemaElementTypeDef,
    LocalSecondaryIndexTypeDef,
)

from src.services.dynamodb import _batching, _fastread, decode_item, encode_item
from src.services.dynamodb._connection import cache_user_agent
from src.services.dynamodb._driver import Core
from src.services.dynamodb._observe import Operation
from src.services.dynamodb._protocol import Call, Fanout, Instruction, Sleep, Unread
from src.services.dynamodb.dynamodb_models import (
    DynamoDBConfig,
    Page,
    Put,
    UnprocessedItemsError,
    Update,
)
from src.services.dynamodb.dynamodb_service import DynamoDBService

from .conftest import ATTRIBUTES, KEY_SCHEMA, TABLE, requests_of, stubbed

LOGGER = "tests.dynamodb"
CLOSED_PORT = "http://127.0.0.1:9"


def ours(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == LOGGER]


def infos(caplog: pytest.LogCaptureFixture, operation: str) -> list[logging.LogRecord]:
    return [
        r
        for r in ours(caplog)
        if r.levelno == logging.INFO and r.__dict__["operation"] == operation
    ]


def put_wire(i: int) -> dict[str, Any]:
    return {"PutRequest": {"Item": {"pk": {"S": f"p{i}"}, "sk": {"N": str(i)}}}}


# -- resend rounds, driven as a generator (no service, no network) ---------------------------


class Driven:
    """What driving a generator yielded: the fan-outs, the sleeps, and its result."""

    def __init__(self) -> None:
        self.fanouts: list[Fanout] = []
        self.sleeps: list[float] = []
        self.result: Any = None


def drive(
    steps: Generator[Instruction, Any, Any],
    answer: Callable[[Call], dict[str, Any]],
) -> Driven:
    """Answer every ``Call`` and ``Fanout`` with ``answer``; record every ``Sleep``."""
    driven = Driven()
    outcome: Any = None
    try:
        while True:
            instruction = steps.send(outcome) if driven.fanouts or driven.sleeps else next(steps)
            if isinstance(instruction, Sleep):
                driven.sleeps.append(instruction.seconds)
                outcome = None
            elif isinstance(instruction, Fanout):
                driven.fanouts.append(instruction)
                outcome = [answer(call) for call in instruction.calls]
            else:
                assert isinstance(instruction, Call)
                driven.fanouts.append(Fanout([instruction], 1))
                outcome = answer(instruction)
    except StopIteration as done:
        driven.result = done.value
    return driven


def keep(stuck: Callable[[int], bool]) -> Callable[[Call], dict[str, Any]]:
    """A BatchWriteItem answer that hands back the puts whose ``sk`` is ``stuck``."""

    def answer(call: Call) -> dict[str, Any]:
        sent = call.params["RequestItems"][TABLE]
        left = [r for r in sent if stuck(int(r["PutRequest"]["Item"]["sk"]["N"]))]
        return {"UnprocessedItems": {TABLE: left} if left else {}}

    return answer


def operation(logger: logging.Logger) -> Operation:
    return Operation(logger, "batch_write_items", TABLE, refusal_level=logging.ERROR)


def test_every_item_is_sent_once_before_any_leftover_is_resent(logger: logging.Logger) -> None:
    # GIVEN 100 writes of which every 7th stays stuck for good, and a fixed jitter
    work = [put_wire(i) for i in range(100)]
    op = operation(logger)
    steps = _batching.resend_rounds(
        op,
        work,
        size=25,
        call=_batching.write_call(TABLE),
        leftovers=_batching.unwritten(TABLE),
        concurrency=3,
        jitter=lambda: 1.0,
    )
    # WHEN driven to the end
    driven = drive(steps, keep(lambda sk: sk % 7 == 0))
    # THEN the first round sent every item exactly once, 25 a request, 3 at once
    first = driven.fanouts[0]
    sent = [r for call in first.calls for r in call.params["RequestItems"][TABLE]]
    assert sent == work and first.concurrency == 3
    assert [len(c.params["RequestItems"][TABLE]) for c in first.calls] == [25, 25, 25, 25]
    # AND each later round resent only the leftovers, after a doubling backoff
    stuck = [put_wire(i) for i in range(0, 100, 7)]
    for fanout in driven.fanouts[1:]:
        assert [r for c in fanout.calls for r in c.params["RequestItems"][TABLE]] == stuck
    assert len(driven.fanouts) == 1 + _batching.RESEND_ROUNDS
    assert driven.sleeps == [_batching.backoff(n, lambda: 1.0) for n in range(8)]
    # AND the leftovers come back in order, every request counted
    assert driven.result == stuck
    assert op.counts["requests"] == 4 + 8


def test_a_fanouts_responses_are_read_one_at_a_time_as_they_are_taken(
    logger: logging.Logger,
) -> None:
    # GIVEN three responses to a Fanout, their bodies not yet read, one with capacity
    parsed: list[bytes] = []

    def parse(body: bytes) -> dict[str, Any]:
        parsed.append(body)
        return {"ConsumedCapacity": {"CapacityUnits": 2.0}} if body == b"1" else {}

    responses: list[dict[str, Any]] = [Unread({}, b"%d" % i, parse) for i in range(3)]
    op = operation(logger)
    steps = op.exchange(Fanout([Call("BatchGetItem", {})] * 3, 1))
    next(steps)
    with pytest.raises(StopIteration) as done:
        steps.send(responses)
    taken = done.value.value
    # WHEN the first two are taken
    first, second = next(taken), next(taken)
    # THEN only those two are parsed and counted, and the list holds only the third
    assert parsed == [b"0", b"1"]
    assert op.capacity == 2.0 and op.counts == {"requests": 3}
    capacity = {"ConsumedCapacity": {"CapacityUnits": 2.0}}
    assert [first, second] == [{"ResponseMetadata": {}}, {"ResponseMetadata": {}, **capacity}]
    assert len(responses) == 1
    assert list(taken) == [{"ResponseMetadata": {}}]


def test_rounds_stop_as_soon_as_nothing_is_left(logger: logging.Logger) -> None:
    # GIVEN writes that clear on the second try
    tries: dict[int, int] = {}

    def once(sk: int) -> bool:
        tries[sk] = tries.get(sk, 0) + 1
        return sk < 3 and tries[sk] == 1

    steps = _batching.resend_rounds(
        operation(logger),
        [put_wire(i) for i in range(10)],
        size=25,
        call=_batching.write_call(TABLE),
        leftovers=_batching.unwritten(TABLE),
        concurrency=1,
        jitter=lambda: 0.5,
    )
    # WHEN driven THEN one resend round after one sleep, nothing left
    driven = drive(steps, keep(once))
    assert len(driven.fanouts) == 2 and driven.sleeps == [0.025]
    assert driven.result == []


def test_ten_thousand_stuck_items_sleep_under_five_seconds(logger: logging.Logger) -> None:
    # GIVEN 10,000 writes that never clear, and the largest jitter
    work = [put_wire(i) for i in range(10_000)]
    steps = _batching.resend_rounds(
        operation(logger),
        work,
        size=_batching.WRITE_BATCH,
        call=_batching.write_call(TABLE),
        leftovers=_batching.unwritten(TABLE),
        concurrency=10,
        jitter=lambda: 1.0,
    )
    # WHEN driven to the end
    driven = drive(steps, keep(lambda sk: True))
    # THEN all were sent in the first round, the total sleep stays under 5 s,
    # and every item comes back unprocessed, in order
    assert len(driven.fanouts[0].calls) == 400
    assert sum(driven.sleeps) < 5
    assert driven.result == work


def test_core_batch_write_with_a_fixed_jitter_reports_exactly_the_stuck_items(
    logger: logging.Logger, config: DynamoDBConfig
) -> None:
    # GIVEN the core with a fixed jitter, and a table whose key is pk/sk
    core = Core(logger, config, jitter=lambda: 0.0)
    items = [{"pk": f"p{i}", "sk": i} for i in range(30)]
    described = {"Table": {"KeySchema": KEY_SCHEMA, "AttributeDefinitions": ATTRIBUTES}}
    stuck_answer = keep(lambda sk: sk in (4, 27))

    def answer(call: Call) -> dict[str, Any]:
        return described if call.operation == "DescribeTable" else stuck_answer(call)

    # WHEN the batch write is driven to its end
    with pytest.raises(UnprocessedItemsError) as raised:
        drive(core.batch_write_items(items), answer)
    # THEN exactly the caller's stuck items are reported, in the caller's order
    assert raised.value.unprocessed == [items[4], items[27]]


# -- offline checks: judged before any request ---------------------------------------------


@pytest.fixture
def offline(logger: logging.Logger) -> Iterator[DynamoDBService]:
    """A service on a closed port: any request would be a connection error."""
    config = DynamoDBConfig(
        region_name="us-east-1",
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="secret",
        endpoint_url=CLOSED_PORT,
        default_table_name=TABLE,
        connect_timeout_seconds=0.2,
        read_timeout_seconds=0.2,
        max_attempts=1,
    )
    service = DynamoDBService(logger=logger, config=config)
    yield service
    service.close()


def test_two_updates_of_one_explicit_key_are_a_value_error_before_any_request(
    offline: DynamoDBService,
) -> None:
    # GIVEN two Update actions on the same explicit key of one table
    key = {"pk": "a", "sk": 1}
    actions = [Update(key, "SET n = :n", {":n": 1}), Update(dict(key), "SET m = :m", {":m": 2})]
    # WHEN the transaction is asked for
    started = time.perf_counter()
    with pytest.raises(ValueError, match="another action acts on"):
        offline.transact_write_items(actions)
    # THEN it is refused at once, without a DescribeTable to a closed port
    assert time.perf_counter() - started < 0.5


def test_101_actions_are_a_value_error_before_any_request(offline: DynamoDBService) -> None:
    # GIVEN 101 puts
    actions = [Put({"pk": f"p{i}", "sk": i}) for i in range(101)]
    # WHEN the transaction is asked for THEN ValueError at once
    started = time.perf_counter()
    with pytest.raises(ValueError, match="100"):
        offline.transact_write_items(actions)
    assert time.perf_counter() - started < 0.5


# -- ping ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("timeout", "error"),
    [(0, ValueError), (-1, ValueError), (float("inf"), ValueError), (True, TypeError)],
    ids=["zero", "negative", "inf", "bool"],
)
def test_ping_refuses_a_bad_timeout(
    offline: DynamoDBService, timeout: Any, error: type[Exception]
) -> None:
    # GIVEN a timeout that is not a positive number WHEN pinged THEN refused
    with pytest.raises(error, match="timeout_seconds"):
        offline.ping(timeout_seconds=timeout)


def test_ping_refuses_a_string_timeout(offline: DynamoDBService) -> None:
    with pytest.raises(TypeError, match="timeout_seconds must be a number, not str"):
        offline.ping(timeout_seconds="1")  # type: ignore[arg-type]


def test_ping_against_a_closed_port_is_false_quickly_with_one_attempt(
    logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN nothing listening, a config allowing 5 attempts, and the probe's attempts counted
    config = DynamoDBConfig(
        region_name="us-east-1",
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="secret",
        endpoint_url=CLOSED_PORT,
        max_attempts=5,
    )
    offline = DynamoDBService(logger=logger, config=config)
    attempts: list[str] = []
    probe = offline._make_client(probe=True, timeout=0.3)
    probe.meta.events.register("before-send.dynamodb", lambda **_: attempts.append("sent"))
    offline._probes[0.3] = probe
    # WHEN pinged with a short timeout
    started = time.perf_counter()
    answer = offline.ping(timeout_seconds=0.3)
    # THEN False within about one timeout, after one attempt, logged once at ERROR
    assert answer is False
    assert time.perf_counter() - started < 2
    assert attempts == ["sent"]
    offline.close()
    [error] = [r for r in ours(caplog) if r.levelno == logging.ERROR]
    assert error.__dict__["counts"] == {}
    assert error.getMessage().startswith("ping failed after")


# -- page cursors --------------------------------------------------------------------------


@pytest.fixture
def rows(service: DynamoDBService, table: str) -> list[dict[str, Any]]:
    """20 items under pk "a" (sk 0..19, odd ones flagged), 3 under pk "b"."""
    items = [{"pk": "a", "sk": i, "odd": i % 2 == 1} for i in range(20)]
    items += [{"pk": "b", "sk": i, "odd": False} for i in range(3)]
    service.batch_write_items(items)
    return items


def all_pages(read: Callable[[str | None], Page]) -> list[Page]:
    pages = [read(None)]
    while pages[-1].cursor is not None:
        pages.append(read(pages[-1].cursor))
        assert len(pages) < 50
    return pages


@pytest.mark.parametrize("page_size", [1, 7])
@pytest.mark.parametrize("forward", [True, False])
def test_query_pages_return_every_item_once_in_order(
    service: DynamoDBService, rows: list[dict[str, Any]], page_size: int, forward: bool
) -> None:
    # GIVEN 20 items under one key WHEN read page by page, in either order
    pages = all_pages(
        lambda cursor: service.query_page(
            Key("pk").eq("a"), page_size=page_size, cursor=cursor, scan_index_forward=forward
        )
    )
    # THEN every item came once, in order, no page over page_size, cursors URL-safe
    got = [item["sk"] for page in pages for item in page.items]
    assert got == (list(range(20)) if forward else list(range(19, -1, -1)))
    assert all(len(page.items) <= page_size for page in pages)
    for page in pages[:-1]:
        assert page.cursor is not None
        assert set(page.cursor) <= set(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        )


@pytest.mark.parametrize("page_size", [1, 3, 7])
def test_filtered_query_pages_count_matches_and_skip_nothing(
    service: DynamoDBService, rows: list[dict[str, Any]], page_size: int
) -> None:
    # GIVEN a filter matching the odd items WHEN paged
    pages = all_pages(
        lambda cursor: service.query_page(
            "pk = :pk",
            {":pk": "a", ":t": True},
            page_size=page_size,
            cursor=cursor,
            filter_expression="odd = :t",
        )
    )
    # THEN each page holds page_size matches (the last may hold fewer), none skipped
    got = [item["sk"] for page in pages for item in page.items]
    assert got == list(range(1, 20, 2))
    assert all(len(page.items) == page_size for page in pages[:-1])


@pytest.mark.parametrize("page_size", [1, 7])
def test_scan_pages_return_every_item_once(
    service: DynamoDBService, rows: list[dict[str, Any]], page_size: int
) -> None:
    # GIVEN 23 items WHEN scanned page by page, with and without a filter
    plain = all_pages(lambda c: service.scan_page(page_size=page_size, cursor=c))
    odd = all_pages(
        lambda c: service.scan_page(Attr("odd").eq(True), page_size=page_size, cursor=c)
    )
    # THEN every item came once
    assert sorted((i["pk"], i["sk"]) for p in plain for i in p.items) == sorted(
        (r["pk"], r["sk"]) for r in rows
    )
    assert sorted(i["sk"] for p in odd for i in p.items) == list(range(1, 20, 2))


def test_a_split_scan_page_reads_only_its_segment(
    service: DynamoDBService, rows: list[dict[str, Any]]
) -> None:
    # GIVEN two workers splitting the table WHEN each pages its segment
    def share(segment: int) -> list[Page]:
        return all_pages(
            lambda c: service.scan_page(page_size=5, cursor=c, segment=segment, total_segments=2)
        )

    shares = [share(0), share(1)]
    # THEN together they read every item exactly once
    keys = [(i["pk"], i["sk"]) for share in shares for p in share for i in p.items]
    assert sorted(keys) == sorted((r["pk"], r["sk"]) for r in rows)
    # AND so do scan and iter_scan split the same way
    scanned = [
        service.scan(segment=0, total_segments=2),
        list(service.iter_scan(segment=1, total_segments=2)),
    ]
    assert sorted((i["pk"], i["sk"]) for part in scanned for i in part) == sorted(keys)
    # AND a cursor of one segment is refused by the other
    cursor = shares[0][0].cursor
    assert cursor is not None
    with pytest.raises(ValueError, match="segment"):
        service.scan_page(cursor=cursor, segment=1, total_segments=2)


def tampered(cursor: str) -> list[str]:
    changed = cursor[:10] + ("A" if cursor[10] != "A" else "B") + cursor[11:]
    return ["garbage!", "@@@@", cursor[:-3], changed, "", cursor + "AAAA"]


def test_tampered_cursors_are_a_value_error_before_any_request(
    service: DynamoDBService, rows: list[dict[str, Any]]
) -> None:
    # GIVEN a real cursor, and strings made from it by hand
    first = service.query_page(Key("pk").eq("a"), page_size=2)
    assert first.cursor is not None
    queries = requests_of(service, "Query")
    for bad in tampered(first.cursor):
        # WHEN one is passed back THEN ValueError, and no Query was sent
        with pytest.raises(ValueError, match="cursor"):
            service.query_page(Key("pk").eq("a"), page_size=2, cursor=bad)
    with pytest.raises(TypeError, match="cursor must be a str"):
        service.query_page(Key("pk").eq("a"), cursor=b"x")  # type: ignore[call-overload]
    assert queries == []


def test_a_cursor_of_another_table_or_index_is_refused(
    service: DynamoDBService, rows: list[dict[str, Any]]
) -> None:
    # GIVEN a second table with an index, and a cursor of the first table
    service.create_table(
        "other",
        KEY_SCHEMA,
        [*ATTRIBUTES, {"AttributeName": "odd_s", "AttributeType": "S"}],
        global_secondary_indexes=[
            {
                "IndexName": "by_odd",
                "KeySchema": [{"AttributeName": "odd_s", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    cursor = service.scan_page(page_size=1).cursor
    assert cursor is not None
    scans = requests_of(service, "Scan")
    # WHEN it is passed to another table or to an index THEN ValueError, nothing sent
    with pytest.raises(ValueError, match="made for table 'users'"):
        service.scan_page(table_name="other", cursor=cursor)
    with pytest.raises(ValueError, match="index"):
        service.scan_page(index_name="by_odd", table_name="other", cursor=cursor)
    assert scans == []


def test_filtered_page_on_an_unknown_index_is_a_value_error(
    service: DynamoDBService, rows: list[dict[str, Any]]
) -> None:
    with pytest.raises(ValueError, match="no index 'nope'"):
        service.scan_page("odd = :t", {":t": True}, index_name="nope")


def test_cursor_keys_that_are_not_key_values_are_refused() -> None:
    # GIVEN cursors well framed but holding bad keys
    from src.services.dynamodb._cursors import decode_cursor, encode_cursor

    where: dict[str, Any] = {"table": "t", "index": None, "segment": None}
    good = encode_cursor({"pk": {"B": b"\x00\x01"}}, **where)
    assert decode_cursor(good, **where) == {"pk": {"B": b"\x00\x01"}}
    for key in ({}, {"pk": {"S": 1}}, {"pk": {"M": "x"}}, {"pk": {"B": "abc"}}):
        bad = encode_cursor(key, **where)
        # WHEN decoded THEN ValueError
        with pytest.raises(ValueError, match="cursor is not one this service made"):
            decode_cursor(bad, **where)
    # AND a framed payload that is not the cursor's object is refused
    import zlib

    payload = b"[1]"
    framed = b"\x01" + zlib.crc32(payload).to_bytes(4, "big") + payload
    odd = base64.urlsafe_b64encode(framed).rstrip(b"=").decode()
    with pytest.raises(ValueError, match="not one this service made"):
        decode_cursor(odd, **where)


# -- projections ---------------------------------------------------------------------------


def test_projections_on_every_read_with_a_reserved_word(
    service: DynamoDBService, table: str
) -> None:
    # GIVEN items with a reserved-word attribute "name"
    service.batch_write_items(
        [{"pk": "a", "sk": i, "name": f"n{i}", "other": "x"} for i in range(3)]
    )
    names = {"#n": "name"}
    key = {"pk": "a", "sk": 1}
    # WHEN read with a projection of "name" only
    got = service.get_item(key, projection_expression="#n", expression_attribute_names=names)
    queried = service.query(
        "pk = :pk", {":pk": "a"}, projection_expression="#n", expression_attribute_names=names
    )
    scanned = service.scan(projection_expression="#n", expression_attribute_names=names)
    batch = service.batch_get_items(
        [key], projection_expression="#n", expression_attribute_names=names
    )
    # THEN only it comes back, except batch_get_items, which keeps the key attributes
    assert got == {"name": "n1"}
    assert queried == [{"name": f"n{i}"} for i in range(3)]
    assert sorted(i["name"] for i in scanned) == ["n0", "n1", "n2"]
    assert all(set(i) == {"name"} for i in scanned)
    assert batch == [{"pk": "a", "sk": 1, "name": "n1"}]


# -- batch_delete_items --------------------------------------------------------------------


def test_batch_delete_deletes_duplicates_once_and_absent_keys_are_fine(
    service: DynamoDBService, table: str, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN 30 items
    service.batch_write_items([{"pk": "a", "sk": i} for i in range(30)])
    writes = requests_of(service, "BatchWriteItem")
    # WHEN 28 keys are deleted, one twice (1 and 1.0), plus one absent key
    keys = [{"pk": "a", "sk": i} for i in range(28)] + [
        {"pk": "a", "sk": 1.0},
        {"pk": "z", "sk": 0},
    ]
    service.batch_delete_items(keys, concurrency=2)
    # THEN each distinct key was sent once, and only the two others remain
    sent = [r["DeleteRequest"]["Key"] for w in writes for r in w["RequestItems"][TABLE]]
    assert len(sent) == 29
    assert sorted(i["sk"] for i in service.scan()) == [28, 29]
    [done] = infos(caplog, "batch_delete_items")
    assert done.__dict__["counts"]["items"] == 29


def test_batch_delete_of_nothing_sends_nothing(service: DynamoDBService) -> None:
    with stubbed(service) as stubber:
        service.batch_delete_items([])
        stubber.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"pk": "a"}, "sk"),
        ({"pk": "a", "sk": 1, "extra": 2}, "extra"),
        ({"pk": "a", "sk": "1"}, "must be N"),
    ],
    ids=["missing", "extra", "wrong-type"],
)
def test_batch_delete_checks_keys_before_any_write(
    service: DynamoDBService, table: str, bad: dict[str, Any], message: str
) -> None:
    writes = requests_of(service, "BatchWriteItem")
    # GIVEN a late key that does not fit the schema WHEN deleted THEN ValueError, nothing sent
    with pytest.raises(ValueError, match=message):
        service.batch_delete_items([{"pk": "a", "sk": 0}, bad])
    assert writes == []


def test_batch_delete_reports_the_keys_never_deleted(service: DynamoDBService) -> None:
    service._core.jitter = lambda: 0.0
    keys = [{"pk": "a", "sk": 1}, {"pk": "b", "sk": 2}]
    wires = [{"DeleteRequest": {"Key": {"pk": {"S": p}, "sk": {"N": s}}}} for p, s in ("a1", "b2")]
    with stubbed(service) as stubber:
        # GIVEN key b is always handed back unprocessed
        stubber.add_response(
            "describe_table",
            {"Table": {"KeySchema": KEY_SCHEMA, "AttributeDefinitions": ATTRIBUTES}},
            {"TableName": TABLE},
        )
        stubber.add_response(
            "batch_write_item",
            {"UnprocessedItems": {TABLE: wires[1:]}},
            {"RequestItems": {TABLE: wires}},
        )
        for _ in range(_batching.RESEND_ROUNDS):
            stubber.add_response(
                "batch_write_item",
                {"UnprocessedItems": {TABLE: wires[1:]}},
                {"RequestItems": {TABLE: wires[1:]}},
            )
        # WHEN deleted THEN the error holds exactly the caller's key b
        with pytest.raises(UnprocessedItemsError) as raised:
            service.batch_delete_items(keys)
        stubber.assert_no_pending_responses()
    assert raised.value.unprocessed == [keys[1]]


# -- condition objects ---------------------------------------------------------------------


def test_condition_objects_everywhere(service: DynamoDBService, table: str) -> None:
    # GIVEN items written with a condition object and a float value
    service.put_item({"pk": "a", "sk": 1, "status": "open", "price": 0.5})
    service.put_item({"pk": "a", "sk": 2, "status": "done", "price": 1.5})
    with pytest.raises(ClientError):
        service.put_item({"pk": "a", "sk": 1}, condition_expression=Attr("pk").not_exists())
    # WHEN queried with key and filter conditions
    found = service.query(
        Key("pk").eq("a") & Key("sk").between(1, 2), filter_expression=Attr("price").lt(1.0)
    )
    # THEN the float compared as its decimal
    assert [i["sk"] for i in found] == [1]
    # AND update and delete take them too, next to the caller's own placeholders
    updated = service.update_item(
        {"pk": "a", "sk": 1},
        "SET #n0 = :v0",
        {":v0": "mine"},
        condition_expression=Attr("status").eq("open"),
        expression_attribute_names={"#n0": "note"},
    )
    assert updated["note"] == "mine" and updated["status"] == "open"
    service.delete_item({"pk": "a", "sk": 2}, condition_expression=Attr("price").gt(1.25))
    assert service.get_item({"pk": "a", "sk": 2}) is None
    # AND a transaction action takes one
    with pytest.raises(ClientError):
        service.transact_write_items(
            [Put({"pk": "a", "sk": 1}, condition_expression=Attr("pk").not_exists())]
        )


def test_caller_placeholders_that_clash_are_renamed(service: DynamoDBService, table: str) -> None:
    # GIVEN the caller's own #n0/:v0 next to a condition object that would use them too
    service.put_item({"pk": "a", "sk": 1, "x": 1, "y": 2})
    queries = requests_of(service, "Query")
    found = service.query(
        Key("pk").eq("a"),
        {":v0": 2},
        filter_expression="#n0 = :v0",
        expression_attribute_names={"#n0": "y"},
    )
    # THEN both hold, under distinct placeholders
    assert found == [{"pk": "a", "sk": 1, "x": 1, "y": 2}]
    sent = queries[0]
    assert sent["ExpressionAttributeNames"]["#n0"] == "y"
    assert len(sent["ExpressionAttributeNames"]) == 2
    assert len(sent["ExpressionAttributeValues"]) == 2


def test_attr_in_a_key_condition_is_a_value_error(service: DynamoDBService, table: str) -> None:
    queries = requests_of(service, "Query")
    with pytest.raises(ValueError, match="key_condition_expression"):
        service.query(Attr("pk").eq("a"))
    with pytest.raises(TypeError, match="condition object"):
        service.query(42)  # type: ignore[call-overload]
    assert queries == []


# -- tables --------------------------------------------------------------------------------


def test_create_table_on_demand_with_a_local_index_and_ttl(service: DynamoDBService) -> None:
    # GIVEN an on-demand table with a local index and time to live
    attributes: list[AttributeDefinitionTypeDef] = [
        *ATTRIBUTES,
        {"AttributeName": "at", "AttributeType": "S"},
    ]
    lsi: list[LocalSecondaryIndexTypeDef] = [
        {
            "IndexName": "by_at",
            "KeySchema": [
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "at", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "KEYS_ONLY"},
        }
    ]
    # WHEN created
    service.create_table(
        "events",
        KEY_SCHEMA,
        attributes,
        local_secondary_indexes=lsi,
        billing_mode="PAY_PER_REQUEST",
        ttl_attribute="expires",
    )
    # THEN DynamoDB describes it so
    table = service.client.describe_table(TableName="events")["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert [i["IndexName"] for i in table["LocalSecondaryIndexes"]] == ["by_at"]
    ttl = service.client.describe_time_to_live(TableName="events")["TimeToLiveDescription"]
    assert ttl["TimeToLiveStatus"] == "ENABLED" and ttl["AttributeName"] == "expires"


def test_create_table_on_demand_gives_indexes_no_capacity(service: DynamoDBService) -> None:
    creates = requests_of(service, "CreateTable")
    key: list[KeySchemaElementTypeDef] = [{"AttributeName": "g", "KeyType": "HASH"}]
    service.create_table(
        "ondemand",
        KEY_SCHEMA,
        [*ATTRIBUTES, {"AttributeName": "g", "AttributeType": "S"}],
        global_secondary_indexes=[
            {"IndexName": "by_g", "KeySchema": key, "Projection": {"ProjectionType": "ALL"}}
        ],
        billing_mode="PAY_PER_REQUEST",
    )
    assert "ProvisionedThroughput" not in creates[0]
    assert "ProvisionedThroughput" not in creates[0]["GlobalSecondaryIndexes"][0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"billing_mode": "FREE"}, "billing_mode"),
        ({"ttl_attribute": ""}, "ttl_attribute"),
        ({"local_secondary_indexes": []}, "local_secondary_indexes"),
    ],
    ids=["billing", "ttl", "lsi"],
)
def test_create_table_refuses_bad_options(
    service: DynamoDBService, kwargs: dict[str, Any], message: str
) -> None:
    creates = requests_of(service, "CreateTable")
    with pytest.raises(ValueError, match=message):
        service.create_table("bad", KEY_SCHEMA, ATTRIBUTES, **kwargs)
    assert creates == []


# -- consumed capacity, failure levels, request ids ----------------------------------------


def test_info_records_carry_the_consumed_capacity(
    service: DynamoDBService, table: str, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN reads and writes of every kind
    service.put_item({"pk": "a", "sk": 1})
    service.get_item({"pk": "a", "sk": 1})
    service.query(Key("pk").eq("a"))
    service.batch_write_items([{"pk": "a", "sk": 2}])
    service.batch_get_items([{"pk": "a", "sk": 2}])
    # THEN each INFO record carries a float capacity, in its extra and in its message
    for name in ("put_item", "get_item", "query", "batch_write_items", "batch_get_items"):
        [done] = infos(caplog, name)
        assert isinstance(done.__dict__["consumed_capacity"], float)
        assert done.__dict__["consumed_capacity"] > 0
        assert "capacity=" in done.getMessage()


@pytest.mark.parametrize("level", ["WARNING", "INFO"])
def test_condition_failures_log_at_the_configured_level(
    logger: logging.Logger,
    config: DynamoDBConfig,
    caplog: pytest.LogCaptureFixture,
    level: str,
) -> None:
    from moto import mock_aws

    with mock_aws():
        fields = config.model_dump() | {"condition_failure_log_level": level}
        service = DynamoDBService(logger=logger, config=DynamoDBConfig(**fields))
        service.create_table(TABLE, KEY_SCHEMA, ATTRIBUTES)
        service.put_item({"pk": "a", "sk": 1})
        caplog.clear()
        # WHEN a condition fails, and then another error happens
        with pytest.raises(service.exceptions.ConditionalCheckFailedException):
            service.put_item({"pk": "a", "sk": 1}, condition_expression=Attr("pk").not_exists())
        with pytest.raises(ClientError):
            service.get_item({"pk": "a", "sk": 1}, "missing")
        service.close()
    # THEN the refusal is logged at the configured level, the other error at ERROR
    failures = [(name, lvl) for name, lvl, msg in caplog.record_tuples if "failed" in msg]
    assert failures == [(LOGGER, logging.getLevelName(level)), (LOGGER, logging.ERROR)]
    refused = [r for r in ours(caplog) if "failed" in r.getMessage()][0]
    assert refused.__dict__["request_id"] in refused.getMessage()


# -- return values --------------------------------------------------------------------------


def test_return_old_on_put_and_delete(service: DynamoDBService, table: str) -> None:
    key = {"pk": "a", "sk": 1}
    # GIVEN no item: put and delete return None either way
    assert service.put_item({**key, "v": 1}, return_old=True) is None
    assert service.put_item({**key, "v": 2}) is None
    # WHEN replaced and deleted with return_old THEN the previous item
    assert service.put_item({**key, "v": 3}, return_old=True) == {**key, "v": 2}
    assert service.delete_item(key, return_old=True) == {**key, "v": 3}
    assert service.delete_item(key, return_old=True) is None
    assert service.delete_item(key) is None


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("ALL_NEW", {"pk": "a", "sk": 1, "v": 2, "w": 0}),
        ("UPDATED_NEW", {"v": 2}),
        ("ALL_OLD", {"pk": "a", "sk": 1, "v": 1, "w": 0}),
        ("UPDATED_OLD", {"v": 1}),
        ("NONE", {}),
    ],
)
def test_update_item_return_values(
    service: DynamoDBService, table: str, mode: Any, expected: dict[str, Any]
) -> None:
    service.put_item({"pk": "a", "sk": 1, "v": 1, "w": 0})
    got = service.update_item({"pk": "a", "sk": 1}, "SET v = :v", {":v": 2}, return_values=mode)
    assert got == expected


def test_update_item_refuses_an_unknown_return_value(offline: DynamoDBService) -> None:
    with pytest.raises(ValueError, match="return_values"):
        offline.update_item({"pk": "a", "sk": 1}, "SET v = :v", {":v": 2}, return_values="ALL")  # type: ignore[arg-type]


# -- streams, statements -------------------------------------------------------------------


def test_abandoned_stream_logs_what_was_yielded(
    service: DynamoDBService, table: str, caplog: pytest.LogCaptureFixture
) -> None:
    service.batch_write_items([{"pk": "a", "sk": i} for i in range(10)])
    caplog.clear()
    # GIVEN a query stream WHEN abandoned after 3 items
    stream = service.iter_query(Key("pk").eq("a"))
    taken = [next(stream) for _ in range(3)]
    stream.close()  # type: ignore[attr-defined]
    # THEN INFO counts the 3 yielded, with fetch time, and says it was stopped early
    assert len(taken) == 3
    [started] = [r for r in ours(caplog) if r.levelno == logging.DEBUG]
    [done] = infos(caplog, "query")
    assert done.__dict__["counts"]["items"] == 3
    assert "fetch_ms" in done.__dict__ and "stopped early" in done.getMessage()
    # AND the DEBUG started record kept its own snapshot of the counts
    assert started.__dict__["counts"] == {}
    assert started.__dict__["counts"] is not done.__dict__["counts"]


def test_execute_statement_records_name_the_table(
    service: DynamoDBService, table: str, caplog: pytest.LogCaptureFixture
) -> None:
    service.put_item({"pk": "a", "sk": 1})
    assert service.execute_statement(f'SELECT * FROM "{TABLE}"') == [{"pk": "a", "sk": 1}]
    [done] = infos(caplog, "execute_statement")
    assert done.__dict__["table"] == TABLE
    assert done.getMessage().startswith(f"execute_statement on {TABLE} done")


# -- the public codec ------------------------------------------------------------------------


def test_decode_item_reads_a_streams_image_and_encode_item_round_trips() -> None:
    # GIVEN a Streams NewImage, binary as base64 text
    image = {
        "pk": {"S": "a"},
        "n": {"N": "1.5"},
        "b": {"B": base64.b64encode(b"\x00\x01").decode()},
        "bs": {"BS": [base64.b64encode(b"x").decode()]},
    }
    # WHEN decoded, natively and with decimals
    native = decode_item(image)
    exact = decode_item(image, numbers="decimal")
    # THEN binary is bytes, numbers as asked
    assert native == {"pk": "a", "n": 1.5, "b": b"\x00\x01", "bs": {b"x"}}
    assert exact["n"] == Decimal("1.5") and type(exact["n"]) is Decimal
    assert encode_item({"n": 0.1, "b": b"\x00"}) == {"n": {"N": "0.1"}, "b": {"B": b"\x00"}}
    with pytest.raises(ValueError, match="numbers"):
        decode_item(image, numbers="float")  # type: ignore[arg-type]


# -- fast reads ----------------------------------------------------------------------------


def test_parse_read_leaves_errors_and_odd_bodies_alone() -> None:
    # GIVEN an error response, a non-JSON body and a JSON body that is not an object
    marked = _fastread.SERVICE_CALL.set(True)
    try:
        for response in (
            {"status_code": 400, "body": b'{"__type": "x"}'},
            {"status_code": 200, "body": b"<html>"},
            {"status_code": 200, "body": b"[1]"},
        ):
            custom: dict[str, Any] = {}
            body = response["body"]
            # WHEN parsed THEN nothing is customised and the body is left for botocore
            _fastread.parse_read(response, custom)
            assert custom == {} and response["body"] == body
    finally:
        _fastread.SERVICE_CALL.reset(marked)


def test_parse_read_leaves_calls_the_service_did_not_make_alone() -> None:
    # GIVEN a good read body, outside any call of the service (service.client used directly)
    response: dict[str, Any] = {"status_code": 200, "body": b'{"Item": {"a": {"S": "x"}}}'}
    custom: dict[str, Any] = {}
    # WHEN parsed THEN botocore parses it, as ever
    _fastread.parse_read(response, custom)
    assert custom == {} and response["body"] == b'{"Item": {"a": {"S": "x"}}}'


def test_parse_read_puts_keys_sent_back_in_botocores_form() -> None:
    # GIVEN a success with binary keys in LastEvaluatedKey and UnprocessedKeys
    encoded = base64.b64encode(b"\x01\x02").decode()
    body = (
        b'{"Items": [{"b": {"B": "' + encoded.encode() + b'"}}], '
        b'"LastEvaluatedKey": {"pk": {"B": "' + encoded.encode() + b'"}}, '
        b'"UnprocessedKeys": {"t": {"Keys": [{"pk": {"B": "' + encoded.encode() + b'"}}]}}}'
    )
    response: dict[str, Any] = {"status_code": 200, "body": body}
    custom: dict[str, Any] = {}
    # WHEN parsed, for a call the service made
    marked = _fastread.SERVICE_CALL.set(True)
    try:
        _fastread.parse_read(response, custom)
    finally:
        _fastread.SERVICE_CALL.reset(marked)
    # THEN keys are bytes, items stay DynamoDB JSON, and the body is emptied
    assert custom["LastEvaluatedKey"] == {"pk": {"B": b"\x01\x02"}}
    assert custom["UnprocessedKeys"]["t"]["Keys"] == [{"pk": {"B": b"\x01\x02"}}]
    assert custom["Items"] == [{"b": {"B": encoded}}]
    assert response["body"] == b""


EVERY_TYPE: dict[str, Any] = {
    "pk": "every",
    "sk": 1,
    "s": "text",
    "empty": "",
    "unicode": "zoë ☃ 😀",
    "n": 12,
    "f": Decimal("0.125"),
    "big": 10**37 + 1,
    "b": b"\x00\xff",
    "t": True,
    "null": None,
    "ss": {"a", "b"},
    "ns": {1, 2},
    "bs": {b"x", b"y"},
    "m": {"inner": {"deep": [1, "two", {"three": b"3"}]}},
    "l": [1, [2, [3]], {"k": None}],
}


def test_fast_and_botocore_reads_give_equal_results(
    logger: logging.Logger, config: DynamoDBConfig
) -> None:
    from moto import mock_aws

    results: list[list[Any]] = []
    with mock_aws():
        for fast in (True, False):
            fields = config.model_dump() | {"fast_reads": fast}
            service = DynamoDBService(logger=logger, config=DynamoDBConfig(**fields))
            if fast:
                service.create_table(TABLE, KEY_SCHEMA, ATTRIBUTES)
                service.put_item(EVERY_TYPE)
            key = {"pk": "every", "sk": 1}
            results.append(
                [
                    service.get_item(key),
                    service.query(Key("pk").eq("every")),
                    service.scan(),
                    service.batch_get_items([key]),
                    service.scan_page(page_size=1).items,
                ]
            )
            service.close()
    # THEN both modes read the same values, and they are what was written
    assert results[0] == results[1]
    assert results[0][0] == EVERY_TYPE


# -- edges: what the main paths above do not reach -----------------------------------------


@pytest.mark.async_twin
def test_the_async_twin_is_imported_only_when_asked_for() -> None:
    import src.services.dynamodb as package

    # WHEN the twin is asked for THEN it comes from its own module
    twin = package.AsyncDynamoDBService
    assert twin.__module__ == "src.services.dynamodb.async_dynamodb_service"
    # AND any other unknown name is an AttributeError
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = package.Nope


def test_a_stream_that_ends_at_once_is_an_empty_iterator(service: DynamoDBService) -> None:
    def nothing() -> Iterator[Any]:
        yield from ()

    assert list(service._stream(nothing())) == []  # type: ignore[arg-type]


def test_a_failure_in_a_parallel_fan_out_propagates_once(
    service: DynamoDBService, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN no table WHEN scanned in 3 parallel segments
    with pytest.raises(ClientError, match="ResourceNotFound"):
        service.scan(table_name="missing", segments=3)
    # THEN one ERROR record
    assert [lvl for _, lvl, _ in caplog.record_tuples if lvl >= logging.ERROR] == [logging.ERROR]


def test_a_failure_is_not_logged_when_its_level_is_off(
    service: DynamoDBService, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a logger that shows only CRITICAL
    service._core.logger = logging.getLogger("tests.dynamodb.quiet")
    service._core.logger.setLevel(logging.CRITICAL)
    # WHEN a call fails THEN it raises and logs nothing
    with pytest.raises(ClientError):
        service.get_item({"pk": "a", "sk": 1}, "missing")
    assert caplog.record_tuples == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"segments": 2, "limit": 5}, "no limit"),
        ({"segments": 2, "segment": 0, "total_segments": 2}, "not with segments"),
        ({"segment": 0}, "together"),
        ({"total_segments": 2}, "together"),
        ({"segment": 2, "total_segments": 2}, "segment"),
    ],
)
def test_scan_refuses_bad_segment_arguments(
    offline: DynamoDBService, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        offline.scan(**kwargs)


def test_values_must_be_a_mapping(offline: DynamoDBService) -> None:
    with pytest.raises(TypeError, match="expression_attribute_values must be a dict"):
        offline.query("pk = :pk", [("pk", "a")])  # type: ignore[call-overload]


def test_a_note_of_nothing_adds_nothing() -> None:
    from src.services.dynamodb._conditions import Expressions

    expressions = Expressions({"#a": "a"}, None)
    expressions.note(None)
    with pytest.raises(ValueError, match="which no expression uses"):
        expressions.placeholders()


def test_error_code_of_anything_but_a_client_error_is_none() -> None:
    from src.services.dynamodb._core import error_code

    assert error_code(ValueError("x")) is None


def test_a_cursor_whose_key_values_are_not_tagged_is_refused() -> None:
    import zlib

    import orjson

    from src.services.dynamodb._cursors import decode_cursor

    payload = orjson.dumps({"t": "t", "i": None, "s": None, "k": {"pk": "x"}})
    framed = b"\x01" + zlib.crc32(payload).to_bytes(4, "big") + payload
    cursor = base64.urlsafe_b64encode(framed).rstrip(b"=").decode()
    with pytest.raises(ValueError, match="bad key"):
        decode_cursor(cursor, table="t", index=None, segment=None)


def test_filtered_pages_on_an_index_resume_after_the_last_match(
    service: DynamoDBService,
) -> None:
    # GIVEN a table with an index on "g", 12 items in it, every third one matching
    service.create_table(
        "indexed",
        KEY_SCHEMA,
        [*ATTRIBUTES, {"AttributeName": "g", "AttributeType": "S"}],
        global_secondary_indexes=[
            {
                "IndexName": "by_g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    service.batch_write_items(
        [{"pk": f"p{i}", "sk": i, "g": "x", "hit": i % 3 == 0} for i in range(12)], "indexed"
    )
    # WHEN the index is paged two matches at a time, with a projection
    pages = all_pages(
        lambda c: service.query_page(
            "g = :g",
            {":g": "x", ":t": True},
            "indexed",
            index_name="by_g",
            filter_expression="hit = :t",
            page_size=2,
            cursor=c,
            projection_expression="sk",
        )
    )
    # THEN every match came once
    assert sorted(i["sk"] for p in pages for i in p.items) == [0, 3, 6, 9]


def test_fast_reads_leave_the_public_client_as_botocore_makes_it(
    service: DynamoDBService, table: str
) -> None:
    # GIVEN an item with binary, written through the service (fast reads on by default)
    assert service.config.fast_reads is True
    service.put_item({"pk": "bin", "sk": 1, "blob": b"\x00ab"})
    # WHEN it is read through the service and through its public client directly
    through_service = service.get_item({"pk": "bin", "sk": 1})
    direct = service.client.get_item(TableName=table, Key={"pk": {"S": "bin"}, "sk": {"N": "1"}})
    # THEN the service decodes it, and the client answers as plain botocore does (bytes)
    assert through_service == {"pk": "bin", "sk": 1, "blob": b"\x00ab"}
    assert direct["Item"]["blob"] == {"B": b"\x00ab"}


def _components(user_agent: str | bytes) -> set[str]:
    text = user_agent.decode() if isinstance(user_agent, bytes) else user_agent
    parts = set(text.split())
    features = {part for part in parts if part.startswith("m/")}
    return (parts - features) | {f"m/{f}" for part in features for f in part[2:].split(",")}


def test_the_user_agent_is_built_once_and_is_what_botocore_builds(
    service: DynamoDBService, table: str
) -> None:
    # GIVEN a recorder, at send time, of the header sent and of botocore's own build of it
    creator = service.client._user_agent_creator  # type: ignore[attr-defined]
    seen: list[tuple[set[str], set[str]]] = []

    def record(request: Any, **_: Any) -> None:
        built = type(creator).to_string(creator)
        seen.append((_components(request.headers["User-Agent"]), _components(built)))

    service.client.meta.events.register("before-send.dynamodb", record)
    # WHEN the service reads a key three times
    for _ in range(3):
        service.get_item({"pk": "a", "sk": 1}, table)
    # THEN every header is what botocore builds (feature ids compared as a set: botocore
    # itself lists them in set order)
    assert len(seen) == 3
    assert all(sent == built for sent, built in seen)
    # AND for one set of feature ids it is built once: the very same string comes back
    assert creator.to_string() is creator.to_string()


def test_a_client_without_botocores_user_agent_internals_is_left_alone() -> None:
    # GIVEN something that is not a botocore client with a user-agent builder
    class Bare:
        pass

    bare = Bare()
    # WHEN the cache is asked to wrap it THEN nothing is added to it
    cache_user_agent(bare)
    assert vars(bare) == {}
