"""Expressions: strings or ``boto3.dynamodb.conditions`` objects, with their placeholders. Pure.

Condition objects (``Key("pk").eq("a") & Attr("status").eq("open")``) are turned into
text by boto3's own ``ConditionExpressionBuilder``; its ``#n0``/``:v0`` placeholders are
renamed where the caller already uses them, so the two never clash. boto3 is imported
only when a condition object is actually given, so string-only callers never pay for it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from boto3.dynamodb.conditions import ConditionExpressionBuilder

    from .dynamodb_models import Condition, ItemIn, Names

_NAME_PLACEHOLDER = re.compile(r"#[A-Za-z0-9_]+")
_VALUE_PLACEHOLDER = re.compile(r":[A-Za-z0-9_]+")


def expression(text: str | None, what: str) -> str | None:
    """Return an expression string when it is None or non-blank, else raise."""
    if text is None:
        return None
    if not isinstance(text, str):
        raise TypeError(f"{what} must be a str or a condition object, not {type(text).__name__}")
    if not text.strip():
        raise ValueError(f"{what} is empty")
    return text


def required(text: str | None, what: str) -> str:
    """Return a required expression string, else raise."""
    checked = expression(text, what)
    if checked is None:
        raise TypeError(f"{what} is required")
    return checked


def _check_placeholders(
    pattern: re.Pattern[str], used_in: str, given: Mapping[str, Any], what: str
) -> None:
    used = set(pattern.findall(used_in))
    declared = set(given)
    if used - declared:
        raise ValueError(f"{what} lacks {sorted(used - declared)}, used in the expressions")
    if declared - used:
        raise ValueError(f"{what} has {sorted(declared - used)}, which no expression uses")


def _fresh(placeholder: str, taken: Mapping[str, Any]) -> str:
    candidate, number = placeholder, 0
    while candidate in taken:
        number += 1
        candidate = f"{placeholder}_{number}"
    return candidate


class Expressions:
    """The expressions of one request and the placeholders they share.

    ``text()`` each expression (string or condition object), then ``placeholders()``
    checks that every placeholder used is declared and every one declared is used.
    """

    def __init__(self, names: Names | None, values: ItemIn | None) -> None:
        if names is not None and not isinstance(names, Mapping):
            raise TypeError(
                f"expression_attribute_names must be a dict, not {type(names).__name__}"
            )
        if values is not None and not isinstance(values, Mapping):
            raise TypeError(
                f"expression_attribute_values must be a dict, not {type(values).__name__}"
            )
        for placeholder, name in (names or {}).items():
            if not str(placeholder).startswith("#") or not isinstance(name, str):
                raise ValueError(
                    f"expression attribute names map '#name' to a str: {placeholder!r}"
                )
        self.names: dict[str, str] = dict(names or {})
        self.values: dict[str, object] = dict(values or {})
        self._texts: list[str] = []
        self._builder: ConditionExpressionBuilder | None = None

    def text(self, condition: Condition | None, what: str, *, key: bool = False) -> str | None:
        """Return the expression text of ``condition`` (None stays None), noting it as used."""
        text = condition if condition is None or isinstance(condition, str) else None
        if text is None and condition is not None:
            text = self._built(condition, what, key)
        checked = expression(text, what)
        if checked is not None:
            self._texts.append(checked)
        return checked

    def _built(self, condition: object, what: str, key: bool) -> str:
        from boto3.dynamodb.conditions import ConditionBase, ConditionExpressionBuilder
        from boto3.exceptions import DynamoDBNeedsKeyConditionError

        if not isinstance(condition, ConditionBase):
            raise TypeError(
                f"{what} must be a str or a condition object, not {type(condition).__name__}"
            )
        self._builder = self._builder or ConditionExpressionBuilder()
        try:
            built = self._builder.build_expression(condition, is_key_condition=key)
        except DynamoDBNeedsKeyConditionError as error:
            raise ValueError(f"{what}: {error}") from error
        text = built.condition_expression
        for placeholder, name in built.attribute_name_placeholders.items():
            fresh = _fresh(placeholder, self.names)
            text, self.names[fresh] = self._rename(text, placeholder, fresh), name
        for placeholder, value in built.attribute_value_placeholders.items():
            fresh = _fresh(placeholder, self.values)
            text, self.values[fresh] = self._rename(text, placeholder, fresh), value
        return text

    @staticmethod
    def _rename(text: str, old: str, new: str) -> str:
        if old == new:
            return text
        return re.sub(re.escape(old) + r"(?![A-Za-z0-9_])", new, text)

    def note(self, text: str | None) -> None:
        """Count ``text`` (an update or projection expression) among the expressions."""
        if text is not None:
            self._texts.append(text)

    def placeholders(self) -> tuple[dict[str, str], dict[str, object]]:
        """Check every placeholder against the expressions; return (names, values)."""
        text = " ".join(self._texts)
        _check_placeholders(_NAME_PLACEHOLDER, text, self.names, "expression_attribute_names")
        _check_placeholders(_VALUE_PLACEHOLDER, text, self.values, "expression_attribute_values")
        return self.names, self.values
