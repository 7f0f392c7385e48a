"""Wire items of one shape decoded by a function compiled for that shape: pure, no I/O.

A query page, a scan or a batch get returns many items of one *shape*: the same attribute
names, in the same order, with the same type tags. For a shape seen a few times this
module compiles a function that builds the whole item in one dict display, with no loop
and no per-attribute dispatch (about 40% less CPU for a 1 KB item of six attributes).
For the tags ``S, N, L`` it is::

    def decode(w, N, L):
        k0, k1, k2 = w
        a0, a1, a2 = w.values()
        return {k0: a0["S"], k1: N(a1["N"]), k2: L(a2["L"])}

Where items of the same names differ in a tag (a ``BOOL`` here, a ``NULL`` there), that
position becomes ``ANY``: ``V(a1)`` reads a value of any one tag.

Safety: the source depends on the pattern of tags alone, each one of DynamoDB's ten (a
fixed list; an item with any other tag is never compiled), and its text is this module's
own. Attribute names appear nowhere in it, not even as bound values: the function takes
each name from the item it reads, with its value, in the item's order.

Correctness: a function reads any item of its pattern as the generic decoder does (names,
values and their order come from the item); on another item it raises (an unpack of
another length, a subscript of another tag, a value of no tag), and the item goes to the
generic decoder, which gives today's result or raises today's error. So a stale guess,
from any thread, is only a miss. One liberty: an attribute value has exactly one tag
(DynamoDB's ``AttributeValue`` is a union); for a value carrying several, which neither
DynamoDB nor botocore makes, a position of one tag reads that tag where the generic loop
lets the last one win (or, in a list, refuses). Checking every value's size would cost
about half of what compiling gains.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from functools import lru_cache
from types import CodeType, FunctionType
from typing import Any, TypeAlias

from .dynamodb_models import Item

WireItem: TypeAlias = Mapping[str, Mapping[str, Any]]
"""An item (or map) in attribute-value form, as the decoders read it."""
Decode: TypeAlias = Callable[[WireItem], Item]

COMPILE_AT = 3
"""The sighting of a list of names that compiles (or finds) a function for its item."""
MAX_COMPILED = 256
"""Functions (distinct patterns) one decoder keeps; then it learns no more shapes."""
MAX_SHAPES = 1024
"""Lists of names (kept by hash) one decoder has functions for; then it learns no more."""
MAX_COUNTED = 1024
"""Lists of names counted (by hash) while not yet known; past this the count starts over."""
MAX_ATTRIBUTES = 64
"""An item with more attributes than this is never compiled."""

TAGS = frozenset({"S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "M", "L"})
"""The tags DynamoDB defines: an item with any other is never compiled."""
ANY = "*"
"""In a pattern, a position whose items differ in tags: read by ``any_value``'s reader."""

_VALUES: dict[str, str] = {
    "S": 'a{i}["S"]',
    "BOOL": 'a{i}["BOOL"]',
    "NULL": "None",
    "N": 'N(a{i}["N"])',
    "B": 'B(a{i}["B"])',
    "SS": 'SS(a{i}["SS"])',
    "NS": 'NS(a{i}["NS"])',
    "BS": 'BS(a{i}["BS"])',
    "M": 'M(a{i}["M"])',
    "L": 'L(a{i}["L"])',
    ANY: "V(a{i})",
}
"""The expression for each entry of a pattern, of the value ``a{i}``."""
_HELPERS: dict[str, str] = {
    "N": "N",
    "B": "B",
    "SS": "SS",
    "NS": "NS",
    "BS": "BS",
    "M": "M",
    "L": "L",
    ANY: "V",
}
"""Entries whose value goes through one of the decoder's helpers: the parameter it is."""


