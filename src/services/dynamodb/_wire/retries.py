"""botocore's standard retry mode, as pure decisions (``botocore/retries/standard.py``).

One ``RetryPolicy`` per sender, like botocore's one per client, and one ``Attempts`` per
call: feed it each attempt's ``Outcome`` and it says how long to wait before the next
one, or to stop. ``max_attempts`` counts every attempt. Throttling and transient error
codes, HTTP 500/502/503/504, connection errors, DynamoDB's CRC32 mismatches and errors
the model marks retryable are retried, after a fully jittered exponential backoff, while
the retry quota (a token bucket of 500; a success gives back what its call took, or 1)
lasts.

botocore changed these rules in 1.44 (``Rules``): ``LEGACY`` is the standard mode before
it, ``CURRENT`` the one after, and ``PREVIEW`` what 1.43 does under its opt-in flag.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import NamedTuple

from botocore.exceptions import (
    ConnectionError,
    ConnectTimeoutError,
    HTTPClientError,
    ReadTimeoutError,
)

TRANSIENT_CODES = frozenset(
    {"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"}
)
TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)
_WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem")
MODELED_RETRYABLE: dict[str, frozenset[str]] = {
    operation: frozenset({"ReplicatedWriteConflictException"}) for operation in _WRITES
}
"""Per operation, the error codes the service model marks ``retryable`` (none throttling)."""
_COMMON = ("InternalServerError", "ResourceNotFoundException")
_THROUGHPUT = ("ProvisionedThroughputExceededException", "RequestLimitExceeded")
_THROTTLED = ("ThrottlingException",)
_WRITE_ERRORS = (
    *_COMMON,
    *_THROUGHPUT,
    *_THROTTLED,
    "ConditionalCheckFailedException",
    "ItemCollectionSizeLimitExceededException",
    "TransactionConflictException",
    "ReplicatedWriteConflictException",
)
MODELED_ERRORS: dict[str, frozenset[str]] = {
    "GetItem": frozenset((*_COMMON, *_THROUGHPUT, *_THROTTLED)),
    "Query": frozenset((*_COMMON, *_THROUGHPUT, *_THROTTLED)),
    "Scan": frozenset((*_COMMON, *_THROUGHPUT, *_THROTTLED)),
    "BatchGetItem": frozenset((*_COMMON, *_THROUGHPUT, *_THROTTLED)),
    "PutItem": frozenset(_WRITE_ERRORS),
    "UpdateItem": frozenset(_WRITE_ERRORS),
    "DeleteItem": frozenset(_WRITE_ERRORS),
    "BatchWriteItem": frozenset(
        (
            *_COMMON,
            *_THROUGHPUT,
            *_THROTTLED,
            "ItemCollectionSizeLimitExceededException",
            "ReplicatedWriteConflictException",
        )
    ),
    "TransactGetItems": frozenset(
        (*_COMMON, *_THROUGHPUT, *_THROTTLED, "TransactionCanceledException")
    ),
    "TransactWriteItems": frozenset(
        (
            *_COMMON,
            *_THROUGHPUT,
            *_THROTTLED,
            "TransactionCanceledException",
            "TransactionInProgressException",
            "IdempotentParameterMismatchException",
        )
    ),
    "ExecuteStatement": frozenset(
        (
            *_COMMON,
            *_THROUGHPUT,
            *_THROTTLED,
            "ConditionalCheckFailedException",
            "ItemCollectionSizeLimitExceededException",
            "TransactionConflictException",
            "DuplicateItemException",
        )
    ),
}
"""Per operation, every error code the service model declares (for the 429 rule)."""

MAX_BACKOFF = 20.0
INITIAL_QUOTA = 500
NO_RETRY_INCREMENT = 1
RETRY_AFTER_HEADER = "x-amz-retry-after"
RETRY_AFTER_MAX_ADDITIONAL = 5.0


class Rules(NamedTuple):
    """What differs between botocore's versions of the standard mode."""

    name: str
    throttling_scale: float
    """Seconds the backoff of a throttling error starts from."""
    other_scale: float
    """Seconds the backoff of any other retried failure starts from (DynamoDB's)."""
    retry_after: bool
    """Whether ``x-amz-retry-after`` (milliseconds) raises the delay, by 5 s at most."""
    throttling_status: bool
    """Whether a 429 whose code the operation does not declare is a throttling error."""
    retry_cost: int
    timeout_cost: int
    throttling_cost: int


LEGACY = Rules("standard", 1.0, 1.0, False, False, 5, 10, 5)
PREVIEW = Rules("standard, new behaviour (1.43 flag)", 1.0, 0.025, True, False, 14, 14, 5)
CURRENT = PREVIEW._replace(name="standard (botocore 1.44)", throttling_status=True)


class Outcome(NamedTuple):
    """What one attempt ended with: a response (status, error code), or an exception."""

    status: int | None = None
    code: str | None = None
    crc32_mismatch: bool = False
    exception: BaseException | None = None
    retry_after: str | None = None
    """The response's ``x-amz-retry-after`` header, as sent."""


def is_throttling(operation: str, outcome: Outcome, rules: Rules) -> bool:
    """Whether ``outcome`` is a throttling error (``ThrottlingErrorDetector``)."""
    code = outcome.code
    if code in THROTTLING_CODES:
        return True
    return (
        rules.throttling_status
        and outcome.status == 429
        and code not in MODELED_ERRORS.get(operation, ())
    )


