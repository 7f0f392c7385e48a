"""The orders API: FastAPI on one ``AsyncDynamoDBService``, made at startup, closed at shutdown.

Run it with ``uvicorn --factory examples.orders_api.app:create_app`` and the settings
in the environment (see ``settings.py``), or ``make example`` for a DynamoDB Local too.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from botocore.exceptions import ClientError, ConnectionError, HTTPClientError
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from examples.orders_api.routes import router
from examples.orders_api.settings import load_config
from examples.orders_api.store import OrdersStore, Refusal
from src.services.dynamodb import AsyncDynamoDBService, DynamoDBConfig

LOGGER = logging.getLogger("orders_api")
SERVICE_LOGGER = "orders_api.dynamodb"
RETRY_AFTER_SECONDS = "1"
OVERLOADED = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
    }
)


def create_app(config: DynamoDBConfig | None = None) -> FastAPI:
    """Return the orders API.

    Args:
        config: The service's config; None reads it from the environment at startup
            (``load_config(os.environ)``), so a bad setting stops the app from starting.

    Returns:
        The app. Its lifespan makes the one service every request shares and closes it
        on shutdown; run the lifespan (a server does) before sending requests.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings = config if config is not None else load_config(os.environ)
        service_logger = logging.getLogger(SERVICE_LOGGER)
        async with AsyncDynamoDBService(logger=service_logger, config=settings) as service:
            app.state.store = OrdersStore(service)
            LOGGER.info("orders API on table %s", settings.default_table_name)
            yield
        LOGGER.info("orders API stopped; its DynamoDB connections are closed")

    app = FastAPI(title="Orders API", lifespan=lifespan)
    app.include_router(router)
    app.add_exception_handler(Refusal, refused)
    app.add_exception_handler(ConnectionError, unreachable)
    app.add_exception_handler(HTTPClientError, unreachable)
    app.add_exception_handler(ClientError, dynamodb_failed)
    return app


def refused(request: Request, error: Exception) -> JSONResponse:
    """Answer a ``Refusal`` with its status and ``{"detail": ...}``."""
    if not isinstance(error, Refusal):  # pragma: no cover - registered for Refusal only
        raise error
    headers = {"Retry-After": RETRY_AFTER_SECONDS} if error.status_code == 503 else None
    return JSONResponse({"detail": error.detail}, error.status_code, headers=headers)


def unreachable(request: Request, error: Exception) -> JSONResponse:
    """Answer 503 at once when DynamoDB cannot be reached or did not answer in time.

    The service has logged the failure (with the operation and table) already.
    """
    return JSONResponse(
        {"detail": "DynamoDB cannot be reached"},
        503,
        headers={"Retry-After": RETRY_AFTER_SECONDS},
    )


def dynamodb_failed(request: Request, error: Exception) -> JSONResponse:
    """Answer a refusal no route expected: 503 when DynamoDB is overloaded, else 500."""
    if not isinstance(error, ClientError):  # pragma: no cover - registered for ClientError only
        raise error
    if error.response.get("Error", {}).get("Code") in OVERLOADED:
        return JSONResponse(
            {"detail": "DynamoDB is busy"}, 503, headers={"Retry-After": RETRY_AFTER_SECONDS}
        )
    return JSONResponse({"detail": "DynamoDB refused the request"}, 500)
