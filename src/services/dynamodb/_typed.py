"""Pydantic models in and out: a model to a plain item, and decoded items back to models.

Writing, ``to_item`` dumps a model once in Pydantic's python mode (aliases, ``None`` fields
left out, the model's own serializers applied) and keeps every value DynamoDB stores as
itself: ``str``, ``int``, ``float``, ``Decimal``, ``bool``, ``bytes``, sets of strings,
numbers or bytes, lists (tuples too) and maps. Any other value (``datetime``, ``date``,
``UUID``, an ``Enum``...) becomes what Pydantic's JSON mode writes for it, mostly an ISO or
plain string. The result is what ``encode_item`` takes.

Reading, ``models_of`` validates a page of decoded items in one call into pydantic-core,
with a ``TypeAdapter(list[M])`` built once per model class. Items are validated as Pydantic
validates a model's plain form (lax, even for a strict model: the store holds the model's
own serialised form, an ISO string for a ``datetime``). A stored item that does not fit is
an ``ItemValidationError`` that names the table, the item's key, and where and why it does
not fit, with no other attribute value in it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, Generic, NamedTuple, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import to_jsonable_python

from ._values import item_decoder
from .dynamodb_models import Item, ItemIn, Key, Numbers

M = TypeVar("M", bound=BaseModel)

_SCALARS = frozenset({str, int, float, Decimal, bool, bytes, type(None)})
"""Types stored as themselves (``None`` inside a list or map is stored as NULL)."""
_STRINGS, _BINARY, _NUMBERS = {str}, {bytes}, {int, float, Decimal}
"""What a DynamoDB set can hold: only strings, only binary, or only numbers."""
_SHOWN_ERRORS = 10
_KEY_MARK = "[key]"


# Writing ------------------------------------------------------------------------------


def to_item(model: BaseModel) -> Item:
    """Return ``model`` as a plain item that ``encode_item`` stores.

    Fields are named by their aliases and ``None`` fields are left out; the model's
    computed fields are stored too (a key derived from fields, for an index), and a
    ``Json`` field as its JSON text, so that it reads back. Numbers, booleans,
    bytes, strings, lists and maps are kept; tuples become lists; a set of strings,
    numbers or bytes stays a set, and an empty set becomes an empty list (DynamoDB holds
    no empty set). Any other value is converted as Pydantic's JSON mode converts it.

    Args:
        model: The model instance to store.

    Returns:
        The item as Python values, keyed by attribute name.

    Raises:
        TypeError: The model's serializer does not give a mapping of names to values.
    """
    dumped = model.model_dump(by_alias=True, exclude_none=True, round_trip=True)
    if type(dumped) is not dict:
        raise TypeError(
            f"{type(model).__name__} dumps to a {type(dumped).__name__}, not a dict of attributes"
        )
    computed = type(model).__pydantic_computed_fields__
    if computed:
        dumped.update(model.model_dump(include=set(computed), by_alias=True, exclude_none=True))
    return _plain_map(dumped)


def as_item(value: ItemIn | BaseModel) -> ItemIn:
    """Return ``value`` as an item: a model through ``to_item``, a mapping as it is."""
    return to_item(value) if isinstance(value, BaseModel) else value


def _plain(value: Any) -> Any:
    kind = type(value)
    convert = _CONVERTERS.get(kind)
    if convert is None:
        convert = _CONVERTERS[kind] = _converter(kind)
    return convert(value)


def _converter(kind: type) -> Callable[[Any], Any]:
    """How to store a type that is not one of the exact built-ins, looked up once per type.

    Subclasses of the containers (a ``deque``, a named tuple) are stored as them, and the
    rest as Pydantic's JSON mode writes them.
    """
    if issubclass(kind, Mapping):
        return _plain_map
    if issubclass(kind, list | tuple | deque):
        return _plain_list
    if issubclass(kind, set | frozenset):
        return _plain_set
    return _json


def _json(value: object) -> Any:
    return to_jsonable_python(value, round_trip=True)


def _plain_list(values: Iterable[Any]) -> list[Any]:
    return [v if type(v) in _SCALARS else _plain(v) for v in values]


def _plain_map(values: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        name if type(name) is str else _plain_name(name): (
            value if type(value) in _SCALARS else _plain(value)
        )
        for name, value in values.items()
    }


def _plain_name(name: object) -> str:
    """A map key that is not a ``str`` (an ``int``, a ``UUID``), as JSON mode names it."""
    named: dict[str, None] = to_jsonable_python({name: None})
    return next(iter(named))


def _plain_set(values: set[Any] | frozenset[Any]) -> set[Any] | frozenset[Any] | list[Any]:
    if _is_stored_set(values):
        return values
    members = [_plain(v) for v in values]
    return set(members) if _is_stored_set(members) else members


def _is_stored_set(members: Collection[Any]) -> bool:
    """Whether ``members`` can be a DynamoDB set: not empty, all strings, bytes or numbers."""
    kinds = set(map(type, members))
    return bool(kinds) and (kinds == _STRINGS or kinds == _BINARY or kinds <= _NUMBERS)


_CONVERTERS: dict[type, Callable[[Any], Any]] = {
    **dict.fromkeys(_SCALARS, lambda value: value),
    dict: _plain_map,
    list: _plain_list,
    tuple: _plain_list,
    set: _plain_set,
    frozenset: _plain_set,
}
"""Per type, how a dumped value is stored; ``_converter`` adds the types met later."""


# Reading ------------------------------------------------------------------------------


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
    spots = [_spot(found, skip=1) for found in errors if found["loc"][0] == bad]
    good = page.validate_python(items[:bad], strict=False) if bad else []
    return good, _error(model, items[bad], table, key_names, spots)


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
    raise _error(model, item, table, key_names, [_spot(found) for found in errors])


# Errors -------------------------------------------------------------------------------


class FieldError(NamedTuple):
    """Where an item does not fit its model, and Pydantic's error type for it."""

    loc: tuple[int | str, ...]
    type: str

    @property
    def path(self) -> str:
        """The location as an attribute path: ``address.lines[0]``."""
        text = ""
        for part in self.loc:
            if isinstance(part, int):
                part = f"[{part}]"
            elif text and part != _KEY_MARK:
                part = f".{part}"
            text += part
        return text or "(item)"


