"""The botocore session and settings built from a ``DynamoDBConfig``, and client hooks.

Only botocore is imported here (boto3's session costs about 20 ms more to import and
is needed only for ``DynamoDBService.resource``); aiobotocore only by the async twin.
``botocore.session`` and ``botocore.config`` (most of botocore) are imported when a
client is first made: the lean path may never need one.
"""

from __future__ import annotations

import logging
import threading
import zlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.context import get_context
from botocore.exceptions import ChecksumError

from .dynamodb_models import DynamoDBConfig

if TYPE_CHECKING:
    import botocore.session
    from botocore.config import Config


def credentials(config: DynamoDBConfig) -> tuple[str, str, str | None] | None:
    """The configured key pair and token, or None for botocore's default chain."""
    secret, token = config.aws_secret_access_key, config.aws_session_token
    if config.aws_access_key_id is None or secret is None:
        return None
    return (
        config.aws_access_key_id,
        secret.get_secret_value(),
        None if token is None else token.get_secret_value(),
    )


def session(config: DynamoDBConfig) -> botocore.session.Session:
    """Return a botocore session with the configured credentials (none: default chain)."""
    import botocore.session

    made = botocore.session.Session()
    if (keys := credentials(config)) is not None:
        made.set_credentials(*keys)
    return made


def client_settings(config: DynamoDBConfig) -> dict[str, Any]:
    """What every client of ``config`` is made with, besides its ``Config``."""
    return {"region_name": config.region_name, "endpoint_url": config.endpoint_url}


def settings(
    config: DynamoDBConfig, *, probe: bool = False, timeout: float | None = None
) -> dict[str, Any]:
    """The ``Config`` keywords of ``config``; a ``probe`` makes one attempt, ``timeout`` long."""
    return {
        "connect_timeout": timeout or config.connect_timeout_seconds,
        "read_timeout": timeout or config.read_timeout_seconds,
        "retries": {"total_max_attempts": 1 if probe else config.max_attempts, "mode": "standard"},
        "max_pool_connections": 1 if probe else config.max_pool_connections,
        "parameter_validation": False,
    }


def botocore_config(
    config: DynamoDBConfig, *, probe: bool = False, timeout: float | None = None
) -> Config:
    """Return timeouts, standard-mode retries counting every attempt (the first included).

    botocore's parameter validation is off: it walks every item on every call (about
    30 us for a 1 KB put, 25 times that for a batch), and the service's own request
    builders check everything a caller gives them. ``create_table``, whose schema the
    service passes through, runs botocore's validator itself.
    """
    from botocore.config import Config

    return Config(**settings(config, probe=probe, timeout=timeout))


def cache_user_agent(client: Any) -> None:
    """Build botocore's User-Agent once per set of feature ids, for this client only.

    botocore assembles the header twice a request (about a tenth of a ``get_item``'s
    client CPU); the string depends only on the client and the feature ids in use, so
    each distinct set is built once and the header stays exactly what botocore sends.
    A botocore without these internals is left as it is.
    """
    creator = getattr(client, "_user_agent_creator", None)
    if creator is None or not hasattr(creator, "_client_features"):
        return
    build = creator.to_string
    built: dict[tuple[frozenset[str], frozenset[str]], str] = {}

    def to_string() -> str:
        context = get_context()
        features = frozenset(() if context is None else context.features)
        key = (features, frozenset(creator._client_features or ()))
        found = built.get(key)
        if found is None:
            found = built[key] = build()
        return found

    creator.to_string = to_string


def crc32_error(headers: Mapping[str, str], content: bytes) -> ChecksumError | None:
    """The ``ChecksumError`` of a final response whose body does not match its ``x-amz-crc32``.

    botocore's standard retry mode checks the CRC of every response but the last
    attempt's, and retries a mismatch; on the last attempt it returns whatever it parsed
    from the damaged body, so a query cut short would look like a finished, short page.
    Registered on ``after-call``, this check covers exactly that last attempt (the one
    botocore marks ``MaxAttemptsReached``: the hooks ask only then) and raises what
    botocore's legacy mode does.
    """
    expected = headers.get("x-amz-crc32")
    if expected is None:
        return None
    actual = zlib.crc32(content) & 0xFFFFFFFF
    if actual == int(expected):
        return None
    return ChecksumError(
        checksum_type="crc32", expected_checksum=expected, actual_checksum=str(actual)
    )


def check_crc32(http_response: Any, parsed: dict[str, Any], **_: Any) -> None:
    """``after-call`` hook of the blocking client: raise what ``crc32_error`` finds.

    The body is read only for a final attempt (a stubbed response has none to read).
    """
    if not parsed.get("ResponseMetadata", {}).get("MaxAttemptsReached"):
        return
    if (error := crc32_error(http_response.headers, http_response.content)) is not None:
        raise error


class _RedactSecrets(logging.Filter):
    """Blanks the service's credentials out of botocore's and urllib3's DEBUG records.

    botocore logs the canonical request and the signed headers at DEBUG, session token
    included. The filter only runs for records that are emitted, so it costs nothing
    unless DEBUG logging is on.
    """

    def __init__(self) -> None:
        super().__init__()
        self.secrets: frozenset[str] = frozenset()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(secret in message for secret in self.secrets):
            for secret in self.secrets:
                message = message.replace(secret, "**********")
            record.msg, record.args = message, ()
        return True


_REDACT = _RedactSecrets()
_CHATTY_LOGGERS = (
    "botocore.auth",
    "botocore.endpoint",
    "botocore.awsrequest",
    "botocore.httpsession",
    "botocore.parsers",
    "botocore.hooks",
    "botocore.retryhandler",
    "botocore.retries.standard",
    "urllib3.connectionpool",
)
_REDACT_LOCK = threading.Lock()


def redact_secrets(config: DynamoDBConfig) -> None:
    """Keep this config's secret key and session token out of third-party log records."""
    secrets = {
        secret.get_secret_value()
        for secret in (config.aws_secret_access_key, config.aws_session_token)
        if secret is not None and secret.get_secret_value()
    }
    if not secrets:
        return
    with _REDACT_LOCK:
        _REDACT.secrets = _REDACT.secrets | secrets
        for name in _CHATTY_LOGGERS:
            logging.getLogger(name).addFilter(_REDACT)
