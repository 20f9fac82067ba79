"""Authentication of api-server requests."""
