"""Primary keys: a table's key schema, and checks of items and keys against it. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .dynamodb_models import KeySchemaError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TableDescriptionTypeDef

__all__ = ["KeySchema", "KeySchemaError"]


@dataclass(frozen=True, slots=True)
class KeySchema:
    """A table's key attributes (hash first), their types, and each index's key attributes."""

    names: tuple[str, ...]
    types: tuple[str, ...]
    indexes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, table: TableDescriptionTypeDef) -> KeySchema:
        """Read the key schema out of a ``DescribeTable`` answer."""
        kinds = {d["AttributeName"]: d["AttributeType"] for d in table["AttributeDefinitions"]}
        names = tuple(element["AttributeName"] for element in table["KeySchema"])
        indexes = {
            index["IndexName"]: tuple(element["AttributeName"] for element in index["KeySchema"])
            for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes")
            for index in table.get(kind, [])  # type: ignore[attr-defined]
        }
        return cls(names, tuple(kinds[name] for name in names), indexes)

    def cursor_names(self, index: str | None) -> tuple[str, ...]:
        """The attributes a page cursor needs: the table's key, and the index's if one is read."""
        if index is None:
            return self.names
        if index not in self.indexes:
            raise KeySchemaError(f"the table has no index {index!r}")
        return self.names + tuple(n for n in self.indexes[index] if n not in self.names)

    def check(self, wire: Mapping[str, Any], what: str, *, key_only: bool) -> None:
        """Refuse a wire item or key whose key attributes do not fit the schema.

        With ``key_only`` (a key, not an item), attributes other than the key's are an
        error too. A key attribute of the wrong type, or an empty string or binary key, is
        refused here rather than by DynamoDB halfway through a batch.
        """
        for name in self.names:
            if name not in wire:
                missing = [name for name in self.names if name not in wire]
                raise KeySchemaError(f"{what} lacks the key attribute(s) {missing}")
        if key_only and len(wire) != len(self.names):
            extra = sorted(set(wire) - set(self.names))
            raise KeySchemaError(f"{what} has non-key attribute(s) {extra}")
        for name, kind in zip(self.names, self.types, strict=True):
            value = wire[name]
            if kind not in value:
                given = ", ".join(value)
                raise KeySchemaError(f"{what}: key attribute {name!r} must be {kind}, not {given}")
            if not value[kind]:
                raise KeySchemaError(f"{what}: key attribute {name!r} is empty")

    def key_of(self, wire: Mapping[str, Any], what: str, *, key_only: bool) -> dict[str, Any]:
        """Return the key attributes of a wire item or key, checked (``check``)."""
        self.check(wire, what, key_only=key_only)
        return {name: wire[name] for name in self.names}
