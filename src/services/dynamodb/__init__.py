"""A typed DynamoDB service layer on boto3."""

from .dynamodb_models import (
    ConditionCheck,
    Delete,
    DynamoDBConfig,
    Get,
    Item,
    Key,
    Put,
    UnprocessedError,
    UnprocessedItemsError,
    UnprocessedKeysError,
    Update,
    WriteAction,
)
from .dynamodb_service import DynamoDBService

__all__ = [
    "ConditionCheck",
    "Delete",
    "DynamoDBConfig",
    "DynamoDBService",
    "Get",
    "Item",
    "Key",
    "Put",
    "UnprocessedError",
    "UnprocessedItemsError",
    "UnprocessedKeysError",
    "Update",
    "WriteAction",
]
