"""Python values to DynamoDB attribute values and back: pure functions, no I/O.

Faster than boto3's ``TypeSerializer``/``TypeDeserializer`` (no strict ``Decimal``
context per number) and kinder: floats are accepted and stored as the decimal they
print as, numbers come back as ``int``/``float`` unless ``Decimal`` is asked for,
and a value DynamoDB cannot hold is refused before any request, naming the attribute.
"""

from __future__ import annotations

import math
from base64 import b64decode
from collections.abc import Callable, Hashable, Mapping, Sequence
from decimal import Context, Decimal
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

import orjson
from pydantic import BaseModel

from ._native import native_decoder, native_encoder, native_vouched, native_wrapped
from ._shapes import ShapeDecoder
from .dynamodb_models import Item, ItemIn, ItemOrModel, Numbers

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

Wire: TypeAlias = "dict[str, AttributeValueTypeDef]"
"""An item or key in DynamoDB's attribute-value form: ``{"id": {"S": "u1"}}``."""

MAX_DIGITS = 38
MAX_ITEM_BYTES = 400 * 1024
_SMALLEST = 1e-130
_TOO_LARGE = 1e126
_RANGE = "DynamoDB stores numbers from 1E-130 to 9.99E+125 in magnitude (and 0)"
_EXACT = Context(prec=2 * MAX_DIGITS)


class _Refused(Exception):
    """A value DynamoDB cannot hold, found inside an item; its path is added on the way out.

    The encoder formats no path while it works (most items have no error); each level a
    refusal passes through adds its step, and the public entry points raise the
    ``ValueError``/``TypeError`` that names the whole path.
    """

    def __init__(self, error: type[Exception], reason: str, *, of_names: bool = False) -> None:
        super().__init__(reason)
        self.error = error
        self.reason = reason
        self.of_names = of_names
        self.steps: list[str | int] = []
        """Innermost first: an attribute name, or a list index."""

    def raised(self, path: str) -> Exception:
        """The error to raise, naming the attribute at ``path`` plus the steps taken."""
        for step in reversed(self.steps):
            if type(step) is int:
                path = f"{path}[{step}]"
            else:
                path = f"{path}.{step}" if path else str(step)
        if self.of_names:
            return self.error(f"{self.reason} in {path!r}")
        return self.error(f"attribute {path!r}: {self.reason}")


def _number(value: int | float | Decimal) -> str:
    if isinstance(value, int):
        text = str(int(value))
        if len(text) > MAX_DIGITS:
            _check_decimal(Decimal(text))
        return text
    if isinstance(value, float) and math.isfinite(value):
        if value and not _SMALLEST <= abs(value) < _TOO_LARGE:
            raise _Refused(ValueError, _RANGE)
        return repr(float(value))
    if isinstance(value, Decimal) and value.is_finite():
        _check_decimal(value)
        return str(value)
    raise _Refused(ValueError, "NaN and infinity cannot be stored")


def _check_decimal(value: Decimal) -> None:
    significant = "".join(map(str, value.as_tuple().digits)).strip("0")
    if len(significant) > MAX_DIGITS:
        raise _Refused(ValueError, f"more than {MAX_DIGITS} significant digits")
    if significant and not -130 <= value.adjusted() <= 125:
        raise _Refused(ValueError, _RANGE)


def _set(values: set[Any] | frozenset[Any]) -> AttributeValueTypeDef:
    if not values:
        raise _Refused(ValueError, "DynamoDB cannot store an empty set")
    if all(isinstance(v, str) for v in values):
        return {"SS": [str.__str__(v) for v in values]}
    if all(isinstance(v, bytes | bytearray) for v in values):
        return {"BS": [bytes(v) for v in values]}
    if all(isinstance(v, int | float | Decimal) and not isinstance(v, bool) for v in values):
        return {"NS": [_number(v) for v in values]}
    kinds = sorted({type(v).__name__ for v in values})
    raise _Refused(TypeError, f"a set must hold only str, only bytes or only numbers, not {kinds}")


def _value(value: Any) -> AttributeValueTypeDef:
    kind = type(value)
    if kind is str:
        return {"S": value}
    if kind is bool:
        return {"BOOL": value}
    if kind is int or kind is float or kind is Decimal:
        return {"N": _number(value)}
    if value is None:
        return {"NULL": True}
    if kind is dict:
        return {"M": _map(value)}
    if kind is list or kind is tuple:
        return {"L": _list(value)}
    return _other(value)


