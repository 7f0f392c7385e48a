"""The core both services drive, and what their drivers share.

Every operation is a generator method of ``Core`` (``_op_*`` modules). A driver carries
out what it yields: ``BlockingDriver`` (``_blocking``) with botocore and a thread pool,
``AwaitingDriver`` (``_awaiting``) with aiobotocore and tasks. The public classes,
``DynamoDBService`` and ``AsyncDynamoDBService``, are generated from the core's
signatures and docstrings (``devtools.twins``): each method hands its arguments to the
core operation of the same name and has its driver run it.
"""

from __future__ import annotations

import logging

from ._connection import redact_secrets
from ._op_bulk import BulkSteps
from ._op_items import ItemSteps
from ._op_reads import ReadSteps
from ._op_tables import TableSteps
from ._wire import lean_supported
from ._wire.calls import OPERATIONS
from ._wire.watch import Watch, moto_mocking
from .dynamodb_models import DynamoDBConfig

LOGGER = logging.getLogger("src.services.dynamodb")
"""The package's own records (not an operation's): why the lean path is off."""


class Core(TableSteps, ItemSteps, ReadSteps, BulkSteps):
    """Every operation, as a generator over the instructions it needs carried out."""


class Driver:
    """What both services share: the core, and how they show themselves."""

    def __init__(self, logger: logging.Logger, config: DynamoDBConfig) -> None:
        """Check both dependencies (``TypeError``) and keep the config's secrets out of logs."""
        self._core = Core(logger, config)
        self._watch: Watch | None = None
        redact_secrets(config)

    @property
    def config(self) -> DynamoDBConfig:
        """The configuration this service was made with."""
        return self._core.config

    def _lean_wanted(self) -> bool:
        """Whether the lean wire path sends the data-plane calls (else botocore, and why)."""
        config = self._core.config
        if config.transport != "lean":
            return False
        if (reason := lean_supported(config)) is not None:
            LOGGER.info("lean transport off, botocore sends every call: %s", reason)
            return False
        return True

    def _unhooked(self, operation: str) -> bool:
        """Whether the lean path may send ``operation``: a data-plane call nobody hooks.

        A ``Stubber``, a hook on the client's events or moto's ``mock_aws`` expects
        botocore to send it (``_wire.watch``); a client not made yet has no hook.
        """
        if operation not in OPERATIONS:
            return False
        watch = self._watch
        return not (moto_mocking() if watch is None else watch.hooked())

    def _resolve_table(self, table_name: str | None) -> str:
        """The given table name, else the configured default, else ``ValueError``."""
        return self._core.resolve_table(table_name)

    def __repr__(self) -> str:
        config = self._core.config
        return (
            f"{type(self).__name__}(region_name={config.region_name!r}, "
            f"endpoint_url={config.endpoint_url!r}, "
            f"default_table_name={config.default_table_name!r})"
        )
