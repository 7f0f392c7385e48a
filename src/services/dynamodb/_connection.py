"""The boto3 session and botocore settings built from a ``DynamoDBConfig``."""

from __future__ import annotations

import boto3
from botocore.config import Config

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
    """Return timeouts and standard-mode retries counting every attempt, the first included."""
    return Config(
        connect_timeout=config.connect_timeout_seconds,
        read_timeout=config.read_timeout_seconds,
        retries={"total_max_attempts": config.max_attempts, "mode": "standard"},
    )
