"""A model to a plain item: one python-mode dump, then what DynamoDB cannot hold as JSON."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Collection, Iterable, Mapping
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, SecretBytes, SecretStr
from pydantic_core import to_jsonable_python

from .._values import Wire, plain_wire, to_wire_map
from ..dynamodb_models import Item, ItemIn

_SCALARS = frozenset({str, int, float, Decimal, bool, bytes, type(None)})
"""Types stored as themselves (``None`` inside a list or map is stored as NULL)."""
_STRINGS, _BINARY, _NUMBERS = {str}, {bytes}, {int, float, Decimal}
"""What a DynamoDB set can hold: only strings, only binary, or only numbers."""


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
    return _plain_map(_dump(model))


def _dump(model: BaseModel) -> dict[Any, Any]:
    """The model's python-mode dump by alias, ``None`` left out, computed fields added."""
    dumped = model.model_dump(by_alias=True, exclude_none=True, round_trip=True)
    if type(dumped) is not dict:
        raise TypeError(
            f"{type(model).__name__} dumps to a {type(dumped).__name__}, not a dict of attributes"
        )
    computed = type(model).__pydantic_computed_fields__
    if computed:
        dumped.update(model.model_dump(include=set(computed), by_alias=True, exclude_none=True))
    return dumped


_CONVERTS: dict[type[BaseModel], bool] = {}
"""Per model class, whether one of its dumps held a value to convert (a ``datetime``...)."""


def model_wire(model: BaseModel) -> Wire:
    """``model`` in attribute-value form, stored as ``to_item`` makes it.

    A dump of plain values (strings, numbers, lists...) is encoded as it is, with no
    second pass; a class whose dumps need converting goes through ``to_item`` from then on.
    """
    dumped = _dump(model)
    kind = type(model)
    if not _CONVERTS.get(kind, False):
        wire = plain_wire(dumped)
        if wire is not None:
            return wire
        _CONVERTS[kind] = True
    return to_wire_map(_plain_map(dumped))


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

    Subclasses of the containers (a ``deque``, a named tuple) are stored as them, binary
    (a ``bytearray`` in an ``Any`` field) as bytes, and the rest as Pydantic's JSON mode
    writes them.
    """
    if issubclass(kind, Mapping):
        return _plain_map
    if issubclass(kind, list | tuple | deque):
        return _plain_list
    if issubclass(kind, set | frozenset):
        return _plain_set
    if issubclass(kind, bytes | bytearray | memoryview):
        return bytes
    if issubclass(kind, SecretStr | SecretBytes):
        return _refuse_secret
    return _json


def _refuse_secret(value: object) -> Any:
    """A secret would be stored as Pydantic's JSON mode writes it, ``'**********'``: lost."""
    raise TypeError(
        f"a {type(value).__name__} field would be stored as '**********' and lost: give it a "
        "field_serializer that returns what to store, or keep the secret out of the table"
    )


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
