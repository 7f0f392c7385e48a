"""Every peer of the benchmark, one module per family; ``CONTENDERS`` in display order."""

from __future__ import annotations

from bench.peers.aio import Aioboto3Table, Aiodynamo
from bench.peers.base import CONCURRENCY, AsyncContender, Contender, Plain, make_client
from bench.peers.boto import RawClient, ResourceTable, SerializerClient, row_to_av, write_all
from bench.peers.dyntastic_model import DyntasticModel
from bench.peers.pydynox_peers import (
    PydynoxAsync,
    PydynoxAsyncUvloop,
    PydynoxClient,
    PydynoxModel,
)
from bench.peers.pynamodb_model import PynamoDB
from bench.peers.service import (
    Service,
    ServiceAsync,
    ServiceAsyncLean,
    ServiceAsyncLeanUvloop,
    ServiceLean,
)
from bench.peers.service_typed import (
    ServiceAsyncTyped,
    ServiceAsyncTypedLean,
    ServiceTyped,
    ServiceTypedLean,
)

CONTENDERS: list[type[Contender]] = [
    # dicts (or attribute values) in and out
    RawClient,
    SerializerClient,
    ResourceTable,
    Aiodynamo,
    Aioboto3Table,
    PydynoxClient,
    PydynoxAsync,
    Service,
    ServiceAsync,
    ServiceLean,
    ServiceAsyncLean,
    # the async pair again on uvloop
    PydynoxAsyncUvloop,
    ServiceAsyncLeanUvloop,
    # typed: model instances in and out, built inside the timed calls
    PynamoDB,
    PydynoxModel,
    DyntasticModel,
    ServiceTyped,
    ServiceAsyncTyped,
    ServiceTypedLean,
    ServiceAsyncTypedLean,
]

__all__ = [
    "CONCURRENCY",
    "CONTENDERS",
    "AsyncContender",
    "Contender",
    "Plain",
    "RawClient",
    "make_client",
    "row_to_av",
    "write_all",
]
