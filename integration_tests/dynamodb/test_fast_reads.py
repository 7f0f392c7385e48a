"""Fast reads, differentially: every read operation with ``fast_reads`` on and off.

About 50 items drawn from a seeded ``random.Random`` (every type DynamoDB holds: empty
and non-ASCII strings, 38-digit numbers, 1E-130 and 9.99E+125, negative and fractional
numbers, empty and non-empty binary, the three kinds of set, maps and lists four deep,
empty maps and lists, booleans, null) are written by a plain boto3 client, in one
partition with a numeric sort key. Every read operation then reads them through the
twin of this run, with ``fast_reads`` on and off, in both number modes. The two results
must be equal value for value *and type for type* (``True == 1`` and ``1 == 1.0`` in
Python, so a plain ``==`` would hide a wrong type); in ``decimal`` mode they must be
exactly the ``Decimal``s boto3's ``TypeDeserializer`` reads (same digits, same exponent),
and in ``native`` mode the ``int``/``float`` those Decimals stand for.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

import pytest
from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer
from mypy_boto3_dynamodb import DynamoDBClient

from integration_tests.support import (
    ATTRIBUTES,
    KEY_SCHEMA,
    SentCall,
    ServiceFactory,
    plain_client,
    sends_lean,
    unique_table_name,
    watch_sends,
)
from src.services.dynamodb import _fastread
from src.services.dynamodb.dynamodb_models import Get, Item
from src.services.dynamodb.dynamodb_service import DynamoDBService

SEED = 20_240_611
COUNT = 50
PK = "fast-reads"
COPY_PK = "fast-reads-copy"
MISSING = {"pk": PK, "sk": COUNT + 1000}

# -- the generator --------------------------------------------------------------------------

EDGE_NUMBERS = [
    "1E-130",
    "-1E-130",
    "9.99E+125",
    "-9.99E+125",
    "0",
    "-1",
    "0.5",
    "-273.15",
    "12345678901234567890123456789012345678",
    "-99999999999999999999999999999999999999",
    "0.12345678901234567890123456789012345678",
    "1.0000000000000000000000000000000000001",
    "9007199254740993",  # 2**53 + 1: wrong if it ever goes through a float
]
NON_ASCII = [
    "żółw",
    "日本語のテキスト",
    "emoji 🐢🚀 and a flag 🇺🇦",
    "Ωμέγα",
    "e\u0301 combining",
    'tab\tnewline\n"quote" \\backslash',
    "\u2028\u2029 line separators",
    "right-to-left \u202e\u05d0\u05d1",
]


def string(rng: random.Random) -> str:
    kind = rng.randrange(4)
    if kind == 0:
        return ""
    if kind == 1:
        return rng.choice(NON_ASCII)
    ranges = [(0x20, 0x7E), (0xA0, 0xD7FF), (0xE000, 0xFFFD), (0x10000, 0x2FFFF)]
    return "".join(chr(rng.randint(*rng.choice(ranges))) for _ in range(rng.randint(1, 12)))


def number(rng: random.Random) -> Decimal:
    kind = rng.randrange(6)
    sign = rng.choice(["", "-"])
    if kind == 0:
        return Decimal(rng.choice(EDGE_NUMBERS))
    if kind == 1:  # 38 significant digits, an integer
        return Decimal(f"{sign}{rng.randrange(10**37, 10**38)}")
    if kind == 2:  # 38 significant digits anywhere in DynamoDB's range (adjusted -130..125)
        return Decimal(f"{sign}{rng.randrange(10**37, 10**38)}E{rng.randint(-167, 88)}")
    if kind == 3:
        return Decimal(f"{sign}{rng.randrange(10**6)}")
    if kind == 4:
        return Decimal(f"{sign}{rng.randrange(10**6)}E-{rng.randint(1, 8)}")
    return Decimal(repr(rng.uniform(-1e6, 1e6)))


def binary(rng: random.Random) -> bytes:
    return b"" if rng.random() < 0.25 else rng.randbytes(rng.randint(1, 24))


def nonempty(rng: random.Random, make: Callable[[random.Random], Any]) -> Any:
    while not (value := make(rng)):
        pass
    return value


def leaf(rng: random.Random) -> Any:
    kind = rng.randrange(10)
    makers: list[Callable[[], Any]] = [
        lambda: string(rng),
        lambda: number(rng),
        lambda: binary(rng),
        lambda: rng.random() < 0.5,
        lambda: None,
        lambda: {nonempty(rng, string) for _ in range(rng.randint(1, 4))},
        lambda: {number(rng) for _ in range(rng.randint(1, 4))},
        lambda: {nonempty(rng, binary) for _ in range(rng.randint(1, 4))},
        dict,
        list,
    ]
    return makers[kind]()


def nested(rng: random.Random, depth: int, kind: str) -> Any:
    """A map or list ``depth`` levels deep along its first member, others anything."""
    if depth == 0:
        return leaf(rng)
    members = [nested(rng, depth - 1, rng.choice(["map", "list"]))]
    members += [
        nested(rng, rng.randrange(depth), rng.choice(["map", "list"]))
        for _ in range(rng.randint(0, 2))
    ]
    if kind == "list":
        return members
    return {f"k{i}-{string(rng)[:8]}": member for i, member in enumerate(members)}


def generate(seed: int = SEED, count: int = COUNT) -> list[Item]:
    """``count`` items of partition ``PK``, ``sk`` 0..count-1 (as Decimal, as boto3 wants)."""
    rng = random.Random(seed)
    items: list[Item] = []
    for sk in range(count):
        item: Item = {
            "pk": PK,
            "sk": Decimal(sk),
            "s": string(rng),
            "empty_s": "",
            "n": number(rng),
            "b": binary(rng),
            "ss": {nonempty(rng, string) for _ in range(rng.randint(1, 4))},
            "ns": {number(rng) for _ in range(rng.randint(1, 4))},
            "bs": {nonempty(rng, binary) for _ in range(rng.randint(1, 4))},
            "flag": rng.random() < 0.5,
            "nothing": None,
            "m": nested(rng, 4, "map"),
            "l": nested(rng, 4, "list"),
            "empty_m": {},
            "empty_l": [],
            "any": leaf(rng),
        }
        if sk == 0:  # every edge once for sure
            item["edges"] = [Decimal(text) for text in EDGE_NUMBERS] + NON_ASCII + [b""]
        items.append(item)
    return items


def number_kinds(value: Decimal) -> set[str]:
    """What a number is, for the coverage check."""
    found = {"N"}
    found |= {"N-38-digits"} if len(value.as_tuple().digits) == 38 else set()
    found |= {"N-1E-130"} if abs(value) == Decimal("1E-130") else set()
    found |= {"N-9.99E+125"} if abs(value) == Decimal("9.99E+125") else set()
    found |= {"N-negative"} if value < 0 else set()
    found |= {"N-fraction"} if value != value.to_integral_value() else set()
    return found


def kinds(value: Any, depth: int = 0) -> set[str]:
    """What a value holds, for the coverage check."""
    if isinstance(value, dict | list):
        tag = "M" if isinstance(value, dict) else "L"
        found = {f"{tag}-depth-{depth + 1}" if value else f"{tag}-empty"}
        members = value.values() if isinstance(value, dict) else value
        return found.union(*(kinds(member, depth + 1) for member in members))
    if isinstance(value, str):
        return {"S-empty" if value == "" else "S"} | (set() if value.isascii() else {"S-non-ascii"})
    if isinstance(value, Decimal):
        return number_kinds(value)
    if isinstance(value, set):
        return {{str: "SS", Decimal: "NS", bytes: "BS"}[type(next(iter(value)))]}
    if isinstance(value, bool):
        return {"BOOL"}
    if isinstance(value, bytes):
        return {"B-empty" if value == b"" else "B"}
    return {"NULL"} if value is None else set()


EVERY_KIND = {
    *("S", "S-empty", "S-non-ascii", "BOOL", "NULL", "B", "B-empty", "SS", "NS", "BS"),
    *("N", "N-38-digits", "N-1E-130", "N-9.99E+125", "N-negative", "N-fraction"),
    *("M-empty", "L-empty", "M-depth-4", "L-depth-4"),
}

# -- comparing type for type ----------------------------------------------------------------


def raw_bytes(value: Binary) -> bytes:
    """The bytes a boto3 ``Binary`` holds (its stubs get ``__bytes__`` wrong)."""
    raw: bytes = cast(Any, value).value
    return raw


class ExactDeserializer(TypeDeserializer):
    """boto3's ``TypeDeserializer``, but reading every number as ``Decimal(text)``, exactly.

    boto3 reads numbers in a 38-digit context that traps rounding, and DynamoDB sends a
    large number in positional notation (``2.05E+67`` comes back as 68 digits, most of
    them trailing zeros), which boto3 then refuses with ``decimal.Rounded``.
    """

    def _deserialize_n(self, value: str) -> Decimal:
        return Decimal(value)


def typed(value: Any) -> Any:
    """``value`` as nested tuples naming every type: equal only if equal type for type.

    A ``Decimal`` is compared by its text (digits and exponent), so ``Decimal("1.0")``
    and ``Decimal("1")`` differ; boto3's ``Binary`` counts as ``bytes``.
    """
    if isinstance(value, Binary):
        return ("bytes", raw_bytes(value))
    kind = type(value)
    if kind is dict:
        return ("dict", tuple(sorted((name, typed(member)) for name, member in value.items())))
    if kind is list:
        return ("list", tuple(typed(member) for member in value))
    if kind is tuple:
        return ("tuple", tuple(typed(member) for member in value))
    if kind is set or kind is frozenset:
        return ("set", tuple(sorted((typed(member) for member in value), key=repr)))
    if kind is Decimal:
        return ("Decimal", str(value))
    if kind is float:
        return ("float", repr(value))
    return (kind.__name__, value)


def native(value: Any) -> Any:
    """The ``native`` reading of a Decimal-mode value: integral numbers ``int``, others float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Binary):
        return raw_bytes(value)
    if isinstance(value, dict):
        return {name: native(member) for name, member in value.items()}
    if isinstance(value, list):
        return [native(member) for member in value]
    if isinstance(value, set):
        return {native(member) for member in value}
    return value


