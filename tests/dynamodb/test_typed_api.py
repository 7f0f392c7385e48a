"""Typed items through the public API: ``model=`` on every read, models on every write.

The blocking service runs on moto's ``mock_aws`` (the ``service``/``table`` fixtures); the
async twin on a ``ThreadedMotoServer`` of this module (moto does not patch aiobotocore).
"""

from __future__ import annotations

import logging
import re
import traceback
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from moto.server import ThreadedMotoServer
from pydantic import BaseModel, ConfigDict, Field

from src.services.dynamodb import (
    DynamoDBConfig,
    DynamoDBService,
    Item,
    ItemValidationError,
    Page,
    Put,
)
from src.services.dynamodb._typed import FieldError

from . import typing_snippet
from .conftest import ATTRIBUTES, KEY_SCHEMA, TABLE

if TYPE_CHECKING:  # the async twin needs the async extra; imported where it runs
    from src.services.dynamodb.async_dynamodb_service import AsyncDynamoDBService

PLANTED = "PLANTED-s3cret-7f3a9c-do-not-log"
"""A value planted in bad items: it must not leave the service in an error or a log."""


class User(BaseModel):
    pk: str
    sk: int
    name: str
    age: int


class Closed(BaseModel):
    """A model that refuses attributes it does not declare."""

    model_config = ConfigDict(extra="forbid")

    pk: str
    sk: int
    name: str


class Aliased(BaseModel):
    """Keys named ``pk``/``sk`` in the table, ``owner``/``number`` in Python."""

    model_config = ConfigDict(populate_by_name=True)

    owner: str = Field(alias="pk")
    number: int = Field(alias="sk")
    nick: str | None = None


class Money(BaseModel):
    pk: str
    sk: int
    amount: Decimal
    count: int


EXACT = Decimal("12345678901234567890.123456789012345678")
"""38 significant digits: more than a float holds, as many as DynamoDB does."""


def users(count: int = 5) -> list[User]:
    return [User(pk="u", sk=n, name=f"n{n}", age=20 + n) for n in range(count)]


def fill(service: DynamoDBService, count: int = 5) -> list[User]:
    made = users(count)
    service.batch_write_items(made)
    return made


def plant_bad(service: DynamoDBService, sk: int = 2) -> None:
    """Overwrite item ``sk`` with one whose ``age`` is the planted secret (not an int),
    and which carries the secret again in an attribute the model does not declare."""
    service.put_item(
        {"pk": "u", "sk": sk, "name": f"n{sk}", "age": PLANTED, "note": {"x": [PLANTED]}}
    )


# -- every read with model= -----------------------------------------------------------------


def test_get_item_with_a_model_returns_an_instance_or_none(
    service: DynamoDBService, table: str
) -> None:
    # GIVEN stored users
    made = fill(service)
    # WHEN one is read with model=User, and a missing key too
    found = service.get_item({"pk": "u", "sk": 3}, model=User)
    missing = service.get_item({"pk": "u", "sk": 99}, model=User)
    # THEN the first is the User written, the second None
    assert type(found) is User and found == made[3]
    assert missing is None


@pytest.mark.parametrize("read", ["query", "iter_query", "scan", "iter_scan"])
def test_every_list_and_stream_read_with_a_model_returns_instances_in_order(
    service: DynamoDBService, table: str, read: str
) -> None:
    # GIVEN stored users
    made = fill(service)
    # WHEN they are all read with model=User
    if read in ("query", "iter_query"):
        got = list(getattr(service, read)("pk = :p", {":p": "u"}, model=User))
    else:
        got = sorted(getattr(service, read)(model=User), key=lambda user: user.sk)
    # THEN they are User instances equal to what was written
    assert got == made
    assert all(type(user) is User for user in got)


def walk(read: Callable[[str | None], Page[Any]]) -> tuple[list[Any], list[str | None]]:
    """Read pages from the start until the cursor is None: the items, and every cursor."""
    items: list[Any] = []
    cursors: list[str | None] = []
    cursor: str | None = None
    for _ in range(20):
        page = read(cursor)
        items.extend(page.items)
        cursors.append(page.cursor)
        if page.cursor is None:
            return items, cursors
        cursor = page.cursor
    raise AssertionError("no last page")


