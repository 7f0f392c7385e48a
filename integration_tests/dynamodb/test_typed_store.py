"""The model codec against DynamoDB Local, witnessed by a plain boto3 client (no service).

What ``to_item`` makes is written and read with the raw client: DynamoDB normalises
numbers (``1.10`` comes back ``1.1``, ``1E+2`` as ``100``) and hands sets back in its own
order, and the models must still come back equal, ``Decimal`` fields exact.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mypy_boto3_dynamodb import DynamoDBClient
from pydantic import BaseModel, Field

from integration_tests.support import ATTRIBUTES, KEY_SCHEMA, plain_client, unique_table_name
from src.services.dynamodb._typed import (
    ItemValidationError,
    decoder_for,
    models_of,
    to_item,
    validate_one,
    validate_page,
)
from src.services.dynamodb._values import encode_item

SECRET = "s3cr3t-PLANTED-in-DynamoDB-91c2"
KEY_NAMES = ("pk", "sk")


class Color(Enum):
    RED = "red"
    BLUE = "blue"


class Line(BaseModel):
    sku: str
    price: Decimal


class Order(BaseModel):
    pk: str
    sk: int
    customer: str = Field(alias="Customer")
    total: Decimal
    ratio: float
    count: int
    paid: bool
    receipt: bytes
    tags: set[str]
    sizes: frozenset[int]
    blobs: set[bytes]
    lines: list[Line]
    pair: tuple[int, str]
    by_name: dict[str, float]
    at: datetime
    day: date
    id: UUID
    color: Color
    note: str | None = None


texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
ints = st.integers(-(10**38) + 1, 10**38 - 1)
floats = st.one_of(st.just(0.0), st.floats(1e-130, 9.99e125), st.floats(-9.99e125, -1e-130))
decimals = st.builds(lambda n, e: Decimal(f"{n}E{e}"), ints, st.integers(-120, 80)).filter(
    lambda d: d.is_zero() or -130 <= d.adjusted() <= 125
)
offsets = st.integers(-(24 * 60) + 1, 24 * 60 - 1).map(lambda m: timezone(timedelta(minutes=m)))
orders = st.builds(
    Order,
    pk=st.just("ORDER"),
    sk=st.integers(0, 10**12),
    Customer=texts,
    total=decimals,
    ratio=floats,
    count=ints,
    paid=st.booleans(),
    receipt=st.binary(max_size=16),
    tags=st.sets(texts, max_size=3),
    sizes=st.frozensets(ints, max_size=3),
    blobs=st.sets(st.binary(max_size=4), max_size=3),
    lines=st.lists(st.builds(Line, sku=texts, price=decimals), max_size=2),
    pair=st.tuples(ints, texts),
    by_name=st.dictionaries(st.text(min_size=1, max_size=8), floats, max_size=3),
    at=st.datetimes(timezones=st.none() | offsets),
    day=st.dates(),
    id=st.uuids(),
    color=st.sampled_from(Color),
    note=st.none() | texts,
)


@pytest.fixture(scope="module")
def client(dynamodb_endpoint: str) -> DynamoDBClient:
    """A plain boto3 client on DynamoDB Local."""
    return plain_client(dynamodb_endpoint, attempts=3, read_timeout=10)


@pytest.fixture(scope="module")
def table(client: DynamoDBClient) -> Iterator[str]:
    """A table of this module (pk S, sk N), deleted afterwards."""
    name = unique_table_name("typed-store")
    client.create_table(
        TableName=name,
        KeySchema=KEY_SCHEMA,
        AttributeDefinitions=ATTRIBUTES,
        BillingMode="PAY_PER_REQUEST",
    )
    client.get_waiter("table_exists").wait(TableName=name)
    try:
        yield name
    finally:
        client.delete_table(TableName=name)


def _stored(client: DynamoDBClient, table: str, pk: str, sk: int) -> dict[str, Any]:
    found = client.get_item(TableName=table, Key={"pk": {"S": pk}, "sk": {"N": str(sk)}})
    item: dict[str, Any] = found["Item"]
    return item


@settings(
    database=None,
    deadline=None,
    max_examples=30,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(order=orders)
def test_every_type_is_stored_in_its_documented_form_and_reads_back_equal(
    client: DynamoDBClient, table: str, order: Order
) -> None:
    # GIVEN a model of every type, stored under a fresh partition
    model = order.model_copy(update={"pk": f"ORDER#{uuid.uuid4().hex}"})
    client.put_item(TableName=table, Item=encode_item(to_item(model)))
    # WHEN a plain client reads it back
    stored = _stored(client, table, model.pk, model.sk)
    # THEN it is stored under the aliases, None left out, other values as Pydantic's
    # JSON strings, sets as sets; and it validates back equal, the Decimal exact
    assert "Customer" in stored and "customer" not in stored
    assert ("note" in stored) is (model.note is not None)
    assert stored["at"] == {"S": model.model_dump(mode="json", include={"at"})["at"]}
    assert stored["id"] == {"S": str(model.id)} and stored["color"] == {"S": model.color.value}
    assert set(stored["tags"]) == ({"SS"} if model.tags else {"L"})
    assert set(stored["sizes"]) == ({"NS"} if model.sizes else {"L"})
    assert Decimal(stored["total"]["N"]) == model.total
    back = validate_one(
        Order, decoder_for(Order, "native")(stored), table=table, key_names=KEY_NAMES
    )
    assert back == model
    assert back.total == model.total and back.lines == model.lines


def test_a_query_page_reads_into_models_in_order_up_to_a_bad_item(
    client: DynamoDBClient, table: str
) -> None:
    # GIVEN a partition of good items and one bad item that holds a secret
    pk = f"PAGE#{uuid.uuid4().hex}"
    lines = [Line(sku=f"s{n}", price=Decimal(f"{n}.10")) for n in range(4)]
    for sk, line in enumerate(lines):
        item = {"pk": pk, "sk": sk, **to_item(line)}
        client.put_item(TableName=table, Item=encode_item(item))
    bad = {"pk": pk, "sk": 2, "sku": "s2", "price": SECRET}
    client.put_item(TableName=table, Item=encode_item(bad))
    # WHEN the partition is queried and its page validated
    found = client.query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": pk}},
    )
    decode = decoder_for(Line, "native")
    items = [decode(wire) for wire in found["Items"]]
    good, error = validate_page(Line, items, table=table, key_names=KEY_NAMES)
    # THEN the models before the bad one come out in order, prices exact, and the error
    # names the bad item's key but not its secret
    assert good == lines[:2]
    assert [str(line.price) for line in good] == ["0.1", "1.1"]
    assert error is not None and error.key == {"pk": pk, "sk": 2}
    assert SECRET not in str(error) and SECRET not in error.log_summary
    with pytest.raises(ItemValidationError):
        models_of(Line, items, table=table, key_names=KEY_NAMES)
    assert models_of(Line, items[:2] + items[3:], table=table, key_names=KEY_NAMES) == [
        lines[0],
        lines[1],
        lines[3],
    ]


def test_a_naive_and_an_aware_datetime_are_stored_as_pydantic_writes_them(
    client: DynamoDBClient, table: str
) -> None:
    class Stamp(BaseModel):
        pk: str
        sk: int
        naive: datetime
        aware: datetime

    model = Stamp(
        pk=f"STAMP#{uuid.uuid4().hex}",
        sk=1,
        naive=datetime(2026, 12, 3, 8, 30, 0, 123456),
        aware=datetime(2026, 12, 3, 8, 30, tzinfo=UTC),
    )
    client.put_item(TableName=table, Item=encode_item(to_item(model)))
    stored = _stored(client, table, model.pk, 1)
    assert stored["naive"] == {"S": "2026-12-03T08:30:00.123456"}
    assert stored["aware"] == {"S": "2026-12-03T08:30:00Z"}
    decoded = decoder_for(Stamp, "native")(stored)
    assert validate_one(Stamp, decoded, table=table, key_names=KEY_NAMES) == model