def _exact(value: Any) -> Any:
    if isinstance(value, Binary):
        return raw_bytes(value)
    if isinstance(value, dict):
        return {name: _exact(member) for name, member in value.items()}
    if isinstance(value, list):
        return [_exact(member) for member in value]
    if isinstance(value, set):
        return {_exact(member) for member in value}
    return value


# -- the table, written and read back by a plain client -------------------------------------


@dataclass(frozen=True)
class Seeded:
    table: str
    written: list[Item]
    wires: list[dict[str, Any]]
    """The items as the plain client reads them back (botocore's form), in ``sk`` order."""
    stored: list[Item]
    """The same through boto3's ``TypeDeserializer`` (numbers read exactly), ``Binary``."""


def read_back(client: DynamoDBClient, table: str, pk: str) -> list[dict[str, Any]]:
    wires: list[dict[str, Any]] = []
    request: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": {"S": pk}},
        "ConsistentRead": True,
    }
    while True:
        page = client.query(**request)
        wires.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return wires
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@pytest.fixture(scope="module")
def plain(dynamodb_endpoint: str) -> Iterator[DynamoDBClient]:
    client = plain_client(dynamodb_endpoint, attempts=3, read_timeout=20)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture(scope="module")
def seeded(plain: DynamoDBClient) -> Iterator[Seeded]:
    """A table of this module holding the generated items, written by the plain client."""
    table = unique_table_name("fast-reads")
    plain.create_table(
        TableName=table,
        KeySchema=KEY_SCHEMA,
        AttributeDefinitions=ATTRIBUTES,
        BillingMode="PAY_PER_REQUEST",
    )
    try:
        plain.get_waiter("table_exists").wait(
            TableName=table, WaiterConfig={"Delay": 1, "MaxAttempts": 30}
        )
        written = generate()
        serialize = TypeSerializer().serialize
        for item in written:
            plain.put_item(
                TableName=table, Item={name: serialize(value) for name, value in item.items()}
            )
        wires = read_back(plain, table, PK)
        deserialize = ExactDeserializer().deserialize
        stored = [{name: deserialize(value) for name, value in wire.items()} for wire in wires]
        yield Seeded(table, written, wires, stored)
    finally:
        plain.delete_table(TableName=table)


