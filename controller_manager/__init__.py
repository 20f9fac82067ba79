"""tinykube controller_manager (arrives with its own issue)."""