def _other(value: Any) -> AttributeValueTypeDef:
    if isinstance(value, bytes | bytearray | memoryview):
        return {"B": bytes(value)}
    if isinstance(value, set | frozenset):
        return _set(value)
    if isinstance(value, str):
        return {"S": str.__str__(value)}
    if isinstance(value, int | float | Decimal):
        return {"N": _number(value)}
    if isinstance(value, Mapping):
        return {"M": _map(value)}
    raise _Refused(TypeError, f"DynamoDB cannot store a {type(value).__name__}")


def _list(values: Sequence[Any]) -> list[AttributeValueTypeDef]:
    try:
        return [{"S": v} if type(v) is str else _value(v) for v in values]
    except _Refused as refused:
        refused.steps.append(_first_refused(values))
        raise


def _first_refused(values: Sequence[Any]) -> int:
    """The index of the first element the encoder refuses (one is known to be)."""
    for index, value in enumerate(values):
        try:
            _value(value)
        except _Refused:
            return index
    raise AssertionError("no element is refused")  # pragma: no cover - called on a refusal


def _map(values: Mapping[Any, object]) -> Wire:
    wire: Wire = {}
    for name, value in values.items():
        if type(name) is not str:
            kind = type(name).__name__
            raise _Refused(TypeError, f"attribute names must be str, not {kind}", of_names=True)
        if type(value) is str:
            wire[name] = {"S": value}
            continue
        try:
            wire[name] = _value(value)
        except _Refused as refused:
            refused.steps.append(name)
            raise
    return wire


def to_wire(value: Any, path: str) -> AttributeValueTypeDef:
    """Return ``value`` as a DynamoDB attribute value; ``path`` names it in errors."""
    try:
        return _value(value)
    except _Refused as refused:
        raise refused.raised(path) from None


def to_wire_map(values: Mapping[str, object], path: str = "") -> Wire:
    """Return a mapping of Python values (an item, a key) in attribute-value form."""
    try:
        return _map(values)
    except _Refused as refused:
        raise refused.raised(path) from None


def _plain_wire(values: Mapping[str, object], /) -> Wire | None:
    """A mapping in attribute-value form, or None where a value would be refused."""
    try:
        return _map(values)
    except _Refused:
        return None


plain_wire: Callable[[Mapping[str, object]], Wire | None] = (
    native_encoder(_plain_wire) or _plain_wire
)
"""``_plain_wire``, in C where that is built: a model's dump is written as an item is."""


@cache
def _model_writer() -> Callable[[BaseModel], Wire]:
    from ._typed.writing import model_wire  # _typed reads with this module's decoders

    return model_wire


class _ItemEncoder(Protocol):
    def __call__(self, item: ItemOrModel, what: str = "item", /) -> Wire: ...


def _to_wire_item(item: ItemOrModel, what: str = "item", /) -> Wire:
    """Return an item or key in attribute-value form; ``what`` names it in errors.

    A Pydantic model is stored as ``_typed.to_item`` makes it: by alias, ``None`` left out.
    """
    if type(item) is dict or isinstance(item, Mapping):  # a dict skips the ABC check
        wire = to_wire_map(item)
    elif isinstance(item, BaseModel):
        wire = _model_writer()(item)
    else:
        raise TypeError(
            f"{what} must be a dict of attribute names to values, not {type(item).__name__}"
        )
    if not wire:
        raise ValueError(f"{what} is empty")
    return wire


to_wire_item: _ItemEncoder = native_encoder(_to_wire_item) or _to_wire_item
"""``_to_wire_item``, in C where that is built (``_native``): the same results and errors."""


def _wrapped(wires: list[Any], outer: str, inner: str, /) -> list[dict[str, dict[str, Any]]]:
    """A batch's write requests: ``{outer: {inner: wire}}`` for each wire, in order."""
    return [{outer: {inner: wire}} for wire in wires]


wrapped = native_wrapped() or _wrapped
"""``_wrapped``, in C where that is built: the same requests, left untracked by the cyclic
collector where their wire is (``_native``), so that none of a batch's costs it a pass."""