@pytest.mark.parametrize("size", [1, 2, 3])
def test_a_query_page_walk_with_a_model_is_exact_and_has_the_untyped_cursors(
    service: DynamoDBService, table: str, size: int
) -> None:
    # GIVEN five stored users
    made = fill(service)

    # WHEN the query is walked page by page, with model=User and without
    def typed(cursor: str | None) -> Page[User]:
        return service.query_page("pk = :p", {":p": "u"}, page_size=size, cursor=cursor, model=User)

    def plain(cursor: str | None) -> Page[Item]:
        return service.query_page("pk = :p", {":p": "u"}, page_size=size, cursor=cursor)

    models, cursors = walk(typed)
    items, plain_cursors = walk(plain)
    # THEN every user comes once, in order, as a User; the cursors are those of the dicts
    assert models == made
    assert all(type(user) is User for user in models)
    assert cursors == plain_cursors
    assert items == [user.model_dump() for user in made]
    # AND a page resumed from any cursor starts right after the item before it
    for at, cursor in enumerate(cursors[:-1]):
        assert typed(cursor).items[0] == made[(at + 1) * size]


def test_a_scan_page_walk_with_a_model_is_exact(service: DynamoDBService, table: str) -> None:
    # GIVEN users in two partitions
    made = fill(service) + [User(pk="v", sk=n, name="v", age=n) for n in range(3)]
    service.batch_write_items(made[5:])
    # WHEN the table is scanned two at a time, as Users
    models, cursors = walk(lambda cursor: service.scan_page(page_size=2, cursor=cursor, model=User))
    # THEN every user comes exactly once, the pages hold Users, and the walk ends
    assert sorted(models, key=lambda u: (u.pk, u.sk)) == made
    assert len(models) == len(made) and all(type(user) is User for user in models)
    assert len(cursors) == 4 and cursors[-1] is None


def test_a_batch_get_with_a_model_keeps_the_order_of_the_keys(
    service: DynamoDBService, table: str
) -> None:
    # GIVEN stored users
    made = fill(service)
    keys = [{"pk": "u", "sk": n} for n in (3, 0, 99, 4, 1, 3)]
    # WHEN they are read in a batch, a missing key and a repeated one among them
    got = service.batch_get_items(keys, model=User)
    # THEN the Users come in the order of their keys; the missing one is skipped
    assert got == [made[3], made[0], made[4], made[1]]
    assert all(type(user) is User for user in got)


# -- extras ---------------------------------------------------------------------------------


def test_a_default_model_ignores_attributes_it_does_not_declare(
    service: DynamoDBService, table: str
) -> None:
    # GIVEN an item with an attribute User does not declare
    service.put_item({"pk": "u", "sk": 1, "name": "n", "age": 3, "extra": "x"})
    # WHEN it is read as a User
    found = service.get_item({"pk": "u", "sk": 1}, model=User)
    # THEN it fits, without the extra attribute
    assert found == User(pk="u", sk=1, name="n", age=3)
    assert found is not None and "extra" not in found.model_dump()


def test_a_model_that_forbids_extras_refuses_an_item_with_one(
    service: DynamoDBService, table: str
) -> None:
    # GIVEN one item that fits Closed exactly, and one with an undeclared attribute
    service.put_item({"pk": "u", "sk": 1, "name": "n"})
    service.put_item({"pk": "u", "sk": 2, "name": "n", "extra": PLANTED})
    # WHEN both are read as Closed
    fits = service.get_item({"pk": "u", "sk": 1}, model=Closed)
    with pytest.raises(ItemValidationError) as raised:
        service.get_item({"pk": "u", "sk": 2}, model=Closed)
    # THEN the first fits, the second is refused by name, its value not shown
    assert fits == Closed(pk="u", sk=1, name="n")
    assert raised.value.errors == (FieldError(("extra",), "extra_forbidden"),)
    assert PLANTED not in str(raised.value)


# -- validation failures --------------------------------------------------------------------


@pytest.mark.parametrize("read", ["iter_query", "iter_scan"])
def test_a_stream_hands_out_the_items_before_a_bad_one_then_raises(
    service: DynamoDBService, table: str, read: str
) -> None:
    # GIVEN five users, the third of which does not fit User
    made = fill(service)
    plant_bad(service, sk=2)
    arguments: tuple[Any, ...] = ("pk = :p", {":p": "u"}) if read == "iter_query" else ()
    stream = getattr(service, read)(*arguments, model=User)
    # WHEN the stream is read one item at a time
    got = [next(stream), next(stream)]
    # THEN the two before the bad one come first, and the next read raises
    assert got == made[:2]
    with pytest.raises(ItemValidationError) as raised:
        next(stream)
    assert raised.value.key == {"pk": "u", "sk": 2}


