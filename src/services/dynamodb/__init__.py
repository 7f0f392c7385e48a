"""A typed DynamoDB service layer on botocore: ``DynamoDBService`` and its async twin.

``AsyncDynamoDBService`` is exported lazily: importing this package (or the blocking
service) never imports aiobotocore or aiohttp.
"""

from typing import TYPE_CHECKING, Any

from ._typed import ItemValidationError
from ._values import decode_item, encode_item
from .dynamodb_models import (
    ConditionCheck,
    Delete,
    DynamoDBConfig,
    Get,
    Item,
    ItemIn,
    ItemOrModel,
    Key,
    KeySchemaError,
    Page,
    Put,
    UnprocessedError,
    UnprocessedItemsError,
    UnprocessedKeysError,
    Update,
    WriteAction,
)
from .dynamodb_service import DynamoDBService

if TYPE_CHECKING:
    from .async_dynamodb_service import AsyncDynamoDBService

__all__ = [
    "AsyncDynamoDBService",
    "ConditionCheck",
    "Delete",
    "DynamoDBConfig",
    "DynamoDBService",
    "Get",
    "Item",
    "ItemIn",
    "ItemOrModel",
    "ItemValidationError",
    "Key",
    "KeySchemaError",
    "Page",
    "Put",
    "UnprocessedError",
    "UnprocessedItemsError",
    "UnprocessedKeysError",
    "Update",
    "WriteAction",
    "decode_item",
    "encode_item",
]


def __getattr__(name: str) -> Any:
    """Import ``AsyncDynamoDBService`` (and so aiobotocore) only when it is asked for."""
    if name == "AsyncDynamoDBService":
        from .async_dynamodb_service import AsyncDynamoDBService

        return AsyncDynamoDBService
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