def to_wire_values(values: ItemIn | None) -> Wire | None:
    """Return ``expression_attribute_values`` in attribute-value form, checking the names."""
    if values is None:
        return None
    if not isinstance(values, Mapping):
        raise TypeError(f"expression_attribute_values must be a dict, not {type(values).__name__}")
    for name in values:
        if not isinstance(name, str) or not name.startswith(":"):
            raise ValueError(f"expression attribute value names start with ':', got {name!r}")
    return to_wire_map(values) if values else None


def _native_number(text: str) -> int | float:
    if text.isdigit() or (text[:1] == "-" and text[1:].isdigit()):
        return int(text)
    number = float(text)
    if number.is_integer():
        exact = Decimal(text)
        if exact == exact.to_integral_value():
            return int(exact)
    return number


def _same(raw: Any) -> Any:
    return raw


def _binary(raw: bytes | str) -> bytes:
    """Binary as botocore hands it (bytes), or as DynamoDB JSON carries it (base64 text)."""
    return raw if type(raw) is bytes else b64decode(raw)


class _Decoder(ShapeDecoder):
    """Attribute value to Python value, with one way of reading numbers.

    It reads botocore's form (binary already ``bytes``) and DynamoDB JSON as the wire,
    Streams records and Lambda events carry it (binary as base64 text) alike. ``item``
    (``ShapeDecoder``'s) reads items of a shape seen before through a function compiled
    for it; ``map``, one table lookup per attribute, reads any other item, and nested maps.
    """

    def __init__(self, number: Callable[[str], Any]) -> None:
        self.number = number
        """How this decoder reads a number's text."""
        self._by_tag: dict[str, Callable[[Any], Any]] = {
            "S": _same,
            "N": number,
            "B": _binary,
            "BOOL": _same,
            "NULL": lambda _: None,
            "SS": set,
            "NS": lambda values: {number(v) for v in values},
            "BS": lambda values: {_binary(v) for v in values},
            "M": self.map,
            "L": self._list,
        }
        super().__init__(self._by_tag, self.map)

    def map(self, wire: Mapping[str, Mapping[str, Any]]) -> Item:
        """Return a wire map as Python values: plain loops (on 3.11 they beat a comprehension)."""
        by_tag = self._by_tag
        item: Item = {}
        for name, value in wire.items():
            for tag, raw in value.items():
                item[name] = raw if tag == "S" else by_tag[tag](raw)
        if len(item) != len(wire):
            raise ValueError("an attribute value with no type")
        return item

    def tagged(self, tag: str, raw: Any) -> Any:
        """Return one attribute value of ``tag`` as a Python value (for the C decoder)."""
        return self._by_tag[tag](raw)

    def _list(self, values: list[Mapping[str, Any]]) -> list[Any]:
        by_tag = self._by_tag
        decoded: list[Any] = []
        append = decoded.append
        for value in values:
            for tag, raw in value.items():
                append(raw if tag == "S" else by_tag[tag](raw))
        if len(decoded) != len(values):
            raise ValueError("an attribute value with no type")
        return decoded


_DECODERS = {"native": _Decoder(_native_number), "decimal": _Decoder(Decimal)}


def _fastest(numbers: Numbers) -> Callable[[Mapping[str, Any]], Item]:
    """The C decoder for ``numbers`` mode if it is built (``_native``), else the Python one."""
    reference = _DECODERS[numbers]
    short_ints = numbers == "native"
    made = native_decoder(reference.number, reference.tagged, reference.item, short_ints=short_ints)
    return reference.item if made is None else made


_ITEM_DECODERS: dict[str, Callable[[Mapping[str, Any]], Item]] = {
    "native": _fastest("native"),
    "decimal": _fastest("decimal"),
}


def item_decoder(numbers: Numbers) -> Callable[[Mapping[str, Any]], Item]:
    """Return the function that turns a wire item into Python values for ``numbers`` mode."""
    return _ITEM_DECODERS[numbers]


def encode_item(item: ItemIn) -> Wire:
    """Return ``item`` in DynamoDB's attribute-value form, as the service writes it.

    Floats are stored as the decimal they print as; ``nan``, ``inf``, empty sets and
    types DynamoDB cannot hold are refused with the attribute named.
    """
    return to_wire_item(item)