def test_the_error_names_the_table_the_key_and_each_location_and_type(
    service: DynamoDBService, table: str
) -> None:
    # GIVEN an item whose age is not a number and whose name is missing
    service.put_item({"pk": "u", "sk": 7, "age": PLANTED})
    # WHEN it is read as a User
    with pytest.raises(ItemValidationError) as raised:
        service.query("pk = :p", {":p": "u"}, model=User)
    error = raised.value
    # THEN the error is a ValueError naming the table, the key and each spot with its type
    assert isinstance(error, ValueError)
    assert error.table == TABLE and error.model == "User"
    assert error.key == {"pk": "u", "sk": 7}
    assert set(error.errors) == {
        FieldError(("name",), "missing"),
        FieldError(("age",), "int_parsing"),
    }
    message = str(error)
    for part in ("'users'", "'pk': 'u'", "'sk': 7", "User", "age (int_parsing)", "name (missing)"):
        assert part in message


READS: dict[str, Callable[[DynamoDBService], object]] = {
    "get_item": lambda s: s.get_item({"pk": "u", "sk": 2}, model=User),
    "query": lambda s: s.query("pk = :p", {":p": "u"}, model=User),
    "iter_query": lambda s: list(s.iter_query("pk = :p", {":p": "u"}, model=User)),
    "query_page": lambda s: s.query_page("pk = :p", {":p": "u"}, model=User),
    "scan": lambda s: s.scan(model=User),
    "iter_scan": lambda s: list(s.iter_scan(model=User)),
    "scan_page": lambda s: s.scan_page(model=User),
    "batch_get_items": lambda s: s.batch_get_items(
        [{"pk": "u", "sk": n} for n in range(5)], model=User
    ),
}


def assert_nowhere(error: BaseException, caplog: pytest.LogCaptureFixture) -> None:
    """The planted value is in no part of the error, its traceback, or any log record."""
    assert PLANTED not in str(error)
    assert PLANTED not in repr(error)
    assert PLANTED not in "".join(traceback.format_exception(error))
    assert error.__cause__ is None
    assert caplog.records, "the failure is logged"
    for record in caplog.records:
        assert PLANTED not in record.getMessage()
        assert PLANTED not in str(record.msg)
        assert PLANTED not in repr(record.args)
        assert PLANTED not in repr(record.exc_info)
        assert PLANTED not in repr(vars(record))
    assert PLANTED not in caplog.text


@pytest.mark.parametrize("read", list(READS))
def test_a_planted_secret_appears_in_no_error_traceback_or_log_record(
    service: DynamoDBService, table: str, caplog: pytest.LogCaptureFixture, read: str
) -> None:
    # GIVEN users, one of which holds a secret where a number belongs, and in an extra map
    fill(service)
    plant_bad(service, sk=2)
    caplog.set_level(logging.DEBUG)
    # WHEN it is read as a User, by each read
    with pytest.raises(ItemValidationError) as raised:
        READS[read](service)
    # THEN the error names the key, and the secret is nowhere, at any log level
    assert raised.value.key == {"pk": "u", "sk": 2}
    assert_nowhere(raised.value, caplog)
    # AND the failure's log record names the key's attribute names, not their values
    failures = [r for r in caplog.records if "ItemValidationError" in r.getMessage()]
    assert failures, [r.getMessage() for r in caplog.records]
    for record in failures:
        assert "key attributes pk, sk" in record.getMessage()
        assert "'u'" not in record.getMessage()


