"""``transport``: which path sends the data-plane calls, and when the service falls back."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer
from pydantic import ValidationError

from src.services.dynamodb import DynamoDBConfig, DynamoDBService
from src.services.dynamodb._wire import AsyncLeanSender, LeanSender
from tests.dynamodb.conftest import ATTRIBUTES, KEY_SCHEMA

LOGGER = "tests.dynamodb.transport"


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    """A moto server in a thread, for a service that sends with its own sockets."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def _config(url: str, transport: str) -> DynamoDBConfig:
    return DynamoDBConfig(
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        transport=transport,
    )


def test_the_lean_path_gives_what_botocore_gives(moto_url: str) -> None:
    # GIVEN a table, and one service on each transport
    table = f"lean-{uuid.uuid4().hex}"
    logger = logging.getLogger(LOGGER)
    with (
        DynamoDBService(logger, _config(moto_url, "lean")) as lean,
        DynamoDBService(logger, _config(moto_url, "botocore")) as plain,
    ):
        plain.create_table(table, KEY_SCHEMA, ATTRIBUTES)
        # WHEN the lean one writes and both read
        lean.put_item({"pk": "a", "sk": 1, "n": 1.5, "b": b"\x00", "s": {"x"}}, table)
        lean.batch_write_items([{"pk": "a", "sk": n} for n in range(2, 30)], table)
        # THEN both read the same items, and the same refusals
        assert lean.get_item({"pk": "a", "sk": 1}, table) == plain.get_item(
            {"pk": "a", "sk": 1}, table
        )
        assert lean.query("pk = :p", {":p": "a"}, table) == plain.query(
            "pk = :p", {":p": "a"}, table
        )
        with pytest.raises(lean.exceptions.ConditionalCheckFailedException) as refused:
            lean.put_item(
                {"pk": "a", "sk": 1}, table, condition_expression="attribute_not_exists(pk)"
            )
        assert isinstance(refused.value, ClientError)
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_lean_is_chosen_only_when_asked_for(moto_url: str) -> None:
    logger = logging.getLogger(LOGGER)
    for transport, expected in (("lean", LeanSender), ("botocore", type(None))):
        # WHEN a service is made with each transport THEN it sends lean only when asked
        with DynamoDBService(logger, _config(moto_url, transport)) as service:
            assert isinstance(service._lean, expected)


