"""botocore's standard retry mode, as pure decisions (``botocore/retries/standard.py``).

One ``RetryPolicy`` per sender, like botocore's one per client: ``max_attempts`` counts
every attempt; throttling and transient error codes, HTTP 500/502/503/504, connection
errors, DynamoDB's CRC32 mismatches and errors the model marks retryable are retried,
after ``random() * min(2 ** (attempt - 1), 20)`` seconds (full jitter), while the retry
quota (a token bucket of 500: a retry costs 5, 10 after a timeout; a success gives back
what its call took, or 1) lasts.
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
MODELED_RETRYABLE: dict[str, frozenset[str]] = {
    operation: frozenset({"ReplicatedWriteConflictException"})
    for operation in ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem")
}
"""Per operation, the error codes the service model marks ``retryable``."""

MAX_BACKOFF = 20.0
INITIAL_QUOTA = 500
RETRY_COST = 5
TIMEOUT_RETRY_COST = 10
NO_RETRY_INCREMENT = 1


class Outcome(NamedTuple):
    """What one attempt ended with: a response (status, error code), or an exception."""

    status: int | None = None
    code: str | None = None
    crc32_mismatch: bool = False
    exception: BaseException | None = None


def is_retryable(operation: str, outcome: Outcome) -> bool:
    """Whether botocore's standard mode would retry ``outcome`` (attempts left aside)."""
    code = outcome.code
    if code in TRANSIENT_CODES or code in THROTTLING_CODES:
        return True
    if outcome.status in TRANSIENT_STATUSES:
        return True
    if isinstance(outcome.exception, ConnectionError | HTTPClientError):
        return True
    if code is not None and code in MODELED_RETRYABLE.get(operation, ()):
        return True
    return outcome.crc32_mismatch


def backoff(attempt: int, random: Callable[[], float]) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based): full jitter."""
    return random() * min(2.0 ** (attempt - 1), MAX_BACKOFF)


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
    ) -> None:
        self.max_attempts = max_attempts
        self.quota = RetryQuota() if quota is None else quota
        self._random = random

    def decide(self, operation: str, attempt: int, outcome: Outcome) -> tuple[Decision, int]:
        """Return the decision after attempt ``attempt``, and the quota it took (0: none)."""
        metadata: dict[str, bool] = {}
        if attempt >= self.max_attempts:
            metadata["MaxAttemptsReached"] = True
            return Decision(None, metadata), 0
        if not is_retryable(operation, outcome):
            return Decision(None, metadata), 0
        timeout = isinstance(outcome.exception, ConnectTimeoutError | ReadTimeoutError)
        cost = TIMEOUT_RETRY_COST if timeout else RETRY_COST
        if not self.quota.acquire(cost):
            metadata["RetryQuotaReached"] = True
            return Decision(None, metadata), 0
        return Decision(backoff(attempt, self._random), metadata), cost

    def succeeded(self, taken: int) -> None:
        """A call ended 2xx: give back what its last retry took, or ``NO_RETRY_INCREMENT``."""
        self.quota.release(taken or NO_RETRY_INCREMENT)
