"""Cold start on the lean path: no botocore client (nor ``botocore.session``) until needed.

With ``transport="lean"``, an ``endpoint_url`` and keys that botocore's chain finds first
(the config's, or the standard environment variables), a ``get_item`` needs neither
botocore's session nor the service model. A table operation, ``client``, ``exceptions``
or an error response makes the client then, once. The fresh-interpreter tests prove what
a new process imports; the others cover the choices in this process.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import platform
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore
import botocore.session
import pytest
from botocore.config import Config
from botocore.useragent import UserAgentString
from moto.server import ThreadedMotoServer

import src.services.dynamodb.dynamodb_models as models
from src.services.dynamodb import DynamoDBConfig, DynamoDBService
from src.services.dynamodb._connection import botocore_config
from src.services.dynamodb._wire import LeanSender
from src.services.dynamodb._wire import source as wire_source
from src.services.dynamodb._wire.signing import Keys
from src.services.dynamodb._wire.source import (
    LazyExceptions,
    StaticCredentials,
    light_source,
    new_retries,
    user_agent,
)
from tests.dynamodb.conftest import ATTRIBUTES, KEY_SCHEMA

ROOT = Path(__file__).resolve().parents[2]
LOGGER = "tests.dynamodb.cold_start"


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    """A moto server in a thread: the service reaches it with its own sockets."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="module")
def table(moto_url: str) -> str:
    """A table holding one item, ``{"pk": "a", "sk": 1}``."""
    name = f"cold-{uuid.uuid4().hex}"
    config = _config(moto_url, transport="botocore")
    with DynamoDBService(logging.getLogger(LOGGER), config) as plain:
        plain.create_table(name, KEY_SCHEMA, ATTRIBUTES)
        plain.put_item({"pk": "a", "sk": 1, "n": 7}, name)
    return name