def test_a_proxy_in_the_environment_falls_back_to_botocore_and_says_why(
    moto_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a proxy that applies to the endpoint
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    logger = logging.getLogger(LOGGER)
    caplog.set_level(logging.INFO, "src.services.dynamodb")
    with DynamoDBService(logger, _config(moto_url, "lean")) as service:
        # WHEN the lean path is asked for THEN botocore is used, and the reason logged
        assert service._lean is None
    said = {(name, level) for name, level, _ in caplog.record_tuples}
    assert ("src.services.dynamodb", logging.INFO) in said
    assert any("proxy" in message for _, _, message in caplog.record_tuples)


def test_an_unknown_transport_is_refused() -> None:
    with pytest.raises(ValidationError, match="transport"):
        _config("http://127.0.0.1:1", "fast")


@pytest.mark.async_twin
def test_the_async_twin_sends_lean_too(moto_url: str) -> None:
    import asyncio

    from src.services.dynamodb.async_dynamodb_service import AsyncDynamoDBService

    table = f"lean-async-{uuid.uuid4().hex}"
    logger = logging.getLogger(LOGGER)
    with DynamoDBService(logger, _config(moto_url, "botocore")) as plain:
        plain.create_table(table, KEY_SCHEMA, ATTRIBUTES)

        async def run() -> tuple[object, object]:
            # GIVEN the async twin on the lean path
            async with AsyncDynamoDBService(logger, _config(moto_url, "lean")) as service:
                # WHEN it writes and reads
                await service.put_item({"pk": "a", "sk": 1, "tags": {"x", "y"}}, table)
                found = await service.get_item({"pk": "a", "sk": 1}, table)
                sender = service._lean
            return found, sender

        found, sender = asyncio.run(run())
        # THEN it read what it wrote, through its own sender, as botocore reads it
        assert isinstance(sender, AsyncLeanSender)
        assert found == plain.get_item({"pk": "a", "sk": 1}, table)


def test_under_moto_s_mock_a_lean_service_is_answered_by_moto() -> None:
    from moto import mock_aws

    # GIVEN moto's mock_aws, as a team's unit tests use it, and a lean service
    with mock_aws():
        config = DynamoDBConfig(
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            transport="lean",
        )
        with DynamoDBService(logging.getLogger(LOGGER), config) as service:
            service.create_table("mocked", KEY_SCHEMA, ATTRIBUTES)
            # WHEN it writes and reads THEN moto answered (nothing left the process)
            service.put_item({"pk": "a", "sk": 1}, "mocked")
            assert service.get_item({"pk": "a", "sk": 1}, "mocked") == {"pk": "a", "sk": 1}


def test_a_stubber_or_a_hook_on_the_client_sees_a_lean_services_calls(moto_url: str) -> None:
    from botocore.stub import Stubber

    # GIVEN a lean service, and a Stubber on its client
    with DynamoDBService(logging.getLogger(LOGGER), _config(moto_url, "lean")) as service:
        stubber = Stubber(service.client)
        stubber.add_response("get_item", {"Item": {"pk": {"S": "stubbed"}}})
        # WHEN it reads THEN the stub answers: botocore sent it, as the Stubber expects
        with stubber:
            assert service.get_item({"pk": "x", "sk": 1}, "stubbed") == {"pk": "stubbed"}
        stubber.assert_no_pending_responses()
        # AND a before-send hook on a data-plane call sees the request too
        seen: list[str] = []

        def hook(request: object, **_: object) -> None:
            seen.append(type(request).__name__)

        service.client.meta.events.register("before-send.dynamodb.GetItem", hook)
        with pytest.raises(service.exceptions.ResourceNotFoundException):
            service.get_item({"pk": "x", "sk": 1}, "no-such-table")
        assert seen == ["AWSPreparedRequest"]


def _parsing_watched(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Note whether the collector is on each time a body is parsed (``orjson.loads``)."""
    import gc

    import orjson

    seen: list[bool] = []
    real = orjson.loads

    def watched(body: bytes | str) -> object:
        seen.append(gc.isenabled())
        return real(body)

    monkeypatch.setattr(orjson, "loads", watched)
    return seen


@pytest.mark.async_twin
def test_lean_bodies_are_parsed_in_the_core_step_with_the_collector_paused(
    moto_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio
    import gc

    from src.services.dynamodb.async_dynamodb_service import AsyncDynamoDBService

    table = f"lean-gc-{uuid.uuid4().hex}"
    logger = logging.getLogger(LOGGER)
    assert gc.isenabled()
    with (
        DynamoDBService(logger, _config(moto_url, "botocore")) as plain,
        DynamoDBService(logger, _config(moto_url, "lean")) as lean,
    ):
        plain.create_table(table, KEY_SCHEMA, ATTRIBUTES)
        plain.batch_write_items([{"pk": "a", "sk": n} for n in range(3)], table)
        # GIVEN small bodies (parsed with the collector on, were they parsed in the sender)
        seen = _parsing_watched(monkeypatch)
        # WHEN each twin reads on the lean path
        assert lean.get_item({"pk": "a", "sk": 1}, table) == {"pk": "a", "sk": 1}
        assert len(lean.query("pk = :p", {":p": "a"}, table)) == 3
        assert len(lean.batch_get_items([{"pk": "a", "sk": 2}], table)) == 1

        async def run() -> int:
            async with AsyncDynamoDBService(logger, _config(moto_url, "lean")) as twin:
                await twin.put_item({"pk": "b", "sk": 1}, table)
                return len(await twin.query("pk = :p", {":p": "a"}, table))

        assert asyncio.run(run()) == 3
    # THEN every body was parsed in a core step, paused, and the collector is back on
    assert seen and not any(seen)
    assert gc.isenabled()
