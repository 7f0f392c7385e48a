"""What the lean path takes from botocore, once per sender, and when it must not be used.

From the service's botocore client: the endpoint (as its ruleset resolves it), the signing
region, the credential object (frozen afresh for every attempt, so refreshable credentials
refresh as botocore refreshes them), the ``User-Agent``, the CA bundle or ``verify``
setting, and the modelled exceptions.
"""

from __future__ import annotations

import os
import ssl
import sys
from types import FunctionType
from typing import Any, NamedTuple
from urllib.request import getproxies

from botocore.exceptions import NoCredentialsError
from botocore.httpsession import create_urllib3_context, get_cert_path
from botocore.retries import standard
from botocore.utils import should_bypass_proxies

from ..dynamodb_models import DynamoDBConfig
from .signing import Keys

_INSTRUMENTED = (("botocore.client", "BaseClient"), ("aiobotocore.client", "AioBaseClient"))


class Source(NamedTuple):
    """The parts of a botocore client the lean path uses."""

    region: str
    credentials: Any
    user_agent: str
    verify: bool | str
    exceptions: Any


def from_client(client: Any) -> Source:
    """Take the lean path's parts from ``client`` (botocore's or aiobotocore's).

    Raises:
        ValueError: the client uses a client certificate or a configured proxy.
    """
    http_session = client._endpoint.http_session
    if client.meta.config.client_cert or getattr(http_session, "_cert_file", None):
        raise ValueError("the lean path does not send client certificates")
    if client.meta.config.proxies:
        raise ValueError("the lean path does not go through proxies")
    signer = client._request_signer
    return Source(
        region=signer._region_name,
        credentials=signer._credentials,
        user_agent=client._user_agent_creator.to_string(),
        verify=getattr(http_session, "_verify", True),
        exceptions=client.exceptions,
    )


def keys(frozen: Any) -> Keys:
    """``Keys`` of a ``ReadOnlyCredentials``."""
    return Keys(frozen.access_key, frozen.secret_key, frozen.token)


def no_credentials(credentials: Any) -> None:
    """Raise what botocore raises when there are no credentials to sign with."""
    if credentials is None:
        raise NoCredentialsError()


def tls_context(verify: bool | str) -> ssl.SSLContext:
    """A TLS context as botocore's urllib3 session makes it for ``verify``."""
    context: ssl.SSLContext = create_urllib3_context()
    if verify is False:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    context.verify_mode = ssl.CERT_REQUIRED
    context.check_hostname = True
    path: str = get_cert_path(verify)  # type: ignore[arg-type,assignment]
    if os.path.isdir(path):
        context.load_verify_locations(capath=path)
    else:
        context.load_verify_locations(cafile=path)
    return context


def instrumented() -> bool:
    """Whether something (OpenTelemetry's ``wrapt`` wrapper) replaced the API call function."""
    for module_name, class_name in _INSTRUMENTED:
        module = sys.modules.get(module_name)
        owner = getattr(module, class_name, None)
        if owner is not None and type(owner.__dict__["_make_api_call"]) is not FunctionType:
            return True
    return False


def lean_supported(config: DynamoDBConfig) -> str | None:
    """None when the lean path can send ``config``'s calls, else why botocore must."""
    if getattr(standard, "NEW_RETRIES_ENABLED", False):
        return "botocore's new retry behaviour (AWS_NEW_RETRIES_2026) is on"
    if not config.fast_reads:
        return "fast_reads is off: results must be botocore's fully parsed form"
    if instrumented():
        return "botocore's API call is instrumented (OpenTelemetry): tracing needs botocore"
    url = config.endpoint_url or f"https://dynamodb.{config.region_name}.amazonaws.com"
    if getproxies() and not should_bypass_proxies(url):
        return "a proxy is set in the environment"
    return None


def endpoint_ruleset(client: Any) -> Any:
    """Return botocore's endpoint for the client's data-plane calls (a coroutine on aiobotocore).

    The ruleset gives the host a plain client reaches: region, partition, FIPS and
    dual-stack settings, ``endpoint_url``, and the account id that credentials carry.
    """
    model = client.meta.service_model.operation_model("GetItem")
    context = {"client_region": client.meta.region_name, "client_config": client.meta.config}
    return client._resolve_endpoint_ruleset(model, {"TableName": "lean"}, context)
