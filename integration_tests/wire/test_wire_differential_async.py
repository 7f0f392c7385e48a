"""The same differential on the asyncio twin: ``AsyncLeanSender`` against aiobotocore."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from src.services.dynamodb._wire import AsyncLeanSender, LeanSender
from tests.wire.support import aiobotocore_call, aiobotocore_client, config_for

from .cases import CASES, KINDS, seed, stable, without_token

pytestmark = [pytest.mark.async_twin, pytest.mark.anyio]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def _outcome(
    send: Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]],
    operation: str,
    params: dict[str, Any],
) -> tuple[str, Any]:
    try:
        return "result", without_token(stable(await send(operation, params)))
    except ClientError as error:
        return type(error).__name__, stable(error.response)


async def test_every_case_equals_aiobotocore(
    clients: tuple[LeanSender, Any], dynamodb_endpoint: str
) -> None:
    _, client = clients
    config = config_for(
        dynamodb_endpoint,
        aws_access_key_id="AKIDWIRELOCAL",
        aws_session_token=None,
        read_timeout_seconds=10.0,
    )
    async_client = await aiobotocore_client(config)
    sender = AsyncLeanSender(config, async_client)
    try:
        for case, (operation, params) in sorted(CASES.items()):
            seed(client)
            lean = await _outcome(sender.send, operation, params)
            seed(client)
            boto = await _outcome(
                lambda op, p: aiobotocore_call(async_client, op, p), operation, params
            )
            assert lean == boto, case
            assert lean[0] == KINDS.get(case, "result"), case
    finally:
        await sender.close()
        await async_client.__aexit__(None, None, None)
