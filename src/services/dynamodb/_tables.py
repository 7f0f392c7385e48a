"""Table requests and statuses: pure helpers for create, describe and wait."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .dynamodb_models import DynamoDBConfig

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import (
        AttributeDefinitionTypeDef,
        CreateTableInputTypeDef,
        GlobalSecondaryIndexTypeDef,
        KeySchemaElementTypeDef,
        ProvisionedThroughputTypeDef,
        TableDescriptionTypeDef,
    )


def _non_empty_list(value: Sequence[object], what: str) -> None:
    if not isinstance(value, list | tuple):
        raise TypeError(f"{what} must be a list, not {type(value).__name__}")
    if not value or not all(isinstance(entry, dict) for entry in value):
        raise ValueError(f"{what} must be a non-empty list of dicts")


def create_request(
    table: str,
    key_schema: Sequence[KeySchemaElementTypeDef],
    attribute_definitions: Sequence[AttributeDefinitionTypeDef],
    indexes: Sequence[GlobalSecondaryIndexTypeDef] | None,
    config: DynamoDBConfig,
) -> CreateTableInputTypeDef:
    """Build a provisioned ``CreateTable`` request; indexes get the configured capacity.

    An index that sets its own ``ProvisionedThroughput`` keeps it.
    """
    _non_empty_list(key_schema, "key_schema")
    _non_empty_list(attribute_definitions, "attribute_definitions")
    throughput: ProvisionedThroughputTypeDef = {
        "ReadCapacityUnits": config.read_capacity_units,
        "WriteCapacityUnits": config.write_capacity_units,
    }
    request: CreateTableInputTypeDef = {
        "TableName": table,
        "KeySchema": list(key_schema),
        "AttributeDefinitions": list(attribute_definitions),
        "ProvisionedThroughput": throughput,
    }
    if indexes is not None:
        _non_empty_list(indexes, "global_secondary_indexes")
        request["GlobalSecondaryIndexes"] = [
            {"ProvisionedThroughput": throughput, **index} for index in indexes
        ]
    return request


def is_active(table: TableDescriptionTypeDef | None) -> bool:
    """Return whether a described table and all its global indexes are ``ACTIVE``."""
    if table is None or table.get("TableStatus") != "ACTIVE":
        return False
    return all(
        index.get("IndexStatus") == "ACTIVE" for index in table.get("GlobalSecondaryIndexes", [])
    )