# -- every read operation -------------------------------------------------------------------

Key = dict[str, Any]
Expect = Callable[[list[Item]], Any]


def pages(fetch: Callable[[str | None], Any]) -> list[dict[str, Any]]:
    """Every page of a paged read, followed by its cursors, as {"items", "cursor"}."""
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        page = fetch(cursor)
        found.append({"items": page.items, "cursor": page.cursor})
        if page.cursor is None:
            return found
        cursor = page.cursor


def copies(plain: DynamoDBClient, seeded: Seeded, call: Callable[[Key], Any]) -> list[Any]:
    """Write each item again under ``COPY_PK`` directly, then ``call`` on its key."""
    results = []
    for wire in seeded.wires:
        copy = {**wire, "pk": {"S": COPY_PK}}
        plain.put_item(TableName=seeded.table, Item=copy)
        key = {"pk": COPY_PK, "sk": int(wire["sk"]["N"])}
        try:
            results.append(call(key))
        finally:
            plain.delete_item(TableName=seeded.table, Key={"pk": copy["pk"], "sk": copy["sk"]})
    return results


def as_copies(items: list[Item]) -> list[Item]:
    return [{**item, "pk": COPY_PK} for item in items]


def flat(found: list[dict[str, Any]]) -> list[Item]:
    return [item for page in found for item in page["items"]]