def test_a_secret_in_a_refused_extra_attribute_appears_nowhere(
    service: DynamoDBService, table: str, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN an item with an undeclared attribute holding the secret
    service.put_item({"pk": "u", "sk": 1, "name": "n", "extra": [PLANTED, {"k": PLANTED}]})
    caplog.set_level(logging.DEBUG)
    # WHEN it is read into a model that forbids extras
    with pytest.raises(ItemValidationError) as raised:
        service.query("pk = :p", {":p": "u"}, model=Closed)
    # THEN the refusal names the attribute, and the secret is nowhere
    assert raised.value.errors == (FieldError(("extra",), "extra_forbidden"),)
    assert_nowhere(raised.value, caplog)


class Scores(BaseModel):
    pk: str
    sk: int
    scores: dict[str, int]


def test_a_secret_map_key_of_a_bad_map_value_appears_nowhere(
    service: DynamoDBService, table: str, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN an item whose map is keyed by user data (an email), one of its values not a number
    service.put_item({"pk": "u", "sk": 1, "scores": {"ok@example.com": 1, PLANTED: "high"}})
    caplog.set_level(logging.DEBUG)
    # WHEN it is read into a model whose field is dict[str, int]
    with pytest.raises(ItemValidationError) as raised:
        service.get_item({"pk": "u", "sk": 1}, model=Scores)
    # THEN the error says the map does not fit, but the map key (part of the value) is nowhere
    assert [(e.loc[0], e.type) for e in raised.value.errors] == [("scores", "int_parsing")]
    assert_nowhere(raised.value, caplog)


PROJECTED_READS: dict[str, Callable[[DynamoDBService], object]] = {
    "get_item": lambda s: s.get_item(
        {"pk": "u", "sk": 1}, projection_expression="age, #n", **NAMED, model=User
    ),
    # a filtered page reads the key for its cursor; an unfiltered one never reads it
    "query_page": lambda s: s.query_page(
        "pk = :p",
        {":p": "u", ":n": "n"},
        filter_expression="#n = :n",
        projection_expression="age, #n",
        **NAMED,
        model=User,
    ),
}
NAMED: dict[str, Any] = {"expression_attribute_names": {"#n": "name"}}


@pytest.mark.parametrize("read", list(PROJECTED_READS))
def test_a_bad_item_read_with_a_projection_without_its_key_is_still_named_by_its_key(
    service: DynamoDBService, table: str, read: str
) -> None:
    # GIVEN a bad item, read with a projection that leaves out its key attributes
    service.put_item({"pk": "u", "sk": 1, "name": "n", "age": PLANTED})
    # WHEN it is read as a User (get_item knows the key; a page reads it for its cursor)
    with pytest.raises(ItemValidationError) as raised:
        PROJECTED_READS[read](service)
    # THEN the error still names the item's key, as the contract asks
    assert raised.value.key == {"pk": "u", "sk": 1}
    assert "'pk': 'u'" in str(raised.value)
    assert PLANTED not in str(raised.value)


# -- writes ---------------------------------------------------------------------------------


def test_a_batch_write_takes_models_and_mappings_mixed(
    service: DynamoDBService, table: str
) -> None:
    # GIVEN models (one with a None field) and mappings in one list
    given: list[Any] = [
        Aliased(owner="a", number=1, nick="ada"),
        {"pk": "a", "sk": 2, "nick": "bob"},
        Aliased(owner="a", number=3),
        {"pk": "a", "sk": 4},
    ]
    # WHEN they are written in one batch
    service.batch_write_items(given)
    # THEN the models are stored under their aliases, None left out, beside the mappings
    assert service.query("pk = :p", {":p": "a"}) == [
        {"pk": "a", "sk": 1, "nick": "ada"},
        {"pk": "a", "sk": 2, "nick": "bob"},
        {"pk": "a", "sk": 3},
        {"pk": "a", "sk": 4},
    ]
    # AND all four read back as models
    assert service.query("pk = :p", {":p": "a"}, model=Aliased) == [
        Aliased(owner="a", number=1, nick="ada"),
        Aliased(owner="a", number=2, nick="bob"),
        Aliased(owner="a", number=3),
        Aliased(owner="a", number=4),
    ]


def test_a_transaction_put_takes_a_model(service: DynamoDBService, table: str) -> None:
    # GIVEN a model
    model = Aliased(owner="t", number=9, nick="tx")
    # WHEN it is put in a transaction beside a mapping
    service.transact_write_items([Put(model), Put({"pk": "t", "sk": 10})])
    # THEN it is stored under its aliases, and reads back equal
    assert service.get_item({"pk": "t", "sk": 9}) == {"pk": "t", "sk": 9, "nick": "tx"}
    assert service.get_item({"pk": "t", "sk": 9}, model=Aliased) == model


def test_a_put_item_takes_a_model(service: DynamoDBService, table: str) -> None:
    # GIVEN a model
    model = Aliased(owner="p", number=1, nick="put")
    # WHEN it is put, and put again returning the old item
    service.put_item(model)
    old = service.put_item(Aliased(owner="p", number=1), return_old=True)
    # THEN the old one was stored under its aliases; the new one has no nick attribute
    assert old == {"pk": "p", "sk": 1, "nick": "put"}
    assert service.get_item({"pk": "p", "sk": 1}) == {"pk": "p", "sk": 1}


def test_a_decimal_field_is_exact_even_when_numbers_are_native(
    logger: logging.Logger, config: DynamoDBConfig, table: str
) -> None:
    # GIVEN a service that reads numbers as int/float, and a model with a Decimal field
    native = DynamoDBService(logger=logger, config=config.model_copy(update={"numbers": "native"}))
    model = Money(pk="m", sk=1, amount=EXACT, count=3)
    native.put_item(model)
    # WHEN it is read back, as a dict and as a model, by each read
    plain = native.get_item({"pk": "m", "sk": 1})
    found = [
        native.get_item({"pk": "m", "sk": 1}, model=Money),
        *native.query("pk = :p", {":p": "m"}, model=Money),
        *native.query_page("pk = :p", {":p": "m"}, model=Money).items,
        *native.scan(model=Money),
        *native.batch_get_items([{"pk": "m", "sk": 1}], model=Money),
    ]
    native.close()
    # THEN the dict has a float (numbers are native) but the model has the exact Decimal
    assert plain is not None and type(plain["amount"]) is float
    for money in found:
        assert money is not None
        assert type(money.amount) is Decimal and money.amount == EXACT
        assert str(money.amount) == str(EXACT)
        assert type(money.count) is int and money == model


# -- the async twin -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """One moto server in a thread for this module; stopped at the end."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def twin(
    moto_endpoint: str, request: pytest.FixtureRequest, logger: logging.Logger
) -> AsyncIterator[AsyncDynamoDBService]:
    """An async service on the moto server, its default table a fresh one of this test."""
    from src.services.dynamodb.async_dynamodb_service import AsyncDynamoDBService

    name = f"t-{re.sub(r'[^A-Za-z0-9_.-]+', '-', request.node.name)[:40]}-{uuid.uuid4().hex}"
    config = DynamoDBConfig(
        region_name="us-east-1",
        endpoint_url=moto_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing-secret",
        default_table_name=name,
    )
    async with AsyncDynamoDBService(logger=logger, config=config) as dynamodb:
        await dynamodb.create_table(name, KEY_SCHEMA, ATTRIBUTES)
        yield dynamodb


@pytest.mark.async_twin
@pytest.mark.anyio
async def test_the_async_twin_reads_every_way_into_models(twin: AsyncDynamoDBService) -> None:
    # GIVEN users written as models
    made = users()
    await twin.batch_write_items(made)
    # WHEN they are read with model=User by every read
    one = await twin.get_item({"pk": "u", "sk": 1}, model=User)
    queried = await twin.query("pk = :p", {":p": "u"}, model=User)
    streamed = [user async for user in twin.iter_query("pk = :p", {":p": "u"}, model=User)]
    scanned = await twin.scan(model=User)
    scan_streamed = [user async for user in twin.iter_scan(model=User)]
    batch = await twin.batch_get_items([{"pk": "u", "sk": n} for n in (4, 0, 2)], model=User)
    # THEN each gives Users equal to those written, batch in key order
    assert one == made[1]
    assert queried == streamed == made
    assert sorted(scanned, key=lambda u: u.sk) == sorted(scan_streamed, key=lambda u: u.sk) == made
    assert batch == [made[4], made[0], made[2]]
    assert all(type(u) is User for u in [*queried, *streamed, *scanned, *scan_streamed, *batch])


@pytest.mark.async_twin
@pytest.mark.anyio
async def test_the_async_twin_walks_pages_of_models_with_exact_cursors(
    twin: AsyncDynamoDBService,
) -> None:
    # GIVEN five users
    made = users()
    await twin.batch_write_items(made)
    # WHEN the query and the scan are walked two at a time as Users
    walks: list[list[User]] = []
    for scan in (False, True):
        got: list[User] = []
        cursor: str | None = None
        for _ in range(10):
            page = (
                await twin.scan_page(page_size=2, cursor=cursor, model=User)
                if scan
                else await twin.query_page(
                    "pk = :p", {":p": "u"}, page_size=2, cursor=cursor, model=User
                )
            )
            assert len(page.items) <= 2
            got.extend(page.items)
            if (cursor := page.cursor) is None:
                break
        walks.append(got)
    # THEN each walk gives every user exactly once
    assert walks[0] == made
    assert sorted(walks[1], key=lambda u: u.sk) == made and len(walks[1]) == len(made)


@pytest.mark.async_twin
@pytest.mark.anyio
async def test_the_async_twin_streams_up_to_a_bad_item_and_leaks_no_secret(
    twin: AsyncDynamoDBService, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN five users, the third holding a secret where a number belongs
    made = users()
    await twin.batch_write_items(made)
    await twin.put_item({"pk": "u", "sk": 2, "name": "n2", "age": PLANTED, "note": PLANTED})
    caplog.set_level(logging.DEBUG)
    # WHEN the query is streamed as Users
    got: list[User] = []
    with pytest.raises(ItemValidationError) as raised:
        async for user in twin.iter_query("pk = :p", {":p": "u"}, model=User):
            got.append(user)
    # THEN the two before it are handed out, then the error, and the secret is nowhere
    assert got == made[:2]
    assert raised.value.key == {"pk": "u", "sk": 2}
    assert raised.value.errors == (FieldError(("age",), "int_parsing"),)
    assert_nowhere(raised.value, caplog)
    # AND so for get_item, query_page and batch_get_items
    for read in (
        twin.get_item({"pk": "u", "sk": 2}, model=User),
        twin.query_page("pk = :p", {":p": "u"}, model=User),
        twin.batch_get_items([{"pk": "u", "sk": 2}], model=User),
    ):
        with pytest.raises(ItemValidationError) as again:
            await read
        assert_nowhere(again.value, caplog)


@pytest.mark.async_twin
@pytest.mark.anyio
async def test_the_async_twin_writes_models_batch_mixed_transaction_and_decimal(
    twin: AsyncDynamoDBService,
) -> None:
    # GIVEN models and mappings mixed, a transaction Put of a model, and a Decimal model
    await twin.batch_write_items([Aliased(owner="a", number=1), {"pk": "a", "sk": 2, "nick": "b"}])
    await twin.transact_write_items([Put(Aliased(owner="a", number=3, nick="tx"))])
    await twin.put_item(Money(pk="m", sk=1, amount=EXACT, count=2))
    # WHEN they are read back
    plain = await twin.query("pk = :p", {":p": "a"})
    typed = await twin.query("pk = :p", {":p": "a"}, model=Aliased)
    money = await twin.get_item({"pk": "m", "sk": 1}, model=Money)
    # THEN aliases are used, None left out, and the Decimal is exact (numbers are native)
    assert plain == [
        {"pk": "a", "sk": 1},
        {"pk": "a", "sk": 2, "nick": "b"},
        {"pk": "a", "sk": 3, "nick": "tx"},
    ]
    assert typed == [
        Aliased(owner="a", number=1),
        Aliased(owner="a", number=2, nick="b"),
        Aliased(owner="a", number=3, nick="tx"),
    ]
    assert money is not None and type(money.amount) is Decimal and money.amount == EXACT


# -- the typing snippet, run ----------------------------------------------------------------


def flat(value: object) -> list[object]:
    """What a read gave, as the list of its items (a page's items, an item alone)."""
    if isinstance(value, Page):
        return list(value.items)
    return list(value) if isinstance(value, list) else [value]


def test_the_typing_snippet_runs_and_its_values_have_the_asserted_types(
    service: DynamoDBService, table: str
) -> None:
    # GIVEN one stored user
    user = typing_snippet.User(pk="u", sk=1, name="ada")
    service.put_item(user)
    # WHEN the snippet's reads (each type-checked by mypy --strict) run
    got = typing_snippet.blocking_reads(service)
    # THEN the eight reads with model give Users, the eight without give the dict
    assert len(got) == 16
    assert all(flat(value) == [user] for value in got[:8])
    assert all(type(item) is typing_snippet.User for value in got[:8] for item in flat(value))
    assert all(flat(value) == [user.model_dump()] for value in got[8:])
    assert all(type(item) is dict for value in got[8:] for item in flat(value))


@pytest.mark.async_twin
@pytest.mark.anyio
async def test_the_async_typing_snippet_runs_and_its_values_have_the_asserted_types(
    twin: AsyncDynamoDBService,
) -> None:
    # GIVEN one stored user
    user = typing_snippet.User(pk="u", sk=1, name="ada")
    await twin.put_item(user)
    # WHEN the snippet's async reads run
    got = await typing_snippet.async_reads(twin)
    # THEN with model they give Users, without it the dict
    assert len(got) == 16
    assert all(flat(value) == [user] for value in got[:8])
    assert all(type(item) is typing_snippet.User for value in got[:8] for item in flat(value))
    assert all(flat(value) == [user.model_dump()] for value in got[8:])
