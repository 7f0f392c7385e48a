from src.services.dynamodb.dynamodb_service import DynamoDBService


def test_fixture_service_round_trips_an_item(service: DynamoDBService, table: str) -> None:
    service.put_item({"pk": "a", "sk": 1, "price": 0.1})
    assert service.get_item({"pk": "a", "sk": 1}) == {"pk": "a", "sk": 1, "price": 0.1}
