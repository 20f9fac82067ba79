"""Wire-level API definitions shared by every component."""