class ItemValidationError(ValueError):
    """A stored item does not fit the model it is read into.

    Its message names the table, the item's key (with its values), and the locations and
    Pydantic error types of what does not fit; no other attribute value appears in it, and
    Pydantic's own error (which quotes inputs) is neither chained nor kept.

    Attributes:
        table: The table the item was read from.
        model: The model class's name.
        key: The item's key attributes, as read.
        errors: Where the item does not fit, with Pydantic's error types.
    """

    def __init__(self, table: str, model: str, key: Key, errors: Sequence[FieldError]) -> None:
        self.table = table
        self.model = model
        self.key = dict(key)
        self.errors = tuple(errors)
        super().__init__(self._describe(repr(self.key)))

    @property
    def log_summary(self) -> str:
        """The message with the key's attribute names only, no values: fit for a log record."""
        names = ", ".join(self.key)
        return self._describe(f"(key attributes {names})" if names else "(key not read)")

    def _describe(self, key: str) -> str:
        shown = ", ".join(f"{e.path} ({e.type})" for e in self.errors[:_SHOWN_ERRORS])
        hidden = len(self.errors) - _SHOWN_ERRORS
        more = f" and {hidden} more" if hidden > 0 else ""
        return f"item {key} of table {self.table!r} does not fit {self.model}: {shown}{more}"

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self.table, self.model, self.key, self.errors)


def _spot(found: Mapping[str, Any], skip: int = 0) -> FieldError:
    """Pydantic's error as a ``FieldError``, without a map key that failed validation.

    Pydantic locates a refused map key by the key itself (``("ids", "x7", "[key]")``);
    that key is the value refused, so only the ``[key]`` marker is kept.
    """
    loc = tuple(found["loc"][skip:])
    kept = [part for at, part in enumerate(loc) if loc[at + 1 : at + 2] != (_KEY_MARK,)]
    return FieldError(tuple(kept), str(found["type"]))


def _error(
    model: type[BaseModel],
    item: Mapping[str, Any],
    table: str,
    key_names: Sequence[str],
    spots: Sequence[FieldError],
) -> ItemValidationError:
    key = {name: item[name] for name in key_names if name in item}
    return ItemValidationError(table, model.__name__, key, spots)
