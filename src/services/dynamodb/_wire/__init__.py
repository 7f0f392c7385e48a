"""The lean wire path: DynamoDB's data-plane calls sent without botocore's pipeline.

``LeanSender`` (blocking, thread-safe) and ``AsyncLeanSender`` (one pool per event loop)
replace ``client._make_api_call(operation, params)`` for the service's own calls and
give what it gives: results, exceptions, retries and timeouts. ``lean_supported`` says
when botocore must be used instead.
"""

from typing import TYPE_CHECKING, Any

from .sender import LeanSender
from .source import lean_supported

if TYPE_CHECKING:
    from .async_sender import AsyncLeanSender


def __getattr__(name: str) -> Any:
    """``AsyncLeanSender``, imported on first use: the blocking twin never pays for asyncio."""
    if name == "AsyncLeanSender":
        from .async_sender import AsyncLeanSender

        return AsyncLeanSender
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["AsyncLeanSender", "LeanSender", "lean_supported"]
