"""Optional C speedups: used when built, pure Python otherwise, the same results either way.

A checkout builds them with ``make`` (``python -m devtools.native``), and a wheel built
where a C compiler works carries them (``devtools/build_hook.py``); without them the
package runs the pure-Python code. Setting ``DYNAMODB_SERVICE_NATIVE=0`` turns them off.

- ``_decode.Decoder`` reads wire items as ``_values._Decoder`` does, and hands every item
  it does not read exactly so (and every error) to that decoder: see ``decode.c``.
- ``_encode.Encoder`` writes items as ``_values.to_wire_item`` does, and hands every item
  it does not write exactly so (and every error) to that encoder: see ``encode.c``.
  What it makes is left untracked by the cyclic collector (it holds no cycle), and
  ``_encode.wrapped`` makes a batch's write requests of it untracked too.
- ``_encode.vouched`` bounds wire items' sizes for ``_values.check_sizes``, which checks
  every item it does not vouch for itself.
- ``_http.head`` reads a plainly well-formed HTTP/1.1 response head as
  ``_wire.http11._parse_lines`` does, and leaves any other to it: see ``http.c``.
- ``_http.response`` reads a whole response fed at once to an idle
  ``_wire.http11.ResponseReader`` as it reads it, and leaves any other to it.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

SWITCH = "DYNAMODB_SERVICE_NATIVE"
"""The environment variable that turns the speedups off when it is ``0``."""


def _built(name: str) -> ModuleType | None:
    """The built module ``name`` of this package; None when not built, or switched off."""
    if os.environ.get(SWITCH) == "0":
        return None
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ImportError:
        return None


def native_decoder(
    number: Callable[[str], Any],
    other: Callable[[str, Any], Any],
    fallback: Callable[[Any], Any],
    *,
    short_ints: bool,
) -> Callable[[Any], Any] | None:
    """Return the C decoder built on these functions, or None (not built, or switched off).

    Args:
        number: reads a number's text (every one, unless ``short_ints``).
        other: reads a value of any tag but ``S, N, BOOL, NULL, L, M``: ``(tag, raw)``.
        fallback: the pure-Python decoder, for any item the C one does not read itself.
        short_ints: read integers of up to 18 digits as ``int`` in C (native numbers).
    """
    module = _built("_decode")
    if module is None:
        return None
    decoder: Callable[[Any], Any] = module.Decoder(number, other, fallback, short_ints)
    return decoder


def native_encoder(fallback: Callable[..., Any]) -> Callable[..., Any] | None:
    """Return the C encoder over ``fallback`` (the Python encoder), or None.

    It is called as ``fallback`` is, ``(item, what)``, and returns what it returns.
    """
    module = _built("_encode")
    if module is None:
        return None
    encoder: Callable[..., Any] = module.Encoder(fallback)
    return encoder


def native_vouched() -> Callable[[Sequence[Any], int], int] | None:
    """Return ``_encode.vouched``, or None: how many leading wires are surely within a size."""
    module = _built("_encode")
    if module is None:
        return None
    vouched: Callable[[Sequence[Any], int], int] = module.vouched
    return vouched


Wrapped = Callable[[list[Any], str, str], list[dict[str, dict[str, Any]]]]
"""``wrapped(wires, outer, inner)``: ``[{outer: {inner: wire}} for wire in wires]``."""


def native_wrapped() -> Wrapped | None:
    """Return ``_encode.wrapped``, or None: write requests, untracked where their wire is."""
    module = _built("_encode")
    if module is None:
        return None
    wrapped: Wrapped = module.wrapped
    return wrapped


def native_head() -> Callable[[bytes], tuple[int, str, dict[str, str]] | None] | None:
    """Return ``_http.head``, or None: an HTTP/1.1 head read in C (None back: Python reads it)."""
    module = _built("_http")
    if module is None:
        return None
    head: Callable[[bytes], tuple[int, str, dict[str, str]] | None] = module.head
    return head


WholeResponse = tuple[int, str, dict[str, str], bytes, bool]
"""What ``_http.response`` reads: status, reason, headers, body, and whether to keep alive."""


def native_response() -> Callable[[bytes], WholeResponse | None] | None:
    """Return ``_http.response``, or None: a whole response read in C (None back: Python)."""
    module = _built("_http")
    if module is None:
        return None
    response: Callable[[bytes], WholeResponse | None] = module.response
    return response
