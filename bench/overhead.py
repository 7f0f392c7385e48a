"""``python -m bench.overhead``: the service's own CPU per call, with botocore taken out.

The end-to-end benchmark compares whole calls, where botocore's ~1 ms per call and a
noisy machine hide a few microseconds either way. Here nothing is sent at all: the
service's sans-I/O core (``_driver.Core``, the same object both services drive) is driven
by a tiny loop in this file that answers every ``Call`` it yields with a canned,
botocore-style response dict (every call of a ``Fanout`` too). What is timed is only the
service's own layers: argument checks, conversion, the operation lifecycle and its
logging checks, paging, batching. The converters are also timed against boto3's
``TypeSerializer``/``TypeDeserializer`` on the same 1 KB item.
No network, no DynamoDB Local, no botocore client; best of 5 repeats.
"""

from __future__ import annotations

import logging
import time
import timeit
from collections.abc import Callable, Generator
from decimal import Decimal
from typing import Any, TypeVar

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from src.services.dynamodb import DynamoDBConfig
from src.services.dynamodb._driver import Core
from src.services.dynamodb._protocol import Call, Fanout, Probe, Sleep
from src.services.dynamodb._values import item_decoder, to_wire_item
from src.services.dynamodb.dynamodb_models import ItemIn

T = TypeVar("T")
Response = dict[str, Any]

TABLE = "bench_t"
ITEM: dict[str, Any] = {
    "pk": "p",
    "sk": "s1",
    "name": "n" * 20,
    "n": 12345,
    "f": 1.5,
    "flag": True,
    "tags": ["a", "b", "c"],
    "body": "x" * 930,
}
WIRE = to_wire_item(ITEM)
PAGE_ITEMS = 1000
BATCH_ITEMS = 1000  # 40 BatchWriteItem requests, 10 BatchGetItem requests

# Canned answers, built once: what DynamoDB (through botocore) would hand back.
GET_RESPONSE: Response = {"Item": WIRE}
PUT_RESPONSE: Response = {}
QUERY_RESPONSE: Response = {"Items": [WIRE] * PAGE_ITEMS, "Count": PAGE_ITEMS}
WRITE_RESPONSE: Response = {"UnprocessedItems": {}}
DESCRIBE_RESPONSE: Response = {
    "Table": {
        "TableName": TABLE,
        "TableStatus": "ACTIVE",
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
    }
}
BATCH = [{**ITEM, "sk": f"s{i:05d}"} for i in range(BATCH_ITEMS)]
BATCH_KEYS = [{"pk": row["pk"], "sk": row["sk"]} for row in BATCH]
# One BatchGetItem answer per request, keyed by the request's first sort key: the items
# the keys ask for, so the core's bookkeeping (found by key, in key order) is the real one.
BATCH_GET_RESPONSES: dict[str, Response] = {
    BATCH[start]["sk"]: {
        "Responses": {TABLE: [to_wire_item(row) for row in BATCH[start : start + 100]]},
        "UnprocessedKeys": {},
    }
    for start in range(0, BATCH_ITEMS, 100)
}


def answer(call: Call) -> Response:
    """The canned response to one call, by operation."""
    operation = call.operation
    if operation == "GetItem":
        return GET_RESPONSE
    if operation == "PutItem":
        return PUT_RESPONSE
    if operation == "Query":
        return QUERY_RESPONSE
    if operation == "BatchWriteItem":
        return WRITE_RESPONSE
    if operation == "BatchGetItem":
        keys = call.params["RequestItems"][TABLE]["Keys"]
        return BATCH_GET_RESPONSES[keys[0]["sk"]["S"]]
    if operation == "DescribeTable":
        return DESCRIBE_RESPONSE
    raise AssertionError(f"no canned answer for {operation}")


def outcome(instruction: Any) -> Any:
    """What the driver hands back for one instruction: a response, a list of them, None."""
    kind = type(instruction)
    if kind is Call:
        return answer(instruction)
    if kind is Fanout:
        return [answer(call) for call in instruction.calls]
    if kind is Probe:
        return answer(instruction.call)
    if kind is Sleep:
        return None  # nothing is ever unprocessed here, so the core never asks to sleep
    raise AssertionError(f"unknown instruction {instruction!r}")


