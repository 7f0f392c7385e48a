"""Transactions (write and get) and PartiQL statements."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

import pytest
from botocore.stub import Stubber

from src.services.dynamodb.dynamodb_models import (
    ConditionCheck,
    Delete,
    DynamoDBConfig,
    Get,
    Put,
    Update,
    WriteAction,
)
from src.services.dynamodb.dynamodb_service import DynamoDBService

from .conftest import ATTRIBUTES, KEY_SCHEMA, TABLE, requests_of, stubbed

LEDGER = "ledger"


def ours(caplog: pytest.LogCaptureFixture, level: int) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "tests.dynamodb" and r.levelno == level]


def stub_describe(stubber: Stubber, table: str = TABLE) -> None:
    """Queue the DescribeTable the key-schema lookup makes."""
    stubber.add_response(
        "describe_table",
        {
            "Table": {
                "TableName": table,
                "KeySchema": KEY_SCHEMA,
                "AttributeDefinitions": ATTRIBUTES,
                "TableStatus": "ACTIVE",
            }
        },
        {"TableName": table},
    )


def account(name: str, balance: int) -> dict[str, Any]:
    return {"pk": name, "sk": 0, "balance": balance}


def at(name: str) -> dict[str, Any]:
    return {"pk": name, "sk": 0}


@pytest.fixture
def accounts(service: DynamoDBService, table: str) -> str:
    """alice 100, bob 50, carol 10, dave 0 in ``users``; an empty ``ledger`` (pk only)."""
    for name, balance in [("alice", 100), ("bob", 50), ("carol", 10), ("dave", 0)]:
        service.put_item(account(name, balance))
    service.create_table(LEDGER, KEY_SCHEMA[:1], ATTRIBUTES[:1])
    return table


# -- transact_write_items on moto ------------------------------------------------------


def test_transaction_applies_every_action(
    service: DynamoDBService, accounts: str, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a transfer from alice to bob, a new account, a closed one, a checked one,
    # and a ledger entry in a second table
    actions: list[WriteAction] = [
        Update(
            at("alice"),
            "SET balance = balance - :a",
            {":a": 30},
            condition_expression="balance >= :a",
        ),
        Update(
            at("bob"), "SET #b = #b + :a", {":a": 30}, expression_attribute_names={"#b": "balance"}
        ),
        Put(account("erin", 5), condition_expression="attribute_not_exists(pk)"),
        Delete(
            at("carol"),
            condition_expression="balance < :max",
            expression_attribute_values={":max": 20},
        ),
        ConditionCheck(at("dave"), "attribute_exists(pk)"),
        Put({"pk": "t1", "amount": Decimal("30.00"), "rate": 0.1}, LEDGER),
    ]
    # WHEN applied
    service.transact_write_items(actions)
    # THEN every effect is visible
    assert service.get_item(at("alice")) == account("alice", 70)
    assert service.get_item(at("bob")) == account("bob", 80)
    assert service.get_item(at("erin")) == account("erin", 5)
    assert service.get_item(at("carol")) is None
    assert service.get_item(at("dave")) == account("dave", 0)
    assert service.get_item({"pk": "t1"}, LEDGER) == {"pk": "t1", "amount": 30, "rate": 0.1}
    # AND the INFO record counts the actions and names both tables
    [done] = [
        r for r in ours(caplog, logging.INFO) if r.__dict__["operation"] == "transact_write_items"
    ]
    # (requests: one DescribeTable per table, then the transaction)
    assert done.__dict__["counts"] == {"actions": 6, "requests": 3}
    assert done.getMessage().startswith("transact_write_items on ledger,users")


def test_transaction_accepts_100_actions_and_a_36_character_token(
    service: DynamoDBService, table: str
) -> None:
    # GIVEN 100 puts of distinct items and the longest legal token
    actions: list[WriteAction] = [Put({"pk": f"p{i}", "sk": i}) for i in range(100)]
    # WHEN applied THEN all 100 are written
    service.transact_write_items(actions, client_request_token="t" * 36)
    assert len(service.scan()) == 100


def test_same_key_in_two_tables_is_not_a_duplicate(service: DynamoDBService, table: str) -> None:
    # GIVEN a second table with the same key schema
    service.create_table("users2", KEY_SCHEMA, ATTRIBUTES)
    # WHEN one key is written in both tables in one transaction THEN both are written
    service.transact_write_items([Put(at("a")), Put(at("a"), "users2")])
    assert service.get_item(at("a")) == service.get_item(at("a"), "users2") == at("a")


def test_real_cancellation_changes_nothing(
    service: DynamoDBService, accounts: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.clear()
    # GIVEN a transfer larger than alice's balance
    actions: list[WriteAction] = [
        Update(
            at("alice"),
            "SET balance = balance - :a",
            {":a": 1000},
            condition_expression="balance >= :a",
        ),
        Update(at("bob"), "SET balance = balance + :a", {":a": 1000}),
    ]
    # WHEN applied THEN botocore's TransactionCanceledException, with the reasons
    with pytest.raises(service.client.exceptions.TransactionCanceledException) as raised:
        service.transact_write_items(actions)
    reasons = raised.value.response.get("CancellationReasons", [])
    assert [reason["Code"] for reason in reasons] == ["ConditionalCheckFailed", "None"]
    # AND nothing changed
    assert service.get_item(at("alice")) == account("alice", 100)
    assert service.get_item(at("bob")) == account("bob", 50)
    # AND one ERROR record names the reason codes
    [error] = ours(caplog, logging.ERROR)
    assert "ConditionalCheckFailed" in error.getMessage()


# -- transact_write_items: validation before any call -------------------------------------


def test_write_validation_fails_before_any_transaction(
    service: DynamoDBService, table: str, caplog: pytest.LogCaptureFixture
) -> None:
    writes = requests_of(service, "TransactWriteItems")
    caplog.clear()
    cases: list[tuple[Any, type[Exception], str]] = [
        ([], ValueError, "1 to 100"),
        ((), ValueError, "1 to 100"),
        ([Put({"pk": f"p{i}", "sk": i}) for i in range(101)], ValueError, "got 101"),
        (Put(at("a")), TypeError, "list"),
        ([Put(at("a")), Delete({"pk": "a", "sk": 0.0})], ValueError, r"actions\[1\]"),
        (
            [
                Update({"pk": "a", "sk": 1}, "SET x = :x", {":x": 1}),
                ConditionCheck({"pk": "a", "sk": Decimal("1.00")}, "attribute_exists(pk)"),
            ],
            ValueError,
            r"actions\[1\] acts on an item",
        ),
        ([Put({"pk": "a", "sk": 1}), Put({"pk": "a", "sk": 1.0, "x": 2})], ValueError, "another"),
        ([Put({"pk": "a"})], ValueError, r"lacks.*sk"),
        ([Delete({"sk": 1})], ValueError, r"lacks.*pk"),
        ([Update({"pk": "a", "sk": 1, "x": 2}, "SET y = :y", {":y": 1})], ValueError, "non-key.*x"),
        ([Delete({"pk": "a", "sk": 1, "x": 2})], ValueError, "non-key"),
        (
            [ConditionCheck({"pk": "a", "sk": 1, "x": 2}, "attribute_exists(pk)")],
            ValueError,
            "non-key",
        ),
        ([Put(at("a")), {"Put": {"Item": at("b")}}], TypeError, r"actions\[1\] is a dict"),
        ([Get(at("a"))], TypeError, "Get"),
        ([Put(at("a"), "no")], ValueError, "table name"),
        ([Update(at("a"), "SET x = :x", {})], ValueError, "lacks"),
        ([Put({"pk": "a", "sk": 1, "bad": float("inf")})], ValueError, "bad"),
    ]
    # WHEN each bad transaction is asked for THEN it fails as expected
    for actions, error, match in cases:
        with pytest.raises(error, match=match):
            service.transact_write_items(actions)
    for token in ("t" * 37, ""):
        with pytest.raises(ValueError, match="client_request_token"):
            service.transact_write_items([Put(at("a"))], client_request_token=token)
    # THEN no transaction was sent, nothing was written, and each failure logged once
    assert writes == [] and service.scan() == []
    assert len(ours(caplog, logging.ERROR)) == len(cases) + 2


def test_a_bad_token_is_refused_before_any_request(service: DynamoDBService) -> None:
    with stubbed(service) as stubber:
        # GIVEN nothing queued, not even the key-schema lookup
        # WHEN the token is too long THEN ValueError, and nothing at all was sent
        with pytest.raises(ValueError, match="client_request_token"):
            service.transact_write_items([Put(at("a"))], client_request_token="x" * 37)
        stubber.assert_no_pending_responses()


def test_client_request_token_and_request_shape_pass_through(service: DynamoDBService) -> None:
    expected = {
        "TransactItems": [
            {
                "Put": {
                    "TableName": TABLE,
                    "Item": {"pk": {"S": "a"}, "sk": {"N": "0"}, "n": {"N": "0.1"}},
                }
            },
            {
                "Update": {
                    "TableName": TABLE,
                    "Key": {"pk": {"S": "b"}, "sk": {"N": "0"}},
                    "UpdateExpression": "SET #n = :n",
                    "ConditionExpression": "attribute_exists(pk)",
                    "ExpressionAttributeNames": {"#n": "name"},
                    "ExpressionAttributeValues": {":n": {"S": "x"}},
                }
            },
        ],
        "ClientRequestToken": "retry-42",
    }
    with stubbed(service) as stubber:
        # GIVEN the exact request expected, after one key-schema lookup
        stub_describe(stubber)
        stubber.add_response("transact_write_items", {}, expected)
        # WHEN the transaction runs with a token
        service.transact_write_items(
            [
                Put({"pk": "a", "sk": 0, "n": 0.1}),
                Update(
                    at("b"),
                    "SET #n = :n",
                    {":n": "x"},
                    condition_expression="attribute_exists(pk)",
                    expression_attribute_names={"#n": "name"},
                ),
            ],
            client_request_token="retry-42",
        )
        # THEN the token and converted values reached the request
        stubber.assert_no_pending_responses()


def test_cancellation_propagates_unchanged_and_logs_reason_codes_only(
    service: DynamoDBService, caplog: pytest.LogCaptureFixture
) -> None:
    reasons = [
        {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"},
        {"Code": "None"},
    ]
    with stubbed(service) as stubber:
        # GIVEN the server cancels the transaction
        stub_describe(stubber)
        stubber.add_client_error(
            "transact_write_items",
            service_error_code="TransactionCanceledException",
            service_message="Transaction cancelled",
            modeled_fields={"CancellationReasons": reasons},
        )
        # WHEN a transaction holding recognisable values runs
        with pytest.raises(service.client.exceptions.TransactionCanceledException) as raised:
            service.transact_write_items(
                [
                    Put(
                        {"pk": "alice-secret-pk", "sk": 7, "balance": 987654},
                        condition_expression="attribute_not_exists(pk)",
                    ),
                    Update({"pk": "bob-secret-pk", "sk": 7}, "SET note = :n", {":n": "hush-hush"}),
                ]
            )
        stubber.assert_no_pending_responses()
    # THEN botocore's exception came out with its CancellationReasons intact
    assert raised.value.response["CancellationReasons"] == reasons
    assert raised.value.response["Error"]["Code"] == "TransactionCanceledException"
    # AND exactly one ERROR record names the reason codes (taken from CancellationReasons,
    # not from the message) and no item value
    [error] = ours(caplog, logging.ERROR)
    message = error.getMessage()
    assert "ConditionalCheckFailed" in message and "None" in message
    everything = message + repr(error.__dict__)
    for secret in ("alice-secret-pk", "bob-secret-pk", "987654", "hush-hush"):
        assert secret not in everything


def test_error_record_carries_the_transaction_tables(
    service: DynamoDBService, caplog: pytest.LogCaptureFixture
) -> None:
    with stubbed(service) as stubber:
        # GIVEN a transaction on the default table that the server refuses
        stub_describe(stubber)
        stubber.add_client_error("transact_write_items", "ValidationException", "no")
        # WHEN it runs
        with pytest.raises(service.client.exceptions.ClientError):
            service.transact_write_items([Put(at("a"))])
        stubber.assert_no_pending_responses()
    # THEN the ERROR record's ``table`` extra names the table, as its message does
    [error] = ours(caplog, logging.ERROR)
    assert error.getMessage().startswith("transact_write_items on users failed")
    assert error.__dict__["table"] == TABLE


# -- transact_get_items -----------------------------------------------------------------


def test_transact_get_returns_items_in_order_with_none_for_absent(
    service: DynamoDBService, accounts: str, caplog: pytest.LogCaptureFixture
) -> None:
    service.put_item({"pk": "t1", "amount": 2.5}, LEDGER)
    # GIVEN gets across two tables, one key absent
    gets = [
        Get(at("bob")),
        Get(at("nobody")),
        Get({"pk": "t1"}, LEDGER),
        Get(
            at("alice"),
            TABLE,
            projection_expression="#b",
            expression_attribute_names={"#b": "balance"},
        ),
    ]
    # WHEN read
    items = service.transact_get_items(gets)
    # THEN results follow the order asked, None where absent, numbers converted
    assert items[:3] == [account("bob", 50), None, {"pk": "t1", "amount": 2.5}]
    assert items[3] is not None and items[3]["balance"] == 100
    done = [
        r for r in ours(caplog, logging.INFO) if r.__dict__["operation"] == "transact_get_items"
    ]
    # (requests: the key-schema lookups, then the one TransactGetItems)
    assert [r.__dict__["counts"] for r in done] == [{"requests": 3, "items": 3}]


def test_transact_get_request_shape(service: DynamoDBService) -> None:
    expected = {
        "TransactItems": [
            {"Get": {"TableName": TABLE, "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}}}},
            {
                "Get": {
                    "TableName": TABLE,
                    "Key": {"pk": {"S": "b"}, "sk": {"N": "2"}},
                    "ProjectionExpression": "#n",
                    "ExpressionAttributeNames": {"#n": "name"},
                }
            },
        ]
    }
    response = {
        "Responses": [{}, {"Item": {"pk": {"S": "b"}, "sk": {"N": "2"}, "name": {"S": "B"}}}]
    }
    with stubbed(service) as stubber:
        # GIVEN the default table (no table_name given) and the exact request expected
        stub_describe(stubber)
        stubber.add_response("transact_get_items", response, expected)
        # WHEN read
        items = service.transact_get_items(
            [
                Get({"pk": "a", "sk": 1}),
                Get(
                    {"pk": "b", "sk": 2},
                    projection_expression="#n",
                    expression_attribute_names={"#n": "name"},
                ),
            ]
        )
        stubber.assert_no_pending_responses()
    # THEN the first is absent, the second converted
    assert items == [None, {"pk": "b", "sk": 2, "name": "B"}]


def test_transact_get_validation_fails_before_any_call(
    service: DynamoDBService, table: str
) -> None:
    reads = requests_of(service, "TransactGetItems")
    cases: list[tuple[Any, type[Exception], str]] = [
        ([], ValueError, "1 to 100"),
        ([Get({"pk": f"p{i}", "sk": i}) for i in range(101)], ValueError, "got 101"),
        ([Get(at("a")), Get({"pk": "a", "sk": Decimal("0.00")})], ValueError, r"gets\[1\]"),
        ([Get({"pk": "a"})], ValueError, "lacks"),
        ([Get({"pk": "a", "sk": 1, "x": 1})], ValueError, "non-key"),
        ([Put(at("a"))], TypeError, "not a Get"),
        (Get(at("a")), TypeError, "list"),
        ([Get({})], ValueError, "empty"),
        ([Get(at("a"), projection_expression="#n")], ValueError, "lacks"),
    ]
    # WHEN each bad read is asked for THEN it fails as expected, with no read sent
    for gets, error, match in cases:
        with pytest.raises(error, match=match):
            service.transact_get_items(gets)
    assert reads == []


def test_transact_get_accepts_100_gets(service: DynamoDBService) -> None:
    # GIVEN 100 distinct keys (moto still caps TransactGetItems at 25, so Stubber)
    responses: list[dict[str, Any]] = [{} for _ in range(100)]
    responses[7] = {"Item": {"pk": {"S": "p7"}, "sk": {"N": "7"}}}
    expected = {
        "TransactItems": [
            {"Get": {"TableName": TABLE, "Key": {"pk": {"S": f"p{i}"}, "sk": {"N": str(i)}}}}
            for i in range(100)
        ]
    }
    with stubbed(service) as stubber:
        stub_describe(stubber)
        stubber.add_response("transact_get_items", {"Responses": responses}, expected)
        # WHEN read THEN all 100 were asked in one request, absent ones None
        items = service.transact_get_items([Get({"pk": f"p{i}", "sk": i}) for i in range(100)])
        stubber.assert_no_pending_responses()
    assert len(items) == 100 and items[7] == {"pk": "p7", "sk": 7}
    assert items.count(None) == 99


def test_gets_and_actions_without_a_table_need_a_default(
    service: DynamoDBService, table: str, logger: logging.Logger, config: DynamoDBConfig
) -> None:
    service.put_item({"pk": "p7", "sk": 7})
    # GIVEN a service without a default table
    bare = DynamoDBService(
        logger=logger, config=config.model_copy(update={"default_table_name": None})
    )
    try:
        reads = requests_of(bare, "TransactGetItems")
        writes = requests_of(bare, "TransactWriteItems")
        # WHEN a Get or an action names no table THEN ValueError before any call
        with pytest.raises(ValueError, match="default_table_name"):
            bare.transact_get_items([Get({"pk": "p7", "sk": 7})])
        with pytest.raises(ValueError, match="default_table_name"):
            bare.transact_write_items([Put({"pk": "p7", "sk": 7})])
        assert reads == [] and writes == []
        # AND naming the table works
        assert bare.transact_get_items([Get({"pk": "p7", "sk": 7}, TABLE)]) == [
            {"pk": "p7", "sk": 7}
        ]
    finally:
        bare.close()


# -- PartiQL ------------------------------------------------------------------------------

SELECT = 'SELECT * FROM "users" WHERE pk = ? AND sk = ?'


def row(sk: int) -> dict[str, Any]:
    return {"pk": {"S": "a"}, "sk": {"N": str(sk)}, "price": {"N": "1.5"}}


def test_statement_parameters_are_plain_values_converted(service: DynamoDBService) -> None:
    expected = {
        "Statement": SELECT,
        "ConsistentRead": False,
        "Parameters": [{"S": "a"}, {"N": "1"}],
    }
    with stubbed(service) as stubber:
        # GIVEN the exact request expected
        stubber.add_response("execute_statement", {"Items": [row(1)]}, expected)
        # WHEN run with plain Python parameters
        items = service.execute_statement(SELECT, ["a", 1])
        stubber.assert_no_pending_responses()
    # THEN the items come back as Python values
    assert items == [{"pk": "a", "sk": 1, "price": 1.5}]


def test_statement_parameters_of_every_kind(service: DynamoDBService) -> None:
    parameters: list[Any] = [True, None, b"\x01", 0.1, Decimal("1.50"), {"s"}, [1, "x"]]
    expected = {
        "Statement": "SELECT * FROM t WHERE a=? AND b=? AND c=? AND d=? AND e=? AND f=? AND g=?",
        "ConsistentRead": True,
        "Parameters": [
            {"BOOL": True},
            {"NULL": True},
            {"B": b"\x01"},
            {"N": "0.1"},
            {"N": "1.50"},
            {"SS": ["s"]},
            {"L": [{"N": "1"}, {"S": "x"}]},
        ],
    }
    with stubbed(service) as stubber:
        stubber.add_response("execute_statement", {"Items": []}, expected)
        # WHEN run with consistent_read THEN both reach the request
        assert (
            service.execute_statement(str(expected["Statement"]), parameters, consistent_read=True)
            == []
        )
        stubber.assert_no_pending_responses()


def test_statement_follows_next_token_across_pages(
    service: DynamoDBService, caplog: pytest.LogCaptureFixture
) -> None:
    base = {"Statement": 'SELECT * FROM "users"', "ConsistentRead": False}
    with stubbed(service) as stubber:
        # GIVEN 3 pages linked by NextToken
        stubber.add_response(
            "execute_statement", {"Items": [row(1), row(2)], "NextToken": "t1"}, base
        )
        stubber.add_response(
            "execute_statement", {"Items": [], "NextToken": "t2"}, {**base, "NextToken": "t1"}
        )
        stubber.add_response("execute_statement", {"Items": [row(3)]}, {**base, "NextToken": "t2"})
        # WHEN run without a limit
        items = service.execute_statement('SELECT * FROM "users"')
        stubber.assert_no_pending_responses()
    # THEN all three pages were read, items in order
    assert [item["sk"] for item in items] == [1, 2, 3]
    [done] = ours(caplog, logging.INFO)
    assert done.__dict__["counts"] == {"requests": 3, "pages": 3, "items": 3}
    assert done.__dict__["operation"] == "execute_statement"


def test_statement_limit_counts_results_across_pages(service: DynamoDBService) -> None:
    base = {"Statement": 'SELECT * FROM "users"', "ConsistentRead": False}
    with stubbed(service) as stubber:
        # GIVEN pages of 2 results, with more after the second
        stubber.add_response(
            "execute_statement", {"Items": [row(1), row(2)], "NextToken": "t1"}, base
        )
        stubber.add_response(
            "execute_statement",
            {"Items": [row(3), row(4)], "NextToken": "t2"},
            {**base, "NextToken": "t1"},
        )
        # WHEN 3 results are asked for
        items = service.execute_statement('SELECT * FROM "users"', limit=3)
        # THEN exactly 3 over two requests, no third request
        stubber.assert_no_pending_responses()
    assert [item["sk"] for item in items] == [1, 2, 3]


def test_statement_validation_fails_before_any_call(
    service: DynamoDBService, caplog: pytest.LogCaptureFixture
) -> None:
    with stubbed(service) as stubber:
        # GIVEN nothing queued WHEN the arguments are wrong THEN they fail at once
        with pytest.raises(ValueError, match="limit"):
            service.execute_statement(SELECT, ["a", 1], limit=-1)
        with pytest.raises(TypeError, match="limit"):
            service.execute_statement(SELECT, ["a", 1], limit=True)
        with pytest.raises(ValueError, match="statement is empty"):
            service.execute_statement("")
        with pytest.raises(ValueError, match="statement is empty"):
            service.execute_statement("  \n")
        with pytest.raises(TypeError, match="statement"):
            service.execute_statement(None)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="parameters"):
            service.execute_statement(SELECT, "a1")
        with pytest.raises(ValueError, match=r"parameters\[1\]"):
            service.execute_statement(SELECT, ["a", float("nan")])
        with pytest.raises(ValueError, match=r"parameters\[0\]"):
            service.execute_statement(SELECT, [set()])
        stubber.assert_no_pending_responses()
    assert len(ours(caplog, logging.ERROR)) == 8


def test_statement_errors_propagate_and_are_logged_once(
    service: DynamoDBService, caplog: pytest.LogCaptureFixture
) -> None:
    with stubbed(service) as stubber:
        # GIVEN the server refuses the statement
        stubber.add_client_error(
            "execute_statement", "ValidationException", "Statement wasn't well formed"
        )
        # WHEN run THEN the ClientError comes out unchanged, logged once
        with pytest.raises(service.client.exceptions.ClientError) as raised:
            service.execute_statement("SELEC nonsense")
        stubber.assert_no_pending_responses()
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    [error] = ours(caplog, logging.ERROR)
    assert "ValidationException" in error.getMessage()


def test_statement_on_moto_selects_with_parameters(service: DynamoDBService, accounts: str) -> None:
    # GIVEN the accounts WHEN selected by a parameter THEN converted items come back
    items = service.execute_statement('SELECT * FROM "users" WHERE pk = ?', ["bob"])
    assert items == [account("bob", 50)]
    everything = service.execute_statement('SELECT * FROM "users"', limit=2)
    assert len(everything) == 2
