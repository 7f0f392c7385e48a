"""What an operation asks its driver to do, as plain data: the sans-I/O protocol.

Every operation of the service is a generator (see ``_core``) that yields these
instructions and receives what they produced: a ``Call`` gets botocore's parsed
response, a ``Fanout`` the list of its calls' responses in order, a ``Sleep`` and a
``Probe`` what their names say. A failure comes back in as the exception, thrown at the
``yield``. ``DynamoDBService`` answers with the blocking client, ``AsyncDynamoDBService``
awaits aiobotocore; the operations themselves never touch the network, a clock or a loop.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, TypeVar

T = TypeVar("T")

Response: TypeAlias = dict[str, Any]
"""botocore's parsed answer to one call (items still in attribute-value form)."""


class Unread(dict[str, Any]):
    """A response whose body is parsed when the core takes it (``read``), in its step.

    The lean senders answer a successful call with its ``ResponseMetadata`` and keep the
    body's bytes; ``Operation.exchange`` reads it inside the core's step, where the cyclic
    collector is paused (``_gcpause``). A page is then parsed, decoded and its wire form
    gone before the collector next runs, so the collector never walks it.
    """

    __slots__ = ("_body", "_parse")

    def __init__(
        self, metadata: dict[str, Any], body: bytes, parse: Callable[[bytes], dict[str, Any]]
    ) -> None:
        super().__init__(ResponseMetadata=metadata)
        self._body: bytes | None = body
        self._parse = parse

    def read(self) -> Response:
        """Add the body's fields (once); return the response, now complete."""
        if self._body is not None:
            body, self._body = self._body, None
            self.update(self._parse(body))
        return self


if TYPE_CHECKING:
    from pydantic import BaseModel

    class Sender(Protocol):
        """botocore's one entry point every client method goes through (typed methods call it)."""

        def _make_api_call(
            self, operation_name: str, api_params: Mapping[str, Any]
        ) -> Response: ...

    class AsyncSender(Protocol):
        """aiobotocore's async entry point, the same as botocore's."""

        def _make_api_call(
            self, operation_name: str, api_params: Mapping[str, Any]
        ) -> Awaitable[Response]: ...


@dataclass(frozen=True, slots=True)
class Call:
    """Send one DynamoDB operation (botocore's name, ``"Query"``) with these parameters."""

    operation: str
    params: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Fanout:
    """Send ``calls`` with at most ``concurrency`` in flight; answer their responses in order.

    On the first failure the driver sends nothing more, lets what is in flight finish,
    and throws that failure.
    """

    calls: Sequence[Call]
    concurrency: int


@dataclass(frozen=True, slots=True)
class Probe:
    """Send ``call`` once, never retried, with both timeouts overridden when given."""

    call: Call
    timeout_seconds: float | None


@dataclass(frozen=True, slots=True)
class Sleep:
    """Wait ``seconds`` (between resend rounds of a batch, or table polls)."""

    seconds: float


Instruction: TypeAlias = Call | Fanout | Probe | Sleep
INSTRUCTIONS = frozenset({Call, Fanout, Probe, Sleep})
"""What a stream yields to its driver; anything else it yields is an item for the caller."""
Steps: TypeAlias = Generator[Instruction, Any, T]
"""An operation: yields instructions, returns its result."""
Stream: TypeAlias = Generator["Instruction | dict[str, Any] | BaseModel", Any, None]
"""A streaming read: yields instructions, and each item (a ``dict``, or a model) for the caller."""
