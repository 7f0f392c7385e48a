"""Side-by-side benchmark of DynamoDB client libraries against DynamoDB Local."""
