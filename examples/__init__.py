"""Example applications built on the DynamoDB service."""
