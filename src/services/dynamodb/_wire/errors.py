"""Responses and failures as botocore shows them: the parsed dict, and the exception.

``parse_error`` builds the dict botocore's JSON parser makes of a non-2xx response
(``Error``, ``ResponseMetadata`` and the fields the service model gives the error, such
as ``CancellationReasons`` or a failed condition's ``Item``, binary values as ``bytes``);
``client_error`` turns it into the very class botocore raises. ``network_error`` maps a
socket failure to botocore's ``EndpointConnectionError``, ``ConnectTimeoutError``,
``ReadTimeoutError``, ``ConnectionClosedError`` or ``SSLError``.
"""

from __future__ import annotations

import http.client
import json
import ssl
from base64 import b64decode
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
    SSLError,
)

_TEXT = "text"
_ITEM = "item"
_REASONS = "reasons"
_THROTTLING = "throttling"
_MESSAGE = {"message": _TEXT}
_WITH_THROTTLING = {"message": _TEXT, "ThrottlingReasons": _THROTTLING}
MODELED: dict[str, dict[str, str]] = {
    "ConditionalCheckFailedException": {"message": _TEXT, "Item": _ITEM},
    "ProvisionedThroughputExceededException": _WITH_THROTTLING,
    "RequestLimitExceeded": _WITH_THROTTLING,
    "ThrottlingException": {"message": _TEXT, "throttlingReasons": _THROTTLING},
    "TransactionCanceledException": {"Message": _TEXT, "CancellationReasons": _REASONS},
    "IdempotentParameterMismatchException": {"Message": _TEXT},
    "TransactionInProgressException": {"Message": _TEXT},
    **{
        code: _MESSAGE
        for code in (
            "BackupInUseException BackupNotFoundException ContinuousBackupsUnavailableException "
            "DuplicateItemException ExportConflictException ExportNotFoundException "
            "GlobalTableAlreadyExistsException GlobalTableNotFoundException "
            "ImportConflictException ImportNotFoundException IndexNotFoundException "
            "InternalServerError InvalidExportTimeException InvalidRestoreTimeException "
            "ItemCollectionSizeLimitExceededException LimitExceededException "
            "PointInTimeRecoveryUnavailableException PolicyNotFoundException "
            "ReplicaAlreadyExistsException ReplicaNotFoundException "
            "ReplicatedWriteConflictException ResourceInUseException "
            "ResourceNotFoundException TableAlreadyExistsException TableInUseException "
            "TableNotFoundException TransactionConflictException"
        ).split()
    },
}
"""The service model's error shapes: per error code, its members and their kinds."""
_STRUCTURES = {
    _REASONS: {"Item": _ITEM, "Code": _TEXT, "Message": _TEXT},
    _THROTTLING: {"reason": _TEXT, "resource": _TEXT},
}


def attribute_value(value: Mapping[str, Any]) -> dict[str, Any]:
    """One DynamoDB JSON attribute value in botocore's form: binary as ``bytes``."""
    converted: dict[str, Any] = {}
    for tag, raw in value.items():
        if raw is None:
            continue
        if tag == "B":
            converted[tag] = b64decode(raw)
        elif tag == "BS":
            converted[tag] = [b64decode(each) for each in raw]
        elif tag == "M":
            converted[tag] = attribute_map(raw)
        elif tag == "L":
            converted[tag] = [attribute_value(each) for each in raw]
        else:
            converted[tag] = raw
    return converted


def attribute_map(item: Mapping[str, Any]) -> dict[str, Any]:
    """An item or key in botocore's form (``AttributeMap``)."""
    return {name: attribute_value(value) for name, value in item.items()}


def _member(kind: str, raw: Any) -> Any:
    if kind == _ITEM:
        return attribute_map(raw)
    if kind == _TEXT:
        return raw
    members = _STRUCTURES[kind]
    return [_structure(members, entry) for entry in raw]


def _structure(members: Mapping[str, str], raw: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: _member(kind, raw[name])
        for name, kind in members.items()
        if raw.get(name) is not None
    }


def _body(content: bytes) -> dict[str, Any]:
    if not content:
        return {}
    text = content.decode("utf-8")
    try:
        parsed = json.loads(text)
    except ValueError:
        return {"message": text}
    return parsed if isinstance(parsed, dict) else {"message": text}


def _code(body: Mapping[str, Any], status: int) -> str | None:
    code = body.get("__type", str(status))
    if not isinstance(code, str):
        return None
    code = code.split(":", 1)[0]
    return code.rsplit("#", 1)[-1]


def _is_generic(status: int, content: bytes) -> bool:
    stripped = content.strip()
    return status >= 500 and (not stripped or stripped.startswith(b"<html>"))


def parse_error(status: int, headers: Mapping[str, str], content: bytes) -> dict[str, Any]:
    """Return the dict botocore parses from a non-2xx DynamoDB response."""
    if _is_generic(status, content):
        parsed: dict[str, Any] = {
            "Error": {"Code": str(status), "Message": http.client.responses.get(status, "")},
            "ResponseMetadata": {},
        }
    else:
        parsed = _error_fields(status, headers, _body(content))
    parsed["ResponseMetadata"].update(HTTPStatusCode=status, HTTPHeaders=dict(headers))
    members = MODELED.get(parsed["Error"]["Code"])
    if members is not None:
        parsed.update(_structure(members, _body(content)))
    return parsed


def _error_fields(status: int, headers: Mapping[str, str], body: dict[str, Any]) -> dict[str, Any]:
    error = {"Message": body.get("message", body.get("Message", "")), "Code": ""}
    code = _code(body, status)
    if code is not None:
        error["Code"] = _query_compatible(code, headers, error)
    metadata = {}
    if "x-amzn-requestid" in headers:
        metadata["RequestId"] = headers["x-amzn-requestid"]
    return {"Error": error, "ResponseMetadata": metadata}


def _query_compatible(code: str, headers: Mapping[str, str], error: dict[str, Any]) -> str:
    query_error = headers.get("x-amzn-query-error")
    if query_error is None:
        return code
    parts = query_error.split(";")
    if len(parts) == 2 and parts[0]:
        error.update(QueryErrorCode=code, Type=parts[1])
        return parts[0]
    return code


def client_error(exceptions: Any, operation: str, parsed: dict[str, Any]) -> ClientError:
    """The exception botocore raises for ``parsed``: a modelled class, else ``ClientError``."""
    error_class: type[ClientError] = exceptions.from_code(parsed["Error"]["Code"])
    return error_class(parsed, operation)  # type: ignore[arg-type]


def network_error(error: BaseException, url: str, *, connecting: bool) -> BotoCoreError:
    """Return botocore's exception for a socket-level ``error`` raised while reaching ``url``.

    Args:
        error: what the socket (or the response reader) raised.
        url: the endpoint URL, as botocore names it in the message.
        connecting: whether the connection was being made (else: in use).
    """
    if isinstance(error, ssl.SSLError):
        return SSLError(endpoint_url=url, error=error)
    if isinstance(error, TimeoutError):
        if connecting:
            return ConnectTimeoutError(endpoint_url=url, error=error)
        return ReadTimeoutError(endpoint_url=url, error=error)
    if connecting:
        return EndpointConnectionError(endpoint_url=url, error=error)
    return ConnectionClosedError(endpoint_url=url, error=error, request=None)