def decode_item(wire: Mapping[str, Any], numbers: Numbers = "native") -> Item:
    """Return an item in attribute-value form as Python values, as the service reads it.

    Reads botocore's form and DynamoDB JSON as Streams records and Lambda events carry it
    (binary as base64 text). ``numbers="decimal"`` gives every number as an exact ``Decimal``.
    """
    if numbers not in _DECODERS:
        raise ValueError(f"numbers must be 'native' or 'decimal', not {numbers!r}")
    return _ITEM_DECODERS[numbers](wire)


def to_botocore_key(wire: Mapping[str, Any]) -> Wire:
    """Return a key read as DynamoDB JSON in botocore's form (binary as bytes), to send back."""
    converted: dict[str, Any] = {
        name: {tag: _binary(raw) if tag == "B" else raw for tag, raw in value.items()}
        for name, value in wire.items()
    }
    return converted


def _number_value(text: str) -> int | Decimal:
    """A number's value, hashable: a plain integer as an ``int`` (fast), else a ``Decimal``.

    An ``int`` and an equal ``Decimal`` compare and hash alike, so ``5`` and ``5.0`` match.
    """
    digits = text[1:] if text[:1] == "-" else text
    if digits.isdigit() and len(digits) < 19:
        return int(text)
    return Decimal(str(text)).normalize(_EXACT)


def key_fingerprint(wire: Mapping[str, Any], names: Sequence[str] | None = None) -> Hashable:
    """Return a hashable fingerprint of a wire key: equal numbers match (1, 1.0, 1.00).

    ``names`` (sorted) picks the key attributes out of a whole item, with no copy. A key
    of strings only (the commonest) is the tuple of its strings, in the names' order.
    """
    names = sorted(wire) if names is None else names
    strings = [wire[name].get("S") for name in names]
    if None not in strings:
        return tuple(strings)
    parts: list[tuple[str, str, Any]] = []
    for name in names:
        for tag, raw in wire[name].items():
            if tag == "N":
                raw = _number_value(raw)
            elif tag == "B":
                raw = _binary(raw)
            parts.append((name, tag, raw))
    return tuple(parts)


def _as_long(raw: bytes) -> str:
    """Binary, for a JSON length at least its size: one (escaped) character a byte."""
    return "\0" * len(raw)


def _size(value: Mapping[str, Any]) -> int:
    for tag, raw in value.items():
        if tag == "S":
            return len(raw.encode())
        if tag == "N":
            return len(raw.lstrip("-").replace(".", "").strip("0")) // 2 + 2
        if tag == "B":
            return len(raw)
        if tag in ("SS", "NS", "BS"):
            return sum(_size({tag[0]: member}) for member in raw)
        if tag == "M":
            return 3 + sum(len(name.encode()) + _size(v) + 1 for name, v in raw.items())
        if tag == "L":
            return 3 + sum(_size(v) + 1 for v in raw)
    return 1


def _vouch_for_none(wires: Sequence[Any], limit: int) -> int:
    return 0


_vouched = native_vouched() or _vouch_for_none
"""How many leading wires are surely within a size: in C where built (``_native``)."""


def check_sizes(wires: Sequence[Mapping[str, Any]]) -> None:
    """Refuse an item over DynamoDB's 400 KB, by its published sizing rules, before a batch.

    The estimate follows AWS's rules (UTF-8 names and strings, about a byte per two
    digits of a number, 3 bytes and 1 per element for maps and lists); within a few
    bytes of the limit DynamoDB itself decides. Where the C speedups are built, they
    vouch for the leading items whose size is surely under the limit, and only the
    rest are checked here.
    """
    for index in range(_vouched(wires, MAX_ITEM_BYTES), len(wires)):
        size = size_over(wires[index], MAX_ITEM_BYTES)
        if size is not None:
            raise ValueError(f"items[{index}] is about {size} bytes; DynamoDB's limit is 400 KB")


def size_over(wire: Mapping[str, Any], limit: int) -> int | None:
    """A wire item's size by DynamoDB's rules if it is over ``limit`` bytes, else None."""
    if len(orjson.dumps(wire, default=_as_long)) <= limit:
        return None  # its JSON is at least as long as its size: within the limit
    size = sum(len(name.encode()) + _size(value) for name, value in wire.items())
    return size if size > limit else None
