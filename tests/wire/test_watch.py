"""``Watch``: a client stubbed, hooked or mocked makes the driver send by botocore."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import botocore.session
from botocore.stub import Stubber
from moto import mock_aws

from src.services.dynamodb._wire.watch import Watch, moto_mocking


def _client() -> Any:
    session = botocore.session.Session()
    return session.create_client(
        "dynamodb",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _hook(**_: Any) -> None:
    return None


def test_a_plain_client_is_not_hooked() -> None:
    assert not Watch(_client()).hooked()


def test_a_stubber_hooks_the_client_while_it_is_active() -> None:
    # GIVEN a client and its watch
    client = _client()
    watch = Watch(client)
    stubber = Stubber(client)
    # WHEN a Stubber is activated THEN the calls must go through botocore
    stubber.activate()
    assert watch.hooked()
    # AND once it is deactivated, no longer
    stubber.deactivate()
    assert not watch.hooked()


def test_a_handler_on_a_data_plane_call_hooks_it_and_others_do_not() -> None:
    client = _client()
    watch = Watch(client)
    # WHEN a handler is registered on events the lean path does not touch THEN not hooked
    client.meta.events.register("after-call.dynamodb", _hook)
    client.meta.events.register("before-send.dynamodb.ListTables", _hook)
    assert not watch.hooked()
    # WHEN one is registered before a data-plane call is sent THEN hooked, until it goes
    client.meta.events.register("before-send.dynamodb.GetItem", _hook)
    assert watch.hooked()
    client.meta.events.unregister("before-send.dynamodb.GetItem", _hook)
    assert not watch.hooked()


def test_moto_hooks_every_client_while_a_mock_is_active() -> None:
    client = _client()
    watch = Watch(client)
    assert not watch.hooked()
    # WHEN mock_aws is active THEN every call goes through botocore, where moto answers
    with mock_aws():
        assert moto_mocking() and watch.hooked()
    assert not moto_mocking() and not watch.hooked()


def test_a_client_without_botocores_emitter_is_watched_for_moto_only() -> None:
    # GIVEN a client-like object whose events are not botocore's emitter
    odd = SimpleNamespace(meta=SimpleNamespace(events=SimpleNamespace()))
    watch = Watch(odd)
    # THEN only moto's mock decides
    assert not watch.hooked()
    with mock_aws():
        assert watch.hooked()
