"""Fast reads: successful read bodies parsed by orjson, skipping botocore's response parser.

botocore's JSON parser walks the output shape for every attribute of every item; for a
query that is most of the client's CPU. This hook, registered per client on
``before-parse.dynamodb.<Operation>``, parses a 2xx body with orjson instead and hands
the result to botocore through ``customized_response_dict``, leaving it an empty body.
Items stay in DynamoDB JSON (binary as base64 text), which the service's decoder reads
directly; keys that are sent back (``LastEvaluatedKey``, ``UnprocessedKeys``) are put in
botocore's form. Errors are never touched, so modelled exceptions, ``CancellationReasons``
and retries behave as before; botocore still checks ``x-amz-crc32`` on the raw bytes of
every attempt (a damaged body is retried, and ``check_crc32`` raises on the last one).
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

import orjson

from ._gcpause import loads
from ._values import to_botocore_key

SERVICE_CALL: ContextVar[bool] = ContextVar("dynamodb_service_call", default=False)
"""Set by the drivers around their own calls: ``service.client`` used directly parses as ever."""

READ_OPERATIONS = (
    "GetItem",
    "Query",
    "Scan",
    "BatchGetItem",
    "TransactGetItems",
    "ExecuteStatement",
    "UpdateItem",
    "PutItem",
    "DeleteItem",
)


def parse_read(
    response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any
) -> None:
    """Parse a successful read's body with orjson into ``customized_response_dict``."""
    if response_dict["status_code"] >= 300 or not SERVICE_CALL.get():
        return
    try:
        parsed = loads(response_dict["body"])
    except orjson.JSONDecodeError:
        return
    if not isinstance(parsed, dict):
        return
    start = parsed.get("LastEvaluatedKey")
    if start:
        parsed["LastEvaluatedKey"] = to_botocore_key(start)
    for request in (parsed.get("UnprocessedKeys") or {}).values():
        request["Keys"] = [to_botocore_key(key) for key in request["Keys"]]
    customized_response_dict.update(parsed)
    response_dict["body"] = b""


def register(events: Any) -> None:
    """Register the fast parser on a client's event system (botocore or aiobotocore)."""
    for operation in READ_OPERATIONS:
        events.register(f"before-parse.dynamodb.{operation}", parse_read)
