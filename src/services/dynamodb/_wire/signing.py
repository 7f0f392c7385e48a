"""SigV4 for DynamoDB's JSON protocol: pure functions of a request, keys and a clock.

Every request is ``POST /`` with no query string, so the canonical request is a fixed
template around five (or six) header values and the body's SHA-256. The derived signing
key (four HMACs) depends only on the day, the region and the secret, and is cached.
"""

from __future__ import annotations

import hmac
import threading
from hashlib import sha256
from typing import NamedTuple

CONTENT_TYPE = "application/x-amz-json-1.0"
SERVICE = "dynamodb"
_ALGORITHM = "AWS4-HMAC-SHA256"
_SIGNED = "content-type;host;x-amz-date;x-amz-target"
_SIGNED_WITH_TOKEN = "content-type;host;x-amz-date;x-amz-security-token;x-amz-target"
_CACHE_SIZE = 16


class Keys(NamedTuple):
    """One frozen set of credentials: botocore's ``ReadOnlyCredentials`` fits."""

    access_key: str
    secret_key: str
    token: str | None


class SigningKeys:
    """Derived SigV4 signing keys, cached per (day, region, secret); thread-safe."""

    def __init__(self, service: str = SERVICE) -> None:
        self._service = service
        self._cache: dict[tuple[str, str, str], bytes] = {}
        self._lock = threading.Lock()

    def get(self, day: str, region: str, secret: str) -> bytes:
        """Return the signing key of ``day`` (``YYYYMMDD``), ``region`` and ``secret``."""
        cache_key = (day, region, secret)
        found = self._cache.get(cache_key)
        if found is not None:
            return found
        derived = derive_key(secret, day, region, self._service)
        with self._lock:
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.clear()
            self._cache[cache_key] = derived
        return derived


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), sha256).digest()


def derive_key(secret: str, day: str, region: str, service: str = SERVICE) -> bytes:
    """Return SigV4's signing key: the HMAC chain over day, region, service, terminator."""
    k_date = _hmac(f"AWS4{secret}".encode(), day)
    return _hmac(_hmac(_hmac(k_date, region), service), "aws4_request")


def _trim(value: str) -> str:
    return " ".join(value.split())


def sign(
    *,
    keys: Keys,
    signing_key: bytes,
    region: str,
    host: str,
    target: str,
    body: bytes,
    amz_date: str,
    service: str = SERVICE,
) -> list[tuple[str, str]]:
    """Return the headers that make a signed request, ``Authorization`` last.

    Args:
        keys: the credentials; a token adds ``X-Amz-Security-Token`` (and signs it).
        signing_key: ``derive_key(keys.secret_key, amz_date[:8], region, service)``.
        region: the signing region.
        host: the ``Host`` header value (port included unless it is the default).
        target: the ``X-Amz-Target`` value, ``DynamoDB_20120810.GetItem``.
        body: the request body.
        amz_date: ``YYYYMMDDTHHMMSSZ``, UTC.
        service: the signing name.
    """
    headers = [
        ("Host", host),
        ("X-Amz-Target", target),
        ("Content-Type", CONTENT_TYPE),
        ("X-Amz-Date", amz_date),
    ]
    canonical = [
        f"content-type:{CONTENT_TYPE}",
        f"host:{_trim(host)}",
        f"x-amz-date:{amz_date}",
    ]
    if keys.token:
        headers.append(("X-Amz-Security-Token", keys.token))
        canonical.append(f"x-amz-security-token:{_trim(keys.token)}")
        signed = _SIGNED_WITH_TOKEN
    else:
        signed = _SIGNED
    canonical.append(f"x-amz-target:{_trim(target)}")
    request = "\n".join(("POST", "/", "", *canonical, "", signed, sha256(body).hexdigest()))
    scope = f"{amz_date[:8]}/{region}/{service}/aws4_request"
    to_sign = "\n".join((_ALGORITHM, amz_date, scope, sha256(request.encode("utf-8")).hexdigest()))
    signature = hmac.new(signing_key, to_sign.encode("utf-8"), sha256).hexdigest()
    headers.append(
        (
            "Authorization",
            f"{_ALGORITHM} Credential={keys.access_key}/{scope}, "
            f"SignedHeaders={signed}, Signature={signature}",
        )
    )
    return headers