def tags_of(wire: WireItem) -> tuple[str, ...] | None:
    """Return the tags of an item that decoded, in order; None if it is not to be compiled.

    Each value must carry exactly one tag, a ``str`` among ``TAGS``; an empty item or one
    of more than ``MAX_ATTRIBUTES`` attributes is not compiled either.
    """
    if not 0 < len(wire) <= MAX_ATTRIBUTES:
        return None
    tags: list[str] = []
    for value in wire.values():
        if len(value) != 1:
            return None
        (tag,) = value
        if type(tag) is not str or tag not in TAGS:
            return None
        tags.append(tag)
    return tuple(tags)


def merged(pattern: tuple[str, ...], tags: tuple[str, ...]) -> tuple[str, ...]:
    """Return the pattern that reads items of ``pattern`` and of ``tags``: ``ANY`` if unequal."""
    return tuple(known if known == tag else ANY for known, tag in zip(pattern, tags, strict=False))


def shape_source(pattern: tuple[str, ...]) -> str:
    """Return the source of the function for items of this pattern.

    Args:
        pattern: One tag of ``TAGS``, or ``ANY``, per attribute, in order (at least one).

    Returns:
        ``def decode(w, N, ...)``: it unpacks the item's names ``k{i}`` and values ``a{i}``
        and returns ``{k0: <value of a0>, ...}``. The source is made of ``_VALUES``'s text,
        looked up by entry, and names of its own: no tag object, no attribute name.
    """
    count = range(len(pattern))
    one = "," if len(pattern) == 1 else ""
    used = [name for entry, name in _HELPERS.items() if entry in pattern]
    lines = [
        f"def decode({', '.join(['w', *used])}):",
        f"    {', '.join(f'k{i}' for i in count)}{one} = w",
        f"    {', '.join(f'a{i}' for i in count)}{one} = w.values()",
    ]
    lines += [f'    a{i}["NULL"]' for i in count if pattern[i] == "NULL"]
    fields = ", ".join(f"k{i}: {_VALUES[pattern[i]].format(i=i)}" for i in count)
    lines.append(f"    return {{{fields}}}")
    return "\n".join(lines) + "\n"


@lru_cache(maxsize=MAX_COMPILED)
def _code(pattern: tuple[str, ...]) -> CodeType:
    """The compiled function for a pattern: compiling is the cost, paid once per pattern."""
    module = compile(shape_source(pattern), "<dynamodb item shape>", "exec")
    return next(const for const in module.co_consts if isinstance(const, CodeType))


def compile_shape(pattern: tuple[str, ...], helpers: Mapping[str, Callable[[Any], Any]]) -> Decode:
    """Return the function that decodes any item of this pattern.

    Args:
        pattern: One tag of ``TAGS``, or ``ANY``, per attribute, in order (at least one).
        helpers: The decoder's function for each entry of ``_HELPERS``; they become the
            function's default arguments.

    Returns:
        The function. It raises (``ValueError``, ``KeyError``) on an item of another
        length or tags, and reads no global and no builtin.
    """
    used = tuple(helpers[entry] for entry in _HELPERS if entry in pattern)
    decode: Decode = FunctionType(_code(pattern), {"__builtins__": {}}, "decode", used)
    return decode


def strings_or(generic: Callable[[Any], list[Any]]) -> Callable[[Any], list[Any]]:
    """Return a list decoder that reads a list of strings only in one comprehension.

    Args:
        generic: The decoder's list function, for any other list (and its errors).
    """

    def strings(values: Any) -> list[Any]:
        try:
            return [value["S"] for value in values]
        except KeyError:
            pass
        return generic(values)  # outside the handler: its errors come with no context

    return strings


def any_value(by_tag: Mapping[str, Callable[[Any], Any]]) -> Callable[[Any], Any]:
    """Return a reader of one attribute value of any one tag, for a pattern's ``ANY``.

    Args:
        by_tag: The decoder's function for each of DynamoDB's tags (and no other key).
    """

    def one(value: Any) -> Any:
        ((tag, raw),) = value.items()  # not exactly one tag: raises, the generic decoder decides
        return by_tag[tag](raw)

    return one


