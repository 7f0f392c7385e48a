"""``LeanSender``: the blocking twin's data-plane calls, without botocore's pipeline.

One call: the JSON body once (orjson), then per attempt a fresh signature, one write,
one response read, the ``x-amz-crc32`` check and the decision of botocore's standard
retry mode. What comes back, or is raised, is what ``client._make_api_call`` with the
service's fast-read hook gives. It sends the data-plane calls only (``OPERATIONS``).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import ConnectionError, HTTPClientError

from .._protocol import Call, Unread
from ..dynamodb_models import DynamoDBConfig
from .calls import Prepared, Wire, encode, endpoint, refuse_other, settings
from .http11 import Response
from .pool import Pool
from .retries import Outcome, RetryPolicy
from .source import (
    Source,
    endpoint_ruleset,
    from_client,
    keys,
    no_credentials,
    retry_rules,
    tls_context,
)

logger = logging.getLogger(__name__)


class LeanSender:
    """Sends DynamoDB's data-plane calls for a blocking service; thread-safe.

    Args:
        config: the service's config (timeouts, attempts, pool size).
        client: the service's botocore client: endpoint, credentials, TLS, exceptions
            (None with ``source``).
        source: the parts known without a client (``light_source``).
        probe: make exactly one attempt (``ping``), on one connection.
        timeout: seconds that replace both configured timeouts.
        clock: seconds since the epoch, for signatures.
        random: a float in [0, 1), for the backoff's jitter.
        sleep: waits between attempts.
    """

    def __init__(
        self,
        config: DynamoDBConfig,
        client: Any,
        *,
        source: Source | None = None,
        probe: bool = False,
        timeout: float | None = None,
        clock: Callable[[], float] = time.time,
        random: Callable[[], float] = random.random,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        found = from_client(client) if source is None else source
        self._credentials = found.credentials
        chosen = settings(config, probe=probe, timeout=timeout)
        target = endpoint(found.endpoint_url or endpoint_ruleset(client)[0])
        self._wire = Wire(
            region=found.region,
            target=target,
            user_agent=found.user_agent,
            exceptions=found.exceptions,
            clock=clock,
        )
        self.pool = Pool(target, tls_context(found.verify) if target.tls else None, chosen)
        self.policy = RetryPolicy(chosen.max_attempts, random=random, rules=retry_rules())
        self._sleep = sleep

    @property
    def endpoint_url(self) -> str:
        """The URL requests go to, as botocore resolved it (and names it in errors)."""
        return self._wire.endpoint.url

    def send(self, operation: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """Send one call as ``client._make_api_call(operation, params)`` would."""
        return self.send_unread(operation, params).read()

    def send_unread(self, operation: str, params: Mapping[str, Any]) -> Unread:
        """``send``, leaving a success's body for the core to read in its step (``Unread``)."""
        refuse_other(operation)
        (prepared,) = self.prepare([(Call(operation, params), encode(operation, params))])
        return self.send_prepared(prepared)

    def prepare(self, window: list[tuple[Call, bytes]]) -> list[Prepared]:
        """Sign the first attempt of each encoded call now (``calls.windows``), to send later."""
        no_credentials(self._credentials)
        frozen = keys(self._credentials.get_frozen_credentials())
        return [self._wire.prepare(call, body, frozen) for call, body in window]

    def send_prepared(self, prepared: Prepared) -> Unread:
        """Send a prepared call, retried as botocore's standard mode retries; as ``send_unread``.

        Every retry is signed afresh, and so is a first attempt signed too long ago.
        """
        operation, body = prepared.operation, prepared.body
        attempts = self.policy.attempts(operation)
        data = self._wire.first(prepared)
        while True:
            if data is None:
                frozen = keys(self._credentials.get_frozen_credentials())
                data = self._wire.request(operation, body, frozen)
            response, outcome, result = self._attempt(operation, data)
            delay = attempts.after(outcome)
            if delay is None:
                break
            logger.debug("%s: retrying in %.3f s (attempt %d)", operation, delay, attempts.count)
            self._sleep(delay)
            data = None
        return self._wire.finish(response, outcome, result, attempts)

    def _attempt(self, operation: str, data: bytes) -> tuple[Response | None, Outcome, Any]:
        try:
            response = self.pool.exchange(data)
        except (ConnectionError, HTTPClientError) as error:
            return None, Outcome(exception=error), error
        outcome, result = self._wire.judge(operation, response)
        return response, outcome, result

    def close(self) -> None:
        """Close every connection."""
        self.pool.close()