@dataclass(frozen=True)
class Operation:
    read: Callable[[DynamoDBService, Seeded, list[Key], DynamoDBClient], Any]
    expect: Expect
    """What the result must be, from the stored items (in ``sk`` order)."""
    view: Callable[[Any], Any] = lambda result: result
    """The part of the result ``expect`` describes (pages: their items, in order)."""


def _query(service: DynamoDBService, seeded: Seeded) -> list[Item]:
    return service.query("pk = :p", {":p": PK}, seeded.table, consistent_read=True)


OPERATIONS: dict[str, Operation] = {
    "get_item": Operation(
        lambda s, d, keys, _: [
            s.get_item(key, d.table, consistent_read=True) for key in [*keys, MISSING]
        ],
        lambda items: [*items, None],
    ),
    "query": Operation(lambda s, d, keys, _: _query(s, d), lambda items: items),
    "query_backwards": Operation(
        lambda s, d, keys, _: s.query(
            "pk = :p", {":p": PK}, d.table, consistent_read=True, scan_index_forward=False
        ),
        lambda items: items[::-1],
    ),
    "iter_query": Operation(
        lambda s, d, keys, _: list(
            s.iter_query("pk = :p", {":p": PK}, d.table, consistent_read=True)
        ),
        lambda items: items,
    ),
    "query_page": Operation(
        lambda s, d, keys, _: pages(
            lambda cursor: s.query_page(
                "pk = :p", {":p": PK}, d.table, page_size=7, cursor=cursor, consistent_read=True
            )
        ),
        lambda items: items,
        flat,
    ),
    "scan": Operation(
        lambda s, d, keys, _: s.scan(table_name=d.table, consistent_read=True),
        lambda items: items,
    ),
    "iter_scan": Operation(
        lambda s, d, keys, _: list(s.iter_scan(table_name=d.table, consistent_read=True)),
        lambda items: items,
    ),
    "scan_page": Operation(
        lambda s, d, keys, _: pages(
            lambda cursor: s.scan_page(
                table_name=d.table, page_size=9, cursor=cursor, consistent_read=True
            )
        ),
        lambda items: items,
        flat,
    ),
    "batch_get_items": Operation(
        lambda s, d, keys, _: s.batch_get_items(
            [*keys[::-1], MISSING], d.table, consistent_read=True
        ),
        lambda items: items[::-1],
    ),
    "transact_get_items": Operation(
        lambda s, d, keys, _: s.transact_get_items([Get(key, d.table) for key in [*keys, MISSING]]),
        lambda items: [*items, None],
    ),
    "execute_statement": Operation(
        lambda s, d, keys, _: s.execute_statement(
            f'SELECT * FROM "{d.table}" WHERE pk = ?', [PK], consistent_read=True
        ),
        lambda items: items,
    ),
    "update_item_all_new": Operation(
        lambda s, d, keys, _: [
            s.update_item(key, "SET #s = #s", None, d.table, expression_attribute_names={"#s": "s"})
            for key in keys
        ],
        lambda items: items,
    ),
    "update_item_all_old": Operation(
        lambda s, d, keys, _: [
            s.update_item(
                key,
                "SET #m = #m",
                None,
                d.table,
                expression_attribute_names={"#m": "m"},
                return_values="ALL_OLD",
            )
            for key in keys
        ],
        lambda items: items,
    ),
    "update_item_updated_new": Operation(
        lambda s, d, keys, _: [
            s.update_item(
                key,
                "SET #l = #l, #a = #a",
                None,
                d.table,
                expression_attribute_names={"#l": "l", "#a": "any"},
                return_values="UPDATED_NEW",
            )
            for key in keys
        ],
        lambda items: [{"l": item["l"], "any": item["any"]} for item in items],
    ),
    "put_item_return_old": Operation(
        lambda s, d, keys, plain: copies(
            plain, d, lambda key: s.put_item({**key, "v": 1}, d.table, return_old=True)
        ),
        as_copies,
    ),
    "delete_item_return_old": Operation(
        lambda s, d, keys, plain: copies(
            plain, d, lambda key: s.delete_item(key, d.table, return_old=True)
        ),
        as_copies,
    ),
}

