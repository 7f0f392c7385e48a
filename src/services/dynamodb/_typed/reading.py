"""Decoded items to models: a reader built once per model class, a page in one call."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from .._values import item_decoder
from ..dynamodb_models import Item, Numbers
from .errors import ItemValidationError, error_for, field_error

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True, eq=False)
class ModelReader(Generic[M]):
    """What reading items into one model class takes, built once per class by ``reader``.

    Attributes:
        model: The model class.
        page: Validates a list of decoded items into a list of models, in one call.
        decimal: Whether a field is typed ``Decimal``, so items must be decoded with
            ``numbers="decimal"`` to give it the exact stored number.
    """

    model: type[M]
    page: TypeAdapter[list[M]]
    decimal: bool


def reader(model: type[M]) -> ModelReader[M]:
    """Return the cached ``ModelReader`` of ``model``, building it on first use."""
    built: ModelReader[M] = _reader(model)
    return built


@lru_cache(maxsize=1024)
def _reader(model: type[BaseModel]) -> ModelReader[Any]:
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise TypeError(f"model must be a pydantic BaseModel subclass, not {model!r}")
    page = TypeAdapter(list[model])  # type: ignore[valid-type]
    return ModelReader(model, page, _has_decimal(page.core_schema))


def _has_decimal(schema: object) -> bool:
    """Whether a core schema holds a ``decimal`` schema anywhere (nested models too)."""
    pending, seen = [schema], set()
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            if node.get("type") == "decimal":
                return True
            pending.extend(node.values())
        elif isinstance(node, list | tuple):
            pending.extend(node)
    return False


def needs_decimal(model: type[BaseModel]) -> bool:
    """Whether ``model`` has a ``Decimal`` field, anywhere: decode its items as decimals."""
    return reader(model).decimal


def decoder_for(model: type[BaseModel], numbers: Numbers) -> Callable[[Mapping[str, Any]], Item]:
    """Return the wire-item decoder for reading ``model``: ``numbers``, or exact decimals.

    A model with a ``Decimal`` field gets every number as a ``Decimal`` (its ``int`` and
    ``float`` fields still validate from them), so that field holds the stored number.
    """
    return item_decoder("decimal" if reader(model).decimal else numbers)


def validate_page(
    model: type[M], items: Sequence[Mapping[str, Any]], *, table: str, key_names: Sequence[str]
) -> tuple[list[M], ItemValidationError | None]:
    """Validate decoded items into models, stopping at the first that does not fit.

    Args:
        model: The model class.
        items: Items as the decoder gives them, in order.
        table: The table they were read from, to name in an error.
        key_names: The table's key attribute names, to name the bad item by its key.

    Returns:
        The models of the items before the first bad one (all of them when none is bad),
        and the error for the bad one, or ``None``.
    """
    page = reader(model).page
    try:
        return page.validate_python(items, strict=False), None
    except ValidationError as error:
        errors = error.errors(include_url=False, include_context=False, include_input=False)
    bad = min(int(found["loc"][0]) for found in errors)
    spots = [field_error(found, skip=1) for found in errors if found["loc"][0] == bad]
    good = page.validate_python(items[:bad], strict=False) if bad else []
    return good, error_for(model, items[bad], table, key_names, spots)


def models_of(
    model: type[M], items: Sequence[Mapping[str, Any]], *, table: str, key_names: Sequence[str]
) -> list[M]:
    """Return decoded items as models, in one call into pydantic-core.

    Raises:
        ItemValidationError: An item does not fit the model (the first one that does not).
    """
    models, error = validate_page(model, items, table=table, key_names=key_names)
    if error is not None:
        raise error
    return models


def validate_one(
    model: type[M], item: Mapping[str, Any], *, table: str, key_names: Sequence[str]
) -> M:
    """Return one decoded item as a model, as ``get_item`` hands it out.

    Raises:
        ItemValidationError: The item does not fit the model.
    """
    try:
        return model.model_validate(item, strict=False)
    except ValidationError as error:
        errors = error.errors(include_url=False, include_context=False, include_input=False)
    raise error_for(model, item, table, key_names, [field_error(found) for found in errors])
