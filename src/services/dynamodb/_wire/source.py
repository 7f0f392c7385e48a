"""What the lean path takes from botocore, once per sender, and when it must not be used.

From the service's botocore client: the endpoint (as its ruleset resolves it), the signing
region, the credential object (frozen afresh for every attempt, so refreshable credentials
refresh as botocore refreshes them), the ``User-Agent``, the CA bundle or ``verify``
setting, and the modelled exceptions.

Without a client (``light_source``): when the config gives an ``endpoint_url`` and the
keys are the config's or the standard environment variables (the first two links of
botocore's own chain), nothing else in the environment changes what botocore's client
would do, the same parts are known without importing ``botocore.session`` or loading the
service model; the exception classes are made on the first error response.
"""

from __future__ import annotations

import os
import ssl
import sys
from collections.abc import Callable
from importlib.util import find_spec
from types import FunctionType
from typing import Any, NamedTuple
from urllib.request import getproxies

import botocore
from botocore import __version__ as botocore_version
from botocore.exceptions import NoCredentialsError

from ..dynamodb_models import DynamoDBConfig
from .retries import CURRENT, LEGACY, PREVIEW, Rules
from .signing import Keys

_INSTRUMENTED = (("botocore.client", "BaseClient"), ("aiobotocore.client", "AioBaseClient"))


class Source(NamedTuple):
    """The parts of a botocore client the lean path uses."""

    region: str
    credentials: Any
    user_agent: str
    verify: bool | str
    exceptions: Any
    endpoint_url: str | None = None
    """Where requests go when known without the client (else its ruleset says)."""


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
    from botocore.httpsession import create_urllib3_context, get_cert_path

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
    if not config.fast_reads:
        return "fast_reads is off: results must be botocore's fully parsed form"
    if instrumented():
        return "botocore's API call is instrumented (OpenTelemetry): tracing needs botocore"
    url = config.endpoint_url or f"https://dynamodb.{config.region_name}.amazonaws.com"
    if getproxies():
        from botocore.utils import should_bypass_proxies

        if not should_bypass_proxies(url):
            return "a proxy is set in the environment"
    return None


ALWAYS_NEW_RETRIES = (1, 44)
"""From this botocore on, its new retry behaviour is the only one (``retries.CURRENT``)."""


def _release(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".")[:2] if part.isdigit())


def retry_rules() -> Rules:
    """The standard mode's rules of the botocore installed, and of its opt-in flag."""
    if _release(botocore.__version__) >= ALWAYS_NEW_RETRIES:
        return CURRENT
    return PREVIEW if new_retries() else LEGACY


def new_retries() -> bool:
    """Whether botocore's new retry behaviour is on, importing its retry module only if it may be.

    botocore reads ``AWS_NEW_RETRIES_2026``, else a default of its internal
    ``customizations`` package (absent from the published botocore); from 1.44 it is on.
    """
    if _release(botocore.__version__) >= ALWAYS_NEW_RETRIES:
        return True  # botocore 1.44 made it the only behaviour (no flag any more)
    loaded = sys.modules.get("botocore.retries.standard")
    if loaded is None:
        setting = os.environ.get("AWS_NEW_RETRIES_2026")
        if setting is not None:
            return setting.lower() == "true"
        if find_spec("botocore.customizations") is None:
            return False
        from botocore.retries import standard as loaded
    return bool(getattr(loaded, "NEW_RETRIES_ENABLED", False))


def endpoint_ruleset(client: Any) -> Any:
    """Return botocore's endpoint for the client's data-plane calls (a coroutine on aiobotocore).

    The ruleset gives the host a plain client reaches: region, partition, FIPS and
    dual-stack settings, ``endpoint_url``, and the account id that credentials carry.
    """
    model = client.meta.service_model.operation_model("GetItem")
    context = {"client_region": client.meta.region_name, "client_config": client.meta.config}
    return client._resolve_endpoint_ruleset(model, {"TableName": "lean"}, context)


# -- without a client ------------------------------------------------------------------------

_CLIENT_ENVIRONMENT = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_USE_FIPS_ENDPOINT",
    "AWS_USE_DUALSTACK_ENDPOINT",
    "AWS_SDK_UA_APP_ID",
    "AWS_REQUEST_CHECKSUM_CALCULATION",
    "AWS_RESPONSE_CHECKSUM_VALIDATION",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE",
    "AWS_DEFAULTS_MODE",
    "AWS_DATA_PATH",
    "AWS_CREDENTIAL_EXPIRATION",
)
"""Environment variables that change what a botocore client sends or where: with any of
them set, the lean path asks botocore's client (made at once, as with no ``endpoint_url``)."""
_TOKENS = ("AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN")
"""Where botocore's ``EnvProvider`` looks for a session token, in its order."""
_OS_NAMES = ("windows", "linux", "macos", "android", "ios", "watchos", "tvos", "other")
_UA_ALLOWED = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!$%&'*+-.^_`|~,"
)
_CLIENT_FEATURES = ("E", "N", "Z", "b")
"""The feature ids botocore's client registers for the service's settings: standard retry
mode, an endpoint override, and the default checksum settings (request and response)."""
_CREDENTIALS_CODE, _CREDENTIALS_ENV_VARS = "e", "g"


