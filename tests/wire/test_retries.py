"""Retry decisions: the same as botocore's own standard-mode classes on the same inputs."""

from __future__ import annotations

import zlib
from typing import Any, NamedTuple

import botocore.session
from botocore.exceptions import (
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
    SSLError,
)
from botocore.retries import quota, standard
from hypothesis import given, settings
from hypothesis import strategies as st

from src.services.dynamodb._wire.calls import OPERATIONS
from src.services.dynamodb._wire.retries import (
    MODELED_RETRYABLE,
    Outcome,
    RetryPolicy,
    RetryQuota,
    backoff,
    is_retryable,
)
from tests.lean import NEEDS_LEAN

MODEL = botocore.session.get_session().get_service_model("dynamodb")
URL = "http://127.0.0.1:1"
EXCEPTIONS = [
    EndpointConnectionError(endpoint_url=URL, error="refused"),
    ConnectTimeoutError(endpoint_url=URL, error="slow"),
    ReadTimeoutError(endpoint_url=URL, error="slow"),
    ConnectionClosedError(endpoint_url=URL, error="reset", request=None),
    SSLError(endpoint_url=URL, error=ValueError("bad certificate")),
    ValueError("not a network error"),
]
CODES = [
    None,
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "TransactionInProgressException",
    "ReplicatedWriteConflictException",
    "RequestTimeout",
    "PriorRequestNotComplete",
    "ConditionalCheckFailedException",
    "ValidationException",
    "InternalServerError",
]


class FakeHTTP(NamedTuple):
    status_code: int
    headers: dict[str, str]
    content: bytes


outcomes = st.one_of(
    st.builds(
        Outcome,
        status=st.sampled_from([200, 400, 413, 500, 502, 503, 504]),
        code=st.sampled_from(CODES),
        crc32_mismatch=st.booleans(),
        exception=st.none(),
    ),
    st.builds(
        Outcome,
        status=st.none(),
        code=st.none(),
        crc32_mismatch=st.just(False),
        exception=st.sampled_from(EXCEPTIONS),
    ),
)


def _botocore_view(outcome: Outcome) -> tuple[Any, BaseException | None]:
    if outcome.exception is not None:
        return None, outcome.exception
    body = b'{"x": 1}'
    crc = zlib.crc32(body) + (1 if outcome.crc32_mismatch else 0)
    http = FakeHTTP(outcome.status or 200, {"x-amz-crc32": str(crc)}, body)
    parsed: dict[str, Any] = {"ResponseMetadata": {}}
    if outcome.code is not None:
        parsed["Error"] = {"Code": outcome.code, "Message": ""}
    return (http, parsed), None


class Botocore:
    """botocore's handler, wired as ``register_retry_handler`` wires it (legacy flag off)."""

    def __init__(self, max_attempts: int, capacity: int, jitter: float) -> None:
        self.quota = quota.RetryQuota(capacity)
        self.checker: Any = standard.RetryQuotaChecker(self.quota)
        handler: Any = standard.RetryHandler
        self.handler = handler(
            retry_policy=standard.RetryPolicy(
                retry_checker=standard.StandardRetryConditions(max_attempts=max_attempts),
                retry_backoff=standard.ExponentialBackoff(random=lambda: jitter),
            ),
            retry_event_adapter=standard.RetryEventAdapter(),
            retry_quota=self.checker,
        )

    def call(self, operation: str, attempts: list[Outcome]) -> list[tuple[Any, dict[str, Any]]]:
        context: dict[str, Any] = {}
        decisions = []
        for number, outcome in enumerate(attempts, start=1):
            response, exception = _botocore_view(outcome)
            delay = self.handler.needs_retry(
                response=response,
                attempts=number,
                operation=MODEL.operation_model(operation),
                caught_exception=exception,
                request_dict={"context": context},
            )
            flags = {} if response is None else dict(response[1]["ResponseMetadata"])
            decisions.append((delay, flags))
            if delay is None:
                if response is not None:
                    self.checker.release_retry_quota(context, response[0])
                break
        return decisions


def _ours(policy: RetryPolicy, operation: str, attempts: list[Outcome]) -> list[tuple[Any, Any]]:
    decisions: list[tuple[Any, Any]] = []
    taken = 0
    for number, outcome in enumerate(attempts, start=1):
        decision, cost = policy.decide(operation, number, outcome)
        taken = cost or taken
        flags = {} if outcome.exception is not None else decision.metadata
        decisions.append((decision.delay, flags))
        if decision.delay is None:
            if outcome.exception is None and 200 <= (outcome.status or 0) < 300:
                policy.succeeded(taken)
            break
    return decisions


@NEEDS_LEAN
@settings(max_examples=300, deadline=None)
@given(
    max_attempts=st.integers(1, 5),
    capacity=st.integers(0, 40),
    jitter=st.floats(0, 0.999),
    calls=st.lists(
        st.tuples(st.sampled_from(sorted(OPERATIONS)), st.lists(outcomes, min_size=1, max_size=6)),
        min_size=1,
        max_size=8,
    ),
)
def test_decisions_and_quota_equal_botocores(
    max_attempts: int, capacity: int, jitter: float, calls: list[tuple[str, list[Outcome]]]
) -> None:
    theirs = Botocore(max_attempts, capacity, jitter)
    ours = RetryPolicy(max_attempts, random=lambda: jitter, quota=RetryQuota(capacity))
    for operation, attempts in calls:
        assert _ours(ours, operation, attempts) == theirs.call(operation, attempts)
        assert ours.quota.available == theirs.quota.available_capacity


def test_modeled_retryable_errors_are_the_models() -> None:
    for operation in OPERATIONS:
        shapes = MODEL.operation_model(operation).error_shapes
        retryable = {shape.name for shape in shapes if shape.metadata.get("retryable")}
        assert retryable == set(MODELED_RETRYABLE.get(operation, ()))


def test_backoff_is_full_jitter_capped_at_20_seconds() -> None:
    assert [backoff(n, lambda: 1.0) for n in (1, 2, 3, 5, 6, 9)] == [1, 2, 4, 16, 20, 20]
    assert backoff(3, lambda: 0.25) == 1.0


def test_the_quota_never_grows_past_its_capacity() -> None:
    bucket = RetryQuota(10)
    assert bucket.acquire(5) and not bucket.acquire(6)
    bucket.release(100)
    assert bucket.available == 10


def test_errors_the_model_marks_retryable_are_retried_for_their_operations_only() -> None:
    conflict = Outcome(400, "ReplicatedWriteConflictException")
    assert is_retryable("PutItem", conflict)
    assert not is_retryable("GetItem", conflict)
    assert not is_retryable("GetItem", Outcome(400, "ValidationException"))
