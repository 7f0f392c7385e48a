"""Pydantic models in and out: a model to a plain item, and decoded items back to models.

Writing, ``to_item`` dumps a model in Pydantic's python mode (aliases, ``None`` fields
left out, the model's own serializers applied, computed fields included) and keeps every
value DynamoDB stores as itself: ``str``, ``int``, ``float``, ``Decimal``, ``bool``,
``bytes``, sets of strings, numbers or bytes, lists (tuples too) and maps. Any other value
(``datetime``, ``date``, ``UUID``, an ``Enum``...) becomes what Pydantic's JSON mode writes
for it, mostly an ISO or plain string; an empty set, which DynamoDB cannot hold, becomes
an empty list. The result is what ``encode_item`` takes.

Reading, ``models_of`` validates a page of decoded items in one call into pydantic-core,
with a ``TypeAdapter(list[M])`` built once per model class. Items are validated as Pydantic
validates a model's plain form (lax, even for a strict model: the store holds the model's
own serialised form, an ISO string for a ``datetime``). A model with a ``Decimal`` field
is read from items decoded with exact decimals (``decoder_for``). A stored item that does
not fit is an ``ItemValidationError`` that names the table, the item's key, and where and
why it does not fit, with no other attribute value in it.
"""

from .errors import FieldError, ItemValidationError
from .reading import (
    M,
    ModelReader,
    decoder_for,
    models_of,
    needs_decimal,
    reader,
    validate_one,
    validate_page,
)
from .writing import as_item, to_item

__all__ = [
    "FieldError",
    "ItemValidationError",
    "M",
    "ModelReader",
    "as_item",
    "decoder_for",
    "models_of",
    "needs_decimal",
    "reader",
    "to_item",
    "validate_one",
    "validate_page",
]
