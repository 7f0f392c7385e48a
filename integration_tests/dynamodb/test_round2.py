"""Round 2 of the contract against real DynamoDB Local, for both twins.

Page cursors over several DynamoDB pages (tables, a GSI, an LSI, forward and reverse,
filtered or not), batch deletes, condition objects, table options, consumed capacity
in the logs, bounded concurrency, and a table split over separate OS processes.

DynamoDB Local applies its 1 MB page limit *after* a filter (see
``/work/shared/DYNAMODB-LOCAL.md``), so the items a filter matches are made about
100 KB each: then filtered reads page too.
"""

from __future__ import annotations

import json
import logging
import math
import random
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from boto3.dynamodb.conditions import Attr, Key
from mypy_boto3_dynamodb.type_defs import (
    AttributeDefinitionTypeDef,
    LocalSecondaryIndexTypeDef,
)

from integration_tests.adversarial.proxy import FaultProxy
from integration_tests.dynamodb.conftest import GSI, GSI_NAME, LOGGER_NAME, Sent, drop_table
from integration_tests.support import (
    ATTRIBUTES,
    KEY_SCHEMA,
    SentCall,
    ServiceFactory,
    plain_client,
    unique_table_name,
    watch_sends,
)
from src.services.dynamodb.dynamodb_models import (
    ConditionCheck,
    Delete,
    Item,
    Page,
    Put,
    Update,
)
from src.services.dynamodb.dynamodb_service import DynamoDBService

REPO_ROOT = Path(__file__).resolve().parents[2]
CURSOR = re.compile(r"^[A-Za-z0-9_-]+$")

LSI_NAME = "by_alt"
LSI: LocalSecondaryIndexTypeDef = {
    "IndexName": LSI_NAME,
    "KeySchema": [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "alt", "KeyType": "RANGE"},
    ],
    "Projection": {"ProjectionType": "ALL"},
}
PAGED_ATTRIBUTES: list[AttributeDefinitionTypeDef] = [
    *ATTRIBUTES,
    {"AttributeName": "owner", "AttributeType": "S"},
    {"AttributeName": "rank", "AttributeType": "N"},
    {"AttributeName": "alt", "AttributeType": "N"},
]

PARTITION = "p"
OWNER = "o"
PARTITION_SIZE = 40
BIG_PAD = "x" * 110_000
"""About 110 KB: nine of these fill one of DynamoDB Local's 1 MB pages."""


def key_of(item: Item) -> tuple[str, int]:
    return (str(item["pk"]), int(item["sk"]))


def keys_of(items: list[Item]) -> list[tuple[str, int]]:
    return [key_of(item) for item in items]


# -- one shared, read-only table for every page walk -------------------------------------


@dataclass(frozen=True)
class PagedTable:
    """Partition ``p``: 40 items, the even ``sk`` ones ~110 KB (``kind`` = big), the odd
    ones small; GSI ``by_owner`` ranks them in another order (each rank twice), LSI
    ``by_alt`` in a third. Partitions ``q0``..``q4`` hold a few small items more."""

    name: str


