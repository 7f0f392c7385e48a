"""The error of a stored item that does not fit its model: locations and types, no values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from pydantic import BaseModel

from ..dynamodb_models import Key

_SHOWN_ERRORS = 10
_KEY_MARK = "[key]"


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


def field_error(found: Mapping[str, Any], skip: int = 0) -> FieldError:
    """Pydantic's error as a ``FieldError``, without a map key that failed validation.

    Pydantic locates a refused map key by the key itself (``("ids", "x7", "[key]")``);
    that key is the value refused, so only the ``[key]`` marker is kept.
    """
    loc = tuple(found["loc"][skip:])
    kept = [part for at, part in enumerate(loc) if loc[at + 1 : at + 2] != (_KEY_MARK,)]
    return FieldError(tuple(kept), str(found["type"]))


def error_for(
    model: type[BaseModel],
    item: Mapping[str, Any],
    table: str,
    key_names: Sequence[str],
    spots: Sequence[FieldError],
) -> ItemValidationError:
    key = {name: item[name] for name in key_names if name in item}
    return ItemValidationError(table, model.__name__, key, spots)
