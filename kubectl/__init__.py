"""tinykube kubectl (arrives with its own issue)."""
