"""The error of a stored item that does not fit its model: locations and types, no values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from pydantic import BaseModel

from ..dynamodb_models import Key

_SHOWN_ERRORS = 10
_KEY_MARK = "[key]"
_HIDDEN = "*"


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


def field_error(found: Mapping[str, Any], names: frozenset[str], skip: int = 0) -> FieldError:
    """Pydantic's error as a ``FieldError``, with no part of a value in its location.

    A location holds field names, list indexes and, inside a map, the map's keys, which
    are part of the stored value: every part that is not one of the model's field names
    or aliases (``names``) is shown as ``*``. A refused map key is located by the key
    itself (``("ids", "x7", "[key]")``); only the ``[key]`` marker is kept. An attribute
    the model forbids (``extra_forbidden``) is named: it is a name, not a value.
    """
    loc = tuple(found["loc"][skip:])
    kind = str(found["type"])
    kept: list[int | str] = []
    for at, part in enumerate(loc):
        if loc[at + 1 : at + 2] == (_KEY_MARK,):
            continue
        shown = isinstance(part, int) or part in names or part == _KEY_MARK
        last_named = kind == "extra_forbidden" and at == len(loc) - 1
        kept.append(part if shown or last_named else _HIDDEN)
    return FieldError(tuple(kept), kind)


def error_for(
    model: type[BaseModel],
    item: Mapping[str, Any],
    table: str,
    key_names: Sequence[str],
    spots: Sequence[FieldError],
    key: Mapping[str, Any] | None = None,
) -> ItemValidationError:
    """The error of ``item``, named by ``key`` when given (the item may not hold its key)."""
    if key is None:
        key = {name: item[name] for name in key_names if name in item}
    return ItemValidationError(table, model.__name__, dict(key), spots)