class StaticCredentials:
    """Keys that never change (the config's, or the environment's), as botocore's object."""

    def __init__(self, keys: Keys) -> None:
        self._keys = keys

    def get_frozen_credentials(self) -> Keys:
        """The keys, as ``ReadOnlyCredentials`` would give them."""
        return self._keys


class LazyExceptions:
    """The client's modelled exceptions (``from_code``), made once, on the first error."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self._made: Any = None

    def from_code(self, code: str) -> Any:
        """The class botocore raises for error ``code``."""
        if self._made is None:
            self._made = self._make()
        return self._made.from_code(code)


def light_source(config: DynamoDBConfig, exceptions: Callable[[], Any]) -> Source | None:
    """The lean path's parts without a botocore client, or None when only a client can tell.

    Args:
        config: the service's config; its ``endpoint_url`` and keys are used as given.
        exceptions: makes the client's modelled exceptions (on the first error response).
    """
    if config.endpoint_url is None or _client_environment():
        return None
    found, verify = _first_keys(config), _verify()
    if found is None or verify is None:
        return None
    keys, feature = found
    return Source(
        region=config.region_name,
        credentials=StaticCredentials(keys),
        user_agent=user_agent(feature),
        verify=verify,
        exceptions=LazyExceptions(exceptions),
        endpoint_url=config.endpoint_url,
    )


def _client_environment() -> bool:
    """Whether the environment, a shared config file or a botocore build may change a client."""
    if any(os.environ.get(name) for name in _CLIENT_ENVIRONMENT):
        return True
    shared = os.path.expanduser(os.environ.get("AWS_CONFIG_FILE", "~/.aws/config"))
    if os.path.exists(shared):
        return True
    return find_spec("awscrt") is not None or find_spec("botocore.customizations") is not None


def _verify() -> bool | str | None:
    """Botocore's ``verify``: ``AWS_CA_BUNDLE``, else ``REQUESTS_CA_BUNDLE``, else True.

    None for a blank path, which botocore's client refuses (it is left to say so).
    """
    found: bool | str = os.environ.get("REQUESTS_CA_BUNDLE", True)
    found = os.environ.get("AWS_CA_BUNDLE", found)
    if isinstance(found, str) and not found.strip():
        return None
    return found


def _first_keys(config: DynamoDBConfig) -> tuple[Keys, str] | None:
    """The keys the first two links of botocore's chain give, and their feature id.

    The config's keys (``Session.set_credentials``), else ``AWS_ACCESS_KEY_ID`` and
    ``AWS_SECRET_ACCESS_KEY`` with the first token ``EnvProvider`` finds; an access key
    without a secret is left to botocore, which refuses it.
    """
    secret, token = config.aws_secret_access_key, config.aws_session_token
    if config.aws_access_key_id is not None and secret is not None:
        given = None if token is None else token.get_secret_value()
        keys = Keys(config.aws_access_key_id, secret.get_secret_value(), given)
        return keys, _CREDENTIALS_CODE
    access_key = os.environ.get("AWS_ACCESS_KEY_ID", "")
    secret_key = os.environ.get("AWS_SECRET_ACCESS_KEY", "")
    if not access_key or not secret_key:
        return None
    found = next((os.environ[name] for name in _TOKENS if os.environ.get(name)), None)
    return Keys(access_key, secret_key, found), _CREDENTIALS_ENV_VARS


def _clean(text: str, *, allow_hash: bool) -> str:
    return "".join(c if c in _UA_ALLOWED or (allow_hash and c == "#") else "-" for c in text)


def _component(prefix: str, name: str, value: str = "") -> str:
    """``prefix/name#value`` as botocore's ``UserAgentComponent`` writes it."""
    made = f"{_clean(prefix, allow_hash=True)}/{_clean(name, allow_hash=False)}"
    return f"{made}#{_clean(value, allow_hash=True)}" if value else made


def user_agent(credentials_feature: str) -> str:
    """The ``User-Agent`` botocore's client of the service would send (``tests/wire`` compare).

    What ``UserAgentString`` builds from the platform, ``AWS_EXECUTION_ENV`` and the
    client's features and retry mode, without importing it (it imports ``botocore.compat``).
    """
    import platform

    system, release = platform.system(), platform.release()
    family = system.lower()
    family = "macos" if family == "darwin" else family
    parts = [_component("Botocore", botocore_version), "ua/2.1"]
    if family in _OS_NAMES:
        parts.append(_component("os", family, release))
    else:
        parts += ["os/other", _component("md", system, release)]
    if machine := platform.machine():
        parts.append(_component("md", "arch", machine.lower()))
    parts.append(_component("lang", "python", platform.python_version()))
    if implementation := platform.python_implementation():
        parts.append(_component("md", "pyimpl", implementation))
    if execution := os.environ.get("AWS_EXECUTION_ENV"):
        parts.append(_component("exec-env", execution))
    features = {credentials_feature, *_CLIENT_FEATURES}
    parts += ["m/" + ",".join(features), "cfg/retry-mode#standard"]
    return " ".join(parts)
