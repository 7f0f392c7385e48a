"""What an operation asks its driver to do, as plain data: the sans-I/O protocol.

Every operation of the service is a generator (see ``_core``) that yields these
instructions and receives what they produced: a ``Call`` gets botocore's parsed
response, a ``Fanout`` the list of its calls' responses in order, a ``Sleep`` and a
``Probe`` what their names say. A failure comes back in as the exception, thrown at the
``yield``. ``DynamoDBService`` answers with the blocking client, ``AsyncDynamoDBService``
awaits aiobotocore; the operations themselves never touch the network, a clock or a loop.
"""

from __future__ import annotations

from collections.abc import Awaitable, Generator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, TypeVar

T = TypeVar("T")

Response: TypeAlias = dict[str, Any]
"""botocore's parsed answer to one call (items still in attribute-value form)."""

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
