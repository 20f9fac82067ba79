"""tinykube scheduler (arrives with its own issue)."""
