"""The orders API: an example FastAPI service on ``AsyncDynamoDBService``.

``create_app()`` builds it; ``python -m examples.orders_api`` (``make example``) serves
it on a DynamoDB Local of its own.
"""
