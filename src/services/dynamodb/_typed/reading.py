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
_FIELDS = frozenset({"model-fields", "typed-dict", "dataclass-args"})


@dataclass(frozen=True, slots=True, eq=False)
class ModelReader(Generic[M]):
    """What reading items into one model class takes, built once per class by ``reader``.

    Attributes:
        model: The model class.
        page: Validates a list of decoded items into a list of models, in one call.
        decimal: Whether a field is typed ``Decimal``, so items must be decoded with
            ``numbers="decimal"`` to give it the exact stored number.
        names: Every field name and alias in the model, nested models included: the
            parts of an error's location that may be shown (a map's keys are values).
    """

    model: type[M]
    page: TypeAdapter[list[M]]
    decimal: bool
    names: frozenset[str]


def reader(model: type[M]) -> ModelReader[M]:
    """Return the cached ``ModelReader`` of ``model``, building it on first use."""
    built: ModelReader[M] = _reader(model)
    return built


@lru_cache(maxsize=1024)
def _reader(model: type[BaseModel]) -> ModelReader[Any]:
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise TypeError(f"model must be a pydantic BaseModel subclass, not {model!r}")
    page = TypeAdapter(list[model])  # type: ignore[valid-type]
    decimal, names = _scan(page.core_schema)
    return ModelReader(model, page, decimal, names)


def _scan(schema: object) -> tuple[bool, frozenset[str]]:
    """Whether a core schema holds a ``decimal`` anywhere; every field name and alias in it."""
    pending, seen, decimal, names = [schema], set(), False, set()
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            decimal = decimal or node.get("type") == "decimal"
            names |= _field_names(node)
            pending.extend(node.values())
        elif isinstance(node, list | tuple):
            pending.extend(node)
    return decimal, frozenset(names)


def _field_names(node: dict[str, Any]) -> set[str]:
    """The names and aliases of a fields schema (a model's, a TypedDict's, a dataclass's)."""
    fields = node.get("fields") if node.get("type") in _FIELDS else None
    if not fields:
        return set()
    named = fields.items() if isinstance(fields, dict) else ((f["name"], f) for f in fields)
    found = set()
    for name, field in named:
        aliases = field.get("validation_alias") if isinstance(field, dict) else None
        found |= {name, *([aliases] if isinstance(aliases, str) else ())}
    return found


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
    model: type[M],
    items: Sequence[Mapping[str, Any]],
    *,
    table: str,
    key_names: Sequence[str],
    keys: Sequence[Mapping[str, Any]] | None = None,
) -> tuple[list[M], ItemValidationError | None]:
    """Validate decoded items into models, stopping at the first that does not fit.

    Args:
        model: The model class.
        items: Items as the decoder gives them, in order.
        table: The table they were read from, to name in an error.
        key_names: The table's key attribute names, to name the bad item by its key.
        keys: Each item's key, when the items may not hold theirs (a projection).

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
    names = reader(model).names
    spots = [field_error(found, names, skip=1) for found in errors if found["loc"][0] == bad]
    good = page.validate_python(items[:bad], strict=False) if bad else []
    key = None if keys is None else keys[bad]
    return good, error_for(model, items[bad], table, key_names, spots, key)


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
    model: type[M],
    item: Mapping[str, Any],
    *,
    table: str,
    key_names: Sequence[str],
    key: Mapping[str, Any] | None = None,
) -> M:
    """Return one decoded item as a model, as ``get_item`` hands it out.

    Raises:
        ItemValidationError: The item does not fit the model.
    """
    try:
        return model.model_validate(item, strict=False)
    except ValidationError as error:
        errors = error.errors(include_url=False, include_context=False, include_input=False)
    names = reader(model).names
    spots = [field_error(found, names) for found in errors]
    raise error_for(model, item, table, key_names, spots, key)
