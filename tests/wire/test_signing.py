"""SigV4: byte for byte what botocore's ``SigV4Auth`` makes, on generated requests."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest import mock

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import given, settings
from hypothesis import strategies as st

from src.services.dynamodb._wire.signing import Keys, SigningKeys, derive_key, sign

_KEY_CHARS = st.characters(min_codepoint=33, max_codepoint=126)
access_keys = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", min_size=16, max_size=24)
secrets = st.text(alphabet=_KEY_CHARS, min_size=1, max_size=48)
tokens = st.none() | st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=300
).filter(lambda token: token.strip() == token)
regions = st.sampled_from(
    ["us-east-1", "eu-west-3", "ap-southeast-2", "cn-north-1", "us-gov-west-1"]
)
hosts = st.sampled_from(
    [
        ("https", "dynamodb.us-east-1.amazonaws.com", None),
        ("http", "127.0.0.1", 8000),
        ("http", "localhost", 80),
        ("https", "123456789012.ddb.eu-west-3.amazonaws.com", 4443),
        ("http", "[::1]", 8000),
    ]
)
operations = st.sampled_from(["GetItem", "PutItem", "Query", "TransactWriteItems"])
times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31))


def _botocore(
    keys: Keys, region: str, url: str, target: str, body: bytes, when: datetime
) -> dict[str, str]:
    request = AWSRequest(
        method="POST",
        url=url,
        data=body,
        headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.0"},
    )
    credentials = Credentials(keys.access_key, keys.secret_key, keys.token)
    with mock.patch("botocore.auth.get_current_datetime", return_value=when):
        SigV4Auth(credentials, "dynamodb", region).add_auth(request)
    return {name: str(value) for name, value in request.headers.items()}


@settings(max_examples=400, deadline=None)
@given(
    access_key=access_keys,
    secret=secrets,
    token=tokens,
    region=regions,
    where=hosts,
    operation=operations,
    body=st.binary(max_size=300),
    when=times,
)
def test_signature_equals_botocores(
    access_key: str,
    secret: str,
    token: str | None,
    region: str,
    where: tuple[str, str, int | None],
    operation: str,
    body: bytes,
    when: datetime,
) -> None:
    scheme, host, port = where
    host_header = (
        host if port is None or port == {"http": 80, "https": 443}[scheme] else f"{host}:{port}"
    )
    url = f"{scheme}://{host}{'' if port is None else f':{port}'}/"
    keys = Keys(access_key, secret, token)
    target = f"DynamoDB_20120810.{operation}"
    amz_date = when.strftime("%Y%m%dT%H%M%SZ")
    ours = dict(
        sign(
            keys=keys,
            signing_key=derive_key(secret, amz_date[:8], region),
            region=region,
            host=host_header,
            target=target,
            body=body,
            amz_date=amz_date,
        )
    )
    theirs = _botocore(keys, region, url, target, body, when.replace(tzinfo=UTC))
    assert ours.pop("Host") == host_header
    assert ours == theirs


def test_token_is_sent_and_signed() -> None:
    headers = dict(
        sign(
            keys=Keys("AKID", "secret", "the-token"),
            signing_key=derive_key("secret", "20260101", "us-east-1"),
            region="us-east-1",
            host="h",
            target="DynamoDB_20120810.GetItem",
            body=b"{}",
            amz_date="20260101T000000Z",
        )
    )
    assert headers["X-Amz-Security-Token"] == "the-token"
    assert "x-amz-security-token" in headers["Authorization"]


def test_signing_keys_are_cached_per_day_region_and_secret() -> None:
    cache = SigningKeys()
    first = cache.get("20260101", "us-east-1", "s1")
    assert cache.get("20260101", "us-east-1", "s1") is first
    assert first == derive_key("s1", "20260101", "us-east-1")
    assert cache.get("20260102", "us-east-1", "s1") != first
    assert cache.get("20260101", "us-east-1", "s2") != first


def test_signing_key_cache_stays_bounded() -> None:
    cache = SigningKeys()
    for day in range(40):
        cache.get(f"202601{day:02d}", "us-east-1", "s")
    assert len(cache._cache) <= 16