class ShapeDecoder:
    """The compiled shapes of one decoder, and ``item``, which tries them first.

    For each list of names seen ``COMPILE_AT`` times it keeps one function: for its
    item's tags, widened with ``ANY`` where later items of those names differ (a ``BOOL``
    here, a ``NULL`` there). Threads share it with no lock on the way in: every function
    checks its item, so any function found, however stale, is at worst a miss, and the
    tables are only ever changed entry by entry. Learning takes a lock, so that two
    threads never compile the same pattern, nor exceed a limit, at once.
    """

    def __init__(self, helpers: Mapping[str, Callable[[Any], Any]], generic: Decode) -> None:
        """Start with no shape.

        Args:
            helpers: The decoder's function for each of DynamoDB's tags (``L`` is wrapped
                by ``strings_or``, and ``ANY`` added).
            generic: The decoder that reads any item (the one maps nested in an item use).
        """
        self._helpers = {**helpers, "L": strings_or(helpers["L"]), ANY: any_value(helpers)}
        self._generic = generic
        self._recent: dict[int, Decode] = {}
        """The function that read the last item of each length; set when one is learned."""
        self._functions: dict[tuple[str, ...], Decode] = {}
        """The function for each pattern."""
        self._shapes: dict[int, tuple[tuple[str, ...], Decode]] = {}
        """The pattern and function for a list of names, by the hash of the names."""
        self._counts: dict[int, int] = {}
        self._full = False
        """Whether a limit is reached: then no names are counted, no function compiled."""
        self._lock = threading.Lock()

    def item(self, wire: WireItem) -> Item:
        """Return a wire item as Python values, as the generic decoder does (see the module).

        The function that read the last item of this many attributes is tried first: a
        ``len``, a lookup and a call. When it raises, the item goes to the function for
        its names, then to the generic decoder, so errors are the generic decoder's too.
        """
        decode = None
        try:
            decode = self._recent.get(len(wire))
            if decode is not None:
                return decode(wire)
        except Exception:
            pass
        if decode is None:  # no function of this length (or not a mapping): count the names
            item = self._generic(wire)
            self._sighted(wire)
            return item
        return self._miss(wire)

    def shapes(self) -> tuple[int, int, int]:
        """Return the count of functions compiled, of names known and of names counted."""
        return len(self._functions), len(self._shapes), len(self._counts)

    def _miss(self, wire: WireItem) -> Item:
        """Try the function for the item's names, then decode it generically and count it."""
        key = None
        try:
            key = hash(tuple(wire))
        except Exception:
            pass
        if key is None:  # not a mapping: the generic decoder's error, with no context
            return self._generic(wire)
        known = self._shapes.get(key)
        if known is not None:
            try:
                item = known[1](wire)
            except Exception:
                pass
            else:
                self._recent[len(wire)] = known[1]
                return item
        item = self._generic(wire)
        self._sighted(wire, key)
        return item

    def _sighted(self, wire: WireItem, key: int | None = None) -> None:
        """Count a sighting of names no function read; learn their item at ``COMPILE_AT``."""
        if self._full:
            return
        key = hash(tuple(wire)) if key is None else key
        counts = self._counts
        seen = counts.get(key, 0) + 1
        if seen < COMPILE_AT:
            if seen == 1 and len(counts) >= MAX_COUNTED:
                counts.clear()
            counts[key] = seen
            return
        counts.pop(key, None)
        tags = tags_of(wire)
        if tags is not None:
            self._learn(key, tags)

    def _learn(self, key: int, tags: tuple[str, ...]) -> None:
        """Give these names the function for their tags, or for those merged with their last."""
        with self._lock:
            known = self._shapes.get(key)
            pattern = tags if known is None else merged(known[0], tags)
            decode = self._functions.get(pattern)
            if decode is None and not self._full:
                decode = self._functions[pattern] = compile_shape(pattern, self._helpers)
            if decode is not None:
                self._recent[len(pattern)] = decode
                self._shapes[key] = (pattern, decode)
            self._full = len(self._functions) >= MAX_COMPILED or len(self._shapes) >= MAX_SHAPES
