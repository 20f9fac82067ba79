"""Shared library of tinykube: wire types, errors, selectors, client, informer, work queue."""
