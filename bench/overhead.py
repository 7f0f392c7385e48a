"""``python -m bench.overhead``: the service's own CPU per call, with botocore taken out.

The end-to-end benchmark compares whole calls, where botocore's ~1 ms per call and a
noisy machine hide a few microseconds either way. Here the service's client is replaced
by a fake that answers at once, so what is timed is only the service's layers: argument
checks, conversion, ``_operation`` logging, paging. The converters are also timed
against boto3's ``TypeSerializer``/``TypeDeserializer`` on the same 1 KB item.
No network, no DynamoDB Local; best of 5 repeats.
"""

from __future__ import annotations

import logging
import timeit
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from src.services.dynamodb import DynamoDBConfig, DynamoDBService
from src.services.dynamodb._values import item_decoder, to_wire_item

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
PAGE = [WIRE] * 1000


class FakeClient:
    """Answers like DynamoDB, instantly: the service's layers are all that is left."""

    def __init__(self, exceptions: Any) -> None:
        self.exceptions = exceptions

    def get_item(self, **_: Any) -> dict[str, Any]:
        return {"Item": WIRE}

    def put_item(self, **_: Any) -> dict[str, Any]:
        return {}

    def query(self, **_: Any) -> dict[str, Any]:
        return {"Items": PAGE}

    def close(self) -> None:
        """Nothing to close."""


def per_call_us(action: Callable[[], object], number: int) -> float:
    """Best-of-5 microseconds per call of ``action``."""
    return min(timeit.repeat(action, number=number, repeat=5)) / number * 1e6


def main() -> None:
    logger = logging.getLogger("bench.overhead")
    logger.setLevel(logging.WARNING)
    config = DynamoDBConfig(
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        default_table_name="bench",
    )
    service = DynamoDBService(logger=logger, config=config)
    service._client = FakeClient(service.client.exceptions)  # type: ignore[assignment]
    serializer, deserializer = TypeSerializer(), TypeDeserializer()
    decimal_item = {**ITEM, "f": Decimal("1.5")}
    decode = item_decoder("native")
    rows = [
        (
            "get_item, whole service layer",
            per_call_us(lambda: service.get_item({"pk": "p", "sk": "s1"}), 20_000),
        ),
        ("put_item, whole service layer", per_call_us(lambda: service.put_item(ITEM), 20_000)),
        (
            "query, per item (pages of 1,000)",
            per_call_us(lambda: service.query("pk = :p", {":p": "p"}, limit=1000), 200) / 1000,
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
    print("| what | CPU us per call |")
    print("| --- | ---: |")
    for what, micros in rows:
        print(f"| {what} | {micros:.1f} |")


if __name__ == "__main__":
    main()
