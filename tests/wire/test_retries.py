"""Retry decisions: the same as botocore's own standard-mode classes on the same inputs."""

from __future__ import annotations

import sys
import zlib
from typing import Any, NamedTuple

import botocore
import botocore.session
import pytest
from botocore.exceptions import (
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
    SSLError,
)
from botocore.retries import quota, standard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from src.services.dynamodb._wire.calls import OPERATIONS
from src.services.dynamodb._wire.retries import (
    CURRENT,
    LEGACY,
    MODELED_ERRORS,
    MODELED_RETRYABLE,
    PREVIEW,
    Outcome,
    RetryPolicy,
    RetryQuota,
    backoff,
    is_retryable,
    is_throttling,
    retry_after,
)
from src.services.dynamodb._wire.source import retry_rules

CLIENT_SESSION = botocore.session.get_session()
MODEL = CLIENT_SESSION.get_service_model("dynamodb")
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


RETRY_AFTER = [None, "0", "40", "1500", "30000", "-5", "1.5", "soon", " 250 ", "9" * 400]


class FakeHTTP(NamedTuple):
    status_code: int
    headers: dict[str, str]
    content: bytes


outcomes = st.one_of(
    st.builds(
        Outcome,
        status=st.sampled_from([200, 400, 413, 429, 500, 502, 503, 504]),
        code=st.sampled_from([*CODES, "429"]),
        crc32_mismatch=st.booleans(),
        exception=st.none(),
        retry_after=st.sampled_from(RETRY_AFTER),
    ),
    st.builds(
        Outcome,
        status=st.none(),
        code=st.none(),
        crc32_mismatch=st.just(False),
        exception=st.sampled_from(EXCEPTIONS),
        retry_after=st.none(),
    ),
)


def _botocore_view(outcome: Outcome) -> tuple[Any, BaseException | None]:
    if outcome.exception is not None:
        return None, outcome.exception
    body = b'{"x": 1}'
    crc = zlib.crc32(body) + (1 if outcome.crc32_mismatch else 0)
    headers = {"x-amz-crc32": str(crc)}
    if outcome.retry_after is not None:
        headers["x-amz-retry-after"] = outcome.retry_after
    http = FakeHTTP(outcome.status or 200, headers, body)
    parsed: dict[str, Any] = {"ResponseMetadata": {}}
    if outcome.code is not None:
        parsed["Error"] = {"Code": outcome.code, "Message": ""}
    return (http, parsed), None


class Botocore:
    """botocore's own handler, as ``register_retry_handler`` wires it on a client."""

    def __init__(self, max_attempts: int, capacity: int, jitter: float) -> None:
        client = CLIENT_SESSION.create_client(
            "dynamodb", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s"
        )
        register: Any = standard.register_retry_handler
        self.handler = register(client, max_attempts=max_attempts)
        self.quota = quota.RetryQuota(capacity)
        self.checker: Any = self.handler._retry_quota
        self.checker._quota = self.quota
        self.handler._retry_policy._retry_backoff._random = lambda: jitter

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
    call = policy.attempts(operation)
    for outcome in attempts:
        delay = call.after(outcome)
        flags = {} if outcome.exception is not None else call.metadata
        decisions.append((delay, flags))
        if delay is None:
            if outcome.exception is None:
                call.ended(outcome.status or 0)
            break
    return decisions


@pytest.mark.parametrize("flag", [False, True], ids=["flag-off", "flag-on"])
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
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
def test_decisions_and_quota_equal_the_installed_botocores(
    monkeypatch: pytest.MonkeyPatch,
    flag: bool,
    max_attempts: int,
    capacity: int,
    jitter: float,
    calls: list[tuple[str, list[Outcome]]],
) -> None:
    # GIVEN botocore's handler and ours, under the same rules (1.43's opt-in flag set or not)
    monkeypatch.setattr(standard, "NEW_RETRIES_ENABLED", flag, raising=False)
    theirs = Botocore(max_attempts, capacity, jitter)
    rules = retry_rules()
    ours = RetryPolicy(max_attempts, random=lambda: jitter, quota=RetryQuota(capacity), rules=rules)
    # WHEN both judge the same calls THEN every delay, flag and quota level is the same
    for operation, attempts in calls:
        assert _ours(ours, operation, attempts) == theirs.call(operation, attempts)
        assert ours.quota.available == theirs.quota.available_capacity


def test_the_rules_follow_botocores_release(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the published botocore's flag left alone
    monkeypatch.delitem(sys.modules, "botocore.retries.standard", raising=False)
    monkeypatch.delenv("AWS_NEW_RETRIES_2026", raising=False)
    # THEN 1.43 follows the standard rules, 1.44 the new ones, 1.43's flag the preview
    monkeypatch.setattr(botocore, "__version__", "1.43.117")
    assert retry_rules() is LEGACY
    monkeypatch.setenv("AWS_NEW_RETRIES_2026", "true")
    assert retry_rules() is PREVIEW
    monkeypatch.setattr(botocore, "__version__", "1.44.0")
    monkeypatch.setenv("AWS_NEW_RETRIES_2026", "false")
    assert retry_rules() is CURRENT


def test_every_operations_declared_errors_are_the_models() -> None:
    for operation in OPERATIONS:
        shapes = MODEL.operation_model(operation).error_shapes
        declared = {shape.metadata.get("error", {}).get("code") or shape.name for shape in shapes}
        assert declared == set(MODELED_ERRORS[operation])


def test_an_undeclared_429_throttles_under_the_current_rules_only() -> None:
    empty = Outcome(429, "429")
    assert is_throttling("GetItem", empty, CURRENT)
    assert not is_throttling("GetItem", empty, PREVIEW)
    assert not is_retryable("GetItem", empty, LEGACY)
    assert is_throttling("GetItem", Outcome(429, "Unheard"), CURRENT)
    assert not is_throttling("GetItem", Outcome(429, "ResourceNotFoundException"), CURRENT)
    assert is_retryable("GetItem", empty, CURRENT)


def test_retry_after_is_whole_milliseconds_and_never_negative() -> None:
    assert [retry_after(v) for v in (None, "1500", "0", "-1", "1.5", "x", "9" * 400)] == [
        None,
        1.5,
        0.0,
        None,
        None,
        None,
        None,
    ]


def test_retry_after_raises_the_delay_by_five_seconds_at_most() -> None:
    policy = RetryPolicy(3, random=lambda: 0.5, rules=CURRENT)
    throttled = Outcome(400, "ThrottlingException", retry_after="30000")
    assert policy.attempts("GetItem").after(throttled) == 0.5 + 5
    server = Outcome(500, "InternalServerError", retry_after="100")
    assert policy.attempts("GetItem").after(server) == 0.1
    assert policy.attempts("GetItem").after(server._replace(retry_after=None)) == 0.0125


def test_modeled_retryable_errors_are_the_models() -> None:
    for operation in OPERATIONS:
        shapes = MODEL.operation_model(operation).error_shapes
        retryable = {shape.name for shape in shapes if shape.metadata.get("retryable")}
        assert retryable == set(MODELED_RETRYABLE.get(operation, ()))
        # AND none is a throttling error, which ``is_throttling`` takes for granted
        assert not any(
            shape.metadata["retryable"].get("throttling")
            for shape in shapes
            if shape.metadata.get("retryable")
        )


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