@pytest.fixture(scope="module")
def paged_table(admin: DynamoDBService) -> Iterator[PagedTable]:
    name = unique_table_name("round2-paged")
    admin.create_table(
        name,
        KEY_SCHEMA,
        PAGED_ATTRIBUTES,
        global_secondary_indexes=[GSI],
        local_secondary_indexes=[LSI],
    )
    try:
        items: list[dict[str, object]] = []
        for i in range(PARTITION_SIZE):
            big = i % 2 == 0
            items.append(
                {
                    "pk": PARTITION,
                    "sk": i,
                    "owner": OWNER,
                    "rank": (i * 7) % (PARTITION_SIZE // 2),
                    "alt": (i * 13) % PARTITION_SIZE,
                    "kind": "big" if big else "small",
                    "pad": BIG_PAD if big else "-",
                }
            )
        items += [
            {"pk": f"q{i % 5}", "sk": i, "owner": "o2", "rank": i, "alt": i, "kind": "small"}
            for i in range(25)
        ]
        admin.batch_write_items(items, name)
        # The data really spans several DynamoDB pages, filtered or not, on every index.
        for index in (None, GSI_NAME, LSI_NAME):
            for filtered in (False, True):
                hash_name = "owner" if index == GSI_NAME else "pk"
                params: dict[str, Any] = {
                    "TableName": name,
                    "KeyConditionExpression": "#h = :h",
                    "ExpressionAttributeNames": {"#h": hash_name},
                    "ExpressionAttributeValues": {
                        ":h": {"S": OWNER if index == GSI_NAME else PARTITION}
                    },
                }
                if index is not None:
                    params["IndexName"] = index
                if filtered:
                    params["FilterExpression"] = "kind = :k"
                    params["ExpressionAttributeValues"][":k"] = {"S": "big"}
                first = admin.client.query(**params)
                assert "LastEvaluatedKey" in first, (index, filtered)
        yield PagedTable(name)
    finally:
        drop_table(admin, name)


def walk(read: Callable[[str | None], Page], page_size: int, total: int) -> list[Item]:
    """Follow cursors to the end; check every page's size and cursor on the way."""
    items: list[Item] = []
    cursor: str | None = None
    for _ in range(total + 2):
        page = read(cursor)
        items.extend(page.items)
        if page.cursor is None:
            assert len(page.items) <= page_size
            return items
        # page_size counts results: every page but the last is full
        assert len(page.items) == page_size
        assert CURSOR.match(page.cursor), page.cursor
        cursor = page.cursor
    raise AssertionError(f"no last page after {total + 2} pages ({len(items)} items)")


PAGE_SIZES = [1, 7, 1000]
INDEXES = [None, GSI_NAME, LSI_NAME]


@pytest.mark.parametrize("page_size", PAGE_SIZES)
@pytest.mark.parametrize("forward", [True, False], ids=["forward", "reverse"])
@pytest.mark.parametrize("filtered", [False, True], ids=["all", "filtered"])
@pytest.mark.parametrize("index", INDEXES, ids=["table", "gsi", "lsi"])
def test_query_pages_concatenate_to_the_query(
    service: DynamoDBService,
    paged_table: PagedTable,
    sent: Sent,
    index: str | None,
    filtered: bool,
    forward: bool,
    page_size: int,
) -> None:
    # GIVEN a partition over several DynamoDB pages and the whole query as a list
    hash_name, hash_value = ("owner", OWNER) if index == GSI_NAME else ("pk", PARTITION)
    values: dict[str, object] = {":h": hash_value}
    extra: dict[str, Any] = {
        "index_name": index,
        "scan_index_forward": forward,
        "expression_attribute_names": {"#h": hash_name},
    }
    if filtered:
        values[":k"] = "big"
        extra["filter_expression"] = "kind = :k"
    whole = service.query("#h = :h", values, paged_table.name, **extra)
    assert len(whole) == (PARTITION_SIZE // 2 if filtered else PARTITION_SIZE)

    # WHEN it is read page by page, each cursor passed back
    def read(cursor: str | None) -> Page:
        return service.query_page(
            "#h = :h",
            values,
            paged_table.name,
            page_size=page_size,
            cursor=cursor,
            **extra,
        )

    queries = sent(service, "Query")
    pages = walk(read, page_size, len(whole))
    # THEN the pages hold the query's items exactly, in its order, none skipped or repeated
    assert keys_of(pages) == keys_of(whole)
    assert pages == whole
    # AND one page of 1000 followed DynamoDB's pages to the end (there are several)
    if page_size == 1000:
        assert len(queries) > 1


@pytest.mark.parametrize("page_size", PAGE_SIZES)
@pytest.mark.parametrize("filtered", [False, True], ids=["all", "filtered"])
@pytest.mark.parametrize("index", [None, GSI_NAME, LSI_NAME], ids=["table", "gsi", "lsi"])
def test_scan_pages_concatenate_to_the_scan(
    service: DynamoDBService,
    paged_table: PagedTable,
    index: str | None,
    filtered: bool,
    page_size: int,
) -> None:
    # GIVEN a table over several DynamoDB pages and its whole scan as a list
    extra: dict[str, Any] = {"index_name": index}
    if filtered:
        extra["filter_expression"] = "kind = :k"
        extra["expression_attribute_values"] = {":k": "big"}
    whole = service.scan(table_name=paged_table.name, **extra)
    assert len(whole) == (PARTITION_SIZE // 2 if filtered else PARTITION_SIZE + 25)

    # WHEN it is scanned page by page
    def read(cursor: str | None) -> Page:
        return service.scan_page(
            table_name=paged_table.name, page_size=page_size, cursor=cursor, **extra
        )

    pages = walk(read, page_size, len(whole))
    # THEN the pages hold the scan's items exactly, in its order
    assert keys_of(pages) == keys_of(whole)
    assert pages == whole


def _first_cursor(service: DynamoDBService, table: str, index: str | None) -> str:
    hash_name, hash_value = ("owner", OWNER) if index == GSI_NAME else ("pk", PARTITION)
    page = service.query_page(
        "#h = :h",
        {":h": hash_value},
        table,
        page_size=3,
        index_name=index,
        expression_attribute_names={"#h": hash_name},
    )
    assert page.cursor is not None
    return page.cursor


@pytest.mark.parametrize(
    ("made_on", "used_on"),
    [
        (None, GSI_NAME),
        (GSI_NAME, None),
        (GSI_NAME, LSI_NAME),
        (LSI_NAME, GSI_NAME),
        (LSI_NAME, None),
        (None, LSI_NAME),
    ],
    ids=[
        "table-to-gsi",
        "gsi-to-table",
        "gsi-to-lsi",
        "lsi-to-gsi",
        "lsi-to-table",
        "table-to-lsi",
    ],
)
def test_a_cursor_of_another_index_is_refused_before_any_request(
    service: DynamoDBService,
    paged_table: PagedTable,
    sent: Sent,
    made_on: str | None,
    used_on: str | None,
) -> None:
    # GIVEN a cursor made by a query on one index (or the table)
    cursor = _first_cursor(service, paged_table.name, made_on)
    requests = sent(service, "*")
    hash_name, hash_value = ("owner", OWNER) if used_on == GSI_NAME else ("pk", PARTITION)
    # WHEN it is passed to a query and a scan on another
    # THEN each is a ValueError, and nothing at all was sent
    with pytest.raises(ValueError):
        service.query_page(
            "#h = :h",
            {":h": hash_value},
            paged_table.name,
            cursor=cursor,
            index_name=used_on,
            expression_attribute_names={"#h": hash_name},
        )
    with pytest.raises(ValueError):
        service.scan_page(table_name=paged_table.name, cursor=cursor, index_name=used_on)
    assert requests == []


@pytest.mark.parametrize(
    "spoil",
    [
        lambda c: "garbage",
        lambda c: c[:-3],
        lambda c: c[:10] + ("A" if c[10] != "A" else "B") + c[11:],
        lambda c: c + "A",
    ],
    ids=["garbage", "truncated", "edited", "extended"],
)
def test_a_spoiled_cursor_is_refused_before_any_request(
    service: DynamoDBService, paged_table: PagedTable, sent: Sent, spoil: Callable[[str], str]
) -> None:
    # GIVEN a good cursor, spoiled
    cursor = spoil(_first_cursor(service, paged_table.name, None))
    requests = sent(service, "*")
    # WHEN it is passed back
    # THEN it is a ValueError before any request
    with pytest.raises(ValueError):
        service.query_page("pk = :h", {":h": PARTITION}, paged_table.name, cursor=cursor)
    with pytest.raises(ValueError):
        service.scan_page(table_name=paged_table.name, cursor=cursor)
    assert requests == []


def test_a_cursor_of_another_table_is_refused_before_any_request(
    service: DynamoDBService, paged_table: PagedTable, table: str, sent: Sent
) -> None:
    # GIVEN a cursor made for the paged table
    cursor = _first_cursor(service, paged_table.name, None)
    requests = sent(service, "*")
    # WHEN it is passed to a read of another table
    # THEN it is a ValueError before any request
    with pytest.raises(ValueError):
        service.query_page("pk = :h", {":h": PARTITION}, table, cursor=cursor)
    assert requests == []


# -- batch deletes -----------------------------------------------------------------------


def test_batch_delete_items_deletes_each_distinct_key_once(
    service: DynamoDBService, admin: DynamoDBService, table: str, sent: Sent
) -> None:
    # GIVEN 255 items, and 260 keys: 235 of them, 10 of those twice, 15 absent ones
    admin.batch_write_items([{"pk": f"p{i % 7}", "sk": i, "v": i} for i in range(255)], table)
    present = [{"pk": f"p{i % 7}", "sk": i} for i in range(235)]
    absent = [{"pk": "nobody", "sk": 10_000 + i} for i in range(15)]
    keys = present + present[100:110] + absent
    random.Random(7).shuffle(keys)
    assert len(keys) == 260
    writes = sent(service, "BatchWriteItem")
    # WHEN they are deleted in one call
    service.batch_delete_items(keys, table)
    # THEN exactly the 20 items not named remain
    remaining = sorted(key_of(item) for item in admin.scan(table_name=table, consistent_read=True))
    assert remaining == sorted((f"p{i % 7}", i) for i in range(235, 255))
    # AND 250 distinct keys took ceil(250 / 25) requests, each key sent once
    assert len(writes) == math.ceil(250 / 25) == 10
    sent_keys = [
        (
            request["DeleteRequest"]["Key"]["pk"]["S"],
            int(request["DeleteRequest"]["Key"]["sk"]["N"]),
        )
        for body in writes
        for request in body["RequestItems"][table]
    ]
    assert len(sent_keys) == len(set(sent_keys)) == 250


# -- condition objects -------------------------------------------------------------------


@pytest.fixture
def filled(admin: DynamoDBService, table: str) -> str:
    """The test's table with partition ``a`` (sk 1..6) and ``b`` (sk 1..3)."""
    items = [
        {"pk": "a", "sk": i, "kind": "x" if i % 2 else "y", "score": i + 0.5, "v": i}
        for i in range(1, 7)
    ]
    items += [{"pk": "b", "sk": i, "kind": "x", "score": 0.25, "v": i} for i in range(1, 4)]
    admin.batch_write_items(items, table)
    return table


def test_query_with_only_a_key_condition_object(
    service_factory: ServiceFactory, filled: str
) -> None:
    # GIVEN a service whose default table holds partition a
    service = service_factory(default_table_name=filled)
    # WHEN it is queried with a Key condition and no second argument
    found = service.query(Key("pk").eq("a"))
    # THEN every item of the partition comes back, in order
    assert keys_of(found) == [("a", i) for i in range(1, 7)]


def test_query_key_and_filter_conditions_as_objects(service: DynamoDBService, filled: str) -> None:
    # GIVEN partition a, sk 1..6, scores i + 0.5
    # WHEN it is queried with Key objects and an Attr filter with a float
    found = service.query(
        Key("pk").eq("a") & Key("sk").between(2, 5),
        table_name=filled,
        filter_expression=Attr("kind").eq("x") & Attr("score").gt(2.75),
    )
    # THEN only the matches in range come back
    assert keys_of(found) == [("a", 3), ("a", 5)]
    # AND begins_with / lt on the key work too (reverse order)
    found = service.query(
        Key("pk").eq("a") & Key("sk").lt(3), table_name=filled, scan_index_forward=False
    )
    assert keys_of(found) == [("a", 2), ("a", 1)]


def test_query_page_and_iter_query_take_condition_objects(
    service: DynamoDBService, filled: str
) -> None:
    # GIVEN partition a
    # WHEN it is read with query_page and iter_query using objects
    page = service.query_page(
        Key("pk").eq("a"), table_name=filled, page_size=2, filter_expression=Attr("v").gte(2)
    )
    streamed = list(service.iter_query(Key("pk").eq("a") & Key("sk").gte(5), table_name=filled))
    # THEN both read what the objects say
    assert keys_of(page.items) == [("a", 2), ("a", 3)]
    assert page.cursor is not None
    assert keys_of(streamed) == [("a", 5), ("a", 6)]


def test_caller_placeholders_beside_condition_objects_do_not_clash(
    service: DynamoDBService, filled: str
) -> None:
    # GIVEN a key condition written with the caller's own #n0 / :v0
    # WHEN a filter object (which boto3 writes with #n0 / :v0 too) is added
    found = service.query(
        "#n0 = :v0",
        {":v0": "a"},
        filled,
        expression_attribute_names={"#n0": "pk"},
        filter_expression=Attr("kind").eq("y"),
    )
    # THEN both mean what they say
    assert keys_of(found) == [("a", 2), ("a", 4), ("a", 6)]
    # AND on update_item: the caller's :v0 = 7 is set, the condition's value 1 is compared
    updated = service.update_item(
        {"pk": "a", "sk": 1},
        "SET #n0 = :v0",
        {":v0": 7},
        filled,
        expression_attribute_names={"#n0": "v"},
        condition_expression=Attr("v").eq(1),
    )
    assert updated["v"] == 7


def test_scan_filter_object_with_a_float(service: DynamoDBService, filled: str) -> None:
    # GIVEN items with scores 1.5..6.5 in a and 0.25 in b
    # WHEN the table is scanned with Attr objects, floats among the values
    found = service.scan(Attr("score").lt(2.0) & Attr("kind").eq("x"), table_name=filled)
    # THEN exactly the matches come back
    assert sorted(keys_of(found)) == [("a", 1), ("b", 1), ("b", 2), ("b", 3)]
    paged = service.scan_page(Attr("score").eq(0.25), table_name=filled, page_size=10)
    assert sorted(keys_of(paged.items)) == [("b", 1), ("b", 2), ("b", 3)]


def test_put_update_delete_take_condition_objects(
    service: DynamoDBService, admin: DynamoDBService, filled: str
) -> None:
    refused = service.exceptions.ConditionalCheckFailedException
    # GIVEN item a/1 (v 1, score 1.5)
    # WHEN a put is conditional on the item not existing
    # THEN it is refused, and the item kept
    with pytest.raises(refused):
        service.put_item(
            {"pk": "a", "sk": 1, "v": 99}, filled, condition_expression=Attr("pk").not_exists()
        )
    assert admin.get_item({"pk": "a", "sk": 1}, filled) == {
        "pk": "a",
        "sk": 1,
        "kind": "x",
        "score": 1.5,
        "v": 1,
    }
    # AND a new item with the same condition is written
    service.put_item(
        {"pk": "a", "sk": 100, "v": 0}, filled, condition_expression=Attr("pk").not_exists()
    )
    assert admin.get_item({"pk": "a", "sk": 100}, filled) == {"pk": "a", "sk": 100, "v": 0}
    # WHEN an update's float condition fails, then holds
    with pytest.raises(refused):
        service.update_item(
            {"pk": "a", "sk": 1},
            "SET v = :n",
            {":n": 2},
            filled,
            condition_expression=Attr("score").gt(1.75),
        )
    assert admin.get_item({"pk": "a", "sk": 1}, filled)["v"] == 1  # type: ignore[index]
    updated = service.update_item(
        {"pk": "a", "sk": 1},
        "SET v = :n",
        {":n": 2},
        filled,
        condition_expression=Attr("score").lt(1.75) & Attr("kind").eq("x"),
    )
    assert updated["v"] == 2
    # WHEN a delete's condition fails, then holds
    with pytest.raises(refused):
        service.delete_item({"pk": "a", "sk": 2}, filled, condition_expression=Attr("v").ne(2))
    assert admin.get_item({"pk": "a", "sk": 2}, filled) is not None
    service.delete_item({"pk": "a", "sk": 2}, filled, condition_expression=Attr("score").eq(2.5))
    assert admin.get_item({"pk": "a", "sk": 2}, filled) is None


def test_transaction_actions_take_condition_objects(
    service: DynamoDBService, admin: DynamoDBService, filled: str
) -> None:
    # GIVEN partition a (v = sk, score = sk + 0.5)
    # WHEN a transaction's four kinds of action carry condition objects that hold
    service.transact_write_items(
        [
            Put({"pk": "c", "sk": 1, "v": 1}, filled, condition_expression=Attr("pk").not_exists()),
            Update(
                {"pk": "a", "sk": 1},
                "SET v = v + :v0",
                {":v0": 10},
                filled,
                condition_expression=Attr("score").eq(1.5),
            ),
            Delete({"pk": "a", "sk": 2}, filled, condition_expression=Attr("v").eq(2)),
            ConditionCheck(
                {"pk": "a", "sk": 3},
                Attr("kind").eq("x") & Attr("score").gt(3.25),
                table_name=filled,
            ),
        ]
    )
    # THEN it commits
    assert admin.get_item({"pk": "c", "sk": 1}, filled) == {"pk": "c", "sk": 1, "v": 1}
    assert admin.get_item({"pk": "a", "sk": 1}, filled)["v"] == 11  # type: ignore[index]
    assert admin.get_item({"pk": "a", "sk": 2}, filled) is None
    # WHEN one condition object of a transaction fails
    with pytest.raises(service.exceptions.TransactionCanceledException):
        service.transact_write_items(
            [
                Put({"pk": "d", "sk": 1}, filled, condition_expression=Attr("pk").not_exists()),
                ConditionCheck({"pk": "a", "sk": 3}, Attr("score").lt(3.25), table_name=filled),
            ]
        )
    # THEN nothing of it happened
    assert admin.get_item({"pk": "d", "sk": 1}, filled) is None


# -- tables ------------------------------------------------------------------------------


@pytest.fixture
def new_tables(admin: DynamoDBService, request: pytest.FixtureRequest) -> Iterator[list[str]]:
    """Names for tables the test creates itself; each is deleted afterwards."""
    names = [unique_table_name(f"{request.node.name}-{i}") for i in range(3)]
    try:
        yield names
    finally:
        for name in names:
            drop_table(admin, name)


def test_create_table_on_demand_by_argument_and_by_config(
    service: DynamoDBService,
    service_factory: ServiceFactory,
    dynamodb_endpoint: str,
    new_tables: list[str],
) -> None:
    # GIVEN a service on provisioned capacity (the default) and one configured on demand
    witness = plain_client(dynamodb_endpoint, attempts=1, read_timeout=10)
    on_demand_config = service_factory(billing_mode="PAY_PER_REQUEST")
    # WHEN tables are made on demand by argument (with a GSI), by config, and provisioned
    service.create_table(
        new_tables[0],
        KEY_SCHEMA,
        [
            *ATTRIBUTES,
            {"AttributeName": "owner", "AttributeType": "S"},
            {"AttributeName": "rank", "AttributeType": "N"},
        ],
        global_secondary_indexes=[GSI],
        billing_mode="PAY_PER_REQUEST",
    )
    on_demand_config.create_table(new_tables[1], KEY_SCHEMA, ATTRIBUTES)
    on_demand_config.create_table(new_tables[2], KEY_SCHEMA, ATTRIBUTES, billing_mode="PROVISIONED")
    # THEN DynamoDB says so
    described = [witness.describe_table(TableName=name)["Table"] for name in new_tables]
    modes = [table.get("BillingModeSummary", {}).get("BillingMode") for table in described]
    assert modes[:2] == ["PAY_PER_REQUEST", "PAY_PER_REQUEST"]
    assert modes[2] in (None, "PROVISIONED")
    assert described[2]["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    # AND the on-demand GSI has no capacity
    (gsi,) = described[0]["GlobalSecondaryIndexes"]
    assert gsi.get("ProvisionedThroughput", {}).get("ReadCapacityUnits", 0) == 0


def test_create_table_with_an_lsi_and_ttl(
    service: DynamoDBService, dynamodb_endpoint: str, new_tables: list[str]
) -> None:
    # GIVEN a fresh table name
    witness = plain_client(dynamodb_endpoint, attempts=1, read_timeout=10)
    name = new_tables[0]
    # WHEN a table is made with an LSI and a TTL attribute
    service.create_table(
        name,
        KEY_SCHEMA,
        [*ATTRIBUTES, {"AttributeName": "alt", "AttributeType": "N"}],
        local_secondary_indexes=[LSI],
        ttl_attribute="expires",
    )
    # THEN the LSI is there and answers queries in its own order
    described = witness.describe_table(TableName=name)["Table"]
    assert [index["IndexName"] for index in described["LocalSecondaryIndexes"]] == [LSI_NAME]
    service.batch_write_items([{"pk": "a", "sk": i, "alt": 10 - i} for i in range(1, 4)], name)
    by_alt = service.query(Key("pk").eq("a"), table_name=name, index_name=LSI_NAME)
    assert [item["sk"] for item in by_alt] == [3, 2, 1]
    # AND time to live is on for "expires" when create_table returns
    ttl = witness.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert ttl.get("TimeToLiveStatus") == "ENABLED"
    assert ttl.get("AttributeName") == "expires"


# -- consumed capacity in the logs -------------------------------------------------------

CAPACITY_CALLS: dict[str, Callable[[DynamoDBService, str], object]] = {
    "get_item": lambda s, t: s.get_item({"pk": "a", "sk": 1}, t),
    "put_item": lambda s, t: s.put_item({"pk": "a", "sk": 50, "v": 1}, t),
    "query": lambda s, t: s.query(Key("pk").eq("a"), table_name=t),
    "scan": lambda s, t: s.scan(table_name=t),
    "batch_write_items": lambda s, t: s.batch_write_items(
        [{"pk": "w", "sk": i} for i in range(30)], t
    ),
    "batch_get_items": lambda s, t: s.batch_get_items(
        [{"pk": "a", "sk": i} for i in range(1, 7)], t
    ),
    "transact_write_items": lambda s, t: s.transact_write_items(
        [Put({"pk": "t", "sk": 1}, t), Update({"pk": "a", "sk": 1}, "SET v = :n", {":n": 5}, t)]
    ),
}


@pytest.mark.parametrize("operation", list(CAPACITY_CALLS))
def test_info_record_carries_the_consumed_capacity(
    service: DynamoDBService, filled: str, caplog: pytest.LogCaptureFixture, operation: str
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    # GIVEN a filled table
    # WHEN the operation runs
    CAPACITY_CALLS[operation](service, filled)
    # THEN its one INFO record carries the capacity it consumed, as extra and in the message
    records = [
        r
        for r in caplog.records
        if r.name == LOGGER_NAME
        and r.levelno == logging.INFO
        and getattr(r, "operation", None) == operation
    ]
    assert len(records) == 1, [r.getMessage() for r in caplog.records]
    (record,) = records
    consumed = getattr(record, "consumed_capacity", None)
    assert isinstance(consumed, float)
    assert consumed > 0
    assert f"capacity={consumed:g}" in record.getMessage()


# -- bounded concurrency -----------------------------------------------------------------


class InFlight:
    """Calls of one operation between entering the drivers' send point and leaving it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0
        self.total = 0

    def enter(self, _: SentCall) -> None:
        with self.lock:
            self.now += 1
            self.total += 1
            self.most = max(self.most, self.now)

    def leave(self, _: SentCall) -> None:
        with self.lock:
            self.now -= 1


def watch(service: DynamoDBService, operation: str) -> InFlight:
    """Count ``operation``'s calls in flight at the drivers' send point, on either transport.

    A call has at most one request in flight, so this bounds the requests too; the wire
    itself is watched by the fault proxy in front of DynamoDB Local (``wire``).
    """
    flight = InFlight()
    watch_sends(service, operation, before=flight.enter, after=flight.leave)
    return flight


@pytest.fixture
def wire(dynamodb_endpoint: str) -> Iterator[FaultProxy]:
    """A proxy before DynamoDB Local, holding each request 50 ms to widen the overlaps.

    It injects no fault: it sees every request on the wire, whoever sends it.
    """
    with FaultProxy(dynamodb_endpoint) as proxy:
        proxy.hold(0.05)
        yield proxy


@pytest.mark.parametrize(("concurrency", "pool"), [(4, 3), (4, 10), (1, 10)])
def test_batch_write_concurrency_is_bounded_by_the_pool(
    service_factory: ServiceFactory,
    admin: DynamoDBService,
    table: str,
    wire: FaultProxy,
    concurrency: int,
    pool: int,
) -> None:
    # GIVEN a service with a pool of `pool` connections, watched for BatchWriteItem in flight
    service = service_factory(max_pool_connections=pool, endpoint_url=wire.endpoint_url)
    flight = watch(service, "BatchWriteItem")
    items = [{"pk": f"p{i % 11}", "sk": i, "v": i} for i in range(300)]
    # WHEN 300 items are written with `concurrency`
    service.batch_write_items(items, table, concurrency=concurrency)
    # THEN they are all there, and calls overlapped, never beyond the bound
    assert len(admin.scan(table_name=table)) == 300
    assert flight.total == 12
    limit = min(concurrency, pool)
    assert flight.most <= limit
    if limit > 1:
        assert flight.most > 1
    assert flight.now == 0
    # AND so did the requests on the wire: one a call, never more in flight than the bound
    assert wire.count("BatchWriteItem") == 12
    assert wire.most_in_flight <= limit
    if limit > 1:
        assert wire.most_in_flight > 1


def test_parallel_scan_is_bounded_by_the_pool(
    service_factory: ServiceFactory, admin: DynamoDBService, table: str, wire: FaultProxy
) -> None:
    # GIVEN 300 items and a service with 3 connections, watched for Scan in flight
    admin.batch_write_items([{"pk": f"p{i % 11}", "sk": i} for i in range(300)], table)
    service = service_factory(max_pool_connections=3, endpoint_url=wire.endpoint_url)
    flight = watch(service, "Scan")
    # WHEN the table is scanned in 8 segments
    found = service.scan(table_name=table, segments=8)
    # THEN every item comes once, with several but at most 3 calls in flight
    assert len(found) == len(set(keys_of(found))) == 300
    assert flight.total >= 8
    assert 1 < flight.most <= 3
    # AND several but at most 3 requests on the wire, one a call
    assert wire.count("Scan") == flight.total
    assert 1 < wire.most_in_flight <= 3


# -- one table over many processes -------------------------------------------------------

WORKER = """
import json, logging, os, sys
from src.services.dynamodb.dynamodb_models import DynamoDBConfig
from src.services.dynamodb.dynamodb_service import DynamoDBService

endpoint, table, segment = sys.argv[1], sys.argv[2], int(sys.argv[3])
config = DynamoDBConfig(
    region_name="us-east-1",
    endpoint_url=endpoint,
    aws_access_key_id="local",
    aws_secret_access_key="local",
    transport=os.environ.get("DYNAMODB_TRANSPORT", "botocore"),
)
with DynamoDBService(logger=logging.getLogger("worker"), config=config) as service:
    items = service.scan(table_name=table, segment=segment, total_segments=4)
print(json.dumps([[item["pk"], item["sk"]] for item in items]))
"""


def test_four_processes_split_one_table(
    admin: DynamoDBService, dynamodb_endpoint: str, request: pytest.FixtureRequest
) -> None:
    # GIVEN a table of 400 items over many partitions
    name = unique_table_name(request.node.name)
    admin.create_table(name, KEY_SCHEMA, ATTRIBUTES)
    try:
        admin.batch_write_items([{"pk": f"p{i % 37}", "sk": i} for i in range(400)], name)
        plain = keys_of(admin.scan(table_name=name))
        # WHEN 4 separate processes each scan one of 4 segments
        workers = [
            subprocess.Popen(
                [sys.executable, "-c", WORKER, dynamodb_endpoint, name, str(segment)],
                cwd=REPO_ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for segment in range(4)
        ]
        try:
            outputs = [worker.communicate(timeout=60) for worker in workers]
        finally:
            for worker in workers:  # a failed or hung worker leaves no process and no pipe
                if worker.poll() is None:
                    worker.kill()
                worker.communicate()
        shares: list[list[tuple[str, int]]] = []
        for worker, (out, err) in zip(workers, outputs, strict=True):
            assert worker.returncode == 0, err
            shares.append([(str(pk), int(sk)) for pk, sk in json.loads(out)])
    finally:
        drop_table(admin, name)
    # THEN each read something, no key twice, and together they read the plain scan's keys
    assert all(shares), [len(share) for share in shares]
    union = [key for share in shares for key in share]
    assert len(union) == len(set(union)) == 400
    assert set(union) == set(plain)
