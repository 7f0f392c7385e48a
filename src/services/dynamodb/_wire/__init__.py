"""The lean wire path: DynamoDB's data-plane calls sent without botocore's pipeline.

``LeanSender`` (blocking, thread-safe) and ``AsyncLeanSender`` (one pool per event loop)
replace ``client._make_api_call(operation, params)`` for the service's own calls and
give what it gives: results, exceptions, retries and timeouts. ``lean_supported`` says
when botocore must be used instead.
"""

from .sender import LeanSender
from .source import lean_supported

__all__ = ["LeanSender", "lean_supported"]