@pytest.fixture
def quiet(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No AWS setting in the environment, and no shared config file."""
    for name in list(os.environ):
        if name.startswith("AWS_") or name == "REQUESTS_CA_BUNDLE":
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    return monkeypatch


def _config(url: str | None, *, transport: str = "lean", **fields: Any) -> DynamoDBConfig:
    keys = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    return DynamoDBConfig.model_validate(
        {"region_name": "us-east-1", "endpoint_url": url, "transport": transport, **keys, **fields}
    )


def _child_environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.pop("REQUESTS_CA_BUNDLE", None)
    env["AWS_CONFIG_FILE"] = str(tmp_path / "no-config")
    return {**env, **extra}


def _run_child(code: str, env: dict[str, str]) -> dict[str, Any]:
    child = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == 0, child.stderr[-3000:]
    found: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    return found


SYNC_CHILD = """
import json, logging, sys
from src.services.dynamodb import DynamoDBConfig, DynamoDBService
keys = {KEYS}
config = DynamoDBConfig(region_name="us-east-1", endpoint_url="{URL}", transport="lean", **keys)
service = DynamoDBService(logging.getLogger("cold"), config)
item = service.get_item({{"pk": "a", "sk": 1}}, "{TABLE}")
seen = {{
    "item": item,
    "lean": type(service._lean).__name__,
    "session": "botocore.session" in sys.modules,
    "loaders": "botocore.loaders" in sys.modules,
    "client": service._client is not None,
}}
try:
    service.put_item(
        {{"pk": "a", "sk": 1}}, "{TABLE}", condition_expression="attribute_not_exists(pk)"
    )
except service.exceptions.ConditionalCheckFailedException as refused:
    seen["refused"] = type(refused).__name__
seen["client_after_error"] = service._client is not None
seen["exists"] = service.table_exists("{TABLE}")
seen["client_region"] = service.client.meta.region_name
service.close()
print(json.dumps(seen))
"""

ASYNC_CHILD = """
import asyncio, json, logging, sys
from src.services.dynamodb import AsyncDynamoDBService, DynamoDBConfig
config = DynamoDBConfig(
    region_name="us-east-1", endpoint_url="{URL}", transport="lean", **{KEYS}
)
async def main():
    async with AsyncDynamoDBService(logging.getLogger("cold"), config) as service:
        item = await service.get_item({{"pk": "a", "sk": 1}}, "{TABLE}")
        seen = {{
            "item": item,
            "lean": type(service._lean).__name__,
            "session": "botocore.session" in sys.modules,
            "aio_session": "aiobotocore.session" in sys.modules,
            "client": service._client is not None,
        }}
        try:
            await service.put_item(
                {{"pk": "a", "sk": 1}}, "{TABLE}", condition_expression="attribute_not_exists(pk)"
            )
        except service.exceptions.ConditionalCheckFailedException as refused:
            seen["refused"] = type(refused).__name__
        seen["exists"] = await service.table_exists("{TABLE}")
        seen["client_after_table_op"] = service._client is not None
        return seen
print(json.dumps(asyncio.run(main())))
"""

EXPLICIT = '{"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}'


# -- a fresh interpreter ----------------------------------------------------------------------


def test_a_lean_get_item_with_keys_and_an_endpoint_makes_no_botocore_client(
    moto_url: str, table: str, tmp_path: Path
) -> None:
    # GIVEN a fresh process, a lean service with keys and an endpoint_url
    code = SYNC_CHILD.format(KEYS=EXPLICIT, URL=moto_url, TABLE=table)
    # WHEN it gets one item, then is refused a write, then asks a table operation
    seen = _run_child(code, _child_environment(tmp_path))
    # THEN the item came back without botocore's session, loader or a client
    assert seen["item"] == {"pk": "a", "sk": 1, "n": 7}
    assert seen["lean"] == "LeanSender"
    assert not seen["session"]
    assert not seen["client"]
    # AND the refusal is the modelled class of the client made for it, once
    assert seen["refused"] == "ConditionalCheckFailedException"
    assert seen["client_after_error"]
    # AND table operations and the client work as ever
    assert seen["exists"] is True
    assert seen["client_region"] == "us-east-1"


def test_keys_in_the_environment_are_enough_too(moto_url: str, table: str, tmp_path: Path) -> None:
    # GIVEN a fresh process with the standard key variables and a config without keys
    code = SYNC_CHILD.format(KEYS="{}", URL=moto_url, TABLE=table)
    env = _child_environment(tmp_path, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    # WHEN it gets one item
    seen = _run_child(code, env)
    # THEN it made no client for it
    assert seen["item"] == {"pk": "a", "sk": 1, "n": 7}
    assert not seen["session"]
    assert not seen["client"]
    assert seen["refused"] == "ConditionalCheckFailedException"


@pytest.mark.async_twin
def test_the_async_twin_imports_no_aiobotocore_session_for_a_get_item(
    moto_url: str, table: str, tmp_path: Path
) -> None:
    # GIVEN a fresh process and a lean AsyncDynamoDBService with keys and an endpoint_url
    code = ASYNC_CHILD.format(KEYS=EXPLICIT, URL=moto_url, TABLE=table)
    # WHEN it gets one item, is refused a write, and asks a table operation
    seen = _run_child(code, _child_environment(tmp_path))
    # THEN the get needed neither aiobotocore's session nor botocore's
    assert seen["item"] == {"pk": "a", "sk": 1, "n": 7}
    assert seen["lean"] == "AsyncLeanSender"
    assert not seen["session"]
    assert not seen["aio_session"]
    assert not seen["client"]
    # AND the refusal and the table operation work, the client made for the latter
    assert seen["refused"] == "ConditionalCheckFailedException"
    assert seen["exists"] is True
    assert seen["client_after_table_op"]


# -- the blocking twin, in this process ---------------------------------------------------------


def test_the_client_is_made_on_first_use_and_errors_are_its_classes(
    moto_url: str, table: str, quiet: pytest.MonkeyPatch
) -> None:
    # GIVEN a lean service that could wait for its client
    service = DynamoDBService(logging.getLogger(LOGGER), _config(moto_url))
    assert service._client is None
    # WHEN it reads, then is refused a write
    assert service.get_item({"pk": "a", "sk": 1}, table) == {"pk": "a", "sk": 1, "n": 7}
    assert service._client is None
    with pytest.raises(service.exceptions.ConditionalCheckFailedException) as refused:
        service.put_item(
            {"pk": "a", "sk": 1}, table, condition_expression="attribute_not_exists(pk)"
        )
    # THEN the refusal is the modelled class of the one client it then made
    client = service._client
    assert client is not None
    assert type(refused.value) is client.exceptions.ConditionalCheckFailedException
    assert service.client is client
    assert service.table_exists(table)
    service.close()


def test_a_lean_service_closed_before_any_client_closes_cleanly(
    moto_url: str, quiet: pytest.MonkeyPatch
) -> None:
    # GIVEN a lean service that never made its client
    service = DynamoDBService(logging.getLogger(LOGGER), _config(moto_url))
    # WHEN it is closed, then asked for an item
    service.close()
    # THEN the call is refused as on any closed service, and still no client was made
    with pytest.raises(RuntimeError):
        service.get_item({"pk": "a", "sk": 1}, "cold-table")
    assert service._client is None


def test_lean_not_possible_leaves_the_client_to_first_use(
    moto_url: str, table: str, quiet: pytest.MonkeyPatch
) -> None:
    # GIVEN a lean config the lean path cannot send (fast reads off), keys and an endpoint
    service = DynamoDBService(logging.getLogger(LOGGER), _config(moto_url, fast_reads=False))
    # THEN botocore sends, with a client made when first needed
    assert service._lean is None
    assert service._client is None
    assert service.get_item({"pk": "a", "sk": 1}, table) == {"pk": "a", "sk": 1, "n": 7}
    assert service._client is not None
    service.close()


def test_without_an_endpoint_url_the_client_is_made_at_once(quiet: pytest.MonkeyPatch) -> None:
    # GIVEN a lean config with no endpoint_url: botocore's ruleset says where to go
    service = DynamoDBService(logging.getLogger(LOGGER), _config(None))
    # THEN the client is made with the service, and the lean path resolved by it
    assert service._client is not None
    assert isinstance(service._lean, LeanSender)
    assert service._lean.endpoint_url == "https://dynamodb.us-east-1.amazonaws.com/"
    service.close()


# -- the async twin, in this process ------------------------------------------------------------


@pytest.mark.async_twin
def test_the_async_twin_waits_for_its_client_until_a_table_operation(
    moto_url: str, table: str, quiet: pytest.MonkeyPatch
) -> None:
    from src.services.dynamodb import AsyncDynamoDBService

    async def run() -> None:
        # GIVEN a lean async service that can wait for its client
        async with AsyncDynamoDBService(logging.getLogger(LOGGER), _config(moto_url)) as service:
            # WHEN it reads and is refused a write
            found = await service.get_item({"pk": "a", "sk": 1}, table)
            assert service._client is None
            with pytest.raises(service.exceptions.ConditionalCheckFailedException):
                await service.put_item(
                    {"pk": "a", "sk": 1}, table, condition_expression="attribute_not_exists(pk)"
                )
            # THEN the item came back and the refusal is the modelled class, no client yet
            assert found == {"pk": "a", "sk": 1, "n": 7}
            assert service._client is None
            # AND a table operation makes the client, whose classes are the same
            assert await service.table_exists(table)
            client = service._client
            assert client is not None
            exceptions = client.exceptions
            assert exceptions.ConditionalCheckFailedException is (
                service.exceptions.ConditionalCheckFailedException
            )

    asyncio.run(run())


@pytest.mark.async_twin
def test_the_async_twin_without_lean_sends_with_botocore(
    moto_url: str, table: str, quiet: pytest.MonkeyPatch
) -> None:
    from src.services.dynamodb import AsyncDynamoDBService

    async def run() -> None:
        # GIVEN a lean async config the lean path cannot send (fast reads off)
        config = _config(moto_url, fast_reads=False)
        async with AsyncDynamoDBService(logging.getLogger(LOGGER), config) as service:
            # WHEN it reads THEN botocore sent it, on a client made for it
            assert await service.get_item({"pk": "a", "sk": 1}, table) == {
                "pk": "a",
                "sk": 1,
                "n": 7,
            }
            assert service._lean is None
            assert service._client is not None

    asyncio.run(run())


# -- what is known without a client -------------------------------------------------------------


def test_explicit_keys_and_an_endpoint_give_a_source(quiet: pytest.MonkeyPatch) -> None:
    # GIVEN a config with keys, a session token and an endpoint_url
    config = _config("http://127.0.0.1:1", aws_session_token="token")
    # WHEN the parts are known without a client
    found = light_source(config, lambda: None)
    # THEN they are the config's
    assert found is not None
    assert found.region == "us-east-1"
    assert found.endpoint_url == "http://127.0.0.1:1"
    assert found.verify is True
    assert found.credentials.get_frozen_credentials() == Keys("testing", "testing", "token")


def test_environment_keys_take_botocores_first_token(quiet: pytest.MonkeyPatch) -> None:
    # GIVEN keys in the environment, both token variables, and a config without keys
    quiet.setenv("AWS_ACCESS_KEY_ID", "env-id")
    quiet.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    quiet.setenv("AWS_SECURITY_TOKEN", "security")
    quiet.setenv("AWS_SESSION_TOKEN", "session")
    config = DynamoDBConfig(region_name="eu-west-1", endpoint_url="http://127.0.0.1:1")
    # WHEN the parts are known without a client
    found = light_source(config, lambda: None)
    # THEN the keys are the environment's, with the token botocore's EnvProvider picks
    assert found is not None
    credentials = botocore.session.Session().get_credentials()
    assert credentials is not None
    expected = credentials.get_frozen_credentials()
    theirs = Keys(str(expected.access_key), str(expected.secret_key), expected.token)
    assert found.credentials.get_frozen_credentials() == theirs
    assert expected.token == "security"


def test_environment_keys_without_a_token(quiet: pytest.MonkeyPatch) -> None:
    quiet.setenv("AWS_ACCESS_KEY_ID", "env-id")
    quiet.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    config = DynamoDBConfig(region_name="eu-west-1", endpoint_url="http://127.0.0.1:1")
    found = light_source(config, lambda: None)
    assert found is not None
    assert found.credentials.get_frozen_credentials() == Keys("env-id", "env-secret", None)


@pytest.mark.parametrize(
    "environment",
    [
        {},
        {"AWS_ACCESS_KEY_ID": "only-the-id"},
        {"AWS_SECRET_ACCESS_KEY": "only-the-secret"},
    ],
)
def test_no_whole_key_pair_leaves_the_chain_to_botocore(
    quiet: pytest.MonkeyPatch, environment: dict[str, str]
) -> None:
    # GIVEN no keys in the config and no whole pair in the environment
    for name, value in environment.items():
        quiet.setenv(name, value)
    config = DynamoDBConfig(region_name="us-east-1", endpoint_url="http://127.0.0.1:1")
    # THEN only botocore's chain can tell
    assert light_source(config, lambda: None) is None


def test_without_an_endpoint_url_botocore_resolves_it(quiet: pytest.MonkeyPatch) -> None:
    assert light_source(_config(None), lambda: None) is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("AWS_USE_FIPS_ENDPOINT", "true"),
        ("AWS_PROFILE", "somebody"),
        ("AWS_SDK_UA_APP_ID", "my-app"),
        ("AWS_CREDENTIAL_EXPIRATION", "2030-01-01T00:00:00Z"),
    ],
)
def test_a_setting_that_changes_a_client_needs_the_client(
    quiet: pytest.MonkeyPatch, name: str, value: str
) -> None:
    quiet.setenv(name, value)
    assert light_source(_config("http://127.0.0.1:1"), lambda: None) is None


def test_a_shared_config_file_needs_the_client(quiet: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # GIVEN a shared config file (it may name FIPS, a CA bundle, an app id...)
    shared = tmp_path / "config"
    shared.write_text("[default]\nregion = us-east-1\n")
    quiet.setenv("AWS_CONFIG_FILE", str(shared))
    # THEN botocore's client is asked
    assert light_source(_config("http://127.0.0.1:1"), lambda: None) is None


@pytest.mark.parametrize("module", ["awscrt", "botocore.customizations"])
def test_a_botocore_build_that_changes_a_client_needs_the_client(
    quiet: pytest.MonkeyPatch, module: str
) -> None:
    # GIVEN awscrt installed, or botocore's internal customizations present
    from importlib.util import find_spec as real

    quiet.setattr(wire_source, "find_spec", lambda name: object() if name == module else real(name))
    # THEN botocore's client is asked
    assert light_source(_config("http://127.0.0.1:1"), lambda: None) is None


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({"AWS_CA_BUNDLE": "/a/bundle.pem", "REQUESTS_CA_BUNDLE": "/b.pem"}, "/a/bundle.pem"),
        ({"REQUESTS_CA_BUNDLE": "/b.pem"}, "/b.pem"),
        ({"AWS_CA_BUNDLE": "  "}, None),
    ],
)
def test_the_ca_bundle_is_botocores(
    quiet: pytest.MonkeyPatch, environment: dict[str, str], expected: str | None
) -> None:
    # GIVEN a CA bundle in the environment
    for name, value in environment.items():
        quiet.setenv(name, value)
    config = _config("https://127.0.0.1:1")
    # WHEN the parts are known without a client
    found = light_source(config, lambda: None)
    # THEN verify is what botocore's client takes (a blank one: botocore refuses it itself)
    if expected is None:
        assert found is None
        return
    assert found is not None
    assert found.verify == expected
    client = botocore.session.Session().create_client(
        "dynamodb", region_name="us-east-1", endpoint_url="https://127.0.0.1:1"
    )
    assert client._endpoint.http_session._verify == expected  # type: ignore[attr-defined]


def test_static_credentials_give_their_keys() -> None:
    keys = Keys("id", "secret", None)
    assert StaticCredentials(keys).get_frozen_credentials() is keys


def test_lazy_exceptions_are_made_once() -> None:
    # GIVEN a maker of the client's exceptions, counted
    made: list[int] = []
    real = botocore.session.Session().create_client("dynamodb", region_name="us-east-1")

    def make() -> Any:
        made.append(1)
        return real.exceptions

    lazy = LazyExceptions(make)
    # WHEN two codes are asked for
    first = lazy.from_code("ConditionalCheckFailedException")
    second = lazy.from_code("NoSuchCode")
    # THEN they are botocore's answers, from exceptions made once
    assert first is real.exceptions.ConditionalCheckFailedException
    assert second is real.exceptions.ClientError
    assert made == [1]


# -- the User-Agent ------------------------------------------------------------------------------


def _components(agent: str) -> set[str]:
    """The parts of a User-Agent, the feature ids as a set (botocore's order is a set's)."""
    parts = set(agent.split(" "))
    features = {part for part in parts if part.startswith("m/")}
    return (parts - features) | {f"m:{id_}" for part in features for id_ in part[2:].split(",")}


def _client_agent(config: DynamoDBConfig, *, explicit: bool) -> str:
    session = botocore.session.Session()
    if explicit:
        session.set_credentials("testing", "testing")
    client = session.create_client(
        "dynamodb",
        region_name=config.region_name,
        endpoint_url=config.endpoint_url,
        config=botocore_config(config),
    )
    agent: str = client._user_agent_creator.to_string()  # type: ignore[attr-defined]
    return agent


@pytest.mark.parametrize("execution_env", [None, "AWS_Lambda_python3.12"])
def test_the_user_agent_is_what_botocores_client_sends(
    quiet: pytest.MonkeyPatch, execution_env: str | None
) -> None:
    # GIVEN explicit keys, and maybe an execution environment (Lambda sets one)
    if execution_env is not None:
        quiet.setenv("AWS_EXECUTION_ENV", execution_env)
    config = _config("http://127.0.0.1:1")
    # WHEN the lean path builds the User-Agent without a client
    found = light_source(config, lambda: None)
    # THEN it is botocore's client's
    assert found is not None
    assert _components(found.user_agent) == _components(_client_agent(config, explicit=True))


def test_the_user_agent_with_environment_keys_is_botocores(quiet: pytest.MonkeyPatch) -> None:
    quiet.setenv("AWS_ACCESS_KEY_ID", "testing")
    quiet.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    config = DynamoDBConfig(region_name="us-east-1", endpoint_url="http://127.0.0.1:1")
    found = light_source(config, lambda: None)
    assert found is not None
    assert _components(found.user_agent) == _components(_client_agent(config, explicit=False))


@pytest.mark.parametrize(
    ("system", "machine", "implementation"),
    [
        ("Darwin", "arm64", "CPython"),
        ("Plan 9", "X86_64", "PyPy"),
        ("", "", ""),
    ],
)
def test_the_user_agent_names_the_platform_as_botocore_does(
    quiet: pytest.MonkeyPatch, system: str, machine: str, implementation: str
) -> None:
    # GIVEN an unusual platform
    quiet.setattr(platform, "system", lambda: system)
    quiet.setattr(platform, "machine", lambda: machine)
    quiet.setattr(platform, "python_implementation", lambda: implementation)
    # WHEN both build the User-Agent for the same client settings
    theirs = UserAgentString.from_environment()
    theirs.set_session_config("Botocore", botocore.__version__, None)  # type: ignore[arg-type]
    theirs = theirs.with_client_config(Config(retries={"mode": "standard"}))
    theirs.set_client_features({"e", "E", "N", "Z", "b"})
    # THEN they agree
    assert _components(user_agent("e")) == _components(theirs.to_string())


# -- botocore's retry flag, and the region rule -------------------------------------------------


def test_new_retries_is_botocores_flag_when_its_module_is_loaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(botocore, "__version__", "1.43.117")  # the flag's last release
    monkeypatch.setattr("botocore.retries.standard.NEW_RETRIES_ENABLED", True, raising=False)
    assert new_retries() is True
    monkeypatch.setattr("botocore.retries.standard.NEW_RETRIES_ENABLED", False, raising=False)
    assert new_retries() is False


@pytest.mark.parametrize(("setting", "expected"), [("true", True), ("TRUE", True), ("no", False)])
def test_new_retries_reads_botocores_variable_without_importing_it(
    monkeypatch: pytest.MonkeyPatch, setting: str, expected: bool
) -> None:
    monkeypatch.setattr(botocore, "__version__", "1.43.117")  # the flag's last release
    monkeypatch.delitem(sys.modules, "botocore.retries.standard", raising=False)
    monkeypatch.setenv("AWS_NEW_RETRIES_2026", setting)
    assert new_retries() is expected


def test_new_retries_is_off_in_the_published_botocore(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(botocore, "__version__", "1.43.117")  # the flag's last release
    monkeypatch.delitem(sys.modules, "botocore.retries.standard", raising=False)
    monkeypatch.delenv("AWS_NEW_RETRIES_2026", raising=False)
    assert new_retries() is False


def test_new_retries_asks_an_internal_build_its_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(botocore, "__version__", "1.43.117")  # the flag's last release
    # GIVEN a botocore with its internal customizations, its retry module not yet loaded
    monkeypatch.delitem(sys.modules, "botocore.retries.standard", raising=False)
    monkeypatch.delenv("AWS_NEW_RETRIES_2026", raising=False)
    monkeypatch.setattr(wire_source, "find_spec", lambda name: object())
    # THEN the retry module's own flag is read
    from botocore.retries import standard

    assert new_retries() is bool(getattr(standard, "NEW_RETRIES_ENABLED", False))


def test_the_region_rule_is_botocores_loader_when_the_file_is_not_plain(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # GIVEN a botocore that does not ship partitions.json as a plain file
    monkeypatch.setattr(models, "_PARTITIONS_FILE", tmp_path / "partitions.json")
    models._region_patterns.cache_clear()
    try:
        # WHEN a config is validated THEN the rule still holds, read through botocore's loader
        assert DynamoDBConfig(region_name="eu-central-2").region_name == "eu-central-2"
        with pytest.raises(ValueError, match="region"):
            DynamoDBConfig(region_name="moon-base-1x")
    finally:
        models._region_patterns.cache_clear()


def test_a_proxy_the_endpoint_bypasses_leaves_the_lean_path_on(
    quiet: pytest.MonkeyPatch,
) -> None:
    # GIVEN a proxy in the environment that NO_PROXY exempts the endpoint from
    quiet.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    quiet.setenv("NO_PROXY", "127.0.0.1")
    # THEN the lean path may send
    assert wire_source.lean_supported(_config("http://127.0.0.1:1")) is None


@pytest.mark.async_twin
def test_the_async_twin_decides_on_its_first_client_when_it_must_wait_for_one(
    moto_url: str, table: str, quiet: pytest.MonkeyPatch
) -> None:
    from src.services.dynamodb import AsyncDynamoDBService
    from src.services.dynamodb._wire import AsyncLeanSender

    async def run() -> None:
        # GIVEN a lean async service whose parts only a client can tell (an app id is set)
        quiet.setenv("AWS_SDK_UA_APP_ID", "cold-start-test")
        async with AsyncDynamoDBService(logging.getLogger(LOGGER), _config(moto_url)) as service:
            assert service._lean is None
            # WHEN it reads THEN the client, made then, set the lean path up for it
            found = await service.get_item({"pk": "a", "sk": 1}, table)
            assert found == {"pk": "a", "sk": 1, "n": 7}
            assert service._client is not None
            assert isinstance(service._lean, AsyncLeanSender)
            assert await service.table_exists(table)
            # AND the client is made once
            assert await service._the_client() is service._client

    asyncio.run(run())


def test_from_botocore_1_44_the_lean_path_follows_the_new_retries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import botocore

    from src.services.dynamodb._wire import retries, source

    # GIVEN a botocore whose new retry behaviour is the only one
    monkeypatch.setattr(botocore, "__version__", "1.44.0")
    monkeypatch.setenv("AWS_NEW_RETRIES_2026", "false")
    # THEN the lean path sends, under the new rules, whatever the environment says
    assert source.new_retries()
    assert source.retry_rules() is retries.CURRENT
    assert source.lean_supported(_config("http://127.0.0.1:1")) is None
