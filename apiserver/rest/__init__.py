"""The generic REST machinery: one pipeline serves every resource in the catalog."""