Parsed = list[tuple[str, bool]]


def watch_parsing(service: DynamoDBService) -> Parsed:
    """Record, per read call from now on: its operation, and whether orjson took its response.

    Each call is seen at the drivers' send point (``watch_sends``), on either transport.
    botocore's ``before-parse``, registered after the service's own hook and on the less
    specific event, runs after the fast parser: a body the fast parser took is empty by
    then. A call none of whose responses reached botocore's parser was read by the lean
    wire path, whose only parser is orjson: taken, if the service sends by the lean path,
    and recorded as not taken otherwise (which the test refuses).
    """
    seen: Parsed = []
    lean = sends_lean(service)
    bodies: ContextVar[list[bool] | None] = ContextVar("bodies", default=None)

    def record(response_dict: dict[str, Any], operation_model: Any, **_: Any) -> None:
        taken = bodies.get()
        if taken is not None and operation_model.name in _fastread.READ_OPERATIONS:
            taken.append(not response_dict["body"])

    def enter(entry: SentCall) -> None:
        bodies.set([])

    def leave(entry: SentCall) -> None:
        taken = bodies.get() or []
        if entry.operation in _fastread.READ_OPERATIONS:
            seen.append((entry.operation, all(taken) if taken else lean))

    service.client.meta.events.register("before-parse.dynamodb", record)
    watch_sends(service, before=enter, after=leave)
    return seen


# -- the tests ------------------------------------------------------------------------------


def test_the_generated_items_cover_every_type_and_are_stored_as_written(seeded: Seeded) -> None:
    # GIVEN the seeded generator's items  WHEN their kinds are listed
    found = set().union(*(kinds(value) for item in seeded.written for value in item.values()))
    # THEN every kind of value DynamoDB holds is among them
    assert EVERY_KIND <= found, EVERY_KIND - found
    # AND the plain client reads back exactly what it wrote (in value), in sk order
    assert len(seeded.stored) == COUNT
    assert [_exact(item) for item in seeded.stored] == seeded.written
    # AND the generator is deterministic
    assert typed(generate()) == typed(seeded.written)


@pytest.mark.parametrize("numbers", ["native", "decimal"])
@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_fast_reads_equal_botocore_reads_type_for_type(
    service_factory: ServiceFactory,
    seeded: Seeded,
    plain: DynamoDBClient,
    operation: str,
    numbers: str,
) -> None:
    # GIVEN a service of this run's twin with fast reads, and one without, in one number mode
    fast = service_factory(fast_reads=True, numbers=numbers)
    slow = service_factory(fast_reads=False, numbers=numbers)
    fast_parsed, slow_parsed = watch_parsing(fast), watch_parsing(slow)
    keys: list[Key] = [{"pk": PK, "sk": sk} for sk in range(COUNT)]
    read = OPERATIONS[operation]
    # WHEN both read every generated item with the operation
    from_fast = read.read(fast, seeded, keys, plain)
    from_slow = read.read(slow, seeded, keys, plain)
    # THEN the fast parser took every read response of one, none of the other's
    assert fast_parsed and all(took for _, took in fast_parsed), fast_parsed
    assert slow_parsed and not any(took for _, took in slow_parsed), slow_parsed
    assert [name for name, _ in fast_parsed] == [name for name, _ in slow_parsed]
    # AND the results are equal, value for value and type for type (cursors included)
    assert typed(from_fast) == typed(from_slow)
    # AND they are what is stored: in decimal mode exactly boto3's Decimals (digits and
    # exponent), in native mode the int or float each of those stands for
    convert = _exact if numbers == "decimal" else native
    expected = read.expect([convert(item) for item in seeded.stored])
    assert typed(read.view(from_fast)) == typed(expected)
