"""When botocore must send a data-plane call after all: its client is stubbed, mocked or hooked.

The lean path skips botocore's event hooks. Whoever put a hook on the service's client
for a data-plane call (botocore's ``Stubber``, a ``before-send`` handler that adds a
header or records a request, tracing that patches botocore's events) expects it to run,
and so does moto's ``mock_aws``, whose handler botocore registers on every client but
which answers only while a mock is active. ``Watch.hooked`` tells the driver to send by
botocore in those cases. It costs one identity check a call: botocore replaces its
handler lookup cache whenever a handler is registered or unregistered, and only then
are the handlers looked at again.
"""

from __future__ import annotations

import sys
from typing import Any

from .calls import OPERATIONS

_EVENTS = tuple(
    f"{stage}.dynamodb.{operation}"
    for stage in ("before-parameter-build", "before-call", "before-send")
    for operation in OPERATIONS
)
"""The events a hook on a data-plane call is registered for (``*`` patterns included)."""


def _handlers(emitter: Any) -> tuple[tuple[Any, ...], ...]:
    return tuple(tuple(emitter._handlers.prefix_search(event)) for event in _EVENTS)


def moto_mocking() -> bool:
    """Whether moto's ``mock_aws`` is active (its botocore handler answers every request)."""
    models = sys.modules.get("moto.core.models")
    stubber = getattr(models, "botocore_stubber", None)
    return bool(getattr(stubber, "enabled", False))


class Watch:
    """Whether a client's data-plane calls are hooked beyond what it was made with.

    Args:
        client: a botocore or aiobotocore client, with every hook the service registers
            on it already registered: those are the baseline.
    """

    def __init__(self, client: Any) -> None:
        emitter = getattr(client.meta.events, "_emitter", None)
        self._emitter = emitter if hasattr(emitter, "_lookup_cache") else None
        if self._emitter is None:
            return  # not botocore's emitter: only moto's mock can intercept
        self._baseline = _handlers(self._emitter)
        self._cache = self._emitter._lookup_cache
        self._hooked = False

    def hooked(self) -> bool:
        """Whether a call must go through botocore: a hook was added, or moto mocks."""
        emitter = self._emitter
        if emitter is None:
            return moto_mocking()
        if emitter._lookup_cache is not self._cache:
            self._cache = emitter._lookup_cache
            self._hooked = _handlers(emitter) != self._baseline
        return self._hooked or moto_mocking()
