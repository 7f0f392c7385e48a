"""The boto3 session and botocore settings built from a ``DynamoDBConfig``."""

from __future__ import annotations

import logging
import threading
import zlib
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.exceptions import ChecksumError

from .dynamodb_models import DynamoDBConfig


def session(config: DynamoDBConfig) -> boto3.session.Session:
    """Return a session with the configured region and credentials (none: default chain)."""
    secret, token = config.aws_secret_access_key, config.aws_session_token
    return boto3.session.Session(
        aws_access_key_id=config.aws_access_key_id,
        aws_secret_access_key=None if secret is None else secret.get_secret_value(),
        aws_session_token=None if token is None else token.get_secret_value(),
        region_name=config.region_name,
    )


def botocore_config(config: DynamoDBConfig) -> Config:
    """Return timeouts, standard-mode retries counting every attempt (the first included).

    botocore's parameter validation is off: it walks every item on every call (about
    30 us for a 1 KB put, 25 times that for a batch), and the service's own request
    builders check everything a caller gives them. ``create_table``, whose schema the
    service passes through, runs botocore's validator itself.
    """
    return Config(
        connect_timeout=config.connect_timeout_seconds,
        read_timeout=config.read_timeout_seconds,
        retries={"total_max_attempts": config.max_attempts, "mode": "standard"},
        parameter_validation=False,
    )


def check_crc32(http_response: AWSResponse, parsed: dict[str, Any], **_: Any) -> None:
    """Raise ``ChecksumError`` when a final response body does not match its ``x-amz-crc32``.

    botocore's standard retry mode checks the CRC of every response but the last
    attempt's, and retries a mismatch; on the last attempt it returns whatever it parsed
    from the damaged body, so a query cut short would look like a finished, short page.
    Registered on ``after-call``, this check covers exactly that last attempt (the one
    botocore marks ``MaxAttemptsReached``) and raises what botocore's legacy mode does.
    """
    if not parsed.get("ResponseMetadata", {}).get("MaxAttemptsReached"):
        return
    expected = http_response.headers.get("x-amz-crc32")
    if expected is None:
        return
    actual = zlib.crc32(http_response.content) & 0xFFFFFFFF
    if actual != int(expected):
        raise ChecksumError(
            checksum_type="crc32", expected_checksum=expected, actual_checksum=str(actual)
        )


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
