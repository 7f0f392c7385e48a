"""A model of every supported type, put and got through the service on DynamoDB Local.

On both twins (the ``service`` fixture runs each test twice). What is stored is read by a
plain boto3 client, not the service: aliases, ``None`` left out, ``datetime`` as
Pydantic's JSON string, sets as SS/NS/BS, a ``Decimal`` exact.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

import pytest
from mypy_boto3_dynamodb import DynamoDBClient
from pydantic import BaseModel, ConfigDict, Field

from integration_tests.support import plain_client
from src.services.dynamodb import Put
from src.services.dynamodb.dynamodb_service import DynamoDBService

EXACT = Decimal("98765432109876543210.987654321098765432")
"""38 significant digits, as many as DynamoDB holds: a float would lose most of them."""


class Color(Enum):
    RED = "red"
    BLUE = "blue"


class Address(BaseModel):
    street: str
    number: int


class Everything(BaseModel):
    """Single-table style: the keys ``pk``/``sk`` are aliases of the Python names."""

    model_config = ConfigDict(populate_by_name=True)

    tenant: str = Field(alias="pk")
    order: int = Field(alias="sk")
    text: str
    count: int
    ratio: float
    price: Decimal
    paid: bool
    blob: bytes
    tags: set[str]
    sizes: set[int]
    blobs: frozenset[bytes]
    lines: list[str]
    pair: tuple[int, str]
    address: Address
    extra: dict[str, int]
    naive: datetime
    aware: datetime
    day: date
    id: UUID
    color: Color
    note: str | None = None


def everything(sk: int) -> Everything:
    return Everything(
        tenant="TENANT#1",
        order=sk,
        text="hello",
        count=-42,
        ratio=0.1,
        price=EXACT,
        paid=True,
        blob=b"\x00\xffbin",
        tags={"a", "b"},
        sizes={1, 2, 30},
        blobs=frozenset({b"x", b"\x01"}),
        lines=["one", "two"],
        pair=(7, "seven"),
        address=Address(street="Main", number=5),
        extra={"k": 1},
        naive=datetime(2024, 5, 6, 7, 8, 9, 123456),
        aware=datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone(timedelta(hours=2))),
        day=date(2024, 2, 29),
        id=UUID("12345678-1234-5678-1234-567812345678"),
        color=Color.BLUE,
        note=None,
    )


@pytest.fixture
def client(dynamodb_endpoint: str) -> DynamoDBClient:
    """A plain boto3 client on DynamoDB Local: the witness of what is stored."""
    return plain_client(dynamodb_endpoint, attempts=3, read_timeout=10)


def stored(client: DynamoDBClient, table: str, sk: int) -> dict[str, Any]:
    found = client.get_item(TableName=table, Key={"pk": {"S": "TENANT#1"}, "sk": {"N": str(sk)}})
    item: dict[str, Any] = found["Item"]
    return item


def test_a_model_of_every_type_round_trips_and_is_stored_in_its_documented_form(
    service: DynamoDBService, table: str, client: DynamoDBClient
) -> None:
    # GIVEN a model of every supported type, a None field among them
    model = everything(1)
    # WHEN it is put, then got back as the model
    service.put_item(model, table)
    found = service.get_item({"pk": "TENANT#1", "sk": 1}, table, model=Everything)
    # THEN it is equal, Decimal exact
    assert found == model
    assert found is not None and type(found.price) is Decimal and found.price == EXACT
    # AND a plain client finds it under the aliases, None left out, each in its form
    item = stored(client, table, 1)
    assert set(item) == set(Everything.model_fields) - {"tenant", "order", "note"} | {"pk", "sk"}
    assert item["pk"] == {"S": "TENANT#1"} and item["sk"] == {"N": "1"}
    assert item["text"] == {"S": "hello"}
    assert item["count"] == {"N": "-42"}
    assert item["ratio"] == {"N": "0.1"}
    assert item["price"] == {"N": str(EXACT)}
    assert item["paid"] == {"BOOL": True}
    assert item["blob"] == {"B": b"\x00\xffbin"}
    assert sorted(item["tags"]["SS"]) == ["a", "b"] and set(item["tags"]) == {"SS"}
    assert sorted(item["sizes"]["NS"], key=int) == ["1", "2", "30"]
    assert sorted(item["blobs"]["BS"]) == [b"\x01", b"x"]
    assert item["lines"] == {"L": [{"S": "one"}, {"S": "two"}]}
    assert item["pair"] == {"L": [{"N": "7"}, {"S": "seven"}]}
    assert item["address"] == {"M": {"street": {"S": "Main"}, "number": {"N": "5"}}}
    assert item["extra"] == {"M": {"k": {"N": "1"}}}
    assert item["naive"] == {"S": "2024-05-06T07:08:09.123456"}
    assert item["aware"] == {"S": "2024-05-06T07:08:09+02:00"}
    assert item["day"] == {"S": "2024-02-29"}
    assert item["id"] == {"S": "12345678-1234-5678-1234-567812345678"}
    assert item["color"] == {"S": "blue"}
    # AND each string is exactly what Pydantic's JSON mode writes for the field
    texts = {"naive", "aware", "day", "id", "color"}
    dumped = model.model_dump(mode="json", include=texts)
    for name in texts:
        assert item[name] == {"S": dumped[name]}


def test_models_written_in_a_batch_and_a_transaction_read_back_equal_every_way(
    service: DynamoDBService, table: str, client: DynamoDBClient
) -> None:
    # GIVEN models of every type: three in a batch (beside a mapping), one in a transaction
    models = [everything(n) for n in range(1, 5)]
    models[2] = models[2].model_copy(
        update={"note": "noted", "aware": datetime(2020, 1, 1, tzinfo=UTC)}
    )
    service.batch_write_items(
        [models[0], {"pk": "TENANT#1", "sk": 0, "raw": "x"}, *models[1:3]], table
    )
    service.transact_write_items([Put(models[3], table)])
    keys = [{"pk": "TENANT#1", "sk": n} for n in (4, 2, 3, 1)]
    # WHEN they are read back as models by query, page walk, scan and batch get
    queried = service.query(
        "pk = :p AND sk > :z", {":p": "TENANT#1", ":z": 0}, table, model=Everything
    )
    walked: list[Everything] = []
    cursor: str | None = None
    for _ in range(10):
        page = service.query_page(
            "pk = :p AND sk > :z",
            {":p": "TENANT#1", ":z": 0},
            table,
            page_size=3,
            cursor=cursor,
            model=Everything,
        )
        walked.extend(page.items)
        if (cursor := page.cursor) is None:
            break
    scanned = service.scan("sk > :z", {":z": 0}, table, model=Everything)
    batch = service.batch_get_items(keys, table, model=Everything)
    # THEN each read gives the models equal to those written, the batch in key order
    assert queried == walked == models
    assert sorted(scanned, key=lambda m: m.order) == models
    assert batch == [models[3], models[1], models[2], models[0]]
    # AND the note that is not None is stored; the others are absent
    assert stored(client, table, 3)["note"] == {"S": "noted"}
    assert "note" not in stored(client, table, 4)
    assert stored(client, table, 4)["price"] == {"N": str(EXACT)}