def drive(steps: Generator[Any, Any, T]) -> T:
    """Run one core operation to its result, answering each instruction at once."""
    try:
        instruction = next(steps)
        while True:
            instruction = steps.send(outcome(instruction))
    except StopIteration as done:
        result: T = done.value
        return result


def per_call_us(action: Callable[[], object], number: int) -> float:
    """Best-of-5 CPU microseconds (``time.process_time``) per call of ``action``."""
    runs = timeit.repeat(action, number=number, repeat=5, timer=time.process_time)
    return min(runs) / number * 1e6


def make_core() -> Core:
    """The core as a service makes it, logging at WARNING (no INFO record per call)."""
    logger = logging.getLogger("bench.overhead")
    logger.setLevel(logging.WARNING)
    config = DynamoDBConfig(
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    return Core(logger, config)


def check(core: Core) -> None:
    """Every timed operation returns what the canned answers say (untimed)."""
    results = {
        "get_item": drive(core.get_item({"pk": "p", "sk": "s1"}, TABLE)) == ITEM,
        "put_item": drive(core.put_item(ITEM, TABLE)) is None,
        "query": len(drive(core.query("pk = :p", {":p": "p"}, TABLE))) == PAGE_ITEMS,
        "batch_write_items": drive(core.batch_write_items(list[ItemIn](BATCH), TABLE)) is None,
        "batch_get_items": drive(core.batch_get_items(list[ItemIn](BATCH_KEYS), TABLE)) == BATCH,
    }
    wrong = [name for name, right in results.items() if not right]
    if wrong:
        raise RuntimeError(f"the core returned something unexpected from {', '.join(wrong)}")


def rows(core: Core) -> list[tuple[str, float]]:
    """Each figure the table shows: what was timed, and its CPU microseconds per call."""
    serializer, deserializer = TypeSerializer(), TypeDeserializer()
    decimal_item = {**ITEM, "f": Decimal("1.5")}
    decode = item_decoder("native")
    key = {"pk": "p", "sk": "s1"}
    batch: list[ItemIn] = list(BATCH)
    batch_keys: list[ItemIn] = list(BATCH_KEYS)
    return [
        (
            "get_item, whole service layer",
            per_call_us(lambda: drive(core.get_item(key, TABLE)), 20_000),
        ),
        (
            "put_item, whole service layer",
            per_call_us(lambda: drive(core.put_item(ITEM, TABLE)), 20_000),
        ),
        (
            f"query, per item (one page of {PAGE_ITEMS:,})",
            per_call_us(lambda: drive(core.query("pk = :p", {":p": "p"}, TABLE)), 200) / PAGE_ITEMS,
        ),
        (
            f"batch_write_items, per item ({BATCH_ITEMS:,} items)",
            per_call_us(lambda: drive(core.batch_write_items(batch, TABLE)), 50) / BATCH_ITEMS,
        ),
        (
            f"batch_get_items, per item ({BATCH_ITEMS:,} keys)",
            per_call_us(lambda: drive(core.batch_get_items(batch_keys, TABLE)), 50) / BATCH_ITEMS,
        ),
        ("encode 1 KB item: service", per_call_us(lambda: to_wire_item(ITEM), 50_000)),
        (
            "encode 1 KB item: TypeSerializer",
            per_call_us(
                lambda: {k: serializer.serialize(v) for k, v in decimal_item.items()}, 50_000
            ),
        ),
        ("decode 1 KB item: service", per_call_us(lambda: decode(WIRE), 50_000)),
        (
            "decode 1 KB item: TypeDeserializer",
            per_call_us(lambda: {k: deserializer.deserialize(v) for k, v in WIRE.items()}, 50_000),
        ),
    ]


def main() -> None:
    core = make_core()
    check(core)
    print("| what | CPU us per call |")
    print("| --- | ---: |")
    for what, micros in rows(core):
        print(f"| {what} | {micros:.1f} |")


if __name__ == "__main__":
    main()
