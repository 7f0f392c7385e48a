"""Error responses: the same dict and class as botocore's parser and client give."""

from __future__ import annotations

import base64
import json
import socket
import ssl
from typing import Any

import botocore.session
import pytest
from botocore.awsrequest import HeadersDict
from botocore.endpoint import Endpoint
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
    SSLError,
)
from botocore.parsers import create_parser
from hypothesis import given, settings
from hypothesis import strategies as st

from src.services.dynamodb._wire.errors import (
    MODELED,
    attribute_map,
    client_error,
    network_error,
    parse_error,
)

SESSION = botocore.session.get_session()
MODEL = SESSION.get_service_model("dynamodb")
CLIENT = SESSION.create_client(
    "dynamodb", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
)
ERROR_CODES = [shape.name for shape in MODEL.error_shapes]


def _botocore(operation: str, status: int, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    response = {"status_code": status, "headers": HeadersDict(headers), "body": body}
    parser: Any = create_parser("json")
    model = MODEL.operation_model(operation)
    parsed: dict[str, Any] = parser.parse(response, model.output_shape)
    endpoint: Any = Endpoint
    endpoint._add_modeled_error_fields(None, response, parsed, model, parser)
    return parsed


binaries = st.binary(max_size=8).map(lambda raw: base64.b64encode(raw).decode())
scalars = st.one_of(
    st.builds(lambda s: {"S": s}, st.text(max_size=5)),
    st.builds(lambda n: {"N": str(n)}, st.integers()),
    st.builds(lambda b: {"B": b}, binaries),
    st.builds(lambda bs: {"BS": bs}, st.lists(binaries, min_size=1, max_size=3)),
    st.builds(lambda ss: {"SS": ss}, st.lists(st.text(max_size=3), min_size=1, max_size=3)),
    st.just({"NULL": True}),
    st.builds(lambda b: {"BOOL": b}, st.booleans()),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.builds(lambda m: {"M": m}, st.dictionaries(st.text(max_size=3), inner, max_size=3)),
        st.builds(lambda items: {"L": items}, st.lists(inner, max_size=3)),
    ),
    max_leaves=8,
)
items = st.dictionaries(st.text(min_size=1, max_size=4), values, max_size=4)
reasons = st.lists(
    st.fixed_dictionaries(
        {"Code": st.sampled_from(["None", "ConditionalCheckFailed", "TransactionConflict"])},
        optional={"Message": st.text(max_size=5), "Item": items, "Extra": st.integers()},
    ),
    max_size=3,
)
throttling = st.lists(
    st.fixed_dictionaries(
        {"reason": st.text(max_size=5)}, optional={"resource": st.text(max_size=5), "x": st.none()}
    ),
    max_size=2,
)
type_names = st.one_of(
    st.sampled_from(ERROR_CODES + ["ValidationException", "UnrecognizedClientException"]).flatmap(
        lambda code: st.sampled_from(
            [code, f"com.amazonaws.dynamodb.v20120810#{code}", f"{code}:http://internal/"]
        )
    ),
    st.none(),
)
bodies = st.fixed_dictionaries(
    {},
    optional={
        "__type": type_names,
        "message": st.none() | st.text(max_size=8),
        "Message": st.text(max_size=8),
        "Item": items,
        "CancellationReasons": reasons,
        "ThrottlingReasons": throttling,
        "throttlingReasons": throttling,
    },
).map(lambda body: json.dumps(body).encode())
raw_bodies = st.one_of(
    bodies,
    st.sampled_from([b"", b"  ", b"<html><body>Bad Gateway</body></html>", b"not json", b"[1]"]),
)
headers = st.fixed_dictionaries(
    {"content-type": st.just("application/x-amz-json-1.0")},
    optional={
        "x-amzn-requestid": st.text(alphabet="ABC123", min_size=1, max_size=8),
        "x-amzn-query-error": st.sampled_from(["AWS.Thing;Sender", ";Sender", "Only", "A;B;C"]),
    },
)


@settings(max_examples=400, deadline=None)
@given(
    operation=st.sampled_from(["GetItem", "PutItem", "TransactWriteItems", "Query"]),
    status=st.sampled_from([400, 403, 413, 500, 503]),
    head=headers,
    body=raw_bodies,
)
def test_error_dict_and_class_equal_botocores(
    operation: str, status: int, head: dict[str, str], body: bytes
) -> None:
    if body == b"[1]":
        body = b"not json either"  # botocore itself fails on a JSON array (AttributeError)
    expected = _botocore(operation, status, head, body)
    parsed = parse_error(status, head, body)
    assert parsed == expected
    error = client_error(CLIENT.exceptions, operation, parsed)
    code = expected["Error"]["Code"]
    expected_class: Any = CLIENT.exceptions.from_code(code)
    assert type(error) is expected_class
    assert error.response == expected and error.operation_name == operation
    assert str(error) == str(expected_class(expected, operation))


def test_a_json_array_body_is_read_as_a_message() -> None:
    parsed = parse_error(400, {}, b"[1]")
    assert parsed["Error"] == {"Message": "[1]", "Code": "400"}


def test_unknown_codes_are_client_errors() -> None:
    parsed = parse_error(400, {}, b'{"__type": "x#NoSuchThing", "message": "m"}')
    error = client_error(CLIENT.exceptions, "GetItem", parsed)
    assert type(error) is ClientError


def test_the_modeled_table_is_the_service_models() -> None:
    kinds = {"AttributeMap": "item", "CancellationReasonList": "reasons"}
    kinds |= {"ThrottlingReasonList": "throttling", "ErrorMessage": "text"}
    kinds |= {"AvailabilityErrorMessage": "text"}
    shapes: list[Any] = MODEL.error_shapes
    from_model = {
        shape.name: {name: kinds[member.name] for name, member in shape.members.items()}
        for shape in shapes
    }
    assert MODELED == from_model
    reason_shape: Any = MODEL.shape_for("CancellationReason")
    reason = reason_shape.members
    assert {name: member.name for name, member in reason.items()} == {
        "Item": "AttributeMap",
        "Code": "Code",
        "Message": "ErrorMessage",
    }
    throttling_shape: Any = MODEL.shape_for("ThrottlingReason")
    assert set(throttling_shape.members) == {"reason", "resource"}


@settings(max_examples=100, deadline=None)
@given(item=items)
def test_attribute_maps_equal_botocores_parse(item: dict[str, Any]) -> None:
    parser: Any = create_parser("json")
    shape = MODEL.shape_for("AttributeMap")
    assert attribute_map(item) == parser._parse_shape(shape, item)


def test_null_tags_are_dropped_as_botocore_drops_them() -> None:
    assert attribute_map({"a": {"S": None, "N": "1"}}) == {"a": {"N": "1"}}


@pytest.mark.parametrize(
    ("error", "connecting", "expected"),
    [
        (ConnectionRefusedError(), True, EndpointConnectionError),
        (socket.gaierror(), True, EndpointConnectionError),
        (TimeoutError(), True, ConnectTimeoutError),
        (TimeoutError(), False, ReadTimeoutError),
        (ConnectionResetError(), False, ConnectionClosedError),
        (ssl.SSLCertVerificationError(), True, SSLError),
    ],
)
def test_network_errors_are_botocores(
    error: BaseException, connecting: bool, expected: type[Exception]
) -> None:
    mapped = network_error(error, "https://example.test", connecting=connecting)
    assert type(mapped) is expected
    assert "https://example.test" in str(mapped)