def is_retryable(operation: str, outcome: Outcome, rules: Rules = LEGACY) -> bool:
    """Whether botocore's standard mode would retry ``outcome`` (attempts left aside)."""
    code = outcome.code
    if code in TRANSIENT_CODES or is_throttling(operation, outcome, rules):
        return True
    if outcome.status in TRANSIENT_STATUSES:
        return True
    if isinstance(outcome.exception, ConnectionError | HTTPClientError):
        return True
    if code is not None and code in MODELED_RETRYABLE.get(operation, ()):
        return True
    return outcome.crc32_mismatch


def backoff(attempt: int, random: Callable[[], float], scale: float = 1.0) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based): full jitter."""
    return random() * min(scale * 2.0 ** (attempt - 1), MAX_BACKOFF)


def retry_after(header: str | None) -> float | None:
    """Seconds an ``x-amz-retry-after`` value asks for; None when absent or not valid."""
    if header is None:
        return None
    try:
        value = int(header) / 1000.0
    except (ValueError, OverflowError):
        return None
    return None if value < 0 else value


class RetryQuota:
    """botocore's retry quota: a thread-safe token bucket shared by a sender's calls."""

    def __init__(self, capacity: int = INITIAL_QUOTA) -> None:
        self._max = capacity
        self.available = capacity
        self._lock = threading.Lock()

    def acquire(self, amount: int) -> bool:
        """Take ``amount`` if that much is left."""
        with self._lock:
            if amount > self.available:
                return False
            self.available -= amount
            return True

    def release(self, amount: int) -> None:
        """Give back ``amount``, never above the initial capacity."""
        with self._lock:
            self.available = min(self._max, self.available + amount)


class Decision(NamedTuple):
    """Whether to retry, after how long, and the metadata botocore adds to the response."""

    delay: float | None
    metadata: dict[str, bool]


class RetryPolicy:
    """The standard mode for one sender: ``decide`` after each attempt, ``succeeded`` at 2xx."""

    def __init__(
        self,
        max_attempts: int,
        *,
        random: Callable[[], float],
        quota: RetryQuota | None = None,
        rules: Rules = LEGACY,
    ) -> None:
        self.max_attempts = max_attempts
        self.quota = RetryQuota() if quota is None else quota
        self.rules = rules
        self._random = random

    def decide(self, operation: str, attempt: int, outcome: Outcome) -> tuple[Decision, int]:
        """Return the decision after attempt ``attempt``, and the quota it took (0: none)."""
        metadata: dict[str, bool] = {}
        if attempt >= self.max_attempts:
            metadata["MaxAttemptsReached"] = True
            return Decision(None, metadata), 0
        if not is_retryable(operation, outcome, self.rules):
            return Decision(None, metadata), 0
        throttled = is_throttling(operation, outcome, self.rules)
        cost = self._cost(throttled, outcome)
        if not self.quota.acquire(cost):
            metadata["RetryQuotaReached"] = True
            return Decision(None, metadata), 0
        return Decision(self._delay(throttled, attempt, outcome), metadata), cost

    def _cost(self, throttled: bool, outcome: Outcome) -> int:
        rules = self.rules
        if throttled:
            return rules.throttling_cost
        timeout = isinstance(outcome.exception, ConnectTimeoutError | ReadTimeoutError)
        return rules.timeout_cost if timeout else rules.retry_cost

    def _delay(self, throttled: bool, attempt: int, outcome: Outcome) -> float:
        rules = self.rules
        scale = rules.throttling_scale if throttled else rules.other_scale
        delay = backoff(attempt, self._random, scale)
        asked = retry_after(outcome.retry_after) if rules.retry_after else None
        if asked is None:
            return delay
        return max(delay, min(asked, delay + RETRY_AFTER_MAX_ADDITIONAL))

    def succeeded(self, taken: int) -> None:
        """A call ended 2xx: give back what its last retry took, or ``NO_RETRY_INCREMENT``."""
        self.quota.release(taken or NO_RETRY_INCREMENT)

    def attempts(self, operation: str) -> Attempts:
        """The retry state of one call of ``operation``."""
        return Attempts(self, operation)


class Attempts:
    """One call's retries, sans I/O: ``after`` each attempt, ``ended`` with the final status.

    Both senders drive it: attempt, ``delay = after(outcome)``, sleep ``delay`` or stop.
    """

    def __init__(self, policy: RetryPolicy, operation: str) -> None:
        self._policy = policy
        self._operation = operation
        self.count = 0
        self.metadata: dict[str, bool] = {}
        self._taken = 0

    def after(self, outcome: Outcome) -> float | None:
        """Seconds to wait before the next attempt, or None: this attempt is the last.

        A sound 2xx response (no error code, its CRC32 right) under the attempt limit is
        decided at once: ``decide`` would find it not retryable and add no metadata, and
        it comes right after the wait for the answer, where every Python call costs
        several times its warm figure.
        """
        self.count += 1
        status = outcome.status
        if (
            status is not None
            and status < 300
            and outcome.code is None
            and not outcome.crc32_mismatch
            and self.count < self._policy.max_attempts
        ):
            self.metadata = {}
            return None
        decision, cost = self._policy.decide(self._operation, self.count, outcome)
        self._taken = cost or self._taken
        self.metadata = decision.metadata
        return decision.delay

    def ended(self, status: int) -> None:
        """The last attempt's response had ``status``: a 2xx gives quota back."""
        if 200 <= status < 300:
            self._policy.succeeded(self._taken)
